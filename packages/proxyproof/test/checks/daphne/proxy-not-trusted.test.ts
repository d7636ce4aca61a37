import { test } from 'node:test';
import { daphneProxyNotTrusted as check } from '../../../src/checks/appserver/daphne-proxy-not-trusted.js';
import { nginxTls, systemdUnit } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const cases: Case[] = [
  {
    name: 'valid: --proxy-headers behind nginx',
    files: {
      'd.service': systemdUnit('daphne -p 8001 --proxy-headers mysite.asgi:application'),
      'site.conf': nginxTls('http://127.0.0.1:8001'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: no proxy in the linted files',
    files: { 'd.service': systemdUnit('daphne -p 8001 mysite.asgi:application') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: behind nginx without --proxy-headers',
    files: { 'd.service': systemdUnit('daphne -p 8001 mysite.asgi:application'), 'site.conf': nginxTls('http://127.0.0.1:8001') },
    expect: { count: 1, severity: 'medium', message: /proxy headers are off/ },
  },
  {
    name: 'invalid: unix socket without --proxy-headers',
    files: {
      'd.service': systemdUnit('daphne -u /run/d.sock mysite.asgi:application'),
      'site.conf': nginxTls('http://unix:/run/d.sock'),
    },
    expect: { count: 1 },
  },
];

for (const c of cases) test(`daphne/proxy-not-trusted: ${c.name}`, () => runCase(check, c).then(() => undefined));
