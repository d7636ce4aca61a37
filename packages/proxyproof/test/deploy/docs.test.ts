/** Every app-side check has its docs page with the required sections and its references. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { APP_SERVER_CHECKS } from '../../src/checks/appserver/index.js';
import { DEPLOY_CHECKS } from '../../src/checks/deploy/index.js';
import { DJANGO_CHECKS } from '../../src/checks/django/index.js';
import { FLASK_CHECKS } from '../../src/checks/flask/index.js';
import { PACKAGE_ROOT } from '../helpers.js';

const checks = [...DJANGO_CHECKS, ...APP_SERVER_CHECKS, ...FLASK_CHECKS, ...DEPLOY_CHECKS];

test("the issue's app-side check ids are all registered", () => {
  const ids = checks.map((c) => c.meta.id);
  for (const id of [
    'django/proxy-ssl-header-malformed',
    'django/ssl-redirect-without-scheme-source',
    'django/csrf-trusted-origins-scheme',
    'django/insecure-cookies',
    'django/forwarded-host-trusted',
    'gunicorn/forwarded-allow-all',
    'gunicorn/proxy-not-trusted',
    'uvicorn/forwarded-allow-all',
    'uvicorn/proxy-not-trusted',
    'daphne/forwarded-allow-all',
    'daphne/proxy-not-trusted',
    'hypercorn/forwarded-allow-all',
    'hypercorn/proxy-not-trusted',
    'flask/proxyfix-missing',
    'flask/proxyfix-counts',
    'deploy/backend-port-published',
  ])
    assert.ok(ids.includes(id), id);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
});

for (const c of checks) {
  test(`docs page for ${c.meta.id}`, () => {
    const p = join(PACKAGE_ROOT, 'docs', 'checks', `${c.meta.id}.md`);
    assert.ok(existsSync(p), p);
    const md = readFileSync(p, 'utf8');
    assert.ok(md.startsWith(`# ${c.meta.id}\n`), 'title is the id');
    for (const s of ['## What', '## Why', '## Bad example', '## Good example', '## Versions/defaults covered', '## References'])
      assert.ok(md.includes(`\n${s}\n`), `${c.meta.id}: section ${s}`);
    for (const r of c.meta.references) assert.ok(md.includes(r), `${c.meta.id}: reference ${r} is cited in the page`);
  });
}
