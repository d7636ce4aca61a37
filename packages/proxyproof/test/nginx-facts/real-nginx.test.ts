/**
 * Cross-check of the model against the real nginx (Debian's 1.22 when installed): for each location,
 * the headers nginx actually sends upstream must be exactly what the model's effective set predicts
 * (set headers with a non-empty value, plus the client's headers nobody overrode), with the values
 * nginx's defaults give (`Host $proxy_host`, `Connection close`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseNginxFile } from '../../src/collectors/nginx/index.js';
import { headerEntry, type NginxModel, type NginxScope, nginxModel } from '../../src/facts/nginx/index.js';
import { nginxProxyConfigs } from '../../src/facts/nginx/sites.js';
import type { Facts } from '../../src/model/facts.js';
import { startNginxConf } from '../real-nginx.js';
import type { RealProgram } from '../real-program.js';
import { getText } from './echo-nginx.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);

interface Echo {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The header lines as received, names as sent, in order (name, value, name, value...). */
  raw?: string[];
}

async function get(port: number, path: string, headers: Record<string, string>): Promise<Echo> {
  const { status, body } = await getText(port, path, headers);
  try {
    return JSON.parse(body) as Echo;
  } catch {
    throw new Error(`${path}: status ${status}: ${body.slice(0, 200)}`);
  }
}

