import { test } from 'node:test';
import { proxyClientIpLeftmostSpoofable as check } from '../../../src/checks/proxy/client-ip-leftmost-spoofable.js';
import { type Case, runCase } from '../../python/lint-files.js';

const HS = (xf: string, bind = "['::1', '127.0.0.1']") =>
  `listeners:\n- port: 8008\n  tls: false\n  type: http\n  x_forwarded: ${xf}\n  bind_addresses: ${bind}\n  resources:\n  - names: [client]\n`;
const VHOST = (extra = '') =>
  `<VirtualHost *:443>\n    SSLEngine on\n    ServerName matrix.example.com\n${extra}    ProxyPass /_matrix http://127.0.0.1:8008/_matrix nocanon\n</VirtualHost>\n`;

const cases: Case[] = [
  {
    name: 'invalid: Apache edge vhost appends to the client XFF, Synapse x_forwarded takes the left-most entry',
    files: { 'matrix.conf': VHOST(), 'homeserver.yaml': HS('true') },
    expect: { count: 1, severity: 'medium', file: 'matrix.conf', line: 1, fixLine: 'RequestHeader unset X-Forwarded-For' },
  },
  {
    name: 'valid: RequestHeader unset X-Forwarded-For first (the fix)',
    files: { 'matrix.conf': VHOST('    RequestHeader unset X-Forwarded-For\n'), 'homeserver.yaml': HS('true') },
    expect: { count: 0 },
  },
  {
    name: 'valid: Synapse without x_forwarded uses the TCP peer',
    files: { 'matrix.conf': VHOST(), 'homeserver.yaml': HS('false') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): the upstream port is another app, not the Synapse listener',
    files: { 'matrix.conf': VHOST().replace(/8008/g, '8009'), 'homeserver.yaml': HS('true') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Apache behind a declared front trusts it (RemoteIP lists are another check): a front in the tree',
    files: {
      'matrix.conf': VHOST(),
      'homeserver.yaml': HS('true'),
      'fly.toml':
        'app = "x"\n[[services]]\n  internal_port = 443\n  [[services.ports]]\n    handlers = ["tls", "http"]\n    port = 443\n',
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
