/** End to end: the built CLI lints the app-side examples and reports facts and findings with file:line. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers.js';

interface JsonFinding {
  id: string;
  severity: string;
  evidence: Array<{ file: string; line: number }>;
  message: string;
  data?: { merged?: Array<{ id: string; severity: string; at: string | null }> };
}
interface JsonReport {
  findings: JsonFinding[];
  diagnostics: unknown[];
}

/** The finding that reports `id`: under its own id, or merged into the headline of the same root cause. */
function reporting(rep: JsonReport, id: string): JsonFinding[] {
  return rep.findings.filter((f) => f.id === id || f.data?.merged?.some((m) => m.id === id));
}

function lint(path: string): JsonReport {
  const r = runCli(['lint', path, '--format', 'json']);
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as JsonReport;
}

test('lint examples/django-compose: the app-side findings, each with file:line', () => {
  const rep = lint('examples/django-compose');
  const at = (id: string) => reporting(rep, id).map((f) => `${f.severity} ${f.id} ${f.evidence[0]?.file}:${f.evidence[0]?.line}`);
  // One root cause, one headline: the app never learns https (gunicorn does not trust the nginx container), so
  // SECURE_SSL_REDIRECT loops (critical); the Django finding is part of that headline, its line among the evidence.
  assert.deepEqual(at('django/ssl-redirect-without-scheme-source'), [
    'critical gunicorn/proxy-not-trusted examples/django-compose/docker-compose.yml:19',
  ]);
  assert.ok(
    reporting(rep, 'django/ssl-redirect-without-scheme-source')[0]?.evidence.some(
      (e) => `${e.file}:${e.line}` === 'examples/django-compose/mysite/settings/production.py:11',
    ),
  );
  assert.deepEqual(at('gunicorn/proxy-not-trusted'), [
    'critical gunicorn/proxy-not-trusted examples/django-compose/docker-compose.yml:19',
  ]);
  // The published port is where forged headers get in (the chain's spoofable backend, high).
  assert.deepEqual(at('deploy/backend-port-published'), [
    'high deploy/backend-port-published examples/django-compose/docker-compose.yml:25',
  ]);
  assert.deepEqual(at('django/csrf-trusted-origins-scheme'), [
    'medium django/csrf-trusted-origins-scheme examples/django-compose/mysite/settings/production.py:19',
  ]);
  assert.deepEqual(at('django/insecure-cookies'), [
    'low django/insecure-cookies examples/django-compose/mysite/settings/production.py:17',
  ]);
  assert.deepEqual(at('django/forwarded-host-trusted'), [
    'high django/forwarded-host-trusted examples/django-compose/mysite/settings/production.py:15',
  ]);
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
  // The Django finding is merged into the headline at the place the scheme is lost (nginx's location /):
  // critical, because the chain shows the redirect loop.
  const f = reporting(rep, 'django/ssl-redirect-without-scheme-source')[0];
  assert.ok(f, JSON.stringify(rep.findings.map((x) => x.id)));
  assert.equal(f.id, 'nginx/forwarded-proto-missing');
  assert.equal(f.severity, 'critical');
  assert.ok(f.evidence.some((e) => e.file === 'examples/seed/mysite/mysite/settings.py'));
  assert.ok(f.evidence.some((e) => e.file === 'examples/seed/systemd/gunicorn.service'));
  assert.match(f.message, /sends no X-Forwarded-Proto/);
  // the seed binds 127.0.0.1: not published, not spoofable
  assert.equal(
    rep.findings.filter((x) => x.id === 'deploy/backend-port-published' || x.id === 'gunicorn/forwarded-allow-all').length,
    0,
  );
});
