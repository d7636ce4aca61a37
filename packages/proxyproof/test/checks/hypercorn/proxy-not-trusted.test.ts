import { test } from 'node:test';
import { hypercornProxyNotTrusted as check } from '../../../src/checks/appserver/hypercorn-proxy-not-trusted.js';
import { nginxTls, systemdUnit } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const app = 'from quart import Quart\napp = Quart(__name__)\n';
const fixed =
  "from fastapi import FastAPI\nfrom hypercorn.middleware import ProxyFixMiddleware\napp = FastAPI()\napp = ProxyFixMiddleware(app, mode='legacy', trusted_hops=1)\n";

const cases: Case[] = [
  {
    name: 'valid: ProxyFixMiddleware wraps the app',
    files: {
      'main.py': fixed,
      'h.service': systemdUnit('hypercorn main:app --bind 127.0.0.1:8000'),
      'site.conf': nginxTls('http://127.0.0.1:8000'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: no proxy seen',
    files: { 'main.py': app, 'h.service': systemdUnit('hypercorn main:app') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: behind nginx without the middleware',
    files: {
      'main.py': app,
      'h.service': systemdUnit('hypercorn main:app --bind 127.0.0.1:8000'),
      'site.conf': nginxTls('http://127.0.0.1:8000'),
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'invalid: unix bind behind nginx',
    files: {
      'h.service': systemdUnit('hypercorn -b unix:/run/h.sock main:app'),
      'site.conf': nginxTls('http://unix:/run/h.sock'),
    },
    expect: { count: 1 },
  },
];

for (const c of cases) test(`hypercorn/proxy-not-trusted: ${c.name}`, () => runCase(check, c).then(() => undefined));
