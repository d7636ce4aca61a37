/**
 * Pins every classification rule of src/scan/classify.ts against the real Chromium (Debian's, through
 * playwright-core): one https page on a non-loopback name (app.test, mapped to 127.0.0.1 by
 * --host-resolver-rules: Chromium decides trustworthiness by the URL's name, so mixed content is reported),
 * each element's http:// URL unique, and the static classification must equal what Chromium reported.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BrowserEngine } from '../../src/collectors/browser/browser.js';
import { buildPage } from '../../src/collectors/crawl/crawler.js';
import { HttpClient } from '../../src/collectors/crawl/http.js';
import { loadTrust } from '../../src/scan/trust.js';
import type { Classification, UrlRef } from '../../src/scan/types.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { type Certs, html, makeCerts, type Running, resolveAll, startHttp, startHttps } from './servers.js';

interface Case {
  name: string;
  /** Markup; `H` is replaced by the plain-http origin http://cdn.test:PORT. */
  markup: string;
  url: string;
  /** What Chromium does; undefined = not mixed content. */
  expected: Classification | undefined;
  /** Chromium reports it only on an action the scan does not take (submit, install): static only. */
  staticOnly?: string;
  /** Chromium reports it (as expected) only when it fetches it. */
  mayOmit?: string;
}

