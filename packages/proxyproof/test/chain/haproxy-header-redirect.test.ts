/**
 * HAProxy's `redirect scheme https` under a condition on the X-Forwarded-Proto header (collectors/haproxy
 * `redirectCondition`): behind a TLS balancer the header, which HAProxy reads from any peer, decides. `if !{
 * req.hdr(x-forwarded-proto) -m str https }` / `unless is_https` redirect every request whose header is not https
 * (`forwarded-proto-any`), `if { hdr(x-forwarded-proto) http }` only one whose header says http
 * (`forwarded-proto-http`); a path or host condition is not modelled and says so. A table of conditions, the chain
 * behind a declared balancer, and the real haproxy answering each header as the model says.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lintPaths } from '../../src/engine/lint.js';
import type { ProxySite } from '../../src/model/proxy.js';
import { withFiles } from '../python/lint-files.js';
import { listenOnFreePort, REQUEST_SAFETY_TIMEOUT_MS, type RealProgram, startOnFreePorts } from '../real-program.js';

const frontend = (port: string, rule: string, acls = '') =>
  `defaults\n  mode http\n  timeout connect 2s\n  timeout client 5s\n  timeout server 5s\n` +
  `frontend www\n  bind 127.0.0.1:${port}\n${acls}  ${rule}\n  default_backend app\n` +
  `backend app\n  server a1 127.0.0.1:8000\n`;

/** Each row: the rule (and its ACLs), what the model makes of it, and whether it redirects for each header value. */
const rows: {
  name: string;
  rule: string;
  acls?: string;
  by: string | undefined;
  /** Redirects for X-Forwarded-Proto https / http / absent (plain connection). */
  redirects?: [boolean, boolean, boolean];
}[] = [
  {
    name: 'invalid: redirect unless the header says https (inline, -m str)',
    rule: 'http-request redirect scheme https if !{ req.hdr(x-forwarded-proto) -m str https }',
    by: 'forwarded-proto-any',
    redirects: [false, true, true],
  },
  {
    name: 'invalid: unless a named ACL (hdr, -i) says https',
    rule: 'http-request redirect scheme https code 301 unless is_https',
    acls: '  acl is_https hdr(X-Forwarded-Proto) -i https\n',
    by: 'forwarded-proto-any',
    redirects: [false, true, true],
  },
  {
    name: 'invalid: plain connection AND the header not https (legacy redirect)',
    rule: 'redirect scheme https if !{ ssl_fc } !{ hdr(x-forwarded-proto) https }',
    by: 'forwarded-proto-any',
    redirects: [false, true, true],
  },
  {
    name: 'valid: only a header that says http redirects (no header: the request goes on)',
    rule: 'http-request redirect scheme https if { hdr(x-forwarded-proto) http }',
    by: 'forwarded-proto-http',
    redirects: [false, true, false],
  },
  {
    name: 'valid: hdr_beg https, negated by unless',
    rule: 'http-request redirect scheme https unless { hdr_beg(x-forwarded-proto) -i https }',
    by: 'forwarded-proto-any',
    redirects: [false, true, true],
  },
  {
    name: 'trap: decided by the connection (!{ ssl_fc }): every plain request redirects, whatever the header',
    rule: 'http-request redirect scheme https if !{ ssl_fc }',
    by: 'connection',
    redirects: [true, true, true],
  },
  {
    name: 'trap: -m beg http also matches https, not a test for http: not modelled',
    rule: 'http-request redirect scheme https if { req.hdr(x-forwarded-proto) -m beg http }',
    by: undefined,
  },
  {
    name: 'trap: a path condition is not modelled (no redirect assumed, a note says so)',
    rule: 'http-request redirect scheme https if { path_beg /admin }',
    by: undefined,
  },
  {
    name: 'trap: an OR of two terms is not modelled',
    rule: 'http-request redirect scheme https unless { ssl_fc } || { hdr(x-forwarded-proto) https }',
    by: undefined,
  },
];

async function siteOf(cfg: string): Promise<ProxySite | undefined> {
  return withFiles({ 'haproxy.cfg': cfg }, async (dir) => {
    const { facts } = await lintPaths(['.'], { cwd: dir });
    return facts.proxies?.find((p) => p.kind === 'haproxy')?.sites[0];
  });
}

