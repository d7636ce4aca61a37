/**
 * nginx configuration parser: tokens -> crossplane-shaped tree, following `include`.
 *
 * Statement grammar (as nginx and crossplane): a directive name, then arguments up to `;` (simple directive),
 * `{` (block directive, its body follows up to the matching `}`) or `}` (an error: not terminated).
 * Known directives are checked against the table in directives.ts as crossplane's analyzer does; an invalid
 * statement is reported and dropped, and parsing goes on (crossplane's catch_errors mode).
 *
 * A syntax error in a file (unbalanced braces, an unterminated quote, end of file inside a statement) fails
 * that file: like crossplane, its `parsed` list is empty and its error carries file:line.
 *
 * Include rule (see README.md in this folder): a relative `include` is resolved against the config prefix,
 * which is the directory of the entry file (what `nginx -p` is when the entry is nginx.conf), not against the
 * including file's directory. Glob patterns may match nothing (as in nginx); a plain name that matches no file
 * is an error at the include's file:line, unless it names a stock params file (see stock.ts), which is read
 * from /etc/nginx or from our built-in copy. Each file is parsed once, in the context of its first include;
 * include cycles are reported at the include that closes the cycle.
 */

import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { MAX_CONFIG_BYTES } from '../../model/limits.js';
import type { BranchPick, TemplateVars } from '../../model/template.js';
import { detemplate, type TemplateBranch } from '../template/index.js';
import type { NginxConfigFile, NginxConfigTree, NginxDirective, NginxParseError } from './ast.js';
import { allowedIn, analyzeWithContextBit, contextBit, enterBlockContext } from './directives.js';
import { Kind, lexTokens, type TokenList } from './lexer.js';
import { type StockFile, stockFileFor } from './stock.js';

/** Larger files are not read: no real nginx config is this big, and reading one would cost memory and time. */
export { MAX_CONFIG_BYTES };
/** Files one tree may pull in through includes (bounds globs like `include /**` gone wrong). */
export const MAX_INCLUDED_FILES = 5000;
/** Tokens one tree may hold across its files (twice the per-file cap; bounds memory for glob includes). */
export const MAX_TREE_TOKENS = 6_000_000;
/** Deepest block nesting accepted (real configs stay under 10). */
export const MAX_NESTING = 200;

export interface ParseOptions {
  /** Keep comments in statement position as `{directive: '#', comment}` entries (crossplane's --include-comments).
   * Comments between a directive's arguments are always kept after the directive, as crossplane does. */
  comments?: boolean;
  /** Directory relative includes resolve against. Default: the entry file's directory. */
  prefix?: string;
  /** Do not follow includes (crossplane's --single-file). */
  single?: boolean;
  /**
   * Block context of the entry file: `[]` main (nginx.conf), `['http']` (a conf.d or sites-enabled file),
   * `['http', 'server']` (a snippet included in a server). `'auto'` (default) picks the first of main, http,
   * http/server, http/location in which every known top-level directive of the file is allowed, and if the
   * file then has directive errors, the one of those four with the fewest.
   */
  context?: 'auto' | string[];
  /** Directories searched for a stock params file (proxy_params, ...) not found under the prefix. Default ['/etc/nginx']. */
  stockDirs?: string[];
  /** Use the built-in copy of a stock params file that exists nowhere. Default true. */
  builtinStock?: boolean;
  /** Check known directives' contexts and argument counts (crossplane's check_ctx/check_args). Default true. */
  analyze?: boolean;
  /**
   * Absolute include paths under `from` are read under `to` when the copy has them (a copy of /etc/nginx in a
   * repository includes `/etc/nginx/sites-enabled/*`; that means the copy's sites-enabled, not this machine's).
   * With `always`, also when the copy lacks them (then this machine's /etc/nginx is never read, except for
   * stock params through `stockDirs`).
   */
  rebase?: { from: string; to: string; always?: boolean }[];
  /** Called with the text of every file parsed (for snippets), once per file. */
  onFileText?: (file: string, abs: string, text: string, source: 'file' | 'builtin') => void;
  /** Resolves an include argument not found as written (e.g. with a template placeholder) to an absolute path. */
  resolveInclude?: (arg: string) => string | undefined;
  /** Size cap per file, bytes. Default MAX_CONFIG_BYTES. */
  maxBytes?: number;
  /**
   * A file's text already read and decoded by the caller exactly as `readConfigText` would decode it, with its size
   * in bytes (engine/collect.ts reads every file once): used instead of reading the file again when within the size
   * cap. Undefined: the file is read here.
   */
  knownText?: (abs: string) => { text: string; bytes: number } | undefined;
  /** The variables the tree gives a template file (Ansible vars files), for its placeholders. */
  templateVars?: (abs: string) => TemplateVars | undefined;
  /** One rendering of a template among several: the alternative chosen conditionals keep (CollectOptions.templatePicks). */
  templatePicks?: ReadonlyMap<string, BranchPick>;
  /** The entry file's text, read by the caller (an nginx config embedded in a YAML ConfigMap: collectors/nginx/embedded.ts). */
  entryText?: string;
  /**
   * The name whose suffix decides the entry's template syntaxes instead of its path: a ConfigMap key
   * (`default.conf.template`) is read as the file it becomes, so its `${NAME}`s are envsubst's although the
   * file holding it is YAML (where `${...}` is not envsubst's).
   */
  entryTemplateName?: string;
  /** Filled with the work done (tests bound the parser's work with these counts, never with a clock). */
  stats?: ParseStats;
}

