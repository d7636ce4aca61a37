#!/usr/bin/env node
// The whole test suite: node's test runner over every *.test.ts (through tsx), then one closing line
// `N passed, N failed` that CI reads. Usage: npm test [-- <path-substring> ...] to run a subset.
//
// Stress bar: with --stress, PROXYPROOF_STRESS=1 or CI=true (unless PROXYPROOF_STRESS=0), the runner starts
// one CPU-burning child process per core (2 on the CI machine) that keep every core busy for the whole run, so
// that a test depending on how busy the machine is fails here first rather than on a shared CI machine one day.
// The burners are bounded (each ends by itself after PROXYPROOF_STRESS_MAX_MIN minutes, default 90, or as soon
// as this runner is gone) and are killed when the run ends, fails or is interrupted.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// PROXYPROOF_TEST_ROOTS (comma-separated, from the repository root) replaces them: the runner's own test uses it.
const TEST_ROOTS = process.env.PROXYPROOF_TEST_ROOTS?.split(',').filter(Boolean) ?? [
  'packages/forwarded/test',
  'packages/proxyproof/test',
  'lab/test',
  'bench/test',
];

function walk(dir, out) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names.sort()) {
    const p = join(dir, n);
    if (n === 'node_modules' || n === 'fixtures') continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (n.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// The lab needs Debian packages; install them when missing and we are allowed to (root, or CI).
if (process.env.PROXYPROOF_SKIP_SYSTEM_DEPS !== '1' && process.getuid?.() === 0) {
  const r = spawnSync('bash', [join(root, 'scripts/install-system-deps.sh')], { stdio: 'inherit' });
  if (r.status !== 0) console.error('warning: system packages could not be installed; lab tests will say what is missing');
}

// The CLI tests run the built CLI (as users do): build first (PROXYPROOF_SKIP_BUILD=1: the caller already did).
const build =
  process.env.PROXYPROOF_SKIP_BUILD === '1'
    ? { status: 0 }
    : spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const args = process.argv.slice(2);
const stressFlag = args.includes('--stress');
const filters = args.filter((a) => a !== '--stress');
const stressEnv = process.env.PROXYPROOF_STRESS;
const stress = stressEnv === '0' ? false : stressFlag || stressEnv === '1' || process.env.CI === 'true';
let files = TEST_ROOTS.flatMap((d) => walk(join(root, d), []));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.log('no test files matched');
  console.log('0 passed, 0 failed');
  process.exit(1);
}

const totalsFile = join(tmpdir(), `proxyproof-tests-${process.pid}.totals`);
rmSync(totalsFile, { force: true });
const concurrency = process.env.PROXYPROOF_TEST_CONCURRENCY ?? '4';
// Safety nets, never measurements (no test asserts a time).
// --test-force-exit: a file whose tests are all done exits even if something it started still holds its event loop
// (a browser that never answered its close). Without it that file never ends, and node's spec reporter, which prints
// files in order, prints nothing after it: round 11's CI sat like that until its 90 minutes ran out.
// No global --test-timeout: node 20 applies it to each whole file, and a lab file runs for many minutes.
// The whole run is stopped after PROXYPROOF_TEST_MAX_MIN minutes (default 80, inside CI's 90), so even a test that
// never settles ends in a totals line that says so.
const maxRunMin = Number(process.env.PROXYPROOF_TEST_MAX_MIN ?? '80');

// A burner: spins in 50 ms slices; between slices it checks that the runner still exists and that its time cap
// has not passed (it cannot outlive either).
const BURNER = `const end = Date.now() + Number(process.argv[1]) * 60000; const parent = process.ppid;
function slice() {
  const stop = Date.now() + 50;
  while (Date.now() < stop);
  try { process.kill(parent, 0); } catch { process.exit(0); }
  if (process.ppid !== parent || Date.now() > end) process.exit(0);
  setImmediate(slice);
}
slice();`;
const burners = [];
function stopBurners() {
  for (const b of burners.splice(0)) {
    try {
      b.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
if (stress) {
  const n = Number(process.env.PROXYPROOF_STRESS_BURNERS ?? availableParallelism());
  const maxMin = process.env.PROXYPROOF_STRESS_MAX_MIN ?? '90';
  for (let i = 0; i < n; i++) burners.push(spawn(process.execPath, ['-e', BURNER, maxMin], { stdio: 'ignore' }));
  console.log(
    `stress: ${n} CPU-burning processes (pids ${burners.map((b) => b.pid).join(', ')}) for the whole run, at most ${maxMin} min`,
  );
}
process.on('exit', stopBurners);

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    // Every child's results reach the report even on --test-force-exit (the file says why).
    '--import',
    join(root, 'scripts/test-child-stdout.mjs'),
    '--test',
    '--test-force-exit',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts/totals-reporter.mjs')}`,
    '--test-reporter-destination=stdout',
    ...files,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0', PROXYPROOF_TOTALS_FILE: totalsFile },
  },
);
// Ctrl-C / SIGTERM: the tests get the signal (their own teardown runs), the burners are killed.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    stopBurners();
    child.kill(sig);
  });
}
let stoppedAtLimit = false;
const limit = setTimeout(() => {
  stoppedAtLimit = true;
  console.log(
    `\nthe test run passed ${maxRunMin} minutes (PROXYPROOF_TEST_MAX_MIN): stopping it; unfinished tests count as failed`,
  );
  stopBurners();
  // SIGINT: node's runner reports what it has before it goes (SIGTERM drops more).
  child.kill('SIGINT');
  setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
}, maxRunMin * 60_000);
limit.unref();
const r = await new Promise((resolve) => {
  child.on('error', (e) => resolve({ status: 1, error: e }));
  child.on('exit', (code, signal) => resolve({ status: code ?? (signal ? 1 : 0), signal }));
});
clearTimeout(limit);
stopBurners();
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const outcomes = readFileSync(totalsFile, 'utf8').split('\n');
  rmSync(totalsFile, { force: true });
  passed = outcomes.filter((o) => o === 'pass').length;
  failed = outcomes.filter((o) => o === 'fail').length;
  skipped = outcomes.filter((o) => o === 'skip').length;
} catch {
  // No test reported anything (the runner could not start): a failure, never a silent green.
  failed = 1;
}
// A run stopped at its limit has tests that never reported: the stop itself is a failure.
if (stoppedAtLimit) failed++;
if (r.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
