/**
 * facts/nginx/sites.ts `nginxProxyConfigs`, tested directly: each nginx server as a neutral `ProxySite`
 * (listeners, routes with their effective header rules in the chain's template language, inherited and dropped
 * rules, unread includes, real_ip, map/geo, servers that are not hops). The chain and the generic proxy checks
 * read only this shape, so each field a check or the simulator relies on is pinned here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProxyRoute } from '../../src/chain/model.js';
import { nginxProxyConfigs } from '../../src/facts/nginx/sites.js';
import type { ProxySite } from '../../src/model/proxy.js';
import { lintFiles } from '../python/lint-files.js';

async function sitesOf(conf: string): Promise<ProxySite[]> {
  // No checks: only the facts are wanted.
  const { facts } = await lintFiles({ 'nginx.conf': conf }, []);
  const configs = nginxProxyConfigs(facts);
  assert.equal(configs.length, 1);
  assert.equal(configs[0]?.kind, 'nginx');
  return configs[0]?.sites ?? [];
}

const written = (r: ProxyRoute | undefined) =>
  (r?.headers ?? []).filter((h) => h.from !== 'default').map((h) => `${h.name}=${h.value} (${h.from}, :${h.ref.line})`);

const CONF = `http {
  upstream app { server 127.0.0.1:8000; }
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 443 ssl;
    listen 80;
    server_name shop.example.com www.shop.example.com;
    set_real_ip_from 10.0.0.0/8;
    real_ip_header X-Forwarded-For;
    proxy_set_header X-Forwarded-Proto $scheme;
    location / {
      proxy_pass http://app;
    }
    location /api/ {
      proxy_set_header Host $host;
      proxy_set_header Connection $connection_upgrade;
      proxy_pass https://127.0.0.1:9443;
    }
    location /x/ {
      include /etc/nginx/snippets/app-headers.conf;
      proxy_pass http://127.0.0.1:9001;
    }
    location /static/ { root /srv; }
  }
  server {
    listen 80;
    server_name shop.example.com;
    return 301 https://$host$request_uri;
  }
}
`;

test('listeners, names, label and real_ip of a TLS + plain server', async () => {
  const [site] = await sitesOf(CONF);
  assert.ok(site);
  assert.deepEqual(
    site.listeners.map((l) => `${l.port}${l.tls ? ' tls' : ''} :${l.ref.line}`),
    ['443 tls :5', '80 :6'],
  );
  assert.deepEqual(site.names, ['shop.example.com', 'www.shop.example.com']);
  assert.equal(site.label, 'nginx :443 (nginx.conf:4)');
  assert.equal(site.trust.mode, 'passthrough');
  assert.deepEqual(site.clientAddress && { from: site.clientAddress.trustedFrom, header: site.clientAddress.header }, {
    from: ['10.0.0.0/8'],
    header: 'X-Forwarded-For',
  });
  assert.equal(site.notAHop, undefined);
  assert.ok(site.maps?.$connection_upgrade, "the http-level map is the site's");
});

test('one route per location that passes upstream; static locations are not routes', async () => {
  const [site] = await sitesOf(CONF);
  assert.deepEqual(
    site?.routes.map((r) => `${r.match} ${r.protocol} ${r.upstreams.map((u) => u.text).join(',')} :${r.ref.line}`),
    [
      'location / http 127.0.0.1:8000 :11',
      'location /api/ https https://127.0.0.1:9443 :14',
      'location /x/ http http://127.0.0.1:9001 :19',
    ],
  );
  assert.equal(site?.routes[0]?.upstreams[0]?.group, 'app');
});

test("a location without its own headers inherits the server's, in the chain's template language", async () => {
  const [site] = await sitesOf(CONF);
  const root = site?.routes[0];
  assert.deepEqual(written(root), ['X-Forwarded-Proto={scheme} (inherited, :10)']);
  // nginx's own defaults are rules too (Host $proxy_host, Connection close), marked as defaults with no line.
  const host = root?.headers.find((h) => h.name === 'Host');
  assert.deepEqual(host && { value: host.value, from: host.from, line: host.ref.line }, {
    value: '{proxy_host}',
    from: 'default',
    line: 0,
  });
  assert.equal(root?.dropped, undefined);
  assert.equal(root?.headersMayChange, undefined);
});

test("a location's own proxy_set_header drops the server's: the dropped rules and the cutting line", async () => {
  const [site] = await sitesOf(CONF);
  const api = site?.routes[1];
  assert.deepEqual(written(api), ['Host={host} (route, :15)', 'Connection={map:$connection_upgrade} (route, :16)']);
  assert.deepEqual(
    api?.dropped?.map((h) => `${h.name} :${h.ref.line} ${h.from}`),
    ['X-Forwarded-Proto :10 inherited'],
  );
  assert.equal(api?.ownHeadersRef?.line, 15);
});

test('an include outside the tree at the level that owns the headers: headersMayChange names it', async () => {
  const [site] = await sitesOf(CONF);
  const x = site?.routes[2];
  // Debian's stock proxy_params is known (facts/nginx): it is read, not unknown.
  const [stock] = await sitesOf(CONF.replace('snippets/app-headers.conf', 'proxy_params'));
  assert.equal(stock?.routes[2]?.headersMayChange, undefined);
  assert.ok(written(stock?.routes[2]).some((h) => h.startsWith('X-Forwarded-Proto={scheme}')));
  assert.deepEqual(
    x?.headersMayChange?.map((r) => `${r.line} ${r.snippet}`),
    ['20 include /etc/nginx/snippets/app-headers.conf;'],
  );
});

test('a server that only redirects is not a hop and says what it does', async () => {
  const sites = await sitesOf(CONF);
  const redirect = sites[1];
  assert.equal(redirect?.routes.length, 0);
  assert.equal(redirect?.notAHop, 'redirects to https://$host$request_uri');
});

test('client-sent headers copied upstream read the request ({in:...}); $proxy_add_x_forwarded_for appends', async () => {
  const [site] = await sitesOf(
    'http {\n  server {\n    listen 80;\n    location / {\n      proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n      proxy_pass http://127.0.0.1:8000;\n    }\n  }\n}\n',
  );
  assert.deepEqual(written(site?.routes[0]), [
    'X-Forwarded-Proto={in:x-forwarded-proto} (route, :5)',
    'X-Forwarded-For={xff_append} (route, :6)',
  ]);
  // No listen ssl: a plain listener only.
  assert.deepEqual(
    site?.listeners.map((l) => [l.port, l.tls]),
    [[80, false]],
  );
});

// An `if` that holds its location's only proxy_pass (`if (!-f $request_filename) { proxy_pass ...; break; }`, the
// old Django/gunicorn guides' pattern) is that location's route: checked on Debian's nginx 1.22.1, the `if`'s
// proxy_pass sends the location's proxy_set_header lines (an `if` in a location inherits its configuration), and a
// file that exists is served statically.
const IF_PASS = (location: string) => `http {
  upstream app_server { server unix:/srv/run/gunicorn.sock fail_timeout=0; }
  server {
    listen 443 ssl;
    server_name a.example.com;
    location / {
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Host $host;
${location}
    }
  }
}
`;

for (const c of [
  {
    name: "valid: the `if`'s proxy_pass is the location's route, with the location's headers",
    location: '      if (!-f $request_filename) {\n        proxy_pass http://app_server;\n        break;\n      }',
    want: [
      {
        match: 'location / if (!-f $request_filename)',
        sample: '/',
        ref: 9,
        headers: ['Host={host} (inherited, :8)', 'X-Forwarded-Proto={scheme} (inherited, :7)'],
      },
    ],
  },
  {
    name: 'trap: a location that proxies itself keeps one route; its `if` is a variant of it, not a second route',
    location:
      '      proxy_pass http://app_server;\n      if ($request_method = POST) {\n        proxy_pass http://127.0.0.1:9000;\n      }',
    want: [
      {
        match: 'location /',
        sample: '/',
        ref: 6,
        headers: ['Host={host} (route, :8)', 'X-Forwarded-Proto={scheme} (route, :7)'],
      },
    ],
  },
])
  test(`if-held proxy_pass: ${c.name}`, async () => {
    const [site] = await sitesOf(IF_PASS(c.location));
    assert.deepEqual(
      (site?.routes ?? []).map((r) => ({
        match: r.match,
        sample: r.samplePath,
        ref: r.ref.line,
        headers: written(r).sort(),
      })),
      c.want,
    );
  });
