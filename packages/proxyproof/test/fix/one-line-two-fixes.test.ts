/**
 * Two fixes on one line made one edit (fix/plan.ts `commentsOut`): a repeated header's fix drops the line (comments
 * it out: another line sends the header) while a value check's fix rewrites its value. The line goes, so its value
 * no longer matters; the line that stays is judged again in the next round, which gives it the rewrite. Before,
 * the planner refused one of them ("apply that one and run fix again"). Two rewrites with different values stay
 * refused (the trap row): which value is right is not the planner's to choose.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runFix } from '../../src/commands/fix.js';
import { analyze } from '../../src/engine/analyze.js';
import { lintPaths } from '../../src/engine/lint.js';
import { planFixes } from '../../src/fix/plan.js';
import type { Finding } from '../../src/model/finding.js';

/** A plain nginx behind a TLS balancer (set_real_ip_from): `$scheme` is http there; the user's line repeats proxy_params'. */
const BEHIND_LB = `events {}
http {
  server {
    listen 80;
    server_name app.example.com;
    set_real_ip_from 10.0.0.0/8;
    real_ip_header X-Forwarded-For;
    location / {
      proxy_set_header X-Forwarded-Proto $scheme;
      include /etc/nginx/proxy_params;
      proxy_pass http://127.0.0.1:8000;
    }
  }
}
`;

async function inDir<T>(conf: string, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-one-line-'));
  try {
    writeFileSync(join(dir, 'nginx.conf'), conf);
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a repeat fix that comments line 9 out and a value fix that rewrites line 9: one edit, no "run fix again"', async () =>
  inDir(BEHIND_LB, async (dir) => {
    const a = await analyze([dir], { cwd: dir });
    const on9 = a.findings.filter((f) => f.fix?.line === 9 && f.fix.placement === 'replace');
    assert.deepEqual(on9.map((f) => f.id).sort(), ['nginx/scheme-behind-tls-terminator', 'proxy/forwarded-proto-appended']);
    const plan = planFixes(a.facts, on9, { cwd: dir });
    assert.deepEqual(
      plan.advice.map((x) => x.reason),
      [],
    );
    const patch = plan.patches[0];
    assert.deepEqual(patch?.findings.sort(), ['nginx/scheme-behind-tls-terminator', 'proxy/forwarded-proto-appended']);
    assert.equal(
      patch?.updated.split('\n').find((l) => l.includes('X-Forwarded-Proto $scheme')),
      '      # proxy_set_header X-Forwarded-Proto $scheme;',
    );
    // Whatever order the findings come in.
    const reversed = planFixes(a.facts, [...on9].reverse() as Finding[], { cwd: dir });
    assert.equal(reversed.patches[0]?.updated, patch?.updated);
  }));

test('fix --write: both findings gone after one run, and fix has nothing left to write', async () =>
  inDir(BEHIND_LB, async (dir) => {
    const run = await runFix(['.'], { cwd: dir, write: true });
    assert.deepEqual(
      run.plan.advice.filter((x) => /run fix again/.test(x.reason)).map((x) => x.id),
      [],
    );
    const after = (await lintPaths(['.'], { cwd: dir })).report.findings;
    assert.deepEqual(
      after
        .filter((f) => ['nginx/scheme-behind-tls-terminator', 'proxy/forwarded-proto-appended'].includes(f.id))
        .map((f) => f.id),
      [],
      readFileSync(join(dir, 'nginx.conf'), 'utf8'),
    );
    const again = await runFix(['.'], { cwd: dir });
    assert.deepEqual(
      again.plan.patches.map((p) => p.diff),
      [],
    );
  }));

test('valid (trap): two fixes rewriting one line to different values stay refused', async () =>
  inDir(BEHIND_LB, async (dir) => {
    const a = await analyze([dir], { cwd: dir });
    const value = a.findings.find((f) => f.id === 'nginx/scheme-behind-tls-terminator');
    assert.ok(value?.fix);
    const other: Finding = {
      ...value,
      id: 'test/other-value',
      fix: { ...value.fix, lines: ['proxy_set_header X-Forwarded-Proto https;'], also: [] },
    };
    const plan = planFixes(a.facts, [value, other], { cwd: dir });
    assert.match(plan.advice.map((x) => x.reason).join('\n'), /changes line 9 too: apply that one and run fix again/);
  }));
