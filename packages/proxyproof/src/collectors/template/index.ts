/**
 * The shared, tolerant template reader. Real repositories keep their configs as templates: Jinja2/Ansible
 * (`{{ x }}`, `{% if %}`, `{# #}`), ERB (`<%= x %>`, `<% if %>`), envsubst (`${VAR}`, `${VAR:-default}`),
 * Go/Helm (`{{ .Values.x }}`, `{{- if }}`), cookiecutter (Jinja in paths and contents), Terraform `templatefile`
 * (`%{ if x ~}`, `%{ for k, v in m }`, `${var}`). Every collector reads
 * the rendered text, so every format benefits.
 *
 * Rules:
 * - Lines are preserved: the rendered text has exactly the template's line count, each construct is replaced
 *   on its own line(s), so a finding points at the template's own file:line.
 * - A placeholder is an opaque value (`__tpl_<name>__`, see `isPlaceholder`) unless a default is written
 *   (`| default('x')`, `${VAR:-x}`, `ENV['X'] || x`, Go `default "x"`), which is then used.
 * - Conditionals: each `if` chain keeps one branch (`branch: 'first'`, the default, keeps the first branch;
 *   `'last'` keeps the `else` branch, or nothing when there is none; `'all'` keeps every branch) and records
 *   which it kept, so a finding can say which branch it was found in; loops keep their body once; Go `define`
 *   bodies are dropped; Jinja `raw` bodies are kept (two-stage cookiecutter/Ansible templates).
 * - A file whose lines are mostly template code is too template-heavy to read: `heavy` says why.
 * Bounded: one linear pass, at most MAX_CONFIG_BYTES (model/limits.ts), nesting capped at MAX_DEPTH.
 */

import type { Diagnostic } from '../../model/finding.js';
import { MAX_CONFIG_BYTES } from '../../model/limits.js';
import {
  type BranchPick,
  ENVSUBST_REF,
  type EnvsubstAll,
  type TemplateBranch,
  type TemplateChain,
  type TemplateKind,
  type TemplateNote,
  type TemplatePlaceholder,
  type TemplateVars,
} from '../../model/template.js';
import { resolveExpr } from './ansible.js';

export type {
  BranchPick,
  TemplateBranch,
  TemplateChain,
  TemplateKind,
  TemplateNote,
  TemplatePlaceholder,
} from '../../model/template.js';

export interface Detemplated {
  /** The rendered text: same line count as the template. */
  text: string;
  kinds: TemplateKind[];
  placeholders: TemplatePlaceholder[];
  branches: TemplateBranch[];
  /** The conditionals, in the order their `if` tags are written. */
  chains: TemplateChain[];
  /** Why the file is too template-heavy to read (then `text` should not be analysed). */
  heavy?: string;
  /** An `envsubst` with no variable list renders it: the references it empties (model/template.ts). */
  envsubstAll?: EnvsubstAll;
}

export interface DetemplateOptions {
  /** File name (the template suffix and the extension decide which syntaxes apply). */
  name?: string;
  /**
   * 'first' (default) keeps the first branch of each conditional, 'last' the `else` branch, 'all' every
   * branch (the union: what any rendering could contain, which no single rendering may be: an `if`/`else` pair
   * setting one header would read as both lines sent). The analysis reads one rendering at a time (`pick`:
   * engine/template-branches.ts).
   */
  branch?: 'first' | 'last' | 'all';
  /**
   * Variables the tree gives a Jinja template (Ansible's vars files) and an envsubst one (`env`: the container's
   * environment): a variable with one value is that value.
   */
  vars?: TemplateVars;
  /**
   * The alternative given conditionals keep (by the line of their `if` tag), whatever `branch` says: one rendering
   * of the file among all its renderings (engine/template-branches.ts analyses each that matters).
   */
  pick?: BranchPick;
}

export { MAX_CONFIG_BYTES as MAX_TEMPLATE_BYTES };

const MAX_DEPTH = 64;

