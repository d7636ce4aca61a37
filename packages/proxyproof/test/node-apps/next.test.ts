/**
 * Next.js `next start` as an app server and app end (collectors/node/next.ts): next 15.5 keeps X-Forwarded-Proto
 * from any peer and fills `http` when none arrives (dist/server/base-server.js), so behind a TLS nginx the scheme
 * is lost at nginx unless it sends the header. The lab's scenario 46 checks the same on the real next and Chromium.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';
import { nextStartOptions } from '../../src/collectors/node/next.js';

const base = mkdtempSync(join(tmpdir(), 'pp-next-'));
after(() => rmSync(base, { recursive: true, force: true }));

const PKG =
  '{\n  "name": "web",\n  "scripts": { "start": "next start" },\n  "dependencies": { "next": "15.5.29", "react": "19.2.9" }\n}\n';
const UNIT = (exec: string) =>
  `[Unit]\nDescription=web\n\n[Service]\nWorkingDirectory=/srv/web\nEnvironment=NODE_ENV=production\nExecStart=${exec}\n`;
const SITE = (xfp: boolean) =>
  [
    'server {',
    '    listen 443 ssl;',
    '    server_name app.example.org;',
    '    ssl_certificate /etc/ssl/a.pem;',
    '    ssl_certificate_key /etc/ssl/a.key;',
    '    location / {',
    '        proxy_pass http://127.0.0.1:3000;',
    '        proxy_set_header Host $host;',
    ...(xfp ? ['        proxy_set_header X-Forwarded-Proto $scheme;'] : []),
    '    }',
    '}',
    '',
  ].join('\n');

function tree(name: string, files: Record<string, string>): string {
  const dir = join(base, name);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

test('nextStartOptions reads -p/-H, --port=/--hostname=, and the next binary by path', () => {
  const cases: Array<[string, ReturnType<typeof nextStartOptions>]> = [
    ['next start', {}],
    ['next start -p 4000 -H 127.0.0.1', { port: '4000', host: '127.0.0.1' }],
    ['/usr/bin/node node_modules/next/dist/bin/next start --port=3001 --hostname=0.0.0.0', { port: '3001', host: '0.0.0.0' }],
    ['npx next start --port 8080', { port: '8080' }],
    // traps: not a start
    ['next build', null],
    ['next dev -p 3000', null],
    ['node server.js', null],
  ];
  for (const [cmd, want] of cases) assert.deepEqual(nextStartOptions(cmd.split(' ')), want, cmd);
});

test('nginx TLS -> next start without X-Forwarded-Proto: lost at nginx; with it: https', async () => {
  const exec = '/usr/bin/node node_modules/next/dist/bin/next start -H 127.0.0.1 -p 3000';
  for (const [xfp, status] of [
    [false, 'lost'],
    [true, 'correct'],
  ] as const) {
    const dir = tree(`chain-${xfp}`, { 'web/package.json': PKG, 'web/web.service': UNIT(exec), 'nginx/site.conf': SITE(xfp) });
    const { analysis, facts } = await runDoctor([dir]);
    const next = facts.appServers.find((s) => s.name === 'next');
    assert.deepEqual(
      next?.binds.map((b) => [b.host, b.port, b.exposure]),
      [['127.0.0.1', 3000, 'loopback']],
    );
    const fw = facts.frameworks.find((f) => f.kind === 'nextjs');
    assert.deepEqual(fw?.appEnd?.schemeHeaders, ['x-forwarded-proto']);
    const r = analysis.verdict.routes[0];
    assert.equal(r?.scheme.status, status, JSON.stringify(r?.scheme));
    if (!xfp) assert.equal(r?.scheme.lostAt?.label.split(' ')[0], 'nginx');
  }
});

test('next start on every interface (no -H): the app end believes X-Forwarded-Proto from anyone; PORT from the unit', async () => {
  const dir = tree('public', {
    'web/package.json': PKG,
    'web/web.service': UNIT('/usr/bin/node node_modules/.bin/next start').replace(
      'Environment=NODE_ENV',
      'Environment=PORT=8081\nEnvironment=NODE_ENV',
    ),
  });
  const { facts } = await runDoctor([dir]);
  const next = facts.appServers.find((s) => s.name === 'next');
  assert.deepEqual(
    next?.binds.map((b) => [b.host, b.port, b.exposure]),
    [['0.0.0.0', 8081, 'all-interfaces']],
  );
  assert.deepEqual(facts.frameworks.find((f) => f.kind === 'nextjs')?.appEnd?.trustScheme.value, ['*']);
});

test('trap: a package\'s own "start": "next start" script is not a deployment (an image may run server.js)', async () => {
  const dir = tree('script-only', {
    'web/package.json': PKG,
    'web/Dockerfile': 'FROM node:20\nCMD ["node", "server.js"]\n',
    'nginx/site.conf': SITE(false),
  });
  const { facts } = await runDoctor([dir]);
  assert.equal(
    facts.appServers.find((s) => s.name === 'next'),
    undefined,
  );
  assert.equal(
    facts.frameworks.find((f) => f.kind === 'nextjs' && f.appEnd),
    undefined,
  );
});

test('a unit running the package\'s start script (npm run start -- -p 4000, yarn start, bash -c "... npm start") is next start', async () => {
  const rows: Array<[string, string, [string, number] | undefined]> = [
    ['/usr/bin/npm run start -- -p 4000 -H 127.0.0.1', 'next start', ['127.0.0.1', 4000]],
    ['/usr/bin/yarn start', 'next start -p 3005', ['0.0.0.0', 3005]],
    [
      "/bin/bash -c 'source /root/.nvm/nvm.sh && /root/.nvm/versions/node/v20.15.0/bin/npm start'",
      'next start',
      ['0.0.0.0', 3000],
    ],
    // traps: the start script is not next start; npm runs another script
    ['/usr/bin/npm start', 'node server.js', undefined],
    ['/usr/bin/npm run build', 'next start', undefined],
  ];
  for (const [exec, start, want] of rows) {
    const dir = tree(`script-${rows.findIndex((r) => r[0] === exec)}`, {
      'web/package.json': PKG.replace('"start": "next start"', `"start": "${start}"`),
      'web/web.service': UNIT(exec),
      'nginx/site.conf': SITE(true),
    });
    const { facts } = await runDoctor([dir]);
    const next = facts.appServers.find((s) => s.name === 'next');
    assert.deepEqual(next ? [next.binds[0]?.host, next.binds[0]?.port] : undefined, want, exec);
  }
});

test('containers: compose `command: npm start`, an image CMD `npx next start`, a standalone `node server.js` are next start', async () => {
  const NGINX_SVC =
    '  nginx:\n    image: nginx:1.25\n    ports: ["443:443"]\n    volumes: ["./site.conf:/etc/nginx/conf.d/default.conf:ro"]\n';
  const site = (xfp: boolean) => SITE(xfp).replace('http://127.0.0.1:3000', 'http://web:3000');
  const STANDALONE =
    'FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nFROM node:20\nWORKDIR /app\nCOPY --from=build /app/.next/standalone ./\nCOPY --from=build /app/.next/static ./.next/static\nCMD ["node", "server.js"]\n';
  const rows: Array<[string, Record<string, string>, [string, number] | undefined]> = [
    [
      'compose-npm',
      { 'compose.yaml': `services:\n  web:\n    build: .\n    command: npm start\n${NGINX_SVC}` },
      ['0.0.0.0', 3000],
    ],
    [
      'image-npx',
      {
        Dockerfile: 'FROM node:20\nWORKDIR /app\nCOPY . .\nCMD ["npx", "next", "start", "-p", "3000"]\n',
        'compose.yaml': `services:\n  web:\n    build: .\n${NGINX_SVC}`,
      },
      ['0.0.0.0', 3000],
    ],
    [
      'standalone',
      {
        Dockerfile: STANDALONE,
        'compose.yaml': `services:\n  web:\n    build: .\n    environment:\n      PORT: "3000"\n      HOSTNAME: 0.0.0.0\n${NGINX_SVC}`,
      },
      ['0.0.0.0', 3000],
    ],
    // traps: an image no compose service runs (deployed elsewhere: its CMD is not where it listens); compose runs
    // another script; a `node server.js` of an image that copies no standalone output
    ['image-only', { Dockerfile: 'FROM node:20\nWORKDIR /app\nCOPY . .\nCMD ["npx", "next", "start"]\n' }, undefined],
    ['compose-build', { 'compose.yaml': `services:\n  web:\n    build: .\n    command: npm run build\n${NGINX_SVC}` }, undefined],
    [
      'plain-server-js',
      {
        Dockerfile: 'FROM node:20\nCOPY . .\nCMD ["node", "server.js"]\n',
        'compose.yaml': `services:\n  web:\n    build: .\n${NGINX_SVC}`,
      },
      undefined,
    ],
  ];
  for (const [name, files, want] of rows) {
    for (const xfp of [false, true]) {
      const dir = tree(`container-${name}-${xfp}`, { 'package.json': PKG, 'site.conf': site(xfp), ...files });
      const { analysis, facts } = await runDoctor([dir]);
      const next = facts.appServers.find((s) => s.name === 'next');
      assert.deepEqual(next ? [next.binds[0]?.host, next.binds[0]?.port] : undefined, want, name);
      if (!want) continue;
      assert.equal(next?.service, 'web', name);
      assert.equal(next?.binds[0]?.container, true, name);
      // Linked: the chain reaches Next.js through nginx, and decides the scheme there.
      const r = analysis.verdict.routes[0];
      assert.equal(r?.scheme.status, xfp ? 'correct' : 'lost', `${name} ${xfp}: ${JSON.stringify(r?.scheme)}`);
      if (!xfp) assert.equal(r?.scheme.lostAt?.label.split(' ')[0], 'nginx', name);
    }
  }
});
