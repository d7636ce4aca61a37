// Hono on Node (@hono/node-server): the collector's reading of `serve()` and of header reads, as a case table, and
// the behaviour it rests on, pinned against the real hono 4 and @hono/node-server 1.19 installed here (127.0.0.1).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { lintPaths } from '../../src/engine/lint.js';
import { withFiles } from '../python/lint-files.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { getJson as get } from './get-json.js';
import { factsFromFiles } from './harness.js';

const PKG = JSON.stringify({ name: 'h', dependencies: { hono: '^4.6.0', '@hono/node-server': '^1.13.0' } });
const HEAD = "import { serve } from '@hono/node-server';\nimport { Hono } from 'hono';\nconst app = new Hono();\n";

interface Case {
  name: string;
  files: Record<string, string>;
  /** host, port of the Hono server's bind; undefined: no server */
  bind?: [string | undefined, number | undefined];
  /** the app end believes X-Forwarded-Proto from every peer (the code reads it itself) */
  readsProto: boolean;
  /** no Hono app at all (nothing says the handler is Hono's) */
  noApp?: boolean;
}

const CASES: Case[] = [
  {
    name: 'serve({ fetch: app.fetch, port, hostname }) in the module that creates the app',
    files: { 'package.json': PKG, 'server.js': `${HEAD}serve({ fetch: app.fetch, port: 8787, hostname: '127.0.0.1' });\n` },
    bind: ['127.0.0.1', 8787],
    readsProto: false,
  },
  {
    name: 'serve(app) without port or hostname: 3000 on every interface (options.port ?? 3000)',
    files: { 'package.json': PKG, 'server.js': `${HEAD}serve(app);\n` },
    bind: ['::', 3000],
    readsProto: false,
  },
  {
    name: 'serve() in another module than the app (import app from ./app), port from a constant',
    files: {
      'package.json': PKG,
      'src/app.ts': "import { Hono } from 'hono';\nconst app = new Hono();\nexport default app;\n",
      'src/index.ts':
        "import { serve } from '@hono/node-server';\nimport app from './app';\nconst port = 4000;\nserve({ fetch: app.fetch, port });\n",
    },
    bind: ['::', 4000],
    readsProto: false,
  },
  {
    name: 'trap: two Hono apps in the package and serve() of an imported one: not guessed',
    files: {
      'package.json': PKG,
      'src/a.ts': "import { Hono } from 'hono';\nexport const a = new Hono();\n",
      'src/b.ts': "import { Hono } from 'hono';\nexport const b = new Hono();\n",
      'src/index.ts': "import { serve } from '@hono/node-server';\nimport { a } from './a';\nserve({ fetch: a.fetch });\n",
    },
    readsProto: false,
  },
  {
    name: "c.req.header('x-forwarded-proto') read by the code: believed from every peer",
    files: {
      'package.json': PKG,
      'server.js': `${HEAD}app.get('/', (c) => c.text(c.req.header('x-forwarded-proto') ?? 'http'));\nserve({ fetch: app.fetch, port: 3000, hostname: '0.0.0.0' });\n`,
    },
    bind: ['0.0.0.0', 3000],
    readsProto: true,
  },
  {
    name: "@hono/zod-openapi's OpenAPIHono (a Hono subclass) served from the same module",
    files: {
      'package.json': PKG,
      'server.ts':
        "import { serve } from '@hono/node-server';\nimport { OpenAPIHono } from '@hono/zod-openapi';\nconst app = new OpenAPIHono();\nserve({ fetch: app.fetch, port: 8080, hostname: '127.0.0.1' });\n",
    },
    bind: ['127.0.0.1', 8080],
    readsProto: false,
  },
  {
    name: 'the app made by a factory the collector does not follow: the package depends on hono, so the app is at serve()',
    files: {
      'package.json': PKG,
      'src/app.ts': "import createApp from './lib/create-app';\nconst app = createApp();\nexport default app;\n",
      'src/index.ts':
        "import { serve } from '@hono/node-server';\nimport app from './app';\nserve({ fetch: app.fetch, port: 3001, hostname: '0.0.0.0' });\n",
    },
    bind: ['0.0.0.0', 3001],
    readsProto: false,
  },
  {
    name: 'trap: the same serve() in a package that does not depend on hono: no app assumed',
    files: {
      'package.json': JSON.stringify({ name: 'x', dependencies: { '@hono/node-server': '^1.13.0' } }),
      'src/index.ts':
        "import { serve } from '@hono/node-server';\nimport handler from './handler';\nserve({ fetch: handler.fetch, port: 3001 });\n",
    },
    readsProto: false,
    noApp: true,
  },
  {
    name: 'trap: serve() of another library is not Hono’s',
    files: {
      'package.json': PKG,
      'server.js':
        "import { serve } from 'other-lib';\nimport { Hono } from 'hono';\nconst app = new Hono();\nserve({ fetch: app.fetch, port: 9000 });\n",
    },
    readsProto: false,
  },
];