describe('the model agrees with the real nginx', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  let dir = '';
  let echo: Server;
  let nginx: RealProgram | undefined;
  let model: NginxModel;
  let configs: ReturnType<typeof parseNginxFile>[] = [];
  let portA = 0;
  let portB = 0;
  let portC = 0;
  let uwsgi: TcpServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-real-nginx-'));
    echo = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, headers: req.headers, raw: req.rawHeaders }));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const echoPort = (echo.address() as AddressInfo).port;
    // A uWSGI-protocol peer: 4-byte header (modifier1, u16le size, modifier2), then u16le-length
    // key/value pairs; it answers with a raw HTTP response carrying the vars it received.
    uwsgi = createTcpServer((sock) => {
      let buf = Buffer.alloc(0);
      sock.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length < 4) return;
        const size = buf.readUInt16LE(1);
        if (buf.length < 4 + size) return;
        const vars: Record<string, string> = {};
        for (let i = 4; i + 2 <= 4 + size; ) {
          const kl = buf.readUInt16LE(i);
          const k = buf.toString('latin1', i + 2, i + 2 + kl);
          const vl = buf.readUInt16LE(i + 2 + kl);
          vars[k] = buf.toString('latin1', i + 4 + kl, i + 4 + kl + vl);
          i += 4 + kl + vl;
        }
        const body = JSON.stringify({ path: vars.REQUEST_URI ?? '', headers: vars });
        sock.end(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      });
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => uwsgi.listen(0, '127.0.0.1', () => r()));
    const uwsgiPort = (uwsgi.address() as AddressInfo).port;
    for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'tmp', d), { recursive: true });
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((k) => `${k}_temp_path ${join(dir, 'tmp', k === 'client_body' ? 'body' : k)};`)
      .join('\n  ');
    const conf = (portA: number, portB: number, portC: number) => `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  ${temp}
  upstream echo { server 127.0.0.1:${echoPort}; }
  proxy_set_header X-From-Http http-level;
  server {
    listen 127.0.0.1:${portA};
    server_name a.test;
    location / { proxy_pass http://echo; }
  }
  server {
    listen 127.0.0.1:${portB};
    server_name a.test;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Client "";
    location / { proxy_pass http://echo; }
    location /own/ { proxy_set_header X-Own 1; proxy_pass http://echo; }
    location /nest/ {
      proxy_set_header X-Outer 1;
      location /nest/inner/ { proxy_pass http://echo; }
      location /nest/own/ { proxy_set_header X-Inner 1; proxy_pass http://echo; }
    }
    location /if/ {
      proxy_set_header X-Loc 1;
      if ($arg_x) { proxy_pass http://127.0.0.1:${echoPort}; }
      proxy_pass http://echo;
    }
    location /params/ { include /etc/nginx/proxy_params; proxy_pass http://echo; }
    location /noreq/ { proxy_pass_request_headers off; proxy_pass http://echo; }
    location /ws/ { proxy_set_header Connection "upgrade"; proxy_set_header Upgrade $http_upgrade; proxy_pass http://echo; }
    location /twice/ {
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header x-forwarded-proto https;
      proxy_set_header X-Forwarded-Proto "";
      proxy_pass http://echo;
    }
    location /twice-host/ {
      proxy_set_header Host $host;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_pass http://echo;
    }
  }
  server {
    listen 127.0.0.1:${portC};
    server_name a.test;
    uwsgi_param HTTPS $https if_not_empty;
    uwsgi_param REQUEST_URI $request_uri;
    uwsgi_param X_SERVER 1;
    uwsgi_param X_EMPTY "";
    location / { uwsgi_pass 127.0.0.1:${uwsgiPort}; }
    location /own/ { uwsgi_param X_OWN 1; uwsgi_pass 127.0.0.1:${uwsgiPort}; }
    location /params/ { include /etc/nginx/uwsgi_params; uwsgi_pass 127.0.0.1:${uwsgiPort}; }
  }
}
`;
    const started = await startNginxConf(
      dir,
      3,
      ([a, b, c]) => conf(a as number, b as number, c as number),
      // Ready once it proxies to our echo.
      async ([, b]) => (await get(b as number, '/__ready', { Host: 'a.test' })) !== undefined,
    );
    nginx = started;
    [portA, portB, portC] = started.ports as [number, number, number];
    configs = [parseNginxFile(join(dir, 'nginx.conf'), { prefix: dir })];
    model = nginxModel({ nginx: { configs } });
  });

  after(() => {
    nginx?.child.kill('SIGTERM');
    echo?.close();
    uwsgi?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const CLIENT = { Host: 'a.test', 'X-Client': 'from-client', 'X-Forwarded-Proto': 'https', Upgrade: 'websocket' };

  /** What the model says the upstream receives: set headers with a value, plus client headers not overridden. */
  function predicted(scope: NginxScope): Set<string> {
    const set = scope.headers.proxy;
    // A GET without a body: nginx's internal Content-Length / Transfer-Encoding values are empty.
    const sent = set.entries.filter((e) => e.value !== '' && !e.value.startsWith('$proxy_internal_'));
    const out = new Set(sent.map((e) => e.name.toLowerCase()));
    if (scope.passRequestHeaders) {
      for (const h of Object.keys(CLIENT)) {
        if (!set.entries.some((e) => e.name.toLowerCase() === h.toLowerCase())) out.add(h.toLowerCase());
      }
    }
    return out;
  }

  function scopeAt(port: number, label: string): NginxScope {
    const server = model.servers.find((s) => s.listens.some((l) => l.port === port));
    const s = server?.scopes.find((x) => x.label === label);
    assert.ok(s, `no scope ${label}`);
    return s;
  }

  const cases: [string, () => number, string, string][] = [
    ['server without own headers inherits http level', () => portA, '/', 'location /'],
    ['location inherits the server set (X-Client "" blocks the client header)', () => portB, '/', 'location /'],
    ['a location with one own header drops the server set', () => portB, '/own/', 'location /own/'],
    ['nested location inherits its parent location', () => portB, '/nest/inner/', 'location /nest/inner/ in location /nest/'],
    ['nested location with its own header', () => portB, '/nest/own/', 'location /nest/own/ in location /nest/'],
    ['proxy_pass inside if uses the location headers', () => portB, '/if/?x=1', 'if ($arg_x) in location /if/'],
    ["Debian's proxy_params (real /etc/nginx file)", () => portB, '/params/', 'location /params/'],
    ['proxy_pass_request_headers off', () => portB, '/noreq/', 'location /noreq/'],
    ['re-setting Connection replaces the default, Host falls back to $proxy_host', () => portB, '/ws/', 'location /ws/'],
  ];

  for (const [name, port, path, label] of cases) {
    test(name, async () => {
      const got = await get(port(), path, CLIENT);
      const scope = scopeAt(port(), label);
      const received = new Set(Object.keys(got.headers));
      assert.deepEqual([...received].sort(), [...predicted(scope)].sort(), `nginx stderr: ${nginx?.stderr()}`);
      // Values nginx computes from the defaults and literals the model records.
      const host = headerEntry(scope.headers.proxy, 'Host');
      if (host?.value === '$proxy_host') {
        // $proxy_host: the upstream name, or host:port as written in proxy_pass (port kept unless default).
        const p = scope.pass;
        assert.equal(got.headers.host, p?.upstream ? p.upstream.name : `${p?.host}${p?.port === 80 ? '' : `:${p?.port}`}`);
      }
      if (host?.value === '$host') assert.equal(got.headers.host, 'a.test');
      const conn = headerEntry(scope.headers.proxy, 'Connection');
      assert.equal(got.headers.connection, conn?.value);
      const xfp = headerEntry(scope.headers.proxy, 'X-Forwarded-Proto');
      if (xfp?.value === '$scheme') assert.equal(got.headers['x-forwarded-proto'], 'http');
    });
  }

  test("a header set twice in one level: nginx sends both lines in order, not the empty one nor the client's; the sites append the repeat", async () => {
    const got = await get(portB, '/twice/', CLIENT);
    const raw = got.raw ?? [];
    const xfp = raw.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === 'x-forwarded-proto' ? [raw[i + 1]] : []));
    assert.deepEqual(xfp, ['http', 'https'], `nginx stderr: ${nginx?.stderr()}`);
    // The neutral sites the chain simulates: the same two values, the second appended, the empty repeat gone.
    const facts = { nginx: { configs }, sources: new Map(), diagnostics: [] } as unknown as Facts;
    const site = nginxProxyConfigs(facts)
      .flatMap((c) => c.sites)
      .find((x) => x.listeners.some((l) => l.port === portB));
    const route = site?.routes.find((r) => r.match === 'location /twice/');
    const rules = route?.headers.filter((h) => h.name.toLowerCase() === 'x-forwarded-proto') ?? [];
    assert.deepEqual(
      rules.map((h) => [h.value, h.append === true]),
      [
        ['{scheme}', false],
        ['https', true],
      ],
    );
  });

  test('Host and X-Forwarded-For set twice in one level: nginx sends two lines of each (proxy/header-repeated)', async () => {
    const got = await get(portB, '/twice-host/', { ...CLIENT, Host: 'a.test:8443', 'X-Forwarded-For': '198.51.100.9' });
    const raw = got.raw ?? [];
    const linesOf = (name: string) => raw.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === name ? [raw[i + 1]] : []));
    assert.deepEqual(linesOf('host'), ['a.test', 'a.test:8443'], `nginx stderr: ${nginx?.stderr()}`);
    assert.deepEqual(linesOf('x-forwarded-for'), ['127.0.0.1', '198.51.100.9, 127.0.0.1']);
  });

  const uwsgiCases: [string, string, string][] = [
    [
      'uwsgi: a location without params inherits the server params; if_not_empty HTTPS is absent on plain HTTP',
      '/',
      'location /',
    ],
    ['uwsgi: a location with one own param drops the server params', '/own/', 'location /own/'],
    ["uwsgi: Debian's uwsgi_params (real /etc/nginx file)", '/params/', 'location /params/'],
  ];
  for (const [name, path, label] of uwsgiCases) {
    test(name, async () => {
      const got = await get(portC, path, CLIENT);
      const scope = scopeAt(portC, label);
      // Params the model says nginx sends: all but `if_not_empty` ones whose value is empty here
      // ($https on a plain connection). Client headers come as HTTP_* and are compared separately.
      const predictedParams = scope.headers.uwsgi.entries
        .filter((e) => !(e.ifNotEmpty && e.value === '$https'))
        .map((e) => e.name)
        .filter((n) => !n.startsWith('HTTP_'))
        .sort();
      const receivedParams = Object.keys(got.headers)
        .filter((n) => !n.startsWith('HTTP_'))
        .sort();
      assert.deepEqual(receivedParams, predictedParams, `nginx stderr: ${nginx?.stderr()}`);
      const host = headerEntry(scope.headers.uwsgi, 'HTTP_HOST');
      if (host?.value === '$host') assert.equal(got.headers.HTTP_HOST, 'a.test');
      assert.equal(got.headers.HTTP_X_CLIENT, 'from-client');
    });
  }
});

