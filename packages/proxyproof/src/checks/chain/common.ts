/** Shared helpers of the chain checks: evidence from chain refs, the picture of a trace. */
import { analyzeChain, type ChainAnalysis } from '../../chain/analyze.js';
import { type Ref, refText } from '../../chain/model.js';
import type { PlannedFix } from '../../chain/plan.js';
import type { Trace } from '../../chain/simulate.js';
import type { Facts } from '../../model/facts.js';
import type { Evidence, Fix } from '../../model/finding.js';

export function analysis(facts: Facts): ChainAnalysis {
  return analyzeChain(facts);
}

export function evidence(facts: Facts, ref: Ref | undefined, note?: string): Evidence | undefined {
  if (!ref) return undefined;
  const lines = facts.sources.get(ref.file);
  const snippet = ref.line > 0 ? (lines?.[ref.line - 1]?.trimEnd() ?? ref.snippet) : ref.snippet;
  const e: Evidence = { file: ref.file, line: ref.line, note, source: ref.origin === 'builtin' ? 'builtin' : 'file' };
  if (snippet) e.snippet = snippet;
  return e;
}

export function evidences(facts: Facts, items: Array<[Ref | undefined, string]>): Evidence[] {
  const out: Evidence[] = [];
  const seen = new Set<string>();
  for (const [r, note] of items) {
    const e = evidence(facts, r, note);
    if (!e) continue;
    const k = `${e.file}:${e.line}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

export function fixOf(f: PlannedFix | undefined): Fix | undefined {
  if (!f) return undefined;
  const fix: Fix = { description: f.title, file: f.file, line: f.line || undefined, lines: f.lines };
  if (f.placement && f.line > 0) fix.placement = f.placement;
  return fix;
}

/** `browser -> nginx :443 -> gunicorn -> Django` in one line. */
export function path(t: Trace): string {
  return t.steps.map((s) => s.label).join(' -> ');
}

export { refText };