describe('Hono on @hono/node-server: the collector (case table)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { facts } = await factsFromFiles(c.files);
      const fws = facts.frameworks.filter((f) => f.kind === 'hono');
      assert.equal(fws.length > 0, !c.noApp, 'the Hono app is found (or, for a trap, not assumed)');
      const servers = facts.appServers.filter((s) => s.appTarget?.startsWith('hono'));
      if (c.bind === undefined) assert.equal(servers.length, 0, JSON.stringify(servers.map((s) => s.binds)));
      else {
        assert.equal(servers.length, 1);
        const b = servers[0]?.binds[0];
        assert.deepEqual([b?.host, b?.port], c.bind);
      }
      const proto = fws.some((f) => f.appEnd?.schemeHeaders.includes('x-forwarded-proto'));
      assert.equal(proto, c.readsProto);
      if (c.readsProto) {
        assert.deepEqual(fws[0]?.appEnd?.trustScheme.value, ['*']);
        assert.deepEqual(servers[0]?.trustedProxies.value, ['*']);
      }
    });
  }

  it("the client address read with c.req.header('x-forwarded-for') or request.headers.get() is a client-IP header read", async () => {
    const { facts } = await factsFromFiles({
      'package.json': PKG,
      'server.js': `${HEAD}app.get('/', (c) => {\n  const ip = c.req.header('x-forwarded-for') ?? 'unknown';\n  const realIp = c.req.raw.headers.get('x-real-ip');\n  return c.text(ip + realIp);\n});\n`,
    });
    const reads = facts.frameworks.find((f) => f.kind === 'hono')?.settings.clientIpReads?.value as Array<{
      header: string;
      line: number;
    }>;
    assert.deepEqual(
      reads?.map((r) => [r.header, r.line]),
      [
        ['x-forwarded-for', 5],
        ['x-real-ip', 6],
      ],
    );
  });
});

async function lintTree(files: Record<string, string>) {
  return withFiles(files, async (dir) => (await lintPaths([dir], { cwd: dir })).report.findings);
}

const NGINX = (xfp: boolean) =>
  `server {\n  listen 443 ssl;\n  server_name example.com;\n  ssl_certificate /etc/ssl/a.pem;\n  ssl_certificate_key /etc/ssl/a.key;\n  location / {\n    proxy_pass http://127.0.0.1:3000;\n    proxy_set_header Host $host;\n${xfp ? '    proxy_set_header X-Forwarded-Proto $scheme;\n' : ''}  }\n}\n`;
const READS = (host: string) =>
  `${HEAD}app.get('/login', (c) => c.redirect(\`\${c.req.header('x-forwarded-proto') ?? 'http'}://example.com/cb\`));\nserve({ fetch: app.fetch, port: 3000, hostname: '${host}' });\n`;

