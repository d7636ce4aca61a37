/**
 * Baselines: `proxyproof baseline PATH... -o FILE` records today's findings; `--baseline FILE` then
 * reports (and fails on) only findings whose fingerprint is not recorded, so CI can be switched on
 * for a deployment with known debts. Fingerprints are SARIF's (render/fingerprint.ts): they survive
 * line moves, not a change of the offending text. Schema: `schema/baseline.schema.json`.
 */
import { readFileSync } from 'node:fs';
import { type Finding, InputError } from '../model/finding.js';
import type { SuppressedFinding } from '../render/types.js';
import { parseJsonWithLines } from './json-positions.js';

export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  fingerprint: string;
  id: string;
  severity: string;
  file: string;
  line: number;
  message: string;
}

export interface Baseline {
  tool: 'proxyproof';
  baselineVersion: number;
  command: string;
  inputs: string[];
  findings: BaselineEntry[];
}

export function makeBaseline(command: string, inputs: string[], findings: Finding[]): Baseline {
  return {
    tool: 'proxyproof',
    baselineVersion: BASELINE_VERSION,
    command,
    inputs,
    findings: findings.map((f) => ({
      fingerprint: f.fingerprint ?? '',
      id: f.id,
      severity: f.severity,
      file: f.evidence[0]?.file ?? '',
      line: f.evidence[0]?.line ?? 0,
      message: f.message,
    })),
  };
}

export function parseBaseline(text: string, file: string): Baseline {
  const { value, lineOf } = parseJsonWithLines(text, file);
  const v = value as Partial<Baseline> | null;
  if (!v || typeof v !== 'object' || v.tool !== 'proxyproof' || !Array.isArray(v.findings))
    throw new InputError(
      'not a proxyproof baseline (expected {"tool": "proxyproof", "findings": [...]}; write one with `proxyproof baseline`)',
      file,
      lineOf(['tool']) ?? 1,
    );
  if (v.baselineVersion !== BASELINE_VERSION)
    throw new InputError(
      `baselineVersion ${String(v.baselineVersion)} is not supported (this proxyproof writes ${BASELINE_VERSION})`,
      file,
      lineOf(['baselineVersion']) ?? 1,
    );
  v.findings.forEach((e, i) => {
    if (!e || typeof e.fingerprint !== 'string' || !/^[0-9a-f]{32}:\d+$/.test(e.fingerprint))
      throw new InputError(
        'each finding needs a "fingerprint" (as written by `proxyproof baseline`)',
        file,
        lineOf(['findings', i]) ?? 1,
      );
  });
  return v as Baseline;
}

export function readBaseline(path: string, shown: string = path): Baseline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? 'no such baseline file (record one with `proxyproof baseline PATH... -o FILE`)' : (e as Error).message,
      shown,
    );
  }
  return parseBaseline(text, shown);
}

/** Findings not in the baseline are kept; the others are suppressed (by: 'baseline'). */
export function applyBaseline(
  findings: Finding[],
  baseline: Baseline,
  file: string,
): { kept: Finding[]; suppressed: SuppressedFinding[] } {
  const known = new Set(baseline.findings.map((e) => e.fingerprint));
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    if (f.fingerprint && known.has(f.fingerprint))
      suppressed.push({
        finding: f,
        kind: 'external',
        by: 'baseline',
        justification: `recorded in the baseline ${file}`,
        at: file,
      });
    else kept.push(f);
  }
  return { kept, suppressed };
}
