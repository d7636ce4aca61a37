/**
 * Hostile servers started by the test: every case stays bounded by the scan's limits (requests, bytes, pages,
 * stylesheets, references, parse time) and ends as a finding or a clear error naming the URL. The bounds are
 * asserted on counts the server keeps (requests served, bytes sent), never on a clock; each test's timeout
 * is only the safety net that ends a hung run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { brotliCompressSync, createGzip, gunzipSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { extractHtml, MAX_HTML_DEPTH } from '../../src/collectors/crawl/extract.js';
import { InputError } from '../../src/model/finding.js';
import { runScan, type ScanOptions } from '../../src/scan/engine.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { type Certs, html, makeCerts, type Running, resolveAll, startHttps } from './servers.js';

let certs: Certs;
let site: Running;
let selfSigned: Running;
let bigBytesSent = 0;
let cssBytesSent = 0;
let bomb: Buffer;
/** Requests served, by the first path segment (`/r/3` counts as `/r/`). */
const served = new Map<string, number>();
const count = (url: string) => {
  const key = /^\/[^/]*\/?/.exec(url)?.[0] ?? url;
  served.set(key, (served.get(key) ?? 0) + 1);
};
const servedFor = (key: string) => served.get(key) ?? 0;
/**
 * css-tree 3.2.1 (the newest on npm) never returns when it parses the first stylesheet and then, in the same
 * process, the second (each alone parses). Found by a seeded fuzzer of CSS fragments; the fixture is the pair as
 * found (about 380 characters in all). 3.1.0, 3.2.0 and 3.2.1 hang on it; 3.0.1, 3.0.0 and 2.3.1 do not (r12i11,
 * each installed apart). The cause (r12i11): since 3.1.0 `TokenStream.setSource` reuses its token buffer between
 * documents and reads the token type at index `source.length` as the type of "no open block"; after a longer
 * document that slot holds a stale token, so a closing bracket pops a block that was never opened and the balance
 * table points into itself. One line in setSource (`offsetAndType[sourceLength] = 0` before tokenizing) ends the
 * hang on this pair. css-tree is pinned to 3.2.1 (parser-worker.test.ts checks the pin). Our guard
 * (src/collectors/crawl/css-tree-guard.ts, r13i11) does that in the parse worker, so a scan parses the pair; with
 * PROXYPROOF_CSS_TREE_GUARD=off css-tree runs as published and the fixture keeps hanging the parser the kill-path
 * test stops.
 */
const HANG = JSON.parse(readFileSync(new URL('./fixtures/css-tree-hang.json', import.meta.url), 'utf8')) as {
  first: string;
  second: string;
};

/** A gzip header, then bytes that are no deflate stream. */
const CORRUPT_GZIP = Buffer.concat([gzipSync('x').subarray(0, 10), Buffer.from('this is not deflate data at all')]);

/** 64 MB of HTML-ish zeros, gzip-compressed (about 64 KB), built chunk by chunk. */
async function makeBomb(): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (d: Buffer) => out.push(d));
  const done = new Promise((r) => gz.on('end', r));
  gz.write('<img src="http://cdn.test/bomb.png">');
  const zeros = Buffer.alloc(64 * 1024, 0x20);
  for (let i = 0; i < 1024; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await done;
  return Buffer.concat(out);
}

