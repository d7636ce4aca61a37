/**
 * The hard-coded case on a real stack: Debian's nginx terminates TLS and passes X-Forwarded-Proto $scheme
 * (correct proxying) to a backend that builds its URLs from that header; the page still has ONE literal
 * http:// URL in its template. The lab's browser harness (lab/src `observe`) records what Chromium sees; both
 * engines must report the same and attribute it to "hard-coded", not to the proxy.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { closeBrowsers, observe } from '../../../../lab/src/index.js';
import { classifyIssue } from '../../src/collectors/browser/browser.js';
import { runScan, type ScanOptions } from '../../src/scan/engine.js';
import { startNginxConf } from '../real-nginx.js';
import { accepts, REQUEST_SAFETY_TIMEOUT_MS, type RealProgram } from '../real-program.js';
import { type Certs, html, makeCerts, type Running, startHttp } from './servers.js';

let certs: Certs;
let backend: Running;
let nginx: RealProgram | undefined;
let dir: string;
let port: number;

before(async () => {
  certs = makeCerts();
  backend = await startHttp((req, res) => {
    const scheme = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
    const base = `${scheme}://${req.headers.host}`;
    if (req.url === '/') {
      return html(
        res,
        `<!doctype html><html><head><link rel="canonical" href="${base}/"><link rel="stylesheet" href="/static/site.css"></head><body>
<form method="post" action="${base}/submit/"></form>
<img src="http://app.test/legacy/banner.png" alt="">
</body></html>`,
      );
    }
    res.writeHead(200, { 'content-type': 'text/css' });
    res.end('h1{color:green}');
  });
  dir = mkdtempSync(join(tmpdir(), 'pp-scan-nginx-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'tmp'));
  const conf = (port: number) => `pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
  server {
    listen 127.0.0.1:${port} ssl;
    server_name app.test;
    ssl_certificate ${certs.dir}/leaf.pem;
    ssl_certificate_key ${certs.dir}/leaf.key;
    location / {
      proxy_pass http://127.0.0.1:${backend.port};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`;
  // Ready once nginx (its pid file) accepts on its TLS port.
  nginx = await startNginxConf(
    dir,
    1,
    ([p]) => conf(p as number),
    async ([p]) => accepts(p as number),
  );
  port = nginx.ports[0] as number;
});

after(async () => {
  await nginx?.stop();
  await closeBrowsers();
  await backend?.close();
  certs?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function opts(engine: 'static' | 'browser', extra: Partial<ScanOptions> = {}): ScanOptions {
  return {
    entry: `https://app.test:${port}/`,
    engine,
    http: {
      resolve: [{ host: 'app.test', port, address: '127.0.0.1' }],
      caCert: certs.caFile,
      requestTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS,
    },
    crawl: { maxPages: 3, depth: 1, concurrency: 2 },
    // Safety nets, never the assertion (test/real-program.ts): at load ~60 this file's first test took 113 s.
    totalTimeoutMs: 4 * REQUEST_SAFETY_TIMEOUT_MS,
    browser: { settleMs: 500, pageTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS },
    thirdPartyCheck: false,
    ...extra,
  };
}

test('real nginx passing X-Forwarded-Proto + one literal http:// image: same as the lab browser, attributed hard-coded', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const obs = await observe(`https://app.test:${port}/`, {
    hostResolverRules: 'MAP app.test 127.0.0.1',
    caFile: certs.caFile,
    settleMs: 500,
  });
  assert.equal(obs.error, undefined, obs.errorMessage);
  const recorded = [
    ...new Set(
      obs.mixedContentIssues.map((i) => `${classifyIssue(i.resolutionStatus, i.resourceType, i.insecureURL)} ${i.insecureURL}`),
    ),
  ];
  assert.deepEqual(recorded, ['upgraded http://app.test/legacy/banner.png']);
  for (const engine of ['static', 'browser'] as const) {
    const { report, facts } = await runScan(opts(engine, { confirmCause: true }));
    const refs = engine === 'static' ? facts.pages[0]!.insecure : facts.pages[0]!.observed!;
    assert.deepEqual([...new Set(refs.map((r) => `${r.classification} ${r.url}`))], recorded, engine);
    const f = report.findings.filter((x) => x.data?.classification);
    assert.equal(f.length, 1, engine);
    assert.equal(f[0]!.data?.cause, 'hard-coded', f[0]!.message);
    assert.ok(!report.findings.some((x) => x.id === 'scan/forwarded-proto-spoofable'), 'nginx overwrites the client header');
  }
});
