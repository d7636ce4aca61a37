/**
 * The doctor's fix plan, applied, converges: for every example, take the patches `doctor --format json` plans
 * (`doctor.fix.patches`, the findings' own fixes), apply them with GNU patch as a user would, and run the doctor
 * again; within three rounds the plan has nothing left to patch, every finding a patch resolved is gone, and
 * no finding appears that was not there before on a line a patch wrote.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findProgram } from '../../src/fix/programs.js';
import { REPO_ROOT, runCli } from '../helpers.js';

const EXAMPLES = readdirSync(join(REPO_ROOT, 'examples')).filter((n) => !n.includes('.'));

interface Patch {
  file: string;
  findings: string[];
  diff: string;
}
interface Finding {
  id: string;
  evidence: Array<{ file: string; line: number; snippet?: string }>;
}

function doctor(dir: string): { patches: Patch[]; findings: Finding[] } {
  const r = runCli(['doctor', '.', '--format', 'json', '--no-config-file'], { cwd: dir });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const j = JSON.parse(r.stdout);
  return { patches: j.doctor.fix.patches, findings: j.findings };
}

for (const ex of EXAMPLES) {
  test(`examples/${ex}: the doctor's plan, applied with patch, converges and leaves none of the findings it fixed`, (t) => {
    if (!findProgram('patch')) return t.skip('GNU patch is not installed');
    const dir = mkdtempSync(join(tmpdir(), `proxyproof-plan-${ex}-`));
    try {
      cpSync(join(REPO_ROOT, 'examples', ex), dir, { recursive: true });
      const first = doctor(dir);
      const fixed = new Set<string>();
      const written = new Set<string>();
      let plan = first.patches;
      let rounds = 0;
      while (plan.length > 0 && rounds < 3) {
        rounds++;
        for (const p of plan) {
          for (const id of p.findings) fixed.add(`${id} ${p.file}`);
          for (const l of p.diff.split('\n')) if (l.startsWith('+') && !l.startsWith('+++')) written.add(l.slice(1).trim());
          const r = spawnSync('patch', ['-p1', '--forward', '--batch'], { cwd: dir, input: p.diff, encoding: 'utf8' });
          assert.equal(r.status, 0, `patch -p1 ${p.file}: ${r.stdout}${r.stderr}\n${p.diff}`);
        }
        plan = doctor(dir).patches;
      }
      assert.deepEqual(
        plan.map((p) => p.diff),
        [],
        `examples/${ex}: the plan did not converge in ${rounds} rounds`,
      );
      const after = doctor(dir).findings;
      // A finding a patch resolved stays resolved (judged by its id and the file the patch changed).
      const left = after.filter((f) => f.evidence.some((e) => fixed.has(`${f.id} ${e.file}`)));
      assert.deepEqual(
        left.map((f) => `${f.id} ${f.evidence[0]?.file}:${f.evidence[0]?.line}`),
        [],
      );
      const before = new Set(first.findings.map((f) => f.id));
      const introduced = after.filter(
        (f) => !before.has(f.id) && (f.evidence[0]?.snippet ?? '').split('\n').some((l) => written.has(l.trim())),
      );
      assert.deepEqual(
        introduced.map((f) => f.id),
        [],
        'no new finding on a written line',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
