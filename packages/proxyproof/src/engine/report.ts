/**
 * The two views of one Analysis. Same findings and diagnostics in both (so the same exit code):
 * - lint: the findings, "Not read", and the one-line chain verdict per route;
 * - doctor: the same, plus what was found / not found, the hop-by-hop chain and the fix plan.
 * The JSON of both carries `notRead` and `chain` (per-route verdict lines); doctor's adds `doctor` (docs/doctor.md).
 * The doctor's own parts (fix plan, hop-by-hop chain) are in engine/doctor-report.ts, which `lint` never loads.
 */

import type { ChainAnalysis } from '../chain/analyze.js';
import { picture, verdictLine } from '../chain/render.js';
import type { Report, ReportSection } from '../render/types.js';
import type { Analysis } from './analyze.js';
import { notReadLine } from './not-read.js';
import { placeholderShower, showPlaceholders } from './template-display.js';

/** Text lists longer than this are cut (the JSON keeps everything). */
export const MAX_LISTED = 50;

export function listed<T>(items: T[], line: (x: T) => string): string[] {
  const out = items.slice(0, MAX_LISTED).map((x) => `  ${line(x)}`);
  if (items.length > MAX_LISTED) out.push(`  ... and ${items.length - MAX_LISTED} more (--format json lists all)`);
  return out;
}

export function notReadSection(a: Analysis): ReportSection | null {
  if (a.notRead.length === 0) return null;
  return { title: `Not read (${a.notRead.length})`, lines: listed(a.notRead, notReadLine) };
}

export function chainRoutes(c: ChainAnalysis): Array<{ url: string; picture: string; verdict: string }> {
  return c.verdict.routes.map((r) => ({ url: `${r.url} (${r.route})`, picture: picture(r.trace), verdict: verdictLine(r) }));
}

export function common(a: Analysis, command: 'lint' | 'doctor', inputs: string[]): Report {
  return {
    command,
    inputs,
    findings: a.findings,
    diagnostics: a.facts.diagnostics,
    sections: [],
    data: { notRead: a.notRead, chain: shownAsWritten(a, chainRoutes(a.chain)) },
  };
}

export function lintReport(a: Analysis, inputs: string[]): Report {
  const r = common(a, 'lint', inputs);
  const nr = notReadSection(a);
  if (nr) r.sections?.push(nr);
  // The routes `common` already put in the JSON payload (20,000 of them on the 10,000-server bench: drawn once).
  const routes = (r.data?.chain ?? chainRoutes(a.chain)) as ReturnType<typeof chainRoutes>;
  if (routes.length > 0) {
    const lines: string[] = [];
    for (const x of routes.slice(0, MAX_LISTED)) lines.push(`  ${x.url}`, `    ${x.picture}`, `    ${x.verdict}`);
    if (routes.length > MAX_LISTED) lines.push(`  ... and ${routes.length - MAX_LISTED} more routes (--format json lists all)`);
    lines.push('  (proxyproof doctor prints each hop, the spoofing checks and the fix plan)');
    r.sections?.push({ title: 'Chain verdict', lines, position: 'after' });
  }
  return r;
}

/** The routes with template placeholders as the templates wrote them (engine/template-display.ts). */
function shownAsWritten<T>(a: Analysis, routes: T): T {
  const show = placeholderShower(a.facts);
  return show ? showPlaceholders(routes, show) : routes;
}
