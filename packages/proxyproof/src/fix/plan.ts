/**
 * From findings to patches: every finding whose `fix` names a file, a line, the lines and a placement is
 * a mechanical edit; the rest is advice. Edits are grouped per real file (a symlink is patched at its
 * target), checked against what was read (the file must be unchanged and fully parsed), adapted to the
 * file's style (indentation, quote style, line endings) and made idempotent (an edit already present is
 * not made again). Nothing here writes: `write.ts` applies the patches.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { displayPath } from '../engine/discover.js';
import type { Facts } from '../model/facts.js';
import type { Finding } from '../model/finding.js';
import { applyChanges, joinText, type LineChange, splitText, type TextFile, unifiedDiff } from './diff.js';
import { type ProgramKind, programOf } from './programs.js';

export interface FilePatch {
  /** The file to change as the user names it (relative to cwd when under it): the symlink's target. */
  file: string;
  abs: string;
  /** The path the finding named, when it differs (a symlink). */
  via?: string;
  original: string;
  updated: string;
  diff: string;
  /** Ids of the findings this patch resolves (each once). */
  findings: string[];
  program: ProgramKind;
  /** The edits against `original` (fix/converge.ts composes the patches of several rounds from them). */
  changes: LineChange[];
}

export interface Advice {
  id: string;
  file?: string;
  line?: number;
  description: string;
  /** Why it is advice rather than a patch. */
  reason: string;
  lines?: string[];
}

export interface FixPlan {
  patches: FilePatch[];
  advice: Advice[];
}

interface Edit {
  line: number;
  placement: 'after' | 'replace';
  lines: string[];
  finding: Finding;
}

/** A value the person must supply (`<proxy IP>`, `<proxy address or network>`): such a fix is advice, never written. */
export const PLACEHOLDER = /<(?:proxy|your|the|this|app|server|host|site|domain|address|ip)\b[^<>]*>/i;

/** True when a finding's fix can be applied by the fix command. */
export function isMechanical(f: Finding): boolean {
  const x = f.fix;
  return Boolean(x?.file && x.line && x.line > 0 && x.lines && x.lines.length > 0 && x.placement);
}

export function advice(f: Finding, reason: string): Advice {
  const a: Advice = { id: f.id, description: f.fix?.description ?? f.message, reason };
  const file = f.fix?.file ?? f.evidence[0]?.file;
  // The evidence's line belongs to the evidence's file: a fix in another file without a line gets none.
  const line = f.fix?.line || (f.evidence[0]?.file === file ? f.evidence[0]?.line : undefined);
  if (file) a.file = file;
  if (line) a.line = line;
  if (f.fix?.lines?.length) a.lines = f.fix.lines;
  return a;
}

const leading = (s: string) => /^[ \t]*/.exec(s)?.[0] ?? '';

