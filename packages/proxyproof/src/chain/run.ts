/**
 * `doctor`: the one analysis (engine/analyze.ts) shown in full (engine/report.ts): what was found and not
 * found, the hop-by-hop chain, the findings and the fix plan. Kept as the doctor's programmatic entry point.
 */
import { type Analysis, analyze, type DeclaredFront } from '../engine/analyze.js';
import { DOCTOR_SCHEMA_VERSION, doctorPayload, doctorReport } from '../engine/doctor-report.js';
import type { Facts } from '../model/facts.js';
import type { Report } from '../render/types.js';
import type { ChainAnalysis } from './analyze.js';
import type { DeploymentFiles } from './discover.js';
import { type Inventory, planLines } from './render.js';

export interface DoctorOptions {
  root?: string;
  url?: string;
  behindTlsLb?: boolean;
  front?: DeclaredFront;
  cwd?: string;
  onStage?: (text: string) => void;
  /** False: the report's fix plan is left empty for the caller's withFixPlan (engine/doctor-report.ts). */
  withPlan?: boolean;
}

export interface DoctorResult {
  facts: Facts;
  analysis: ChainAnalysis;
  files: DeploymentFiles;
  inventory: Inventory;
  report: Report;
  all: Analysis;
}

export async function runDoctor(paths: string[], opts: DoctorOptions = {}): Promise<DoctorResult> {
  const a = await analyze(paths, opts);
  const report = doctorReport(a, opts.root ? [`--root ${opts.root}`] : paths, opts.cwd, opts.withPlan ?? true);
  return { facts: a.facts, analysis: a.chain, files: a.files, inventory: a.inventory, report, all: a };
}

export { DOCTOR_SCHEMA_VERSION, doctorPayload, planLines };