before(async () => {
  certs = makeCerts();
  bomb = await makeBomb();
  site = await startHttps((req, res) => {
    const url = req.url ?? '/';
    count(url);
    const m = /^\/r\/(\d+)$/.exec(url);
    if (m) {
      res.writeHead(302, { location: `/r/${Number(m[1]) + 1}` });
      return res.end();
    }
    if (url === '/self') {
      res.writeHead(301, { location: `https://app.test:${site.port}/self` });
      return res.end();
    }
    if (url === '/hang') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<html><body>');
      return; // never ends
    }
    if (url === '/big') {
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let left = 200 * 1024 * 1024;
      const pump = () => {
        while (left > 0) {
          left -= chunk.length;
          bigBytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => {
        left = 0;
      });
      res.write(`<img src="http://cdn.test/in-big.png">`);
      return pump();
    }
    if (url === '/utf8') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(
        Buffer.concat([
          Buffer.from('<p>caf'),
          Buffer.from([0xe9, 0xff, 0xfe]),
          Buffer.from('</p><script src="http://cdn.test/bad-utf8.js"></script>'),
        ]),
      );
    }
    if (url === '/gz' || url === '/br') {
      const body = Buffer.from('<script src="http://cdn.test/compressed.js"></script>');
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': url === '/gz' ? 'gzip' : 'br' });
      return res.end(url === '/gz' ? gzipSync(body) : brotliCompressSync(body));
    }
    // Crawled (not entry) pages, whose bodies the parse worker decompresses and decodes (r13i11).
    if (url === '/wire') {
      return html(
        res,
        ['/wire/bomb', '/wire/corrupt', '/wire/text', '/wire/latin1', '/wire/gz'].map((u) => `<a href="${u}">x</a>`).join(' '),
      );
    }
    if (url === '/wire/bomb') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      return res.end(bomb);
    }
    if (url === '/wire/corrupt') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      return res.end(CORRUPT_GZIP);
    }
    if (url === '/wire/text') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      return res.end(gzipSync('<img src="http://cdn.test/not-html.png">'));
    }
    if (url === '/wire/latin1') {
      res.writeHead(200, { 'content-type': 'text/html; charset=iso-8859-1', 'content-encoding': 'gzip' });
      return res.end(gzipSync(Buffer.from('<p>caf\xe9</p><script src="http://cdn.test/latin1.js"></script>', 'latin1')));
    }
    if (url === '/wire/gz') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      return res.end(gzipSync('<script src="http://cdn.test/wire-gz.js"></script>'));
    }
    if (url === '/bomb') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      return res.end(bomb);
    }
    if (url === '/many' || url === '/many100k') {
      const n = url === '/many' ? 10_000 : 100_000;
      const links = Array.from({ length: n }, (_, i) => `<a href="/p/${i}">p${i}</a>`).join('\n');
      return html(res, `<html><body>${links}</body></html>`);
    }
    if (url === '/sheets') {
      const links = Array.from({ length: 10_000 }, (_, i) => `<link rel="stylesheet" href="/css/${i}.css">`).join('\n');
      return html(res, `<html><head>${links}</head><body><p>many sheets</p></body></html>`);
    }
    if (url.startsWith('/css/')) {
      res.writeHead(200, { 'content-type': 'text/css' });
      return res.end(`.a{background:url(http://cdn.test${url.replace('.css', '.png')})}`);
    }
    if (url === '/nested') {
      const depth = 100_000;
      return html(
        res,
        `<html><body>${'<div>'.repeat(depth)}<img src="http://cdn.test/deep.png">${'</div>'.repeat(depth)}</body></html>`,
      );
    }
    if (url === '/million-rules') {
      return html(res, '<html><head><link rel="stylesheet" href="/million.css"></head><body>x</body></html>');
    }
    if (url === '/million.css') {
      // a million rules, each with an http:// image, streamed (about 45 MB if read to the end)
      res.writeHead(200, { 'content-type': 'text/css' });
      let i = 0;
      const pump = () => {
        while (i < 1_000_000) {
          let chunk = '';
          for (let k = 0; k < 1000 && i < 1_000_000; k++, i++) chunk += `.r${i}{background:url(http://cdn.test/${i}.png)}\n`;
          cssBytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => {
        i = 1_000_000;
      });
      return pump();
    }
    if (url === '/hang-1') {
      return html(
        res,
        '<html><head><link rel="stylesheet" href="/hang-first.css"></head><body><a href="/hang-2">next</a></body></html>',
      );
    }
    if (url === '/hang-2') {
      return html(
        res,
        '<html><head><link rel="stylesheet" href="/hang-second.css"></head><body><img src="http://cdn.test/after-hang.png"><a href="/hang-3">next</a></body></html>',
      );
    }
    if (url === '/hang-3') {
      return html(res, '<html><head><link rel="stylesheet" href="/ok.css"></head><body>x</body></html>');
    }
    if (url === '/hang-first.css' || url === '/hang-second.css' || url === '/ok.css') {
      res.writeHead(200, { 'content-type': 'text/css' });
      return res.end(
        url === '/hang-first.css'
          ? HANG.first
          : url === '/hang-second.css'
            ? HANG.second
            : '.x{background:url(http://cdn.test/ok.png)}',
      );
    }
    if (url.startsWith('/p/')) return html(res, '<p>leaf</p>');
    // 1,000 leaves that each take 100 ms: far more than any total time a test sets, however fast the crawler
    if (url === '/many-slow') {
      const links = Array.from({ length: 1000 }, (_, i) => `<a href="/slow/${i}">s${i}</a>`).join('\n');
      return html(res, `<html><body>${links}</body></html>`);
    }
    if (url.startsWith('/slow/')) return void setTimeout(() => html(res, '<p>leaf</p>'), 100);
    if (url === '/')
      return html(
        res,
        '<a href="/hang">h</a> <a href="/big">b</a> <a href="/utf8">u</a> <a href="/gz">g</a> <a href="/br">r</a>',
      );
    html(res, 'not found', {}, 404);
  }, certs);
  selfSigned = await startHttps((_req, res) => html(res, '<img src="http://cdn.test/self.png">'), {
    key: certs.selfKey,
    cert: certs.selfCert,
  });
});

