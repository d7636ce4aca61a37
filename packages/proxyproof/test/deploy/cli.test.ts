/** End to end: the built CLI lints the app-side examples and reports facts and findings with file:line. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers.js';

interface JsonReport {
  findings: Array<{ id: string; severity: string; evidence: Array<{ file: string; line: number }>; message: string }>;
  diagnostics: unknown[];
}

function lint(path: string): JsonReport {
  const r = runCli(['lint', path, '--format', 'json']);
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as JsonReport;
}

test('lint examples/django-compose: the app-side findings, each with file:line', () => {
  const rep = lint('examples/django-compose');
  const at = (id: string) =>
    rep.findings.filter((f) => f.id === id).map((f) => `${f.severity} ${f.evidence[0]?.file}:${f.evidence[0]?.line}`);
  assert.deepEqual(at('django/ssl-redirect-without-scheme-source'), [
    'high examples/django-compose/mysite/settings/production.py:11',
  ]);
  assert.deepEqual(at('gunicorn/proxy-not-trusted'), ['high examples/django-compose/docker-compose.yml:19']);
  assert.deepEqual(at('deploy/backend-port-published'), ['medium examples/django-compose/docker-compose.yml:25']);
  assert.deepEqual(at('django/csrf-trusted-origins-scheme'), ['medium examples/django-compose/mysite/settings/production.py:19']);
  assert.deepEqual(at('django/insecure-cookies'), ['low examples/django-compose/mysite/settings/production.py:17']);
  assert.deepEqual(at('django/forwarded-host-trusted'), ['high examples/django-compose/mysite/settings/production.py:15']);
  assert.equal(at('gunicorn/forwarded-allow-all').length, 0);
  assert.deepEqual(rep.diagnostics, []);
});

test('lint examples/django-compose (text): findings print with file:line', () => {
  const r = runCli(['lint', 'examples/django-compose']);
  assert.match(r.stdout, /examples\/django-compose\/mysite\/settings\/production\.py:11/);
  assert.match(r.stdout, /django\/ssl-redirect-without-scheme-source/);
});

test('lint examples/seed: gunicorn.service and settings.py are read; the SSL redirect loops (nginx sends no X-Forwarded-Proto)', () => {
  const rep = lint('examples/seed');
  const f = rep.findings.find((x) => x.id === 'django/ssl-redirect-without-scheme-source');
  assert.ok(f, JSON.stringify(rep.findings.map((x) => x.id)));
  assert.equal(f.severity, 'high');
  assert.equal(f.evidence[0]?.file, 'examples/seed/mysite/mysite/settings.py');
  assert.ok(f.evidence.some((e) => e.file === 'examples/seed/systemd/gunicorn.service'));
  assert.match(f.message, /sends no X-Forwarded-Proto/);
  // the seed binds 127.0.0.1: not published, not spoofable
  assert.equal(
    rep.findings.filter((x) => x.id === 'deploy/backend-port-published' || x.id === 'gunicorn/forwarded-allow-all').length,
    0,
  );
});
