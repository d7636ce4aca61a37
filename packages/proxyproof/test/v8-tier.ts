// Calls of a small hot function before V8 optimises it, in a child process that first runs `prelude` (ESM code;
// tsx loaded), with synchronous recompilation (--no-concurrent-recompilation) so the count is exact and no clock
// is involved. For the tests of lateTierUp (commands/tier-up.ts, test/cli and test/scan).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export function callsBeforeOptimised(prelude: string, env: Record<string, string> = {}): number {
  const child = `
    ${prelude}
    const hot = new Function('n', 'let s = 0; for (let i = 0; i < n; i++) s += i; return s;');
    const status = new Function('f', 'return %GetOptimizationStatus(f);');
    let calls = 0;
    while (!(status(hot) & 16) && calls < 1000000) { hot(50); calls++; }
    process.stdout.write(String(calls));`;
  const r = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', '--no-concurrent-recompilation', '--import', 'tsx', '--input-type=module', '-e', child],
    { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const n = Number(r.stdout);
  assert.ok(Number.isInteger(n) && n > 0 && n < 1000000, `the function was optimised (calls: ${r.stdout})`);
  return n;
}