/** Brackets balanced outside quotes and no continuation: replacing this one line cannot cut a statement in two. */
export function wholeStatementLine(line: string): boolean {
  let depth = 0;
  let statements = 0;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '#') break;
    if (
      ch === ';' &&
      line.slice(i + 1).trim() !== '' &&
      !line
        .slice(i + 1)
        .trim()
        .startsWith('#')
    )
      statements++;
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
  }
  if (quote) return false;
  const code = line.replace(/\s+#.*$/, '').trimEnd();
  // A trailing `{` opens a block (nginx `location / {`): replacing it would orphan the `}`.
  // Several statements on one line (`a; b;`, a one-line nginx block): the line is not one directive.
  if (depth !== 0 || statements > 0) return false;
  return !/[\\,]$/.test(code) && !/\{$/.test(code);
}

/**
 * A line that continues its statement on the next (`ExecStart=/usr/bin/daphne \`, a shell or Dockerfile `\`),
 * replaced by one line that is whole in itself and continues the same way: the statement keeps its other lines.
 */
export function sameContinuation(target: string, lines: string[]): boolean {
  const cont = /\\\s*$/;
  const head = (l: string) => l.replace(cont, '');
  return (
    cont.test(target) &&
    lines.length === 1 &&
    cont.test(lines[0] as string) &&
    wholeStatementLine(head(target)) &&
    wholeStatementLine(head(lines[0] as string))
  );
}

/**
 * A line that opens a block (`a.example.com {`, `location / {`) replaced by one line that opens a block the same way:
 * the block's body and its closing brace stay where they are, so the file keeps its shape.
 */
export function sameBlockOpener(target: string, lines: string[]): boolean {
  const opener = /\{\s*$/;
  const head = (l: string) => l.replace(opener, '');
  return (
    lines.length === 1 &&
    opener.test(target) &&
    opener.test(lines[0] as string) &&
    wholeStatementLine(head(target)) &&
    wholeStatementLine(head(lines[0] as string))
  );
}

/**
 * The file's quote style: a replacement written with double quotes goes in single quotes when the line
 * it replaces uses single quotes only (and the other way round), when the content allows it.
 */
export function matchQuotes(original: string, replacement: string): string {
  const singles = /'/.test(original) && !/"/.test(original);
  const doubles = /"/.test(original) && !/'/.test(original);
  if (singles && /"/.test(replacement) && !/'/.test(replacement)) return replacement.replace(/"/g, "'");
  if (doubles && /'/.test(replacement) && !/"/.test(replacement)) return replacement.replace(/'/g, '"');
  return replacement;
}

/** The edit's lines in the file's style: indentation of the line they go at when they carry none. */
function styled(e: Edit, target: string, next?: string): string[] {
  const bare = e.lines.every((l) => l === '' || leading(l) === '');
  // After a line that opens a block (`location / {`, `<VirtualHost *:80>`), new lines take the block's own
  // indentation: that of the line that follows, when it is deeper.
  // A YAML mapping key (`service:`) opens a block too: its children go one level deeper.
  const yamlKey = /^\s*[^#\s][^#]*:\s*$/.test(target);
  const opens = /\{\s*$/.test(target) || /^\s*<[A-Za-z][^/>]*>\s*$/.test(target) || yamlKey;
  const deeper = next !== undefined && leading(next).length > leading(target).length;
  const tabs = /\t/.test(leading(target)) || (next !== undefined && /\t/.test(leading(next)));
  // An opened block with nothing deeper below (`server {` then `}`): one level in, in the file's unit.
  const inner = deeper
    ? leading(next ?? '')
    : yamlKey
      ? `${leading(target)}  `
      : opens
        ? `${leading(target)}${tabs ? '\t' : '    '}`
        : leading(target);
  const indent = bare ? (e.placement === 'after' && opens ? inner : leading(target)) : '';
  // Bare lines that open a block (`reverse_proxy app {`, `trusted_proxies ...`, `}`): the lines inside it go
  // one level deeper, in the file's own unit (a tab where the file indents with tabs).
  const unit = tabs ? '\t' : '    ';
  let depth = 0;
  return e.lines.map((l) => {
    const t = l.trim();
    if (bare && /^[}\])]/.test(t)) depth = Math.max(0, depth - 1);
    const s = l === '' ? l : indent + (bare ? unit.repeat(depth) : '') + l;
    if (bare && /[{[(]$/.test(t)) depth++;
    return e.placement === 'replace' ? matchQuotes(target, s) : s;
  });
}

/** A here-document opener (`<<EOF`, `<<-EOF`, `<<'EOF'`); not `<<<`, not a YAML merge key `<<:`. */
const HEREDOC_OPENER = /(?<!<)<<(-?)\s*(["']?)([A-Za-z_][\w.-]*)\2/;
/** How far up a here-document's opener is looked for (a body longer than this is not recognised). */
const MAX_HEREDOC_LINES = 2000;

/**
 * True when 1-based line `at` is inside the body of an unquoted shell here-document (`cat > /etc/nginx/x <<EOF`):
 * the shell expands `$name` there, so an nginx variable must be written `\$name` (collectors/nginx/heredoc.ts reads
 * such bodies as nginx). A line equal to a delimiter ends a body; the nearest opener above decides.
 */
export function unquotedHeredocAt(lines: string[], at: number, placement: 'after' | 'replace' = 'replace'): boolean {
  const ends = new Set<string>();
  // Lines written after `at` sit below it: `at` itself may be the opener (inside) or a delimiter (outside).
  for (let i = placement === 'after' ? at - 1 : at - 2, seen = 0; i >= 0 && seen < MAX_HEREDOC_LINES; i--, seen++) {
    const l = (lines[i] as string).replace(/\r$/, '');
    const m = HEREDOC_OPENER.exec(l);
    if (m) {
      const delimiter = m[3] as string;
      // A body that ended above `at` (its delimiter line seen on the way up) does not hold it.
      if (ends.has(delimiter)) return false;
      return m[2] === '';
    }
    ends.add(l.replace(/^\t+/, ''));
  }
  return false;
}

/** The new lines as the file must hold them: `$` escaped inside an unquoted here-document, else unchanged. */
function shellQuoted(fileLines: string[], e: Edit, lines: string[]): string[] {
  if (!lines.some((l) => /(?:^|[^\\])\$/.test(l)) || !unquotedHeredocAt(fileLines, e.line, e.placement)) return lines;
  return lines.map((l) => l.replace(/(^|[^\\])\$/g, '$1\\$').replace(/(^|[^\\])\$/g, '$1\\$'));
}

/** True when the new lines only comment out the target line (`# proxy_set_header ...`): the edit drops it. */
function commentsOut(lines: string[], target: string): boolean {
  return (
    lines.length === 1 && /^\s*#/.test(lines[0] as string) && norm((lines[0] as string).replace(/^\s*#\s*/, '')) === norm(target)
  );
}

/** A line compared as a statement: blanks collapsed, quote style ignored (`'https'` = `"https"`). */
const norm = (s: string) => s.trim().replace(/\s+/g, ' ').replace(/'/g, '"');

function realTarget(abs: string): string {
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/** Sources read by the collectors for this path (keys are display paths). */
function sourceFor(facts: Facts, display: string, abs: string, cwd: string): string[] | undefined {
  const direct = facts.sources.get(display);
  if (direct) return direct;
  for (const [k, v] of facts.sources) if (resolve(cwd, k) === abs) return v;
  return undefined;
}

/**
 * Whether the lines the analysis read are the file's lines (`read.join('\n')` is `lines.join('\n')`, or that with a
 * final empty line), without joining either when they are equal one by one: at 10,000 nginx servers those joins
 * were four 9 MB strings of garbage per planned file (issue 10: the doctor's peak memory).
 */
function sameLines(read: string[], lines: string[]): boolean {
  const n = lines.length;
  if (read.length === n || (read.length === n + 1 && read[n] === '')) {
    let i = 0;
    while (i < n && read[i] === lines[i]) i++;
    if (i === n) return true;
  }
  const joined = read.join('\n');
  return joined === lines.join('\n') || joined === [...lines, ''].join('\n');
}

/**
 * The facts that fix planning reads (planFixes here, programOf in programs.ts): everything but the nginx parse trees,
 * which keep their files and their top-level directives only (which files a tree holds, and whether its entry is a
 * whole nginx.conf), and without the nginx model derived from them. The doctor and the fix loop (converge.ts) keep
 * the facts of an analysis after it only to plan with; at 10,000 nginx servers the trees and the model of two
 * analyses were about 170 MB of the doctor's peak (issue 10). A new object: the full facts, and what is memoized
 * against them (the nginx model, the chain analysis), can be collected. Not for writePlan, which walks the trees.
 */
export function planningFacts(facts: Facts): Facts {
  return {
    ...facts,
    nginx: {
      configs: facts.nginx.configs.map((t) => ({
        ...t,
        config: t.config.map((f) => ({ ...f, parsed: f.parsed.map(({ block: _block, ...d }) => d) })),
      })),
    },
  };
}

export interface PlanOptions {
  cwd?: string;
  /**
   * The address (or network) the proxy connects to the app from, given by the person (`fix --proxy-address`):
   * it fills the fixes' `<proxy address>`/`<proxy IP>` placeholders, the one fact a cross-host deployment's
   * files do not hold. Other placeholders stay advice.
   */
  proxyAddress?: string;
}

/** A placeholder that stands for the proxy's own address (what `--proxy-address` gives). */
export const PROXY_PLACEHOLDER = /<(?:the )?proxy(?:'s)? (?:ip|address)(?: or network)?>/gi;

export function planFixes(facts: Facts, findings: Finding[], options: PlanOptions = {}): FixPlan {
  const cwd = options.cwd ?? process.cwd();
  const out: FixPlan = { patches: [], advice: [] };
  const byFile = new Map<string, { named: string; display: string; edits: Edit[] }>();
  for (const f of findings) {
    if (!f.fix) continue;
    if (!isMechanical(f)) {
      out.advice.push(advice(f, 'no mechanical fix: the change depends on facts the files do not hold'));
      continue;
    }
    const given = f.fix as Required<Pick<NonNullable<Finding['fix']>, 'file' | 'line' | 'lines' | 'placement'>>;
    // The main edit and the same change at the other places the finding names (Fix.also), all or none: the
    // placeholders are filled, and refused, in every one of them.
    const address = options.proxyAddress;
    const edits = [given, ...(f.fix?.also ?? [])].map((e) =>
      address ? { ...e, lines: e.lines.map((l) => l.replace(PROXY_PLACEHOLDER, address)) } : e,
    );
    const hole = edits.flatMap((e) => e.lines).find((l) => PLACEHOLDER.test(l));
    if (hole) {
      const value = PLACEHOLDER.exec(hole)?.[0] ?? '';
      const byOption = new RegExp(PROXY_PLACEHOLDER.source, 'i').test(value)
        ? `; give it with --proxy-address ADDR (the address the proxy connects from: on the proxy host, \`ip route get <app address>\` prints it after "src")`
        : '';
      out.advice.push(advice(f, `the fix has a value to fill in (${value}): never guessed${byOption}`));
      continue;
    }
    const missing = edits.find((e) => !existsSync(resolve(cwd, e.file)));
    // A line that already names the given address, which the fix would add once more (a list the first pass of the
    // fix loop extended, whose check cannot know that address is the proxy's): nothing left to write.
    if (address && !missing && edits.every((e) => e.placement === 'replace' && alreadyNames(resolve(cwd, e.file), e, address)))
      continue;
    if (missing) {
      out.advice.push(advice(f, `${missing.file} does not exist on disk (a built-in copy of a stock file): change it by hand`));
      continue;
    }
    for (const e of edits) {
      const real = realTarget(resolve(cwd, e.file));
      const g = byFile.get(real) ?? { named: e.file, display: displayPath(real, cwd), edits: [] };
      g.edits.push({ line: e.line, placement: e.placement, lines: e.lines, finding: f });
      byFile.set(real, g);
    }
  }
  for (const [abs, g] of byFile) {
    const refuse = (reason: string) => {
      for (const e of g.edits) out.advice.push(advice(e.finding, reason));
    };
    const parseErrors = facts.diagnostics.filter(
      (d) => d.level === 'error' && (d.file === g.named || d.file === g.display || resolve(cwd, d.file) === abs),
    );
    if (parseErrors.length > 0) {
      const d = parseErrors[0];
      refuse(`${g.display} was not parsed completely (${d?.file}${d?.line ? `:${d.line}` : ''}: ${d?.message}): not patched`);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      refuse(`cannot read ${g.display}: ${(e as Error).message}`);
      continue;
    }
    const file = splitText(text);
    const read = sourceFor(facts, g.named, resolve(cwd, g.named), cwd);
    if (read && !sameLines(read, file.lines)) {
      refuse(`${g.display} changed since it was read: run fix again`);
      continue;
    }
    const { changes, ids, refused } = buildChanges(file, g.edits);
    for (const r of refused) out.advice.push(advice(r.edit.finding, r.reason));
    if (changes.length === 0) continue;
    const updated: TextFile = { ...file, lines: applyChanges(file.lines, changes) };
    const patch: FilePatch = {
      file: g.display,
      abs,
      original: text,
      updated: joinText(updated),
      diff: unifiedDiff(g.display, file, changes),
      findings: ids,
      program: programOf(abs, facts, cwd),
      changes,
    };
    if (g.named !== g.display && resolve(cwd, g.named) !== abs) patch.via = g.named;
    out.patches.push(patch);
  }
  // In the order of the findings (most severe first), so the plan starts with the change that matters most.
  const rank = (p: FilePatch) =>
    Math.min(...p.findings.map((id) => findings.findIndex((f) => f.id === id)).filter((i) => i >= 0));
  out.patches.sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file));
  return out;
}

/** The lines after a 1-based line up to the end of its block (a line opening or closing one), at most 40. */
function blockSegment(lines: string[], after: number): string[] {
  const out: string[] = [];
  for (let i = after; i < lines.length && out.length < 40; i++) {
    const t = (lines[i] as string).trim();
    if (t.startsWith('}') || t.endsWith('{')) break;
    out.push(t);
  }
  return out;
}

/**
 * The 1-based line that opens the `{ }` block holding line `at` (`at` itself when it opens one), or -1 when the
 * file has no such block there (YAML, Python, Apache sections: no dedupe across places, where the same line at
 * two places can be meant).
 */
function enclosingBlock(lines: string[], at: number): number {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const t = (lines[i] as string).replace(/#.*$/, '').trim();
    if (t.startsWith('}')) depth++;
    if (t.endsWith('{')) {
      if (depth === 0) return i + 1;
      depth--;
    }
  }
  return -1;
}

/** The changes for one file: merged per line, conflicts refused, edits already present skipped. */
function buildChanges(
  file: TextFile,
  edits: Edit[],
): { changes: LineChange[]; ids: string[]; refused: Array<{ edit: Edit; reason: string }> } {
  const refused: Array<{ edit: Edit; reason: string }> = [];
  const replaces = new Map<number, { edit: Edit; lines: string[] }>();
  const afters = new Map<number, { edits: Edit[]; lines: string[] }>();
  const ids = new Set<string>();
  const n = file.lines.length;
  // The block of each anchor line, and the queued insertions per block, kept as edits arrive: asking every
  // queued anchor's block again for each new edit made a large file's plan quadratic (doctor on thousands of
  // nginx servers).
  const blockOfLine = new Map<number, number>();
  const blockOf = (at: number): number => {
    let b = blockOfLine.get(at);
    if (b === undefined) {
      b = enclosingBlock(file.lines, at);
      blockOfLine.set(at, b);
    }
    return b;
  };
  const aftersInBlock = new Map<number, Array<{ at: number; lines: string[] }>>();
  for (const e of edits) {
    if (e.line > n) {
      refused.push({ edit: e, reason: `line ${e.line} is past the end of the file (${n} lines): the file changed` });
      continue;
    }
    const target = file.lines[e.line - 1] as string;
    if (e.placement === 'replace') {
      // Lines that end with the target line itself, unchanged, are written before it (an nginx `geo` above
      // `server {`): the statement keeps its own lines whatever it spans.
      const before = e.lines.length > 1 && (e.lines[e.lines.length - 1] as string) === target;
      if (!before && !wholeStatementLine(target) && !sameContinuation(target, e.lines) && !sameBlockOpener(target, e.lines)) {
        refused.push({
          edit: e,
          reason: `line ${e.line} is part of a statement that spans several lines: replacing that line alone would break it`,
        });
        continue;
      }
      const lines = shellQuoted(file.lines, e, styled(e, target));
      if (lines.length === 1 && norm(lines[0] as string) === norm(target)) continue; // already so
      const prev = replaces.get(e.line);
      if (prev) {
        if (prev.lines.join('\n') === lines.join('\n')) ids.add(e.finding.id);
        else if (commentsOut(lines, target) !== commentsOut(prev.lines, target)) {
          // One fix drops the line (a repeated header: another line sends it), the other rewrites its value: the
          // line goes, so its value no longer matters; the line that stays is judged again in the next round
          // (fix/converge.ts), which gives it the rewrite. One edit, both findings answered here.
          if (commentsOut(lines, target)) replaces.set(e.line, { edit: e, lines });
          ids.add(e.finding.id);
        } else
          refused.push({
            edit: e,
            reason: `another fix (${prev.edit.finding.id}) changes line ${e.line} too: apply that one and run fix again`,
          });
        continue;
      }
      replaces.set(e.line, { edit: e, lines });
      ids.add(e.finding.id);
    } else {
      // After a line that opens a bracket or continues (`X = [`, `ExecStart=... \\`), new lines would land inside it.
      if (!wholeStatementLine(target) && !/\{\s*(#.*)?$/.test(target)) {
        refused.push({ edit: e, reason: `line ${e.line} does not end a statement: writing after it would break the file` });
        continue;
      }
      // The line the new ones sit above: the first that is not blank or a comment (a blank line after `server {`
      // says nothing about the block's indentation).
      let next: string | undefined;
      for (let i = e.line; i < n && next === undefined; i++) {
        const l = file.lines[i] as string;
        if (l.trim() !== '' && !/^\s*#/.test(l)) next = l;
      }
      const lines = shellQuoted(file.lines, e, styled(e, target, next));
      const a = afters.get(e.line) ?? { edits: [], lines: [] };
      // Idempotent: lines already written right after the anchor (or queued by another finding) are not added again.
      const following = blockSegment(file.lines, e.line).map(norm);
      // Two fixes may anchor the same line at different places of one `{ }` block (nginx: one check after
      // `proxy_pass`, another after the last header); the block needs it once.
      const block = blockOf(e.line);
      const queuedInBlock =
        block < 0 ? [] : (aftersInBlock.get(block) ?? []).filter((x) => x.at !== e.line).flatMap((x) => x.lines);
      const fresh = lines.filter(
        (l) =>
          !a.lines.some((x) => norm(x) === norm(l)) &&
          !following.includes(norm(l)) &&
          !queuedInBlock.some((x) => norm(x) === norm(l)),
      );
      if (fresh.length === 0 && a.lines.length === 0 && lines.every((l) => following.includes(norm(l)))) continue;
      a.lines.push(...fresh);
      a.edits.push(e);
      if (!afters.has(e.line) && block >= 0) {
        const queued = aftersInBlock.get(block) ?? [];
        queued.push({ at: e.line, lines: a.lines });
        aftersInBlock.set(block, queued);
      }
      afters.set(e.line, a);
      ids.add(e.finding.id);
    }
  }
  const changes: LineChange[] = [];
  const lines = new Set([...replaces.keys(), ...afters.keys()]);
  for (const line of [...lines].sort((x, y) => x - y)) {
    const r = replaces.get(line);
    const a = afters.get(line);
    const newLines = [...(r ? r.lines : [file.lines[line - 1] as string]), ...(a?.lines ?? [])];
    if (r) changes.push({ oldStart: line - 1, oldLen: 1, newLines });
    else if (a && a.lines.length > 0) changes.push({ oldStart: line, oldLen: 0, newLines: a.lines });
  }
  return { changes, ids: [...ids], refused };
}

/**
 * The plan as the doctor prints it: each file's unified diff (what `proxyproof fix` prints and `--write`
 * applies, built from the same findings), then what is advice and why, then the chain's notes.
 */
export function fixPlanLines(plan: FixPlan, notes: string[] = []): string[] {
  const out: string[] = [];
  for (const p of plan.patches) {
    out.push(`  ${p.file}${p.via ? ` (via ${p.via})` : ''}: ${p.findings.join(', ')}`);
    for (const l of p.diff.replace(/\n$/, '').split('\n')) {
      if (l.startsWith('--- ') || l.startsWith('+++ ')) continue;
      out.push(`    ${l}`);
    }
  }
  if (plan.patches.length > 0) out.push('  (proxyproof fix prints these patches; fix --write applies them, with backups)');
  for (const a of plan.advice)
    out.push(
      `  - ${a.id}${a.file ? ` ${a.file}${a.line ? `:${a.line}` : ''}` : ''}: ${a.description} (not patched: ${a.reason})`,
    );
  if (plan.patches.length === 0 && plan.advice.length === 0) out.push('  nothing to change');
  for (const n of notes) out.push(`  - ${n}`);
  return out;
}

/** The patches as machine output (the `fix` JSON and the doctor's `doctor.fix`; schema/fix.schema.json). */
export function patchData(plan: FixPlan): Array<Record<string, unknown>> {
  return plan.patches.map((p) => ({
    file: p.file,
    via: p.via ?? null,
    program: p.program,
    findings: p.findings,
    diff: p.diff,
  }));
}

/** The replaced line already holds `address` and the edit only adds more of it. */
function alreadyNames(path: string, e: { line: number; lines: string[] }, address: string): boolean {
  let current: string | undefined;
  try {
    current = splitText(readFileSync(path, 'utf8')).lines[e.line - 1];
  } catch {
    return false;
  }
  if (current === undefined || !current.includes(address)) return false;
  const count = (t: string) => t.split(address).length - 1;
  return count(e.lines.join('\n')) > count(current);
}
