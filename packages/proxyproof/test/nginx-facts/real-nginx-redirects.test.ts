/**
 * nginx/proxy-redirect-http's claim about nginx's own redirects, checked on the real nginx (Debian's 1.22 when
 * installed): a proxied prefix location ending in `/` answers its name without the slash with a 301 of its own,
 * absolute (`http://host:port/share/`, nginx's connection scheme and port) while absolute_redirect is on, and
 * relative (`/share/`) with absolute_redirect off. The check reports the first server and not the second.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { proxyRedirectHttp } from '../../src/checks/nginx/proxy-redirect-http.js';
import { parseNginxFile } from '../../src/collectors/nginx/index.js';
import type { Facts } from '../../src/model/facts.js';
import { factsOf } from '../checks/nginx/harness.js';
import { freePort, nginxConf, startNginxConf } from '../real-nginx.js';
import type { RealProgram } from '../real-program.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);

function head(port: number, path: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { Host: 'shop.test' }, agent: false, timeout: REQUEST_SAFETY_TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

describe('nginx builds its own redirects from its own connection', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  let dir = '';
  let nginx: RealProgram | undefined;
  let on = 0;
  let off = 0;
  let facts: Facts;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-ngx-redir-'));
    for (const d of ['logs', 'tmp']) mkdirSync(join(dir, d));
    // The upstream is never reached: nginx answers these redirects itself.
    const upstream = await freePort();
    const server = (port: number, extra: string): string =>
      `  server {\n    listen 127.0.0.1:${port};\n    server_name shop.test;\n    set_real_ip_from 10.0.0.0/8;\n${extra}` +
      `    location / { proxy_pass http://127.0.0.1:${upstream}; }\n    location /share/ { proxy_pass http://127.0.0.1:${upstream}; }\n  }\n`;
    // Ready once both listeners answer.
    nginx = await startNginxConf(
      dir,
      2,
      ([a, b]) => nginxConf(dir, server(a as number, '') + server(b as number, '    absolute_redirect off;\n')),
      async ([a, b]) => (await head(a as number, '/share')).status > 0 && (await head(b as number, '/share')).status > 0,
    );
    [on, off] = nginx.ports as [number, number];
    const tree = parseNginxFile(join(dir, 'nginx.conf'), { stockDirs: [] });
    facts = factsOf([tree], new Map([[join(dir, 'nginx.conf'), readFileSync(join(dir, 'nginx.conf'), 'utf8').split('\n')]]));
  });

  after(() => {
    nginx?.child.kill('SIGTERM');
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
