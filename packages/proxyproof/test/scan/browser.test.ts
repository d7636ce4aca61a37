/**
 * The browser engine against real Chromium: script-made requests (fetch, ws://), a cross-site iframe
 * (out-of-process: its own CDP session), deduplication of the preload scanner's double requests,
 * screenshots, and the same findings as the static crawler for what both can see.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InputError } from '../../src/model/finding.js';
import { runScan, type ScanOptions } from '../../src/scan/engine.js';
import { type Certs, html, makeCerts, type Running, resolveAll, startHttp, startHttps } from './servers.js';

let certs: Certs;
let site: Running;
let plain: Running;
let shots: string;

before(async () => {
  certs = makeCerts();
  shots = mkdtempSync(join(tmpdir(), 'pp-shots-'));
  plain = await startHttp((_req, res) => res.end(''));
  site = await startHttps((req, res) => {
    const H = `http://cdn.test:${plain.port}`;
    const host = req.headers.host ?? '';
    if (host.startsWith('other.test')) {
      return html(res, `<p>frame</p><img src="${H}/in-frame.png"><script src="${H}/in-frame.js"></script>`);
    }
    if (req.url === '/') {
      return html(
        res,
        `<html><head><link rel="stylesheet" href="${H}/a.css"></head><body>
<img src="${H}/logo.png"><img src="${H}/logo.png">
<iframe src="https://other.test:${site.port}/frame"></iframe>
<a href="/second">second</a>
<script>fetch('${H}/api/data').catch(() => {}); try { new WebSocket('ws://cdn.test:${plain.port}/live'); } catch (e) {}</script>
</body></html>`,
      );
    }
    if (req.url === '/second') return html(res, `<img src="${H}/logo.png"><script src="${H}/a2.js"></script>`);
    html(res, 'nope', {}, 404);
  }, certs);
});

after(async () => {
  await site?.close();
  await plain?.close();
  certs?.cleanup();
  rmSync(shots, { recursive: true, force: true });
});

function opts(engine: 'static' | 'browser', extra: Partial<ScanOptions> = {}): ScanOptions {
  return {
    entry: `https://app.test:${site.port}/`,
    engine,
    http: { resolve: resolveAll(site.port, plain.port), caCert: certs.caFile, requestTimeoutMs: 8000 },
    crawl: { maxPages: 10, depth: 2, concurrency: 2 },
    totalTimeoutMs: 60_000,
    browser: { settleMs: 700, screenshotDir: shots },
    thirdPartyCheck: false,
    ...extra,
  };
}

test('browser engine: script-made requests, cross-site iframe, dedup, screenshots', { timeout: 90_000 }, async () => {
  const { facts, report } = await runScan(opts('browser'));
  const home = facts.pages.find((p) => p.url.endsWith(`:${site.port}/`))!;
  const seen = home.observed!;
  const H = `http://cdn.test:${plain.port}`;
  const get = (u: string) => seen.filter((r) => r.url === u);
  if (process.env.DEBUG_SCAN) console.log(seen, report.diagnostics);
  assert.equal(get(`${H}/a.css`)[0]?.classification, 'blocked');
  assert.equal(get(`${H}/logo.png`).length, 1, 'the twice-requested image is reported once');
  assert.equal(get(`${H}/logo.png`)[0]?.classification, 'upgraded');
  assert.equal(get(`${H}/api/data`)[0]?.classification, 'blocked', 'fetch() by a script');
  assert.equal(get(`ws://cdn.test:${plain.port}/live`)[0]?.classification, 'websocket');
  const frameImg = get(`${H}/in-frame.png`)[0];
  assert.equal(frameImg?.classification, 'upgraded', "the cross-site iframe's own issues");
  assert.match(frameImg!.doc, /^https:\/\/other\.test:\d+\/frame$/);
  assert.equal(get(`${H}/in-frame.js`)[0]?.classification, 'blocked');
  assert.ok(home.screenshot && existsSync(home.screenshot) && statSync(home.screenshot).size > 100);
  // one finding per URL across pages, listing both pages
  const logo = report.findings.find((f) => f.data?.url === `${H}/logo.png`);
  assert.ok(logo);
  assert.deepEqual((logo.data as { pages: string[] }).pages.length, 2);
  assert.ok(report.findings.some((f) => f.id === 'scan/insecure-websocket'));
});

test('static and browser engines agree on what both can see', { timeout: 90_000 }, async () => {
  const s = await runScan(opts('static'));
  const b = await runScan(opts('browser', { browser: { settleMs: 700 } }));
  const key = (f: { data?: Record<string, unknown> }) => `${f.data?.classification} ${f.data?.url}`;
  const mixed = (r: typeof s.report) =>
    r.findings
      .filter(
        (f) => f.data?.classification && !String(f.data?.url).includes('/api/') && !String(f.data?.url).includes('in-frame'),
      )
      .map(key)
      .sort();
  // the static crawler does not run scripts (fetch) nor open cross-site frames' own pages as part of the page
  assert.deepEqual(mixed(b.report), mixed(s.report));
  assert.ok(mixed(s.report).length >= 4);
});

test('browser engine: a clear error when the browser binary is missing', { timeout: 30_000 }, async () => {
  await assert.rejects(
    runScan(opts('browser', { browser: { executablePath: '/nonexistent/chromium' } })),
    (e: unknown) => e instanceof InputError && /browser not found/.test(e.message),
  );
});
