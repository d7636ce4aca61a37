import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secureCookieNeverSetCheck } from '../../../src/checks/node/secure-cookie-never-set.js';
import { fixLoop } from '../../fix/loop.js';
import { caseTable, nginxSameHost } from '../express/harness.js';

const express = (session: string, extra = '', listen = "app.listen(3000, '127.0.0.1');") =>
  `const express = require('express');\nconst session = require('express-session');\nconst app = express();\n${extra}\napp.use(session(${session}));\n${listen}\n`;

/** A Koa app created by an exported factory that hands it to its callback (OpenHIM's koaApi.setupApp). */
const KOA_FACTORY =
  "import Koa from 'koa';\nimport session from 'koa-session';\nexport function setupApp(done) {\n  const app = new Koa();\n  app.keys = ['k'];\n  app.use(session({ secure: true, sameSite: 'none' }, app));\n  return done(app);\n}\n";
const koaServer = (tail: string) =>
  `import http from 'http';\nimport https from 'https';\nimport * as api from './api';\n\nfunction startHttps(port, app) {\n  const s = https.createServer({}, app.callback());\n  s.listen(port);\n}\nfunction startHttp(port, app) {\n  const s = http.createServer(app.callback());\n  s.listen(port);\n}\n\n${tail}`;

const BEHIND = {
  'nginx/app.conf': nginxSameHost(3000),
  'app/server.js': express("{ secret: 's', cookie: { secure: true } }"),
};

const cookieSessionApp = (extra = '') =>
  `const express = require('express');\nconst cookieSession = require('cookie-session');\nconst app = express();\n${extra}\napp.use(cookieSession({ name: 'session', keys: ['k'], secure: true }));\napp.listen(3000, '127.0.0.1');\n`;

