/**
 * Header inheritance into named locations, checked on the real nginx (issue 12: "Named locations are routes ...
 * headers inherit into them like any location"). A server level sets three proxy headers; named locations reached by
 * `try_files ... @name` and by `error_page 404 = @name` either set none (they inherit all three) or set one of their
 * own (they inherit none: Host falls back to nginx's `$proxy_host`, the upstream block's name). A backend echoes what
 * it receives; the model's effective set of each named location, and the chain's route for the path, must say the same.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nginxHops } from '../../src/chain/topology/nginx.js';
import { parseNginxFile } from '../../src/collectors/nginx/index.js';
import { headerEntry, nginxModel } from '../../src/facts/nginx/index.js';
import { factsOf } from '../checks/nginx/harness.js';
import { type EchoNginx, startEchoNginx } from './echo-nginx.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);

const SERVER_BODY = `
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-From-Server yes;

    location / { try_files $uri @inherits; }
    location @inherits { proxy_pass http://app_up; }

    location /own/ { try_files $uri @own; }
    location @own {
        proxy_set_header X-Own yes;
        proxy_pass http://app_up;
    }

    location /err/ { error_page 404 = @err; }
    location @err { proxy_pass http://app_up; }

    location /errown/ { error_page 404 = @errown; }
    location @errown {
        proxy_set_header X-Own err;
        proxy_pass http://app_up;
    }
`;

/** What nginx makes of the values used above, for a plain-HTTP request with `Host: a.test`. */
const VALUES: Record<string, string> = { $host: 'a.test', $scheme: 'http', $proxy_host: 'app_up' };
const NAMES = ['host', 'x-forwarded-proto', 'x-from-server', 'x-own'];

const rows: Array<{ name: string; path: string; scope: string; want: Record<string, string | undefined> }> = [
  {
    name: 'try_files ... @inherits, no header of its own: the server level is inherited',
    path: '/page',
    scope: '@inherits',
    want: { host: 'a.test', 'x-forwarded-proto': 'http', 'x-from-server': 'yes', 'x-own': undefined },
  },
  {
    name: 'trap: try_files ... @own with one header of its own inherits none (Host is $proxy_host)',
    path: '/own/page',
    scope: '@own',
    want: { host: 'app_up', 'x-forwarded-proto': undefined, 'x-from-server': undefined, 'x-own': 'yes' },
  },
  {
    name: 'error_page 404 = @err, no header of its own: the server level is inherited',
    path: '/err/missing',
    scope: '@err',
    want: { host: 'a.test', 'x-forwarded-proto': 'http', 'x-from-server': 'yes', 'x-own': undefined },
  },
  {
    name: 'trap: error_page 404 = @errown with one header of its own inherits none',
    path: '/errown/missing',
    scope: '@errown',
    want: { host: 'app_up', 'x-forwarded-proto': undefined, 'x-from-server': undefined, 'x-own': 'err' },
  },
];

describe('header inheritance into named locations on the real nginx', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  let nginx: EchoNginx | undefined;

  before(async () => {
    nginx = await startEchoNginx(
      'pp-real-named-',
      (echoPort, port, dir) => `  upstream app_up { server 127.0.0.1:${echoPort}; }
  server {
    listen 127.0.0.1:${port};
    server_name a.test;
    root ${join(dir, 'root')};
${SERVER_BODY}
  }`,
      { path: '/page', headers: { Host: 'a.test' } },
    );
  });

  after(() => nginx?.close());

  for (const row of rows) {
    test(row.name, async () => {
      assert.ok(nginx);
      const res = await nginx.get(row.path, { Host: 'a.test' });
      assert.equal(res.status, 200, res.body);
      const got = JSON.parse(res.body) as { headers: Record<string, string> };
      const tree = parseNginxFile(join(nginx.dir, 'nginx.conf'), { prefix: nginx.dir });
      const scope = nginxModel({ nginx: { configs: [tree] } }).servers[0]?.scopes.find((s) => s.match === row.scope);
      assert.ok(scope, row.scope);
      for (const name of NAMES) {
        const value = headerEntry(scope.headers.proxy, name)?.value;
        const modelled = value === undefined || value === '' ? undefined : (VALUES[value] ?? value);
        // The table, the real nginx and the model agree on every header.
        assert.equal(got.headers[name], row.want[name], `${name}: nginx sent ${got.headers[name]}`);
        assert.equal(modelled, row.want[name], `${name}: the model says ${value}`);
      }
      // The chain routes the path to that named location.
      const { hops } = nginxHops(factsOf([tree], new Map()));
      const route = hops[0]?.routes.find((r) => r.match === `location ${row.scope}`);
      assert.ok(route, `no route location ${row.scope}: ${hops[0]?.routes.map((r) => r.match).join(', ')}`);
      // ... and the route sends what nginx sent: the server level's header only where it is inherited.
      for (const name of ['x-from-server', 'x-own'])
        assert.equal(
          route.headers.some((h) => h.name.toLowerCase() === name),
          row.want[name] !== undefined,
          `route ${row.scope}: ${name}`,
        );
    });
  }
});
