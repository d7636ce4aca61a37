// Every command's process tiers up later (commands/tier-up.ts, called by cli.ts before the command loads): after
// `lint` ran through the CLI's main, a warm function needs many more calls before V8 optimises it (no clock).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { callsBeforeOptimised } from '../v8-tier.js';

const CLI_TS = new URL('../../src/cli.ts', import.meta.url).href;
const SEED = new URL('../../../../examples/seed', import.meta.url).pathname;

/** `proxyproof <args>` through the CLI's main in the child, before the count. */
const mainRuns = (args: string[]): string => `
  const { main } = await import(${JSON.stringify(CLI_TS)});
  const code = await main(${JSON.stringify(args)});
  if (code > 1) throw new Error('proxyproof exited ' + code);
  process.exitCode = 0;`;

test('lint tiers up later (16x the interrupt budget, set by the CLI before the command runs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-tier-'));
  try {
    const lint = mainRuns(['lint', SEED, '--format', 'json', '--output', join(dir, 'out.json')]);
    const byDefault = callsBeforeOptimised('');
    const late = callsBeforeOptimised(lint);
    assert.ok(late >= 8 * byDefault, `optimised after ${late} calls after lint, ${byDefault} without it`);
    // PROXYPROOF_V8_TIERING=default keeps V8's default (to measure both).
    const kept = callsBeforeOptimised(lint, { PROXYPROOF_V8_TIERING: 'default' });
    assert.ok(
      kept < 2 * byDefault,
      `optimised after ${kept} calls with PROXYPROOF_V8_TIERING=default, ${byDefault} without lint`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
