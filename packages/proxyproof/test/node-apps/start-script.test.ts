// Node apps started through package scripts: `npm start` in a container's command, express-generator's `bin/www`
// (an extensionless script target serving another module's app), and where such an app runs.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { bindMountOf } from '../../src/collectors/deploy/collector.js';
import { packageScriptRun, scriptTargets } from '../../src/collectors/node/start-script.js';
import { lintPaths } from '../../src/engine/lint.js';
import { factsFromFiles } from './harness.js';

describe('packageScriptRun: the package script an argv runs', () => {
  const cases: Array<[string, string[], string | undefined]> = [
    ['npm start', ['npm', 'start'], 'start'],
    ['npm run start (absolute npm)', ['/usr/local/bin/npm', 'run', 'start'], 'start'],
    ['npm run-script serve', ['npm', 'run-script', 'serve'], 'serve'],
    ['yarn start', ['yarn', 'start'], 'start'],
    ['yarn run prod', ['yarn', 'run', 'prod'], 'prod'],
    ['pnpm serve', ['pnpm', 'serve'], 'serve'],
    ['sh -c with install first', ['sh', '-c', 'npm install && npm start'], 'start'],
    ['/bin/sh -c npm ci; npm run web', ['/bin/sh', '-c', 'npm ci; npm run web'], 'web'],
    ['npm --prefix x start (option skipped)', ['npm', '--silent', 'start'], 'start'],
    // traps: no script runs
    ['trap: npm install', ['npm', 'install'], undefined],
    ['trap: npm run (no name)', ['npm', 'run'], undefined],
    ['trap: yarn build is yarn install/build verb', ['yarn', 'build'], undefined],
    ['trap: node server.js', ['node', 'server.js'], undefined],
    ['trap: zsh', ['zsh'], undefined],
  ];
  for (const [name, argv, want] of cases) it(name, () => assert.equal(packageScriptRun(argv), want));
});

describe('scriptTargets: the files a script runs with node', () => {
  const cases: Array<[string, string, string[]]> = [
    ['node ./bin/www', 'node ./bin/www', ['/p/bin/www']],
    ['nodemon', 'nodemon approov-protected-server.js', ['/p/approov-protected-server.js']],
    ['node -r dotenv/config', 'node -r dotenv/config dist/main.js', ['/p/dist/main.js']],
    ['env assignment first', 'NODE_ENV=production node server.js', ['/p/server.js']],
    ['two commands', 'npm run build && node build', ['/p/build']],
    ['trap: no runner', 'next start', []],
    ['trap: runner with no file', 'node --version', []],
  ];
  for (const [name, command, want] of cases) it(name, () => assert.deepEqual(scriptTargets(command, '/p'), want));
});

const APP_JS =
  "var express = require('express');\nvar app = express();\napp.get('/', function (req, res) { res.send(req.protocol); });\nmodule.exports = app;\n";
/** express-generator's bin/www, written anew: port through a parsing helper, server on the required app. */
const BIN_WWW = [
  '#!/usr/bin/env node',
  "var app = require('../app');",
  "var http = require('http');",
  "var port = normalizePort(process.env.PORT || '3000');",
  "app.set('port', port);",
  'var server = http.createServer(app);',
  'server.listen(port);',
  'function normalizePort(val) {',
  '  var port = parseInt(val, 10);',
  '  if (isNaN(port)) return val;',
  '  return port >= 0 ? port : false;',
  '}',
  '',
].join('\n');
const PACKAGE = JSON.stringify({ name: 'site', scripts: { start: 'node ./bin/www' }, dependencies: { express: '4.18.2' } });

describe('express-generator layout: bin/www serves app.js', () => {
  it('the listen of bin/www belongs to app.js; the port comes through normalizePort from PORT (default 3000)', async () => {
    const { facts } = await factsFromFiles({ 'package.json': PACKAGE, 'app.js': APP_JS, 'bin/www': BIN_WWW });
    const s = facts.appServers.find((x) => x.kind === 'node');
    assert.ok(s, 'no node app server');
    assert.match(s.appTarget ?? '', /express app `app` \(app\.js:2\)/);
    assert.deepEqual([s.binds[0]?.ref?.file, s.binds[0]?.ref?.line, s.binds[0]?.port], ['bin/www', 7, 3000]);
  });
  it('trap: a bin/www no script runs is not read', async () => {
    const { facts } = await factsFromFiles({
      'package.json': JSON.stringify({ name: 'site', scripts: { start: 'node server.js' } }),
      'app.js': APP_JS,
      'bin/www': BIN_WWW,
    });
    assert.equal(facts.appServers.filter((x) => x.kind === 'node').length, 0);
  });
  it('trap: createServer on a module that creates no Express app attaches nothing', async () => {
    const { facts } = await factsFromFiles({
      'package.json': PACKAGE,
      'app.js': "module.exports = function (req, res) { res.end('ok'); };\n",
      'bin/www': BIN_WWW,
    });
    assert.equal(facts.appServers.filter((x) => x.kind === 'node').length, 0);
  });
  it('placed in the container of the image whose CMD runs `npm run start` (no compose file): not exposed', async () => {
    const { facts } = await factsFromFiles({
      'package.json': PACKAGE,
      'app.js': APP_JS,
      'bin/www': BIN_WWW,
      Dockerfile: 'FROM node:20-alpine\nENV PORT=8000\nWORKDIR /app\nCOPY . .\nCMD ["npm", "run", "start"]\n',
    });
    const s = facts.appServers.find((x) => x.kind === 'node');
    assert.deepEqual([s?.binds[0]?.port, s?.binds[0]?.container, s?.binds[0]?.reach], [8000, true, 'container-network']);
    assert.ok(
      s?.notes?.some((n) => /Dockerfile:5 runs the "start" script \(package\.json:1\)/.test(n)),
      s?.notes?.join('; '),
    );
  });
  it('trap: an image that runs another script does not place the app', async () => {
    const { facts } = await factsFromFiles({
      'package.json': JSON.stringify({ name: 'site', scripts: { start: 'node ./bin/www', worker: 'node worker.js' } }),
      'app.js': APP_JS,
      'bin/www': BIN_WWW,
      Dockerfile: 'FROM node:20-alpine\nCOPY . .\nCMD ["npm", "run", "worker"]\n',
    });
    const s = facts.appServers.find((x) => x.kind === 'node');
    assert.deepEqual([s?.binds[0]?.container, s?.binds[0]?.reach], [undefined, 'network']);
  });
});