after(async () => {
  await site?.close();
  await selfSigned?.close();
  certs?.cleanup();
});

// The request and parse limits are the shared request net (test/real-program.ts). Where a limit is the mechanism
// under test (a response that never ends, a stylesheet css-tree never finishes), the subject never ends, so any
// limit stops it; what a short one could also stop is the ordinary page or stylesheet next to it, on a loaded
// machine. Only the total-time test keeps a short limit: its assertion is an upper bound that load only helps.
function opts(entry: string, extra: Partial<ScanOptions> = {}): ScanOptions {
  return {
    entry,
    engine: 'static',
    http: {
      resolve: resolveAll(site.port, selfSigned.port),
      caCert: certs.caFile,
      requestTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS,
      maxBytes: 1024 * 1024,
      maxRedirects: 20,
    },
    crawl: { maxPages: 50, depth: 2, concurrency: 4 },
    totalTimeoutMs: 4 * REQUEST_SAFETY_TIMEOUT_MS,
    thirdPartyCheck: false,
    ...extra,
  };
}

test('endless redirects (a new URL each time) stop at the limit as scan/redirect-loop', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const before = servedFor('/r/');
  const { report, facts } = await runScan(opts(`https://app.test:${site.port}/r/0`));
  // --max-redirects 20: the first request and 20 redirects followed, not one more
  assert.equal(servedFor('/r/') - before, 21);
  const f = report.findings.find((x) => x.id === 'scan/redirect-loop');
  assert.ok(f, 'redirect-loop finding');
  assert.equal(facts.pages[0]?.redirectLoop, 'limit');
  assert.equal(facts.pages[0]?.chain.length, 21);
  assert.match(f.message, /\/r\/0 -> 302 \/r\/1/);
});

test('a self-redirect is a revisit loop, with the SSL-redirect-behind-proxy cause', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const { report } = await runScan(opts(`https://app.test:${site.port}/self`));
  const f = report.findings.find((x) => x.id === 'scan/redirect-loop');
  assert.ok(f);
  assert.equal((f.data as { kind: string }).kind, 'revisit');
  assert.match(f.message, /believes the request is plain http/);
});

