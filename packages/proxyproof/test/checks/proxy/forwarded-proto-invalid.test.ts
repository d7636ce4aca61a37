import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyForwardedProtoInvalid as check } from '../../../src/checks/proxy/forwarded-proto-invalid.js';
import { runCli } from '../../helpers.js';
import { type Case, runCase } from '../../python/lint-files.js';
import { scratchTrees } from '../../scratch-trees.js';
import { NGINX } from './sites.js';

const vh = (rh: string) =>
  `<VirtualHost *:443>\n    SSLEngine on\n    ${rh}\n    ProxyPass / http://127.0.0.1:5000/\n</VirtualHost>\n`;
const cases: Case[] = [
  {
    name: 'invalid: expr=%{REQUEST_SCHEME}s gives httpss (the s is literal in ap_expr)',
    files: { 'site.conf': vh('RequestHeader set "X-Forwarded-Proto" expr=%{REQUEST_SCHEME}s') },
    expect: {
      count: 1,
      severity: 'high',
      line: 3,
      message: /httpss/,
      fixLine: 'RequestHeader set X-Forwarded-Proto expr=%{REQUEST_SCHEME}',
    },
  },
  {
    name: 'valid (trap): expr=%{REQUEST_SCHEME} without suffix',
    files: { 'site.conf': vh('RequestHeader set "X-Forwarded-Proto" expr=%{REQUEST_SCHEME}') },
    expect: { count: 0 },
  },
  {
    name: 'valid: literal https',
    files: { 'site.conf': vh('RequestHeader set X-Forwarded-Proto "https"') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: a typo in a literal value',
    files: { 'site.conf': vh('RequestHeader set X-Forwarded-Proto "htps"') },
    expect: { count: 1, message: /"htps"/ },
  },
  {
    name: 'valid (trap): X-Forwarded-Ssl "on" is another header with its own values',
    files: { 'site.conf': vh('RequestHeader set X-Forwarded-Ssl "on"') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a value from an env variable the model cannot evaluate is not guessed',
    files: { 'site.conf': vh('RequestHeader set X-Forwarded-Proto "%{PROTO}e"') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: nginx sends X-Forwarded-Proto $https ("on" over TLS, empty on plain HTTP)',
    files: {
      'nginx.conf': NGINX(
        '    location / {\n      proxy_set_header X-Forwarded-Proto $https;\n      proxy_pass http://127.0.0.1:8000;\n    }',
      ),
    },
    expect: { count: 1, file: 'nginx.conf', line: 6, fixLine: 'proxy_set_header X-Forwarded-Proto $scheme;' },
  },
  {
    name: 'valid: nginx sends X-Forwarded-Proto $scheme',
    files: {
      'nginx.conf': NGINX(
        '    location / {\n      proxy_set_header X-Forwarded-Proto $scheme;\n      proxy_pass http://127.0.0.1:8000;\n    }',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): X-Forwarded-Protocol ssl is gunicorn's own value for https (secure_scheme_headers)",
    files: {
      'nginx.conf': NGINX(
        '    location / {\n      proxy_set_header X-Forwarded-Protocol ssl;\n      proxy_pass http://127.0.0.1:8000;\n    }',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: X-Forwarded-Protocol with a typo names its own values',
    files: {
      'nginx.conf': NGINX(
        '    location / {\n      proxy_set_header X-Forwarded-Protocol sll;\n      proxy_pass http://127.0.0.1:8000;\n    }',
      ),
    },
    expect: { count: 1, line: 6, message: /"sll" on https.*only "ssl" \(https\) and "http"/ },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));

/**
 * Through the built CLI (`npm run build` first): gunicorn's own header and value on a TLS-only server is no finding
 * of any check (the audit's tree: real gunicorn 20.1 takes `X-Forwarded-Protocol: ssl` as https).
 */
test('CLI (trap): X-Forwarded-Protocol ssl to gunicorn on a TLS-only server has no HIGH', () => {
  const dir = scratchTrees('proxyproof-xfprotocol-')('t', {
    'site.conf': `server {
    listen 443 ssl;
    server_name shop.acme-widgets.com;
    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Protocol ssl;
        proxy_pass http://127.0.0.1:8000;
    }
}
`,
    'app.service': '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n',
    'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
  });
  const r = runCli(['lint', '.', '--format', 'json', '--min-severity', 'info'], { cwd: dir });
  const findings = (JSON.parse(r.stdout) as { findings: Array<{ id: string; severity: string }> }).findings;
  assert.deepEqual(
    findings.filter((f) => f.severity === 'high' || f.id === 'proxy/forwarded-proto-invalid').map((f) => f.id),
    [],
  );
  const doc = runCli(['doctor', '.', '--format', 'json'], { cwd: dir });
  const routes = (JSON.parse(doc.stdout) as { doctor: { routes: Array<{ verdict: { scheme: { status: string } } }> } }).doctor
    .routes;
  assert.deepEqual(
    routes.map((x) => x.verdict.scheme.status),
    ['correct'],
  );
});
