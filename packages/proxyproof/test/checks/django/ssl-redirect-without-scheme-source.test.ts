import { test } from 'node:test';
import { sslRedirectWithoutSchemeSource as check } from '../../../src/checks/django/ssl-redirect-without-scheme-source.js';
import { compose, nginxTls, settings, systemdUnit, WSGI } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const redirect = settings(['SECURE_SSL_REDIRECT = True']);
const base = { 'mysite/settings.py': redirect, 'mysite/wsgi.py': WSGI };

const cases: Case[] = [
  {
    name: 'valid: SECURE_PROXY_SSL_HEADER set',
    files: {
      ...base,
      'mysite/settings.py': settings([
        'SECURE_SSL_REDIRECT = True',
        "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')",
      ]),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: no SSL redirect',
    files: { ...base, 'mysite/settings.py': settings(['SECURE_SSL_REDIRECT = False']) },
    expect: { count: 0 },
  },
  {
    name: 'low: gunicorn on loopback trusts nginx on the same host by default',
    files: {
      ...base,
      'gunicorn.service': systemdUnit('/usr/bin/gunicorn --bind 127.0.0.1:8000 mysite.wsgi:application'),
      'nginx/site.conf': nginxTls('http://127.0.0.1:8000'),
    },
    expect: { count: 1, severity: 'low', message: /moves to another host/, file: 'mysite/settings.py', line: 7 },
  },
  {
    name: 'low (trap): unix socket, gunicorn trusts every unix peer',
    files: {
      ...base,
      'gunicorn.service': systemdUnit('/usr/bin/gunicorn --bind unix:/run/gunicorn.sock mysite.wsgi:application'),
      'nginx/site.conf': nginxTls('http://unix:/run/gunicorn.sock'),
    },
    expect: { count: 1, severity: 'low' },
  },
  {
    name: 'high: nginx in another container, gunicorn keeps forwarded_allow_ips 127.0.0.1',
    files: {
      ...base,
      'docker-compose.yml': compose(['command: gunicorn mysite.wsgi:application -b 0.0.0.0:8000', 'expose: ["8000"]']),
      'nginx/site.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 1, severity: 'high', message: /another container.*TOO_MANY_REDIRECTS/ },
  },
  {
    name: 'high: nginx on the host sends no X-Forwarded-Proto (the seed)',
    files: {
      ...base,
      'gunicorn.service': systemdUnit('/usr/bin/gunicorn --bind 127.0.0.1:8000 mysite.wsgi:application'),
      'nginx/site.conf': nginxTls('http://127.0.0.1:8000', ['proxy_set_header Host $host;']),
    },
    expect: { count: 1, severity: 'high', message: /sends no X-Forwarded-Proto/ },
  },
  {
    name: 'high: daphne without --proxy-headers',
    files: {
      ...base,
      'daphne.service': systemdUnit('/usr/bin/daphne -b 127.0.0.1 -p 8001 mysite.asgi:application'),
      'nginx/site.conf': nginxTls('http://127.0.0.1:8001'),
    },
    expect: { count: 1, severity: 'high', message: /proxy headers are off/ },
  },
  {
    name: 'info: gunicorn told to trust the proxy network explicitly',
    files: {
      ...base,
      'docker-compose.yml': compose([
        'command: gunicorn mysite.wsgi:application -b 0.0.0.0:8000 --forwarded-allow-ips=*',
        'expose: ["8000"]',
      ]),
      'nginx/site.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 1, severity: 'info' },
  },
  {
    name: 'medium: no app server in the linted files',
    files: { 'mysite/settings.py': redirect },
    expect: { count: 1, severity: 'medium', message: /no app server/ },
  },
  {
    name: 'high: malformed header counts as no header',
    files: {
      ...base,
      'mysite/settings.py': settings(['SECURE_SSL_REDIRECT = True', "SECURE_PROXY_SSL_HEADER = ('X-Forwarded-Proto', 'https')"]),
      'docker-compose.yml': compose(['command: gunicorn mysite.wsgi:application -b 0.0.0.0:8000']),
    },
    expect: { count: 1, severity: 'high' },
  },
];

for (const c of cases)
  test(`django/ssl-redirect-without-scheme-source: ${c.name}`, () => runCase(check, c).then(() => undefined));
