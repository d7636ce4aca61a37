/**
 * The fix plan checked by a second analysis of the patched copy (fix/converge.ts): what is still fixable after
 * the first patch is patched in the same run (so `fix` after `fix --write` prints nothing), and a patch after
 * which a finding appears that it cannot resolve is advice that says what lint would report, never written.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runFix } from '../../src/commands/fix.js';
import { lintPaths } from '../../src/engine/lint.js';
import { tree } from './tree.js';

const treeOf = (files: Record<string, string>) => tree(files, 'proxyproof-converge-');

const ids = async (dir: string) => new Set((await lintPaths(['.'], { cwd: dir })).report.findings.map((f) => f.id));

// Two locations proxy to the same upstream without Host or X-Forwarded-Proto: host-default-proxy-host reports the
// first and counts the second, forwarded-proto-missing reports both.
const TWO_LOCATIONS = `server {
    listen 443 ssl;
    server_name shop.example.org;
    ssl_certificate /etc/ssl/shop.pem;
    ssl_certificate_key /etc/ssl/shop.key;

    location /api/ {
        proxy_pass http://127.0.0.1:9000/api/;
    }

    location /media/ {
        proxy_pass http://127.0.0.1:9000/media/;
    }
}
`;

// Express behind Fly.io's proxy with trust proxy 0: the hop-count fix (2) gives the right req.ip, but Express
// then also believes a client's X-Forwarded-Host, which Fly passes through, and the app reads the host through
// that trust (req.hostname): the chain calls the host spoofable.
const FLY_EXPRESS = {
  'fly.toml': 'app = "demo"\n\n[http_service]\n  internal_port = 8080\n  force_https = true\n',
  'package.json': '{ "name": "demo", "dependencies": { "express": "^4.19.2", "express-rate-limit": "^7.0.0" } }\n',
  'server.js': `const express = require('express');
const rateLimit = require('express-rate-limit');
const app = express();
app.set('trust proxy', 0);
app.use(rateLimit({ windowMs: 60000, max: 100 }));
app.get('/', (req, res) => res.send(req.ip + ' ' + req.hostname));
app.listen(8080);
`,
};

test('converge: fix --write leaves nothing to fix, and fix on the result prints nothing (one run, every location)', async () => {
  const dir = treeOf({ 'site.conf': TWO_LOCATIONS });
  try {
    const before = await ids(dir);
    assert.ok(before.has('nginx/forwarded-proto-missing') && before.has('nginx/host-default-proxy-host'), [...before].join());
    const first = await runFix(['.'], { cwd: dir, write: true });
    assert.deepEqual(
      first.written.map((w) => w.status),
      ['written'],
    );
    const after = await ids(dir);
    for (const id of ['nginx/forwarded-proto-missing', 'nginx/host-default-proxy-host'])
      assert.ok(!after.has(id), `${id} still reported after fix --write:\n${readFileSync(join(dir, 'site.conf'), 'utf8')}`);
    for (const id of after) assert.ok(before.has(id), `new finding ${id} after fix --write`);
    const again = await runFix(['.'], { cwd: dir });
    assert.deepEqual(
      again.plan.patches.map((p) => p.diff),
      [],
      'fix on the fixed files prints nothing',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('converge: a patch after which lint reports a finding it cannot fix is advice naming that finding; nothing written', async () => {
  const dir = tree(FLY_EXPRESS);
  try {
    const run = await runFix(['.'], { cwd: dir, write: true });
    assert.equal(run.plan.patches.length, 0, run.plan.patches.map((p) => p.diff).join(''));
    assert.deepEqual(run.written, []);
    const a = run.plan.advice.find((x) => x.id === 'express/trust-proxy-unset');
    assert.ok(a, JSON.stringify(run.plan.advice));
    assert.match(
      a.reason,
      /^checked by analysing the patched files: after this change lint reports chain\/spoofable-backend \(high\) at server\.js:4: host spoofable/,
    );
    assert.equal(readFileSync(join(dir, 'server.js'), 'utf8'), FLY_EXPRESS['server.js']);
    // Without the check the same patch would be planned: the check is what turned it down.
    const unchecked = await runFix(['.'], { cwd: dir, check: false });
    assert.match(unchecked.plan.patches.map((p) => p.diff).join(''), /^\+app\.set\('trust proxy', 2\);$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Fastify trustProxy property is fixed in place (the options object still parses) and the finding goes', async () => {
  const dir = treeOf({
    'package.json': '{ "name": "g", "dependencies": { "fastify": "^4.28.1" } }\n',
    'index.js': `const fastify = require('fastify')({
\tlogger: false,
\ttrustProxy: !!(process.env.TRUST_PROXY)
});
fastify.get('/', async (request) => request.ip);
fastify.listen({ port: 3000, host: '127.0.0.1' });
`,
  });
  try {
    const run = await runFix(['.'], { cwd: dir, write: true });
    const diff = run.plan.patches.map((p) => p.diff).join('');
    assert.match(diff, /^-\ttrustProxy: !!\(process\.env\.TRUST_PROXY\)\n\+\ttrustProxy: '[^']+'$/m, diff);
    assert.ok(!(await ids(dir)).has('fastify/trust-proxy-all'));
    assert.deepEqual((await runFix(['.'], { cwd: dir })).plan.patches, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Fastify 4 app clients reach directly: trustProxy is not patched with a value the check calls wrong (advice: the bind)', async () => {
  const dir = treeOf({
    'package.json': '{ "name": "g", "dependencies": { "fastify": "^4.28.1" } }\n',
    'index.js': `const app = require('fastify')({ trustProxy: true });
app.listen({ port: 3000, host: '0.0.0.0' });
`,
  });
  try {
    const run = await runFix(['.'], { cwd: dir });
    assert.ok(
      !run.plan.patches.some((p) => p.findings.includes('fastify/trust-proxy-all')),
      run.plan.patches.map((p) => p.diff).join(''),
    );
    const a = run.plan.advice.find((x) => x.id === 'fastify/trust-proxy-all');
    assert.match(a?.description ?? '', /no trustProxy value is safe while the app listens on 0\.0\.0\.0:3000: bind it/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--proxy-address accepts an address or a network, nothing else', async () => {
  const { validProxyAddress } = await import('../../src/commands/fix.js');
  for (const ok of ['198.51.100.5', '10.0.0.0/8', '::1', 'fd00::/8']) assert.ok(validProxyAddress(ok), ok);
  for (const bad of ['proxy.example', '10.0.0', '1', '10.0.0.0/33', '', '<proxy address>'])
    assert.ok(!validProxyAddress(bad), bad);
});

// nginx on another host -> Express, as deployed from one folder: nginx.conf includes the site file by its absolute
// path (sites-enabled/* under this very folder), so the re-analysis must read the copy of the site, not the original.
function crossHostExpress(dir: string): Record<string, string> {
  return {
    'nginx/nginx.conf': `events {}\nhttp {\n    include ${dir}/nginx/sites-enabled/*;\n}\n`,
    'nginx/sites-enabled/app.test': `server {
    listen 443 ssl;
    server_name app.test;
    ssl_certificate /etc/ssl/app.pem;
    ssl_certificate_key /etc/ssl/app.key;

    location / {
        proxy_pass http://10.0.2.6:3000;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
`,
    'app/package.json': '{ "name": "a", "dependencies": { "express": "^4.19.2" } }\n',
    'app/server.js': `const express = require('express');
const app = express();
app.get('/', (req, res) => res.send(req.protocol + '://' + req.hostname));
app.listen(3000, '0.0.0.0');
`,
  };
}

test('converge: the trust of a proxy on another host (--proxy-address) brings the nginx X-Forwarded-Host overwrite it needs, also when nginx.conf includes the site by an absolute path', async () => {
  const dir = treeOf({});
  try {
    for (const [name, text] of Object.entries(crossHostExpress(dir))) {
      const p = join(dir, name);
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, text);
    }
    const dry = await runFix(['.'], { cwd: dir });
    assert.match(dry.plan.advice.find((a) => a.id === 'express/trust-proxy-unset')?.reason ?? '', /--proxy-address/);
    const run = await runFix(['.'], { cwd: dir, write: true, proxyAddress: '10.0.2.5' });
    const diff = run.plan.patches.map((p) => p.diff).join('');
    assert.match(diff, /^\+app\.set\('trust proxy', '10\.0\.2\.5'\);$/m, diff);
    // After the last header line of the location (the site file is the location's own file, not an include).
    assert.match(
      diff,
      /^ {9}proxy_set_header X-Forwarded-Proto \$scheme;\n\+ {8}proxy_set_header X-Forwarded-Host \$host;$/m,
      diff,
    );
    assert.ok(!run.plan.advice.some((a) => a.id === 'chain/spoofable-backend'), JSON.stringify(run.plan.advice));
    const after = await ids(dir);
    assert.ok(!after.has('express/trust-proxy-unset') && !after.has('chain/spoofable-backend'), [...after].join());
    assert.deepEqual((await runFix(['.'], { cwd: dir, proxyAddress: '10.0.2.5' })).plan.patches, [], 'idempotent');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('converge: gunicorn on another host started by an ExecStart continued over lines: --proxy-address writes the flag on its first line, the rest of the command kept', async () => {
  const unit = [
    '[Service]',
    'WorkingDirectory=/srv/app',
    'ExecStart=/srv/app/venv/bin/gunicorn \\',
    '    --workers 3 \\',
    '    --bind 0.0.0.0:8000 \\',
    '    mysite.wsgi:application',
    '',
  ].join('\n');
  const dir = treeOf({
    'app.service': unit,
    'site.conf': SITE_CROSS_HOST,
    'mysite/settings.py': 'DEBUG = False\nALLOWED_HOSTS = ["app.example.com"]\n',
    'mysite/wsgi.py':
      "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\nfrom django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
  });
  try {
    const dry = await runFix(['.'], { cwd: dir });
    assert.match(dry.plan.advice.find((a) => a.id === 'gunicorn/proxy-not-trusted')?.reason ?? '', /--proxy-address/);
    const run = await runFix(['.'], { cwd: dir, write: true, proxyAddress: '10.0.2.5' });
    const diff = run.plan.patches.map((p) => p.diff).join('');
    assert.match(
      diff,
      /^-ExecStart=\/srv\/app\/venv\/bin\/gunicorn \\\n\+ExecStart=\/srv\/app\/venv\/bin\/gunicorn --forwarded-allow-ips=10\.0\.2\.5 \\$/m,
      diff,
    );
    assert.deepEqual(
      readFileSync(join(dir, 'app.service'), 'utf8').split('\n').slice(3),
      unit.split('\n').slice(3),
      'the continued lines are kept',
    );
    assert.ok(!(await ids(dir)).has('gunicorn/proxy-not-trusted'));
    assert.deepEqual((await runFix(['.'], { cwd: dir, proxyAddress: '10.0.2.5' })).plan.patches, [], 'idempotent');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const SITE_CROSS_HOST = `server {
    listen 443 ssl;
    server_name app.example.com;
    ssl_certificate /etc/ssl/app.pem;
    ssl_certificate_key /etc/ssl/app.key;

    location / {
        proxy_pass http://10.0.2.6:8000;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
`;

test('converge: daphne behind nginx on a unix socket (multi-line ExecStart): --proxy-headers, and nginx X-Forwarded-For replaced by $remote_addr since daphne believes its left-most entry', async () => {
  const dir = treeOf({
    'daphne.service': [
      '[Service]',
      'ExecStart=/srv/app/env/bin/daphne \\',
      '\t-u /tmp/app.sock \\',
      '\tconfig.asgi:application',
      '',
    ].join('\n'),
    'nginx.conf': `server {
    listen 443 ssl;
    server_name app.example.com;
    ssl_certificate /etc/ssl/app.pem;
    ssl_certificate_key /etc/ssl/app.key;

    location /api/ {
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Host $host;
        proxy_pass http://unix:/tmp/app.sock;
    }
}
`,
  });
  try {
    const run = await runFix(['.'], { cwd: dir, write: true });
    const diff = run.plan.patches.map((p) => p.diff).join('');
    assert.match(diff, /^\+ExecStart=\/srv\/app\/env\/bin\/daphne --proxy-headers \\$/m, diff);
    assert.match(
      diff,
      /^- {8}proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;\n\+ {8}proxy_set_header X-Forwarded-For \$remote_addr;$/m,
      diff,
    );
    assert.deepEqual(run.plan.advice, []);
    const after = await ids(dir);
    assert.ok(!after.has('daphne/proxy-not-trusted') && !after.has('chain/spoofable-backend'), [...after].join());
    assert.deepEqual((await runFix(['.'], { cwd: dir })).plan.patches, [], 'idempotent');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Express trusting every peer with no proxy in the files and a port on every interface: no blind loopback, advice asking for --proxy-address', async () => {
  const dir = treeOf({
    'package.json': '{ "name": "a", "dependencies": { "express": "^4.19.2" } }\n',
    'server.js': `const express = require('express');
const app = express();
app.set('trust proxy', true);
app.get('/', (req, res) => res.send(req.protocol));
app.listen(3000);
`,
  });
  try {
    const run = await runFix(['.'], { cwd: dir });
    assert.ok(!run.plan.patches.some((p) => /loopback/.test(p.diff)), run.plan.patches.map((p) => p.diff).join(''));
    const a = run.plan.advice.find((x) => x.id === 'express/trust-proxy-all');
    assert.match(a?.reason ?? '', /--proxy-address/, JSON.stringify(run.plan.advice));
    const given = await runFix(['.'], { cwd: dir, proxyAddress: '10.0.2.5' });
    assert.match(given.plan.patches.map((p) => p.diff).join(''), /^\+app\.set\('trust proxy', '10\.0\.2\.5'\);$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// daphne in compose behind the nginx container: --proxy-headers makes daphne believe X-Forwarded-* from any peer,
// which is safe exactly when no other container shares its compose network (facts/compose-network.ts).
const DAPHNE_COMPOSE = (extra: string) => ({
  'docker-compose.yml': `services:
  nginx:
    image: nginx:1.25
    ports:
      - "443:443"
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
  web:
    build: ./app
    command: daphne -b 0.0.0.0 -p 8000 mysite.asgi:application
    expose:
      - "8000"
${extra}`,
  'nginx/default.conf': `server {
    listen 443 ssl;
    server_name example.com;
    ssl_certificate /etc/ssl/cert.pem;
    ssl_certificate_key /etc/ssl/key.pem;

    location / {
        proxy_pass http://web:8000;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
`,
  'app/Dockerfile': 'FROM python:3.12-slim\nRUN pip install django daphne\n',
  'app/mysite/settings.py': 'DEBUG = False\nALLOWED_HOSTS = ["example.com"]\nSECURE_SSL_REDIRECT = True\n',
});

test('converge: daphne in compose with the nginx container as its only neighbour: --proxy-headers is written, lint is clean of it after', async () => {
  const dir = treeOf(DAPHNE_COMPOSE(''));
  try {
    const before = await ids(dir);
    assert.ok(before.has('daphne/proxy-not-trusted'), [...before].join());
    const run = await runFix(['.'], { cwd: dir, write: true });
    const diff = run.plan.patches.map((p) => p.diff).join('');
    assert.match(diff, /^\+ {4}command: daphne --proxy-headers -b 0\.0\.0\.0 -p 8000 mysite\.asgi:application$/m, diff);
    assert.deepEqual(run.plan.advice, []);
    for (const w of run.written) assert.equal(w.status, 'written', JSON.stringify(w));
    const after = await ids(dir);
    for (const id of ['daphne/proxy-not-trusted', 'daphne/forwarded-allow-all', 'chain/spoofable-backend', 'chain/scheme-lost'])
      assert.ok(!after.has(id), `${id} after the fix: ${[...after].join()}`);
    assert.deepEqual((await runFix(['.'], { cwd: dir })).plan.patches, [], 'idempotent');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('converge: daphne in compose beside a worker container: --proxy-headers would let the worker forge https, so it stays advice naming that', async () => {
  const dir = treeOf(DAPHNE_COMPOSE('  worker:\n    build: ./app\n    command: python manage.py runworker channels\n'));
  try {
    const run = await runFix(['.'], { cwd: dir });
    assert.ok(!run.plan.patches.some((p) => p.file === 'docker-compose.yml'), run.plan.patches.map((p) => p.diff).join(''));
    const a = run.plan.advice.find((x) => x.id === 'daphne/proxy-not-trusted');
    assert.match(
      a?.reason ?? '',
      /daphne\/forwarded-allow-all .*every container on its network/,
      JSON.stringify(run.plan.advice),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A plan with the deployment's folder cut out of every file name, to compare runs from different working folders. */
