/**
 * The browser engine against real Chromium: script-made requests (fetch, ws://), a cross-site iframe
 * (out-of-process: its own CDP session), deduplication of the preload scanner's double requests,
 * screenshots, and the same findings as the static crawler for what both can see.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BrowserEngine, childPidsWithArg } from '../../src/collectors/browser/browser.js';
import { InputError } from '../../src/model/finding.js';
import { runScan, type ScanOptions } from '../../src/scan/engine.js';
import { loadTrust } from '../../src/scan/trust.js';
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

/** A page load, one request: generous (see opts). */
const SLOW_MS = 120_000;

/** Why pages were not (wholly) seen: each page's browser error and the scan's diagnostics, for assertion messages. */
function notSeen(r: {
  facts: { pages: { url: string; browser?: { error?: unknown } }[] };
  report: { diagnostics: unknown[] };
}): string {
  const errors = r.facts.pages.filter((p) => p.browser?.error).map((p) => `${p.url}: ${JSON.stringify(p.browser?.error)}`);
  return `page errors: ${errors.join('; ') || 'none'}; diagnostics: ${JSON.stringify(r.report.diagnostics)}`;
}

function opts(engine: 'static' | 'browser', extra: Partial<ScanOptions> = {}): ScanOptions {
  return {
    entry: `https://app.test:${site.port}/`,
    engine,
    // Safety nets, never the assertion: a page, a request or the whole scan that only runs slowly (CI's stress bar
    // beside three other test files) must still be seen whole. With a 60 s scan, 8 s requests and Chromium's 20 s
    // page default, one page of two went missing at load ~60 and both tests below failed; the messages now say why.
    http: { resolve: resolveAll(site.port, plain.port), caCert: certs.caFile, requestTimeoutMs: SLOW_MS },
    crawl: { maxPages: 10, depth: 2, concurrency: 2 },
    totalTimeoutMs: 3 * SLOW_MS,
    browser: { settleMs: 700, screenshotDir: shots, pageTimeoutMs: SLOW_MS },
    thirdPartyCheck: false,
    ...extra,
  };
}

test('browser engine: script-made requests, cross-site iframe, dedup, screenshots', { timeout: 8 * SLOW_MS }, async () => {
  const scan = await runScan(opts('browser'));
  const { facts, report } = scan;
  assert.equal(report.incomplete, undefined, notSeen(scan));
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
  assert.deepEqual((logo.data as { pages: string[] }).pages.length, 2, notSeen(scan));
  assert.ok(report.findings.some((f) => f.id === 'scan/insecure-websocket'));
});

test('static and browser engines agree on what both can see', { timeout: 8 * SLOW_MS }, async () => {
  const s = await runScan(opts('static'));
  const b = await runScan(opts('browser', { browser: { settleMs: 700, pageTimeoutMs: SLOW_MS } }));
  assert.equal(b.report.incomplete, undefined, notSeen(b));
  const key = (f: { data?: Record<string, unknown> }) => `${f.data?.classification} ${f.data?.url}`;
  const mixed = (r: typeof s.report) =>
    r.findings
      .filter(
        (f) => f.data?.classification && !String(f.data?.url).includes('/api/') && !String(f.data?.url).includes('in-frame'),
      )
      .map(key)
      .sort();
  // the static crawler does not run scripts (fetch) nor open cross-site frames' own pages as part of the page
  assert.deepEqual(mixed(b.report), mixed(s.report), notSeen(b));
  assert.ok(mixed(s.report).length >= 4);
});

test('browser engine: a clear error when the browser binary is missing', { timeout: SLOW_MS }, async () => {
  await assert.rejects(
    runScan(opts('browser', { browser: { executablePath: '/nonexistent/chromium' } })),
    (e: unknown) => e instanceof InputError && /browser not found/.test(e.message),
  );
});

/** The Chromium browsers this process started (each carries a `--proxyproof-browser=` marker). */
const ourBrowserPids = () => childPidsWithArg((a) => a.startsWith('--proxyproof-browser='));

/** Running (not a zombie) and not gone. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

test('a browser that stops answering (SIGSTOP): the visit ends as browser-stuck, close() kills it; a new browser works', {
  timeout: 8 * SLOW_MS,
}, async () => {
  const resolve = resolveAll(site.port, plain.port);
  const url = `https://app.test:${site.port}/`;
  const before = new Set(ourBrowserPids());
  const engine = await BrowserEngine.launch({
    resolve,
    trust: loadTrust({ caCerts: [certs.caFile] }),
    contexts: 1,
    // The warm visit must succeed however loaded the machine is; the stopped browser's visit then ends at the
    // first bounded call (the default 30 s), well before the page timeout, as 'browser-stuck'.
    pageTimeoutMs: SLOW_MS,
  });
  const pid = ourBrowserPids().find((p) => !before.has(p));
  assert.ok(pid, 'the launched browser is found by its marker');
  try {
    const warm = await engine.visit(url);
    assert.equal(warm.status, 200, warm.error?.detail);
    process.kill(pid, 'SIGSTOP');
    // Every call now waits on a browser that cannot answer: bounded, so the visit ends with the reason.
    const stuck = await engine.visit(url);
    assert.equal(stuck.error?.code, 'browser-stuck', stuck.error?.detail);
    assert.deepEqual(stuck.observed, []);
  } finally {
    await engine.close();
  }
  // close() could not close it, so it killed it (SIGKILL ends a stopped process too).
  for (let i = 0; i < 600 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(pid), false, `browser ${pid} still running after close()`);
  const again = await BrowserEngine.launch({
    resolve,
    trust: loadTrust({ caCerts: [certs.caFile] }),
    contexts: 1,
    pageTimeoutMs: SLOW_MS,
  });
  try {
    assert.equal((await again.visit(url)).status, 200);
  } finally {
    await again.close();
  }
});
