/**
 * Apache `ProxyPass … balancer://NAME` with `<Proxy balancer://NAME>` members, and `RequestHeader setifempty`,
 * through the CLI (`lint --format json`) and against Debian's apache2 2.4 with real requests: the balancer sends
 * requests to each member (so every member is an upstream of the route), a balancer is found by its whole name
 * (`balancer://app2` is not `balancer://app`), and `setifempty` sets the header only when the request has none (a
 * client's value reaches the backend alone: nothing is appended to it), which the model reads as `ifAbsent`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readApache } from '../../src/collectors/apache/collector.js';
import { runCli } from '../helpers.js';
import { apacheConf, getBody, listenOnFreePort, type RealProgram, startApache } from '../real-program.js';
import { scratchTrees } from '../scratch-trees.js';
import { assertFindings, type Expected, type JsonFinding } from './finding-rows.js';

const TLS = 'SSLEngine on\n  SSLCertificateFile /etc/ssl/a.pem\n  SSLCertificateKeyFile /etc/ssl/a.key\n';
const vhost = (port: number, body: string, tls = port === 443) =>
  `<VirtualHost *:${port}>\n  ServerName app.example.com\n  ${tls ? TLS : ''}${body}</VirtualHost>\n`;
const balancer = (name: string, ports: number[]) =>
  `<Proxy "balancer://${name}">\n${ports.map((p) => `    BalancerMember "http://127.0.0.1:${p}"\n`).join('')}  </Proxy>\n`;
const gunicorn = (port: number) => `bind = "127.0.0.1:${port}"\nforwarded_allow_ips = "127.0.0.1"\n`;

const tree = scratchTrees('pp-apache-bal-');
let trees = 0;
function lint(files: Record<string, string>): JsonFinding[] {
  const r = runCli(['lint', '.', '--format', 'json'], { cwd: tree(`t${trees++}`, files) });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;
}
/** A vhost that sets X-Forwarded-Proto only when absent, in front of balancer://app. */
const setIfEmpty = (port: number, value: string) => ({
  'site.conf': vhost(
    port,
    `RequestHeader setifempty X-Forwarded-Proto "${value}"\n  ${balancer('app', [8000])}  ProxyPass "/" "balancer://app/"\n`,
  ),
  'gunicorn.conf.py': gunicorn(8000),
});

const rows: {
  name: string;
  files: Record<string, string>;
  present: Expected[];
  absent: string[];
}[] = [
  {
    name: 'invalid: a TLS vhost balancing over two members without X-Forwarded-Proto',
    files: {
      'site.conf': vhost(443, `${balancer('app', [8000, 8001])}  ProxyPass "/" "balancer://app/"\n`),
      'gunicorn.conf.py': gunicorn(8000),
    },
    present: [
      { id: 'proxy/forwarded-proto-missing', severity: 'high', message: /forwards ProxyPass \/ to http:\/\/127\.0\.0\.1:8000/ },
      // The second member is an upstream too: nothing found listening there.
      { id: 'chain/link-unresolved', message: /http:\/\/127\.0\.0\.1:8001/ },
    ],
    absent: [],
  },
  {
    name: 'valid: the same balancer with RequestHeader set X-Forwarded-Proto https',
    files: {
      'site.conf': vhost(
        443,
        `RequestHeader set X-Forwarded-Proto "https"\n  ${balancer('app', [8000])}  ProxyPass "/" "balancer://app/"\n`,
      ),
      'gunicorn.conf.py': gunicorn(8000),
    },
    present: [],
    absent: ['proxy/forwarded-proto-missing', 'proxy/forwarded-proto-appended', 'chain/scheme-lost'],
  },
  {
    name: 'trap: the <Proxy balancer://> block after the ProxyPass that uses it (Apache reads the whole vhost first)',
    files: {
      'site.conf': vhost(
        443,
        `RequestHeader set X-Forwarded-Proto "https"\n  ProxyPass "/" "balancer://app/"\n  ${balancer('app', [8000])}`,
      ),
      'gunicorn.conf.py': gunicorn(8000),
    },
    present: [],
    absent: ['proxy/forwarded-proto-missing', 'chain/link-unresolved', 'chain/scheme-lost'],
  },
  {
    name: 'trap: balancer://app2 is not balancer://app (a whole name): its member 8000 is found, not app’s 8001',
    files: {
      'site.conf': vhost(
        443,
        `RequestHeader set X-Forwarded-Proto "https"\n  ${balancer('app', [8001])}  ${balancer('app2', [8000])}  ProxyPass "/" "balancer://app2/"\n`,
      ),
      'gunicorn.conf.py': gunicorn(8000),
    },
    present: [],
    absent: ['chain/link-unresolved', 'chain/scheme-lost'],
  },
  {
    name: 'invalid (low): setifempty on a TLS vhost keeps a client-sent X-Forwarded-Proto in place of https',
    files: setIfEmpty(443, 'https'),
    present: [
      {
        id: 'proxy/forwarded-proto-appended',
        severity: 'low',
        message: /sets "X-Forwarded-Proto: https" only when the request has none/,
        line: 6,
      },
    ],
    absent: ['proxy/forwarded-proto-missing', 'chain/scheme-lost'],
  },
  {
    name: 'invalid (medium, not high): setifempty http on a plain vhost lets a client claim https; no two values',
    files: setIfEmpty(80, 'http'),
    present: [{ id: 'proxy/forwarded-proto-appended', severity: 'medium', message: /a client on plain HTTP can claim https/ }],
    absent: [],
  },
];

