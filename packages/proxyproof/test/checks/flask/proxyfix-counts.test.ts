import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyfixCounts as check, rewriteCounts } from '../../../src/checks/flask/proxyfix-counts.js';
import { nginxTls } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const app = (args: string) =>
  `from flask import Flask\nfrom werkzeug.middleware.proxy_fix import ProxyFix\napp = Flask(__name__)\napp.wsgi_app = ProxyFix(${args})\n`;
const nginx = { 'site.conf': nginxTls('http://127.0.0.1:8000') };

// Two proxies: a TLS edge nginx on its own host -> Caddy on the app host (which trusts the edge, so it appends the
// edge's address after the client's) -> gunicorn on loopback -> Flask: X-Forwarded-For reaches the app as
// `client, edge`.
const twoProxies = (caddyTrust: string) => ({
  'nginx/sites-enabled/app.test': `server {
    listen 192.0.2.2:443 ssl;
    server_name app.test;
    ssl_certificate /etc/ssl/app.pem;
    ssl_certificate_key /etc/ssl/app.key;
    location / {
        proxy_pass http://198.51.100.6:80;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
`,
  Caddyfile: `{\n\tadmin off\n\tauto_https off\n}\n\nhttp://:80 {\n\tbind 198.51.100.6\n\treverse_proxy 127.0.0.1:8000${caddyTrust}\n}\n`,
  'gunicorn.service': '[Service]\nWorkingDirectory=/srv/app\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 app:app\n',
});
const trusting = ' {\n\t\ttrusted_proxies 198.51.100.5\n\t}';

const cases: Case[] = [
  { name: 'valid: defaults (x_for=1, x_proto=1)', files: { 'app.py': app('app.wsgi_app'), ...nginx }, expect: { count: 0 } },
  {
    name: 'valid: one of each behind one proxy',
    files: { 'app.py': app('app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1'), ...nginx },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): x_for=2 when no proxy is seen (cannot count the chain)',
    files: { 'app.py': app('app.wsgi_app, x_for=2') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: x_proto=0',
    files: { 'app.py': app('app.wsgi_app, x_for=1, x_proto=0'), ...nginx },
    expect: {
      count: 1,
      severity: 'medium',
      message: /x_proto=0/,
      file: 'app.py',
      line: 4,
      fixLine: 'app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)',
      fixAt: { line: 4, placement: 'replace' },
    },
  },
  {
    name: 'invalid: x_for=2 behind one proxy',
    files: { 'app.py': app('app.wsgi_app, x_for=2, x_proto=1'), ...nginx },
    expect: {
      count: 1,
      severity: 'high',
      message: /forged/,
      fixLine: 'app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)',
      fixAt: { line: 4, placement: 'replace' },
    },
  },
  {
    name: 'valid: x_for=2 behind an edge nginx and a Caddy that trusts it (two proxies append)',
    files: { 'app/app.py': app('app.wsgi_app, x_for=2, x_proto=1'), ...twoProxies(trusting) },
    expect: { count: 0 },
  },
  {
    name: 'invalid: x_for=1 behind an edge nginx and a Caddy that trusts it: remote_addr is the edge',
    files: { 'app/app.py': app('app.wsgi_app, x_for=1, x_proto=1'), ...twoProxies(trusting) },
    expect: {
      count: 1,
      severity: 'medium',
      message: /x_for=1 while 2 proxies append to X-Forwarded-For/,
      fixLine: 'app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2, x_proto=1)',
      fixAt: { line: 4, placement: 'replace' },
    },
  },
  {
    name: 'valid (trap): x_for=1 when Caddy replaces X-Forwarded-For (it does not trust the edge): one entry reaches the app',
    files: { 'app/app.py': app('app.wsgi_app, x_for=1, x_proto=1'), ...twoProxies('') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: positional counts (x_for, x_proto) = (1, 0)',
    files: { 'app.py': app('app.wsgi_app, 1, 0'), ...nginx },
    expect: { count: 1, message: /x_proto=0/, fixLine: 'app.wsgi_app = ProxyFix(app.wsgi_app, 1, 1)' },
  },
  {
    name: "invalid: the app's own name, other counts and a comment are kept; x_for added where only the default was",
    files: {
      'app/app.py':
        'from flask import Flask\nfrom werkzeug.middleware.proxy_fix import ProxyFix\napplication = Flask(__name__)\napplication.wsgi_app = ProxyFix(application.wsgi_app, x_host=1,  x_port = 1)  # behind the edge\n',
      ...twoProxies(trusting),
    },
    expect: {
      count: 1,
      message: /x_for=1 while 2 proxies/,
      fixLine: 'application.wsgi_app = ProxyFix(application.wsgi_app, x_host=1,  x_port = 1, x_for=2)  # behind the edge',
      fixAt: { line: 4, placement: 'replace' },
    },
  },
  {
    name: 'invalid (advice): a call spread over lines is not rewritten',
    files: {
      'app.py':
        'from flask import Flask\nfrom werkzeug.middleware.proxy_fix import ProxyFix\napp = Flask(__name__)\napp.wsgi_app = ProxyFix(\n    app.wsgi_app, x_for=1, x_proto=0\n)\n',
      ...nginx,
    },
    expect: { count: 1, message: /x_proto=0/, mechanical: false },
  },
];

for (const c of cases) test(`flask/proxyfix-counts: ${c.name}`, () => runCase(check, c).then(() => undefined));

// rewriteCounts alone: what is kept, what is refused.
for (const [line, want, out] of [
  ['app.wsgi_app = ProxyFix(app.wsgi_app, x_for=3)', { x_for: 1 }, 'app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)'],
  ['    app = ProxyFix(app, 2, 0,)', { x_for: 1, x_proto: 1 }, '    app = ProxyFix(app, 1, 1,)'],
  ['app.wsgi_app = ProxyFix(app.wsgi_app)', { x_for: 2 }, 'app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2)'],
  ['app.wsgi_app = ProxyFix(app.wsgi_app, x_for=N)', { x_for: 1 }, undefined],
  ["app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(os.environ['N']))", { x_for: 1 }, undefined],
  ['app.wsgi_app = ProxyFix(', { x_for: 1 }, undefined],
] as const) {
  test(`flask/proxyfix-counts rewriteCounts: ${line} -> ${out ?? '(advice)'}`, () => {
    assert.equal(rewriteCounts(line, { ...want }), out);
  });
}
