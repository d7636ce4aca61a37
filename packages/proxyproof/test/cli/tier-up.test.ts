// Every command's process tiers up later (commands/tier-up.ts, called by cli.ts before the command loads): after
// `lint` ran through the CLI's main, a warm function needs many more calls before V8 optimises it. Counted in a
// child with synchronous recompilation (--no-concurrent-recompilation), so the count is exact and no clock is involved.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const CLI_TS = new URL('../../src/cli.ts', import.meta.url).href;
const SEED = new URL('../../../../examples/seed', import.meta.url).pathname;

/** Calls of a small hot function before V8 optimises it, after `proxyproof <args>` ran in the same process (or nothing). */
function callsAfter(args: string[] | undefined, env: Record<string, string> = {}): number {
  const run = args
    ? `const { main } = await import(${JSON.stringify(CLI_TS)});
       const code = await main(${JSON.stringify(args)});
       if (code > 1) throw new Error('proxyproof exited ' + code);
       process.exitCode = 0;`
    : '';
  const child = `
    ${run}
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

test('lint tiers up later (16x the interrupt budget, set by the CLI before the command runs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-tier-'));
  try {
    const lint = ['lint', SEED, '--format', 'json', '--output', join(dir, 'out.json')];
    const byDefault = callsAfter(undefined);
    const late = callsAfter(lint);
    assert.ok(late >= 8 * byDefault, `optimised after ${late} calls after lint, ${byDefault} without it`);
    // PROXYPROOF_V8_TIERING=default keeps V8's default (to measure both).
    const kept = callsAfter(lint, { PROXYPROOF_V8_TIERING: 'default' });
    assert.ok(
      kept < 2 * byDefault,
      `optimised after ${kept} calls with PROXYPROOF_V8_TIERING=default, ${byDefault} without lint`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
