import assert from 'node:assert/strict';
import { koaProxyAll } from '../../../src/checks/node/koa-proxy-all.js';
import { caseTable, nginxSameHost } from '../express/harness.js';

caseTable(koaProxyAll, [
  {
    name: 'new Koa({ proxy: true }) listening on all interfaces',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'web/app.js': "const Koa = require('koa');\nconst app = new Koa({ proxy: true });\napp.listen(3000);\n",
    },
    expect: ['web/app.js@2'],
    check: ([f]) => assert.equal(f?.severity, 'high'),
  },
  {
    name: "new Koa({ proxy: true }) on all interfaces and a ctx.origin read: the read is evidence (the chain's request-reads fact)",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'web/app.js':
        "const Koa = require('koa');\nconst app = new Koa({ proxy: true });\napp.use((ctx) => { ctx.body = ctx.origin; });\napp.listen(3000);\n",
    },
    expect: ['web/app.js@2'],
    check: ([f]) => {
      assert.equal(f?.severity, 'high');
      assert.ok(
        f?.evidence.some((e) => e.line === 3 && /the app reads the host and scheme here \(ctx\.origin\)/.test(e.note ?? '')),
        JSON.stringify(f?.evidence),
      );
    },
  },
  {
    name: "proxy on loopback, maxIpsCount unset, ctx.origin read: nginx sets X-Forwarded-Proto but passes a client's X-Forwarded-Host on, so the host read is evidence and the scheme is not",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'web/app.ts':
        "import Koa from 'koa';\nconst app = new Koa();\napp.proxy = true;\napp.use((ctx) => { ctx.body = ctx.origin; });\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: ['web/app.ts@3'],
    check: ([f]) => {
      assert.equal(f?.severity, 'medium');
      const reads = f?.evidence.filter((e) => /the app reads/.test(e.note ?? '')) ?? [];
      assert.deepEqual(
        reads.map((e) => `${e.line} ${e.note}`),
        ["4 the app reads the host here (ctx.origin): a client's own X-Forwarded-Host"],
      );
    },
  },
  {
    name: 'app.proxy = true on loopback but maxIpsCount unset: ctx.ip is the client-written left-most entry',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'web/app.ts': "import Koa from 'koa';\nconst app = new Koa();\napp.proxy = true;\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: ['web/app.ts@3'],
    check: ([f]) => assert.equal(f?.severity, 'medium'),
  },
  {
    name: 'app.proxy = true, no listen() seen: reach unknown',
    files: {
      'web/app.js': "const Koa = require('koa');\nconst app = new Koa({ proxy: true, maxIpsCount: 1 });\nmodule.exports = app;\n",
    },
    expect: ['web/app.js@2'],
    check: ([f]) => assert.equal(f?.severity, 'low'),
  },
  {
    name: 'the app is a parameter default (init(app = new Koa())) and app.proxy = true is set inside it',
    files: {
      'server/web.ts': [
        "import Koa from 'koa';",
        '',
        'export default function init(app: Koa = new Koa(), trusted = true) {',
        '  if (trusted) {',
        '    app.proxy = true;',
        '  }',
        '  return app;',
        '}',
        '',
      ].join('\n'),
    },
    expect: ['server/web.ts@5'],
    check: ([f]) => assert.equal(f?.severity, 'medium'),
  },
  // valid
  {
    name: 'trap: proxy + maxIpsCount 1 + loopback-only bind is the correct Koa setup',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'web/app.js':
        "const Koa = require('koa');\nconst app = new Koa({ proxy: true });\napp.maxIpsCount = 1;\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: [],
  },
  {
    name: 'proxy off',
    files: { 'web/app.js': "const Koa = require('koa');\nconst app = new Koa();\napp.listen(3000);\n" },
    expect: [],
  },
  {
    name: 'trap: a comment mentioning app.proxy = true',
    files: { 'web/app.js': "const Koa = require('koa');\nconst app = new Koa();\n// app.proxy = true\napp.listen(3000);\n" },
    expect: [],
  },
]);