test('a response that never ends times out as an error naming the URL; the rest of the crawl goes on', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  bigBytesSent = 0;
  const before = process.memoryUsage().rss;
  const { report, facts } = await runScan(opts(`https://app.test:${site.port}/`));
  const hang = report.diagnostics.find((d) => d.file.endsWith('/hang'));
  assert.ok(hang, 'diagnostic for /hang');
  assert.match(hang.message, new RegExp(`timed out after ${REQUEST_SAFETY_TIMEOUT_MS} ms`));
  // 200 MB body: read up to the cap, the connection closed, nothing near 200 MB held in memory
  const big = facts.pages.find((p) => p.url.endsWith('/big'));
  assert.ok(big?.truncated, '/big truncated');
  assert.ok(report.diagnostics.some((d) => d.file.endsWith('/big') && /larger than 1048576 bytes/.test(d.message)));
  assert.ok(
    big.insecure.some((r) => r.url === 'http://cdn.test/in-big.png'),
    'still analysed the first MB',
  );
  assert.ok(bigBytesSent < 100 * 1024 * 1024, `server sent ${bigBytesSent} bytes`);
  assert.ok(process.memoryUsage().rss - before < 150 * 1024 * 1024, 'memory stays bounded');
  // invalid UTF-8: decoded with replacement characters, reported, still scanned
  assert.ok(report.diagnostics.some((d) => d.file.endsWith('/utf8') && /not valid UTF-8/.test(d.message)));
  assert.ok(
    facts.pages
      .find((p) => p.url.endsWith('/utf8'))
      ?.insecure.some((r) => r.url === 'http://cdn.test/bad-utf8.js' && r.classification === 'blocked'),
  );
  // gzip and br are decoded
  for (const p of ['/gz', '/br'])
    assert.ok(
      facts.pages.find((x) => x.url.endsWith(p))?.insecure.some((r) => r.url === 'http://cdn.test/compressed.js'),
      p,
    );
});

test('a self-signed certificate is a clear error naming the URL and the TLS code, unless --insecure', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const url = `https://app.test:${selfSigned.port}/`;
  await assert.rejects(
    runScan(opts(url)),
    (e: unknown) =>
      e instanceof InputError && e.file === url && /DEPTH_ZERO_SELF_SIGNED_CERT/.test(e.message) && /--insecure/.test(e.message),
  );
  const { report } = await runScan(opts(url, { http: { ...opts(url).http, insecure: true } }));
  assert.ok(
    report.findings.some(
      (f) => f.id === 'scan/mixed-content-upgraded' && (f.data as { url: string }).url === 'http://cdn.test/self.png',
    ),
  );
});

test('a page with 10,000 links: bounded by --max-pages, and says so', { timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS }, async () => {
  const before = servedFor('/p/');
  const { report, facts } = await runScan(
    opts(`https://app.test:${site.port}/many`, { crawl: { maxPages: 40, depth: 3, concurrency: 4 } }),
  );
  assert.equal(facts.pages.length, 40);
  assert.equal(servedFor('/p/') - before, 39, 'the entry and 39 links fetched, no more');
  assert.ok(
    report.diagnostics.some((d) => /--max-pages 40 reached: 9961 more same-site links not followed/.test(d.message)),
    JSON.stringify(report.diagnostics.slice(0, 3)),
  );
});

test('total time bounds the whole scan', { timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS }, async () => {
  const before = servedFor('/slow/');
  const { report } = await runScan(
    opts(`https://app.test:${site.port}/many-slow`, {
      totalTimeoutMs: 20_000,
      crawl: { maxPages: 100_000, depth: 3, concurrency: 1 },
    }),
  );
  // One request at a time, each answered after at least 100 ms: within 20,000 ms at most 200 complete (a busy
  // machine serves fewer, never more), far below the 1,000 queued.
  const leaves = servedFor('/slow/') - before;
  assert.ok(leaves <= 20_000 / 100 + 1, `${leaves} slow leaves requested`);
  assert.ok(
    report.diagnostics.some((d) => /total time reached/.test(d.message)),
    JSON.stringify(report.diagnostics.slice(0, 3)),
  );
});

test('a gzip bomb (64 KB -> 64 MB) stops at the byte cap after decompression', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  assert.ok(bomb.length < 1024 * 1024, `bomb is ${bomb.length} bytes`);
  const before = process.memoryUsage().rss;
  const { facts, report } = await runScan(opts(`https://app.test:${site.port}/bomb`));
  const p = facts.pages[0]!;
  assert.equal(p.truncated, true);
  assert.ok(p.insecure.some((r) => r.url === 'http://cdn.test/bomb.png'));
  assert.ok(report.diagnostics.some((d) => /larger than 1048576 bytes/.test(d.message)));
  assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024);
});