/** Suffixes that mark a template; the name without them is the file it renders to. */
const TEMPLATE_SUFFIX = /\.(?:j2|jinja2?|erb|tmpl|tpl|gotmpl|template|tftpl|mustache)$/i;
/** Files that shells, compose or the language itself expand `${VAR}` in: envsubst is not applied to them. */
const OWN_DOLLAR =
  /(?:\.(?:ya?ml|sh|bash|env|py|js|mjs|cjs|ts|rb|toml|json|php|go|tf|hcl|ini|properties|service|socket|container|xml)|Dockerfile[^/]*|Containerfile[^/]*|\.env[^/]*|Procfile)$/i;
/** Source languages: detemplated only on clear Jinja statement tags or cookiecutter placeholders. */
const SOURCE_FILE = /\.(?:py|js|mjs|cjs|ts|tsx|jsx|rb|php|go|java|cs|html?|vue|svelte)$/i;

const PLACEHOLDER_RE = /__tpl_[A-Za-z0-9_]*__/;

/** The file name a template renders to: `nginx.conf.j2` -> `nginx.conf`, `server.conf.erb` -> `server.conf`. */
export function renderedName(name: string): string {
  return name.replace(TEMPLATE_SUFFIX, '');
}

/** True when the name marks a template (`.j2`, `.erb`, `.tmpl`, `.template`, ...). */
export function isTemplateName(name: string): boolean {
  return TEMPLATE_SUFFIX.test(name) || /(?:^|[-_.])template(?:[-_.]|$)/i.test(name.replace(/^.*\//, ''));
}

/** True when a value (an nginx argument, a host, a port...) is or contains a template placeholder. */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER_RE.test(value);
}

function opaque(expr: string): string {
  const name = expr
    .replace(/^[\s.$]+/, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  return `__tpl_${name}__`;
}

/** A default written in an output expression, or undefined. */
function writtenDefault(expr: string): string | undefined {
  // Jinja: x | default('v') / d("v") / default(v); Go/Helm: default "v" .Values.x / .Values.x | default "v"
  const lit = `(?:'([^']*)'|"([^"]*)"|(-?[0-9][\\w.:/-]*|true|false|True|False))`;
  const jinja = new RegExp(`\\|\\s*(?:default|d)\\s*\\(\\s*${lit}`).exec(expr);
  if (jinja) return jinja[1] ?? jinja[2] ?? jinja[3];
  const go = new RegExp(`(?:^|\\|)\\s*default\\s+${lit}`).exec(expr);
  if (go) return go[1] ?? go[2] ?? go[3];
  // ERB: ENV['X'] || 31536000 / ENV.fetch('X', 'v')
  const erbOr = new RegExp(`\\|\\|\\s*${lit}\\s*$`).exec(expr);
  if (erbOr) return erbOr[1] ?? erbOr[2] ?? erbOr[3];
  const fetch = new RegExp(`\\.fetch\\(\\s*['"][^'"]*['"]\\s*,\\s*${lit}\\s*\\)`).exec(expr);
  if (fetch) return fetch[1] ?? fetch[2] ?? fetch[3];
  return undefined;
}

/** The variable an output expression names (for the opaque value). */
/** The opaque token an output expression as written renders as (engine/template-display.ts shows it as written). */
export function placeholderToken(expr: string): string {
  return opaque(exprName(expr));
}

function exprName(expr: string): string {
  const e = expr.trim();
  const env = /ENV\s*\[\s*['"]([^'"]+)['"]\s*\]|ENV\.fetch\(\s*['"]([^'"]+)['"]/.exec(e);
  if (env) return (env[1] ?? env[2]) as string;
  const first = /[.A-Za-z_][\w.]*/.exec(e.replace(/^(?:include|template|toYaml|quote|default\s+\S+)\s+/, ''));
  return first ? first[0] : e;
}

interface Frame {
  kind: 'if' | 'loop' | 'drop' | 'other';
  /** Is the current branch kept? */
  keep: boolean;
  /** Has an earlier branch of this chain been kept (for branch: 'first')? */
  taken: boolean;
  branch?: TemplateBranch;
  syntax: TemplateKind;
  /** The conditional this frame renders, and the index of its current alternative. */
  chain?: TemplateChain;
  alt?: number;
  /** The alternative a `pick` keeps (then `branch` mode does not decide for this conditional). */
  picked?: number;
}

type Tag =
  | { t: 'open-if'; tag: string }
  | { t: 'branch'; tag: string; isElse: boolean }
  | { t: 'close' }
  | { t: 'open-loop' }
  | { t: 'open-drop' }
  | { t: 'open-other' }
  | { t: 'none' };

function jinjaTag(body: string): Tag {
  const w = /^\s*-?\+?\s*(\w+)/.exec(body)?.[1] ?? '';
  if (w === 'if') return { t: 'open-if', tag: body };
  if (w === 'elif') return { t: 'branch', tag: body, isElse: false };
  if (w === 'else') return { t: 'branch', tag: body, isElse: true };
  if (w === 'for') return { t: 'open-loop' };
  if (w === 'macro' || w === 'call' || w === 'filter') return { t: 'open-drop' };
  // `{% raw %}` outputs its body verbatim: in a cookiecutter/Ansible two-stage template the body is the
  // real config (itself a template of the next stage), so it is kept and read like the rest.
  if (w === 'block' || w === 'with' || w === 'autoescape' || w === 'raw') return { t: 'open-other' };
  if (w === 'set' && !/=/.test(body)) return { t: 'open-drop' };
  if (/^end\w+$/.test(w)) return { t: 'close' };
  return { t: 'none' };
}

function goTag(body: string): Tag | undefined {
  const b = body.replace(/^\s*-?\s*/, '').replace(/\s*-?\s*$/, '');
  const w = /^(\w+)/.exec(b)?.[1] ?? '';
  if (w === 'if') return { t: 'open-if', tag: body };
  if (w === 'else') return { t: 'branch', tag: body, isElse: !/^else\s+if\b/.test(b) };
  if (w === 'range' || w === 'with') return { t: 'open-loop' };
  if (w === 'define') return { t: 'open-drop' };
  if (w === 'block') return { t: 'open-other' };
  if (w === 'end') return { t: 'close' };
  if (/^\/\*/.test(b)) return { t: 'none' };
  if (/^\$\w+\s*:?=/.test(b)) return { t: 'none' };
  return undefined; // an output expression
}

/** Terraform template directives: `%{ if c }`, `%{ else }`, `%{ endif }`, `%{ for k, v in m }`, `%{ endfor }`. */
function terraformTag(body: string): Tag {
  const b = body.replace(/^~?\s*/, '').replace(/\s*~?$/, '');
  const w = /^(\w+)/.exec(b)?.[1] ?? '';
  if (w === 'if') return { t: 'open-if', tag: body };
  if (w === 'else') return { t: 'branch', tag: body, isElse: true };
  if (w === 'for') return { t: 'open-loop' };
  if (w === 'endif' || w === 'endfor') return { t: 'close' };
  return { t: 'none' };
}

/** A Terraform template (`templatefile`): its `%{ }` directives say so whatever the file is named. */
const TERRAFORM_DIRECTIVE = /%\{~?\s*(?:if|for|endif|endfor|else)\b[^}\n]*\}/;

function erbTag(body: string): Tag {
  const b = body.trim().replace(/-$/, '').trim();
  if (/^(?:if|unless)\b/.test(b)) return { t: 'open-if', tag: body };
  if (/^elsif\b/.test(b)) return { t: 'branch', tag: body, isElse: false };
  if (/^else\b/.test(b)) return { t: 'branch', tag: body, isElse: true };
  if (/^end\b/.test(b) || b === '}') return { t: 'close' };
  if (/\bdo\s*(?:\|[^|]*\|)?\s*$/.test(b) || /^(?:while|until|for|case|begin)\b/.test(b)) return { t: 'open-loop' };
  return { t: 'none' };
}

/** Which syntaxes a file may use, from its name and content. */
export function templateKinds(text: string, name = '', bare?: RegExp): TemplateKind[] {
  const kinds: TemplateKind[] = [];
  const base = name.replace(/^.*\//, '');
  const source = SOURCE_FILE.test(renderedName(base));
  const cookie = /\{\{\s*cookiecutter\./.test(text) || /\{\{\s*cookiecutter\./.test(name);
  if (source && !cookie && !/^[ \t]*\{%-?\s*(?:if|for|endif|endfor|else|elif)\b/m.test(text)) return kinds;
  if (/\{\{-?\s*(?:\.|\$|include\b|template\b|toYaml\b|tpl\b|if\s+[.$(]|range\b|end\s*-?\}\}|define\b)/.test(text))
    kinds.push('go');
  if (/\{%-?[^%\n]*-?%\}|\{#[\s\S]*?#\}|\{\{[^{}\n]+\}\}/.test(text) && !kinds.includes('go')) kinds.push('jinja');
  if (/<%[=#-]?[^%]*%>/.test(text) && (/\.erb$/i.test(base) || /<%=|<%\s*(?:if|end|else)\b/.test(text))) kinds.push('erb');
  if (TERRAFORM_DIRECTIVE.test(text) || /\.tftpl$/i.test(base)) kinds.push('terraform');
  else if (
    !OWN_DOLLAR.test(renderedName(base)) &&
    (/\$\{[A-Z][A-Z0-9_]*(?::?[-=+?][^}\n]*)?\}/.test(text) || bare?.test(text) === true)
  )
    kinds.push('envsubst');
  return kinds;
}

/**
 * Renders a template tolerantly (see the module comment), or returns undefined when the text uses no
 * template syntax that applies to this file.
 */
export function detemplate(text: string, options: DetemplateOptions = {}): Detemplated | undefined {
  if (text.length > MAX_CONFIG_BYTES) return undefined;
  // Names a render with an explicit list substitutes written bare (`$API_HOST`): asked only for a file whose name
  // lets envsubst apply and that has a `$name` at all.
  const bareNames =
    options.vars?.envNames &&
    !OWN_DOLLAR.test(renderedName((options.name ?? '').replace(/^.*\//, ''))) &&
    /\$[A-Za-z_]/.test(text)
      ? options.vars.envNames()
      : undefined;
  const bare = bareNames && bareNames.size > 0 ? new RegExp(`\\$(?:${[...bareNames].join('|')})(?![A-Za-z0-9_])`) : undefined;
  if (!/\{\{|\{%|\{#|<%|\$\{[A-Z]|%\{|\$\{\w/.test(text) && !bare?.test(text)) return undefined;
  const kinds = templateKinds(text, options.name ?? '', bare);
  if (kinds.length === 0) return undefined;
  const branchMode = options.branch ?? 'first';
  const useJinja = kinds.includes('jinja');
  const useGo = kinds.includes('go');
  const useErb = kinds.includes('erb');
  const useEnv = kinds.includes('envsubst');
  const useTf = kinds.includes('terraform');

  const alts: string[] = [];
  if (useJinja) alts.push('\\{#[\\s\\S]*?#\\}', '\\{%[\\s\\S]*?%\\}', '\\$?\\{\\{[\\s\\S]*?\\}\\}');
  if (useGo) alts.push('\\{\\{[\\s\\S]*?\\}\\}');
  if (useErb) alts.push('<%[\\s\\S]*?%>');
  if (useEnv) alts.push('\\$\\{[A-Z][A-Z0-9_]*(?::?[-=+?][^}\\n]*)?\\}');
  if (useEnv && bare) alts.push(bare.source);
  // Terraform: `%{ directive }` and `${expr}` (not `$${`, an escaped literal).
  if (useTf) alts.push('%\\{[^}\\n]*\\}', '(?<!\\$)\\$\\{[^{}\\n]*\\}');
  const re = new RegExp(alts.join('|'), 'g');

  const out: string[] = [];
  const placeholders: TemplatePlaceholder[] = [];
  const branches: TemplateBranch[] = [];
  const chains: TemplateChain[] = [];
  const stack: Frame[] = [];
  let line = 1;
  let last = 0;
  let codeLines = new Set<number>();
  const keeping = (): boolean => stack.every((f) => f.keep);
  const emit = (s: string): void => {
    // Config text inside a conditional: choosing another alternative of it (and of every enclosing one) can change
    // what is read. A comment line or whitespace changes nothing.
    if (stack.length > 0 && /\S/.test(s.replace(/^[ \t]*#.*$/gm, '')))
      for (const f of stack) if (f.chain) f.chain.holdsText = true;
    if (keeping()) out.push(s);
    else out.push(s.replace(/[^\n]/g, ''));
  };
  const blank = (s: string): void => {
    out.push(s.replace(/[^\n]/g, ''));
  };
  const countLines = (s: string): number => {
    let n = 0;
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
    return n;
  };
  const closeBranch = (f: Frame, endLine: number): void => {
    if (f.branch) f.branch.endLine = endLine;
  };
  const apply = (tag: Tag, syntax: TemplateKind, written: string): void => {
    switch (tag.t) {
      case 'open-if': {
        if (stack.length >= MAX_DEPTH) return;
        const picked = options.pick?.get(line);
        const keep = picked !== undefined ? picked === 0 : branchMode !== 'last';
        const reached = keeping();
        const branch: TemplateBranch = { line, endLine: line, tag: written, kept: keep && reached };
        branches.push(branch);
        const chain: TemplateChain = { line, alternatives: [branch], hasElse: false, reached, holdsText: false };
        chains.push(chain);
        stack.push({
          kind: 'if',
          keep,
          taken: keep,
          branch,
          syntax,
          chain,
          alt: 0,
          ...(picked !== undefined ? { picked } : {}),
        });
        return;
      }
      case 'branch': {
        const f = stack[stack.length - 1];
        if (f?.kind !== 'if') return;
        closeBranch(f, line);
        // 'first' keeps only the first branch of a chain; 'last' keeps only its else branch; 'all' keeps each; a
        // pick keeps the alternative it names.
        const alt = (f.alt ?? 0) + 1;
        f.alt = alt;
        const keep =
          f.picked !== undefined ? f.picked === alt : branchMode === 'all' ? true : branchMode === 'first' ? false : tag.isElse;
        f.keep = keep;
        f.taken = f.taken || keep;
        stack.pop();
        const branch: TemplateBranch = { line, endLine: line, tag: written, kept: keep && keeping() };
        stack.push(f);
        f.branch = branch;
        branches.push(branch);
        if (f.chain) {
          f.chain.alternatives.push(branch);
          if (tag.isElse) f.chain.hasElse = true;
        }
        return;
      }
      case 'close': {
        const f = stack.pop();
        if (f) closeBranch(f, line);
        return;
      }
      case 'open-loop':
      case 'open-other':
        if (stack.length < MAX_DEPTH)
          stack.push({ kind: tag.t === 'open-loop' ? 'loop' : 'other', keep: true, taken: true, syntax });
        return;
      case 'open-drop':
        if (stack.length < MAX_DEPTH) stack.push({ kind: 'drop', keep: false, taken: false, syntax });
        return;
      default:
        return;
    }
  };

  for (let m = re.exec(text); m; m = re.exec(text)) {
    const tok = m[0];
    const before = text.slice(last, m.index);
    emit(before);
    line += countLines(before);
    const startLine = line;
    last = m.index + tok.length;
    let replacement: string | undefined;
    let syntax: TemplateKind | undefined;
    if (tok.startsWith('{#')) {
      syntax = 'jinja';
    } else if (tok.startsWith('{%')) {
      syntax = 'jinja';
      apply(jinjaTag(tok.slice(2, -2)), 'jinja', tok);
    } else if (tok.startsWith('<%')) {
      syntax = 'erb';
      const inner = tok.slice(2, -2);
      if (inner.startsWith('#')) {
        // comment
      } else if (inner.startsWith('=') || inner.startsWith('==')) {
        const expr = inner.replace(/^=+/, '').replace(/-$/, '').trim();
        replacement = output(expr, startLine, undefined, tok);
      } else apply(erbTag(inner.replace(/^-/, '')), 'erb', tok);
    } else if (useTf && tok.startsWith('%{')) {
      syntax = 'terraform';
      apply(terraformTag(tok.slice(2, -1)), 'terraform', tok);
    } else if (useTf && tok.startsWith('${')) {
      syntax = 'terraform';
      replacement = output(tok.slice(2, -1), startLine, undefined, tok);
    } else if ((tok.startsWith('${') && !tok.startsWith('${{')) || (bare && /^\$[A-Za-z_]/.test(tok))) {
      syntax = 'envsubst';
      const mm = tok.startsWith('${')
        ? /^\$\{([A-Z][A-Z0-9_]*)(?::?([-=+?])([^}\n]*))?\}$/.exec(tok)
        : /^\$([A-Za-z_][A-Za-z0-9_]*)()()$/.exec(tok);
      const nameEnv = mm?.[1] ?? tok;
      const def = mm?.[2] === '-' || mm?.[2] === '=' ? mm?.[3] : undefined;
      // The container's environment, as the tree writes it, fills the name (a set value beats a written default).
      const found = mm ? options.vars?.env?.(nameEnv) : undefined;
      const known = found === 'literal' ? undefined : found;
      if (found === 'literal') {
        // The render leaves it as written: the config holds `${NAME}` (nginx reads that as its own variable).
      } else if (known)
        placeholders.push({
          line: startLine,
          expr: nameEnv,
          value: known.value,
          from: { file: known.file, line: known.line },
          env: true,
          ...(tok.startsWith('${') ? {} : { bare: true as const }),
        });
      else
        placeholders.push(
          def !== undefined
            ? { line: startLine, expr: nameEnv, default: def, written: tok }
            : { line: startLine, expr: nameEnv, written: tok },
        );
      replacement = found === 'literal' ? tok : known ? known.value : def !== undefined && def !== '' ? def : opaque(nameEnv);
    } else {
      // {{ ... }} or ${{ ... }}: Go control, or an output expression.
      const inner = tok.replace(/^\$?\{\{/, '').replace(/\}\}$/, '');
      syntax = useGo ? 'go' : 'jinja';
      const goT = useGo ? goTag(inner) : undefined;
      if (goT) apply(goT, 'go', tok);
      else {
        const expr = inner.replace(/^\s*-/, '').replace(/-\s*$/, '').trim();
        // A Helm block inserter alone on its line renders to YAML we cannot know: leave the line empty.
        const lineStart = text.lastIndexOf('\n', m.index - 1) + 1;
        const lineEnd = text.indexOf('\n', last);
        const alone =
          text.slice(lineStart, m.index).trim() === '' && text.slice(last, lineEnd < 0 ? text.length : lineEnd).trim() === '';
        if (useGo && alone && /\b(?:toYaml|nindent|indent|include|tpl)\b/.test(expr)) replacement = '';
        else replacement = output(expr, startLine, useGo ? undefined : options.vars, tok);
      }
    }
    if (syntax && !kinds.includes(syntax)) kinds.push(syntax);
    for (let l = startLine; l <= startLine + countLines(tok); l++) codeLines.add(l);
    if (replacement !== undefined && keeping()) {
      out.push(replacement + tok.replace(/[^\n]/g, ''));
    } else blank(tok);
    line += countLines(tok);
  }
  emit(text.slice(last));

  function output(expr: string, at: number, vars: TemplateVars | undefined, written: string): string {
    // Ansible's `{{ ansible_managed | comment }}` renders as a comment in the file's syntax: nothing to analyse.
    if (/\|\s*comment\b/.test(expr)) return '';
    const known = vars ? resolveExpr(expr, vars.lookup) : undefined;
    if (known) {
      placeholders.push({ line: at, expr: exprName(expr), value: known.value, from: { file: known.file, line: known.line } });
      return known.value;
    }
    const def = writtenDefault(expr);
    const name = exprName(expr);
    placeholders.push(def !== undefined ? { line: at, expr: name, default: def, written } : { line: at, expr: name, written });
    return def !== undefined && def !== '' ? def : opaque(name);
  }

  const rendered = out.join('');
  const result: Detemplated = { text: rendered, kinds, placeholders, branches, chains };
  const every = useEnv ? options.vars?.everyName?.() : undefined;
  if (every && options.vars) result.envsubstAll = everyNameRefs(text, every, options.vars);
  const heavy = heaviness(text, rendered, codeLines);
  if (heavy) result.heavy = heavy;
  codeLines = new Set();
  return result;
}

/**
 * The references an `envsubst` with no list empties: every `$name`/`${name}` outside a `#` comment whose name starts
 * with a lower-case letter or `_` (nginx's own variables; an environment variable is upper-case by convention) and
 * that the environment the tree shows does not set. The other names make the list that fixes it.
 */
function everyNameRefs(text: string, at: { file: string; line: number }, vars: TemplateVars): EnvsubstAll {
  const blanked: EnvsubstAll['blanked'] = [];
  const names: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // A comment is rendered too, but nginx does not read it.
    const code = (lines[i] as string).replace(/(^|[\s;{}])#.*$/, '$1');
    for (const m of code.matchAll(ENVSUBST_REF)) {
      const name = (m[1] ?? m[2]) as string;
      if (!/^[a-z_]/.test(name)) {
        if (!names.includes(name)) names.push(name);
      } else if (vars.env?.(name) === undefined) blanked.push({ line: i + 1, name });
    }
  }
  return { file: at.file, line: at.line, blanked, names };
}

/** Too template-heavy: most non-blank lines are template code, or what remains is mostly placeholders. */
function heaviness(text: string, rendered: string, codeLines: Set<number>): string | undefined {
  const lines = text.split('\n');
  const out = rendered.split('\n');
  let nonBlank = 0;
  let code = 0;
  lines.forEach((l, k) => {
    if (l.trim() === '') return;
    nonBlank++;
    // A line of template code: it holds a construct and nothing of the config remains once rendered.
    if (codeLines.has(k + 1) && (out[k] ?? '').replace(/__tpl_[A-Za-z0-9_]*__/g, '').trim() === '') code++;
  });
  if (nonBlank < 6) return undefined;
  const words = rendered.split(/\s+/).filter((w) => w !== '');
  const opaqueWords = words.filter((w) => PLACEHOLDER_RE.test(w)).length;
  if (code / nonBlank > 0.7) return `${code} of ${nonBlank} lines are template code`;
  if (words.length > 0 && opaqueWords / words.length > 0.5)
    return `${opaqueWords} of ${words.length} words are template placeholders`;
  return undefined;
}

/** The template branch (if any) a line of the template lies in, as "`{% if x %}` (line N)". */
export function branchAt(d: Detemplated, line: number): TemplateBranch | undefined {
  let best: TemplateBranch | undefined;
  for (const b of d.branches) {
    if (b.line < line && line < b.endLine && (!best || b.line > best.line)) best = b;
  }
  return best;
}

/**
 * The read path's hook (engine/collect.ts, chain/run.ts): the bytes every collector sees for a file. A
 * template is rendered tolerantly (same lines); a too template-heavy one is not read: a diagnostic says so (the engine
 * lists it under "Not read", engine/collect.ts) and the
 * collectors see an empty file. Anything else is returned unchanged. `notes` receives what was rendered.
 */
export function renderForCollectors(
  display: string,
  raw: Buffer,
  diagnostics: Diagnostic[],
  notes?: Map<string, TemplateNote>,
  /** `raw.toString('utf8')` when the caller has it already. */
  decoded?: string,
  /** The variables the tree gives this file (collectors/template/ansible.ts). */
  vars?: TemplateVars,
  /** The alternative chosen conditionals keep (one rendering among several: engine/template-branches.ts). */
  pick?: BranchPick,
): Buffer {
  if (raw.length > MAX_CONFIG_BYTES || raw.includes(0)) return raw;
  const text = decoded ?? raw.toString('utf8');
  if (!/\{\{|\{%|\{#|<%|\$\{[A-Z]|%\{/.test(text)) return raw;
  const d = detemplate(text, { name: display, ...(vars ? { vars } : {}), ...(pick ? { pick } : {}) });
  if (!d) return raw;
  if (d.heavy) {
    diagnostics.push({
      level: 'warning',
      file: display,
      line: 1,
      message: `template: too template-heavy to read (${d.heavy}): lint the rendered file`,
    });
    return Buffer.alloc(0);
  }
  notes?.set(display, {
    kinds: d.kinds,
    placeholders: d.placeholders,
    branches: d.branches,
    chains: d.chains,
    ...(d.envsubstAll ? { envsubstAll: d.envsubstAll } : {}),
  });
  return Buffer.from(d.text, 'utf8');
}
