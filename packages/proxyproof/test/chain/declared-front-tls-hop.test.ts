/**
 * A declared balancer (--behind-tls-lb, --front NAME) in front of a proxy that also ends TLS itself (issue 13): the
 * balancer ends TLS and sends plain HTTP, so it stands before the hop's plain listeners (before, a hop with any TLS
 * listener got no balancer at all and `$scheme`'s http behind it went unseen); a plain side that only redirects to
 * https leaves the balancer on the TLS port, where nothing changes. The fix for such a hop is advice: a map on
 * $scheme at the http level, which one header line cannot be (the real nginx answers both listeners below).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { findingsFor } from '../checks/chain/cases.js';
import { lintFiles } from '../python/lint-files.js';
import { getOnce, NGINX, type RunningNginx, startNginx } from '../real-nginx.js';
import { startHttp } from '../scan/servers.js';

const TLS = '  ssl_certificate /etc/ssl/a.pem;\n  ssl_certificate_key /etc/ssl/a.key;\n';
const LOCATION =
  '  location / {\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://127.0.0.1:8000;\n  }\n';
const MIXED = `server {\n  listen 80;\n  listen 443 ssl;\n  server_name app.example.org;\n${TLS}${LOCATION}}\n`;
const REDIRECT_SIDE = `server {\n  listen 80;\n  server_name app.example.org;\n  return 301 https://$host$request_uri;\n}\nserver {\n  listen 443 ssl;\n  server_name app.example.org;\n${TLS}${LOCATION}}\n`;
const GUNICORN = 'bind = "127.0.0.1:8000"\n';

async function entries(conf: string, declared: boolean) {
  const { facts } = await lintFiles({ 'site.conf': conf, 'gunicorn.conf.py': GUNICORN }, []);
  const a = analyzeChain(facts, declared ? { behindTlsLb: true } : {});
  return { entries: a.topology.entries.map((e) => ({ port: e.port, tls: e.tls, lb: e.lb?.label })), notes: a.topology.notes };
}

const cases: Array<{ name: string; conf: string; declared: boolean; want: Array<{ tls: boolean; lb?: string }>; note?: RegExp }> =
  [
    {
      name: 'declared, a hop on :80 and :443 ssl: the balancer before the plain listener, the TLS one as it is',
      conf: MIXED,
      declared: true,
      want: [
        { tls: false, lb: 'TLS load balancer (--behind-tls-lb)' },
        { tls: true, lb: undefined },
      ],
      note: /simulated as sending plain HTTP to its plain listener :80/,
    },
    {
      name: 'trap: not declared, the same hop gets no balancer',
      conf: MIXED,
      declared: false,
      want: [{ tls: true, lb: undefined }],
    },
    {
      name: 'trap: declared, but the plain side only redirects to https: the balancer is taken to send to the TLS port',
      conf: REDIRECT_SIDE,
      declared: true,
      want: [
        { tls: true, lb: undefined },
        { tls: false, lb: undefined },
      ],
      note: /only redirects to https, so TLS load balancer \(--behind-tls-lb\) is taken to send to its TLS port/,
    },
  ];

for (const c of cases)
  test(`entries: ${c.name}`, async () => {
    const r = await entries(c.conf, c.declared);
    const got = r.entries.map((e) => ({ tls: e.tls, lb: e.lb })).sort((a, b) => Number(a.tls) - Number(b.tls));
    const want = [...c.want].sort((a, b) => Number(a.tls) - Number(b.tls));
    // Not declared: the TLS hop's plain listener is its own entry only when it differs; compare what is there.
    for (const w of want)
      assert.ok(
        got.some((g) => g.tls === w.tls && g.lb === w.lb),
        `${JSON.stringify(w)} in ${JSON.stringify(r.entries)}`,
      );
    assert.ok(!got.some((g) => g.tls && g.lb), 'a TLS listener never gets the balancer');
    if (!c.declared) assert.ok(!got.some((g) => g.lb), JSON.stringify(r.entries));
    if (c.note)
      assert.ok(
        r.notes.some((n) => c.note?.test(n)),
        r.notes.join('\n'),
      );
  });

test('chain: $scheme on the hop is lost behind the declared balancer; the headline is the layer finding, its fix the guarded map', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'mixed',
    files: { 'site.conf': MIXED, 'gunicorn.conf.py': GUNICORN },
    options: { behindTlsLb: true },
    expect: 1,
  });
  assert.equal(f.length, 1, JSON.stringify(f.map((x) => x.message)));
  // --behind-tls-lb declares the balancer to the layer checks too (as --front does): nginx/scheme-behind-tls-terminator
  // names the `$scheme` line, and the chain's loss at that place is its explanation.
  assert.equal(f[0]?.id, 'nginx/scheme-behind-tls-terminator');
  assert.match(f[0]?.message ?? '', /also takes the TLS load balancer \(--behind-tls-lb\)'s plain HTTP on port 80/);
  assert.match(f[0]?.message ?? '', /lost at hop 2 .*X-Forwarded-Proto: http/s);
  assert.equal(f[0]?.evidence[0]?.line, 9);
  const fix = f[0]?.fix;
  assert.ok(fix, 'a fix');
  // The balancer's X-Forwarded-Proto believed from its address only (a geo at the http level, the address unknown
  // here: `fix` makes it advice until --proxy-address gives it), `$scheme` on the TLS listener.
  assert.equal(fix.line, 9);
  assert.deepEqual(fix.lines?.slice(-1), ['    proxy_set_header X-Forwarded-Proto $forwarded_proto;']);
});

test('trap: the redirect-side hop behind the declared balancer loses nothing', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'redirect side',
    files: { 'site.conf': REDIRECT_SIDE, 'gunicorn.conf.py': GUNICORN },
    options: { behindTlsLb: true },
    expect: 0,
  });
  assert.equal(f.length, 0, JSON.stringify(f.map((x) => x.message)));
});

describe('the real nginx: the advised map on $scheme', { skip: NGINX ? false : 'nginx is not installed' }, () => {
  let nginx: RunningNginx | undefined;
  let backend: Awaited<ReturnType<typeof startHttp>> | undefined;
  before(async () => {
    backend = await startHttp((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`xfp=${req.headers['x-forwarded-proto'] ?? ''}`);
    });
    // The map's https key is what a TLS listener gives; the plain listener shows the default branch.
    nginx = await startNginx(
      ([port]) =>
        `map $scheme $forwarded_proto {\n  https https;\n  default $http_x_forwarded_proto;\n}\nserver {\n  listen 127.0.0.1:${port};\n  server_name app.example.org;\n  location / {\n    proxy_set_header X-Forwarded-Proto $forwarded_proto;\n    proxy_pass http://127.0.0.1:${backend?.port};\n  }\n}\n`,
    );
  });
  after(async () => {
    nginx?.stop();
    await backend?.close();
  });
  test('on the plain listener the balancer’s X-Forwarded-Proto goes on; nginx -t accepts the map', async () => {
    const port = nginx?.ports[0] as number;
    const lb = await getOnce(port, '/', { Host: 'app.example.org', 'X-Forwarded-Proto': 'https' });
    assert.deepEqual([lb.status, lb.body], [200, 'xfp=https']);
  });
});
