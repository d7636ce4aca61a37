/**
 * The fix plan, checked by the analysis itself before anything is shown or written. The inputs are copied to a
 * private temporary folder, the patches applied there, and the copy analysed again:
 *  - a patch after which a finding at medium or above appears that was not there before (a new check id in a
 *    file, or the same id at a higher severity) does not resolve what it claims: it is turned into advice that names what lint would
 *    report after it, and the round is planned again without it;
 *  - findings that still have a mechanical fix after the patches (a location the first patch did not cover, a
 *    header the next check asks for once the first is there) are fixed in the next round, up to MAX_ROUNDS;
 * so `fix` prints the whole change at once and `fix` on the fixed files prints nothing (idempotent). The patches
 * of every round are composed into one patch per real file, against the file as it is on disk.
 * Nothing here touches the user's files: `write.ts` applies the result.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SKIP_DIRS } from '../engine/discover.js';
import type { Facts } from '../model/facts.js';
import type { Diagnostic, Finding, Severity } from '../model/finding.js';
import { applyChanges, joinText, type LineChange, splitText, type TextFile, unifiedDiff } from './diff.js';
import { type Advice, advice, type FilePatch, type FixPlan, isMechanical, PLACEHOLDER, planFixes } from './plan.js';

/** Rounds of patch -> re-analyse -> patch what is still fixable. */
export const MAX_ROUNDS = 4;
/** Files copied into the private folder at most (a tree larger than this is not re-analysed). */
const MAX_STAGE_FILES = 5_000;
/** Single fixes tried one by one to find which patch brings a new finding. */
const MAX_CULPRIT_TRIES = 16;

const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export interface Analysed {
  facts: Facts;
  /** Every finding of the analysis (what decides "new"). */
  all: Finding[];
  /** The findings the fix command acts on (after the output stage's selection). */
  selected: Finding[];
}

/** The first analysis as the check compares with it: only the severity index of its findings, not the findings. */
export interface FirstAnalysis {
  facts: Facts;
  /** severityIndex of every finding of the first analysis (what decides "new"). */
  severities: SeverityIndex;
  /** The findings the fix command acts on (after the output stage's selection). */
  selected: Finding[];
}

export interface ConvergeInput {
  paths: string[];
  cwd: string;
  first: FirstAnalysis;
  plan: FixPlan;
  /** The options of the first plan (`--proxy-address`), for every plan of the later rounds. */
  planOptions?: { proxyAddress?: string };
  /**
   * Analyse these paths in that folder (the same options as the first analysis); `relocated`: the original folders
   * and their copies, so an absolute path a file names into an original reads the copy (CollectOptions.relocated).
   */
  analyze: (paths: string[], cwd: string, relocated: { from: string; to: string }[]) => Promise<Analysed>;
}

export interface ConvergeResult {
  plan: FixPlan;
  /** Rounds of patches composed (0: nothing to patch). */
  rounds: number;
  /** Why the plan could not be checked by a second analysis (it is then the first plan as it was). */
  unchecked?: string;
}

interface Problem {
  key: string;
  text: string;
}

/** A parse error by file and message, without line numbers (a patch moves lines). */
const diagKey = (d: Diagnostic, norm: Norm) => `${norm(d.file)}\0${d.message.replace(/\d+/g, '#')}`;

/**
 * A line of a staged file: a number is the 0-based line of the original file kept as it was (its text is
 * `origFile.lines[n]`), a string a line written by a patch. One slot per line and no object per line: at 10,000
 * nginx servers a staged file has 300,000 lines, kept through the second analysis (issue 10: the doctor's memory).
 */
type Entry = number | string;

interface StagedFile {
  realAbs: string;
  stageAbs: string;
  display: string;
  via?: string;
  program: FilePatch['program'];
  original: string;
  origFile: TextFile;
  entries: Entry[];
  findings: Set<string>;
}

