/**
 * doctor.schema.json describes a route's `headersMayChange` (an nginx include outside the tree may set its
 * headers): the doctor JSON of such a tree validates, and the schema rejects a value of the wrong shape.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers.js';
import { validateJson } from './validate.js';

test('doctor JSON: a route whose headers may come from an unread include carries headersMayChange, and it validates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-hmc-'));
  try {
    writeFileSync(
      join(dir, 'site.conf'),
      [
        'server {',
        '    listen 443 ssl;',
        '    server_name app.example.com;',
        '    ssl_certificate /etc/ssl/a.pem;',
        '    ssl_certificate_key /etc/ssl/a.key;',
        '    location / {',
        '        include /etc/nginx/snippets/app-headers.conf;',
        '        proxy_pass http://127.0.0.1:8000;',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
    const r = runCli(['doctor', '.', '--format', 'json', '--no-config-file'], { cwd: dir });
    const j = JSON.parse(r.stdout);
    const routes = j.doctor.topology.proxies.flatMap((p: { routes: Array<Record<string, unknown>> }) => p.routes);
    const may = routes.find((x: Record<string, unknown>) => Array.isArray(x.headersMayChange));
    assert.ok(may, JSON.stringify(routes).slice(0, 2000));
    assert.equal((may.headersMayChange as Array<{ file: string; line: number }>)[0]?.line, 7);
    validateJson('doctor', j);
    const bad = structuredClone(j);
    const route = bad.doctor.topology.proxies
      .flatMap((p: { routes: Array<Record<string, unknown>> }) => p.routes)
      .find((x: Record<string, unknown>) => Array.isArray(x.headersMayChange));
    route.headersMayChange = 'site.conf:7';
    assert.throws(() => validateJson('doctor', bad), /schema errors/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
