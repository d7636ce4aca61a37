import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { caddyTrustedProxiesMissing as check } from '../../../src/checks/caddy/trusted-proxies-missing.js';
import { runCli } from '../../helpers.js';
import { type Case, runCase } from '../../python/lint-files.js';

const FLY =
  'app = "x"\n[[services]]\n  internal_port = 8080\n  [[services.ports]]\n    handlers = ["tls", "http"]\n    port = 443\n';

// A host nginx (TLS) in front of Caddy run by compose and published on 127.0.0.1:8008 (the shape projects document).
const HOST_NGINX =
  'server {\n  listen 443 ssl;\n  server_name example.org;\n  ssl_certificate /c.pem;\n  ssl_certificate_key /k.pem;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    proxy_pass http://127.0.0.1:8008;\n  }\n}\n';
const compose = (image: string, extra = '') =>
  `services:\n  www:\n    image: ${image}\n    ports:\n      - 8008:80\n    environment:\n      - SERVER_NAME=:80\n      - UPSTREAM=app:3000\n${extra}  app:\n    image: node:20\n    expose:\n      - 3000\n`;
// Caddy's native JSON: a server on loopback proxying to an app; line 11 is the handler's `"handler"` line.
const JSON_LOOPBACK = `{
  "apps": {
    "http": {
      "servers": {
        "srv0": {
          "listen": ["127.0.0.1:8080"],
          "routes": [
            {
              "handle": [
                {
                  "handler": "reverse_proxy",
                  "upstreams": [{ "dial": "127.0.0.1:3000" }]
                }
              ]
            }
          ]
        }
      }
    }
  }
}
`;
const ENV_CADDYFILE = '{$SERVER_NAME} {\n\treverse_proxy {$UPSTREAM}\n}\n';

