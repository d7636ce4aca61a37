/**
 * Hostile servers started by the test: every case stays bounded in time and memory and ends as a finding
 * or a clear error naming the URL.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { brotliCompressSync, createGzip, gzipSync } from 'node:zlib';
import { InputError } from '../../src/model/finding.js';
import { runScan, type ScanOptions } from '../../src/scan/engine.js';
import { type Certs, html, makeCerts, type Running, resolveAll, startHttps } from './servers.js';

let certs: Certs;
let site: Running;
let selfSigned: Running;
let bigBytesSent = 0;
let bomb: Buffer;

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
    if (url === '/bomb') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      return res.end(bomb);
    }
    if (url === '/many') {
      const links = Array.from({ length: 10_000 }, (_, i) => `<a href="/p/${i}">p${i}</a>`).join('\n');
      return html(res, `<html><body>${links}</body></html>`);
    }
    if (url.startsWith('/p/')) return html(res, '<p>leaf</p>');
    // 10,000 leaves that each take 20 ms: far more than any total time a test sets, however fast the crawler
    if (url === '/many-slow') {
      const links = Array.from({ length: 10_000 }, (_, i) => `<a href="/slow/${i}">s${i}</a>`).join('\n');
      return html(res, `<html><body>${links}</body></html>`);
    }
    if (url.startsWith('/slow/')) return void setTimeout(() => html(res, '<p>leaf</p>'), 20);
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

function opts(entry: string, extra: Partial<ScanOptions> = {}): ScanOptions {
  return {
    entry,
    engine: 'static',
    http: {
      resolve: resolveAll(site.port, selfSigned.port),
      caCert: certs.caFile,
      requestTimeoutMs: 1500,
      maxBytes: 1024 * 1024,
      maxRedirects: 20,
    },
    crawl: { maxPages: 50, depth: 2, concurrency: 4 },
    totalTimeoutMs: 20_000,
    thirdPartyCheck: false,
    ...extra,
  };
}

test('endless redirects (a new URL each time) stop at the limit as scan/redirect-loop', { timeout: 20_000 }, async () => {
  const t0 = Date.now();
  const { report, facts } = await runScan(opts(`https://app.test:${site.port}/r/0`));
  assert.ok(Date.now() - t0 < 10_000);
  const f = report.findings.find((x) => x.id === 'scan/redirect-loop');
  assert.ok(f, 'redirect-loop finding');
  assert.equal(facts.pages[0]?.redirectLoop, 'limit');
  assert.equal(facts.pages[0]?.chain.length, 21);
  assert.match(f.message, /\/r\/0 -> 302 \/r\/1/);
});

test('a self-redirect is a revisit loop, with the SSL-redirect-behind-proxy cause', { timeout: 20_000 }, async () => {
  const { report } = await runScan(opts(`https://app.test:${site.port}/self`));
  const f = report.findings.find((x) => x.id === 'scan/redirect-loop');
  assert.ok(f);
  assert.equal((f.data as { kind: string }).kind, 'revisit');
  assert.match(f.message, /believes the request is plain http/);
});

test('a response that never ends times out as an error naming the URL; the rest of the crawl goes on', {
  timeout: 30_000,
}, async () => {
  bigBytesSent = 0;
  const before = process.memoryUsage().rss;
  const t0 = Date.now();
  const { report, facts } = await runScan(opts(`https://app.test:${site.port}/`));
  const took = Date.now() - t0;
  assert.ok(took < 15_000, `took ${took} ms`);
  const hang = report.diagnostics.find((d) => d.file.endsWith('/hang'));
  assert.ok(hang, 'diagnostic for /hang');
  assert.match(hang.message, /timed out after 1500 ms/);
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
  timeout: 20_000,
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

test('a page with 10,000 links: bounded by --max-pages, quickly, and says so', { timeout: 30_000 }, async () => {
  const t0 = Date.now();
  const { report, facts } = await runScan(
    opts(`https://app.test:${site.port}/many`, { crawl: { maxPages: 40, depth: 3, concurrency: 4 } }),
  );
  assert.ok(Date.now() - t0 < 15_000);
  assert.equal(facts.pages.length, 40);
  assert.ok(
    report.diagnostics.some((d) => /--max-pages 40 reached: 9961 more same-site links not followed/.test(d.message)),
    JSON.stringify(report.diagnostics.slice(0, 3)),
  );
});

test('total time bounds the whole scan', { timeout: 30_000 }, async () => {
  const t0 = Date.now();
  const { report } = await runScan(
    opts(`https://app.test:${site.port}/many-slow`, {
      totalTimeoutMs: 1500,
      crawl: { maxPages: 100_000, depth: 3, concurrency: 1 },
    }),
  );
  assert.ok(Date.now() - t0 < 6000, `took ${Date.now() - t0}`);
  assert.ok(report.diagnostics.some((d) => /total time reached/.test(d.message)));
});

test('a gzip bomb (64 KB -> 64 MB) stops at the byte cap after decompression', { timeout: 20_000 }, async () => {
  assert.ok(bomb.length < 1024 * 1024, `bomb is ${bomb.length} bytes`);
  const before = process.memoryUsage().rss;
  const { facts, report } = await runScan(opts(`https://app.test:${site.port}/bomb`));
  const p = facts.pages[0]!;
  assert.equal(p.truncated, true);
  assert.ok(p.insecure.some((r) => r.url === 'http://cdn.test/bomb.png'));
  assert.ok(report.diagnostics.some((d) => /larger than 1048576 bytes/.test(d.message)));
  assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024);
});
