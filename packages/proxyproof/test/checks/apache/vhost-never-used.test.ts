import { test } from 'node:test';
import { apacheVhostNeverUsed as check } from '../../../src/checks/apache/vhost-never-used.js';
import { type Case, runCase } from '../../python/lint-files.js';

const proxying = '<VirtualHost *:80>\n    ProxyPass / http://127.0.0.1:5000/\n</VirtualHost>\n';
const cases: Case[] = [
  {
    name: 'invalid: RequestHeader in <VirtualHost *:*> next to a *:80 vhost (the Microsoft docs pattern)',
    files: {
      'h.conf': `<VirtualHost *:*>\n    RequestHeader set "X-Forwarded-Proto" expr=%{REQUEST_SCHEME}\n</VirtualHost>\n${proxying}`,
    },
    expect: { count: 1, severity: 'high', line: 1, message: /X-Forwarded-Proto/ },
  },
  {
    name: 'invalid: a broken scheme rule (expr=%{REQUEST_SCHEME}s, "httpss") is copied corrected, not verbatim',
    files: {
      'h.conf': `<VirtualHost *:*>\n    RequestHeader set "X-Forwarded-Proto" expr=%{REQUEST_SCHEME}s\n</VirtualHost>\n${proxying}`,
    },
    expect: { count: 1, severity: 'high', line: 1, fixLine: 'RequestHeader set X-Forwarded-Proto expr=%{REQUEST_SCHEME}' },
  },
  {
    name: 'valid (trap): <VirtualHost *:*> alone serves every port',
    files: {
      'h.conf':
        '<VirtualHost *:*>\n    RequestHeader set X-Forwarded-Proto https\n    ProxyPass / http://127.0.0.1:5000/\n</VirtualHost>\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): the wildcard vhost that proxies is not dead config',
    files: { 'h.conf': `<VirtualHost *:*>\n    ProxyPass /x http://127.0.0.1:1/\n</VirtualHost>\n${proxying}` },
    expect: { count: 0 },
  },
  { name: 'valid: only port vhosts', files: { 'h.conf': proxying }, expect: { count: 0 } },
  {
    name: 'valid: the proxying vhost carries the same header itself (the leftover wildcard is harmless)',
    files: {
      'h.conf':
        '<VirtualHost *:*>\n    RequestHeader set "X-Forwarded-Proto" expr=%{REQUEST_SCHEME}\n</VirtualHost>\n<VirtualHost *:80>\n    RequestHeader set "X-Forwarded-Proto" expr=%{REQUEST_SCHEME}\n    ProxyPass / http://127.0.0.1:5000/\n</VirtualHost>\n',
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
