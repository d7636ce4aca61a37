/**
 * chain/scheme-lost on a location no browser reaches (nginx `internal`, allow/deny of loopback only): info, as
 * nginx/forwarded-proto-missing says there (issue 12 audit item 2). A location open to another network stays high.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintFiles } from '../../python/lint-files.js';

const APP = {
  'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
  'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n',
};
const site = (access: string) =>
  `server {\n    listen 443 ssl;\n    server_name shop.example.com;\n    location /private {\n${access}        proxy_set_header Host $host;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n`;

const rows: Array<{ name: string; access: string; severity: string; says?: RegExp }> = [
  {
    name: '`internal;` (auth subrequests): info, said why',
    access: '        internal;\n',
    severity: 'info',
    says: /`internal`: only nginx itself/,
  },
  {
    name: 'allow 127.0.0.1; deny all;: info, said why',
    access: '        allow 127.0.0.1;\n        deny all;\n',
    severity: 'info',
    says: /Only loopback clients may use the location/,
  },
  {
    name: 'trap: allow of an office network before deny all looks restricted but browsers reach it: high',
    access: '        allow 10.0.0.0/8;\n        deny all;\n',
    severity: 'high',
  },
];

for (const row of rows) {
  test(`chain/scheme-lost: ${row.name}`, async () => {
    const { findings } = await lintFiles({ ...APP, 'site.conf': site(row.access) });
    // The chain finding joins the layer finding of the same place (one headline): either id carries the verdict.
    const scheme = findings.filter(
      (f) =>
        f.id === 'chain/scheme-lost' ||
        ((f.id === 'nginx/forwarded-proto-missing' || f.id === 'proxy/forwarded-proto-missing') &&
          (f.data?.chainFinding !== undefined || /reaches Flask/.test(f.message))),
    );
    assert.ok(scheme.length >= 1, findings.map((f) => `${f.severity} ${f.id}`).join('\n'));
    for (const f of scheme) assert.equal(f.severity, row.severity, `${f.id}: ${f.message}`);
    const chainText = scheme.map((f) => f.message).join('\n');
    assert.match(chainText, /reaches Flask as http/);
    if (row.says) assert.match(chainText, row.says);
  });
}

// The app-side finding on the same loss (flask/proxyfix-missing) follows the chain (audit 12 round 18, gap 12): info
// when every route that loses the scheme is one no browser reaches, as it was before when any route is public.
const appRows: Array<{ name: string; conf: string; severity: string }> = [
  { name: '`internal;` only: info', conf: site('        internal;\n'), severity: 'info' },
  {
    name: 'allow 127.0.0.1; deny all; only: info',
    conf: site('        allow 127.0.0.1;\n        deny all;\n'),
    severity: 'info',
  },
  {
    name: 'trap: an office network allowed: browsers reach it, stays medium',
    conf: site('        allow 10.0.0.0/8;\n        deny all;\n'),
    severity: 'medium',
  },
  {
    name: 'trap: one loopback-only location and one public location, both losing the scheme: stays medium',
    conf: 'server {\n    listen 443 ssl;\n    server_name shop.example.com;\n    location /private {\n        allow 127.0.0.1;\n        deny all;\n        proxy_pass http://127.0.0.1:8000;\n    }\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n',
    severity: 'medium',
  },
];

for (const row of appRows) {
  test(`flask/proxyfix-missing behind restricted routes: ${row.name}`, async () => {
    const { findings } = await lintFiles({ ...APP, 'site.conf': row.conf });
    const app = findings.filter((f) => f.id === 'flask/proxyfix-missing');
    assert.equal(app.length, 1, findings.map((f) => `${f.severity} ${f.id}`).join('\n'));
    assert.equal(app[0]?.severity, row.severity, app[0]?.message);
    if (row.severity === 'info') assert.match(app[0]?.message ?? '', /only on (a route|routes) no browser reaches/);
  });
}
