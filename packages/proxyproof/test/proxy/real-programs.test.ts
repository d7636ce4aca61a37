/**
 * The proxy readers cross-checked against the real Debian programs: `haproxy -c` (2.6) confirms that
 * http-request rules without `mode http` are ignored, and `caddy adapt` (2.6.2) reads a Caddyfile without
 * braces as one site with the same upstream our reader finds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCaddyfile } from '../../src/collectors/caddy/collector.js';
import { readHaproxy } from '../../src/collectors/haproxy/collector.js';

function run(cmd: string, args: string[], cwd: string) {
  return spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, HOME: cwd, XDG_DATA_HOME: cwd, XDG_CONFIG_HOME: cwd },
  });
}

test('haproxy -c: http-request rules without mode http are ignored, as our reader reports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-haproxy-'));
  try {
    const cfg =
      'frontend https\n  bind 127.0.0.1:18443\n  http-request set-header X-Forwarded-For %[src]\n  default_backend m\nbackend m\n  server m 127.0.0.1:8008\n';
    writeFileSync(join(dir, 'haproxy.cfg'), cfg);
    const r = run('haproxy', ['-c', '-f', 'haproxy.cfg'], dir);
    assert.match(`${r.stdout}${r.stderr}`, /'http-request' rules ignored for frontend 'https' as they require HTTP mode/);
    const facts = readHaproxy('haproxy.cfg', cfg);
    assert.equal(facts.sites[0]?.mode, 'tcp');
    assert.equal(facts.haproxy?.rulesWithoutHttpMode[0]?.section, 'frontend https');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('caddy adapt: a Caddyfile without braces is one site; upstream and header_up as we read them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-'));
  try {
    const src = 'example.com\n\nreverse_proxy 127.0.0.1:8096 {\n\theader_up X-Real-IP {http.request.header.X-Real-IP}\n}\n';
    writeFileSync(join(dir, 'Caddyfile'), src);
    const r = run('caddy', ['adapt', '--config', 'Caddyfile', '--adapter', 'caddyfile'], dir);
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    const route = json.apps.http.servers.srv0.routes[0];
    assert.deepEqual(route.match[0].host, ['example.com']);
    const text = JSON.stringify(route);
    assert.match(text, /"dial":"127\.0\.0\.1:8096"/);
    assert.match(text, /"X-Real-Ip":\["\{http\.request\.header\.X-Real-IP\}"\]/);
    const ours = readCaddyfile('Caddyfile', src).config;
    assert.equal(ours.sites.length, 1);
    assert.deepEqual(ours.sites[0]?.names, ['example.com']);
    assert.equal(ours.sites[0]?.routes[0]?.upstreams[0]?.text, '127.0.0.1:8096');
    assert.equal(ours.sites[0]?.routes[0]?.headers.find((h) => h.name === 'X-Real-IP')?.value, '{in:x-real-ip}');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('caddy adapt (2.6.2): the global servers trusted_proxies is rejected, the per-directive form the fix writes is read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-'));
  try {
    writeFileSync(
      join(dir, 'Global'),
      '{\n\tservers {\n\t\ttrusted_proxies static 127.0.0.1\n\t}\n}\n:8080 {\n\treverse_proxy 127.0.0.1:3000\n}\n',
    );
    const g = run('caddy', ['adapt', '--config', 'Global', '--adapter', 'caddyfile'], dir);
    assert.notEqual(g.status, 0);
    assert.match(g.stderr, /unrecognized servers option 'trusted_proxies'/);
    const fixed =
      ':8080 {\n\tbind 127.0.0.1\n\tphp_fastcgi unix//run/php/php8.2-fpm.sock {\n\t\ttrusted_proxies 127.0.0.1 ::1\n\t}\n}\n';
    writeFileSync(join(dir, 'Caddyfile'), fixed);
    const r = run('caddy', ['adapt', '--config', 'Caddyfile', '--adapter', 'caddyfile'], dir);
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    const server = json.apps.http.servers.srv0;
    assert.deepEqual(server.listen, ['127.0.0.1:8080']);
    assert.match(JSON.stringify(server.routes), /"trusted_proxies":\["127\.0\.0\.1","::1"\]/);
    assert.match(
      JSON.stringify(server.routes),
      /"dial":"\/run\/php\/php8\.2-fpm\.sock","network":"unix"|"dial":"unix\/\/run\/php\/php8\.2-fpm\.sock"/,
    );
    const ours = readCaddyfile('Caddyfile', fixed).config;
    assert.equal(ours.sites[0]?.listeners[0]?.address, '127.0.0.1');
    assert.equal(ours.sites[0]?.trust.mode, 'list');
    assert.deepEqual(ours.sites[0]?.routes[0]?.upstreams[0]?.address, { kind: 'unix', path: '/run/php/php8.2-fpm.sock' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