test('crawled pages decompressed by the parse worker: a bomb stops at the cap, a corrupt body is the fetch error, other types and charsets as before', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const { facts, report } = await runScan(
    opts(`https://app.test:${site.port}/wire`, { crawl: { maxPages: 10, depth: 1, concurrency: 2 } }),
  );
  const page = (path: string) => facts.pages.find((p) => new URL(p.url).pathname === path);
  // over --max-bytes once decompressed: its prefix is read (streamed on the main thread), and the page says so
  const b = page('/wire/bomb');
  assert.equal(b?.truncated, true);
  assert.ok(b?.insecure.some((r) => r.url === 'http://cdn.test/bomb.png'));
  // a body zlib cannot read: the same fetch failure a first page gets, with zlib's own message, and no page
  let zlibMessage = '';
  try {
    gunzipSync(CORRUPT_GZIP, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (e) {
    zlibMessage = (e as Error).message;
  }
  assert.ok(zlibMessage);
  assert.equal(page('/wire/corrupt'), undefined);
  const corrupt = report.diagnostics.filter((d) => d.file.endsWith('/wire/corrupt'));
  assert.deepEqual(
    corrupt.map((d) => d.message),
    [`EDECODE: cannot decode gzip body: ${zlibMessage}`],
  );
  // not HTML: decompressed, not parsed
  assert.equal(page('/wire/text')?.status, 200);
  assert.deepEqual(page('/wire/text')?.insecure, []);
  // decoded by its charset, not reported as invalid UTF-8
  const l = page('/wire/latin1');
  assert.ok(l?.insecure.some((r) => r.url === 'http://cdn.test/latin1.js'));
  assert.equal(l?.invalidUtf8, undefined);
  assert.ok(page('/wire/gz')?.insecure.some((r) => r.url === 'http://cdn.test/wire-gz.js'));
});

test('a page with 100,000 links: the page is read up to --max-bytes, the crawl stops at --max-pages', {
  timeout: 300_000,
}, async () => {
  const before = servedFor('/p/');
  const { report, facts } = await runScan(
    opts(`https://app.test:${site.port}/many100k`, {
      // generous safety nets: a loaded machine parses 1 MB of links slowly; the limits under test are counts
      crawl: { maxPages: 40, depth: 3, concurrency: 4, parseTimeoutMs: 120_000 },
      totalTimeoutMs: 200_000,
      http: { ...opts('https://app.test/').http, requestTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS },
    }),
  );
  assert.equal(facts.pages.length, 40);
  assert.equal(servedFor('/p/') - before, 39);
  const entry = facts.pages[0]!;
  // 100,000 links are about 3 MB: read up to the 1 MB cap, then the links found there count toward the limit
  assert.equal(entry.truncated, true);
  const note = report.diagnostics.find((d) => /--max-pages 40 reached/.test(d.message));
  const notFollowed = Number(/reached: (\d+) more/.exec(note?.message ?? '')?.[1]);
  assert.ok(notFollowed > 20_000 && notFollowed < 100_000, note?.message);
});

test('a page with 10,000 stylesheets: at most 100 fetched, the rest reported', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const before = servedFor('/css/');
  const { report, facts } = await runScan(
    opts(`https://app.test:${site.port}/sheets`, { crawl: { maxPages: 1, depth: 0, concurrency: 4 } }),
  );
  assert.equal(servedFor('/css/') - before, 100);
  assert.equal(facts.pages[0]?.stylesheetsNotFetched, 9900);
  assert.equal(facts.pages[0]?.insecure.filter((r) => r.source === 'css').length, 100);
  assert.ok(report.diagnostics.some((d) => /9900 linked stylesheets not fetched/.test(d.message)));
});

test('deeply nested HTML (100,000 open elements) is read up to the depth limit, and says so', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const { report, facts } = await runScan(
    opts(`https://app.test:${site.port}/nested`, { crawl: { maxPages: 1, depth: 0, concurrency: 1 } }),
  );
  const page = facts.pages[0]!;
  assert.equal(page.parseError, undefined);
  assert.equal(page.depthLimitLine, 1);
  assert.ok(
    report.diagnostics.some((d) => d.message === `HTML nested more than ${MAX_HTML_DEPTH} elements deep: read up to line 1`),
  );
  // the image below the limit is not seen: the limit, not the parser's quadratic stack, decides the work
  assert.equal(page.insecure.length, 0);
  const shallow = extractHtml(`${'<div>'.repeat(MAX_HTML_DEPTH - 10)}<img src="http://cdn.test/d.png">`, 'https://app.test/');
  assert.equal(shallow.depthLimitLine, undefined);
  assert.equal(shallow.refs.length, 1);
});

