/**
 * Test helper for the app-side collectors and checks: writes a small deployment (file name ->
 * content) into a temporary folder, lints it with the real engine (discover -> collectors ->
 * checks) and returns facts and findings. Paths in the results are relative to that folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runDoctor } from '../../src/chain/run.js';
import type { Analysis } from '../../src/engine/analyze.js';
import { lintPaths } from '../../src/engine/lint.js';
import { isMechanical } from '../../src/fix/plan.js';
import type { Check } from '../../src/model/check.js';
import type { NotRead } from '../../src/model/collector.js';
import type { Facts } from '../../src/model/facts.js';
import type { Finding } from '../../src/model/finding.js';
import { fixLoop } from '../fix/loop.js';

/** `run(dir)` on a temporary folder holding `files` (names relative, folders made), removed afterwards. */
export async function withFiles<T>(files: Record<string, string>, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-app-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      const p = join(dir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The doctor (`chain/run.ts` runDoctor) on the same kind of temporary deployment. */
export async function doctorFiles(files: Record<string, string>): Promise<Awaited<ReturnType<typeof runDoctor>>> {
  return withFiles(files, (dir) => runDoctor([dir], { cwd: dir }));
}

export async function lintFiles(
  files: Record<string, string>,
  checks?: Check[],
): Promise<{ facts: Facts; findings: Finding[]; notRead: NotRead[]; analysis: Analysis }> {
  return withFiles(files, async (dir) => {
    const { facts, report, analysis } = await lintPaths(['.'], { cwd: dir, checks });
    return { facts, findings: report.findings, notRead: analysis.notRead, analysis };
  });
}

export interface Case {
  name: string;
  files: Record<string, string>;
  /** Expected findings of the check under test: count, and optionally severity and a message fragment. */
  expect: {
    count: number;
    severity?: Finding['severity'];
    message?: RegExp;
    file?: string;
    line?: number;
    fixLine?: string;
    /** Where the fix goes (a mechanical fix): its line and placement. */
    fixAt?: { line: number; placement: 'after' | 'replace' };
    /** false: the fix must be advice (no placement). */
    mechanical?: false;
  };
}

/** Runs one check's case table: valid cases expect 0, invalid ones their findings. */
export async function runCase(check: Check, c: Case): Promise<Finding[]> {
  const { findings } = await lintFiles(c.files, [check]);
  const mine = findings.filter((f) => f.id === check.meta.id);
  const summary = mine.map((f) => `${f.severity} ${f.evidence[0]?.file}:${f.evidence[0]?.line} ${f.message}`).join('\n');
  if (mine.length !== c.expect.count)
    throw new Error(`${c.name}: expected ${c.expect.count} finding(s), got ${mine.length}\n${summary}`);
  const f = mine[0];
  if (f && c.expect.severity && f.severity !== c.expect.severity)
    throw new Error(`${c.name}: expected severity ${c.expect.severity}, got ${f.severity}\n${summary}`);
  if (f && c.expect.message && !c.expect.message.test(f.message))
    throw new Error(`${c.name}: message does not match ${c.expect.message}\n${summary}`);
  if (f && c.expect.fixLine && !f.fix?.lines?.includes(c.expect.fixLine))
    throw new Error(`${c.name}: expected fix line ${c.expect.fixLine}, got ${JSON.stringify(f.fix?.lines)}`);
  if (f && c.expect.fixAt && (f.fix?.line !== c.expect.fixAt.line || f.fix?.placement !== c.expect.fixAt.placement))
    throw new Error(`${c.name}: expected the fix at ${JSON.stringify(c.expect.fixAt)}, got ${JSON.stringify(f.fix)}`);
  if (f && c.expect.mechanical === false && f.fix?.placement)
    throw new Error(`${c.name}: expected advice, got a mechanical fix ${JSON.stringify(f.fix)}`);
  if (f && c.expect.file && f.evidence[0]?.file !== c.expect.file)
    throw new Error(`${c.name}: expected evidence in ${c.expect.file}, got ${f.evidence[0]?.file}`);
  if (f && c.expect.line !== undefined && f.evidence[0]?.line !== c.expect.line)
    throw new Error(`${c.name}: expected line ${c.expect.line}, got ${f.evidence[0]?.line}\n${summary}`);
  if (f && !f.docs.startsWith(`docs/checks/${check.meta.id}`)) throw new Error(`${c.name}: docs path ${f.docs}`);
  // The proof loop: fix --write makes the finding go away without new ones (test/fix/loop.ts).
  if (mine.some(isMechanical)) await fixLoop(c.files, check.meta.id);
  return mine;
}
