import { test } from 'node:test';
import { daphneForwardedAllowAll as check } from '../../../src/checks/appserver/daphne-forwarded-allow-all.js';
import { compose, systemdUnit } from '../../python/fixtures.js';
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
  {
    name: 'valid (trap): --proxy-headers in a compose service whose only neighbour is the nginx container',
    files: { 'compose.yaml': compose(['command: daphne --proxy-headers -b 0.0.0.0 -p 8000 mysite.asgi:application']) },
    expect: { count: 0 },
  },
  {
    name: 'medium: --proxy-headers in a compose service beside a worker container',
    files: {
      'compose.yaml': `${compose(['command: daphne --proxy-headers -b 0.0.0.0 -p 8000 mysite.asgi:application'])}  worker:\n    build: .\n    command: python manage.py runworker\n`,
    },
    expect: { count: 1, severity: 'medium', message: /every container on its network/ },
  },
  {
    name: 'medium: --proxy-headers in a compose service and no proxy container at all',
    files: {
      'compose.yaml': compose(['command: daphne --proxy-headers -b 0.0.0.0 -p 8000 mysite.asgi:application'], {
        proxy: false,
      }),
    },
    expect: { count: 1, severity: 'medium' },
  },
];

for (const c of cases) test(`daphne/forwarded-allow-all: ${c.name}`, () => runCase(check, c).then(() => undefined));