caseTable(secureCookieNeverSetCheck, [
  {
    name: "cookie-session secure: true behind nginx without trust proxy: the cookies module throws, cookie-session swallows it (its own message, not express-session's)",
    files: { 'nginx/app.conf': nginxSameHost(3000), 'app/server.js': cookieSessionApp() },
    expect: ['app/server.js@5'],
    check: ([f]) => {
      assert.equal(f?.severity, 'high');
      assert.match(f?.message ?? '', /^cookie-session in /);
      assert.match(f?.message ?? '', /catches and only logs with debug: no Set-Cookie goes out/);
      assert.doesNotMatch(f?.message ?? '', /express-session|not secured/);
      assert.match(f?.fix?.description ?? '', /cookie-session then sends the Secure cookie/);
    },
  },
  {
    name: "valid (trap): cookie-session secure: true with trust proxy 'loopback' (req.protocol https from nginx's header)",
    files: { 'nginx/app.conf': nginxSameHost(3000), 'app/server.js': cookieSessionApp("app.set('trust proxy', 'loopback');") },
    expect: [],
  },
  {
    name: 'express-session secure: true behind nginx, trust proxy never set: the Set-Cookie is skipped',
    files: BEHIND,
    expect: ['app/server.js@5'],
    check: ([f]) => {
      assert.equal(f?.severity, 'high');
      assert.match(f?.message ?? '', /not secured|skips the Set-Cookie/);
      assert.deepEqual(f?.fix?.lines, ["app.set('trust proxy', 'loopback');"]);
      assert.equal(f?.fix?.placement, 'after');
      assert.equal(f?.fix?.line, 3);
    },
  },
  {
    name: "secure: config.NODE_ENV !== 'dev' (a settings module re-exporting NODE_ENV) behind a Heroku Procfile: on in production",
    files: {
      Procfile: 'web: node app/server.js\n',
      'app/server.js': express(
        "{ secret: 's', cookie: { sameSite: 'lax', secure: AppConstants.NODE_ENV !== 'dev' } }",
        "const AppConstants = require('./app-constants.js');",
        'app.listen(AppConstants.PORT);',
      ),
    },
    expect: ['app/server.js@5'],
    check: ([f]) => {
      assert.match(f?.message ?? '', /Secure unless NODE_ENV=dev \(so in production\)/);
      assert.ok(f?.evidence.some((e) => e.note === 'cookie secure unless NODE_ENV=dev (so in production)'));
    },
  },
  {
    name: "valid: secure: process.env.NODE_ENV === 'production' with trust proxy 1 behind Heroku",
    files: {
      Procfile: 'web: node app/server.js\n',
      'app/server.js': express(
        "{ secret: 's', cookie: { secure: process.env.NODE_ENV === 'production' } }",
        "app.set('trust proxy', 1);",
        'app.listen(process.env.PORT);',
      ),
    },
    expect: [],
  },
  {
    name: 'secure from a switch (SECURE=true in production) through app.get/app.set',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/server.js': express(
        "{ secret: 's', cookie: { secure: app.get('secure') } }",
        "app.set('secure', process.env.SECURE === 'true');",
      ),
    },
    expect: ['app/server.js@5'],
    check: ([f]) => assert.match(f?.message ?? '', /when SECURE/),
  },
  {
    name: "secure: 'auto' behind nginx: the cookie goes out WITHOUT Secure (medium)",
    files: { 'nginx/app.conf': nginxSameHost(3000), 'app/server.js': express("{ secret: 's', cookie: { secure: 'auto' } }") },
    expect: ['app/server.js@5'],
    check: ([f]) => assert.equal(f?.severity, 'medium'),
  },
  {
    name: "secure: 'auto' behind nginx that sends HSTS of a year on every route: info (a browser session cookie, host-only)",
    files: {
      'nginx/app.conf': nginxSameHost(3000).replace(
        '    location /',
        '    add_header Strict-Transport-Security "max-age=31536000";\n    location /',
      ),
      'app/server.js': express("{ secret: 's', cookie: { secure: 'auto' } }"),
    },
    expect: ['app/server.js@5'],
    check: ([f]) => {
      assert.equal(f?.severity, 'info');
      assert.match(f?.message ?? '', /Strict-Transport-Security \(max-age=31536000\)/);
    },
  },
  {
    name: "trap: secure: 'auto', HSTS of a day, cookie maxAge of 30 days: medium",
    files: {
      'nginx/app.conf': nginxSameHost(3000).replace(
        '    location /',
        '    add_header Strict-Transport-Security "max-age=86400";\n    location /',
      ),
      'app/server.js': express("{ secret: 's', cookie: { secure: 'auto', maxAge: 2592000000 } }"),
    },
    expect: ['app/server.js@5'],
    check: ([f]) => assert.equal(f?.severity, 'medium'),
  },
  {
    name: "trap: secure: 'auto', HSTS without includeSubDomains, cookie domain '.app.example': medium",
    files: {
      'nginx/app.conf': nginxSameHost(3000).replace(
        '    location /',
        '    add_header Strict-Transport-Security "max-age=31536000";\n    location /',
      ),
      'app/server.js': express("{ secret: 's', cookie: { secure: 'auto', domain: '.app.example' } }"),
    },
    expect: ['app/server.js@5'],
    check: ([f]) => assert.equal(f?.severity, 'medium'),
  },
  {
    name: 'koa-session secure: true and no app.proxy, no proxy in view: medium (breaks wherever TLS ends before Koa)',
    files: {
      'src/api.js':
        "import Koa from 'koa';\nimport session from 'koa-session';\nconst app = new Koa();\napp.keys = ['k'];\napp.use(session({ secure: true, sameSite: 'none' }, app));\n",
    },
    expect: ['src/api.js@5'],
    check: ([f]) => {
      assert.equal(f?.severity, 'medium');
      assert.match(f?.message ?? '', /Cannot send secure cookie over unencrypted connection/);
    },
  },
  {
    name: 'koa-session on an app a factory hands to an http or an https start helper: the plain-HTTP listener is cited',
    files: {
      'src/api.js': KOA_FACTORY,
      'src/server.js': koaServer(
        "if (process.env.API_PROTOCOL === 'http') api.setupApp((app) => startHttp(8080, app));\nelse api.setupApp((app) => startHttps(8080, app));\n",
      ),
    },
    expect: ['src/api.js@6'],
    check: ([f]) => {
      assert.equal(f?.severity, 'medium');
      const plain = f?.evidence.find((e) => /served over plain HTTP/.test(e.note ?? ''));
      assert.deepEqual([plain?.file, plain?.line], ['src/server.js', 14]);
    },
  },
  // valid
  {
    name: 'trap: koa-session secure: true, no app.proxy, but the app is only served by https.createServer (ctx.secure from the socket)',
    files: { 'src/api.js': KOA_FACTORY, 'src/server.js': koaServer('api.setupApp((app) => startHttps(8080, app));\n') },
    expect: [],
  },
  {
    name: 'trap: one module, koa-session secure: true, served only by https.createServer(opts, app.callback()).listen(443)',
    files: {
      'app.js':
        "const Koa = require('koa');\nconst https = require('https');\nconst session = require('koa-session');\nconst app = new Koa();\napp.use(session({ secure: true }, app));\nhttps.createServer({}, app.callback()).listen(443);\n",
    },
    expect: [],
  },
  {
    name: "trap: trust proxy set ('loopback')",
    files: {
      ...BEHIND,
      'app/server.js': express("{ secret: 's', cookie: { secure: true } }", "app.set('trust proxy', 'loopback');"),
    },
    expect: [],
  },
  {
    name: "trap: express-session's own proxy: true reads X-Forwarded-Proto itself",
    files: { ...BEHIND, 'app/server.js': express("{ secret: 's', proxy: true, cookie: { secure: true } }") },
    expect: [],
  },
  {
    name: 'cookie not secure',
    files: { ...BEHIND, 'app/server.js': express("{ secret: 's', cookie: { secure: false } }") },
    expect: [],
  },
  {
    name: 'trap: Koa with app.proxy = true (koa/proxy-all judges the trust)',
    files: {
      'src/api.js':
        "import Koa from 'koa';\nimport session from 'koa-session';\nconst app = new Koa();\napp.proxy = true;\napp.use(session({ secure: true }, app));\n",
    },
    expect: [],
  },
]);

test('node/secure-cookie-never-set: fix --write adds trust proxy and the finding is gone', async () => {
  // nginx also overwrites X-Forwarded-Host: once Express trusts it, a client-sent one would otherwise reach req.hostname.
  const nginx = nginxSameHost(3000).replace(
    'proxy_set_header Host $host;',
    'proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-Host $host;',
  );
  const r = await fixLoop({ ...BEHIND, 'nginx/app.conf': nginx }, 'node/secure-cookie-never-set');
  assert.ok(r.ran);
});
