import assert from 'node:assert/strict';
import { sessionCookieInsecure } from '../../../src/checks/node/session-cookie-insecure.js';
import { caseTable } from '../express/harness.js';

const app = [
  "import express from 'express';",
  "import session from 'express-session';",
  "import convict from 'convict';",
  "const conf = convict({ force_insecure_cookies: { format: Boolean, default: false, env: 'FORCE_INSECURE_COOKIES' } });",
  'const app = express();',
  "const sessionOpts = { secret: 's', proxy: true, cookie: { maxAge: 1000 } };",
  "if (conf.get('force_insecure_cookies')) {",
  '  sessionOpts.cookie.secure = false;',
  '}',
  'app.use(session(sessionOpts));',
  'app.listen(8080);',
  '',
].join('\n');
const FLY = "app = 'demo'\n\n[http_service]\n  internal_port = 8080\n  force_https = true\n";

caseTable(sessionCookieInsecure, [
  {
    name: 'force_insecure_cookies = true in the deployment config, behind Fly (TLS at the front)',
    files: {
      'server/app.ts': app,
      'deploy/prod.toml': 'hostname = "example.org"\nforce_insecure_cookies = true\n',
      'fly.toml': FLY,
    },
    expect: ['deploy/prod.toml@2'],
    check: ([f]) => {
      assert.equal(f?.severity, 'low');
      assert.deepEqual(f?.fix?.lines, ['force_insecure_cookies = false']);
      assert.equal(f?.fix?.placement, 'replace');
      assert.match(f?.message ?? '', /force_insecure_cookies is on/);
    },
  },
  {
    name: 'the switch on behind nginx whose every HTTPS route sends HSTS longer than the 1 s cookie: info',
    files: {
      'server/app.ts': app,
      'deploy/prod.toml': 'force_insecure_cookies = true\n',
      'nginx/app.conf':
        'server {\n    listen 443 ssl;\n    server_name example.org;\n    add_header Strict-Transport-Security "max-age=31536000" always;\n    location / {\n        proxy_pass http://127.0.0.1:8080;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n',
    },
    expect: ['deploy/prod.toml@1'],
    check: ([f]) => {
      assert.equal(f?.severity, 'info');
      assert.match(f?.message ?? '', /Strict-Transport-Security \(max-age=31536000\)/);
    },
  },
  {
    name: 'trap: the same behind nginx without HSTS: low',
    files: {
      'server/app.ts': app,
      'deploy/prod.toml': 'force_insecure_cookies = true\n',
      'nginx/app.conf':
        'server {\n    listen 443 ssl;\n    server_name example.org;\n    location / {\n        proxy_pass http://127.0.0.1:8080;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n',
    },
    expect: ['deploy/prod.toml@1'],
    check: ([f]) => assert.equal(f?.severity, 'low'),
  },
  {
    name: 'trap: HSTS, but TLS also ends at Fly (its responses are not read): low',
    files: {
      'server/app.ts': app,
      'deploy/prod.toml': 'force_insecure_cookies = true\n',
      'fly.toml': FLY,
      'nginx/app.conf':
        'server {\n    listen 443 ssl;\n    server_name example.org;\n    add_header Strict-Transport-Security "max-age=31536000" always;\n    location / {\n        proxy_pass http://127.0.0.1:8080;\n    }\n}\n',
    },
    expect: ['deploy/prod.toml@1'],
    check: ([f]) => assert.equal(f?.severity, 'low'),
  },
  {
    name: 'valid: the switch is off in the deployment config',
    files: { 'server/app.ts': app, 'deploy/prod.toml': 'force_insecure_cookies = false\n', 'fly.toml': FLY },
    expect: [],
  },
  {
    name: 'valid: switch on but nothing in the files says the site is https',
    files: { 'server/app.ts': app, 'deploy/prod.toml': 'force_insecure_cookies = true\n' },
    expect: [],
  },
]);