/** Starts nginx on `conf(port)` (daemon off, single process) on a free port. */
function startNginx(dir: string, conf: (port: number) => string): Promise<RealProgram> {
  return startNginxConf(
    dir,
    1,
    ([port]) => conf(port as number),
    async ([port]) => (await get(port as number, '/__ready', { Host: 'a.test' })) !== undefined,
  );
}

describe('the guarded X-Forwarded-Proto fix works on the real nginx', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  for (const [name, trusted, expectHttps] of [
    ['from the trusted balancer, its https is believed', '127.0.0.1', true],
    ['from anyone else, the header is ignored and $scheme is used', '10.9.9.9', false],
  ] as const) {
    test(name, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pp-fix-nginx-'));
      const echo = createServer((req, res) => res.end(JSON.stringify({ path: req.url, headers: req.headers })));
      await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
      const echoPort = (echo.address() as AddressInfo).port;
      let nginx: RealProgram | undefined;
      try {
        const { schemeBehindTlsTerminator } = await import('../../src/checks/nginx/scheme-behind-tls-terminator.js');
        const { factsFromText } = await import('../checks/nginx/harness.js');
        const serverOn = (port: number) => [
          'server {',
          `    listen 127.0.0.1:${port};`,
          '    server_name a.test;',
          `    set_real_ip_from ${trusted};`,
          '    real_ip_header X-Forwarded-For;',
          '    location / {',
          '        proxy_set_header X-Forwarded-Proto $scheme;',
          `        proxy_pass http://127.0.0.1:${echoPort};`,
          '    }',
          '}',
        ];
        // The check on the server as written (its port does not matter to it); nginx runs it on a free port.
        const [f] = schemeBehindTlsTerminator.run(factsFromText(serverOn(8080).join('\n')));
        assert.ok(f?.fix?.lines, 'the check fires and gives fix lines');
        // The fix is the header line plus, in `also`, the geo and map written above the first server block:
        // applied as the fix command applies them (each a replacement of its line), bottom to top.
        const edits = [f.fix, ...(f.fix.also ?? [])].sort((a, b) => (b.line as number) - (a.line as number));
        const fixedOn = (port: number) => {
          const fixed = serverOn(port);
          for (const e of edits) {
            assert.equal(e.placement, 'replace', JSON.stringify(e));
            fixed.splice((e.line as number) - 1, 1, ...(e.lines as string[]));
          }
          return fixed;
        };
        const fixed8080 = fixedOn(8080);
        assert.ok(
          fixed8080.some((l) => l.startsWith('geo ')) && fixed8080.some((l) => l.startsWith('map ')),
          fixed8080.join('\n'),
        );
        const conf = (port: number) =>
          [
            'daemon off;',
            'master_process off;',
            `pid ${join(dir, 'nginx.pid')};`,
            'error_log stderr warn;',
            'events { worker_connections 16; }',
            'http {',
            '  access_log off;',
            ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${dir};`),
            ...fixedOn(port).map((l) => `  ${l}`),
            '}',
          ].join('\n');
        nginx = await startNginx(dir, conf);
        const port = nginx.ports[0] as number;
        const claimed = await get(port, '/', { Host: 'a.test', 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.7' });
        assert.equal(claimed.headers['x-forwarded-proto'], expectHttps ? 'https' : 'http');
        const junk = await get(port, '/', { Host: 'a.test', 'X-Forwarded-Proto': 'javascript' });
        assert.equal(junk.headers['x-forwarded-proto'], 'http', 'anything but http/https falls back to $scheme');
      } finally {
        await nginx?.stop();
        echo.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
