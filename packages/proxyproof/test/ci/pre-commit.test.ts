/**
 * `.pre-commit-hooks.yaml`: the fields pre-commit requires, `files` patterns that compile as Python's
 * `re` would read them (JS and Python agree on this subset) and match the files proxyproof reads, and an
 * entry that runs: the hook's command line, run as pre-commit runs it (no file names), in a sample repo.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { PACKAGE_ROOT, REPO_ROOT } from '../helpers.js';

interface Hook {
  id: string;
  name: string;
  entry: string;
  language: string;
  files: string;
  pass_filenames: boolean;
}

const hooks = parse(readFileSync(join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];

test('every hook has the fields pre-commit requires and a files pattern for the formats proxyproof reads', () => {
  assert.deepEqual(
    hooks.map((h) => h.id),
    ['proxyproof-lint', 'proxyproof-doctor'],
  );
  for (const h of hooks) {
    for (const k of ['id', 'name', 'entry', 'language'] as const) assert.ok(h[k], `${h.id}: ${k}`);
    assert.equal(h.pass_filenames, false, 'the chain needs the whole repository');
    const re = new RegExp(h.files.replace(/^\(\?i\)/, ''), 'i');
    for (const f of [
      'deploy/nginx/sites-enabled/shop',
      'Caddyfile',
      'docker-compose.yml',
      'systemd/gunicorn.service',
      'mysite/settings.py',
      '.proxyproof.json',
    ])
      assert.ok(re.test(f), `${h.id} runs when ${f} changes`);
    assert.ok(!re.test('README.md') && !re.test('static/logo.png'), `${h.id} skips unrelated files`);
  }
});

test('the lint hook entry runs in a repository that installed proxyproof, and fails on the seed', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-precommit-'));
  try {
    cpSync(join(REPO_ROOT, 'examples/seed'), dir, { recursive: true });
    // What `npm i -D proxyproof` leaves: node_modules/.bin/proxyproof -> the package's bin.
    mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
    symlinkSync(PACKAGE_ROOT, join(dir, 'node_modules/proxyproof'));
    symlinkSync(join(PACKAGE_ROOT, 'bin/proxyproof.js'), join(dir, 'node_modules/.bin/proxyproof'));
    writeFileSync(join(dir, 'package.json'), '{"name":"shop","private":true}');
    const hook = hooks.find((h) => h.id === 'proxyproof-lint') as Hook;
    const r = spawnSync('sh', ['-c', hook.entry], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 100_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /nginx\/forwarded-proto-missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
