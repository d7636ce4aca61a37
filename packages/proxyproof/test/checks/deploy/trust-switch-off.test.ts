import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trustSwitchOff as check } from '../../../src/checks/deploy/trust-switch-off.js';
import { compose, systemdUnit } from '../../python/fixtures.js';
import { type Case, lintFiles, runCase } from '../../python/lint-files.js';

const FLASK_FACTORY = [
  'import os',
  'from flask import Flask',
  '',
  'def create_app():',
  '    app = Flask(__name__)',
  "    if os.getenv('BEHIND_PROXY', '').lower() in ('true', '1', 'yes'):",
  '        from werkzeug.middleware.proxy_fix import ProxyFix',
  '        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)',
  '    return app',
  '',
  'app = create_app()',
  '',
].join('\n');

const DJANGO_SETTINGS = [
  'import environ',
  'env = environ.Env()',
  'SECRET_KEY = env("SECRET_KEY")',
  'ALLOWED_HOSTS = ["example.com"]',
  'INSTALLED_APPS = ["django.contrib.admin"]',
  'if env.bool("SSL_REDIRECT", default=False):',
  '    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")',
  '    SECURE_SSL_REDIRECT = True',
  '',
].join('\n');

const flaskCompose = (env: string[]) =>
  compose(['command: gunicorn -b 0.0.0.0:8000 app:app', 'expose: ["8000"]', ...(env.length ? ['environment:', ...env] : [])]);

const cases: Case[] = [
  {
    name: 'invalid: ProxyFix only when BEHIND_PROXY is set; the compose service behind nginx does not set it',
    files: { 'app.py': FLASK_FACTORY, 'compose.yaml': flaskCompose(['  - FLASK_ENV=production']) },
    expect: {
      count: 1,
      severity: 'high',
      file: 'app.py',
      line: 6,
      message: /BEHIND_PROXY/,
      fixLine: '      - BEHIND_PROXY=true',
    },
  },
  {
    name: 'invalid: the deployment sets the variable to a value that leaves it off (the fix replaces that line)',
    files: { 'app.py': FLASK_FACTORY, 'compose.yaml': flaskCompose(['  - BEHIND_PROXY=false']) },
    expect: { count: 1, severity: 'high', message: /sets BEHIND_PROXY=false|ProxyFix/, fixLine: '      - BEHIND_PROXY=true' },
  },
  {
    name: 'valid: the compose service behind nginx sets BEHIND_PROXY=1',
    files: { 'app.py': FLASK_FACTORY, 'compose.yaml': flaskCompose(['  - BEHIND_PROXY=1']) },
    expect: { count: 0 },
  },
  {
    name: 'valid: map-form environment that turns it on',
    files: { 'app.py': FLASK_FACTORY, 'compose.yaml': flaskCompose(['  BEHIND_PROXY: "yes"']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): the switch is off but nothing proxies to the app (a bare install)',
    files: { 'app.py': FLASK_FACTORY, 'compose.yaml': compose(['command: gunicorn -b 0.0.0.0:8000 app:app'], { proxy: false }) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): ProxyFix applied unconditionally',
    files: {
      'app.py': FLASK_FACTORY.replace(
        "    if os.getenv('BEHIND_PROXY', '').lower() in ('true', '1', 'yes'):\n",
        '    if True:\n',
      ),
      'compose.yaml': flaskCompose([]),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: Django SECURE_PROXY_SSL_HEADER only with SSL_REDIRECT (default False), systemd behind nginx',
    files: {
      'mysite/settings.py': DJANGO_SETTINGS,
      'app.service': systemdUnit('/srv/venv/bin/gunicorn --bind 127.0.0.1:8000 mysite.wsgi'),
      'site.conf':
        'server {\n  listen 443 ssl;\n  server_name example.com;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n',
    },
    expect: { count: 1, severity: 'high', file: 'mysite/settings.py', line: 6, message: /SSL_REDIRECT/ },
  },
  {
    name: 'valid: the systemd unit sets SSL_REDIRECT=True',
    files: {
      'mysite/settings.py': DJANGO_SETTINGS,
      'app.service': systemdUnit('/srv/venv/bin/gunicorn --bind 127.0.0.1:8000 mysite.wsgi', ['Environment=SSL_REDIRECT=True']),
      'site.conf':
        'server {\n  listen 443 ssl;\n  server_name example.com;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Heroku app.json sets the variable for the Procfile app (the router ends TLS)',
    files: {
      'mysite/settings.py': DJANGO_SETTINGS,
      Procfile: 'web: gunicorn mysite.wsgi\n',
      'app.json': '{\n  "name": "x",\n  "env": {\n    "SSL_REDIRECT": {\n      "value": "True"\n    }\n  }\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): app.json asks for the value at deploy time (not known to be off)',
    files: {
      'mysite/settings.py': DJANGO_SETTINGS,
      Procfile: 'web: gunicorn mysite.wsgi\n',
      'app.json': '{\n  "env": {\n    "SSL_REDIRECT": {\n      "required": true\n    }\n  }\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: a Procfile app behind the Heroku router without app.json setting it',
    files: { 'mysite/settings.py': DJANGO_SETTINGS, Procfile: 'web: gunicorn mysite.wsgi\n' },
    expect: { count: 1, severity: 'high', line: 6 },
  },
  {
    name: 'invalid: render.yaml runs the image and its envVars do not set the variable',
    files: {
      'mysite/settings.py': DJANGO_SETTINGS,
      Dockerfile: 'FROM python:3.12\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "mysite.wsgi"]\n',
      'render.yaml':
        'services:\n  - type: web\n    name: site\n    env: docker\n    dockerfilePath: ./Dockerfile\n    envVars:\n      - key: SECRET_KEY\n        generateValue: true\n',
    },
    expect: { count: 1, severity: 'high', line: 6 },
  },
  {
    name: 'valid: render.yaml envVars turn it on',
    files: {
      'mysite/settings.py': DJANGO_SETTINGS,
      Dockerfile: 'FROM python:3.12\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "mysite.wsgi"]\n',
      'render.yaml':
        'services:\n  - type: web\n    name: site\n    env: docker\n    dockerfilePath: ./Dockerfile\n    envVars:\n      - key: SSL_REDIRECT\n        value: "true"\n',
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(`deploy/trust-switch-off: ${c.name}`, async () => void (await runCase(check, c)));

test('deploy/trust-switch-off names the deployment that leaves the switch off and the code that shows it', async () => {
  const files = {
    'app.py': `${FLASK_FACTORY}\n@app.post('/login')\ndef login():\n    resp = make_response()\n    resp.set_cookie('s', 'x', secure=request.is_secure)\n    ip = request.remote_addr\n    return resp\n`,
    'compose.yaml': flaskCompose(['  - FLASK_ENV=production']),
  };
  const { findings } = await lintFiles(files, [check]);
  const f = findings.find((x) => x.id === check.meta.id);
  assert.ok(f);
  const at = f.evidence.map((e) => `${e.file}:${e.line}`);
  assert.deepEqual(at.slice(0, 3), ['app.py:6', 'app.py:8', 'compose.yaml:11']);
  assert.ok(at.includes('app.py:16'), `cookie Secure from request.is_secure: ${at.join(' ')}`);
  assert.ok(at.includes('app.py:17'), `client address: ${at.join(' ')}`);
});
