/**
 * Caddy's JSON config reader cross-checked against Debian's caddy (2.6.2): each Caddyfile below is adapted by the
 * real `caddy adapt`, and our JSON reader must see in that JSON exactly the sites, listeners (port, TLS, bind),
 * routes (protocol, upstream addresses, sample path), header rules and trusted proxies our Caddyfile reader sees in
 * the Caddyfile. Then: a fix written into a JSON config is accepted by `caddy validate`, and the automatic-HTTPS
 * rule of the JSON reader is checked against a running caddy (plain or TLS on each listener).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { addressText } from '../../src/chain/addr.js';
import { readCaddyfile } from '../../src/collectors/caddy/collector.js';
import { readCaddyJson } from '../../src/collectors/caddy/json.js';
import type { ProxyConfigFacts } from '../../src/model/proxy.js';
import { lintFiles } from '../python/lint-files.js';
import { REQUEST_SAFETY_TIMEOUT_MS, type RealProgram, startOnFreePorts } from '../real-program.js';

function caddyEnv(dir: string) {
  return { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
}

function adapt(dir: string, src: string): string {
  writeFileSync(join(dir, 'Caddyfile'), src);
  const r = spawnSync('caddy', ['adapt', '--config', 'Caddyfile', '--adapter', 'caddyfile', '--pretty'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: caddyEnv(dir),
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** What both readers must agree on: no line numbers, ids or labels (the two files differ in those). */
function projection(c: ProxyConfigFacts | undefined) {
  return (c?.sites ?? [])
    .map((s) => ({
      names: [...s.names].sort(),
      listeners: s.listeners.map((l) => `${l.address ?? '*'}:${l.port}${l.tls ? ' tls' : ''}`).sort(),
      trust: `${s.trust.mode} ${[...new Set(s.trust.list)].sort().join(' ')}`,
      routes: s.routes
        .map((r) => ({
          protocol: r.protocol,
          samplePath: r.samplePath,
          upstreams: r.upstreams.map((u) => (u.address ? addressText(u.address) : u.text)),
          headers: r.headers.map((h) => `${h.name.toLowerCase()}=${h.value}${h.append ? ' (append)' : ''}`).sort(),
        }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const CADDYFILES: Record<string, string> = {
  'several sites, handle blocks, header_up set/delete/add, trusted_proxies with private_ranges, php_fastcgi': `{
	email ops@example.com
}
example.com, www.example.com {
	handle /api/* {
		reverse_proxy 127.0.0.1:8000 {
			header_up X-Forwarded-Proto https
			header_up -X-Real-IP
			trusted_proxies 10.0.0.0/8 private_ranges
		}
	}
	handle {
		php_fastcgi unix//run/php/php-fpm.sock
	}
}
http://plain.example.com:8080 {
	@api path /v1/*
	reverse_proxy @api backend:8443 app2:9000 {
		header_up +X-Extra {http.request.header.X-Foo}
		header_up Host {upstream_hostport}
		transport http {
			tls
		}
	}
}
:9090 {
	reverse_proxy localhost:3000
}
`,
  'a site without braces (the docs form), header_up from a client header': `jellyfin.example.org

reverse_proxy 127.0.0.1:8096 {
	header_up X-Real-IP {remote_host}
}
`,
  'bind, request_header, an https upstream, a localhost and an IP site': `:7002 {
	bind 127.0.0.1
	reverse_proxy e:1
}
localhost:7000 {
	reverse_proxy c:1
}
10.0.0.1:7001 {
	request_header X-Forwarded-Proto https
	reverse_proxy https://d.internal
}
`,
  // Caddy 2.6.2 substitutes `{args.0}`; the `{args[0]}` form is newer (2.7), so the cross-check uses the old one.
  'route with a path matcher, a snippet import and a named matcher': `(proxy) {
	reverse_proxy {args.0} {
		header_up X-Forwarded-Ssl on
	}
}
app.example.org {
	route /admin/* {
		import proxy admin:9000
	}
	@static {
		path /static/* /media/*
	}
	reverse_proxy @static files:8080
	import proxy web:8000
}
`,
};

for (const [name, src] of Object.entries(CADDYFILES)) {
  test(`caddy adapt cross-check: ${name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-json-'));
    try {
      const json = adapt(dir, src);
      const fromJson = readCaddyJson('caddy.json', json);
      assert.deepEqual(fromJson.errors, []);
      const fromCaddyfile = readCaddyfile('Caddyfile', src);
      assert.deepEqual(fromCaddyfile.errors, []);
      const ours = projection(fromCaddyfile.config);
      assert.ok(ours.length > 0 && ours.some((s) => s.routes.length > 0));
      assert.deepEqual(projection(fromJson.config), ours);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('Caddy JSON: bad JSON is a warning with its line, never a throw', () => {
  const r = readCaddyJson('caddy.json', '{\n  "apps": {\n    "http": {\n      "servers": {,\n');
  assert.equal(r.config, undefined);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]?.message ?? '', /not valid JSON/);
  assert.ok((r.errors[0]?.line ?? 0) >= 1);
});

test('Caddy JSON: the trusted_proxies fix the check writes is accepted by caddy validate and read back as trust', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-json-'));
  try {
    const json = adapt(dir, ':8080 {\n\tbind 127.0.0.1\n\treverse_proxy 127.0.0.1:3000\n}\n');
    const { findings } = await lintFiles({ 'caddy.json': json });
    const f = findings.find((x) => x.id === 'caddy/trusted-proxies-missing');
    assert.ok(f?.fix?.line && f.fix.lines, JSON.stringify(findings.map((x) => x.id)));
    const lines = json.split('\n');
    assert.match(lines[f.fix.line - 1] ?? '', /"handler": "reverse_proxy",/);
    lines.splice(f.fix.line, 0, ...f.fix.lines);
    const patched = lines.join('\n');
    writeFileSync(join(dir, 'caddy.json'), patched);
    const v = spawnSync('caddy', ['validate', '--config', 'caddy.json'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: caddyEnv(dir),
    });
    assert.equal(v.status, 0, v.stderr);
    const back = readCaddyJson('caddy.json', readFileSync(join(dir, 'caddy.json'), 'utf8')).config;
    assert.equal(back?.sites[0]?.trust.mode, 'list');
    assert.deepEqual(back?.sites[0]?.trust.list, ['127.0.0.1', '::1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Is the listener a TLS one? A plain HTTP request tells without depending on a certificate being ready: Go's TLS
 * server answers it with "Client sent an HTTP request to an HTTPS server", a plain one with the route's body.
 */
function speaksTls(port: number): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    let got = '';
    const s = netConnect({ host: '127.0.0.1', port }, () => s.write('GET / HTTP/1.0\r\nHost: localhost\r\n\r\n'));
    // A safety net (test/real-program.ts): a cut-short answer read as neither TLS nor plain.
    s.setTimeout(REQUEST_SAFETY_TIMEOUT_MS, () => s.destroy());
    s.on('data', (d) => (got += d));
    s.once('error', () => resolve(undefined));
    s.once('close', () =>
      resolve(/HTTP request to an HTTPS server/.test(got) ? true : /\r\n\r\nok$/.test(got) ? false : undefined),
    );
  });
}

test('Caddy JSON automatic HTTPS: our TLS per server matches a running caddy (host matcher, skip, no host, explicit policies)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-run-'));
  const route = (host?: string) => ({
    ...(host ? { match: [{ host: [host] }] } : {}),
    handle: [{ handler: 'static_response', body: 'ok' }],
  });
  // Four listeners, and the HTTP port: automatic HTTPS also starts HTTP->HTTPS redirects there, by default on 80,
  // which another test (or the machine) may hold, so the redirects go to a free port of our own, which our reader
  // models too. startOnFreePorts picks them just before the start and retries an "address already in use" exit.
  const configFor = (ports: number[]) => ({
    admin: { disabled: true },
    apps: {
      pki: { certificate_authorities: { local: { install_trust: false } } },
      http: {
        http_port: ports[4],
        servers: {
          hosted: { listen: [`127.0.0.1:${ports[0]}`], routes: [route('localhost')] },
          nohost: { listen: [`127.0.0.1:${ports[1]}`], routes: [route()] },
          skipped: {
            listen: [`127.0.0.1:${ports[2]}`],
            routes: [route('localhost')],
            automatic_https: { skip: ['localhost'] },
          },
          policies: { listen: [`127.0.0.1:${ports[3]}`], routes: [route()], tls_connection_policies: [{}] },
        },
      },
    },
  });
  let caddy: RealProgram | undefined;
  try {
    caddy = await startOnFreePorts({
      name: 'caddy',
      ports: 5,
      command: (ports) => {
        writeFileSync(join(dir, 'caddy.json'), JSON.stringify(configFor(ports), null, 2));
        return { cmd: 'caddy', args: ['run', '--config', 'caddy.json'], cwd: dir, env: caddyEnv(dir) };
      },
      // Ready when every listener answers as this caddy does (its body, or Go's answer to plain HTTP on TLS): a
      // process that took one of the ports gives neither.
      ready: async (ports) => (await Promise.all(ports.slice(0, 4).map(speaksTls))).every((t) => t !== undefined),
    });
    const ports = caddy.ports;
    const ours = readCaddyJson('caddy.json', JSON.stringify(configFor(ports), null, 2)).config;
    const expected = (ours?.sites ?? []).map((s) => [s.listeners[0]?.port, s.listeners[0]?.tls]);
    assert.equal(expected.length, 4);
    const real: Array<[number, boolean | undefined]> = [];
    for (const p of ports.slice(0, 4)) real.push([p, await speaksTls(p)]);
    assert.deepEqual(real, expected, caddy.stderr().slice(-2000));
    assert.deepEqual(
      real.map((r) => r[1]),
      [true, false, false, true],
    );
  } finally {
    await caddy?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

const NESTED_DYNAMIC =
  '{\n  "apps": {\n    "http": {\n      "servers": {\n        "srv0": {\n          "listen": [":8443"],\n          "tls_connection_policies": [{}],\n          "routes": [\n            {\n              "handle": [\n                {\n                  "handler": "subroute",\n                  "routes": [\n                    {\n                      "match": [{ "host": ["app.example.org"] }],\n                      "handle": [\n                        {\n                          "handler": "reverse_proxy",\n                          "dynamic_upstreams": { "source": "a", "name": "app.internal", "port": "8000" }\n                        }\n                      ]\n                    },\n                    {\n                      "match": [{ "host": ["api.example.org"] }],\n                      "handle": [\n                        {\n                          "handler": "reverse_proxy",\n                          "dynamic_upstreams": { "source": "srv", "name": "_api._tcp.example.internal" }\n                        }\n                      ]\n                    }\n                  ]\n                }\n              ]\n            }\n          ]\n        }\n      }\n    }\n  }\n}\n';

test('Caddy JSON: nested host-matched routes name the site; dynamic_upstreams a -> name:port, srv unresolved (caddy validate accepts the config)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-caddy-json-'));
  try {
    writeFileSync(join(dir, 'caddy.json'), NESTED_DYNAMIC);
    const v = spawnSync('caddy', ['validate', '--config', 'caddy.json'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: caddyEnv(dir),
    });
    assert.equal(v.status, 0, v.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const site = readCaddyJson('caddy.json', NESTED_DYNAMIC).config?.sites[0];
  assert.ok(site);
  assert.deepEqual(site.names, ['app.example.org', 'api.example.org']);
  assert.equal(site.listeners[0]?.tls, true);
  assert.equal(site.routes.length, 2);
  const [a, srv] = site.routes;
  assert.deepEqual(a?.upstreams[0]?.address, { kind: 'tcp', host: 'app.internal', port: 8000 });
  assert.equal(a?.upstreams[0]?.text, 'dynamic a app.internal:8000');
  assert.equal(a?.upstreams[0]?.ref.line, 19);
  assert.equal(srv?.upstreams[0]?.address, null);
  assert.equal(srv?.upstreams[0]?.text, 'dynamic srv _api._tcp.example.internal');
});
