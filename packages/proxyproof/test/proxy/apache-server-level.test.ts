/**
 * collectors/apache: server-level rules (outside any `<VirtualHost>`) are the main server's, and every vhost inherits
 * them — mod_headers merges the server's RequestHeader rules before the vhost's, whatever the order of the includes.
 * Read in a server config of the tree (apache2.conf including conf-enabled/ and sites-enabled/), and in Debian's
 * layout without it (its apache2.conf includes `conf-enabled/*.conf` and `sites-enabled/*.conf`). The last test
 * shows the inheritance on Debian's real apache2 2.4 with a request, in both include orders.
 * A ProxyPass in a fragment no file includes is said (a note), not silent.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { proxyForwardedProtoMissing as check } from '../../src/checks/proxy/forwarded-proto-missing.js';
import { layoutPreludes } from '../../src/collectors/apache/collector.js';
import { lintFiles } from '../python/lint-files.js';
import { apacheConf, listenOnFreePort, REQUEST_SAFETY_TIMEOUT_MS, RUN_SAFETY_TIMEOUT_MS, startApache } from '../real-program.js';

const VHOST =
  '<VirtualHost *:443>\n  ServerName example.com\n  SSLEngine on\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n';
const XFP = 'RequestHeader set X-Forwarded-Proto "https"\n';
const SERVER = (includes: string[]) => `ServerRoot "/etc/apache2"\nListen 443\n${includes.join('\n')}\n`;

const rows: Array<{ name: string; files: Record<string, string>; missing: boolean }> = [
  {
    name: 'invalid: the TLS vhost alone sets no X-Forwarded-Proto',
    files: { 'apache2/sites-enabled/app.conf': VHOST, 'apache2/conf-enabled/other.conf': 'RequestHeader set X-Other "1"\n' },
    missing: true,
  },
  {
    name: "valid: Debian's layout without its apache2.conf: conf-enabled's server-level rule reaches the vhost",
    files: { 'apache2/sites-enabled/app.conf': VHOST, 'apache2/conf-enabled/xfp.conf': XFP },
    missing: false,
  },
  {
    name: 'valid: an apache2.conf in the tree includes both folders',
    files: {
      'apache2/apache2.conf': SERVER(['IncludeOptional conf-enabled/*.conf', 'IncludeOptional sites-enabled/*.conf']),
      'apache2/sites-enabled/app.conf': VHOST,
      'apache2/conf-enabled/xfp.conf': XFP,
    },
    missing: false,
  },
  {
    name: 'valid: a server config with the rule itself, including the sites after it (plain Include)',
    files: { 'httpd/httpd.conf': `${SERVER(['Include sites-enabled/*.conf'])}${XFP}`, 'httpd/sites-enabled/app.conf': VHOST },
    missing: false,
  },
  {
    name: 'invalid (trap): the rule in conf-available/ looks set, but only conf-enabled/ is included',
    files: { 'apache2/sites-enabled/app.conf': VHOST, 'apache2/conf-available/xfp.conf': XFP },
    missing: true,
  },
  {
    name: "invalid (trap): the tree's apache2.conf includes only sites-enabled/, so conf-enabled/ is not assumed",
    files: {
      'apache2/apache2.conf': SERVER(['IncludeOptional sites-enabled/*.conf']),
      'apache2/sites-enabled/app.conf': VHOST,
      'apache2/conf-enabled/xfp.conf': XFP,
    },
    missing: true,
  },
  {
    name: 'invalid: conf-enabled/ of another folder is not the sites-enabled/ vhost’s server',
    files: { 'a/sites-enabled/app.conf': VHOST, 'b/conf-enabled/xfp.conf': XFP },
    missing: true,
  },
];

describe('proxy/forwarded-proto-missing with server-level Apache rules', () => {
  for (const row of rows)
    test(row.name, async () => {
      const { findings } = await lintFiles(row.files, [check]);
      assert.equal(
        findings.length,
        row.missing ? 1 : 0,
        findings.map((f) => `${f.evidence[0]?.file}:${f.evidence[0]?.line} ${f.message}`).join('\n'),
      );
      if (row.missing)
        assert.equal(
          findings[0]?.evidence[0]?.file,
          Object.keys(row.files).find((f) => f.includes('sites-')),
        );
    });
});

test('layoutPreludes: only server-level fragments (no vhost, no ProxyPass) of the sibling conf-enabled/', () => {
  const out = layoutPreludes([
    { file: 'x/sites-enabled/a.conf', src: VHOST },
    { file: 'x/conf-enabled/b.conf', src: XFP },
    { file: 'x/conf-enabled/c.conf', src: 'ProxyPass /x http://127.0.0.1:9/\n' },
    { file: 'x/conf-enabled/d.conf', src: VHOST },
  ]);
  assert.deepEqual(
    [...out.entries()].map(([k, v]) => [k, v.map((p) => p.file)]),
    [['x/sites-enabled/a.conf', ['x/conf-enabled/b.conf']]],
  );
});

test('a ProxyPass in a fragment no file of the tree includes is said as a note at its line', async () => {
  const { facts } = await lintFiles(
    { 'app-proxy.conf': 'ProxyPreserveHost On\nProxyPass / http://127.0.0.1:8000/\n', 'site.conf': VHOST },
    [],
  );
  const notes = facts.diagnostics.filter((d) => /no file of the tree includes/.test(d.message));
  assert.deepEqual(
    notes.map((d) => `${d.level} ${d.file}:${d.line}`),
    ['note app-proxy.conf:2'],
  );
});

const HAVE = spawnSync('apache2', ['-v'], { timeout: RUN_SAFETY_TIMEOUT_MS }).status === 0;

describe('real Apache: a vhost inherits the server-level RequestHeader', { skip: HAVE ? false : 'apache2 not installed' }, () => {
  for (const order of [
    ['conf-enabled', 'sites-enabled'],
    ['sites-enabled', 'conf-enabled'],
  ])
    test(`IncludeOptional ${order.join(' then ')}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pp-apache-server-level-'));
      let seen = '';
      const upstream: Server = createServer((sock) => {
        let data = '';
        sock.on('data', (c) => {
          data += String(c);
          if (!data.includes('\r\n\r\n')) return;
          seen = /\r\nx-forwarded-proto:\s*([^\r]*)/i.exec(data)?.[1] ?? '(none)';
          sock.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
        });
        sock.on('error', () => sock.destroy());
      });
      const back = await listenOnFreePort(upstream as never);
      const get = (port: number) =>
        new Promise<number>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.setTimeout(REQUEST_SAFETY_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
          req.on('error', reject);
          req.end();
        });
      try {
        for (const d of ['conf-enabled', 'sites-enabled']) mkdirSync(join(dir, d));
        writeFileSync(join(dir, 'conf-enabled', 'xfp.conf'), XFP);
        const apache = await startApache(
          dir,
          'server',
          (p) => {
            writeFileSync(
              join(dir, 'sites-enabled', 'app.conf'),
              `<VirtualHost *:${p}>\n  ProxyPass / http://127.0.0.1:${back}/\n</VirtualHost>\n`,
            );
            return apacheConf(
              dir,
              'server',
              ['mpm_event', 'authz_core', 'headers', 'proxy', 'proxy_http'],
              p,
              order.map((o) => `IncludeOptional ${dir}/${o}/*.conf`).join('\n'),
            );
          },
          async (p) => (await get(p).catch(() => 0)) === 200,
        );
        try {
          seen = '';
          assert.equal(await get(apache.port), 200);
          assert.equal(seen, 'https');
        } finally {
          await apache.stop();
        }
      } finally {
        upstream.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
