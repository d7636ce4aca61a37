import { test } from 'node:test';
import { insecureCookies as check } from '../../../src/checks/django/insecure-cookies.js';
import { nginxTls, settings } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const nginx = { 'nginx/site.conf': nginxTls('http://127.0.0.1:8000') };

/**
 * A TLS site whose port 80 only redirects, with `hsts` written at the server level (undefined: none) and the lines
 * of `location /` (after its proxy_pass); `names` the server_name.
 */
function hstsSite(hsts: string | undefined, location: string[] = [], names = 'example.com'): Record<string, string> {
  return {
    'nginx/site.conf': [
      'server {',
      '    listen 80;',
      `    server_name ${names};`,
      '    return 301 https://$host$request_uri;',
      '}',
      'server {',
      '    listen 443 ssl;',
      `    server_name ${names};`,
      '    ssl_certificate /etc/ssl/example.pem;',
      '    ssl_certificate_key /etc/ssl/example.key;',
      ...(hsts === undefined ? [] : [`    add_header Strict-Transport-Security "${hsts}";`]),
      '    location /static/ {',
      '        alias /srv/static/;',
      '    }',
      '    location / {',
      '        proxy_pass http://127.0.0.1:8000;',
      '        proxy_set_header Host $host;',
      '        proxy_set_header X-Forwarded-Proto $scheme;',
      ...location.map((l) => `        ${l}`),
      '    }',
      '}',
      '',
    ].join('\n'),
  };
}
const unset = settings(['ALLOWED_HOSTS = ["example.com"]']);

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
  // HSTS and the Secure flag (hsts-cover.ts): after the first HTTPS answer with STS the browser sends the host no
  // plain http request (RFC 6797 8.3), and a host-only cookie goes to no other host (RFC 6265 5.4).
  {
    name: "valid at info: every HTTPS route sends HSTS of a year, host-only cookies of Django's default ages",
    files: { ...hstsSite('max-age=31536000'), 'settings.py': unset },
    expect: {
      count: 1,
      severity: 'info',
      message: /Strict-Transport-Security \(max-age=31536000\).*keep the flag on anyway.*without 'always'/,
    },
  },
  {
    name: "valid at info: HSTS with 'always' (no note about error responses)",
    files: { ...hstsSite('max-age=63072000; includeSubDomains" always;#'), 'settings.py': unset },
    expect: { count: 1, severity: 'info', message: /max-age=63072000\), so .*reopens the leak\)$/ },
  },
  {
    name: 'invalid (trap): no HSTS at all',
    files: { ...hstsSite(undefined), 'settings.py': unset },
    expect: { count: 1, severity: 'medium', message: /sent over plain http too$/ },
  },
  {
    name: 'invalid (trap): max-age shorter than the session cookie (Django default two weeks)',
    files: { ...hstsSite('max-age=86400'), 'settings.py': unset },
    expect: { count: 1, severity: 'medium', message: /HSTS does not prevent it: max-age=86400 is shorter/ },
  },
  {
    name: 'valid at info: a day of HSTS covers a session that ends with the browser and a CSRF cookie with no age',
    files: {
      ...hstsSite('max-age=86400'),
      'settings.py': settings(['SESSION_EXPIRE_AT_BROWSER_CLOSE = True', 'CSRF_COOKIE_AGE = None']),
    },
    expect: { count: 1, severity: 'info' },
  },
  {
    name: 'invalid (trap): max-age of a year, CSRF_COOKIE_AGE of two years',
    files: {
      ...hstsSite('max-age=31536000'),
      'settings.py': settings(['CSRF_COOKIE_AGE = 63072000', 'SESSION_COOKIE_SECURE = True']),
    },
    expect: { count: 1, severity: 'low', message: /shorter than the cookie's lifetime \(63072000 s\)/ },
  },
  {
    name: 'invalid (trap): the proxying location has its own add_header, so it inherits no HSTS',
    files: { ...hstsSite('max-age=31536000', ['add_header X-Frame-Options DENY;']), 'settings.py': unset },
    expect: {
      count: 1,
      severity: 'medium',
      message: /location \/ sends no Strict-Transport-Security \(its own add_header lines replace the outer ones\)/,
    },
  },
  {
    name: 'valid at info: the proxying location repeats HSTS next to its own add_header',
    files: {
      ...hstsSite('max-age=31536000', [
        'add_header X-Frame-Options DENY;',
        'add_header Strict-Transport-Security "max-age=31536000";',
      ]),
      'settings.py': unset,
    },
    expect: { count: 1, severity: 'info' },
  },
  {
    name: 'invalid (trap): SESSION_COOKIE_DOMAIN set and HSTS without includeSubDomains',
    files: { ...hstsSite('max-age=31536000'), 'settings.py': settings(['SESSION_COOKIE_DOMAIN = ".example.com"']) },
    expect: { count: 1, severity: 'medium', message: /Domain=example.com.*no includeSubDomains/ },
  },
  {
    name: 'invalid (trap): a Domain cookie for the parent, HSTS with includeSubDomains sent only by www',
    files: {
      ...hstsSite('max-age=31536000; includeSubDomains', [], 'www.example.com'),
      'settings.py': settings(['SESSION_COOKIE_DOMAIN = ".example.com"', 'CSRF_COOKIE_SECURE = True']),
    },
    expect: { count: 1, severity: 'medium', message: /no HTTPS server here answers for example.com itself/ },
  },
  {
    name: 'valid at info: a Domain cookie for the host that sends HSTS with includeSubDomains',
    files: {
      ...hstsSite('max-age=31536000; includeSubDomains'),
      'settings.py': settings(['SESSION_COOKIE_DOMAIN = ".example.com"', 'CSRF_COOKIE_SECURE = True']),
    },
    expect: { count: 1, severity: 'info' },
  },
  {
    name: 'invalid (trap): the cookie domain comes from the environment',
    files: {
      ...hstsSite('max-age=31536000; includeSubDomains'),
      'settings.py': settings(['SESSION_COOKIE_DOMAIN = os.environ.get("COOKIE_DOMAIN")', 'CSRF_COOKIE_SECURE = True']),
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'invalid (trap): HSTS value from a variable',
    files: { ...hstsSite('$hsts'), 'settings.py': unset },
    expect: { count: 1, severity: 'medium', message: /not a fixed policy/ },
  },
  {
    name: 'invalid (trap): a second TLS site proxies to the app without HSTS',
    files: {
      ...hstsSite('max-age=31536000'),
      'nginx/api.conf': nginxTls('http://127.0.0.1:8000').replace('example.com', 'api.example.com'),
      'settings.py': unset,
    },
    expect: { count: 1, severity: 'medium', message: /sends no Strict-Transport-Security/ },
  },
  {
    name: 'invalid (trap): HSTS only on the plain port-80 server (ignored over http, RFC 6797 8.1)',
    files: {
      'nginx/site.conf': nginxTls('http://127.0.0.1:8000').replace(
        'server {',
        'server {\n    listen 80;\n    add_header Strict-Transport-Security "max-age=31536000";\n    return 301 https://$host$request_uri;\n}\nserver {',
      ),
      'settings.py': unset,
    },
    expect: { count: 1, severity: 'medium' },
  },
];

for (const c of cases) test(`django/insecure-cookies: ${c.name}`, () => runCase(check, c).then(() => undefined));
