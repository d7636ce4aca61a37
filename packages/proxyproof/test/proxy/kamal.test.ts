/**
 * Kamal (collectors/kamal): config/deploy.yml -> kamal-proxy on the neutral proxy facts (TLS, redirect, which
 * X-Forwarded-* it keeps: `forward_headers`, default `!ssl`, as kamal-proxy's internal/cmd/deploy.go decides; its
 * published ports), and the app container it routes to: Thruster (`./bin/thrust ./bin/rails server`, HTTP_PORT 80,
 * TLS_DOMAIN) or Puma alone, taking the place of the Puma a config/puma.rb describes. Then the chain through them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppServerFacts } from '../../src/model/facts.js';
import type { ProxyConfigFacts, ProxySite } from '../../src/model/proxy.js';
import { findingsFor } from '../checks/chain/cases.js';
import { lintFiles } from '../python/lint-files.js';

const DEPLOY = (proxy: string, extra = '') =>
  `service: blog\nimage: someone/blog\nservers:\n  web:\n    - 192.0.2.10\n${proxy}${extra}`;
const DOCKERFILE =
  'FROM ruby:3.3-slim\nWORKDIR /rails\nENTRYPOINT ["/rails/bin/docker-entrypoint"]\nEXPOSE 80\nCMD ["./bin/thrust", "./bin/rails", "server"]\n';
const PUMA = 'threads 3, 3\nport ENV.fetch("PORT", 3000)\n';
const RAILS = (lines: string[]) => `Rails.application.configure do\n${lines.map((l) => `  ${l}\n`).join('')}end\n`;

interface Seen {
  proxy?: ProxyConfigFacts;
  site?: ProxySite;
  servers: AppServerFacts[];
  notRead: string[];
}

async function kamalOf(files: Record<string, string>): Promise<Seen> {
  const { facts, notRead } = await lintFiles(files, []);
  const proxy = (facts.proxies ?? []).find((p) => p.sites.some((s) => s.id.startsWith('kamal:')));
  return { proxy, site: proxy?.sites[0], servers: facts.appServers, notRead: notRead.map((n) => n.file) };
}

const rule = (s: ProxySite | undefined, name: string) => s?.routes[0]?.headers.find((h) => h.name === name)?.value;

const table: Array<{ name: string; files: Record<string, string>; check: (s: Seen) => void }> = [
  {
    name: 'ssl: true: TLS on 443 and a plain 80 that redirects by the connection; X-Forwarded-* written, never kept',
    files: { 'config/deploy.yml': DEPLOY('proxy:\n  ssl: true\n  host: blog.example.org\n'), Dockerfile: DOCKERFILE },
    check: ({ site, proxy, notRead }) => {
      assert.deepEqual(
        site?.listeners.map((l) => [l.port, l.tls]),
        [
          [443, true],
          [80, false],
        ],
      );
      assert.equal(site?.redirectDecidedBy, 'connection');
      assert.ok(site?.redirectsToHttps);
      assert.equal(site?.trust.mode, 'none');
      assert.deepEqual(site?.stripsUntrusted, ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);
      assert.equal(rule(site, 'X-Forwarded-Proto'), '{trusted:x-forwarded-proto|scheme}');
      assert.equal(rule(site, 'X-Forwarded-For'), '{remote_addr}');
      assert.deepEqual(site?.names, ['blog.example.org']);
      assert.equal(site?.frontEvidence, undefined);
      const up = site?.routes[0]?.upstreams[0]?.address;
      assert.deepEqual(up, { kind: 'tcp', host: 'blog-web', port: 80 });
      assert.deepEqual(
        proxy?.container?.published.map((p) => [p.hostIp, p.hostPort, p.containerPort]),
        [
          ['0.0.0.0', 443, 443],
          ['0.0.0.0', 80, 80],
        ],
      );
      assert.ok(!notRead.some((f) => /deploy\.yml$/.test(f)), 'the deploy file is read');
    },
  },
  {
    name: 'ssl: false with a host: plain only, keeps the incoming X-Forwarded-* from anyone, TLS ends in front of it',
    files: { 'config/deploy.yml': DEPLOY('proxy:\n  ssl: false\n  host: blog.example.org\n') },
    check: ({ site }) => {
      assert.deepEqual(
        site?.listeners.map((l) => [l.port, l.tls]),
        [[80, false]],
      );
      assert.equal(site?.redirectsToHttps, undefined);
      assert.equal(site?.trust.mode, 'all');
      assert.equal(site?.stripsUntrusted, undefined);
      assert.equal(rule(site, 'X-Forwarded-For'), '{xff_append_if_trusted}');
      assert.equal(site?.frontEvidence?.[0]?.line, 7);
    },
  },
  {
    name: 'no ssl key and no host: plain, forwards headers, no front inferred (nothing says where TLS ends)',
    files: { 'config/deploy.yml': DEPLOY('proxy:\n  app_port: 3000\n') },
    check: ({ site }) => {
      assert.equal(site?.trust.mode, 'all');
      assert.equal(site?.frontEvidence, undefined);
      assert.equal(site?.routes[0]?.upstreams[0]?.address?.kind === 'tcp' && site.routes[0].upstreams[0].address.port, 3000);
    },
  },
  {
    name: 'ssl with forward_headers: true keeps the incoming scheme (a trusted proxy in front); ssl_redirect: false serves plain too',
    files: {
      'config/deploy.yml': DEPLOY('proxy:\n  ssl: true\n  forward_headers: true\n  ssl_redirect: false\n  host: a.example.org\n'),
    },
    check: ({ site }) => {
      assert.equal(site?.trust.mode, 'all');
      assert.equal(site?.trust.ref.line, 8);
      assert.equal(site?.redirectsToHttps, undefined);
    },
  },
  {
    name: 'proxy.run: http_port/bind_ips publish the plain port on loopback; publish: false publishes nothing',
    files: {
      'config/deploy.yml': DEPLOY(
        'proxy:\n  host: a.example.org\n  run:\n    http_port: 8080\n    bind_ips:\n      - 127.0.0.1\n',
      ),
    },
    check: ({ proxy }) =>
      assert.deepEqual(
        proxy?.container?.published.map((p) => [p.hostIp, p.hostPort, p.containerPort]),
        [['127.0.0.1', 8080, 80]],
      ),
  },
  {
    name: 'proxy.run.publish: false',
    files: { 'config/deploy.yml': DEPLOY('proxy:\n  host: a.example.org\n  run:\n    publish: false\n') },
    check: ({ proxy }) => assert.deepEqual(proxy?.container?.published, []),
  },
  {
    name: 'hosts and path prefixes: every name, one route per prefix',
    files: {
      'config/deploy.yml': DEPLOY(
        'proxy:\n  ssl: true\n  hosts:\n    - a.example.org\n    - b.example.org\n  path_prefix: "/api,/oauth"\n',
      ),
    },
    check: ({ site }) => {
      assert.deepEqual(site?.names, ['a.example.org', 'b.example.org']);
      assert.deepEqual(
        site?.routes.map((r) => r.samplePath),
        ['/api', '/oauth'],
      );
    },
  },
  {
    name: 'the primary role with proxy: false: no route, no kamal-proxy site',
    files: {
      'config/deploy.yml':
        'service: blog\nimage: someone/blog\nservers:\n  web:\n    hosts:\n      - 192.0.2.10\n    proxy: false\n',
      'config/environments/production.rb': RAILS(['config.force_ssl = true']),
    },
    check: ({ proxy }) => assert.equal(proxy, undefined),
  },
  {
    name: 'Thruster from the Dockerfile CMD in the role container, taking the place of config/puma.rb',
    files: {
      'config/deploy.yml': DEPLOY('proxy:\n  ssl: true\n  host: blog.example.org\n'),
      Dockerfile: DOCKERFILE,
      'config/puma.rb': PUMA,
      'config/environments/production.rb': RAILS(['config.force_ssl = true']),
    },
    check: ({ servers }) => {
      assert.deepEqual(
        servers.map((s) => s.name),
        ['thruster'],
      );
      const t = servers[0];
      assert.equal(t?.service, 'blog-web');
      assert.equal(t?.launch.via, 'kamal');
      assert.equal(t?.launch.line, 5);
      assert.deepEqual(
        t?.binds.map((b) => [b.host, b.port, b.container, b.reach]),
        [['0.0.0.0', 80, true, 'container-network']],
      );
      assert.ok(t?.configFiles.includes('config/puma.rb'));
      assert.equal(t?.tls, undefined);
    },
  },
  {
    name: 'Thruster with TLS_DOMAIN and HTTPS_PORT in env.clear ends TLS on that port',
    files: {
      'config/deploy.yml': DEPLOY(
        'proxy:\n  ssl: false\n  app_port: 8443\n',
        'env:\n  clear:\n    TLS_DOMAIN: blog.example.org\n    HTTPS_PORT: 8443\n',
      ),
      Dockerfile: DOCKERFILE,
    },
    check: ({ servers }) => {
      assert.equal(servers[0]?.tls, true);
      assert.equal(servers[0]?.binds[0]?.port, 8443);
      assert.equal(servers[0]?.binds[0]?.ref?.line, 12);
    },
  },
  {
    name: 'a role cmd of bin/rails server (no Thruster): Puma on PORT 3000',
    files: {
      'config/deploy.yml':
        'service: blog\nimage: someone/blog\nservers:\n  web:\n    hosts:\n      - 192.0.2.10\n    cmd: bin/rails server\nproxy:\n  app_port: 3000\n',
      Dockerfile: DOCKERFILE,
    },
    check: ({ servers }) => {
      assert.equal(servers[0]?.name, 'puma');
      assert.equal(servers[0]?.binds[0]?.port, 3000);
      assert.equal(servers[0]?.launch.file, 'config/deploy.yml');
      assert.equal(servers[0]?.launch.line, 7);
    },
  },
  {
    name: 'a job role with cmd: bin/jobs is not served by kamal-proxy and starts no web server (trap)',
    files: {
      'config/deploy.yml':
        'service: blog\nimage: someone/blog\nservers:\n  web:\n    - 192.0.2.10\n  job:\n    hosts:\n      - 192.0.2.11\n    cmd: bin/jobs\nproxy:\n  ssl: true\n  host: a.example.org\n',
      Dockerfile: DOCKERFILE,
    },
    check: ({ servers, site }) => {
      assert.deepEqual(
        servers.map((s) => s.service),
        ['blog-web'],
      );
      assert.equal(site?.routes.length, 1);
    },
  },
  {
    name: 'ERB as Kamal renders it: a statement tag alone on the first line (no <%= anywhere)',
    files: {
      'config/deploy.yml': `<% require "dotenv"; Dotenv.load(".env") %>\n${DEPLOY('proxy:\n  ssl: true\n  host: blog.example.org\n')}`,
    },
    check: ({ site, notRead }) => {
      assert.ok(site, 'the deploy file is read');
      assert.deepEqual(site?.names, ['blog.example.org']);
      assert.equal(site?.listeners[0]?.ref.line, 8);
      assert.ok(!notRead.some((f) => /deploy\.yml$/.test(f)));
    },
  },
  {
    name: 'a YAML named deploy.yml that is not Kamal (an Ansible play list) is not read as Kamal (trap)',
    files: {
      'config/deploy.yml': '- hosts: web\n  tasks:\n    - name: ping\n      ping:\n',
      'config/environments/production.rb': RAILS(['config.force_ssl = true']),
    },
    check: ({ proxy }) => assert.equal(proxy, undefined),
  },
];

for (const c of table)
  test(`Kamal: ${c.name}`, async () => {
    c.check(await kamalOf(c.files));
  });

const RAILS8 = (deploy: string, rails: string[]) => ({
  'config/deploy.yml': deploy,
  Dockerfile: DOCKERFILE,
  'config/puma.rb': PUMA,
  'config/environments/production.rb': RAILS(rails),
});

test('chain: kamal-proxy ending TLS -> Thruster -> Rails force_ssl believes https (no loop, nothing spoofable)', async () => {
  const { analyzeChain } = await import('../../src/chain/analyze.js');
  const { facts } = await lintFiles(
    RAILS8(DEPLOY('proxy:\n  ssl: true\n  host: blog.example.org\n'), ['config.force_ssl = true']),
    [],
  );
  const a = analyzeChain(facts);
  const r = a.verdict.routes.find((x) => x.hopId.startsWith('kamal:'));
  assert.equal(r?.scheme.believed, 'https');
  assert.deepEqual(a.verdict.entrySpoofs, []);
  const loop = await findingsFor('chain/scheme-lost', {
    name: 'ssl',
    files: RAILS8(DEPLOY('proxy:\n  ssl: true\n  host: blog.example.org\n'), ['config.force_ssl = true']),
    expect: 0,
  });
  assert.equal(loop.length, 0);
});

test('chain: TLS in front of kamal-proxy with forward_headers: false loses https there (force_ssl loops); the default keeps it', async () => {
  const lost = await findingsFor('chain/scheme-lost', {
    name: 'forward_headers false',
    files: RAILS8(DEPLOY('proxy:\n  ssl: false\n  forward_headers: false\n  host: blog.example.org\n'), [
      'config.force_ssl = true',
    ]),
    expect: 1,
  });
  assert.equal(lost.length, 1);
  assert.match(lost[0]?.message ?? '', /lost at hop 2 \(kamal-proxy :80/);
  assert.equal(lost[0]?.evidence[0]?.line, 8);
  const kept = await findingsFor('chain/scheme-lost', {
    name: 'default',
    files: RAILS8(DEPLOY('proxy:\n  ssl: false\n  host: blog.example.org\n'), ['config.force_ssl = true']),
    expect: 0,
  });
  assert.equal(kept.length, 0);
});

test('chain: a host Caddy -> the port proxy.run publishes on loopback -> kamal-proxy -> Thruster -> Rails', async () => {
  const { analyzeChain } = await import('../../src/chain/analyze.js');
  const { facts } = await lintFiles(
    {
      ...RAILS8(
        DEPLOY('proxy:\n  ssl: false\n  host: blog.example.org\n  run:\n    http_port: 8080\n    bind_ips:\n      - 127.0.0.1\n'),
        ['config.force_ssl = true'],
      ),
      Caddyfile: 'blog.example.org {\n\treverse_proxy 127.0.0.1:8080\n}\n',
    },
    [],
  );
  const a = analyzeChain(facts);
  const caddy = a.verdict.routes.find((x) => /caddy/.test(x.hopId) || /Caddyfile/.test(x.hopId));
  assert.ok(caddy, JSON.stringify(a.verdict.routes.map((x) => x.hopId)));
  assert.equal(caddy?.scheme.believed, 'https');
  const link = a.topology.links.find((l) => l.target.kind === 'proxy');
  assert.match(link?.how ?? '', /published by container kamal-proxy/);
  // kamal-proxy is reached through Caddy only: not an entry of its own.
  assert.ok(!a.topology.entries.some((e) => e.hopId.startsWith('kamal:')));
});

test('chain: a host forged through the TLS front the deploy file only implies is a low lead (the front may overwrite it), not a high finding', async () => {
  const found = await findingsFor('chain/spoofable-backend', {
    name: 'ssl: false with a host, Rails without config.hosts',
    files: RAILS8(DEPLOY('proxy:\n  ssl: false\n  host: blog.example.org\n'), ['config.assume_ssl = true']),
    expect: 1,
  });
  const through = found.filter((f) => /through TLS load balancer \(inferred/.test(f.message));
  assert.equal(through.length, 1, found.map((f) => `${f.severity} ${f.message}`).join('\n'));
  assert.equal(through[0]?.severity, 'low');
  assert.match(through[0]?.message ?? '', /rests on TLS load balancer \(inferred .* passing a client's X-Forwarded-Host on/);
});