describe('Hono behind nginx: the chain', () => {
  it('reads X-Forwarded-Proto itself on every interface: spoofable, cited at the read and at serve()', async () => {
    const findings = await lintTree({ 'package.json': PKG, 'server.js': READS('0.0.0.0'), 'nginx.conf': NGINX(true) });
    const f = findings.find((x) => x.id === 'chain/spoofable-backend');
    assert.ok(f, JSON.stringify(findings.map((x) => x.id)));
    // The read, the bind, and (from deploy/backend-port-published, the same cause folded in with its bind fix) the
    // proxy's connection.
    assert.deepEqual(
      f.evidence.map((e) => `${e.file.split('/').pop()}:${e.line}`),
      ['server.js:4', 'server.js:5', 'nginx.conf:7'],
    );
    assert.match(f.fix?.lines?.[0] ?? '', /hostname: '127\.0\.0\.1'/);
    assert.ok(!findings.some((x) => x.id === 'chain/scheme-lost'), 'nginx sends the header and Hono reads it');
  });
  it('on 127.0.0.1 with nginx setting the header: nothing spoofable, no scheme lost', async () => {
    const findings = await lintTree({ 'package.json': PKG, 'server.js': READS('127.0.0.1'), 'nginx.conf': NGINX(true) });
    assert.deepEqual(
      findings.filter((x) => x.severity === 'high' || x.severity === 'critical' || x.severity === 'medium').map((x) => x.id),
      [],
    );
  });
  it('nginx without X-Forwarded-Proto: the scheme is lost at nginx, the Hono hop linked through serve()', async () => {
    const findings = await lintTree({ 'package.json': PKG, 'server.js': READS('127.0.0.1'), 'nginx.conf': NGINX(false) });
    const f = findings.find((x) => x.id === 'nginx/forwarded-proto-missing');
    assert.ok(f, JSON.stringify(findings.map((x) => x.id)));
    assert.match(JSON.stringify(f), /reaches Hono as http/);
    assert.ok(!findings.some((x) => x.id === 'chain/link-unresolved'), 'serve() is the app server nginx reaches');
  });
  it('nginx sends the header but Hono never reads it: scheme-lost is high where the code uses c.req.url (cited), low where nothing uses the scheme', async () => {
    const serveLine = "serve({ fetch: app.fetch, port: 3000, hostname: '127.0.0.1' });\n";
    const uses = await lintTree({
      'package.json': PKG,
      'server.js': `${HEAD}app.get('/', (c) => c.text(new URL('/next', c.req.url).href));\n${serveLine}`,
      'nginx.conf': NGINX(true),
    });
    const high = uses.find((x) => x.id === 'chain/scheme-lost');
    assert.equal(high?.severity, 'high', JSON.stringify(uses.map((x) => [x.id, x.severity])));
    assert.ok(high?.evidence.some((e) => e.line === 4 && /c\.req\.url/.test(e.note ?? '')));
    const csrf = await lintTree({
      'package.json': PKG,
      'server.js': `import { csrf } from 'hono/csrf';\n${HEAD}app.use(csrf());\n${serveLine}`,
      'nginx.conf': NGINX(true),
    });
    assert.equal(csrf.find((x) => x.id === 'chain/scheme-lost')?.severity, 'high', 'hono/csrf compares Origin with c.req.url');
    const none = await lintTree({
      'package.json': PKG,
      'server.js': `${HEAD}app.get('/', (c) => c.text('hello'));\n${serveLine}`,
      'nginx.conf': NGINX(true),
    });
    assert.equal(none.find((x) => x.id === 'chain/scheme-lost')?.severity, 'low');
  });
});

// ------------------------------------------------------------------------------------ the real hono + node-server
const servers: http.Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

function start(hostname?: string): Promise<http.Server> {
  const app = new Hono();
  app.get('/', (c) =>
    c.json({
      url: c.req.url,
      proto: c.req.header('x-forwarded-proto') ?? null,
      peer: getConnInfo(c).remote.address,
    }),
  );
  return new Promise((resolve) => {
    // port 0: a free port (serve() passes `options.port ?? 3000`, so 0 stays 0).
    const s = serve({ fetch: app.fetch, port: 0, ...(hostname ? { hostname } : {}) }, () => resolve(s as http.Server));
    servers.push(s as http.Server);
  });
}

describe('the real Hono on @hono/node-server', () => {
  it('c.req.url is http whatever X-Forwarded-Proto says; c.req.header() hands back what any peer sent; getConnInfo is the TCP peer', async () => {
    const s = await start('127.0.0.1');
    const port = (s.address() as AddressInfo).port;
    const r = await get(port, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '6.6.6.6' });
    assert.equal(r.url, 'http://app.test/');
    assert.equal(r.proto, 'https');
    assert.equal(r.peer, '127.0.0.1');
  });
  it("hono/csrf's csrf() refuses a form POST whose https Origin a TLS proxy forwarded (c.req.url is http)", async () => {
    const { csrf } = await import('hono/csrf');
    const app = new Hono();
    app.use(csrf());
    app.post('/', (c) => c.json({ ok: true }));
    const s = await new Promise<http.Server>((resolve) => {
      const x = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(x as http.Server));
      servers.push(x as http.Server);
    });
    const port = (s.address() as AddressInfo).port;
    const status = (origin: string) =>
      new Promise<number>((res, rej) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/',
            method: 'POST',
            timeout: REQUEST_SAFETY_TIMEOUT_MS,
            headers: {
              host: 'app.test',
              origin,
              'x-forwarded-proto': 'https',
              'content-type': 'application/x-www-form-urlencoded',
            },
          },
          (r) => {
            r.resume();
            res(r.statusCode ?? 0);
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', rej);
        req.end('a=1');
      });
    assert.equal(await status('https://app.test'), 403);
    assert.equal(await status('http://app.test'), 200);
  });
  it('serve() without hostname listens on every interface (::), as the collector assumes', async () => {
    const s = await start();
    assert.equal((s.address() as AddressInfo).address, '::');
  });
});
