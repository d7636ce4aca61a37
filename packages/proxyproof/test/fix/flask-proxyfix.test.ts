/**
 * flask/proxyfix-missing as a patch: ProxyFix right after the app is created, under the app's own variable name
 * (a factory's local too), with the counts of the proxy in front (x_host only when nginx sets X-Forwarded-Host).
 * After fix --write the finding is gone, the file still parses, and fix prints nothing more.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runFix } from '../../src/commands/fix.js';
import { lintPaths } from '../../src/engine/lint.js';
import { tree } from './tree.js';

const treeOf = (files: Record<string, string>) => tree(files, 'proxyproof-flaskfix-');

const site = (extra: string) => `server {
    listen 443 ssl;
    server_name shop.example.org;
    ssl_certificate /etc/ssl/shop.pem;
    ssl_certificate_key /etc/ssl/shop.key;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;${extra}
    }
}
`;
const unit = '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 wsgi:application\n';

const cases = [
  {
    name: 'module-level app named application; nginx does not set X-Forwarded-Host: no x_host',
    app: 'from flask import Flask, request\n\napplication = Flask(__name__)\n\n\n@application.route("/")\ndef index():\n    return request.remote_addr\n',
    extra: '',
    after:
      /^application = Flask\(__name__\)\nfrom werkzeug\.middleware\.proxy_fix import ProxyFix\napplication\.wsgi_app = ProxyFix\(application\.wsgi_app, x_for=1, x_proto=1\)$/m,
  },
  {
    name: 'nginx sets X-Forwarded-Host: x_host=1 too',
    app: 'from flask import Flask, request\n\napplication = Flask(__name__)\n\n\n@application.route("/")\ndef index():\n    return request.remote_addr\n',
    extra: '\n        proxy_set_header X-Forwarded-Host $host;',
    after: /^application\.wsgi_app = ProxyFix\(application\.wsgi_app, x_for=1, x_proto=1, x_host=1\)$/m,
  },
];

for (const c of cases)
  test(`flask ProxyFix fix: ${c.name}`, async () => {
    const dir = treeOf({ 'wsgi.py': c.app, 'app.service': unit, 'site.conf': site(c.extra), 'requirements.txt': 'flask\n' });
    try {
      const before = (await lintPaths(['.'], { cwd: dir })).report.findings.map((f) => f.id);
      assert.ok(before.includes('flask/proxyfix-missing'), before.join(', '));
      const run = await runFix(['.'], { cwd: dir, write: true });
      for (const w of run.written)
        assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''} ${w.validation?.output ?? ''}`);
      const text = readFileSync(join(dir, 'wsgi.py'), 'utf8');
      assert.match(text, c.after, text);
      const after = (await lintPaths(['.'], { cwd: dir })).report.findings.map((f) => f.id);
      assert.ok(!after.includes('flask/proxyfix-missing'), after.join(', '));
      for (const id of after) assert.ok(before.includes(id), `new finding ${id}`);
      assert.deepEqual((await runFix(['.'], { cwd: dir })).plan.patches, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
