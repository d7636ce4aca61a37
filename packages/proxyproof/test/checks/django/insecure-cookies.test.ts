import { test } from 'node:test';
import { insecureCookies as check } from '../../../src/checks/django/insecure-cookies.js';
import { nginxTls, settings } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const nginx = { 'nginx/site.conf': nginxTls('http://127.0.0.1:8000') };

const cases: Case[] = [
  {
    name: 'valid: both Secure on an HTTPS site',
    files: { ...nginx, 'settings.py': settings(['SESSION_COOKIE_SECURE = True', 'CSRF_COOKIE_SECURE = True']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): no HTTPS evidence at all',
    files: { 'settings.py': settings(['ALLOWED_HOSTS = ["intranet"]']) },
    expect: { count: 0 },
  },
  {
    name: 'invalid: both unset behind an nginx TLS server',
    files: { ...nginx, 'settings.py': settings(['ALLOWED_HOSTS = ["example.com"]']) },
    expect: { count: 1, severity: 'medium', message: /SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE/ },
  },
  {
    name: 'invalid (low): only CSRF_COOKIE_SECURE off, HTTPS known from SECURE_SSL_REDIRECT',
    files: { 'settings.py': settings(['SECURE_SSL_REDIRECT = True', 'SESSION_COOKIE_SECURE = True']) },
    expect: { count: 1, severity: 'low', message: /CSRF_COOKIE_SECURE is False/, line: 8 },
  },
  {
    name: 'invalid (low): MIDDLEWARE without SessionMiddleware (commented out) sets no session cookie; only CSRF is left',
    files: {
      ...nginx,
      'settings.py': settings([
        'MIDDLEWARE = [',
        '    "django.middleware.security.SecurityMiddleware",',
        '    # "django.contrib.sessions.middleware.SessionMiddleware",',
        '    "django.middleware.csrf.CsrfViewMiddleware",',
        ']',
      ]),
    },
    expect: { count: 1, severity: 'low', message: /^CSRF_COOKIE_SECURE is False/ },
  },
  {
    name: 'valid (trap): neither session nor CSRF middleware: the app sets neither cookie',
    files: { ...nginx, 'settings.py': settings(['MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]']) },
    expect: { count: 0 },
  },
  {
    name: 'invalid: env default False',
    files: {
      ...nginx,
      'settings.py': settings(["SESSION_COOKIE_SECURE = os.environ.get('SECURE', '0') == '1'", 'CSRF_COOKIE_SECURE = True']),
    },
    expect: { count: 1, message: /SESSION_COOKIE_SECURE/ },
  },
  {
    name: 'valid: if not DEBUG branch turns them on (production reading)',
    files: {
      ...nginx,
      'settings.py': settings([
        "DEBUG = os.environ.get('DEBUG') == '1'",
        'if not DEBUG:',
        '    SESSION_COOKIE_SECURE = True',
        '    CSRF_COOKIE_SECURE = True',
      ]),
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(`django/insecure-cookies: ${c.name}`, () => runCase(check, c).then(() => undefined));
