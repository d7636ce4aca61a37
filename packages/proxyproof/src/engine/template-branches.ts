/**
 * Template branches (issue 12: "a conditional block is analysed in each branch when that changes a finding, and the
 * finding says which branch"). The tree is analysed once as its templates read by default (the first alternative
 * of every conditional), then once per other alternative of each conditional that holds config text (one
 * conditional switched at a time, the others at their first; at most MAX_TEMPLATE_RENDERINGS more analyses). A
 * finding found in every rendering stays as it is; one found in some only says in which: "only when `{% if
 * local_proxy %}` (app.service.j2:2) is false", with an evidence line at the conditional.
 *
 * One conditional at a time, not every combination: n conditionals of two alternatives make 2^n renderings, most
 * of them deciding nothing; switching each alone finds what each decides, in n renderings.
 */
import { type Evidence, type Finding, severityRank } from '../model/finding.js';
import { MAX_TEMPLATE_RENDERINGS } from '../model/limits.js';
import type { BranchPick, TemplateChain, TemplateNote } from '../model/template.js';

/** One other rendering: in `file`, the conditional `chain` keeps alternative `alt` (`alternatives.length`: none). */
export interface Rendering {
  file: string;
  abs: string;
  chain: TemplateChain;
  alt: number;
  /**
   * The other conditionals on the same condition (`{% if tls %}` written twice, in one file or several), switched
   * with it: one variable has one value in a deployment, so a rendering that takes one `if tls` and not the other
   * exists nowhere (it would report an `X-Forwarded-Proto` missing from a server whose TLS the other one drops).
   */
  also: Array<{ abs: string; chain: TemplateChain; alt: number }>;
}

/** A conditional's condition as written, without its delimiters and whitespace control: `{%- if tls -%}` is `if tls`. */
function conditionOf(chain: TemplateChain): string {
  return tagText(chain.alternatives[0]?.tag ?? '')
    .replace(/^(?:\{%|\{\{|<%|%\{)[-+~=]?\s*/, '')
    .replace(/\s*[-+~]?(?:%\}|\}\}|%>|\})$/, '')
    .trim();
}

