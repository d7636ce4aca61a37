import { test } from 'node:test';
import { originCheckFails as check } from '../../../src/checks/app/origin-check-fails.js';
import { compose, nginxTls, settings, WSGI } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';
import { nginxPuma, PUMA_SOCKET, RAILS_APP, railsProduction } from './fixtures.js';

const base = {
  'config/puma.rb': PUMA_SOCKET,
  'config/environments/production.rb': railsProduction(['config.log_level = :info']),
};

const cases: Case[] = [
  {
    name: 'invalid: load_defaults 7.0 turns the origin check on; nginx sends no scheme',
    files: { ...base, 'config/application.rb': RAILS_APP, 'site.conf': nginxPuma(['proxy_set_header Host $host;']) },
    expect: { count: 1, severity: 'medium', file: 'config/application.rb', line: 6, message: /InvalidAuthenticityToken/ },
  },
  {
    name: 'invalid: explicit forgery_protection_origin_check = true',
    files: {
      ...base,
      'config/application.rb': RAILS_APP.replace(
        'config.load_defaults 7.0',
        'config.action_controller.forgery_protection_origin_check = true',
      ),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 1, line: 6 },
  },
  {
    name: 'valid (trap): load_defaults 4.2 has no origin check',
    files: {
      ...base,
      'config/application.rb': RAILS_APP.replace('7.0', '4.2'),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: the proxy forwards the scheme',
    files: { ...base, 'config/application.rb': RAILS_APP, 'site.conf': nginxPuma(['proxy_set_header X-Forwarded-Proto https;']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): origin check turned off explicitly',
    files: {
      ...base,
      'config/application.rb': RAILS_APP.replace(
        'config.load_defaults 7.0',
        'config.load_defaults 7.0\n    config.action_controller.forgery_protection_origin_check = false',
      ),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 0 },
  },
];

// Django 4.0+ (CsrfViewMiddleware `_origin_verified`; checked by hand on Django 5.2.17: a POST with a valid token and
// Origin https://app.test answers 403 when request.is_secure() is False and 200 with CSRF_TRUSTED_ORIGINS
// ['https://app.test']; Django 3.2.25 answers 200, it checks no Origin).
const MIDDLEWARE = [
  'MIDDLEWARE = [',
  "    'django.contrib.sessions.middleware.SessionMiddleware',",
  "    'django.middleware.csrf.CsrfViewMiddleware',",
  ']',
];
const django = (extra: string[] = [], pin = 'Django==4.2.7', proxyHeaders?: string[]) => ({
  'mysite/settings.py': settings([...MIDDLEWARE, ...extra]),
  'mysite/wsgi.py': WSGI,
  'requirements.txt': `${pin}\ngunicorn==21.2.0\n`,
  'docker-compose.yml': compose(['command: gunicorn mysite.wsgi:application -b 0.0.0.0:8000', 'expose: ["8000"]']),
  'nginx/site.conf': nginxTls('http://web:8000', proxyHeaders),
});

const djangoCases: Case[] = [
  {
    name: 'invalid: Django 4.2, nginx in another container, gunicorn ignores its X-Forwarded-Proto: POSTs get 403',
    files: django(),
    expect: { count: 1, severity: 'medium', file: 'mysite/settings.py', line: 9, message: /Origin https:\/\/example\.com.*403/ },
  },
  {
    name: 'invalid: nginx sends no X-Forwarded-Proto at all; CSRF_TRUSTED_ORIGINS lists another host',
    files: django(["CSRF_TRUSTED_ORIGINS = ['https://other.example.org']"], 'Django>=4.0', ['proxy_set_header Host $host;']),
    expect: { count: 1, message: /does not list it/ },
  },
  {
    name: 'valid: SECURE_PROXY_SSL_HEADER makes the request https',
    files: django(["SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')"]),
    expect: { count: 0 },
  },
  {
    name: 'valid: CSRF_TRUSTED_ORIGINS lists the https origin (the scheme is still lost, the POST passes)',
    files: django(["CSRF_TRUSTED_ORIGINS = ['https://example.com']"]),
    expect: { count: 0 },
  },
  {
    name: 'valid: a wildcard entry covers the host',
    files: django(["CSRF_TRUSTED_ORIGINS = ['https://*.example.com']"]),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Django 3.2 checks no Origin',
    files: django([], 'Django==3.2.19'),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): no version pinned (Debian 12 Django 3.2 assumed)',
    files: django([], 'gunicorn'),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): no CsrfViewMiddleware in MIDDLEWARE',
    files: {
      ...django(),
      'mysite/settings.py': settings(['MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]']),
    },
    expect: { count: 0 },
  },
];

for (const c of djangoCases) test(`app/origin-check-fails (Django): ${c.name}`, () => runCase(check, c).then(() => undefined));

for (const c of cases) test(`app/origin-check-fails: ${c.name}`, () => runCase(check, c).then(() => undefined));
