/**
 * `npm pack` of the CLI package gives a tarball that installs and runs elsewhere (issue 2).
 * Uses the npm registry for the package's own dependencies, as a user's install does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers.js';
import { RUN_SAFETY_TIMEOUT_MS } from '../real-program.js';

test('npm pack -> npm install <tarball> -> proxyproof runs from the installed package', {
  timeout: 6 * RUN_SAFETY_TIMEOUT_MS,
}, () => {
  const work = mkdtempSync(join(tmpdir(), 'pp-pack-'));
  try {
    const pack = spawnSync('npm', ['pack', '-w', 'packages/proxyproof', '--pack-destination', work], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: RUN_SAFETY_TIMEOUT_MS,
    });
    // A run the safety net killed says so (status null, no output of its own).
    assert.equal(pack.status, 0, `${pack.stderr}${pack.error ? `\n[${pack.error.message}]` : ''}`);
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    assert.ok(tgz, 'a tarball was written');
    const app = join(work, 'elsewhere');
    spawnSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{"name":"elsewhere","private":true}');
    const inst = spawnSync('npm', ['install', '--no-audit', '--no-fund', join(work, tgz)], {
      cwd: app,
      encoding: 'utf8',
      timeout: 2 * RUN_SAFETY_TIMEOUT_MS,
    });
    assert.equal(inst.status, 0, `${inst.stderr}${inst.error ? `\n[${inst.error.message}]` : ''}`);
    const help = spawnSync(join(app, 'node_modules/.bin/proxyproof'), ['--help'], {
      cwd: app,
      encoding: 'utf8',
      timeout: RUN_SAFETY_TIMEOUT_MS,
    });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /lint/);
    const bad = spawnSync(join(app, 'node_modules/.bin/proxyproof'), ['lint', 'missing.conf'], {
      cwd: app,
      encoding: 'utf8',
      timeout: RUN_SAFETY_TIMEOUT_MS,
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /missing\.conf: no such file or directory/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