/** Work counters of one parse (all files, all context trials). */
export interface ParseStats {
  /** Passes over the entry (1, or up to 5 when the entry's block context is guessed). */
  passes: number;
  /** Characters of text handed to the lexer. */
  chars: number;
  /** Characters the lexer visited. */
  lexSteps: number;
  /** Tokens lexed. */
  tokens: number;
  /** Iterations of the parser's loops over tokens (brace check, statements, arguments). */
  parseSteps: number;
  /** Directives built. */
  nodes: number;
}

/** Zeroed counters for `ParseOptions.stats`. */
export function newParseStats(): ParseStats {
  return { passes: 0, chars: 0, lexSteps: 0, tokens: 0, parseSteps: 0, nodes: 0 };
}

/** Why a file could not be read, with the line for a binary file (where its first NUL byte is). */
export interface ReadFailure {
  error: string;
  line: number | null;
}

/** Reads a config file as nginx would see it: bytes, size-capped, refusing binary files, decoded as UTF-8
 * with U+FFFD for invalid bytes (crossplane reads with errors='replace'; nginx itself does not decode). */
export function readConfigText(abs: string, maxBytes = MAX_CONFIG_BYTES): { text: string } | ReadFailure {
  let size: number;
  try {
    const st = statSync(abs);
    if (st.isDirectory()) return { error: 'is a directory, not a file', line: null };
    // A FIFO or device would block or never end: only regular files are configs.
    if (!st.isFile()) return { error: 'not a regular file', line: null };
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${(e as Error).message}`, line: null };
  }
  if (size > maxBytes) {
    return {
      error: `file is ${(size / 1048576).toFixed(1)} MB, larger than the ${Math.round(maxBytes / 1048576)} MB limit for an nginx config; not read`,
      line: null,
    };
  }
  let buf: Buffer;
  try {
    // Read at most maxBytes + 1 even if the file grew since stat (never an unbounded read).
    const fd = openSync(abs, 'r');
    try {
      buf = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
      let got = 0;
      while (got < buf.length) {
        const r = readSync(fd, buf, got, buf.length - got, null);
        if (r === 0) break;
        got += r;
      }
      buf = buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return { error: `cannot read: ${(e as Error).message}`, line: null };
  }
  if (buf.length > maxBytes) {
    return {
      error: `file is larger than the ${Math.round(maxBytes / 1048576)} MB limit for an nginx config; not read`,
      line: null,
    };
  }
  return decodeConfigBytes(buf);
}

/** Decodes config bytes; a NUL byte means a binary file (nginx configs are text). */
export function decodeConfigBytes(buf: Uint8Array): { text: string } | ReadFailure {
  const nul = buf.indexOf(0);
  if (nul >= 0) {
    let line = 1;
    for (let k = 0; k < nul; k++) if (buf[k] === 10) line++;
    return { error: 'binary file, not an nginx config', line };
  }
  return { text: new TextDecoder('utf-8').decode(buf) };
}

class SyntaxFailure {
  constructor(
    readonly reason: string,
    readonly line: number,
  ) {}
}

interface PendingFile {
  /** Path as it appears in the tree (crossplane: join(prefix, include arg)). */
  file: string;
  abs: string;
  ctx: string[];
  stock?: StockFile;
  /** For the entry given as text, and for built-in stock files. */
  text?: string;
  builtin?: boolean;
  /** Where it was first included (for read errors). */
  from?: { index: number; line: number };
}

interface IncludeEdge {
  from: number;
  to: number;
  line: number;
}

/** The argument list of a directive written without arguments (`server {`, `internal;`): one for every tree. */
const NO_ARGS: string[] = Object.freeze([]) as unknown as string[];

/**
 * Argument lists shared by the directives that write the same words (10,000 servers repeat `listen 80`,
 * `proxy_set_header Host $host`, `location /`): one frozen array per distinct list of one or two words in a parse,
 * instead of an array per directive that the young-generation collector copied twice (the tree lives as long as the
 * analysis). Frozen, so a reader that wrote into one would fail loudly instead of changing other directives.
 * Lists of three or more words are rare and mostly distinct: each gets its own array. The lexer interns words,
 * so a lookup hashes no new string; a distinct first word costs one map entry, not a map.
 */
class ArgLists {
  private readonly one = new Map<string, string[]>();
  /** By first word: the one list seen with it, or (after a second) the lists by second word. */
  private readonly two = new Map<string, string[] | Map<string, string[]>>();

  /** `values[start..end)` as an argument list. */
  of(values: readonly string[], start: number, end: number): string[] {
    const n = end - start;
    if (n === 0) return NO_ARGS;
    const first = values[start] as string;
    if (n === 1) {
      let list = this.one.get(first);
      if (list === undefined) {
        list = Object.freeze([first]) as unknown as string[];
        this.one.set(first, list);
      }
      return list;
    }
    if (n > 2) return values.slice(start, end);
    const second = values[start + 1] as string;
    const known = this.two.get(first);
    if (known === undefined) {
      const list = Object.freeze([first, second]) as unknown as string[];
      this.two.set(first, list);
      return list;
    }
    if (Array.isArray(known)) {
      if (known[1] === second) return known;
      const bySecond = new Map<string, string[]>([[known[1] as string, known]]);
      this.two.set(first, bySecond);
      const list = Object.freeze([first, second]) as unknown as string[];
      bySecond.set(second, list);
      return list;
    }
    let list = known.get(second);
    if (list === undefined) {
      list = Object.freeze([first, second]) as unknown as string[];
      known.set(second, list);
    }
    return list;
  }
}

function formatError(reason: string, file: string, line: number | null): string {
  return line === null ? reason : `${reason} in ${file}:${line}`;
}

/** The statement-level directive names at depth 0 (for guessing a file's context). */
function topLevelNames(tokens: TokenList): string[] {
  const names: string[] = [];
  let depth = 0;
  let atStart = true;
  for (let i = 0; i < tokens.length; i++) {
    const kind = tokens.kind(i);
    if (kind === Kind.Comment) continue;
    if (kind === Kind.Open || kind === Kind.Close || kind === Kind.Semi) {
      if (kind === Kind.Open) depth++;
      else if (kind === Kind.Close) depth--;
      atStart = true;
      continue;
    }
    if (atStart && depth === 0) names.push(tokens.values[i] as string);
    atStart = false;
  }
  return names;
}

const AUTO_CONTEXTS: string[][] = [[], ['http'], ['http', 'server'], ['http', 'location']];

function fittingContexts(names: string[]): string[][] {
  return AUTO_CONTEXTS.filter((ctx) => names.every((n) => allowedIn(n, ctx)));
}

const GLOB_MAGIC = /[*?[]/;

/**
 * Files matching an absolute glob pattern, sorted; dotfiles and directories are not matched. Bounded.
 * `literalPrefix` (a directory the pattern starts with) is taken as is, even if its name holds `[` or `*`.
 */
export function globFiles(pattern: string, limit = MAX_INCLUDED_FILES, literalPrefix?: string): string[] {
  const start = literalPrefix && pattern.startsWith(`${literalPrefix}${sep}`) ? literalPrefix.split(sep).length : 0;
  const parts = pattern.split(sep);
  let k = start;
  while (k < parts.length && !GLOB_MAGIC.test(parts[k] as string)) k++;
  const base = parts.slice(0, k).join(sep) || sep;
  const out: string[] = [];
  const walk = (dir: string, idx: number): void => {
    if (out.length >= limit) return;
    if (idx === parts.length) {
      try {
        if (statSync(dir).isFile()) out.push(dir);
      } catch {
        /* vanished */
      }
      return;
    }
    const seg = parts[idx] as string;
    if (!GLOB_MAGIC.test(seg)) {
      walk(join(dir, seg), idx + 1);
      return;
    }
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    const re = picomatch.makeRe(seg, { dot: false });
    for (const name of names) if (re.test(name)) walk(join(dir, name), idx + 1);
  };
  walk(base, k);
  return out.sort();
}

function exists(abs: string): 'file' | 'dir' | 'other' | false {
  try {
    const st = statSync(abs);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch {
    return false;
  }
}

interface TreeResult {
  tree: NginxConfigTree;
  entryCtx: string[];
  /** Directive errors (context, arguments) in the entry file: the signal that its context was guessed wrong. */
  entryDirectiveErrors: number;
  /** The usual contexts in which every top-level directive of the entry is allowed. */
  entryFitting: string[][];
}

/** Parses one entry (file or text) and everything it includes. Never throws for bad input. */
function parseTree(entry: PendingFile, options: ParseOptions, fixedCtx?: string[]): TreeResult {
  let entryCtx: string[] = [];
  let entryDirectiveErrors = 0;
  let entryFitting: string[][] = [];
  const prefix = options.prefix ?? dirname(entry.abs);
  const stockDirs = options.stockDirs ?? ['/etc/nginx'];
  const builtinStock = options.builtinStock ?? true;
  const maxBytes = options.maxBytes ?? MAX_CONFIG_BYTES;
  const config: NginxConfigFile[] = [];
  // Shared by every file of the tree (an include's `proxy_set_header Host $host` is the entry's list too).
  const argLists = new ArgLists();
  const queue: PendingFile[] = [entry];
  const indexByAbs = new Map<string, number>([[entry.abs, 0]]);
  const edges: IncludeEdge[] = [];
  let treeTokens = 0;
  const stats = options.stats;
  if (stats) stats.passes++;
  const lexWork = { steps: 0 };
  let parseSteps = 0;
  let nodes = 0;

  for (let qi = 0; qi < queue.length; qi++) {
    const pf = queue[qi] as PendingFile;
    const cfg: NginxConfigFile = { file: pf.file, status: 'ok', errors: [], parsed: [], abs: pf.abs };
    cfg.source = pf.builtin ? 'builtin' : 'file';
    config.push(cfg);
    const addError = (
      reason: string,
      line: number | null,
      kind: NonNullable<NginxParseError['kind']>,
      target?: string,
      include?: string,
    ): void => {
      cfg.status = 'failed';
      const e: NginxParseError = { file: pf.file, line, error: formatError(reason, pf.file, line), kind };
      if (target !== undefined) e.target = target;
      if (include !== undefined) e.include = include;
      cfg.errors.push(e);
    };

    let text = pf.text;
    let conditionalLines: TemplateBranch[] = [];
    if (text === undefined) {
      const known = options.knownText?.(pf.abs);
      if (known && known.bytes <= maxBytes) text = known.text;
    }
    if (text === undefined) {
      const r = readConfigText(pf.abs, maxBytes);
      if ('error' in r) {
        addError(r.error, r.line, 'read');
        continue;
      }
      text = r.text;
    }
    options.onFileText?.(pf.file, pf.abs, text, pf.builtin ? 'builtin' : 'file');
    if (!pf.builtin) {
      // A template of a config (Jinja, ERB, envsubst, Go) is parsed rendered, line for line: one rendering, the
      // first alternative of each conditional unless this analysis picks another (CollectOptions.templatePicks; the
      // engine analyses each alternative that matters and says which findings hold in which: a location written
      // only in an `else` is analysed in that rendering). Not the union of the alternatives: `if`/`else` branches
      // setting the same header would be read as both lines sent ("https, http"), which no rendering sends.
      const vars = options.templateVars?.(pf.abs);
      const name = qi === 0 && options.entryTemplateName !== undefined ? options.entryTemplateName : pf.abs;
      const pick = options.templatePicks?.get(pf.abs);
      const rendered = detemplate(text, { name, ...(vars ? { vars } : {}), ...(pick ? { pick } : {}) });
      conditionalLines = rendered?.branches ?? [];
      if (rendered?.heavy) {
        addError(`template: too template-heavy to read (${rendered.heavy}); not read`, 1, 'read');
        continue;
      }
      if (rendered) text = rendered.text;
    }

    const { tokens, error: lexError } = lexTokens(text, lexWork);
    if (stats) {
      stats.chars += text.length;
      stats.tokens += tokens.length;
    }
    if (lexError) {
      addError(lexError.message, lexError.line, lexError.message.startsWith('more than') ? 'limit' : 'syntax');
      continue;
    }
    treeTokens += tokens.length;
    if (treeTokens > MAX_TREE_TOKENS) {
      addError(
        `the files of this config hold more than ${MAX_TREE_TOKENS.toLocaleString('en')} tokens: too big to lint`,
        null,
        'limit',
      );
      continue;
    }
    // Braces must balance before anything is parsed (crossplane does the same check as it reads).
    let depth = 0;
    let braceError: SyntaxFailure | undefined;
    const openLines: number[] = [];
    for (let i = 0; i < tokens.length; i++) {
      parseSteps++;
      const kind = tokens.kind(i);
      if (kind === Kind.Open) {
        depth++;
        openLines.push(tokens.line(i));
      } else if (kind === Kind.Close) {
        depth--;
        openLines.pop();
        if (depth < 0) {
          braceError = new SyntaxFailure('unexpected "}"', tokens.line(i));
          break;
        }
      }
    }
    if (!braceError && depth > 0) {
      braceError = new SyntaxFailure(
        `unexpected end of file, expecting "}" (the "{" on line ${openLines[openLines.length - 1]} is never closed)`,
        tokens.line(tokens.length - 1),
      );
    }
    if (braceError) {
      addError(braceError.reason, braceError.line, 'syntax');
      continue;
    }

    // The entry's context is given or guessed; an included file takes the context of its include.
    let ctx = pf.ctx;
    if (qi === 0) {
      entryFitting = fittingContexts(topLevelNames(tokens));
      ctx = fixedCtx ?? entryFitting[0] ?? [];
      entryCtx = ctx;
    }

    let pos = 0;
    const resolveInclude = (stmt: NginxDirective, siteCtx: string[]): void => {
      stmt.includes = [];
      if (options.single) return;
      const arg = stmt.args[0] as string;
      let pattern = isAbsolute(arg) ? arg : join(prefix, arg);
      // The part of the pattern that comes from us (the prefix, a rebase target) is literal, not a glob.
      let literal: string | undefined = isAbsolute(arg) ? undefined : resolve(prefix);
      // A copy of /etc/nginx linted from elsewhere: its absolute includes point into the copy when it has them.
      for (const r of options.rebase ?? []) {
        if (!isAbsolute(arg) || (arg !== r.from && !arg.startsWith(`${r.from}/`))) continue;
        const moved = join(r.to, arg.slice(r.from.length));
        if (
          r.always ||
          (GLOB_MAGIC.test(arg)
            ? exists(moved.slice(0, moved.search(GLOB_MAGIC)).replace(/[^/]*$/, '')) === 'dir'
            : exists(moved))
        ) {
          pattern = moved;
          literal = resolve(r.to);
        }
      }
      const absPattern = resolve(pattern);
      let found: { file: string; abs: string; stock?: StockFile; builtin?: boolean }[] = [];
      if (GLOB_MAGIC.test(arg)) {
        found = globFiles(absPattern, MAX_INCLUDED_FILES, literal).map((abs) => ({
          abs,
          file: isAbsolute(pattern) ? abs : join(prefix, relative(resolve(prefix), abs)),
        }));
      } else if (exists(absPattern) === 'file') {
        found = [{ file: pattern, abs: absPattern, stock: stockFileFor(arg) }];
      } else {
        const stock = stockFileFor(arg);
        if (stock) {
          const real = stockDirs.map((d) => join(d, stock.name)).find((p) => exists(p) === 'file');
          if (real) found = [{ file: real, abs: real, stock }];
          else if (builtinStock) found = [{ file: stock.path, abs: stock.path, stock, builtin: true }];
        }
        if (found.length === 0 && options.resolveInclude) {
          // A path the tree cannot name as written (a template placeholder in it): the caller may know the file.
          const other = options.resolveInclude(arg);
          if (other && exists(other) === 'file') found = [{ file: other, abs: other }];
        }
        if (found.length === 0) {
          const kind = exists(absPattern);
          const why =
            kind === 'dir' ? 'is a directory, not a file' : kind === 'other' ? 'not a regular file' : 'no such file or directory';
          addError(
            `include "${arg}": ${why}${absPattern === arg ? '' : ` (${absPattern})`}`,
            stmt.line,
            'include-missing',
            absPattern,
            arg,
          );
          return;
        }
      }
      for (const f of found) {
        let index = indexByAbs.get(f.abs);
        if (index === undefined) {
          if (queue.length >= MAX_INCLUDED_FILES) {
            addError(`more than ${MAX_INCLUDED_FILES} included files; not following "${arg}"`, stmt.line, 'limit');
            return;
          }
          index = queue.length;
          indexByAbs.set(f.abs, index);
          queue.push({
            file: f.file,
            abs: f.abs,
            ctx: siteCtx,
            stock: f.stock,
            text: f.builtin ? f.stock?.content : undefined,
            builtin: f.builtin,
            from: { index: qi, line: stmt.line },
          });
        }
        stmt.includes.push(index);
        edges.push({ from: qi, to: index, line: stmt.line });
      }
    };

    const analyze = options.analyze ?? true;
    // Every block's directives are collected on one stack (the nested blocks' above their parent's) and copied out
    // exactly sized when the block ends: an array per block grown by push kept room for 17 elements and was then
    // copied to its length anyway (50,000 blocks on the 10,000-server bench).
    const stack: NginxDirective[] = [];
    let top = 0;
    const values = tokens.values;
    const meta = tokens.meta;
    const count = tokens.length;
    const parseBlock = (blockCtx: string[], consume: boolean, nesting: number): NginxDirective[] => {
      if (nesting > MAX_NESTING) {
        throw new SyntaxFailure(`blocks nested more than ${MAX_NESTING} deep`, tokens.line(pos - 1));
      }
      const bit = consume ? undefined : contextBit(blockCtx);
      const base = top;
      while (pos < count) {
        parseSteps++;
        const at = pos++;
        const kind = meta[at * 3 + 2] as number;
        if (kind === Kind.Close) break;
        if (consume) {
          if (kind === Kind.Open) parseBlock([], true, nesting + 1);
          continue;
        }
        const line = meta[at * 3] as number;
        if (kind === Kind.Comment) {
          if (options.comments) stack[top++] = { directive: '#', line, args: [], comment: (values[at] as string).slice(1) };
          continue;
        }
        if (kind === Kind.Open || kind === Kind.Semi) {
          // `{` or `;` where a directive name belongs (nginx: unexpected "{" / ";").
          cfgError(`unexpected "${values[at]}"`, line);
          if (kind === Kind.Open) parseBlock([], true, nesting + 1);
          continue;
        }
        nodes++;
        let argComments: string[] | undefined;
        let term = -1;
        const argsStart = pos;
        while (pos < count) {
          parseSteps++;
          const t = pos++;
          const tk = meta[t * 3 + 2] as number;
          if (tk >= Kind.Open) {
            term = tk;
            break;
          }
          if (tk === Kind.Comment) {
            argComments ??= [];
            argComments.push((values[t] as string).slice(1));
          }
        }
        if (term < 0) throw new SyntaxFailure('unexpected end of file, expecting ";" or "}"', line);
        // Exactly sized (an array grown by push keeps room for 17 elements: at 270,000 directives that was the
        // largest part of the tree's memory).
        // `if` arguments are rewritten in place (stripIfParentheses): never shared.
        const args = argComments
          ? values.slice(argsStart, pos - 1).filter((_, k) => meta[(argsStart + k) * 3 + 2] !== Kind.Comment)
          : values[at] === 'if'
            ? values.slice(argsStart, pos - 1)
            : argLists.of(values, argsStart, pos - 1);
        const stmt: NginxDirective = { directive: values[at] as string, line, args, column: meta[at * 3 + 1] as number };
        const termText = term === Kind.Open ? '{' : term === Kind.Close ? '}' : ';';

        if (stmt.directive === 'if') stripIfParentheses(stmt.args);
        const problem = analyzeWithContextBit(stmt.directive, stmt.args, termText, bit, analyze);
        if (problem) {
          if (qi === 0) entryDirectiveErrors++;
          cfgError(problem.reason, stmt.line);
          if (problem.notTerminated) {
            if (term === Kind.Close) break;
            parseBlock([], true, nesting + 1);
          } else if (term === Kind.Open) {
            parseBlock([], true, nesting + 1);
          }
          continue;
        }
        if (stmt.directive === 'include' && stmt.args.length >= 1) resolveInclude(stmt, blockCtx);
        if (term === Kind.Open) stmt.block = parseBlock(enterBlockContext(stmt.directive, blockCtx), false, nesting + 1);
        stack[top++] = stmt;
        if (argComments) for (const c of argComments) stack[top++] = { directive: '#', line: stmt.line, args: [], comment: c };
      }
      // Exactly sized, for the same reason as the arguments.
      const parsed = stack.slice(base, top);
      top = base;
      return parsed;
    };
    const cfgError = (reason: string, line: number): void => addError(reason, line, 'directive');

    try {
      const parsed = parseBlock(ctx, false, 0);
      // A `}` at top level cannot happen (braces balance), so every token was read.
      cfg.parsed = parsed;
      if (conditionalLines.length > 0) markConditional(parsed, conditionalLines, 0);
    } catch (e) {
      if (!(e instanceof SyntaxFailure)) throw e;
      cfg.parsed = [];
      addError(e.reason, e.line, e.reason.startsWith('blocks nested') ? 'limit' : 'syntax');
    }
  }

  reportCycles(config, edges);
  if (stats) {
    stats.lexSteps += lexWork.steps;
    stats.parseSteps += parseSteps;
    stats.nodes += nodes;
  }

  const errors: NginxParseError[] = [];
  for (const c of config) errors.push(...c.errors);
  return { tree: { status: errors.length ? 'failed' : 'ok', errors, config }, entryCtx, entryDirectiveErrors, entryFitting };
}

/**
 * Parses with the entry's context given, or guessed: when the cheap guess leaves directive errors in the entry
 * (a snippet made for a location read as server level), the other usual contexts are tried on the entry alone
 * and the one with the fewest errors wins.
 */
function parseEntry(entry: PendingFile, options: ParseOptions): NginxConfigTree {
  if (Array.isArray(options.context)) return parseTree(entry, options, options.context).tree;
  const first = parseTree(entry, options);
  if (first.entryDirectiveErrors === 0) return first.tree;
  let best = first.entryCtx;
  let bestErrors = first.entryDirectiveErrors;
  // Only contexts that fit the top level: `if` at the top of a snippet fits server and location alike.
  for (const ctx of first.entryFitting) {
    if (ctx.join('/') === first.entryCtx.join('/')) continue;
    const trial = parseTree(entry, { ...options, single: true }, ctx);
    if (trial.entryDirectiveErrors < bestErrors) {
      best = ctx;
      bestErrors = trial.entryDirectiveErrors;
    }
  }
  return best === first.entryCtx ? first.tree : parseTree(entry, options, best).tree;
}

/**
 * `if ($a = b)`: the parentheses are syntax, not part of the arguments (nginx strips them while parsing the
 * condition; crossplane's tree shows the arguments without them).
 */
function stripIfParentheses(args: string[]): void {
  if (args.length === 0) return;
  const first = args[0] as string;
  const last = args[args.length - 1] as string;
  if (!first.startsWith('(') || !last.endsWith(')')) return;
  if (args.length === 1) {
    args[0] = first.slice(1, -1).trim();
    if (args[0] === '') args.length = 0;
    return;
  }
  args[0] = first.slice(1).trimStart();
  args[args.length - 1] = last.slice(0, -1).trimEnd();
  if (args[args.length - 1] === '') args.pop();
  if (args[0] === '') args.shift();
}

/** Finds include cycles (iterative DFS from the entry) and reports each at the include that closes it. */
function reportCycles(config: NginxConfigFile[], edges: IncludeEdge[]): void {
  const out = new Map<number, IncludeEdge[]>();
  for (const e of edges) {
    let l = out.get(e.from);
    if (!l) {
      l = [];
      out.set(e.from, l);
    }
    if (!l.some((x) => x.to === e.to && x.line === e.line)) l.push(e);
  }
  const state = new Uint8Array(config.length); // 0 new, 1 on stack, 2 done
  const path: number[] = [];
  const stack: { node: number; next: number }[] = [{ node: 0, next: 0 }];
  state[0] = 1;
  path.push(0);
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { node: number; next: number };
    const list = out.get(top.node) ?? [];
    if (top.next >= list.length) {
      state[top.node] = 2;
      stack.pop();
      path.pop();
      continue;
    }
    const e = list[top.next++] as IncludeEdge;
    if (state[e.to] === 1) {
      const cyc = path
        .slice(path.indexOf(e.to))
        .concat(e.to)
        .map((k) => (config[k] as NginxConfigFile).file);
      const cfg = config[e.from] as NginxConfigFile;
      const reason = `include cycle: ${cyc.join(' -> ')}`;
      cfg.status = 'failed';
      cfg.errors.push({ file: cfg.file, line: e.line, error: formatError(reason, cfg.file, e.line), kind: 'include-cycle' });
    } else if (state[e.to] === 0) {
      state[e.to] = 1;
      path.push(e.to);
      stack.push({ node: e.to, next: 0 });
    }
  }
}

/**
 * Parses an nginx config file and the files it includes. `path` is kept as given in the tree (like crossplane);
 * includes are joined to the prefix. Never throws for bad input: problems are in `errors`.
 */
export function parseNginxFile(path: string, options: ParseOptions = {}): NginxConfigTree {
  const entry: PendingFile = { file: path, abs: resolve(path), ctx: [] };
  if (options.entryText !== undefined) entry.text = options.entryText;
  return parseEntry(entry, options);
}

/**
 * Parses config text as one file, without following includes (for check tests and snippets). `fileName` is
 * what errors and the tree call it. Accepts bytes (decoded like a file) or a string.
 */
export function parseNginxText(text: string | Uint8Array, fileName = 'nginx.conf', options: ParseOptions = {}): NginxConfigTree {
  let str: string;
  if (typeof text === 'string') str = text;
  else {
    const d = decodeConfigBytes(text);
    if ('error' in d) {
      const err: NginxParseError = { file: fileName, line: d.line, error: formatError(d.error, fileName, d.line), kind: 'read' };
      return { status: 'failed', errors: [err], config: [{ file: fileName, status: 'failed', errors: [err], parsed: [] }] };
    }
    str = d.text;
  }
  return parseEntry({ file: fileName, abs: resolve(fileName), ctx: [], text: str }, { single: true, ...options });
}

/**
 * Renames the files of a tree (config[].file, errors' file and their `in FILE:LINE` suffix), e.g. from
 * absolute paths to the paths a user sees. Returns a new tree; the directives are shared.
 */
export function relabelTree(tree: NginxConfigTree, rename: (file: string) => string): NginxConfigTree {
  const fixError = (e: NginxParseError): NginxParseError => {
    const to = rename(e.file);
    const suffix = ` in ${e.file}:${e.line}`;
    const error =
      e.line !== null && e.error.endsWith(suffix) ? `${e.error.slice(0, -suffix.length)} in ${to}:${e.line}` : e.error;
    return { ...e, file: to, line: e.line, error };
  };
  return {
    status: tree.status,
    errors: tree.errors.map(fixError),
    config: tree.config.map((c) => ({ ...c, file: rename(c.file), errors: c.errors.map(fixError) })),
  };
}

/** An error's reason without crossplane's ` in FILE:LINE` suffix (for messages that carry file and line apart). */
export function errorReason(e: NginxParseError): string {
  const suffix = ` in ${e.file}:${e.line}`;
  return e.line !== null && e.error.endsWith(suffix) ? e.error.slice(0, -suffix.length) : e.error;
}

/**
 * Marks directives written inside a template conditional (between a branch tag and the next tag:
 * `templateConditional`) and names the innermost branch a directive is written in, an inline one
 * (`listen 80{% if tls %} ssl{% endif %};`) included (`templateBranch`): findings say which branch they are in.
 */
function markConditional(list: NginxDirective[], branches: readonly TemplateBranch[], depth: number): void {
  for (const d of list) {
    let best: TemplateBranch | undefined;
    for (const b of branches) {
      if (b.line > d.line || d.line > b.endLine) continue;
      // A directive on a multi-line branch's closing line belongs to that branch only when it is also its opening line.
      if (d.line === b.endLine && b.line < b.endLine) continue;
      if (!best || b.line > best.line || (b.line === best.line && b.endLine < best.endLine)) best = b;
    }
    if (best) d.templateBranch = { line: best.line, endLine: best.endLine, tag: best.tag };
    if (branches.some((b) => d.line > b.line && d.line < b.endLine)) d.templateConditional = true;
    if (d.block && depth < 64) markConditional(d.block, branches, depth + 1);
  }
}
