// `scan` sets V8's interrupt budget (commands/scan.ts, lateTierUp): a function runs about 16x more bytecode before
// TurboFan optimises it. Checked by counting calls until V8 reports the function optimised, in a child process with
// synchronous recompilation (--no-concurrent-recompilation), so the count is exact and no clock is involved.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { SCAN_INTERRUPT_BUDGET } from '../../src/commands/scan.js';

const SCAN_TS = new URL('../../src/commands/scan.ts', import.meta.url).href;

/** Calls of a small hot function before V8 optimises it, with or without the scan's lateTierUp() first. */
function callsBeforeOptimised(late: boolean, env: Record<string, string> = {}): number {
  const child = `
    const { lateTierUp } = await import(${JSON.stringify(SCAN_TS)});
    if (${late}) lateTierUp();
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

test('scan tiers up later: 16x the interrupt budget, so a warm function is optimised after many more calls', () => {
  assert.equal(SCAN_INTERRUPT_BUDGET, 16 * 67_584);
  const byDefault = callsBeforeOptimised(false);
  const late = callsBeforeOptimised(true);
  assert.ok(late >= 8 * byDefault, `optimised after ${late} calls with lateTierUp, ${byDefault} without`);
  // PROXYPROOF_V8_TIERING=default keeps V8's default (to measure both).
  assert.equal(callsBeforeOptimised(true, { PROXYPROOF_V8_TIERING: 'default' }), byDefault);
});