describe('HAProxy redirect conditions as the model reads them', () => {
  for (const r of rows)
    test(r.name, async () => {
      const site = await siteOf(frontend('80', r.rule, r.acls));
      assert.ok(site);
      assert.equal(site.redirectDecidedBy, r.by);
      assert.equal(Boolean(site.redirectsToHttps), r.by !== undefined);
      if (r.by === undefined)
        assert.ok(
          site.notes?.some((n) => /redirect to https under a condition/.test(n)),
          site.notes?.join('\n'),
        );
    });
});

test("a backend section's own redirect answers the requests routed to it (the route's redirect)", async () => {
  const cfg = frontend('80', 'http-request set-header X-Forwarded-Proto http').replace(
    '\nbackend app\n',
    '\nbackend app\n  redirect scheme https if !{ ssl_fc }\n',
  );
  const site = await siteOf(cfg);
  assert.equal(site?.redirectsToHttps, undefined);
  assert.equal(site?.routes[0]?.redirectsToHttps?.line, 11);
  assert.equal(site?.routes[0]?.redirectDecidedBy, 'connection');
});

describe('behind a TLS balancer (--front aws-alb) that sends X-Forwarded-Proto: https', () => {
  const app = {
    'app/gunicorn.conf.py': 'bind = "127.0.0.1:8000"\nforwarded_allow_ips = "*"\n',
    'app/settings.py':
      'SECRET_KEY = "x"\nALLOWED_HOSTS = ["app.example.com"]\nSECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n',
  };
  const routesOf = (rule: string) =>
    withFiles({ ...app, 'haproxy.cfg': frontend('80', rule) }, async (dir) => {
      const { analysis } = await lintPaths(['.'], { cwd: dir, front: { name: 'aws-alb', origin: 'declared' } });
      return analysis.chain.verdict.routes;
    });
  test("valid: a redirect unless the header says https lets the balancer's https through (no loop)", async () => {
    const routes = await routesOf('http-request redirect scheme https if !{ req.hdr(x-forwarded-proto) -m str https }');
    assert.ok(routes.length > 0);
    for (const r of routes) assert.ok(!r.redirect?.loop, JSON.stringify(r.redirect));
  });
  test('invalid (trap for the header forms): a redirect decided by the connection loops behind the balancer', async () => {
    const routes = await routesOf('http-request redirect scheme https if !{ ssl_fc }');
    assert.ok(routes.some((r) => r.redirect?.loop));
  });
});

describe('the real haproxy answers each header as the model says', () => {
  let backend: Server;
  let backendPort = 0;
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-haproxy-redirect-'));
  before(async () => {
    backend = createServer((_q, res) => res.end('app'));
    backendPort = await listenOnFreePort(backend);
  });
  after(async () => {
    await new Promise<void>((r) => {
      backend.closeAllConnections();
      backend.close(() => r());
      setTimeout(r, 5000).unref();
    });
    rmSync(dir, { recursive: true, force: true });
  });

  /** One bounded GET; the status code, or the error. */
  function get(port: number, headers: Record<string, string>): Promise<{ status: number; id?: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', headers, timeout: REQUEST_SAFETY_TIMEOUT_MS }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, id: res.headers['x-test-id'] as string | undefined }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
  }

  for (const [i, r] of rows.entries()) {
    if (!r.redirects) continue;
    const expected = r.redirects;
    test(`${r.name}: haproxy redirects for https/http/absent = ${expected.join('/')}`, async () => {
      const id = randomUUID();
      const file = join(dir, `h${i}.cfg`);
      let program: RealProgram | undefined;
      try {
        program = await startOnFreePorts({
          name: 'haproxy',
          ports: 1,
          command: ([port]) => {
            const cfg = frontend(
              String(port),
              r.rule,
              `${r.acls ?? ''}  http-after-response set-header X-Test-Id ${id}\n`,
            ).replace('127.0.0.1:8000', `127.0.0.1:${backendPort}`);
            writeFileSync(file, cfg);
            return { cmd: 'haproxy', args: ['-db', '-f', file], cwd: dir };
          },
          ready: async ([port]) => (await get(port as number, { 'X-Forwarded-Proto': 'https' })).id === id,
        });
        const port = program.ports[0] as number;
        const got: boolean[] = [];
        for (const h of [{ 'X-Forwarded-Proto': 'https' }, { 'X-Forwarded-Proto': 'http' }, {}]) {
          const res = await get(port, h);
          assert.equal(res.id, id);
          got.push(res.status >= 300 && res.status < 400);
        }
        assert.deepEqual(got, expected, program.stderr());
      } finally {
        await program?.stop();
      }
    });
  }
});