describe('express-generator behind an nginx container (image-only compose services)', () => {
  const files: Record<string, string> = {
    'package.json': PACKAGE,
    'app.js': APP_JS,
    'bin/www': BIN_WWW,
    Dockerfile: 'FROM node:20-alpine\nENV PORT=80\nWORKDIR /app\nCOPY . .\nCMD ["/usr/local/bin/npm", "run", "start"]\n',
    'deploy/docker-compose.yml':
      'services:\n  site:\n    image: acme/site-web\n  nginx:\n    image: acme/site-nginx\n    ports:\n      - 443:443\n',
    'nginx/site.conf': [
      'upstream site { server site:80; }',
      'server {',
      '  listen 443 ssl;',
      '  server_name site.example.com;',
      '  ssl_certificate /etc/ssl/site.pem;',
      '  ssl_certificate_key /etc/ssl/site.key;',
      '  location / {',
      '    proxy_pass http://site;',
      '    proxy_set_header X-Forwarded-Proto $scheme;',
      '  }',
      '}',
      '',
    ].join('\n'),
  };
  it('the app runs in service site on :80 (the image ENV), linked; no backend-port-published, trust-proxy-unset at the chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-www-'));
    try {
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      const { report } = await lintPaths([dir], { cwd: dir });
      const ids = report.findings.map((f) => `${f.severity} ${f.id}`);
      assert.ok(!ids.some((x) => x.includes('deploy/backend-port-published')), ids.join(', '));
      assert.ok(!ids.some((x) => x.includes('chain/link-unresolved')), ids.join(', '));
      assert.ok(ids.includes('high express/trust-proxy-unset'), ids.join(', '));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bindMountOf: compose volumes that mount a host folder', () => {
  const cases: Array<[string, unknown, { source: string; target: string } | undefined]> = [
    ['relative', './server:/home/node/app', { source: './server', target: '/home/node/app' }],
    ['absolute, read-only', '/srv/site:/app:ro', { source: '/srv/site', target: '/app' }],
    ['long syntax bind', { type: 'bind', source: './src', target: '/src' }, { source: './src', target: '/src' }],
    ['trap: named volume', 'node_modules:/app/node_modules', undefined],
    ['trap: anonymous volume', '/app/node_modules', undefined],
    ['trap: long syntax volume', { type: 'volume', source: 'data', target: '/data' }, undefined],
  ];
  for (const [name, item, want] of cases) it(name, () => assert.deepEqual(bindMountOf(item), want));
});

describe('compose `command: sh -c "npm install && npm start"` on a bind-mounted package', () => {
  const server = "const express = require('express');\nconst app = express();\napp.listen(process.env.PORT || 8002);\n";
  const pkg = (file: string) => JSON.stringify({ name: 'x', scripts: { start: `node ${file}` } });
  it('each app is placed in the service that mounts its folder and runs its start script, not the first built from ./', async () => {
    const { facts } = await factsFromFiles({
      'docker-compose.yml': [
        'services:',
        '  plain:',
        '    build: ./',
        '    command: sh -c "npm install && npm start"',
        '    ports:',
        '      - 127.0.0.1:8002:8002',
        '    volumes:',
        '      - ./servers/plain:/home/node/workspace',
        '  guarded:',
        '    build: ./',
        '    command: sh -c "npm install && npm start"',
        '    expose:',
        '      - 8002',
        '    volumes:',
        '      - ./servers/guarded:/home/node/workspace',
        '',
      ].join('\n'),
      Dockerfile: 'FROM node:20-slim\nWORKDIR /home/node/workspace\nCMD ["zsh"]\n',
      'servers/plain/package.json': pkg('plain.js'),
      'servers/plain/plain.js': server,
      'servers/guarded/package.json': pkg('guarded.js'),
      'servers/guarded/guarded.js': server,
    });
    const byFile = Object.fromEntries(facts.appServers.filter((s) => s.kind === 'node').map((s) => [s.binds[0]?.ref?.file, s]));
    assert.deepEqual(
      [byFile['servers/plain/plain.js']?.service, byFile['servers/plain/plain.js']?.binds[0]?.reach],
      ['plain', 'host-loopback'],
    );
    assert.deepEqual(
      [byFile['servers/guarded/guarded.js']?.service, byFile['servers/guarded/guarded.js']?.binds[0]?.reach],
      ['guarded', 'container-network'],
    );
  });
});
