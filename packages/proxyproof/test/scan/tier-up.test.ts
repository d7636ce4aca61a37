// `scan` sets V8's interrupt budget (commands/tier-up.ts lateTierUp, called by cli.ts for every other named command,
// by scan/engine.ts for `scan`, and re-exported by commands/scan.ts): a function runs about 16x more bytecode before
// TurboFan optimises it. Checked by counting calls until V8 reports the function optimised, in a child process with
// synchronous recompilation (--no-concurrent-recompilation), so the count is exact and no clock is involved.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SCAN_INTERRUPT_BUDGET } from '../../src/commands/scan.js';
import { CLI_SAFETY_TIMEOUT_MS } from '../helpers.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { callsBeforeOptimised } from '../v8-tier.js';

const SCAN_TS = new URL('../../src/commands/scan.ts', import.meta.url).href;

/** Calls of a small hot function before V8 optimises it, with or without the scan's lateTierUp() first. */
function callsWithScan(late: boolean, env: Record<string, string> = {}): number {
  return callsBeforeOptimised(
    `const { lateTierUp } = await import(${JSON.stringify(SCAN_TS)});\n    if (${late}) lateTierUp();`,
    env,
  );
}

test('scan tiers up later: 16x the interrupt budget, so a warm function is optimised after many more calls', () => {
  assert.equal(SCAN_INTERRUPT_BUDGET, 16 * 67_584);
  const byDefault = callsWithScan(false);
  const late = callsWithScan(true);
  assert.ok(late >= 8 * byDefault, `optimised after ${late} calls with lateTierUp, ${byDefault} without`);
  // PROXYPROOF_V8_TIERING=default keeps V8's default (to measure both).
  assert.equal(callsWithScan(true, { PROXYPROOF_V8_TIERING: 'default' }), byDefault);
});

/** A loopback port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

// The CLI as users run it (bin/proxyproof.js: the bundle after `npm run build`). A preloaded module counts, when the
// process exits, the calls before V8 optimises a fresh hot function, as above: the interrupt budget is process-wide
// and stays as the command left it, so the count says whether the command ran lateTierUp(). `scan` of a refused
// loopback port runs the scan command's action (runScan calls lateTierUp before its first request) and ends at once.
/**
 * A whole scan that fetches nothing: its port is closed, so the request is refused at once, and --timeout is only a
 * net (test/real-program.ts).
 */
async function scanOfClosedPort(): Promise<string[]> {
  const url = `https://127.0.0.1:${await closedPort()}/`;
  return [
    'scan',
    url,
    '--timeout',
    String(REQUEST_SAFETY_TIMEOUT_MS),
    '--no-robots',
    '--no-sitemap',
    '--no-progress',
    '--format',
    'json',
  ];
}

const BIN = fileURLToPath(new URL('../../bin/proxyproof.js', import.meta.url));
const PROBE = `
  import { writeFileSync } from 'node:fs';
  process.on('exit', () => {
    const hot = new Function('n', 'let s = 0; for (let i = 0; i < n; i++) s += i; return s;');
    const status = new Function('f', 'return %GetOptimizationStatus(f);');
    let calls = 0;
    while (!(status(hot) & 16) && calls < 1000000) { hot(50); calls++; }
    writeFileSync(process.env.TIER_UP_OUT, String(calls));
  });`;

