import { test } from 'node:test';
import { daphneProxyNotTrusted as check } from '../../../src/checks/appserver/daphne-proxy-not-trusted.js';
import { compose, nginxTls, systemdUnit } from '../../python/fixtures.js';
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
  {
    name: 'invalid: an ExecStart continued over lines with \\ gets the flag on its first line, which keeps its \\',
    files: {
      'd.service': systemdUnit('/srv/app/env/bin/daphne \\\n\t-u /run/d.sock \\\n\tmysite.asgi:application'),
      'site.conf': nginxTls('http://unix:/run/d.sock'),
    },
    expect: {
      count: 1,
      fixLine: 'ExecStart=/srv/app/env/bin/daphne --proxy-headers \\',
      fixAt: { line: 6, placement: 'replace' },
    },
  },
  {
    name: 'invalid: a compose command as a YAML list gets a new item after the program',
    files: {
      'docker-compose.yml': compose(['command:', '  - daphne', '  - -b', '  - 0.0.0.0', '  - mysite.asgi:application']),
      'nginx.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 1, fixLine: '      - --proxy-headers', fixAt: { line: 10, placement: 'after' } },
  },
  {
    name: 'invalid: a compose command as folded YAML text gets the flag on the program line',
    files: {
      'docker-compose.yml': compose(['command: >', '  daphne -b 0.0.0.0', '  mysite.asgi:application']),
      'nginx.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 1, fixLine: '      daphne --proxy-headers -b 0.0.0.0', fixAt: { line: 10, placement: 'replace' } },
  },
  {
    name: 'invalid: a compose command as a flow list gets a new element after the program',
    files: {
      'docker-compose.yml': compose(['command: ["daphne", "-b", "0.0.0.0", "mysite.asgi:application"]']),
      'nginx.conf': nginxTls('http://web:8000'),
    },
    expect: {
      count: 1,
      fixLine: '    command: ["daphne", "--proxy-headers", "-b", "0.0.0.0", "mysite.asgi:application"]',
      fixAt: { line: 9, placement: 'replace' },
    },
  },
  {
    name: 'invalid (trap): the program name twice in the command (a folder named daphne): no guess where, advice',
    files: {
      'docker-compose.yml': compose(['command: >', '  daphne -b 0.0.0.0', '  --root-path=/srv/daphne mysite.asgi:application']),
      'nginx.conf': nginxTls('http://web:8000'),
    },
    expect: { count: 1, mechanical: false },
  },
];

for (const c of cases) test(`daphne/proxy-not-trusted: ${c.name}`, () => runCase(check, c).then(() => undefined));
