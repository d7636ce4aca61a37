/** The repository's own checks, run with the suite so CI keeps them true: types (incl. the lab) and biome. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers.js';

test('typecheck: tsc -b over forwarded, proxyproof and the lab is clean', { timeout: 660_000 }, () => {
  const r = spawnSync('npx', ['tsc', '-b', 'packages/forwarded', 'packages/proxyproof', 'lab'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 600_000, // a safety net: tsc -b took 172 s in a clean clone under load 55
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('biome check (lint + format) is clean', { timeout: 360_000 }, () => {
  const r = spawnSync('npx', ['biome', 'check', '--max-diagnostics=20'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