function cliCallsBeforeOptimised(args: string[], env: Record<string, string> = {}): number {
  const dir = mkdtempSync(join(tmpdir(), 'pp-tier-up-'));
  try {
    const probe = join(dir, 'probe.mjs');
    const out = join(dir, 'calls.txt');
    writeFileSync(probe, PROBE);
    const r = spawnSync(
      process.execPath,
      ['--allow-natives-syntax', '--no-concurrent-recompilation', '--import', probe, BIN, ...args],
      { encoding: 'utf8', env: { ...process.env, ...env, TIER_UP_OUT: out }, timeout: CLI_SAFETY_TIMEOUT_MS },
    );
    assert.equal(r.error, undefined, String(r.error));
    const n = Number(readFileSync(out, 'utf8'));
    assert.ok(Number.isInteger(n) && n > 0 && n < 1000000, `the function was optimised (calls: ${n}; stderr: ${r.stderr})`);
    return n;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the scan command calls lateTierUp(): the CLI process tiers up later; `--version` (no command) keeps V8's default", async () => {
  const scanArgs = await scanOfClosedPort();
  const scan = cliCallsBeforeOptimised(scanArgs);
  // The same scan with V8's default kept, and `--version` (no named command: cli.ts calls lateTierUp() only for a
  // named command, every one of which tiers up): both at V8's default.
  const scanDefault = cliCallsBeforeOptimised(scanArgs, { PROXYPROOF_V8_TIERING: 'default' });
  const version = cliCallsBeforeOptimised(['--version']);
  assert.equal(
    scanDefault,
    version,
    `V8's default: ${scanDefault} calls in scan with PROXYPROOF_V8_TIERING=default, ${version} in --version`,
  );
  assert.ok(scan >= 8 * version, `scan: optimised after ${scan} calls; --version: after ${version}`);
});

// The price of a changed V8 flag (commands/tier-up.ts): V8 rejects Node's built-in code cache once any flag differs
// from the one it was made with (`v8.cachedDataVersionTag()` hashes the flags), so every Node built-in loaded after
// lateTierUp() or `--liftoff-only` is compiled from source; an empty worker thread's start-up CPU doubled (37 -> 72
// ms). A preloaded module records, in the CLI's own `scan` process, the flags' tag when each worker thread is created
// and which Node built-ins were loaded at the first flag change; no clock involved.
const FLAGS_PROBE = `
  import { writeFileSync } from 'node:fs';
  import { createRequire, syncBuiltinESMExports } from 'node:module';
  const require = createRequire(import.meta.url);
  const v8 = require('node:v8');
  const threads = require('node:worker_threads');
  const seen = { atStart: v8.cachedDataVersionTag(), workers: [], firstChange: null };
  const Worker = threads.Worker;
  threads.Worker = class extends Worker {
    constructor(...args) {
      seen.workers.push(v8.cachedDataVersionTag());
      super(...args);
    }
  };
  const setFlags = v8.setFlagsFromString;
  v8.setFlagsFromString = (flags) => {
    seen.firstChange ??= {
      flags,
      loaded: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)),
    };
    return setFlags(flags);
  };
  syncBuiltinESMExports();
  process.on('exit', () => {
    seen.atExit = v8.cachedDataVersionTag();
    writeFileSync(process.env.FLAGS_OUT, JSON.stringify(seen));
  });`;

interface FlagsSeen {
  atStart: number;
  atExit: number;
  workers: number[];
  firstChange: { flags: string; loaded: string[] } | null;
}

function cliFlagsSeen(args: string[]): FlagsSeen {
  const dir = mkdtempSync(join(tmpdir(), 'pp-v8-flags-'));
  try {
    const probe = join(dir, 'probe.mjs');
    const out = join(dir, 'seen.json');
    writeFileSync(probe, FLAGS_PROBE);
    const r = spawnSync(process.execPath, ['--import', probe, BIN, ...args], {
      encoding: 'utf8',
      env: { ...process.env, FLAGS_OUT: out },
      timeout: CLI_SAFETY_TIMEOUT_MS,
    });
    assert.equal(r.error, undefined, String(r.error));
    return JSON.parse(readFileSync(out, 'utf8')) as FlagsSeen;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("scan changes V8's flags only after its parse worker started and its Node built-ins loaded (Node's code cache stays valid for them)", async () => {
  const seen = cliFlagsSeen(await scanOfClosedPort());
  // The flags did change (the tiering and llhttp's Liftoff), after the parse worker was created with the default ones.
  assert.notEqual(seen.atExit, seen.atStart, 'the scan changed no V8 flag');
  assert.ok(seen.workers.length >= 1, 'no worker thread was created');
  assert.equal(seen.workers[0], seen.atStart, "the parse worker was created after V8's flags changed");
  // The built-ins of the crawl's main thread were loaded, with the cache, before the first change.
  assert.ok(seen.firstChange, 'no flag change seen');
  for (const m of ['tls', 'zlib', 'worker_threads', 'crypto'])
    assert.ok(seen.firstChange.loaded.includes(m), `${m} was loaded after the first flag change (${seen.firstChange.flags})`);
});
