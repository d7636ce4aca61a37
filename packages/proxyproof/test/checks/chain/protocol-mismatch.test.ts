import { test } from 'node:test';
import { protocolMismatch as check } from '../../../src/checks/chain/protocol-mismatch.js';
import { type Case, runCase } from '../../python/lint-files.js';

const INI = (socket: string) => `[uwsgi]\nplugins = python3\nchdir = /srv/app\nmodule = mysite.wsgi:application\n${socket}\n`;
const SETTINGS = "SECRET_KEY = 'x'\nALLOWED_HOSTS = ['a.test']\n";
/** An nginx TLS site whose `location /` (line 5) passes with `pass` (line 6). */
const NGINX = (pass: string, extra: string[] = []) =>
  [
    'http {',
    '    server {',
    '        listen 443 ssl;',
    '        server_name a.test;',
    '        location / {',
    `            ${pass}`,
    ...extra.map((e) => `            ${e}`),
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');
const files = (socket: string, pass: string, extra?: string[]) => ({
  'uwsgi.ini': INI(socket),
  'mysite/settings.py': SETTINGS,
  'nginx.conf': NGINX(pass, extra),
});

const cases: Case[] = [
  {
    name: 'invalid: proxy_pass http:// to a uWSGI socket = (uwsgi protocol): 502 on every request',
    files: files('socket = 127.0.0.1:8001', 'proxy_pass http://127.0.0.1:8001;', ['proxy_set_header X-Forwarded-Proto $scheme;']),
    expect: {
      count: 1,
      severity: 'high',
      file: 'nginx.conf',
      line: 6,
      message: /sends HTTP to .*uwsgi protocol.*invalid request block size.*502/,
    },
  },
  {
    name: 'invalid: proxy_pass http:// to uwsgi-socket = (the same uwsgi protocol under its long name)',
    files: files('uwsgi-socket = 127.0.0.1:8001', 'proxy_pass http://127.0.0.1:8001;'),
    expect: { count: 1, severity: 'high' },
  },
  {
    name: 'valid: uwsgi_pass to a uWSGI socket =',
    files: files('socket = 127.0.0.1:8001', 'uwsgi_pass 127.0.0.1:8001;', ['include uwsgi_params;']),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): proxy_pass http:// to a uWSGI http-socket = (uWSGI speaks HTTP there)',
    files: files('http-socket = 127.0.0.1:8001', 'proxy_pass http://127.0.0.1:8001;', [
      'proxy_set_header X-Forwarded-Proto $scheme;',
    ]),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): proxy_pass to another port than the uWSGI socket (not linked to it)',
    files: files('socket = 127.0.0.1:8001', 'proxy_pass http://127.0.0.1:9000;'),
    expect: { count: 0 },
  },
];

for (const c of cases) test(`chain/protocol-mismatch: ${c.name}`, () => runCase(check, c).then(() => undefined));
