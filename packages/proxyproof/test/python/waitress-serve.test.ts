/**
 * `waitress-serve` on a command line (collectors/pywsgi/collector.ts): its long options read as waitress's
 * `Adjustments.parse_args` reads them, wherever the tree launches it (a unit, a compose service's image CMD), and the
 * server placed there. Checked on Debian's waitress 2.1.2 (`python3 -m waitress --listen=127.0.0.1:P ... app:app`, a
 * request from 127.0.0.1 with `X-Forwarded-Proto: https`): `--trusted-proxy=127.0.0.1` alone -> https (X-Forwarded-Proto
 * trusted implicitly), with `--trusted-proxy-headers=x-forwarded-for` -> http, `'--trusted-proxy=*'
 * '--trusted-proxy-headers=x-forwarded-proto x-forwarded-for'` -> https.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';
import { waitressServeArgs } from '../../src/collectors/pywsgi/collector.js';
import { scratchTrees } from '../scratch-trees.js';

const tree = scratchTrees('pp-waitress-serve-');

const APP = 'from flask import Flask, request\napp = Flask(__name__)\n@app.route("/")\ndef index():\n    return request.url\n';
const UNIT = (exec: string) => `[Service]\nWorkingDirectory=/srv/app\nExecStart=${exec}\n[Install]\nWantedBy=multi-user.target\n`;
const NGINX = (xfp: boolean) =>
  [
    'events {}',
    'http {',
    '  server {',
    '    listen 443 ssl;',
    '    server_name example.com;',
    '    ssl_certificate /etc/ssl/c.pem;',
    '    ssl_certificate_key /etc/ssl/k.pem;',
    '    location / {',
    '      proxy_pass http://127.0.0.1:8000;',
    '      proxy_set_header Host $host;',
    ...(xfp ? ['      proxy_set_header X-Forwarded-Proto $scheme;'] : []),
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

test('waitressServeArgs: --name=value and --name value, repeated --listen, an exec-form header list split in words', () => {
  const rows: Array<[string[], ReturnType<typeof waitressServeArgs>]> = [
    [
      ['/usr/bin/waitress-serve', '--listen=127.0.0.1:8000', '--listen', '[::1]:8000', 'app:app'],
      { listen: ['127.0.0.1:8000', '[::1]:8000'], trustedProxyHeaders: [] },
    ],
    [
      [
        'waitress-serve',
        '--port=8080',
        '--trusted-proxy=*',
        '--trusted-proxy-headers=x-forwarded-proto',
        'x-forwarded-for',
        'app:app',
      ],
      { listen: [], port: '8080', trustedProxy: '*', trustedProxyHeaders: ['x-forwarded-proto', 'x-forwarded-for'] },
    ],
    [
      ['python', '-m', 'waitress', '--host', '0.0.0.0', '--port', '5000', '--trusted-proxy', '10.0.0.2', 'app:app'],
      { listen: [], host: '0.0.0.0', port: '5000', trustedProxy: '10.0.0.2', trustedProxyHeaders: [] },
    ],
    [
      ['waitress-serve', '--unix-socket=/run/app.sock', 'app:app'],
      { listen: [], unixSocket: '/run/app.sock', trustedProxyHeaders: [] },
    ],
    [['waitress-serve', '--url-scheme=https', 'app:app'], { listen: [], urlScheme: 'https', trustedProxyHeaders: [] }],
    // traps: no waitress started (pip installs it; a word that only contains the name)
    [['pip', 'install', 'waitress'], undefined],
    [['gunicorn', 'waitress_app:app'], undefined],
  ];
  for (const [words, want] of rows) assert.deepEqual(waitressServeArgs(words), want, words.join(' '));
});

test('a unit running waitress-serve is the hop nginx reaches: scheme by its trusted_proxy_headers', async () => {
  const rows: Array<[string, string, boolean, 'lost' | 'correct']> = [
    // invalid: the headers list leaves X-Forwarded-Proto out: lost at waitress although nginx sends it
    ['xff-only', '--trusted-proxy=127.0.0.1 --trusted-proxy-headers="x-forwarded-for"', true, 'lost'],
    ['no-trust', '', true, 'lost'],
    // valid
    ['proto', '--trusted-proxy=127.0.0.1 --trusted-proxy-headers="x-forwarded-proto x-forwarded-for"', true, 'correct'],
    // trap: no headers listed looks like "nothing trusted", but waitress then trusts X-Forwarded-Proto alone
    ['implicit', '--trusted-proxy=127.0.0.1', true, 'correct'],
  ];
  for (const [name, opts, xfp, status] of rows) {
    const dir = tree(`unit-${name}`, {
      'app.service': UNIT(`/usr/bin/waitress-serve --listen=127.0.0.1:8000 ${opts} app:app`),
      'nginx.conf': NGINX(xfp),
      'app.py': APP,
    });
    const { analysis, facts } = await runDoctor([dir]);
    const w = facts.appServers.find((s) => s.name === 'waitress');
    assert.deepEqual(
      w?.binds.map((b) => [b.host, b.port, b.exposure]),
      [['127.0.0.1', 8000, 'loopback']],
      name,
    );
    assert.equal(w?.launch.via, 'systemd', name);
    const r = analysis.verdict.routes[0];
    assert.equal(r?.scheme.status, status, `${name}: ${JSON.stringify(r?.scheme)}`);
    if (status === 'lost') assert.match(r?.scheme.lostAt?.label ?? '', /^waitress/, name);
  }
});

test('an image CMD waitress-serve --trusted-proxy=* published by compose: trusts everyone on a published port', async () => {
  const cmd = (trust: string) =>
    `FROM python:3.12\nCOPY . /app\nWORKDIR /app\nCMD ["waitress-serve", "--port=8080", ${trust}"app:app"]\n`;
  const compose = (port: string) => `services:\n  app:\n    build: .\n    ports:\n      - "${port}"\n`;
  const rows: Array<[string, string, string, string | undefined]> = [
    ['trust-all', '"--trusted-proxy=*", "--trusted-proxy-headers=x-forwarded-proto x-forwarded-for", ', '8080:8080', 'high'],
    // valid: the same published on loopback only
    ['loopback', '"--trusted-proxy=*", "--trusted-proxy-headers=x-forwarded-proto", ', '127.0.0.1:8080:8080', undefined],
  ];
  for (const [name, trust, port, severity] of rows) {
    const dir = tree(`image-${name}`, { Dockerfile: cmd(trust), 'compose.yaml': compose(port), 'app.py': APP });
    const { all, facts } = await runDoctor([dir]);
    const w = facts.appServers.find((s) => s.name === 'waitress');
    assert.equal(w?.service, 'app', name);
    assert.deepEqual(w?.trustedProxies.value, ['*'], name);
    assert.equal(w?.binds[0]?.container, true, name);
    const f = all.findings.find((x) => x.id === 'deploy/backend-port-published');
    assert.equal(f?.severity, severity, name);
    if (severity) assert.match(f?.message ?? '', /trusts X-Forwarded-\* from anyone/, name);
  }
});

test('a shell script continuing waitress-serve over lines (trailing backslashes): its options are read', async () => {
  const script =
    "#!/bin/sh\n\nwaitress-serve \\\n  --listen \"*:8080\" \\\n  --trusted-proxy '*' \\\n  --trusted-proxy-headers 'x-forwarded-for x-forwarded-proto' \\\n  --call 'app:create_app'\n";
  const dir = tree('continued', { 'run_server.sh': script, Procfile: 'web: sh run_server.sh\n', 'app.py': APP });
  const { facts } = await runDoctor([dir]);
  const w = facts.appServers.find((s) => s.name === 'waitress');
  assert.deepEqual(w?.trustedProxies.value, ['*']);
  assert.deepEqual(w?.schemeHeaders.value, { 'X-FORWARDED-PROTO': 'https' });
  assert.deepEqual(
    w?.binds.map((b) => [b.host, b.port]),
    [['0.0.0.0', 8080]],
  );
  assert.equal(w?.launch.line, 3);
});
