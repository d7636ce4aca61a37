/**
 * The proof loop for one check: lint a small deployment, `fix --write` it, lint again. Every finding of the
 * check that has a mechanical fix must be patched and gone, no finding id may appear that was not there
 * before, and fix on the patched files must have nothing left to write. Check case tables (nginx, Python
 * app side) call it on each of their invalid cases, so every fixable check proves its own fixes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runFix } from '../../src/commands/fix.js';
import { lintPaths } from '../../src/engine/lint.js';
import { isMechanical } from '../../src/fix/plan.js';

export interface LoopResult {
  /** The check had a mechanical fix here, and the loop ran. */
  ran: boolean;
  patched: string[];
  /** Why the fix command refused the check's edit (safety), when it did. */
  refused?: string[];
  /** Findings of other checks that appeared elsewhere than on the written lines (made visible by the fix). */
  revealed?: string[];
}

export async function fixLoop(files: Record<string, string>, checkId: string, paths: string[] = ['.']): Promise<LoopResult> {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-loop-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    let before: Awaited<ReturnType<typeof lintPaths>>['report']['findings'];
    try {
      before = (await lintPaths(paths, { cwd: dir })).report.findings;
    } catch {
      return { ran: false, patched: [] };
    }
    if (!before.some((f) => f.id === checkId && isMechanical(f))) return { ran: false, patched: [] };
    const run = await runFix(paths, { cwd: dir, write: true });
    const patched = run.plan.patches.flatMap((p) => p.findings);
    const refused = run.plan.advice.filter((a) => a.id === checkId && a.reason && !/no mechanical fix/.test(a.reason));
    // The fix command refusing an edit it cannot make safely (one-line blocks, multi-line statements) is
    // the command doing its job: the finding stays, as advice with the reason.
    if (!patched.includes(checkId) && refused.length > 0) return { ran: false, patched, refused: refused.map((a) => a.reason) };
    assert.ok(
      patched.includes(checkId),
      `${checkId}: its mechanical fix was not applied: ${refused.map((a) => a.reason).join('; ') || JSON.stringify(run.written)}`,
    );
    assert.ok(
      run.written.every((w) => w.status === 'written'),
      `${checkId}: ${run.written.map((w) => `${w.file} ${w.status} ${w.reason ?? ''} ${w.validation?.output ?? ''}`).join('\n')}`,
    );
    const after = (await lintPaths(paths, { cwd: dir })).report.findings;
    const left = after.filter((f) => f.id === checkId);
    assert.deepEqual(
      left.map((f) => `${f.evidence[0]?.file}:${f.evidence[0]?.line} ${f.message}`),
      [],
      `${checkId}: still reported after fix --write:\n${run.plan.patches.map((p) => p.diff).join('')}`,
    );
    // A new finding located on a line the fix wrote is one the fix introduced: never allowed. A new finding
    // elsewhere was hidden before (the fix made a fact visible, e.g. that the site is HTTPS): reported.
    const ids = new Set(before.map((f) => f.id));
    const added = new Set(
      run.plan.patches.flatMap((p) =>
        p.diff
          .split('\n')
          .filter((l) => l.startsWith('+') && !l.startsWith('+++'))
          .map((l) => l.slice(1).trim()),
      ),
    );
    const fresh = after.filter((f) => !ids.has(f.id));
    // Judged by the primary location (other evidence may cite a written line as context, e.g. "the site is HTTPS").
    const introduced = fresh.filter((f) =>
      (f.evidence[0]?.snippet ?? '').split('\n').some((l) => l.trim() !== '' && added.has(l.trim())),
    );
    assert.deepEqual(
      introduced.map((f) => `${f.id} ${f.evidence[0]?.file}:${f.evidence[0]?.line}`),
      [],
      `${checkId}: fix --write introduced new findings on the lines it wrote:\n${run.plan.patches.map((p) => p.diff).join('')}`,
    );
    // Idempotent: what was patched is not patched again (a finding the fix made visible may have its own fix).
    const again = await runFix(paths, { cwd: dir });
    const repeated = again.plan.patches.filter((p) => p.findings.some((id) => patched.includes(id)));
    assert.deepEqual(
      repeated.map((p) => p.diff),
      [],
      `${checkId}: fix is not idempotent`,
    );
    return { ran: true, patched, revealed: fresh.map((f) => f.id) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
