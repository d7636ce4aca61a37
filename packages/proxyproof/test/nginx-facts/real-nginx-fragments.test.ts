/**
 * Checked against the real nginx (Debian's, when installed): a file of `location` blocks is a server include
 * (nginx accepts it there), a named location reached by `try_files ... @app` is where the request is proxied,
 * with the server level's headers inherited into it, and `Host` defaults to `$proxy_host` (the upstream block's
 * name). The model and the chain's routes must say the same.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nginxHops } from '../../src/chain/topology/nginx.js';
import { parseNginxFile } from '../../src/collectors/nginx/index.js';
import { headerEntry, nginxModel } from '../../src/facts/nginx/index.js';
import { factsOf } from '../checks/nginx/harness.js';
import { startNginxConf } from '../real-nginx.js';
import type { RealProgram } from '../real-program.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);

function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: REQUEST_SAFETY_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

const FRAGMENT = `location / {
    try_files $uri @proxy_to_app;
}

location @proxy_to_app {
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_pass http://flask_app;
}

location /plain/ {
    proxy_pass http://flask_app;
}
`;

describe('fragments and named locations on the real nginx', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  let dir = '';
  let echo: Server;
  let nginx: RealProgram | undefined;
  let port = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-real-frag-'));
    echo = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, headers: req.headers }));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const echoPort = (echo.address() as AddressInfo).port;
    for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'tmp', d), { recursive: true });
    mkdirSync(join(dir, 'root'));
    mkdirSync(join(dir, 'snippets'));
    writeFileSync(join(dir, 'snippets', 'app.conf'), FRAGMENT);
    const conf = (port: number) => `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'tmp/body')};
  proxy_temp_path ${join(dir, 'tmp/proxy')};
  fastcgi_temp_path ${join(dir, 'tmp/fastcgi')};
  uwsgi_temp_path ${join(dir, 'tmp/uwsgi')};
  scgi_temp_path ${join(dir, 'tmp/scgi')};
  upstream flask_app { server 127.0.0.1:${echoPort}; }
  server {
    listen 127.0.0.1:${port};
    server_name a.test;
    root ${join(dir, 'root')};
    include ${join(dir, 'snippets', 'app.conf')};
  }
}
`;
    nginx = await startNginxConf(
      dir,
      1,
      ([p]) => conf(p as number),
      async ([p]) => (await get(p as number, '/plain/', { Host: 'a.test' })).status > 0,
    );
    port = nginx.ports[0] as number;
  });

  after(() => {
    nginx?.child.kill('SIGTERM');
    echo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the fragment alone is read as a server include (nginx accepted it in a server)', () => {
    const file = join(dir, 'snippets', 'app.conf');
    const tree = parseNginxFile(file);
    const m = nginxModel({ nginx: { configs: [tree] } });
    assert.equal(m.servers.length, 1);
    assert.equal(m.servers[0]?.fragment, true);
    const { hops } = nginxHops(factsOf([tree], new Map([[file, readFileSync(file, 'utf8').split('\n')]])));
    assert.deepEqual(
      hops[0]?.routes.map((r) => `${r.match} ${r.samplePath}`),
      ['location @proxy_to_app /', 'location /plain/ /plain/'],
    );
  });

  test('try_files ... @name: the named location proxies, with its own headers; Host is the upstream name', async () => {
    const got = JSON.parse((await get(port, '/', { Host: 'a.test', 'X-Forwarded-Proto': 'https' })).body) as {
      headers: Record<string, string>;
    };
    const tree = parseNginxFile(join(dir, 'nginx.conf'), { prefix: dir });
    const m = nginxModel({ nginx: { configs: [tree] } });
    const named = m.servers[0]?.scopes.find((s) => s.match === '@proxy_to_app');
    assert.ok(named);
    // Host: nginx's default $proxy_host, the upstream block's name.
    assert.equal(headerEntry(named.headers.proxy, 'Host')?.value, '$proxy_host');
    assert.equal(got.headers.host, 'flask_app');
    assert.match(got.headers['x-forwarded-for'] ?? '', /127\.0\.0\.1/);
    // Not set here: the client's X-Forwarded-Proto passes through unchanged (spoofable).
    assert.equal(headerEntry(named.headers.proxy, 'X-Forwarded-Proto'), undefined);
    assert.equal(got.headers['x-forwarded-proto'], 'https');
    const { hops } = nginxHops(factsOf([tree], new Map()));
    const route = hops[0]?.routes.find((r) => r.match === 'location @proxy_to_app');
    assert.equal(route?.samplePath, '/');
    assert.equal(route?.upstreams[0]?.group, 'flask_app');
  });
});
