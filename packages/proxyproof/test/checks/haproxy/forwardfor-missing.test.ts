import { test } from 'node:test';
import { haproxyForwardforMissing as check } from '../../../src/checks/haproxy/forwardfor-missing.js';
import { type Case, runCase } from '../../python/lint-files.js';

const cfg = (fe: string, defaults = '') =>
  `defaults\n  mode http\n${defaults}frontend zulip\n  bind *:443 ssl crt /x.pem\n  http-request set-header X-Forwarded-Proto https\n${fe}  default_backend z\nbackend z\n  server z 10.10.10.10:443 ssl verify none\n`;
const cases: Case[] = [
  {
    name: 'invalid: no forwardfor anywhere',
    files: { 'haproxy.cfg': cfg('') },
    expect: { count: 1, severity: 'medium', line: 3 },
  },
  {
    name: 'valid: option forwardfor in defaults',
    files: { 'haproxy.cfg': cfg('', '  option forwardfor\n') },
    expect: { count: 0 },
  },
  {
    name: 'valid: set-header X-Forwarded-For %[src]',
    files: { 'haproxy.cfg': cfg('  http-request set-header X-Forwarded-For %[src]\n') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): tcp mode forwards bytes, there is no header to add',
    files: {
      'haproxy.cfg': 'frontend f\n  mode tcp\n  bind :443\n  default_backend b\nbackend b\n  mode tcp\n  server s 10.0.0.1:443\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): `no option forwardfor` in a section after defaults is honoured',
    files: { 'haproxy.cfg': cfg('  http-request set-header Forwarded for=%[src]\n') },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
