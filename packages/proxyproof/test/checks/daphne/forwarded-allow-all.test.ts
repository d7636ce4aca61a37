import { test } from 'node:test';
import { daphneForwardedAllowAll as check } from '../../../src/checks/appserver/daphne-forwarded-allow-all.js';
import { systemdUnit } from '../../python/fixtures.js';
import { type Case, runCase } from '../../python/lint-files.js';

const cases: Case[] = [
  {
    name: 'valid: --proxy-headers on a unix socket',
    files: { 'd.service': systemdUnit('daphne -u /run/daphne.sock --proxy-headers mysite.asgi:application') },
    expect: { count: 0 },
  },
  {
    name: 'valid: --proxy-headers on 127.0.0.1 (default bind)',
    files: { 'd.service': systemdUnit('daphne --proxy-headers mysite.asgi:application') },
    expect: { count: 0 },
  },
  {
    name: 'valid: 0.0.0.0 without --proxy-headers',
    files: { 'd.service': systemdUnit('daphne -b 0.0.0.0 -p 8001 mysite.asgi:application') },
    expect: { count: 0 },
  },
  {
    name: 'high: 0.0.0.0 with --proxy-headers',
    files: { 'd.service': systemdUnit('daphne -b 0.0.0.0 -p 8001 --proxy-headers mysite.asgi:application') },
    expect: { count: 1, severity: 'high' },
  },
  {
    name: 'high: twisted endpoint on all interfaces',
    files: { 'd.service': systemdUnit('daphne -e tcp:8001 --proxy-headers mysite.asgi:application') },
    expect: { count: 1, severity: 'high' },
  },
];

for (const c of cases) test(`daphne/forwarded-allow-all: ${c.name}`, () => runCase(check, c).then(() => undefined));
