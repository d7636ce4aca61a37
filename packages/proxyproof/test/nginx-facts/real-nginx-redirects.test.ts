/**
 * nginx/proxy-redirect-http's claim about nginx's own redirects, checked on the real nginx (Debian's 1.22 when
 * installed): a proxied prefix location ending in `/` answers its name without the slash with a 301 of its own,
 * absolute (`http://host:port/share/`, nginx's connection scheme and port) while absolute_redirect is on, and
 * relative (`/share/`) with absolute_redirect off. The check reports the first server and not the second.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { proxyRedirectHttp } from '../../src/checks/nginx/proxy-redirect-http.js';
import { parseNginxFile } from '../../src/collectors/nginx/index.js';
import type { Facts } from '../../src/model/facts.js';
import { factsOf } from '../checks/nginx/harness.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function head(port: number, path: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: 'shop.test' }, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

describe('nginx builds its own redirects from its own connection', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  let dir = '';
  let nginx: ChildProcess | undefined;
  let stderr = '';
  let on = 0;
  let off = 0;
  let facts: Facts;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-ngx-redir-'));
    for (const d of ['logs', 'tmp']) mkdirSync(join(dir, d));
    on = await freePort();
    off = await freePort();
    const upstream = await freePort();
    const server = (port: number, extra: string): string =>
      `  server {\n    listen 127.0.0.1:${port};\n    server_name shop.test;\n    set_real_ip_from 10.0.0.0/8;\n${extra}` +
      `    location / { proxy_pass http://127.0.0.1:${upstream}; }\n    location /share/ { proxy_pass http://127.0.0.1:${upstream}; }\n  }\n`;
    const conf =
      `daemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/logs/error.log;\nevents {}\nhttp {\n  access_log off;\n` +
      `  client_body_temp_path ${dir}/tmp/cb;\n  proxy_temp_path ${dir}/tmp/p;\n  fastcgi_temp_path ${dir}/tmp/f;\n` +
      `  uwsgi_temp_path ${dir}/tmp/u;\n  scgi_temp_path ${dir}/tmp/s;\n` +
      server(on, '') +
      server(off, '    absolute_redirect off;\n') +
      '}\n';
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const tree = parseNginxFile(join(dir, 'nginx.conf'), { stockDirs: [] });
    facts = factsOf([tree], new Map([[join(dir, 'nginx.conf'), readFileSync(join(dir, 'nginx.conf'), 'utf8').split('\n')]]));
    nginx = spawn(NGINX as string, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx.stderr?.on('data', (c) => {
      stderr += String(c);
    });
    // Wait until both listeners answer (bounded by attempts, not by a clock assertion).
    for (let i = 0; ; i++) {
      try {
        await head(on, '/share');
        await head(off, '/share');
        break;
      } catch (e) {
        if (i > 300 || nginx.exitCode !== null) throw new Error(`nginx did not start: ${stderr} ${String(e)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  after(() => {
    if (nginx && nginx.exitCode === null) nginx.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('absolute_redirect on (default): /share gets a 301 to http://shop.test:<port>/share/', async () => {
    assert.deepEqual(await head(on, '/share'), { status: 301, location: `http://shop.test:${on}/share/` });
  });

  test('absolute_redirect off: the same 301 is relative, the browser keeps its scheme', async () => {
    assert.deepEqual(await head(off, '/share'), { status: 301, location: '/share/' });
  });

  test('the check reports exactly the server whose redirect leaves https', () => {
    const found = proxyRedirectHttp.run(facts);
    assert.deepEqual(
      found.map((f) => [f.severity, f.evidence[0]?.line]),
      [['low', 12]],
    );
    assert.match(found[0]?.message ?? '', /\/share → \/share\//);
  });
});