const CASES: Case[] = [
  { name: 'img src is auto-upgraded', markup: '<img src="H/img.png">', url: 'H/img.png', expected: 'upgraded' },
  {
    name: 'img src on port 80 is upgraded too',
    markup: '<img src="http://cdn.test/port80.png">',
    url: 'http://cdn.test/port80.png',
    expected: 'upgraded',
  },
  {
    name: 'img with srcset is blocked',
    markup: '<img src="H/srcset-src.png" srcset="H/srcset-src.png 1x">',
    url: 'H/srcset-src.png',
    expected: 'blocked',
  },
  {
    name: 'picture source is blocked',
    markup: '<picture><source srcset="H/pic.webp"><img src="https://app.test/none.png"></picture>',
    url: 'H/pic.webp',
    expected: 'blocked',
  },
  {
    name: 'img inside picture without srcset is upgraded',
    markup: '<picture><source srcset="x.avif" type="image/x-unsupported"><img src="H/pic-fallback.png"></picture>',
    url: 'H/pic-fallback.png',
    expected: 'upgraded',
  },
  {
    name: 'IP-address img is not upgraded (warning, loaded over http)',
    markup: '<img src="http://127.0.0.1:PORT/ip.png">',
    url: 'http://127.0.0.1:PORT/ip.png',
    expected: 'warning',
  },
  {
    name: 'localhost img is not upgraded (warning: local network request)',
    markup: '<img src="http://localhost:PORT/lh.png">',
    url: 'http://localhost:PORT/lh.png',
    expected: 'warning',
  },
  {
    name: 'script from localhost is trustworthy (nothing reported)',
    markup: '<script src="http://localhost:PORT/lh.js"></script>',
    url: 'http://localhost:PORT/lh.js',
    expected: undefined,
  },
  {
    name: 'script from 127.0.0.1 is trustworthy (nothing reported)',
    markup: '<script src="http://127.0.0.1:PORT/ip.js"></script>',
    url: 'http://127.0.0.1:PORT/ip.js',
    expected: undefined,
  },
  {
    name: 'script from a public IP address is blocked',
    markup: '<script src="http://192.0.2.9/pub.js"></script>',
    url: 'http://192.0.2.9/pub.js',
    expected: 'blocked',
  },
  {
    name: 'form to localhost is not a warning',
    markup: '<form action="http://localhost:PORT/lf"><input name="q"></form>',
    url: 'http://localhost:PORT/lf',
    expected: undefined,
  },
  { name: 'video src is upgraded', markup: '<video src="H/v.mp4"></video>', url: 'H/v.mp4', expected: 'upgraded' },
  {
    name: 'video poster is upgraded',
    markup: '<video poster="H/poster.png"></video>',
    url: 'H/poster.png',
    expected: 'upgraded',
  },
  { name: 'audio src is upgraded', markup: '<audio src="H/a.mp3"></audio>', url: 'H/a.mp3', expected: 'upgraded' },
  {
    name: 'video > source is upgraded',
    markup: '<video><source src="H/vs.mp4" type="video/mp4"></video>',
    url: 'H/vs.mp4',
    expected: 'upgraded',
  },
  {
    name: 'input type=image is upgraded',
    markup: '<input type="image" src="H/input.png">',
    url: 'H/input.png',
    expected: 'upgraded',
  },
  {
    name: 'SVG image href is upgraded',
    markup: '<svg width="5" height="5"><image href="H/svg.png" width="5" height="5"/></svg>',
    url: 'H/svg.png',
    expected: 'upgraded',
  },
  { name: 'script is blocked', markup: '<script src="H/s.js"></script>', url: 'H/s.js', expected: 'blocked' },
  { name: 'stylesheet is blocked', markup: '<link rel="stylesheet" href="H/st.css">', url: 'H/st.css', expected: 'blocked' },
  {
    name: 'favicon is blocked',
    markup: '<link rel="icon" href="H/fav.ico">',
    url: 'H/fav.ico',
    expected: 'blocked',
    mayOmit: 'headless Chromium fetches the favicon lazily, sometimes not at all',
  },
  {
    name: 'preload as=style is blocked',
    markup: '<link rel="preload" as="style" href="H/pre.css">',
    url: 'H/pre.css',
    expected: 'blocked',
  },
  {
    name: 'preload as=image is upgraded',
    markup: '<link rel="preload" as="image" href="H/pre.png">',
    url: 'H/pre.png',
    expected: 'upgraded',
  },
  {
    name: 'modulepreload is blocked',
    markup: '<link rel="modulepreload" href="H/mod.js">',
    url: 'H/mod.js',
    expected: 'blocked',
  },
  { name: 'iframe is blocked', markup: '<iframe src="H/frame.html"></iframe>', url: 'H/frame.html', expected: 'blocked' },
  { name: 'object data is blocked', markup: '<object data="H/obj.bin"></object>', url: 'H/obj.bin', expected: 'blocked' },
  { name: 'embed src is blocked', markup: '<embed src="H/emb.bin">', url: 'H/emb.bin', expected: 'blocked' },
  {
    name: 'track is blocked',
    markup: '<video src="https://app.test/v.mp4"><track default kind="captions" src="H/t.vtt"></video>',
    url: 'H/t.vtt',
    expected: 'blocked',
  },
  {
    name: 'CSS background in <style> is upgraded',
    markup: '<style>.bg{background:url(H/bg.png)}</style><div class="bg">x</div>',
    url: 'H/bg.png',
    expected: 'upgraded',
  },
  {
    name: 'CSS image-set() is upgraded',
    markup: '<style>.is{background-image:image-set("H/is.png" 1x)}</style><div class="is">x</div>',
    url: 'H/is.png',
    expected: 'upgraded',
  },
  {
    name: 'inline style url() is upgraded',
    markup: '<div style="background-image:url(\'H/inline.png\')">x</div>',
    url: 'H/inline.png',
    expected: 'upgraded',
  },
  { name: 'CSS @import is blocked', markup: '<style>@import url("H/imp.css");</style>', url: 'H/imp.css', expected: 'blocked' },
  {
    name: '@font-face src is blocked',
    markup: '<style>@font-face{font-family:F1;src:url(H/f.woff2)}.f{font-family:F1}</style><p class="f">font</p>',
    url: 'H/f.woff2',
    expected: 'blocked',
  },
  {
    name: 'linked CSS url() is upgraded',
    markup: '<link rel="stylesheet" href="/linked.css"><div class="linked">x</div>',
    url: 'H/linked-bg.png',
    expected: 'upgraded',
  },
  {
    name: 'form action is a form warning',
    markup: '<form action="H/submit"><input name="q"></form>',
    url: 'H/submit',
    expected: 'form',
  },
  {
    name: 'button formaction is a form target',
    markup: '<form action="/ok"><button formaction="H/fa">go</button></form>',
    url: 'H/fa',
    expected: 'form',
    staticOnly: 'Chromium checks formaction only when the form is submitted',
  },
  {
    name: 'ws:// from a script is blocked (constructor throws)',
    markup: '<script>try{new WebSocket("ws://cdn.test:PORT/ws")}catch(e){}</script>',
    url: 'ws://cdn.test:PORT/ws',
    expected: 'websocket',
  },
  {
    name: 'meta refresh is navigation, not mixed content',
    markup: '<meta http-equiv="refresh" content="600; url=H/next">',
    url: 'H/next',
    expected: 'navigation',
    staticOnly: 'navigation is not mixed content',
  },
  {
    name: 'link is navigation, not mixed content',
    markup: '<a href="H/away">away</a>',
    url: 'H/away',
    expected: 'navigation',
    staticOnly: 'navigation is not mixed content',
  },
];

let certs: Certs;
let plain: Running;
let site: Running;
let engine: BrowserEngine;
let client: HttpClient;
const pages = new Map<string, string>();

const sub = (s: string) => s.replaceAll('H/', `http://cdn.test:${plain.port}/`).replaceAll('PORT', String(plain.port));

