/**
 * `lint`: the one analysis (engine/analyze.ts) shown as the compact view (engine/report.ts).
 * No printing here; the CLI hands the report to a renderer.
 */
import type { Check } from '../model/check.js';
import type { Facts } from '../model/facts.js';
import type { Finding } from '../model/finding.js';
import type { Report } from '../render/types.js';
import { type Analysis, type AnalyzeOptions, analyze, runChecksIsolated, sortFindings } from './analyze.js';
import { lintReport } from './report.js';

export { sortFindings } from './analyze.js';

export type LintOptions = AnalyzeOptions;

/**
 * The layer checks alone, unrefined (tests of one family; the commands use `analyze`). No default list here:
 * importing every check would load them all for a one-file lint (the package index defaults to ALL_CHECKS).
 */
export function runChecks(facts: Facts, checks: Check[]): Finding[] {
  return sortFindings(runChecksIsolated(checks, facts));
}

// atOrAbove lives in model/finding.ts (the output stage of every command uses it without loading the analysis).
export { atOrAbove } from '../model/finding.js';

export async function lintPaths(
  paths: string[],
  options: LintOptions = {},
): Promise<{ facts: Facts; report: Report; analysis: Analysis }> {
  const analysis = await analyze(paths, options);
  return { facts: analysis.facts, report: lintReport(analysis, paths), analysis };
}
