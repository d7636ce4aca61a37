import assert from 'node:assert/strict';
import { expressTrustProxyAll } from '../../../src/checks/node/express-trust-proxy-all.js';
import { caseTable, nginxSameHost } from './harness.js';

const app = (setting: string, listen = "app.listen(3000, '127.0.0.1');") =>
  `const express = require('express');\nconst app = express();\n${setting}\n${listen}\n`;

caseTable(expressTrustProxyAll, [
  {
    name: "app.set('trust proxy', true), reachable only through nginx: req.ip is still client-written",
    files: { 'nginx/app.conf': nginxSameHost(3000), 'app/server.js': app("app.set('trust proxy', true);") },
    expect: ['app/server.js@3'],
    check: ([f]) => {
      assert.equal(f?.severity, 'medium');
      assert.match(f?.message ?? '', /left-most X-Forwarded-For/);
      assert.match(f?.fix?.lines?.join('\n') ?? '', /@proxyproof\/forwarded/);
    },
  },
  {
    name: "the setting written in another module than the one that creates the app (server.mjs on app.mjs's app): the fix replaces that module's line",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      // The app module's line 3 (the setting's line number in server.mjs) is a comment that names the setting.
      'app/app.mjs':
        "import express from 'express';\n// a comment line\n// `trust proxy = true` in a comment\nexport function createApp() {\n  const app = express();\n  app.get('/', (req, res) => res.send(req.protocol));\n  return app;\n}\nexport function listenOn(app, host, port) {\n  app.listen(Number(port), host);\n}\n",
      'app/server.mjs':
        "import { createApp, listenOn } from './app.mjs';\nconst app = createApp();\napp.set('trust proxy', true);\nlistenOn(app, '127.0.0.1', 3000);\n",
    },
    expect: ['app/server.mjs@3'],
    check: ([f]) => {
      assert.equal(f?.fix?.file, 'app/server.mjs');
      assert.equal(f?.fix?.line, 3);
      assert.equal(f?.fix?.placement, 'replace');
      // The value this check recommends (its own table's concern); here: the statement, on that line.
      assert.match(f?.fix?.lines?.[0] ?? '', /^app\.set\('trust proxy', '[^']+'\);$/);
    },
  },
  {
    name: "trust proxy true on all interfaces, and the app reads req.hostname and req.protocol: both reads are evidence (the chain's request-reads fact)",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/server.js': app(
        "app.set('trust proxy', true);\napp.get('/', (req, res) => res.send(`${req.protocol}://${req.hostname}/`));",
        'app.listen(3000);',
      ),
    },
    expect: ['app/server.js@3'],
    check: ([f]) => {
      assert.equal(f?.severity, 'high');
      const notes = f?.evidence.map((e) => `${e.line} ${e.note}`) ?? [];
      assert.ok(
        notes.some((n) => /^4 the app reads the host and scheme here \(req\.hostname, req\.protocol\)/.test(n)),
        notes.join('\n'),
      );
    },
  },
  {
    name: 'trap for the reads: trust proxy true but the app reads neither host nor scheme: no read in the evidence',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/server.js': app("app.set('trust proxy', true);\napp.get('/', (req, res) => res.send(req.ip));", 'app.listen(3000);'),
    },
    expect: ['app/server.js@3'],
    check: ([f]) => assert.ok(!f?.evidence.some((e) => /the app reads/.test(e.note ?? '')), JSON.stringify(f?.evidence)),
  },
  {
    name: "app.enable('trust proxy') and listen(3000) on all interfaces: high",
    files: { 'nginx/app.conf': nginxSameHost(3000), 'app/server.js': app("app.enable('trust proxy');", 'app.listen(3000);') },
    expect: ['app/server.js@3'],
    check: ([f]) => assert.equal(f?.severity, 'high'),
  },
  {
    name: 'hop count 2 with one proxy in front: the client adds the second hop',
    files: { 'nginx/app.conf': nginxSameHost(3000), 'app/server.js': app("app.set('trust proxy', 2);") },
    expect: ['app/server.js@3'],
    check: ([f]) => assert.match(f?.message ?? '', /1 proxy in front/),
  },
  {
    name: 'hop count 1 on a port reachable without the proxy',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'app/server.js': app("app.set('trust proxy', 1);", "app.listen(3000, '0.0.0.0');"),
    },
    expect: ['app/server.js@3'],
    check: ([f]) => assert.equal(f?.severity, 'high'),
  },
  {
    name: "'*' is not a wildcard for Express: app.set throws 'invalid IP address: *' at start-up",
    files: { 'app/server.js': app("app.set('trust proxy', '*');") },
    expect: ['app/server.js@3'],
    check: ([f]) => assert.match(f?.message ?? '', /rejects "\*"/),
  },
  {
    name: "TRUST_PROXY=true from compose is the STRING 'true', which proxy-addr rejects",
    files: {
      'docker-compose.yml':
        'services:\n  web:\n    build: ./app\n    environment:\n      TRUST_PROXY: "true"\n    ports:\n      - "127.0.0.1:3000:3000"\n',
      'app/server.js': app("app.set('trust proxy', process.env.TRUST_PROXY);", 'app.listen(3000);'),
    },
    expect: ['app/server.js@3'],
    check: ([f]) => assert.match(f?.message ?? '', /"true"/),
  },
  // valid
  {
    name: "trap: 'loopback' behind a same-host nginx",
    files: { 'nginx/app.conf': nginxSameHost(3000), 'app/server.js': app("app.set('trust proxy', 'loopback');") },
    expect: [],
  },
  {
    name: 'hop count 1 with one proxy and a loopback-only bind',
    files: { 'nginx/app.conf': nginxSameHost(3000), 'app/server.js': app("app.set('trust proxy', 1);") },
    expect: [],
  },
  {
    name: 'an explicit address list',
    files: { 'app/server.js': app("app.set('trust proxy', ['10.0.0.2', '10.0.0.3']);") },
    expect: [],
  },
  { name: 'unset', files: { 'app/server.js': app('') }, expect: [] },
  {
    name: 'a trust function (custom logic is not judged)',
    files: { 'app/server.js': app("app.set('trust proxy', (ip) => ip === '10.0.0.2');") },
    expect: [],
  },
]);
