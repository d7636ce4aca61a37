import { test } from 'node:test';
import { haproxyHttpRulesWithoutHttpMode as check } from '../../../src/checks/haproxy/http-rules-without-http-mode.js';
import { type Case, runCase } from '../../python/lint-files.js';

const fe =
  'frontend https\n  bind *:443 ssl crt /x.pem\n  http-request set-header X-Forwarded-For %[src]\n  default_backend m\nbackend m\n  server m 127.0.0.1:8008\n';
const cases: Case[] = [
  {
    name: 'invalid (low): an excerpt with no mode http',
    files: { 'haproxy.cfg': fe },
    expect: { count: 1, severity: 'low', line: 1 },
  },
  { name: 'valid: defaults mode http', files: { 'haproxy.cfg': `defaults\n  mode http\n${fe}` }, expect: { count: 0 } },
  {
    name: 'valid: mode http in the section',
    files: { 'haproxy.cfg': fe.replace('  bind', '  mode http\n  bind') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a tcp frontend without http rules',
    files: { 'haproxy.cfg': 'frontend f\n  bind :443\n  default_backend b\nbackend b\n  server s 10.0.0.1:443\n' },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
