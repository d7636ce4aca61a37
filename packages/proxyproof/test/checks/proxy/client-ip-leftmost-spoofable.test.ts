import { test } from 'node:test';
import { proxyClientIpLeftmostSpoofable as check } from '../../../src/checks/proxy/client-ip-leftmost-spoofable.js';
import { type Case, runCase } from '../../python/lint-files.js';

const HS = (xf: string, bind = "['::1', '127.0.0.1']") =>
  `listeners:\n- port: 8008\n  tls: false\n  type: http\n  x_forwarded: ${xf}\n  bind_addresses: ${bind}\n  resources:\n  - names: [client]\n`;
const VHOST = (extra = '') =>
  `<VirtualHost *:443>\n    SSLEngine on\n    ServerName matrix.example.com\n${extra}    ProxyPass /_matrix http://127.0.0.1:8008/_matrix nocanon\n</VirtualHost>\n`;

/** An nginx edge server in front of Synapse (nginx is read through its neutral sites: facts/nginx/sites.ts). */
const NGINX = (xff = '$proxy_add_x_forwarded_for', extra = '') =>
  `server {\n    listen 443 ssl;\n    server_name matrix.example.com;\n    ssl_certificate /etc/ssl/m.pem;\n    ssl_certificate_key /etc/ssl/m.key;\n${extra}    location /_matrix {\n        proxy_pass http://127.0.0.1:8008;\n        proxy_set_header X-Forwarded-For ${xff};\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n`;

const cases: Case[] = [
  {
    name: 'invalid: nginx edge server appends ($proxy_add_x_forwarded_for), Synapse x_forwarded takes the left-most entry',
    files: { 'matrix.conf': NGINX(), 'homeserver.yaml': HS('true') },
    expect: {
      count: 1,
      severity: 'medium',
      file: 'matrix.conf',
      line: 1,
      fixLine: 'proxy_set_header X-Forwarded-For $remote_addr;',
      fixAt: { line: 8, placement: 'replace' },
    },
  },
  {
    name: 'valid: nginx sends $remote_addr (the fix; Synapse reverse-proxy docs)',
    files: { 'matrix.conf': NGINX('$remote_addr'), 'homeserver.yaml': HS('true') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): nginx behind a load balancer it names with real_ip is not the edge',
    files: {
      'matrix.conf': NGINX(
        '$proxy_add_x_forwarded_for',
        '    set_real_ip_from 10.0.0.0/8;\n    real_ip_header X-Forwarded-For;\n',
      ),
      'homeserver.yaml': HS('true'),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid: the append comes from an include outside the tree (proxy_params): advice, no line to replace',
    files: {
      'matrix.conf':
        'server {\n    listen 443 ssl;\n    server_name m.example.com;\n    ssl_certificate /etc/ssl/m.pem;\n    ssl_certificate_key /etc/ssl/m.key;\n    location / {\n        include proxy_params;\n        proxy_pass http://127.0.0.1:8008;\n    }\n}\n',
      'homeserver.yaml': HS('true'),
    },
    expect: { count: 1, severity: 'medium', mechanical: false },
  },
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