describe('Apache balancer:// and setifempty through the CLI', () => {
  for (const r of rows)
    test(r.name, () => {
      assertFindings(lint(r.files), r.present, r.absent);
    });
});

test('the model reads setifempty as "only when absent", never as an append', () => {
  const src = vhost(80, 'RequestHeader setifempty X-Forwarded-Proto "http"\n  ProxyPass / http://127.0.0.1:8000/\n');
  const rule = readApache('site.conf', src).config.sites[0]?.routes[0]?.headers.find(
    (h) => h.name === 'X-Forwarded-Proto' && h.from === 'route',
  );
  assert.equal(rule?.ifAbsent, true);
  assert.equal(rule?.append, undefined);
});

describe('apache2 (real): balancer members and setifempty', () => {
  const echo = (member: string) => createServer((req, res) => res.end(`${member} XFP=${req.headers['x-forwarded-proto'] ?? ''}`));

  test('every member of <Proxy balancer://app> answers; setifempty keeps a client value alone, sets it when absent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-apache-bal-real-'));
    const backends: Server[] = [echo('A'), echo('B')];
    let apache: (RealProgram & { port: number }) | undefined;
    try {
      const ports = await Promise.all(backends.map((b) => listenOnFreePort(b)));
      const mods = [
        'mpm_event',
        'authz_core',
        'headers',
        'slotmem_shm',
        'proxy',
        'proxy_http',
        'proxy_balancer',
        'lbmethod_byrequests',
      ];
      const body =
        `<VirtualHost *:*>\n  RequestHeader setifempty X-Forwarded-Proto "https"\n  ${balancer('app', ports)}` +
        '  ProxyPass "/" "balancer://app/"\n</VirtualHost>\n';
      apache = await startApache(
        dir,
        'balancer',
        (port) => apacheConf(dir, 'balancer', mods, port, body),
        async (port) => /^[AB] /.test((await getBody({ port }, {})) ?? ''),
      );
      const port = apache.port;
      // byrequests alternates the members: a bounded number of requests meets both.
      const members = new Set<string>();
      for (let i = 0; i < 8 && members.size < 2; i++) members.add(((await getBody({ port }, {})) ?? '').slice(0, 1));
      assert.deepEqual([...members].sort(), ['A', 'B']);
      // No header from the client: setifempty sets it.
      assert.match((await getBody({ port }, {})) ?? '', /^[AB] XFP=https$/);
      // A client's value: kept alone, nothing appended (the model's ifAbsent, not an append).
      assert.match((await getBody({ port }, { 'X-Forwarded-Proto': 'http' })) ?? '', /^[AB] XFP=http$/);
    } finally {
      await apache?.stop();
      for (const b of backends) b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
