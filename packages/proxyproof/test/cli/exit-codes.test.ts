import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers.js';

test('a missing path is a usage error (exit 2) with the path, no stack trace', () => {
  const r = runCli(['lint', 'does/not/exist']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /does\/not\/exist: no such file or directory/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('an unknown format is a usage error (exit 2)', () => {
  const r = runCli(['lint', '--format', 'xml', '.']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /argument 'xml' is invalid/);
});

test('--help exits 0 and names the commands', () => {
  const r = runCli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /lint/);
});
