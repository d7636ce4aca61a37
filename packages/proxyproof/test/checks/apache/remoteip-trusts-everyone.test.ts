import { test } from 'node:test';
import { apacheRemoteIpTrustsEveryone as check } from '../../../src/checks/apache/remoteip-trusts-everyone.js';
import { type Case, runCase } from '../../python/lint-files.js';

const vh = (extra: string) =>
  `<VirtualHost *:80>\n    ProxyPass / http://localhost:9000/\n    RemoteIPHeader X-Forwarded-For\n${extra}</VirtualHost>\n`;
const cases: Case[] = [
  {
    name: 'invalid: RemoteIPHeader with no trusted list',
    files: { 'm.conf': vh('') },
    expect: { count: 1, severity: 'high', line: 3 },
  },
  { name: 'valid: RemoteIPTrustedProxy', files: { 'm.conf': vh('    RemoteIPTrustedProxy 10.0.0.5\n') }, expect: { count: 0 } },
  {
    name: 'valid: RemoteIPInternalProxy',
    files: { 'm.conf': vh('    RemoteIPInternalProxy 10.0.0.0/8\n') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a trusted list at the server level applies to the vhost',
    files: { 'm.conf': `RemoteIPTrustedProxy 192.0.2.1\n${vh('')}` },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): X-Forwarded-For mentioned only in a RequestHeader is not mod_remoteip',
    files: {
      'm.conf': '<VirtualHost *:80>\n    RequestHeader unset X-Forwarded-For\n    ProxyPass / http://x:1/\n</VirtualHost>\n',
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