/** A file name as the first analysis wrote it. */
type Norm = (file: string) => string;
const plainNorm: Norm = (f) => f.replace(/^\.\//, '');
/**
 * The copy's file names read as the first analysis's: a file outside the working folder is named by its absolute
 * path, which in the copy is under the stage folder (`<stage>/etc/nginx/...` is `/etc/nginx/...`).
 */
function stageNorm(dir: string, base: string): Norm {
  const prefix = dir + sep;
  return (f) => {
    const n = plainNorm(f);
    return n.startsWith(prefix) ? join(base, n.slice(prefix.length)) : n;
  };
}
const key = (f: Finding, norm: Norm) => `${f.id}\0${norm(f.evidence[0]?.file ?? '')}`;
const editKey = (f: Finding, norm: Norm) =>
  `${f.id}\0${norm(f.fix?.file ?? '')}\0${(f.fix?.lines ?? []).map((l) => l.trim()).join('\n')}`;

/** Highest severity rank per (id, primary file). */
export type SeverityIndex = ReadonlyMap<string, number>;

/**
 * Highest severity per (id, primary file): a finding "appears" when its id is new in that file or more severe. A
 * handful of keys where the findings are thousands: the doctor keeps this, not its first report's findings,
 * through the second analysis (issue 10: its peak memory).
 */
export function severityIndex(findings: Finding[], norm: Norm = plainNorm): SeverityIndex {
  const m = new Map<string, number>();
  const put = (k: string, sev: Severity | undefined) => m.set(k, Math.max(m.get(k) ?? -1, RANK[sev ?? 'info'] ?? 0));
  for (const f of findings) {
    put(key(f, norm), f.severity);
    // Findings merged into this one (one finding per root cause, chain/refine.ts) were there too: when a patch
    // changes which finding heads the cause, the chain's own finding shows again under its id.
    const chain = f.data?.chainFinding as { id?: string; severity?: Severity } | undefined;
    if (chain?.id) for (const e of f.evidence) put(`${chain.id}\0${norm(e.file)}`, chain.severity);
    for (const x of (f.data?.merged as Array<{ id?: string; severity?: Severity; at?: string | null }> | undefined) ?? [])
      if (x.id && x.at) put(`${x.id}\0${norm(x.at.replace(/:\d+$/, ''))}`, x.severity);
  }
  return m;
}

/**
 * Findings that make a patch wrong: new (or more severe) at medium or above. A low finding a patch reveals is a
 * weakness the patch uncovers, not one it makes (chain/fragile-trust once the scheme reaches an app that trusts
 * the proxy only through its loopback default): withholding the patch for it would leave the site broken. Lint
 * shows it after the fix like any other finding.
 */
function appeared(before: SeverityIndex, after: Finding[], norm: Norm): Finding[] {
  return after.filter((f) => RANK[f.severity] >= RANK.medium && RANK[f.severity] > (before.get(key(f, norm)) ?? -1));
}

/** The deepest folder that holds every one of these absolute paths. */
function commonFolder(paths: string[]): string {
  let base = paths[0] as string;
  for (const p of paths)
    while (relative(base, p).startsWith('..') || isAbsolute(relative(base, p))) {
      const up = dirname(base);
      if (up === base) break;
      base = up;
    }
  return base;
}

/**
 * Copies the inputs (a file's whole folder: its includes live beside it) below a private folder; bounded. The copy
 * keeps the layout under `base`, the folder that holds the working folder and every input (the working folder
 * itself unless an input is outside it, `fix /etc/nginx` run from a home folder): the copy is analysed from the
 * working folder's place in it (`cwd`), so the paths it reports read as the first analysis's.
 */
function makeStage(
  paths: string[],
  cwd: string,
): { dir: string; base: string; cwd: string; paths: string[]; relocated: { from: string; to: string }[] } | { reason: string } {
  const roots = new Set<string>();
  const rels: string[] = [];
  const base = commonFolder([cwd, ...paths.map((p) => resolve(cwd, p))]);
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const rel = relative(cwd, abs);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      return { reason: `cannot read ${p}` };
    }
    roots.add(isDir ? abs : dirname(abs));
    rels.push(rel === '' ? '.' : rel);
  }
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-fixcheck-'));
  const stagedCwd = join(dir, relative(base, cwd));
  let count = 0;
  try {
    mkdirSync(stagedCwd, { recursive: true });
    for (const root of roots) {
      cpSync(root, join(dir, relative(base, root)), {
        recursive: true,
        verbatimSymlinks: true,
        filter: (src) => {
          if (SKIP_DIRS.has(basename(src)) && src !== root) return false;
          if (++count > MAX_STAGE_FILES) throw new Error(`more than ${MAX_STAGE_FILES} files`);
          return true;
        },
      });
    }
    const config = join(cwd, '.proxyproof.json');
    if (existsSync(config) && !existsSync(join(stagedCwd, '.proxyproof.json')))
      cpSync(config, join(stagedCwd, '.proxyproof.json'));
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `the inputs could not be copied for the check (${(e as Error).message})` };
  }
  const relocated: { from: string; to: string }[] = [];
  for (const root of roots) {
    const to = join(dir, relative(base, root));
    relocated.push({ from: root, to });
    // The same folder as the files may name it (/tmp -> /private/tmp, a symlinked /srv).
    try {
      const real = realpathSync(root);
      if (real !== root) relocated.push({ from: real, to });
    } catch {}
  }
  return { dir, base, cwd: stagedCwd, paths: rels, relocated };
}

