/**
 * proxy/header-repeated for Apache and HAProxy against the real programs (Debian's apache2 2.4 and haproxy 2.6): the
 * header lines each sends upstream for `RequestHeader add|set|append` and `http-request add-header|set-header` with
 * `option forwardfor` are the ones the check's rule assumes — `add`/`add-header` write a line of their own, `set`
 * replaces every earlier line, Apache's `append` joins into one line, forwardfor's line comes after the http-request
 * rules — and the check reports exactly the rules that made a second line of the config's own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { simulateProxy } from '../../../src/chain/simulate.js';
import { siteHop } from '../../../src/chain/topology/proxy.js';
import { proxyHeaderRepeated as check } from '../../../src/checks/proxy/header-repeated.js';
import { readHaproxy } from '../../../src/collectors/haproxy/collector.js';
import { lintFiles } from '../../python/lint-files.js';
import {
  apacheConf,
  listenOnFreePort,
  REQUEST_SAFETY_TIMEOUT_MS,
  type RealProgram,
  RUN_SAFETY_TIMEOUT_MS,
  startApache,
  startOnFreePorts,
} from '../../real-program.js';

const have = (cmd: string, arg: string) => spawnSync(cmd, [arg], { timeout: RUN_SAFETY_TIMEOUT_MS }).status === 0;
const HAVE = have('apache2', '-v') && have('haproxy', '-v');

/** The header lines the upstream received for the last request, as `name: value` with names lower-cased. */
let lastLines: string[] = [];

