import { test } from 'node:test';
import { uwsgiSchemeDowngrade as check } from '../../../src/checks/appserver/uwsgi-scheme-downgrade.js';
import { type Case, runCase } from '../../python/lint-files.js';

const INI = (socket: string) =>
  `[uwsgi]\nplugins = python3\nchdir = /srv/app\nmodule = mysite.wsgi:application\nenv = DJANGO_SETTINGS_MODULE=mysite.settings\n${socket}\n`;
const SETTINGS = "SECRET_KEY = 'x'\nALLOWED_HOSTS = ['a.test']\n";
/** An nginx TLS site passing `/` to uWSGI with these params; the location is line 5. */
const NGINX = (params: string[], listen = '443 ssl') =>
  [
    'http {',
    '    server {',
    `        listen ${listen};`,
    '        server_name a.test;',
    '        location / {',
    '            uwsgi_pass 127.0.0.1:8001;',
    ...params.map((p) => `            ${p}`),
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');
const files = (params: string[], listen?: string) => ({
  'uwsgi.ini': INI('socket = 127.0.0.1:8001'),
  'mysite/settings.py': SETTINGS,
  'nginx.conf': NGINX(params, listen),
});

const cases: Case[] = [
  {
    name: 'invalid: UWSGI_SCHEME $scheme only (the client X-Forwarded-Proto arrives after it and wins)',
    files: files(['uwsgi_param UWSGI_SCHEME $scheme;']),
    expect: { count: 1, severity: 'info', file: 'nginx.conf', line: 5, message: /X-Forwarded-Proto: http/, mechanical: false },
  },
  {
    name: 'invalid: stock HTTPS $https if_not_empty only',
    files: files(['uwsgi_param HTTPS $https if_not_empty;']),
    expect: { count: 1, severity: 'info', file: 'nginx.conf', line: 5 },
  },
  {
    name: 'valid: uwsgi_param HTTP_X_FORWARDED_PROTO $scheme replaces the client header',
    files: files(['uwsgi_param UWSGI_SCHEME $scheme;', 'uwsgi_param HTTP_X_FORWARDED_PROTO $scheme;']),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): nothing tells uWSGI about TLS (the app already believes http: scheme-lost, not a downgrade)',
    files: files(['uwsgi_param QUERY_STRING $query_string;']),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a plain-HTTP listener (an upgrade spoof, chain/spoofable-backend, not this)',
    files: files(['uwsgi_param UWSGI_SCHEME $scheme;'], '80'),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): gunicorn behind proxy_pass (not uWSGI)',
    files: {
      'mysite/settings.py': SETTINGS,
      'gunicorn.conf.py': "bind = '127.0.0.1:8001'\nwsgi_app = 'mysite.wsgi:application'\n",
      'nginx.conf':
        'http { server { listen 443 ssl; server_name a.test; location / { proxy_pass http://127.0.0.1:8001; proxy_set_header X-Forwarded-Proto $scheme; } } }\n',
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(`appserver/uwsgi-scheme-downgrade: ${c.name}`, () => runCase(check, c).then(() => undefined));
