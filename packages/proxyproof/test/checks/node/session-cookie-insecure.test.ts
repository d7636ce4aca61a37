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