function get(port: number, extra: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { Host: 'site.test', ...extra };
    const req = request({ host: '127.0.0.1', port, path: '/', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(REQUEST_SAFETY_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const linesOf = (name: string) =>
  lastLines.filter((l) => l.startsWith(`${name.toLowerCase()}: `)).map((l) => l.slice(name.length + 2));

const APACHE_RULES = [
  'RequestHeader add X-Real-IP a1',
  'RequestHeader add X-Real-IP a2',
  'RequestHeader set X-Scheme s1',
  'RequestHeader set X-Scheme s2',
  'RequestHeader append X-Forwarded-Server p1',
  'RequestHeader append X-Forwarded-Server p2',
  'RequestHeader set Forwarded f1',
  'RequestHeader add Forwarded f2',
  'RequestHeader add X-Url-Scheme u1',
  'RequestHeader set X-Url-Scheme u2',
];
/**
 * `option forwardfor` beside X-Forwarded-For rules, a client sending its own X-Forwarded-For: the lines HAProxy sends
 * (forwardfor's comes after every http-request rule; `if-none` adds nothing where a line is there), what the simulator
 * sends (lines joined as the app servers join them), and the lines proxy/header-repeated reports.
 */
const FORWARDFOR_ROWS: { rules: string[]; lines: string[]; reported: number[] }[] = [
  {
    rules: ['option forwardfor', 'http-request set-header X-Forwarded-For %[src]'],
    lines: ['127.0.0.1', '127.0.0.1'],
    reported: [1],
  },
  { rules: ['option forwardfor', 'http-request del-header X-Forwarded-For'], lines: ['127.0.0.1'], reported: [] },
  { rules: ['option forwardfor if-none'], lines: ['6.6.6.6'], reported: [] },
  { rules: ['option forwardfor if-none', 'http-request set-header X-Forwarded-For 10.0.0.1'], lines: ['10.0.0.1'], reported: [] },
  { rules: ['option forwardfor'], lines: ['6.6.6.6', '127.0.0.1'], reported: [] },
];

const HAPROXY_RULES = [
  'option forwardfor',
  'http-request add-header X-Forwarded-For %[src]',
  'http-request add-header X-Real-IP a1',
  'http-request add-header X-Real-IP a2',
  'http-request set-header X-Scheme s1',
  'http-request set-header X-Scheme s2',
  'http-request set-header Forwarded f1',
  'http-request add-header Forwarded f2',
  'http-request add-header X-Url-Scheme u1',
  'http-request set-header X-Url-Scheme u2',
];

describe('proxy/header-repeated on real Apache and HAProxy', { skip: HAVE ? false : 'apache2 or haproxy not installed' }, () => {
  let dir = '';
  let upstream: Server;
  let port = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-repeat-proxies-'));
    // A raw upstream: records the header lines as sent and answers 200.
    upstream = createServer((sock) => {
      let data = '';
      sock.on('data', (c) => {
        data += String(c);
        if (!data.includes('\r\n\r\n')) return;
        lastLines = (data.split('\r\n\r\n')[0] ?? '')
          .split('\r\n')
          .slice(1)
          .map((l) => l.replace(/^([^:]+):\s*/, (_, n: string) => `${n.toLowerCase()}: `));
        sock.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
      });
      sock.on('error', () => sock.destroy());
    });
    port = await listenOnFreePort(upstream as never);
  });
  after(() => {
    upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('Apache 2.4: add writes a line, set replaces, append joins; the check reports the two adds after a line', async () => {
    const body = (rules: string[]) =>
      `<VirtualHost *:*>\n${rules.map((r) => `  ${r}\n`).join('')}  ProxyPass / http://127.0.0.1:${port}/\n</VirtualHost>\n`;
    const apache = await startApache(
      dir,
      'repeat',
      (p) => apacheConf(dir, 'repeat', ['mpm_event', 'authz_core', 'headers', 'proxy', 'proxy_http'], p, body(APACHE_RULES)),
      async (p) => (await get(p).catch(() => 0)) === 200,
    );
    try {
      assert.equal(await get(apache.port), 200);
      assert.deepEqual(linesOf('X-Real-IP'), ['a1', 'a2']);
      assert.deepEqual(linesOf('X-Scheme'), ['s2']);
      assert.deepEqual(linesOf('X-Forwarded-Server'), ['p1, p2, localhost']);
      assert.deepEqual(linesOf('Forwarded'), ['f1', 'f2']);
      assert.deepEqual(linesOf('X-Url-Scheme'), ['u2']);
    } finally {
      await apache.stop();
    }
    const { findings } = await lintFiles({ 'a.conf': body(APACHE_RULES) }, [check]);
    // Lines 3 (X-Real-IP a2) and 9 (Forwarded f2): the rules that sent a second line of the config's own.
    assert.deepEqual(findings.map((f) => f.evidence[0]?.line).sort(), [3, 9]);
  });

  test("HAProxy 2.6: add-header writes a line, set-header replaces, forwardfor's line comes last; the check agrees", async () => {
    const cfg = (front: number) =>
      `defaults\n  mode http\n  timeout connect 2s\n  timeout client 5s\n  timeout server 5s\nfrontend fe\n  bind 127.0.0.1:${front}\n${HAPROXY_RULES.map((r) => `  ${r}\n`).join('')}  default_backend be\nbackend be\n  server s 127.0.0.1:${port}\n`;
    let haproxy: RealProgram | undefined;
    try {
      haproxy = await startOnFreePorts({
        name: 'haproxy (repeat)',
        ports: 1,
        command: ([front]) => {
          writeFileSync(join(dir, 'repeat.cfg'), cfg(front as number));
          return { cmd: 'haproxy', args: ['-db', '-f', join(dir, 'repeat.cfg')] };
        },
        ready: async ([front]) => (await get(front as number).catch(() => 0)) === 200,
      });
      assert.equal(await get(haproxy.ports[0] as number), 200);
      assert.deepEqual(linesOf('X-Forwarded-For'), ['127.0.0.1', '127.0.0.1']);
      // forwardfor's line is the last header line HAProxy adds.
      assert.equal(lastLines.filter((l) => !l.startsWith('connection: ')).at(-1), 'x-forwarded-for: 127.0.0.1');
      assert.deepEqual(linesOf('X-Real-IP'), ['a1', 'a2']);
      assert.deepEqual(linesOf('X-Scheme'), ['s2']);
      assert.deepEqual(linesOf('Forwarded'), ['f1', 'f2']);
      assert.deepEqual(linesOf('X-Url-Scheme'), ['u2']);
    } finally {
      await haproxy?.stop();
    }
    const { findings } = await lintFiles({ 'haproxy.cfg': cfg(8080) }, [check]);
    // Lines 9 (add-header X-Forwarded-For beside forwardfor), 11 (X-Real-IP a2), 15 (Forwarded f2).
    assert.deepEqual(
      findings.map((f) => f.evidence[0]?.line).sort((a, b) => (a ?? 0) - (b ?? 0)),
      [9, 11, 15],
    );
  });

  test('HAProxy 2.6: option forwardfor after set-header / del-header, and if-none: the simulator and the check agree', async () => {
    const cfg = (fronts: number[]) =>
      `defaults\n  mode http\n  timeout connect 2s\n  timeout client 5s\n  timeout server 5s\n${FORWARDFOR_ROWS.map(
        (row, i) =>
          `frontend fe${i}\n  bind 127.0.0.1:${fronts[i]}\n${row.rules.map((r) => `  ${r}\n`).join('')}  default_backend be\n`,
      ).join('')}backend be\n  server s 127.0.0.1:${port}\n`;
    let haproxy: RealProgram | undefined;
    const got: string[][] = [];
    try {
      haproxy = await startOnFreePorts({
        name: 'haproxy (forwardfor)',
        ports: FORWARDFOR_ROWS.length,
        command: (fronts) => {
          writeFileSync(join(dir, 'forwardfor.cfg'), cfg(fronts));
          return { cmd: 'haproxy', args: ['-db', '-f', join(dir, 'forwardfor.cfg')] };
        },
        ready: async (fronts) => {
          for (const f of fronts) if ((await get(f).catch(() => 0)) !== 200) return false;
          return true;
        },
      });
      for (const front of haproxy.ports) {
        assert.equal(await get(front, { 'X-Forwarded-For': '6.6.6.6' }), 200);
        got.push(linesOf('X-Forwarded-For'));
      }
    } finally {
      await haproxy?.stop();
    }
    assert.deepEqual(
      got,
      FORWARDFOR_ROWS.map((r) => r.lines),
    );
    const text = cfg(FORWARDFOR_ROWS.map((_, i) => 8080 + i));
    const config = readHaproxy('haproxy.cfg', text);
    for (const [i, row] of FORWARDFOR_ROWS.entries()) {
      const site = config.sites.find((s) => s.listeners.some((l) => l.port === 8080 + i));
      assert.ok(site, `fe${i}`);
      const hop = siteHop('haproxy', site);
      const route = hop.routes[0];
      assert.ok(route);
      const { out } = simulateProxy(hop, 0, route, {
        scheme: 'http',
        headers: new Map([
          ['host', 'site.test'],
          ['x-forwarded-for', '6.6.6.6'],
        ]),
        peer: { kind: 'client' },
        peerAddr: '127.0.0.1',
        path: '/',
      });
      assert.equal(out?.headers.get('x-forwarded-for'), row.lines.join(', '), row.rules.join(' + '));
    }
    const { findings } = await lintFiles({ 'haproxy.cfg': text }, [check]);
    // The frontend's first rule is on its line + 2; a reported rule index within the row's rules.
    let line = 6;
    const expected: number[] = [];
    for (const row of FORWARDFOR_ROWS) {
      for (const k of row.reported) expected.push(line + 2 + k);
      line += 3 + row.rules.length;
    }
    assert.deepEqual(
      findings.map((f) => f.evidence[0]?.line),
      expected,
    );
  });
});