function planShape(run: Awaited<ReturnType<typeof runFix>>, dir: string) {
  const cut = (s: string) =>
    s
      .split(`${dir}/`)
      .join('')
      .replace(/^([-+]{3} [ab]\/)\//gm, '$1');
  return {
    patches: run.plan.patches.map((p) => ({ file: cut(p.file), diff: cut(p.diff), updated: p.updated })),
    advice: run.plan.advice.map((a) => `${a.id} ${cut(a.file ?? '')}:${a.line ?? ''} ${cut(a.reason)}`),
  };
}

test('converge: fix on a folder outside the working folder is checked by the second analysis like one inside (same plan, demotions, rounds)', async () => {
  const elsewhere = treeOf({});
  const cases: Array<{ files: Record<string, string>; proxyAddress?: string }> = [
    { files: { 'site.conf': TWO_LOCATIONS } },
    { files: FLY_EXPRESS },
  ];
  const cross = treeOf({});
  try {
    cases.push({ files: crossHostExpress(cross), proxyAddress: '10.0.2.5' });
    for (const c of cases) {
      const dir = c === cases[2] ? cross : treeOf({});
      try {
        for (const [name, text] of Object.entries(c.files)) {
          mkdirSync(join(dir, name, '..'), { recursive: true });
          writeFileSync(join(dir, name), text);
        }
        const opts = c.proxyAddress ? { proxyAddress: c.proxyAddress } : {};
        const inside = await runFix(['.'], { cwd: dir, ...opts });
        const outside = await runFix([dir], { cwd: elsewhere, ...opts });
        assert.deepEqual(outside.notes, [], 'the plan was checked');
        assert.deepEqual(planShape(outside, dir), planShape(inside, dir));
        assert.ok(inside.plan.patches.length + inside.plan.advice.length > 0, 'a case with something to plan');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});
