import { test } from 'node:test';
import { proxyfixCounts as check } from '../../../src/checks/flask/proxyfix-counts.js';
import { nginxTls } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const app = (args: string) =>
  `from flask import Flask\nfrom werkzeug.middleware.proxy_fix import ProxyFix\napp = Flask(__name__)\napp.wsgi_app = ProxyFix(${args})\n`;
const nginx = { 'site.conf': nginxTls('http://127.0.0.1:8000') };

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
    expect: { count: 1, severity: 'medium', message: /x_proto=0/, file: 'app.py', line: 4 },
  },
  {
    name: 'invalid: x_for=2 behind one proxy',
    files: { 'app.py': app('app.wsgi_app, x_for=2, x_proto=1'), ...nginx },
    expect: { count: 1, severity: 'high', message: /forged/ },
  },
  {
    name: 'invalid: positional counts (x_for, x_proto) = (1, 0)',
    files: { 'app.py': app('app.wsgi_app, 1, 0'), ...nginx },
    expect: { count: 1, message: /x_proto=0/ },
  },
];

for (const c of cases) test(`flask/proxyfix-counts: ${c.name}`, () => runCase(check, c).then(() => undefined));