/** The renderings to analyse besides the default one, and how many were left out by the limit. */
export function otherRenderings(
  templates: ReadonlyMap<string, TemplateNote> | undefined,
  absOf: (display: string) => string | undefined,
  used: (display: string) => boolean,
  /**
   * Conditionals whose other alternatives the default rendering already models (nginx: TLS switched on only in a
   * template branch is simulated both ways, `NginxServer.tlsOnlyInBranch`): a rendering without that branch alone
   * would lose the pairing (a plain server that seems to have nothing in front) and contradict it.
   */
  modelled: (display: string, chain: TemplateChain) => boolean = () => false,
  limit = MAX_TEMPLATE_RENDERINGS,
): { renderings: Rendering[]; leftOut: Rendering[] } {
  const candidates: Rendering[] = [];
  const files = [...(templates ?? new Map<string, TemplateNote>()).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Every conditional of the used files, grouped by condition: a group is switched as one.
  const groups = new Map<string, Array<{ file: string; abs: string; chain: TemplateChain }>>();
  for (const [file, note] of files) {
    const abs = absOf(file);
    if (!abs || !used(file)) continue;
    for (const chain of note.chains ?? []) {
      const key = conditionOf(chain);
      const g = groups.get(key);
      if (g) g.push({ file, abs, chain });
      else groups.set(key, [{ file, abs, chain }]);
    }
  }
  const lastAlt = (chain: TemplateChain): number => chain.alternatives.length + (chain.hasElse ? 0 : 1) - 1;
  for (const group of groups.values()) {
    // A condition one of whose conditionals the default rendering already models both ways is left to that model.
    if (group.some((g) => modelled(g.file, g.chain))) continue;
    // A conditional the default rendering drops with its enclosing branch, or one of only tags and comments,
    // decides nothing on its own.
    const live = group.filter((g) => g.chain.reached && g.chain.holdsText);
    const [lead, ...rest] = live;
    if (!lead) continue;
    // The condition false: each of its conditionals takes its next alternative (the `elif`/`else`, or none).
    candidates.push({ ...lead, alt: 1, also: rest.map((g) => ({ abs: g.abs, chain: g.chain, alt: 1 })) });
    // Further `elif`/`else` alternatives: each conditional alone (their conditions are others').
    for (const g of live) for (let alt = 2; alt <= lastAlt(g.chain); alt++) candidates.push({ ...g, alt, also: [] });
  }
  // Within the limit, the conditionals with a written `else`/`elif` first: their alternatives replace each other's
  // lines (`-b 127.0.0.1` or `-b 0.0.0.0 --forwarded-allow-ips=*`), while an `if` alone only adds lines. Stable: then
  // in file and line order.
  const ranked = [...candidates].sort(
    (a, b) => Number(b.chain.alternatives.length > 1) - Number(a.chain.alternatives.length > 1),
  );
  return { renderings: ranked.slice(0, limit), leftOut: ranked.slice(limit) };
}

/** The picks of one rendering, by absolute path (CollectOptions.templatePicks). */
export function picksOf(r: Rendering): ReadonlyMap<string, BranchPick> {
  const picks = new Map<string, Map<number, number>>();
  for (const c of [{ abs: r.abs, chain: r.chain, alt: r.alt }, ...r.also]) {
    const m = picks.get(c.abs) ?? new Map<number, number>();
    m.set(c.chain.line, c.alt);
    picks.set(c.abs, m);
  }
  return picks;
}

/** A finding's identity across renderings: its check and its primary location (its message may quote rendered values). */
function keyOf(f: Finding): string {
  const at = f.evidence[0];
  return `${f.id}\u0000${at?.file ?? ''}\u0000${at?.line ?? ''}`;
}

function tagText(tag: string): string {
  return tag.replace(/\s+/g, ' ').trim();
}

/**
 * The condition under which a set of alternatives of one conditional is rendered, in words: "`{% if x %}`
 * (f:2) is true", "is false", or "takes `{% elif y %}` (line 4)".
 */
function altsPhrase(file: string, chain: TemplateChain, alts: number[]): string {
  const head = `\`${tagText(chain.alternatives[0]?.tag ?? '')}\` (${file}:${chain.line})`;
  const n = chain.alternatives.length;
  const twoWay = (n === 2 && chain.hasElse) || (n === 1 && !chain.hasElse);
  if (twoWay && alts.length === 1) return `${head} is ${alts[0] === 0 ? 'true' : 'false'}`;
  const names = alts.map((a) =>
    a === 0
      ? 'is true'
      : a >= n
        ? 'takes no branch'
        : `takes \`${tagText(chain.alternatives[a]?.tag ?? '')}\` (line ${chain.alternatives[a]?.line})`,
  );
  return `${head} ${names.join(' or ')}`;
}

/** What a finding found in some renderings only says, and the evidence line at each conditional that decides it. */
function branchNote(
  inDefault: boolean,
  present: Rendering[],
  all: Rendering[],
): { condition: string; at: Evidence[] } | undefined {
  // Per conditional: the alternatives the finding is found in (the default rendering is alternative 0 of each).
  const byChain = new Map<TemplateChain, { file: string; alts: Set<number>; tried: Set<number>; same: number }>();
  for (const r of all) {
    let e = byChain.get(r.chain);
    if (!e) {
      e = { file: r.file, alts: new Set(inDefault ? [0] : []), tried: new Set([0]), same: 0 };
      byChain.set(r.chain, e);
    }
    e.same = Math.max(e.same, r.also.length);
    e.tried.add(r.alt);
    if (present.includes(r)) e.alts.add(r.alt);
  }
  const parts: string[] = [];
  const at: Evidence[] = [];
  for (const [chain, e] of byChain) {
    // Found in the default rendering: the conditionals whose switching loses it decide it (all of them must hold).
    // Found only in switched renderings: each conditional whose switching finds it is one way to get it.
    const decides = inDefault ? e.alts.size < e.tried.size : e.alts.size > 0;
    if (!decides) continue;
    const alts = [...e.alts].sort((a, b) => a - b);
    // The conditionals on the same condition were switched with it: said once, at the first.
    const same =
      e.same > 0
        ? ` (as ${e.same === 1 ? 'is the other conditional' : `are the ${e.same} other conditionals`} on the same condition)`
        : '';
    parts.push(altsPhrase(e.file, chain, alts) + same);
    at.push({
      file: e.file,
      line: chain.line,
      note: `template conditional: the finding holds only when ${altsPhrase(e.file, chain, alts).replace(/^`[^`]*` \([^)]*\) /, 'it ')}`,
    });
  }
  if (parts.length === 0) return undefined;
  return { condition: parts.join(inDefault ? ' and ' : ', or when '), at };
}

function withBranch(
  f: Finding,
  note: { condition: string; at: Evidence[] },
  renderings: string[],
  /** The severity the other renderings give it (found in every rendering, more severe in these). */
  otherwise?: Finding['severity'],
): Finding {
  const when = otherwise
    ? `${f.severity} only when ${note.condition}; ${otherwise} in the other renderings`
    : `only when ${note.condition}`;
  return {
    ...f,
    message: `${f.message} (template: ${when})`,
    evidence: [...f.evidence, ...note.at],
    data: { ...f.data, templateBranch: { condition: note.condition, renderings } },
  };
}

function renderingName(r: Rendering): string {
  return `${r.file}:${r.chain.line} ${altsPhrase(r.file, r.chain, [r.alt]).replace(/^`[^`]*` \([^)]*\) /, '')}`;
}

/**
 * The findings of every rendering as one list: a finding found in all stays as the default rendering has it; one
 * found in some says when (its message, an evidence line at each deciding conditional, `data.templateBranch`).
 */
export function mergeRenderings(base: Finding[], others: Array<{ rendering: Rendering; findings: Finding[] }>): Finding[] {
  if (others.length === 0) return base;
  const all = others.map((o) => o.rendering);
  const baseIx = new RenderingIndex(base);
  const ixs = others.map((o) => new RenderingIndex(o.findings));
  const out: Finding[] = [];
  for (const f of base) {
    const alone = baseIx.alone(f);
    const matches = ixs.map((ix) => ix.match(f, alone));
    const present = all.filter((_, i) => matches[i]);
    // Found in every rendering but more severe in some (a HIGH when the `else` sends `http`, an INFO otherwise):
    // the most severe, saying when.
    const worse = matches
      .filter((g): g is Finding => g !== undefined && severityRank(g.severity) > severityRank(f.severity))
      .sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0];
    if (worse && present.length === all.length) {
      const at = all.filter((_, i) => matches[i]?.severity === worse.severity);
      const note = branchNote(false, at, all);
      if (note) {
        out.push(withBranch(worse, note, at.map(renderingName), f.severity));
        continue;
      }
    }
    const note = present.length === all.length ? undefined : branchNote(true, present, all);
    out.push(note ? withBranch(f, note, ['default', ...present.map(renderingName)]) : f);
  }
  // Found only in other renderings: the first rendering's finding, saying which renderings have it.
  for (const [i, o] of others.entries()) {
    for (const f of o.findings) {
      const alone = ixs[i]?.alone(f) ?? true;
      if (baseIx.match(f, alone) || ixs.some((ix, j) => j < i && ix.match(f, alone))) continue;
      const present = all.filter((_, j) => j >= i && ixs[j]?.match(f, alone));
      const note = branchNote(false, present, all);
      out.push(note ? withBranch(f, note, present.map(renderingName)) : f);
    }
  }
  return out;
}

/**
 * One rendering's findings, to find a finding of another rendering among them: the same check, place and message,
 * or else the one finding of that check at that place when each rendering has exactly one there (its message may
 * quote rendered values). Several findings of one check at one place (a chain finding per route, all led by the
 * same settings line) are told apart by their messages only.
 */
class RenderingIndex {
  private readonly full = new Map<string, Finding>();
  private readonly byPlace = new Map<string, Finding[]>();
  constructor(findings: Finding[]) {
    for (const f of findings) {
      const k = keyOf(f);
      this.full.set(`${k}\u0000${f.message}`, f);
      const list = this.byPlace.get(k);
      if (list) list.push(f);
      else this.byPlace.set(k, [f]);
    }
  }
  /** Whether `f` is the only finding of its check at its place here. */
  alone(f: Finding): boolean {
    return (this.byPlace.get(keyOf(f))?.length ?? 0) <= 1;
  }
  /** The finding here that is `f` (`alone`: `f` is the only one of its check at its place in its own rendering). */
  match(f: Finding, alone: boolean): Finding | undefined {
    const k = keyOf(f);
    const same = this.full.get(`${k}\u0000${f.message}`);
    if (same) return same;
    const list = this.byPlace.get(k);
    return alone && list?.length === 1 ? list[0] : undefined;
  }
}