test('a stylesheet with a million rules: read up to --max-bytes, references capped per page', { timeout: 300_000 }, async () => {
  cssBytesSent = 0;
  const before = process.memoryUsage().rss;
  const { report, facts } = await runScan(
    opts(`https://app.test:${site.port}/million-rules`, {
      totalTimeoutMs: 200_000,
      crawl: { maxPages: 1, depth: 0, concurrency: 1, maxRefsPerPage: 2000, parseTimeoutMs: 120_000 },
    }),
  );
  const page = facts.pages[0]!;
  const fromCss = page.insecure.filter((r) => r.source === 'css');
  // 1 MB of 45-byte rules holds over 20,000 http:// images: the per-page cap keeps 2,000
  assert.equal(fromCss.length, 2000, JSON.stringify(report.diagnostics));
  assert.equal(fromCss[0]?.url, 'http://cdn.test/0.png');
  // the server stopped being read near the cap (45 MB if read to the end)
  assert.ok(cssBytesSent < 16 * 1024 * 1024, `server sent ${cssBytesSent} bytes`);
  assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024, 'memory stays bounded');
});

test('css-tree hang input, css-tree as published: the stylesheet is stopped and reported, the scan goes on with a new parser', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  // Our guard (css-tree-guard.ts) mends this hang; switched off in the parse worker (which copies process.env
  // when it starts), css-tree 3.2.1 never returns on the pair, so the kill path is tested on a real endless parse.
  process.env.PROXYPROOF_CSS_TREE_GUARD = 'off';
  let result: Awaited<ReturnType<typeof runScan>>;
  try {
    result = await runScan(
      opts(`https://app.test:${site.port}/hang-1`, {
        crawl: { maxPages: 10, depth: 3, concurrency: 1, parseTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS },
        totalTimeoutMs: 4 * REQUEST_SAFETY_TIMEOUT_MS,
      }),
    );
  } finally {
    delete process.env.PROXYPROOF_CSS_TREE_GUARD;
  }
  const { report, facts } = result;
  const url = `https://app.test:${site.port}/hang-second.css`;
  const d = report.diagnostics.find((x) => x.file === url);
  assert.ok(d, JSON.stringify(report.diagnostics));
  assert.equal(
    d.message,
    `CSS at ${url} not parsed within ${REQUEST_SAFETY_TIMEOUT_MS / 1000} s (the parser was stopped; the scan went on)`,
  );
  // every page was scanned: the one that links the stuck stylesheet (its HTML refs), and the next one (its CSS)
  assert.deepEqual(
    facts.pages.map((p) => new URL(p.url).pathname),
    ['/hang-1', '/hang-2', '/hang-3'],
  );
  assert.ok(facts.pages[1]?.insecure.some((r) => r.url === 'http://cdn.test/after-hang.png'));
  assert.ok(facts.pages[2]?.insecure.some((r) => r.url === 'http://cdn.test/ok.png' && r.source === 'css'));
});

test('css-tree hang input with our guard (the default): both stylesheets parsed, no parse diagnostic, one parser', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const { report, facts } = await runScan(
    opts(`https://app.test:${site.port}/hang-1`, {
      crawl: { maxPages: 10, depth: 3, concurrency: 1, parseTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS },
      totalTimeoutMs: 4 * REQUEST_SAFETY_TIMEOUT_MS,
    }),
  );
  assert.deepEqual(
    report.diagnostics.filter((d) => /not parsed/.test(d.message)),
    [],
  );
  assert.deepEqual(
    facts.pages.map((p) => new URL(p.url).pathname),
    ['/hang-1', '/hang-2', '/hang-3'],
  );
  assert.ok(facts.pages[1]?.insecure.some((r) => r.url === 'http://cdn.test/after-hang.png'));
  assert.ok(facts.pages[2]?.insecure.some((r) => r.url === 'http://cdn.test/ok.png' && r.source === 'css'));
});
