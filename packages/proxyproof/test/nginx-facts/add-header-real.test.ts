/**
 * `NginxScope.addHeaders` against the real nginx (Debian's 1.22 when installed): the response headers nginx adds in
 * each location are exactly the effective `add_header` list the model gives (a location that writes any `add_header`
 * inherits none of the server's, so it drops a server-level Strict-Transport-Security), and without `always` nginx
 * adds nothing to a 404. This is what `checks/appserver/hsts-cover.ts` (HSTS keeps a cookie without Secure off plain
 * http) relies on.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseNginxFile } from '../../src/collectors/nginx/index.js';
import { type NginxModel, nginxModel } from '../../src/facts/nginx/index.js';
import { NGINX, nginxConf, startNginxConf } from '../real-nginx.js';
import type { RealProgram } from '../real-program.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';

/** One GET; the status and the response headers (5 s safety timeout). */
function head(port: number, path: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { Host: 'site.test' }, agent: false, timeout: REQUEST_SAFETY_TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

const STS = 'strict-transport-security';

const servers = (port: number) => `  server {
    listen 127.0.0.1:${port};
    server_name site.test;
    add_header Strict-Transport-Security "max-age=31536000";
    location = /inherits { return 200 "ok"; }
    location = /own { add_header X-Frame-Options DENY; return 200 "ok"; }
    location = /repeats { add_header X-Frame-Options DENY; add_header Strict-Transport-Security "max-age=600"; return 200 "ok"; }
    location = /missing { return 404; }
    location = /always { add_header Strict-Transport-Security "max-age=31536000" always; return 404; }
    location /outer/ {
      add_header X-Outer 1;
      location /outer/inner { return 200 "ok"; }
    }
  }
`;

describe('add_header: the model agrees with the real nginx', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  let dir = '';
  let nginx: RealProgram | undefined;
  let model: NginxModel;
  let port = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-add-header-'));
    for (const d of ['logs', 'tmp']) mkdirSync(join(dir, d));
    nginx = await startNginxConf(
      dir,
      1,
      ([p]) => nginxConf(dir, servers(p as number)),
      async ([p]) => (await head(p as number, '/inherits')).status > 0,
    );
    port = nginx.ports[0] as number;
    model = nginxModel({ nginx: { configs: [parseNginxFile(join(dir, 'nginx.conf'), { prefix: dir })] } });
  });
  after(() => {
    if (nginx?.child.exitCode === null) nginx.child.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const scope = (match: string) => {
    const s = model.servers[0]?.scopes.find((x) => x.match === match);
    assert.ok(s, `no scope ${match}`);
    return s;
  };
  const modelSts = (match: string) => scope(match).addHeaders?.find((h) => h.name.toLowerCase() === STS)?.value;

  test('a location without add_header inherits the server-level HSTS', async () => {
    const r = await head(port, '/inherits');
    assert.equal(r.headers[STS], 'max-age=31536000');
    assert.equal(modelSts('= /inherits'), 'max-age=31536000');
  });

  test('a location with its own add_header drops the server-level HSTS', async () => {
    const r = await head(port, '/own');
    assert.equal(r.headers[STS], undefined);
    assert.equal(r.headers['x-frame-options'], 'DENY');
    assert.equal(modelSts('= /own'), undefined);
    assert.deepEqual(
      scope('= /own').addHeaders?.map((h) => h.name),
      ['X-Frame-Options'],
    );
  });

  test('a location that repeats HSTS next to its own add_header sends its own value', async () => {
    const r = await head(port, '/repeats');
    assert.equal(r.headers[STS], 'max-age=600');
    assert.equal(modelSts('= /repeats'), 'max-age=600');
  });

  test("without 'always' a 404 carries no HSTS; with 'always' it does", async () => {
    const missing = await head(port, '/missing');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers[STS], undefined);
    assert.equal(scope('= /missing').addHeaders?.find((h) => h.name.toLowerCase() === STS)?.always, false);
    const always = await head(port, '/always');
    assert.equal(always.status, 404);
    assert.equal(always.headers[STS], 'max-age=31536000');
    assert.equal(scope('= /always').addHeaders?.[0]?.always, true);
  });

  test('a nested location inherits its parent location, not the server', async () => {
    const r = await head(port, '/outer/inner');
    assert.equal(r.headers['x-outer'], '1');
    assert.equal(r.headers[STS], undefined);
    assert.deepEqual(
      scope('/outer/inner').addHeaders?.map((h) => h.name),
      ['X-Outer'],
    );
  });
});