/** The changes that turn the original lines into `entries` (lines kept carry their original index). */
function changesOf(entries: Entry[], n: number): LineChange[] {
  const out: LineChange[] = [];
  let o = 0;
  let pending: LineChange | undefined;
  const flush = () => {
    if (pending && (pending.oldLen > 0 || pending.newLines.length > 0)) out.push(pending);
    pending = undefined;
  };
  for (const e of entries) {
    if (typeof e === 'string') {
      pending ??= { oldStart: o, oldLen: 0, newLines: [] };
      pending.newLines.push(e);
      continue;
    }
    if (e > o) {
      pending ??= { oldStart: o, oldLen: 0, newLines: [] };
      pending.oldLen += e - o;
      o = e;
    }
    flush();
    o = e + 1;
  }
  if (o < n) {
    pending ??= { oldStart: o, oldLen: 0, newLines: [] };
    pending.oldLen += n - o;
  }
  flush();
  return out;
}

export async function convergePlan(input: ConvergeInput): Promise<ConvergeResult> {
  const { cwd } = input;
  if (input.plan.patches.length === 0) return { plan: input.plan, rounds: 0 };
  const stage = makeStage(input.paths, cwd);
  if ('reason' in stage) return { plan: input.plan, rounds: 1, unchecked: stage.reason };
  try {
    return await converge(input, stage);
  } finally {
    rmSync(stage.dir, { recursive: true, force: true });
  }
}

