/**
 * Checked against the real nginx (Debian's, when installed): a file of `location` blocks is a server include
 * (nginx accepts it there), a named location reached by `try_files ... @app` is where the request is proxied,
 * with the server level's headers inherited into it, and `Host` defaults to `$proxy_host` (the upstream block's
 * name). The model and the chain's routes must say the same.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nginxHops } from '../../src/chain/topology/nginx.js';
import { parseNginxFile } from '../../src/collectors/nginx/index.js';
import { headerEntry, nginxModel } from '../../src/facts/nginx/index.js';
import { factsOf } from '../checks/nginx/harness.js';
import { type EchoNginx, startEchoNginx } from './echo-nginx.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);

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
  let nginx: EchoNginx | undefined;
  let dir = '';

  before(async () => {
    nginx = await startEchoNginx(
      'pp-real-frag-',
      (echoPort, port, d) => `  upstream flask_app { server 127.0.0.1:${echoPort}; }
  server {
    listen 127.0.0.1:${port};
    server_name a.test;
    root ${join(d, 'root')};
    include ${join(d, 'snippets', 'app.conf')};
  }`,
      { path: '/plain/', headers: { Host: 'a.test' } },
      (d) => {
        mkdirSync(join(d, 'snippets'));
        writeFileSync(join(d, 'snippets', 'app.conf'), FRAGMENT);
      },
    );
    dir = nginx.dir;
  });

  after(() => nginx?.close());

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
    assert.ok(nginx);
    const got = JSON.parse((await nginx.get('/', { Host: 'a.test', 'X-Forwarded-Proto': 'https' })).body) as {
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
