/**
 * proxy/scheme-https-on-plain-listener through the real lint (collectors, topology, the check): one row per proxy's
 * way of writing a literal https on a route that plain HTTP reaches, and the traps (TLS-only sites, plain requests
 * redirected first, a front in front of a plain-only site, a condition the model does not read).
 */
import { test } from 'node:test';
import { proxySchemeHttpsOnPlainListener as check } from '../../../src/checks/proxy/scheme-https-on-plain-listener.js';
import { type Case, runCase } from '../../python/lint-files.js';

const app = { 'app.py': 'from flask import Flask\napp = Flask(__name__)\n', 'gunicorn.conf.py': 'bind = "127.0.0.1:8000"\n' };
const caddy = (addresses: string, line: string) => `${addresses} {\n\treverse_proxy 127.0.0.1:8000 {\n\t\t${line}\n\t}\n}\n`;
const apache = (port: number, rh: string, tls = false) =>
  `<VirtualHost *:${port}>\n    ServerName example.com\n${tls ? '    SSLEngine on\n' : ''}    ${rh}\n    ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n`;
const haproxy = (rules: string) =>
  `defaults\n  mode http\nfrontend www\n  bind *:80\n  bind *:443 ssl crt /etc/haproxy/site.pem\n${rules}  default_backend app\nbackend app\n  server a 127.0.0.1:8000\n`;
const traefikStatic = 'entryPoints:\n  web:\n    address: ":80"\nproviders:\n  file:\n    filename: /etc/traefik/dynamic.yml\n';
const traefikDynamic = (middlewares: string, extra = '') =>
  `http:\n  routers:\n    app:\n      rule: Host(\`example.com\`)\n      entryPoints: [web]\n      service: app\n      middlewares: [${middlewares}]\n  middlewares:\n    scheme:\n      headers:\n        customRequestHeaders:\n          X-Forwarded-Proto: https\n${extra}  services:\n    app:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:8000\n`;
const nginx = (listens: string) =>
  `http {\n  server {\n${listens}    server_name example.com;\n    location / {\n      proxy_set_header X-Forwarded-Proto https;\n      proxy_pass http://127.0.0.1:8000;\n    }\n  }\n}\n`;

const cases: Case[] = [
  {
    name: 'invalid: Caddy site on http:// and https:// with header_up X-Forwarded-Proto https',
    files: { ...app, Caddyfile: caddy('http://example.com, https://example.com', 'header_up X-Forwarded-Proto https') },
    expect: {
      count: 1,
      severity: 'medium',
      file: 'Caddyfile',
      line: 3,
      message: /plain HTTP on port 80 besides TLS on port 443/,
    },
  },
  {
    name: 'invalid (low): Apache *:80 vhost sets X-Forwarded-Proto https, nothing in front shown',
    files: { ...app, 'site.conf': apache(80, 'RequestHeader set X-Forwarded-Proto "https"') },
    expect: {
      count: 1,
      severity: 'low',
      file: 'site.conf',
      line: 3,
      message: /unless TLS ends at a load balancer/,
      fixLine: 'RequestHeader set X-Forwarded-Proto expr=%{REQUEST_SCHEME}',
    },
  },
  {
    name: 'invalid: Apache X-Forwarded-Ssl on in a *:80 vhost',
    files: { ...app, 'site.conf': apache(80, 'RequestHeader set X-Forwarded-Ssl on') },
    expect: { count: 1, line: 3, message: /X-Forwarded-Ssl: on/ },
  },
  {
    name: 'invalid: HAProxy frontend with :80 and :443 sets https unconditionally',
    files: { ...app, 'haproxy.cfg': haproxy('  http-request set-header X-Forwarded-Proto https\n') },
    expect: {
      count: 1,
      severity: 'medium',
      line: 6,
      fixLine: 'http-request set-header X-Forwarded-Proto %[ssl_fc,iif(https,http)]',
    },
  },
  {
    name: 'invalid: Traefik customRequestHeaders X-Forwarded-Proto https on a plain entrypoint',
    files: { ...app, 'traefik.yml': traefikStatic, 'dynamic.yml': traefikDynamic('scheme') },
    expect: { count: 1, file: 'dynamic.yml', line: 12 },
  },
  {
    name: 'invalid: nginx server on 80 and 443 ssl with proxy_set_header X-Forwarded-Proto https',
    files: { ...app, 'nginx.conf': nginx('    listen 80;\n    listen 443 ssl;\n') },
    expect: { count: 1, file: 'nginx.conf', line: 7, fixLine: 'proxy_set_header X-Forwarded-Proto $scheme;' },
  },
  {
    name: 'valid: Caddy sends the connection scheme ({scheme})',
    files: { ...app, Caddyfile: caddy('http://example.com, https://example.com', 'header_up X-Forwarded-Proto {scheme}') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a Caddy site with a bare name redirects plain HTTP to https (automatic HTTPS)',
    files: { ...app, Caddyfile: caddy('example.com', 'header_up X-Forwarded-Proto https') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Apache TLS vhost (SSLEngine on) sets https',
    files: { ...app, 'site.conf': apache(443, 'RequestHeader set X-Forwarded-Proto "https"', true) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Apache *:80 vhost behind a TLS front the tree shows (fly.toml tls handler)',
    files: {
      ...app,
      'site.conf': apache(80, 'RequestHeader set X-Forwarded-Proto "https"'),
      'fly.toml':
        'app = "x"\n[[services]]\n  internal_port = 80\n  [[services.ports]]\n    handlers = ["tls", "http"]\n    port = 443\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Apache rule under a condition the model does not read (env=FROM_LB) is not judged',
    files: { ...app, 'site.conf': apache(80, 'RequestHeader set X-Forwarded-Proto "https" env=FROM_LB') },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): HAProxy redirects plain requests to https before the unconditional https',
    files: {
      ...app,
      'haproxy.cfg': haproxy(
        '  http-request redirect scheme https unless { ssl_fc }\n  http-request set-header X-Forwarded-Proto https\n',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): nginx plain server only redirects to https; the TLS server sets the literal',
    files: {
      ...app,
      'nginx.conf':
        'http {\n  server {\n    listen 80;\n    server_name example.com;\n    return 301 https://$host$request_uri;\n  }\n  server {\n    listen 443 ssl;\n    server_name example.com;\n    location / {\n      proxy_set_header X-Forwarded-Proto https;\n      proxy_pass http://127.0.0.1:8000;\n    }\n  }\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Traefik router with a redirectScheme middleware before the custom header',
    files: {
      ...app,
      'traefik.yml': traefikStatic,
      'dynamic.yml': traefikDynamic(
        'https-redirect, scheme',
        '    https-redirect:\n      redirectScheme:\n        scheme: https\n',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): nginx plain-only server with real_ip_header (a load balancer in front ends TLS)',
    files: {
      ...app,
      'nginx.conf': nginx('    listen 80;\n    set_real_ip_from 10.0.0.0/8;\n    real_ip_header X-Forwarded-For;\n'),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): nginx TLS-only server with a literal https',
    files: { ...app, 'nginx.conf': nginx('    listen 443 ssl;\n') },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));
