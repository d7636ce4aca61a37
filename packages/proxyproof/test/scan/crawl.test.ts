/** The crawler's bounds and seeds: robots.txt, sitemap, --depth, --include/--exclude, same-host only. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runScan, type ScanOptions } from '../../src/scan/engine.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { type Certs, html, makeCerts, type Running, resolveAll, startHttps } from './servers.js';

let certs: Certs;
let site: Running;

before(async () => {
  certs = makeCerts();
  site = await startHttps((req, res) => {
    const u = req.url ?? '/';
    if (u === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(`User-agent: *\nDisallow: /private/\nSitemap: https://app.test:${site.port}/map.xml\n`);
    }
    if (u === '/map.xml') {
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(
        `<?xml version="1.0"?><urlset><url><loc>https://app.test:${site.port}/orphan</loc></url><url><loc>https://other.test:${site.port}/elsewhere</loc></url></urlset>`,
      );
    }
    if (u === '/')
      return html(
        res,
        `<a href="/a">a</a><a href="/private/x">p</a><a href="/blog/1">b</a><a href="https://other.test:${site.port}/ext">x</a><a href="http://app.test:${site.port}/http-link">h</a>`,
      );
    if (u === '/a') return html(res, '<a href="/a/deeper">d</a>');
    if (u === '/a/deeper') return html(res, '<a href="/a/deeper/still">d</a>');
    return html(res, `<p>${u}</p>`);
  }, certs);
});

after(async () => {
  await site?.close();
  certs?.cleanup();
});

function opts(extra: Partial<ScanOptions['crawl']> = {}): ScanOptions {
  return {
    entry: `https://app.test:${site.port}/`,
    engine: 'static',
    http: { resolve: resolveAll(site.port), caCert: certs.caFile, requestTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS },
    crawl: { maxPages: 50, depth: 2, concurrency: 3, ...extra },
    totalTimeoutMs: 120_000,
    thirdPartyCheck: false,
  };
}

const paths = (pages: Array<{ url: string }>) => pages.map((p) => new URL(p.url).pathname).sort();

test('robots.txt is respected, the sitemap seeds the queue, other hosts are not crawled, --depth bounds', {
  timeout: 180_000,
}, async () => {
  const { facts, report } = await runScan(opts());
  assert.deepEqual(paths(facts.pages), ['/', '/a', '/a/deeper', '/blog/1', '/http-link', '/orphan']);
  assert.ok(report.diagnostics.some((d) => d.file.endsWith('/private/x') && /robots\.txt/.test(d.message)));
  // the same-host http:// link is crawled as the https page it means, and reported as navigation
  assert.ok(report.findings.some((f) => f.id === 'scan/insecure-navigation' && String(f.data?.url).endsWith('/http-link')));
});

test('--no-robots, --no-sitemap, --include and --exclude', { timeout: 180_000 }, async () => {
  const a = await runScan(opts({ robots: false, sitemap: false }));
  assert.ok(paths(a.facts.pages).includes('/private/x'));
  assert.ok(!paths(a.facts.pages).includes('/orphan'));
  const b = await runScan(opts({ include: ['/', '/a', '/a/**'], exclude: ['**/still'], depth: 5 }));
  assert.deepEqual(paths(b.facts.pages), ['/', '/a', '/a/deeper']);
});

test("a page's links are crawled while its stylesheet is still on its way; that stylesheet's references still count for the page", {
  timeout: 5 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  // The stylesheet is answered only once the page's link was requested (or, if the crawler waits for the stylesheet
  // before queueing the links, after the safety net: then the order below fails the test).
  const events: string[] = [];
  let linkRequested: () => void = () => undefined;
  const linked = new Promise<void>((res) => {
    linkRequested = res;
  });
  const slow = await startHttps(async (req, res) => {
    const u = req.url ?? '/';
    events.push(`request ${u}`);
    if (u === '/') return html(res, '<link rel="stylesheet" href="/slow.css"><a href="/next">next</a>');
    if (u === '/slow.css') {
      let net: NodeJS.Timeout | undefined;
      await Promise.race([linked, new Promise((res) => (net = setTimeout(res, REQUEST_SAFETY_TIMEOUT_MS)))]);
      clearTimeout(net);
      events.push('answer /slow.css');
      res.writeHead(200, { 'content-type': 'text/css' });
      return res.end(`.hero{background:url(http://app.test:${slow.port}/old.png)}`);
    }
    if (u === '/next') linkRequested();
    return html(res, `<p>${u}</p>`);
  }, certs);
  try {
    const { facts } = await runScan({
      entry: `https://app.test:${slow.port}/`,
      engine: 'static',
      http: { resolve: resolveAll(slow.port), caCert: certs.caFile, requestTimeoutMs: 2 * REQUEST_SAFETY_TIMEOUT_MS },
      crawl: { maxPages: 10, depth: 2, concurrency: 2, robots: false, sitemap: false },
      totalTimeoutMs: 4 * REQUEST_SAFETY_TIMEOUT_MS,
      thirdPartyCheck: false,
    });
    assert.ok(events.indexOf('request /next') !== -1, events.join(', '));
    assert.ok(events.indexOf('request /next') < events.indexOf('answer /slow.css'), events.join(', '));
    assert.deepEqual(paths(facts.pages), ['/', '/next']);
    // Trap: the entry page was "done" with its links before its stylesheet came, yet the stylesheet's http:// image
    // is its reference, from the CSS, as when the crawl waited for it; and the report lists the entry first.
    const entry = facts.pages[0]!;
    assert.equal(new URL(entry.url).pathname, '/');
    assert.deepEqual(
      entry.insecure.map((r) => [r.url, r.source, r.doc]),
      [[`http://app.test:${slow.port}/old.png`, 'css', `https://app.test:${slow.port}/slow.css`]],
    );
  } finally {
    await slow.close();
  }
});
