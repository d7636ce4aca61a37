/** The proxy collectors' readers (Caddyfile, haproxy.cfg, Apache vhosts) seen as chain hops, and template translation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAddress, trustsPeer } from '../../src/chain/addr.js';
import { nginxToTemplate } from '../../src/chain/topology/nginx.js';
import { siteHop } from '../../src/chain/topology/proxy.js';
import { computeVerdict } from '../../src/chain/verdict.js';
import { readApache } from '../../src/collectors/apache/collector.js';
import { caddyToTemplate, readCaddyfile } from '../../src/collectors/caddy/collector.js';
import { haproxyToTemplate, readHaproxy } from '../../src/collectors/haproxy/collector.js';
import { django, gunicorn, link, nginx, ref, route, rule, topo } from './topo.js';

const hopsOf = (c: { kind: string; sites: Parameters<typeof siteHop>[1][] }) =>
  c.sites.filter((s) => s.routes.length && s.listeners.length).map((s) => siteHop(c.kind as 'caddy', s));
const caddyHops = (file: string, src: string) => ({ hops: hopsOf(readCaddyfile(file, src).config) });
const haproxyHops = (file: string, src: string) => {
  const c = readHaproxy(file, src);
  return { hops: hopsOf(c), notes: c.sites.flatMap((s) => s.notes) };
};
const apacheHops = (file: string, src: string) => ({ hops: hopsOf(readApache(file, src).config) });

describe('Caddyfile reader', () => {
  it("a bare site name is automatic HTTPS on 443 with Caddy's own X-Forwarded-*", () => {
    const { hops } = caddyHops('Caddyfile', 'example.com {\n\treverse_proxy 127.0.0.1:8000\n}\n');
    const h = hops[0];
    assert.equal(h?.listeners[0]?.port, 443);
    assert.equal(h?.listeners[0]?.tls, true);
    assert.deepEqual(h?.routes[0]?.upstreams[0]?.address, { kind: 'tcp', host: '127.0.0.1', port: 8000 });
    assert.equal(h?.routes[0]?.headers.find((r) => r.name === 'X-Forwarded-Proto')?.value, '{trusted:x-forwarded-proto|scheme}');
    assert.deepEqual(h?.trustedPeers?.list, []);
  });
  it(':8080 and http:// sites are plain HTTP; trusted_proxies private_ranges expands', () => {
    const { hops } = caddyHops(
      'Caddyfile',
      ':8080 {\n\treverse_proxy localhost:9000 {\n\t\ttrusted_proxies private_ranges\n\t}\n}\nhttp://x.test {\n\treverse_proxy /api/* app:3000\n}\n',
    );
    assert.equal(hops[0]?.listeners[0]?.tls, false);
    assert.equal(hops[0]?.listeners[0]?.port, 8080);
    assert.ok(hops[0]?.trustedPeers?.list.includes('10.0.0.0/8'));
    assert.equal(hops[1]?.routes[0]?.samplePath, '/api/');
  });
  it('global servers { trusted_proxies static ... } (Caddy 2.6.3+)', () => {
    const { hops } = caddyHops(
      'Caddyfile',
      '{\n\tservers {\n\t\ttrusted_proxies static 10.1.0.0/16\n\t}\n}\na.test {\n\treverse_proxy 127.0.0.1:1\n}\n',
    );
    assert.deepEqual(hops[0]?.trustedPeers?.list, ['10.1.0.0/16']);
  });
  it("a host-name site gets Caddy's automatic :80 listener that redirects to https, decided by the connection", () => {
    const site = readCaddyfile('Caddyfile', 'app.example.com {\n\treverse_proxy 127.0.0.1:8000\n}\n').config.sites[0];
    assert.deepEqual(
      site?.listeners.map((l) => `${l.port}:${l.tls}`),
      ['443:true', '80:false'],
    );
    assert.equal(site?.redirectsToHttps?.line, 1);
    assert.equal(site?.redirectDecidedBy, 'connection');
  });
  it('no automatic redirect: auto_https disable_redirects/off, http_port moves it, an http:// site for the name, :port sites', () => {
    const sites = (src: string) => readCaddyfile('Caddyfile', src).config.sites;
    const off = sites('{\n\tauto_https disable_redirects\n}\na.test {\n\treverse_proxy 127.0.0.1:1\n}\n')[0];
    assert.deepEqual(
      off?.listeners.map((l) => l.port),
      [443],
    );
    assert.equal(off?.redirectsToHttps, undefined);
    const moved = sites('{\n\thttp_port 8080\n}\na.test {\n\treverse_proxy 127.0.0.1:1\n}\n')[0];
    assert.deepEqual(
      moved?.listeners.map((l) => l.port),
      [443, 8080],
    );
    // The name is served on :80 by a site of its own: that site answers, not the automatic redirect.
    const both = sites('http://a.test {\n\treverse_proxy 127.0.0.1:2\n}\na.test {\n\treverse_proxy 127.0.0.1:1\n}\n');
    assert.equal(both[1]?.redirectsToHttps, undefined);
    assert.deepEqual(
      both[1]?.listeners.map((l) => l.port),
      [443],
    );
    const port = sites(':8080 {\n\treverse_proxy 127.0.0.1:1\n}\n')[0];
    assert.equal(port?.redirectsToHttps, undefined);
  });
  it('redir to https: unconditioned is the connection, behind a header X-Forwarded-Proto http matcher it is that header value from anyone', () => {
    const plain = readCaddyfile('Caddyfile', 'http://a.test {\n\tredir https://a.test{uri} permanent\n}\n').config.sites[0];
    assert.equal(plain?.redirectsToHttps?.line, 2);
    assert.equal(plain?.redirectDecidedBy, 'connection');
    const byHeader = readCaddyfile(
      'Caddyfile',
      ':80 {\n\t@http header X-Forwarded-Proto http\n\tredir @http https://{host}{uri}\n\treverse_proxy app:8000\n}\n',
    ).config.sites[0];
    assert.equal(byHeader?.redirectsToHttps?.line, 3);
    // The matcher holds only for a request whose header says http: one without it is not redirected.
    assert.equal(byHeader?.redirectDecidedBy, 'forwarded-proto-http');
    // A path-scoped redir, or one to a relative path, is not a site-wide redirect to https.
    const scoped = readCaddyfile('Caddyfile', ':80 {\n\tredir /old https://a.test/new\n\tredir / /wiki\n}\n').config.sites[0];
    assert.equal(scoped?.redirectsToHttps, undefined);
  });
  it('placeholders', () => {
    assert.equal(caddyToTemplate('{http.request.header.X-Forwarded-Proto}'), '{in:x-forwarded-proto}');
    assert.equal(caddyToTemplate('{host}:{upstream_hostport}'), '{host}:{proxy_host}');
    assert.equal(caddyToTemplate('{vars.foo}'), '{?{vars.foo}}');
  });
  it('no site block: nothing, never a throw', () => {
    assert.deepEqual(caddyHops('Caddyfile', '').hops, []);
    assert.deepEqual(caddyHops('Caddyfile', '{\n\tservers {\n').hops, []);
  });
});

describe('haproxy.cfg reader', () => {
  const cfg = `defaults
    mode http
    option forwardfor
frontend fe
    bind 127.0.0.1:8443 ssl crt /x.pem
    http-request add-header X-Forwarded-Proto https
    http-request set-header X-Forwarded-Port %[dst_port] if { ssl_fc }
    default_backend app
backend app
    server s1 127.0.0.1:8000
`;
  it('TLS bind, backend server, forwardfor appends, add-header appends', () => {
    const { hops } = haproxyHops('haproxy.cfg', cfg);
    const h = hops[0];
    assert.equal(h?.listeners[0]?.tls, true);
    assert.equal(h?.listeners[0]?.port, 8443);
    const rules = h?.routes[0]?.headers ?? [];
    assert.equal(rules.find((r) => r.name === 'X-Forwarded-For')?.append, true);
    assert.equal(rules.find((r) => r.name === 'X-Forwarded-Proto')?.append, true);
    assert.equal(rules.find((r) => r.name === 'X-Forwarded-Port')?.when, 'tls');
    assert.equal(haproxyToTemplate('%[ssl_fc,iif(https,http)]'), '{scheme}');
  });
  it('a frontend without a backend is a site without routes, not a hop; an unknown backend is a note', () => {
    const r = haproxyHops('haproxy.cfg', 'frontend x\n  bind :443 ssl crt /x\n');
    assert.equal(r.hops.length, 0);
    const u = haproxyHops('haproxy.cfg', 'frontend x\n  bind :443 ssl crt /x\n  default_backend nope\n');
    assert.match(u.notes[0] ?? '', /backend nope is not defined/);
  });
});

describe('Apache reader', () => {
  const vh = `<VirtualHost *:443>
    ServerName app.test
    SSLEngine on
    ProxyPass / http://127.0.0.1:8000/
    RequestHeader set X-Forwarded-Proto https
</VirtualHost>`;
  it('mod_proxy: backend Host unless ProxyPreserveHost, own X-Forwarded-For/Host, RequestHeader', () => {
    const h = apacheHops('site.conf', vh).hops[0];
    assert.equal(h?.listeners[0]?.tls, true);
    const rules = h?.routes[0]?.headers ?? [];
    assert.equal(rules.find((r) => r.name === 'Host')?.value, '{proxy_host}');
    assert.equal(rules.find((r) => r.name === 'X-Forwarded-Proto')?.value, 'https');
    assert.ok(rules.some((r) => r.name === 'X-Forwarded-Host' && r.from === 'default'));
    const pres = apacheHops('site.conf', vh.replace('SSLEngine on', 'SSLEngine on\n    ProxyPreserveHost On')).hops[0];
    assert.equal(pres?.routes[0]?.headers.find((r) => r.name === 'Host')?.value, '{http_host}');
  });
});

describe('templates and addresses', () => {
  it('nginx variables', () => {
    const maps = new Set(['$fwd_proto']);
    assert.equal(nginxToTemplate('$host:$server_port', maps), '{host}:{server_port}');
    assert.equal(nginxToTemplate('$http_x_forwarded_proto', maps), '{in:x-forwarded-proto}');
    assert.equal(nginxToTemplate('$fwd_proto', maps), '{map:$fwd_proto}');
    assert.equal(nginxToTemplate('$request_id', maps), '{?$request_id}');
  });
  it('nginx map evaluated per request (the nginx-proxy pattern keeps an incoming https)', () => {
    const h = nginx([route([rule('Host', '{host}'), rule('X-Forwarded-Proto', '{map:$p}')])], { tls: false });
    // map $http_x_forwarded_proto $p { default $http_x_forwarded_proto; '' $scheme; }
    h.maps = {
      $p: {
        source: '{in:x-forwarded-proto}',
        entries: [{ key: '', value: '{scheme}' }],
        default: '{in:x-forwarded-proto}',
        ref: ref('site.conf', 1),
      },
    };
    const t = topo([h], [gunicorn({ framework: django() })], [link({ kind: 'loopback', ip: '127.0.0.1' })]);
    for (const e of t.entries) e.lb = { type: 'lb', label: 'LB', mode: 'http', port: 443, why: 'test', origin: 'declared' };
    assert.equal(computeVerdict(t).routes[0]?.scheme.status, 'correct');
  });
  it('addresses', () => {
    assert.deepEqual(parseAddress('[::1]:8000'), { kind: 'tcp', host: '::1', port: 8000 });
    assert.deepEqual(parseAddress('unix:/run/a.sock'), { kind: 'unix', path: '/run/a.sock' });
    assert.deepEqual(parseAddress('web:8000'), { kind: 'tcp', host: 'web', port: 8000 });
    assert.deepEqual(parseAddress('8000'), { kind: 'tcp', host: '0.0.0.0', port: 8000 });
    assert.equal(trustsPeer(['127.0.0.1'], { kind: 'loopback', ip: '127.0.0.1' }, false), 'yes');
    assert.equal(trustsPeer(['127.0.0.1'], { kind: 'loopback', ip: '::1' }, false), 'no');
    assert.equal(trustsPeer(['10.0.0.0/8'], { kind: 'remote', ip: '10.2.3.4', desc: '' }, false), 'yes');
    assert.equal(trustsPeer(['10.0.0.5'], { kind: 'container', service: 'nginx' }, false), 'assumed');
    assert.equal(trustsPeer(['127.0.0.1'], { kind: 'unix' }, true), 'yes');
  });
});
