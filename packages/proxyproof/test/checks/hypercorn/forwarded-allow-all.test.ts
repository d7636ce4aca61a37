import { test } from 'node:test';
import { hypercornForwardedAllowAll as check } from '../../../src/checks/appserver/hypercorn-forwarded-allow-all.js';
import { systemdUnit } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const fixed =
  "from fastapi import FastAPI\nfrom hypercorn.middleware import ProxyFixMiddleware\napp = FastAPI()\napp = ProxyFixMiddleware(app, mode='legacy', trusted_hops=1)\n";

const cases: Case[] = [
  {
    name: 'valid: middleware, hypercorn on its default 127.0.0.1:8000',
    files: { 'main.py': fixed, 'h.service': systemdUnit('hypercorn main:app') },
    expect: { count: 0 },
  },
  {
    name: 'valid: no middleware on 0.0.0.0',
    files: {
      'main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
      'h.service': systemdUnit('hypercorn --bind 0.0.0.0:8000 main:app'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): unix socket',
    files: { 'main.py': fixed, 'h.service': systemdUnit('hypercorn --bind unix:/run/h.sock main:app') },
    expect: { count: 0 },
  },
  {
    name: 'high: middleware with hypercorn on 0.0.0.0',
    files: { 'main.py': fixed, 'h.service': systemdUnit('hypercorn --bind 0.0.0.0:8000 main:app') },
    expect: { count: 1, severity: 'high', file: 'main.py', line: 4 },
  },
];

for (const c of cases) test(`hypercorn/forwarded-allow-all: ${c.name}`, () => runCase(check, c).then(() => undefined));
