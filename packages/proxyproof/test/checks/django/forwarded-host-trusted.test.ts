import { test } from 'node:test';
import { forwardedHostTrusted as check } from '../../../src/checks/django/forwarded-host-trusted.js';
import { compose, settings, systemdUnit, WSGI } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const on = settings(['USE_X_FORWARDED_HOST = True', "ALLOWED_HOSTS = ['example.com']"]);

const cases: Case[] = [
  {
    name: 'valid: not set',
    files: { 'mysite/settings.py': settings(["ALLOWED_HOSTS = ['example.com']"]) },
    expect: { count: 0 },
  },
  { name: 'valid: False', files: { 'mysite/settings.py': settings(['USE_X_FORWARDED_HOST = False']) }, expect: { count: 0 } },
  {
    name: 'medium: set, app on loopback (the chain decides)',
    files: {
      'mysite/settings.py': on,
      'mysite/wsgi.py': WSGI,
      'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 mysite.wsgi'),
    },
    expect: { count: 1, severity: 'medium', line: 7 },
  },
  {
    name: 'high: set and the app port is published',
    files: {
      'mysite/settings.py': on,
      'mysite/wsgi.py': WSGI,
      'compose.yaml': compose(['command: gunicorn mysite.wsgi -b 0.0.0.0:8000', 'ports: ["8000:8000"]']),
    },
    expect: { count: 1, severity: 'high', message: /reachable without the proxy/ },
  },
  {
    name: "high: set with ALLOWED_HOSTS = ['*']",
    files: { 'mysite/settings.py': settings(['USE_X_FORWARDED_HOST = True', "ALLOWED_HOSTS = ['*']"]) },
    expect: { count: 1, severity: 'high', message: /ALLOWED_HOSTS/ },
  },
  {
    name: 'medium (trap): published on 127.0.0.1 only',
    files: {
      'mysite/settings.py': on,
      'mysite/wsgi.py': WSGI,
      'compose.yaml': compose(['command: gunicorn mysite.wsgi -b 0.0.0.0:8000', 'ports: ["127.0.0.1:8000:8000"]']),
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'info: app on loopback and nginx sets X-Forwarded-Host on every route to it',
    files: {
      'mysite/settings.py': on,
      'mysite/wsgi.py': WSGI,
      'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 mysite.wsgi'),
      'nginx/sites-enabled/site.conf':
        'server {\n    listen 443 ssl;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header X-Forwarded-Host $http_host;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n',
    },
    expect: { count: 1, severity: 'info', message: /nginx sets it on every route/ },
  },
  {
    name: "medium (trap): nginx passes the client's own X-Forwarded-Host",
    files: {
      'mysite/settings.py': on,
      'mysite/wsgi.py': WSGI,
      'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 mysite.wsgi'),
      'nginx/sites-enabled/site.conf':
        'server {\n    listen 443 ssl;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header X-Forwarded-Host $http_x_forwarded_host;\n    }\n}\n',
    },
    expect: { count: 1, severity: 'medium' },
  },
];

for (const c of cases) test(`django/forwarded-host-trusted: ${c.name}`, () => runCase(check, c).then(() => undefined));
