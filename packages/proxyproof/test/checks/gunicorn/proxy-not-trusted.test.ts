import { test } from 'node:test';
import { gunicornProxyNotTrusted as check } from '../../../src/checks/appserver/gunicorn-proxy-not-trusted.js';
import { compose, nginxTls, settings, systemdUnit } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const cases: Case[] = [
  {
    name: 'valid: nginx on the same host over loopback',
    files: { 'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 app:app'), 'site.conf': nginxTls('http://127.0.0.1:8000') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): unix socket, gunicorn trusts unix peers',
    files: {
      'app.service': systemdUnit('gunicorn -b unix:/run/app.sock app:app'),
      'site.conf': nginxTls('http://unix:/run/app.sock'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: proxy network trusted',
    files: {
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=172.16.0.0/12 app:app']),
      'site.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: no proxy seen at all',
    files: { 'app.service': systemdUnit('gunicorn -b 0.0.0.0:8000 app:app') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): nginx does not send the header (an nginx finding, not this one)',
    files: {
      'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 app:app'),
      'site.conf': nginxTls('http://127.0.0.1:8000', ['proxy_set_header Host $host;']),
    },
    expect: { count: 0 },
  },
  {
    name: 'medium: nginx container proxies to the web service, default 127.0.0.1',
    files: { 'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app']), 'site.conf': nginxTls('http://web:8000') },
    expect: { count: 1, severity: 'medium', message: /another container/, file: 'compose.yaml' },
  },
  {
    name: 'medium: compose proxy service without an nginx config in the tree',
    files: { 'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app']) },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'high: with a Django SSL redirect that then loops',
    files: {
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 mysite.wsgi']),
      'mysite/settings.py': settings(['SECURE_SSL_REDIRECT = True']),
    },
    expect: { count: 1, severity: 'high', message: /loops/ },
  },
  {
    name: "valid (trap): Django reads the header itself (SECURE_PROXY_SSL_HEADER), gunicorn's trust does not decide the scheme",
    files: {
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 mysite.wsgi']),
      'site.conf': nginxTls('http://web:8000'),
      'mysite/settings.py': settings([
        'SECURE_SSL_REDIRECT = True',
        "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')",
      ]),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: SECURE_PROXY_SSL_HEADER = None does not read the header: still reported',
    files: {
      'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 mysite.wsgi']),
      'site.conf': nginxTls('http://web:8000'),
      'mysite/settings.py': settings(['SECURE_PROXY_SSL_HEADER = None']),
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'medium: nginx on another host',
    files: { 'app.service': systemdUnit('gunicorn -b 10.0.0.5:8000 app:app'), 'site.conf': nginxTls('http://10.0.0.5:8000') },
    expect: { count: 1, message: /another host/ },
  },
  {
    name: 'medium: uvicorn workers on a unix socket (uvicorn, not gunicorn, reads the headers)',
    files: {
      'app.service': systemdUnit('gunicorn -k uvicorn.workers.UvicornWorker -b unix:/run/app.sock main:app'),
      'site.conf': nginxTls('http://unix:/run/app.sock'),
    },
    expect: { count: 1, message: /uvicorn workers/ },
  },
];

for (const c of cases) test(`gunicorn/proxy-not-trusted: ${c.name}`, () => runCase(check, c).then(() => undefined));
