import assert from 'node:assert/strict';
import { koaProxyUnset } from '../../../src/checks/node/koa-proxy-unset.js';
import { caseTable, nginxSameHost } from '../express/harness.js';

caseTable(koaProxyUnset, [
  {
    name: 'Koa behind nginx with app.proxy left false',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'web/app.js':
        "const Koa = require('koa');\nconst app = new Koa();\napp.use(async (ctx) => { ctx.body = ctx.protocol; });\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: ['web/app.js@2'],
    check: ([f]) => {
      assert.match(f?.why ?? '', /Cannot send secure cookie/);
      assert.match(f?.fix?.lines?.join('\n') ?? '', /koaForwarded/);
    },
  },
  {
    name: 'app.proxy = false written explicitly',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'web/app.ts': "import Koa from 'koa';\nconst app = new Koa();\napp.proxy = false;\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: ['web/app.ts@3'],
  },
  {
    name: 'Koa served through http.createServer(app.callback())',
    files: {
      'nginx/app.conf': nginxSameHost(4000),
      'web/index.mjs':
        "import http from 'node:http';\nimport Koa from 'koa';\nconst app = new Koa();\nconst server = http.createServer(app.callback());\nserver.listen(4000, '127.0.0.1');\n",
    },
    expect: ['web/index.mjs@3'],
  },
  {
    name: 'nginx in front on plain :80 only, no front ends TLS: low, the scheme is http either way',
    files: {
      'nginx/app.conf': 'server {\n  listen 80;\n  location / {\n    proxy_pass http://127.0.0.1:3000;\n  }\n}\n',
      'web/app.js': "const Koa = require('koa');\nconst app = new Koa();\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: ['web/app.js@2'],
    check: ([f]) => {
      assert.equal(f?.severity, 'low');
      assert.match(f?.message ?? '', /no front in the files serves HTTPS/);
    },
  },
  {
    name: 'the same app behind an nginx with `listen 443 ssl`: medium',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'web/app.js': "const Koa = require('koa');\nconst app = new Koa();\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: ['web/app.js@2'],
    check: ([f]) => assert.equal(f?.severity, 'medium'),
  },
  // valid
  {
    name: 'app.proxy = true (judged by koa/proxy-all)',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'web/app.js':
        "const Koa = require('koa');\nconst app = new Koa({ proxy: true, maxIpsCount: 1 });\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: [],
  },
  {
    name: 'no proxy in the files',
    files: { 'web/app.js': "const Koa = require('koa');\nconst app = new Koa();\napp.listen(3000);\n" },
    expect: [],
  },
  {
    name: 'koaForwarded middleware',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'web/app.js':
        "const Koa = require('koa');\nconst { koaForwarded } = require('@proxyproof/forwarded');\nconst app = new Koa();\napp.use(koaForwarded({ trust: ['loopback'] }));\napp.listen(3000, '127.0.0.1');\n",
    },
    expect: [],
  },
]);
