import { test } from 'node:test';
import { proxyClientHeaderCopied as check } from '../../../src/checks/proxy/client-header-copied.js';
import { type Case, runCase } from '../../python/lint-files.js';
import { INGRESS, NGINX } from './sites.js';

const caddy = (line: string) => `app.example.com {\n\treverse_proxy app:8000 {\n\t\t${line}\n\t}\n}\n`;
const cases: Case[] = [
  {
    name: 'invalid (low): header_up X-Real-IP copied from the request',
    files: { Caddyfile: caddy('header_up X-Real-IP {http.request.header.X-Real-IP}') },
    expect: { count: 1, severity: 'low', line: 3, fixLine: 'header_up X-Real-IP {client_ip}' },
  },
  {
    name: 'invalid (medium): X-Forwarded-Proto copied from the request',
    files: { Caddyfile: caddy('header_up X-Forwarded-Proto {header.X-Forwarded-Proto}') },
    expect: { count: 1, severity: 'medium', fixLine: 'header_up X-Forwarded-Proto {scheme}' },
  },
  {
    name: 'valid (trap): header_up X-Forwarded-For {remote_host} is the real peer',
    files: { Caddyfile: caddy('header_up X-Forwarded-For {remote_host}') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a non-forwarding header copied (Authorization) is not this check',
    files: { Caddyfile: caddy('header_up X-Auth {http.request.header.Authorization}') },
    expect: { count: 0 },
  },
  {
    name: 'invalid: HAProxy set-header from req.hdr',
    files: {
      'haproxy.cfg':
        'defaults\n  mode http\nfrontend fe\n  bind :80\n  http-request set-header X-Forwarded-Proto %[req.hdr(x-forwarded-proto)]\n  default_backend b\nbackend b\n  server a 127.0.0.1:1\n',
    },
    expect: { count: 1, line: 5 },
  },
  {
    name: "invalid (low): an nginx location copies the client's X-Real-IP ($http_x_real_ip)",
    files: {
      'nginx.conf': NGINX(
        '    location / {\n      proxy_set_header X-Real-IP $http_x_real_ip;\n      proxy_pass http://127.0.0.1:8000;\n    }',
      ),
    },
    expect: { count: 1, severity: 'low', file: 'nginx.conf', line: 6 },
  },
  {
    name: 'valid: nginx sends the peer address itself',
    files: {
      'nginx.conf': NGINX(
        '    location / {\n      proxy_set_header X-Real-IP $remote_addr;\n      proxy_pass http://127.0.0.1:8000;\n    }',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: "invalid (low): an ingress-nginx configuration-snippet copies the client's X-Real-IP",
    files: {
      'ingress.yaml': INGRESS(
        '    nginx.ingress.kubernetes.io/configuration-snippet: |\n      proxy_set_header X-Real-IP $http_x_real_ip;\n',
      ),
    },
    expect: { count: 1, severity: 'low', file: 'ingress.yaml' },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