async function converge(
  input: ConvergeInput,
  stage: { dir: string; base: string; cwd: string; paths: string[]; relocated: { from: string; to: string }[] },
): Promise<ConvergeResult> {
  const { cwd, first } = input;
  const { dir, paths: stagePaths, relocated } = stage;
  const norm = stageNorm(dir, stage.base);
  /** A message of the copy's analysis with the copy's paths read as the real ones (the advice quotes it). */
  const unstage = (t: string) => t.split(dir + sep).join(stage.base.endsWith(sep) ? stage.base : stage.base + sep);
  // The first analysis names real files only, so its index (made before this analysis, with the plain names) is the
  // one `norm` would give.
  const before = first.severities;
  const files = new Map<string, StagedFile>();
  const demoted: Advice[] = [];
  const demotedEdits = new Set<string>();
  /** Patches that cannot be checked in the copy (their real file is outside the copied folders): kept as planned. */
  const outside: FilePatch[] = [];

  const text = (f: StagedFile) =>
    joinText({ ...f.origFile, lines: f.entries.map((e) => (typeof e === 'string' ? e : (f.origFile.lines[e] as string))) });
  /**
   * `text(f) === t` without making text(f): the staged text was a second 9 MB string (and an array of 300,000
   * lines) of garbage per patch at 10,000 nginx servers (issue 10: the doctor's peak memory).
   */
  const stagedIs = (f: StagedFile, t: string): boolean => {
    const { lines, eol, eofNewline } = f.origFile;
    const n = f.entries.length;
    if (n === 0) return t === '';
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const e = f.entries[i] as Entry;
      const line = typeof e === 'string' ? e : (lines[e] as string);
      if (!t.startsWith(line, pos)) return false;
      pos += line.length;
      if (i < n - 1 || eofNewline) {
        if (!t.startsWith(eol, pos)) return false;
        pos += eol.length;
      }
    }
    return pos === t.length;
  };
  const write = (f: StagedFile) => {
    mkdirSync(dirname(f.stageAbs), { recursive: true });
    writeFileSync(f.stageAbs, text(f));
  };
  /**
   * Applies one round's patches to the staged files. A patch of the first plan names the real file (under
   * stage.base), a later round's the staged copy (under stage.dir): both have the same path below their folder.
   */
  const apply = (patches: FilePatch[], staged: boolean, round: number): boolean => {
    let any = false;
    for (const p of patches) {
      const rel = relative(staged ? dir : stage.base, p.abs);
      if (rel.startsWith('..') || isAbsolute(rel)) {
        if (round === 0) outside.push(p);
        continue;
      }
      const realAbs = join(stage.base, rel);
      let f = files.get(rel);
      if (!f) {
        const original = round === 0 ? p.original : readFileSync(realAbs, 'utf8');
        const origFile = splitText(original);
        f = {
          realAbs,
          stageAbs: join(dir, rel),
          display: norm(p.file),
          ...(p.via ? { via: p.via } : {}),
          program: p.program,
          original,
          origFile,
          entries: origFile.lines.map((_, orig) => orig),
          findings: new Set(),
        };
        files.set(rel, f);
      }
      // The patch was planned on the staged text; anything else means the copy and the plan disagree.
      if (!stagedIs(f, p.original)) continue;
      // One pass over the file (fix/diff.ts applyChanges, as planFixes made p.updated), not a splice per change.
      f.entries = applyChanges<Entry>(f.entries, p.changes);
      for (const id of p.findings) f.findings.add(id);
      write(f);
      any = true;
    }
    return any;
  };
  // applyChanges makes a new array: a round's entries are never changed in place, so they are kept as they are.
  const snapshot = () => new Map([...files].map(([k, f]) => [k, { entries: f.entries, findings: new Set(f.findings) }]));
  const restore = (s: ReturnType<typeof snapshot>) => {
    for (const [k, f] of files) {
      const saved = s.get(k);
      if (saved) {
        f.entries = saved.entries;
        f.findings = new Set(saved.findings);
        write(f);
      } else {
        writeFileSync(f.stageAbs, f.original);
        files.delete(k);
      }
    }
  };

  const beforeDiagnostics = new Set(first.facts.diagnostics.filter((d) => d.level === 'error').map((d) => diagKey(d, norm)));
  /** What is wrong with the staged files: findings that appeared (`blame` picks those that count), new parse errors, or no analysis at all. */
  const problemsAfter = async (blame: (f: Finding) => boolean): Promise<{ analysed?: Analysed; problems: Problem[] }> => {
    let a: Analysed;
    try {
      a = await input.analyze(stagePaths, stage.cwd, relocated);
    } catch (e) {
      return { problems: [{ key: 'analysis', text: `lint fails on the patched files: ${(e as Error).message}` }] };
    }
    const problems: Problem[] = appeared(before, a.all, norm)
      .filter(blame)
      .map((f) => ({
        key: key(f, norm),
        text: `lint reports ${f.id} (${f.severity}) at ${norm(f.evidence[0]?.file ?? '')}${f.evidence[0]?.line ? `:${f.evidence[0].line}` : ''}: ${unstage(f.message)}`,
      }));
    for (const d of a.facts.diagnostics)
      if (d.level === 'error' && !beforeDiagnostics.has(diagKey(d, norm)))
        problems.push({
          key: `diag\0${diagKey(d, norm)}`,
          text: `the file no longer parses: ${norm(d.file)}${d.line ? `:${d.line}` : ''}: ${unstage(d.message)}`,
        });
    return { analysed: a, problems };
  };

  let facts = first.facts;
  let base = cwd;
  let staged = false;
  let units = first.selected.filter((f) => f.fix);
  let plan = input.plan;
  let rounds = 0;
  for (let round = 0; round < MAX_ROUNDS && plan.patches.length > 0; round++) {
    const saved = snapshot();
    let analysed: Analysed | undefined;
    for (let attempt = 0; attempt < 3 && plan.patches.length > 0; attempt++) {
      if (!apply(plan.patches, staged, round)) break;
      // A finding the patches bring that has a mechanical fix of its own is fixed in the next round (the header
      // a location now needs because another sends it); one without, or in the last round, is the patch's fault.
      const last = round === MAX_ROUNDS - 1;
      const checked = await problemsAfter(
        (f) =>
          last || !isMechanical(f) || demotedEdits.has(editKey(f, norm)) || PLACEHOLDER.test((f.fix?.lines ?? []).join('\n')),
      );
      analysed = checked.analysed;
      if (checked.problems.length === 0) break;
      // Which fix brings them? Each fix of this round alone, on the files as they were before the round.
      const problemKeys = new Set(checked.problems.map((x) => x.key));
      const candidates = units.filter((u) => isMechanical(u) && plan.patches.some((p) => p.findings.includes(u.id)));
      const culprits: Finding[] = [];
      if (candidates.length <= MAX_CULPRIT_TRIES) {
        for (const u of candidates) {
          restore(saved);
          const alone = planFixes(facts, [u], { ...input.planOptions, cwd: base });
          if (!apply(alone.patches, staged, -1)) continue;
          const seen = await problemsAfter(() => true);
          if (seen.problems.some((x) => problemKeys.has(x.key))) culprits.push(u);
        }
      }
      // Only together (or too many to try one by one): none of this round's fixes is written.
      const blamed = culprits.length > 0 ? culprits : candidates;
      const shown = checked.problems[0] as Problem;
      for (const u of blamed) {
        demotedEdits.add(editKey(u, norm));
        demoted.push(
          advice(
            u,
            `checked by analysing the patched files: after this change ${shown.text}${culprits.length === 0 ? ' (the fixes of this round together)' : ''}`,
          ),
        );
      }
      restore(saved);
      units = units.filter((u) => !demotedEdits.has(editKey(u, norm)));
      plan = planFixes(facts, units, { ...input.planOptions, cwd: base });
      analysed = undefined;
    }
    if (!analysed) break;
    rounds = round + 1;
    // The next round: what is still mechanically fixable in the patched copy (never a fix already turned down).
    facts = analysed.facts;
    base = stage.cwd;
    staged = true;
    units = analysed.selected.filter((f) => f.fix && !demotedEdits.has(editKey(f, norm)));
    plan = planFixes(facts, units, { ...input.planOptions, cwd: stage.cwd });
    // Advice of later rounds repeats the first round's; only patches carry on.
    plan = { patches: plan.patches.filter((p) => !relative(dir, p.abs).startsWith('..')), advice: [] };
  }
  const patches: FilePatch[] = [...outside];
  for (const f of files.values()) {
    const changes = changesOf(f.entries, f.origFile.lines.length);
    if (changes.length === 0 || f.findings.size === 0) continue;
    patches.push({
      file: f.display,
      abs: f.realAbs,
      ...(f.via ? { via: f.via } : {}),
      original: f.original,
      updated: text(f),
      diff: unifiedDiff(f.display, f.origFile, changes),
      findings: [...f.findings],
      program: f.program,
      changes,
    });
  }
  // The first plan's order (most severe first), then files first patched in a later round.
  const order = (p: FilePatch) => {
    const i = input.plan.patches.findIndex((q) => q.abs === p.abs);
    return i < 0 ? input.plan.patches.length : i;
  };
  patches.sort((a, b) => order(a) - order(b) || a.file.localeCompare(b.file));
  const advised = input.plan.advice.filter((a) => !demoted.some((d) => d.id === a.id && d.file === a.file && d.line === a.line));
  return { plan: { patches, advice: [...advised, ...demoted] }, rounds };
}
