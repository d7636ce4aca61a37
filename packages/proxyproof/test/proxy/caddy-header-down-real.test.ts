/**
 * Caddy's `header_down Location <regexp> <replacement>` on Debian's real caddy 2.6.2, with a backend that believes
 * http and redirects to the Host it received: reverse_proxy keeps the client's Host, so a rewrite of the backend's
 * own address never matches (trap), while `^http://` does. Our readers (Caddyfile and the JSON `caddy adapt` makes of
 * it) put the rewrite on the route, and the doctor's note on the Caddy hop says what the real Location showed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readCaddyfile } from '../../src/collectors/caddy/collector.js';
import { readCaddyJson } from '../../src/collectors/caddy/json.js';
import { REQUEST_SAFETY_TIMEOUT_MS, RUN_SAFETY_TIMEOUT_MS, startOnFreePorts } from '../real-program.js';
import { proxyRewriteNote, redirectingBackend } from './redirecting-backend.js';

const HAVE = spawnSync('caddy', ['version'], { timeout: RUN_SAFETY_TIMEOUT_MS }).status === 0;

function get(port: number, host: string): Promise<{ status: number; location: string } | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/start', headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? '') }));
    });
    req.setTimeout(REQUEST_SAFETY_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** `rewritten`: Location becomes https; `mangled`: rewritten to something that is not a URL scheme (Go's expansion). */
const ROWS: Array<{ name: string; headerDown: (back: number) => string; rewritten: boolean; mangled?: string }> = [
  { name: '^http:// -> https://: the redirect is rewritten', headerDown: () => '^http:// https://', rewritten: true },
  // r18caddy13: Go (RE2) syntax, read by chain/re2.ts (JavaScript has no `(?i)` group).
  {
    name: '(?i)^HTTP:// -> https:// (a Go flag group): the redirect is rewritten',
    headerDown: () => '(?i)^HTTP:// https://',
    rewritten: true,
  },
  {
    name: "trap: ^(http):// -> $1s:// looks like group 1 + s, but Go reads the group named '1s' (none): Location loses its scheme",
    headerDown: () => '^(http):// $1s://',
    rewritten: false,
    mangled: '://',
  },
  {
    name: "trap: the backend's own address -> https://{host}: Caddy keeps the client's Host, so no match",
    headerDown: (back) => `http://127.0.0.1:${back} https://{host}`,
    rewritten: false,
  },
];

describe('real Caddy: header_down Location', { skip: HAVE ? false : 'caddy not installed' }, () => {
  for (const row of ROWS)
    test(row.name, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-hd-'));
      const { server: backend, port: back } = await redirectingBackend();
      const site = (port: number) =>
        `http://a.test:${port} {\n\treverse_proxy 127.0.0.1:${back} {\n\t\theader_down Location ${row.headerDown(back)}\n\t\theader_down -Server\n\t}\n}\n`;
      const global = `{\n\tadmin off\n\tstorage file_system ${dir}/data\n}\n`;
      try {
        const caddy = await startOnFreePorts({
          name: 'caddy',
          ports: 1,
          command: ([port]) => {
            writeFileSync(join(dir, 'Caddyfile'), global + site(port as number));
            return {
              cmd: 'caddy',
              args: ['run', '--config', 'Caddyfile', '--adapter', 'caddyfile'],
              cwd: dir,
              env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
            };
          },
          ready: async ([port]) => (await get(port as number, `a.test:${port}`))?.status === 302,
        });
        const port = caddy.ports[0] as number;
        let location = '';
        try {
          const r = await get(port, `a.test:${port}`);
          assert.equal(r?.status, 302);
          location = r?.location ?? '';
          assert.equal(location, `${row.mangled ?? (row.rewritten ? 'https://' : 'http://')}a.test:${port}/next`);
        } finally {
          await caddy.stop();
        }
        // Our readers: the Caddyfile, and the JSON caddy adapt makes of it, give the route the same rewrite (adapt writes
        // the `{host}` shorthand out as `{http.request.host}`; the simulator reads both).
        const src = global + site(port);
        const fromFile = readCaddyfile('Caddyfile', src).config.sites[0]?.routes[0]?.redirectRewrites;
        const adapted = spawnSync('caddy', ['adapt', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
          encoding: 'utf8',
          timeout: RUN_SAFETY_TIMEOUT_MS,
          env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
        });
        assert.equal(adapted.status, 0, adapted.stderr);
        const fromJson = readCaddyJson('caddy.json', JSON.stringify(JSON.parse(adapted.stdout), null, 1)).config?.sites[0]
          ?.routes[0]?.redirectRewrites;
        const [search, replace] = row.headerDown(back).split(' ');
        for (const rw of [fromFile, fromJson])
          assert.deepEqual(
            rw?.map((x) => (x.kind === 'replace' ? [x.search, x.replace.replace('{http.request.host}', '{host}')] : [])),
            [[search, replace]],
          );
        // The doctor on the same Caddyfile, TLS ended by a front (--front cloudflare) and the backend as a gunicorn
        // that believes http: its note on the Caddy hop says what the real Location showed.
        const tree = join(dir, 'tree');
        mkdirSync(tree);
        writeFileSync(join(tree, 'Caddyfile'), site(port));
        writeFileSync(join(tree, 'app.service'), `[Service]\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:${back} app:app\n`);
        const { note } = proxyRewriteNote(tree, ['--front', 'cloudflare'], /^header_down Location/);
        if (location.startsWith('https://'))
          assert.match(note ?? '', /rewrites the app's redirects .* to https:\/\/.*their Location is https/);
        else if (row.mangled)
          assert.match(note ?? '', new RegExp(`rewrites the app's redirects .* to ${row.mangled}a\\.test.*still not https`));
        else assert.match(note ?? '', /does not match the app's redirects: .* reaches the browser unchanged \(http\)/);
      } finally {
        backend.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
