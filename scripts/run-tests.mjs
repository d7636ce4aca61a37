#!/usr/bin/env node
// The whole test suite: node's test runner over every *.test.ts (through tsx), then one closing line
// `N passed, N failed` that CI reads. Usage: npm test [-- <path-substring> ...] to run a subset.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const TEST_ROOTS = ['packages/forwarded/test', 'packages/proxyproof/test', 'lab/test', 'bench/test'];

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

// The CLI tests run the built CLI (as users do): build first.
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const filters = process.argv.slice(2);
let files = TEST_ROOTS.flatMap((d) => walk(join(root, d), []));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.log('no test files matched');
  console.log('0 passed, 0 failed');
  process.exit(1);
}

const tap = join(tmpdir(), `proxyproof-tests-${process.pid}.tap`);
const concurrency = process.env.PROXYPROOF_TEST_CONCURRENCY ?? '4';
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' } },
);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const text = readFileSync(tap, 'utf8');
  passed = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  failed = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0) + Number(/^# cancelled (\d+)/m.exec(text)?.[1] ?? 0);
  skipped = Number(/^# skipped (\d+)/m.exec(text)?.[1] ?? 0);
  rmSync(tap, { force: true });
} catch {
  failed = Math.max(failed, 1);
}
if (r.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