const cases: Case[] = [
  {
    name: 'invalid (high): compose Caddy (caddy:2, {$VAR} site from its environment) behind a host nginx that proxies to its published port: the global form (2.6.3+) is written above the site',
    files: { 'nginx.conf': HOST_NGINX, 'docker-compose.yml': compose('caddy:2-alpine'), Caddyfile: ENV_CADDYFILE },
    expect: { count: 1, severity: 'high', file: 'Caddyfile', line: 1, fixLine: '\t\ttrusted_proxies static private_ranges' },
  },
  {
    name: 'invalid (high): Caddy started by the compose command in an app image, Dockerfile FROM caddy:2.8.4-builder: global form inside the existing global block',
    files: {
      'nginx.conf': HOST_NGINX,
      'docker/compose.yml':
        'services:\n  www:\n    build:\n      context: ../\n      dockerfile: docker/Dockerfile\n    command: caddy run --config /etc/caddy/Caddyfile\n    ports:\n      - 127.0.0.1:8008:80\n    environment:\n      - SERVER_NAME=:80\n',
      'docker/Dockerfile': 'FROM php:8.3-fpm-alpine AS base\nFROM caddy:2.8.4-builder-alpine AS builder\nFROM base\n',
      'docker/caddy/Caddyfile': '{\n\tauto_https off\n}\n\n{$SERVER_NAME} {\n\tphp_fastcgi php:9000\n}\n',
    },
    expect: { count: 1, severity: 'high', line: 1, fixLine: '\tservers {' },
  },
  {
    name: 'invalid (high): the same behind a host nginx, but the image pins Caddy 2.6.2 (no global form): trusted_proxies on the directive',
    files: { 'nginx.conf': HOST_NGINX, 'docker-compose.yml': compose('caddy:2.6.2'), Caddyfile: ENV_CADDYFILE },
    expect: { count: 1, severity: 'high', line: 2, fixLine: '\t\ttrusted_proxies private_ranges' },
  },
  {
    name: 'valid (trap): compose Caddy published on 8008 with no proxy of the tree forwarding there is not judged',
    files: { 'docker-compose.yml': compose('caddy:2-alpine'), Caddyfile: ENV_CADDYFILE },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): the host nginx proxies to another port than the one compose publishes',
    files: {
      'nginx.conf': HOST_NGINX.replace('8008', '9009'),
      'docker-compose.yml': compose('caddy:2-alpine'),
      Caddyfile: ENV_CADDYFILE,
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: compose Caddy behind the host nginx with the global trusted_proxies',
    files: {
      'nginx.conf': HOST_NGINX,
      'docker-compose.yml': compose('caddy:2-alpine'),
      Caddyfile: `{\n\tservers {\n\t\ttrusted_proxies static private_ranges\n\t}\n}\n${ENV_CADDYFILE}`,
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid (medium): a loopback-bound plain site (another proxy on the host forwards to it), php_fastcgi without trusted_proxies',
    files: { Caddyfile: ':8080 {\n\tbind 127.0.0.1\n\troot * /srv/wiki\n\tphp_fastcgi unix//run/php/php8.2-fpm.sock\n}\n' },
    expect: { count: 1, severity: 'medium', line: 4, fixLine: '\t\ttrusted_proxies 127.0.0.1 ::1' },
  },
  {
    name: 'invalid (medium): reverse_proxy with its own block gets trusted_proxies inside it',
    files: {
      Caddyfile: ':8080 {\n\tbind 127.0.0.1\n\treverse_proxy 127.0.0.1:3000 {\n\t\theader_up X-Real-IP {remote_host}\n\t}\n}\n',
    },
    expect: { count: 1, line: 3, fixLine: '\t\ttrusted_proxies 127.0.0.1 ::1' },
  },
  {
    name: "invalid (high): an nginx on another host (TLS) proxies to the public address this Caddy site binds: the proxy's own address is asked for (fix --proxy-address)",
    files: {
      'edge/nginx.conf': HOST_NGINX.replace('127.0.0.1:8008', '198.51.100.6:80'),
      'app/Caddyfile': '{\n\tauto_https off\n}\n\nhttp://:80 {\n\tbind 198.51.100.6\n\treverse_proxy 127.0.0.1:8000\n}\n',
    },
    expect: { count: 1, severity: 'high', file: 'app/Caddyfile', line: 7, fixLine: '\t\ttrusted_proxies <proxy address>' },
  },
  {
    name: "invalid (high): the same to a private bind address: Caddy's private_ranges covers the proxy in that network",
    files: {
      'edge/nginx.conf': HOST_NGINX.replace('127.0.0.1:8008', '10.0.0.6:8080'),
      'app/Caddyfile': ':8080 {\n\tbind 10.0.0.6\n\treverse_proxy 127.0.0.1:8000\n}\n',
    },
    expect: { count: 1, severity: 'high', file: 'app/Caddyfile', line: 3, fixLine: '\t\ttrusted_proxies private_ranges' },
  },
  {
    name: 'valid (trap): the nginx proxies to the address Caddy binds but another port: not this site',
    files: {
      'edge/nginx.conf': HOST_NGINX.replace('127.0.0.1:8008', '10.0.0.6:9090'),
      'app/Caddyfile': ':8080 {\n\tbind 10.0.0.6\n\treverse_proxy 127.0.0.1:8000\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Caddy binds every interface: an nginx proxying to some address on its port proves nothing about this host',
    files: {
      'edge/nginx.conf': HOST_NGINX.replace('127.0.0.1:8008', '10.0.0.6:8080'),
      'app/Caddyfile': ':8080 {\n\treverse_proxy 127.0.0.1:8000\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid (high): a TLS-terminating front (fly.toml) in front of a plain Caddy site',
    files: { 'fly.toml': FLY, Caddyfile: ':8080 {\n\treverse_proxy 127.0.0.1:3000\n}\n' },
    expect: { count: 1, severity: 'high', line: 2 },
  },
  {
    name: 'invalid (high): a Procfile whose web process is Caddy: the Heroku router ends TLS in front of it',
    files: {
      Procfile: 'web: caddy run --config Caddyfile --adapter caddyfile\n',
      Caddyfile: ':{$PORT} {\n\treverse_proxy 127.0.0.1:3000\n}\n',
    },
    expect: { count: 1, severity: 'high', line: 2 },
  },
  {
    name: 'valid (trap): a Procfile for Heroku that runs gunicorn: its router is not in front of the Caddy of another deployment',
    files: { Procfile: 'web: gunicorn site.wsgi\n', Caddyfile: ':8080 {\n\treverse_proxy 127.0.0.1:3000\n}\n' },
    expect: { count: 0 },
  },
  {
    name: 'valid: trusted_proxies on the directive (the fix)',
    files: {
      Caddyfile:
        ':8080 {\n\tbind 127.0.0.1\n\tphp_fastcgi unix//run/php/php8.2-fpm.sock {\n\t\ttrusted_proxies 127.0.0.1 ::1\n\t}\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: global servers { trusted_proxies } (Caddy 2.6.3+)',
    files: {
      Caddyfile:
        '{\n\tservers {\n\t\ttrusted_proxies static 127.0.0.1\n\t}\n}\n:8080 {\n\tbind 127.0.0.1\n\treverse_proxy 127.0.0.1:3000\n}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Caddy at the edge with TLS, php_fastcgi sets HTTPS=on itself',
    files: { Caddyfile: 'wiki.example.org {\n\troot * /srv/wiki\n\tphp_fastcgi unix//run/php/php8.2-fpm.sock\n}\n' },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a plain site on every interface with no sign of a proxy in front is not judged',
    files: { Caddyfile: ':8080 {\n\treverse_proxy app:3000\n}\n' },
    expect: { count: 0 },
  },
  {
    name: 'invalid (medium): Caddy JSON config (caddy.json), a loopback server proxying without trusted_proxies: the member is written after the handler line',
    files: { 'caddy.json': JSON_LOOPBACK },
    expect: { count: 1, severity: 'medium', file: 'caddy.json', line: 11, fixLine: '"trusted_proxies": ["127.0.0.1", "::1"],' },
  },
  {
    name: 'invalid (high): Caddy JSON in a compose container behind the host nginx: private ranges spelled out as CIDRs',
    files: {
      'nginx.conf': HOST_NGINX,
      'docker-compose.yml': compose('caddy:2-alpine'),
      'caddy/config.json': JSON_LOOPBACK.replace('127.0.0.1:8080', ':80'),
    },
    expect: { count: 1, severity: 'high', file: 'caddy/config.json', line: 11 },
  },
  {
    name: 'valid: Caddy JSON with the handler trusted_proxies (the fix)',
    files: {
      'caddy.json': JSON_LOOPBACK.replace(
        '"handler": "reverse_proxy",',
        '"handler": "reverse_proxy",\n"trusted_proxies": ["127.0.0.1"],',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: Caddy JSON with the server trusted_proxies (2.6.3+)',
    files: {
      'caddy.json': JSON_LOOPBACK.replace(
        '"listen":',
        '"trusted_proxies": {"source": "static", "ranges": ["127.0.0.1/8"]},\n"listen":',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): Caddy JSON at the edge: a host matcher on :443 gets automatic HTTPS',
    files: {
      'caddy.json':
        '{"apps": {"http": {"servers": {"srv0": {"listen": [":443"], "routes": [{"match": [{"host": ["app.example.org"]}],\n"handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "127.0.0.1:3000"}]}]}]}}}}}\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): a JSON file that is not a Caddy config (package.json) is not read as one',
    files: {
      'package.json': '{"name": "x", "apps": [], "servers": {"listen": ["127.0.0.1:8080"]}}',
      Caddyfile: 'app.example.org {\n\treverse_proxy 127.0.0.1:3000\n}\n',
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(c.name, async () => void (await runCase(check, c)));

// r17edge: behind `--front cloudflare` the fix trusts Cloudflare's published ranges (collectors/front/fronts.ts), not
// private_ranges (Cloudflare's edge connects from public addresses); real `caddy adapt` accepts the patched file and
// a re-lint is clean.
test('CLI: --front cloudflare: fix --write trusts the 22 published ranges, caddy adapt accepts it, re-lint clean', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-cf-'));
  try {
    writeFileSync(join(dir, 'Caddyfile'), 'http://a.example.com {\n\treverse_proxy 127.0.0.1:8000\n}\n');
    writeFileSync(join(dir, 'app.service'), '[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8000 app:app\n');
    const ids = (r: { stdout: string }) => (JSON.parse(r.stdout).findings as Array<{ id: string }>).map((f) => f.id);
    const before = runCli(['lint', '.', '--front', 'cloudflare', '--format', 'json'], { cwd: dir });
    assert.ok(ids(before).includes('caddy/trusted-proxies-missing'), before.stdout);
    const fix = runCli(['fix', '.', '--front', 'cloudflare', '--write'], { cwd: dir });
    assert.ok(fix.code === 0 || fix.code === 1, fix.stderr);
    const patched = readFileSync(join(dir, 'Caddyfile'), 'utf8');
    assert.match(patched, /\n\t\ttrusted_proxies 173\.245\.48\.0\/20 103\.21\.244\.0\/22 .* 2a06:98c0::\/29 2c0f:f248::\/32\n/);
    assert.doesNotMatch(patched, /private_ranges/);
    const adapt = spawnSync('caddy', ['adapt', '--config', join(dir, 'Caddyfile')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(adapt.status, 0, adapt.stderr);
    assert.match(adapt.stdout, /"handler":"reverse_proxy","trusted_proxies":\["173\.245\.48\.0\/20",.*"2c0f:f248::\/32"\]/);
    const after = runCli(['lint', '.', '--front', 'cloudflare', '--format', 'json'], { cwd: dir });
    assert.ok(!ids(after).includes('caddy/trusted-proxies-missing'), after.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