before(async () => {
  certs = makeCerts();
  plain = await startHttp((req, res) => {
    res.writeHead(200, { 'content-type': req.url?.endsWith('.css') ? 'text/css' : 'application/octet-stream' });
    res.end('');
  });
  site = await startHttps((req, res) => {
    if (req.url === '/linked.css') {
      res.writeHead(200, { 'content-type': 'text/css' });
      return res.end(sub('.linked{background:url(H/linked-bg.png)}'));
    }
    const body = pages.get(req.url ?? '');
    if (body === undefined) return html(res, 'nope', {}, 404);
    html(res, body, req.url === '/uir' ? { 'content-security-policy': 'upgrade-insecure-requests' } : {});
  }, certs);
  client = new HttpClient({
    resolve: resolveAll(site.port, plain.port),
    caCert: certs.caFile,
    requestTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS,
  });
  engine = await BrowserEngine.launch({
    resolve: resolveAll(site.port, plain.port),
    trust: loadTrust({ caCerts: certs.caFile }),
    contexts: 2,
    settleMs: 1000,
    // A safety net (test/real-program.ts): at load ~60 the classification test took 52 s of its old 90 s.
    pageTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS,
  });
  pages.set(
    '/all',
    `<!doctype html><html><head><title>rules</title></head><body>${CASES.map((c) => sub(c.markup)).join('\n')}</body></html>`,
  );
  pages.set(
    '/base',
    sub(
      '<!doctype html><html><head><base href="H/"></head><body><script src="rel.js"></script><img src="relimg.png"></body></html>',
    ),
  );
  pages.set('/uir', sub('<!doctype html><html><body><script src="H/uir.js"></script><img src="H/uir.png"></body></html>'));
});

after(async () => {
  await engine?.close();
  await client?.close();
  await site?.close();
  await plain?.close();
  certs?.cleanup();
});

async function both(path: string): Promise<{ stat: UrlRef[]; seen: UrlRef[] }> {
  const url = `https://app.test:${site.port}${path}`;
  const r = await client.fetch(url);
  const { page } = await buildPage(r, 0, {
    css: async (u) => {
      const { extractCss } = await import('../../src/collectors/crawl/extract.js');
      const cr = await client.fetch(u);
      return extractCss(cr.body.toString('utf8'), u, 'stylesheet');
    },
  });
  const v = await engine.visit(url);
  return { stat: page.insecure, seen: v.observed };
}

test('Chromium 156 classifies each element as our static rules say', { timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS }, async () => {
  assert.match(engine.version, /^\d+\./);
  const { stat, seen } = await both('/all');
  const problems: string[] = [];
  for (const c of CASES) {
    const url = sub(c.url);
    const s = stat.find((r) => r.url === url)?.classification;
    const b = seen.find((r) => r.url === url)?.classification;
    if (s !== c.expected) problems.push(`${c.name}: static says ${s}, expected ${c.expected}`);
    if (c.mayOmit && b === undefined) continue;
    if (!c.staticOnly && b !== c.expected) problems.push(`${c.name}: Chromium says ${b}, expected ${c.expected}`);
    if (c.staticOnly && b !== undefined)
      problems.push(`${c.name}: Chromium reported ${b} although the rule says: ${c.staticOnly}`);
  }
  // Nothing Chromium reported is missing from the static view (except script-made fetches, none here).
  for (const o of seen)
    if (!stat.some((r) => r.url === o.url))
      problems.push(`Chromium reported ${o.url} (${o.classification}) that the static crawler did not find`);
  assert.deepEqual(problems, []);
});

test('<base href="http://..."> makes relative URLs insecure, as in Chromium', {
  timeout: 5 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const { stat, seen } = await both('/base');
  const rel = sub('H/rel.js');
  const img = sub('H/relimg.png');
  assert.equal(stat.find((r) => r.kind === 'base')?.classification, 'base');
  assert.equal(stat.find((r) => r.url === rel)?.classification, 'blocked');
  assert.equal(stat.find((r) => r.url === rel)?.viaBase, true);
  assert.equal(seen.find((r) => r.url === rel)?.classification, 'blocked');
  assert.equal(stat.find((r) => r.url === img)?.classification, 'upgraded');
  assert.equal(seen.find((r) => r.url === img)?.classification, 'upgraded');
});

test('with CSP upgrade-insecure-requests Chromium reports nothing, the raw HTML still has the http:// URLs', {
  timeout: 5 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const { stat, seen } = await both('/uir');
  assert.deepEqual(seen, []);
  assert.deepEqual(stat.map((r) => r.url).sort(), [sub('H/uir.js'), sub('H/uir.png')].sort());
});
