import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'parse5';
import { extractCss, extractHtml, extractManifestIcons, parseSrcset } from '../../src/collectors/crawl/extract.js';

const PAGE = `<!doctype html>
<html><head>
<meta http-equiv="Content-Security-Policy" content="default-src https:">
<meta http-equiv="refresh" content="30; URL='http://h/refresh'">
<meta property="og:url" content="http://h/og">
<link rel="canonical" href="http://h/canonical">
<link rel="stylesheet" href="http://h/style.css">
<link rel="preload" as="image" href="http://h/pre.png">
<link rel="preload" as="font" href="http://h/pre.woff2" crossorigin>
<link rel="modulepreload" href="http://h/mod.js">
<link rel="shortcut icon" href="http://h/fav.ico">
<link rel="manifest" href="/app.webmanifest">
<script src="http://h/s.js"></script>
<script>const sock = new WebSocket("ws://h/live"); const ok = 'wss://h/fine';</script>
<style>
@import "http://h/imp.css";
@font-face { font-family: X; src: url(http://h/font.woff2) format("woff2"); }
.a { background: url("http://h/bg.png"); }
.b { background-image: image-set("http://h/is1.png" 1x, url(http://h/is2.png) 2x); }
</style>
</head><body>
<img src="http://h/img.png" srcset="http://h/img-2x.png 2x, http://h/img,comma.png 3x">
<picture><source srcset="http://h/pic.webp 1x, http://h/pic2.webp 2x"><img src="http://h/pic-fallback.png"></picture>
<video src="http://h/v.mp4" poster="http://h/poster.png"><source src="http://h/vs.webm"><track src="http://h/t.vtt"></video>
<audio src="http://h/a.mp3"></audio>
<iframe src="http://h/frame"></iframe><object data="http://h/obj"></object><embed src="http://h/emb">
<input type="image" src="http://h/input.png">
<form action="http://h/submit"><button formaction="http://h/other">x</button><input type="submit" formaction="http://h/third"></form>
<svg><image href="http://h/svg.png"/><use xlink:href="http://h/sprite.svg#i"/><use href="#local"/></svg>
<div style="background:url(http://h/inline.png)">x</div>
<a href="http://h/link">l</a><area href="http://h/area">
<a href="javascript:void(0)">js</a><img src="data:image/png;base64,AA==">
</body></html>`;

test('every URL-bearing construct of the issue is found, with its kind and line', () => {
  const ex = extractHtml(PAGE, 'https://h/');
  const kinds = new Map(ex.refs.map((r) => [r.url, r.kind]));
  const expect: Record<string, string> = {
    'http://h/refresh': 'meta-refresh',
    'http://h/style.css': 'stylesheet',
    'http://h/pre.png': 'preload',
    'http://h/pre.woff2': 'preload',
    'http://h/mod.js': 'modulepreload',
    'http://h/fav.ico': 'icon',
    'https://h/app.webmanifest': 'manifest',
    'http://h/s.js': 'script',
    'ws://h/live': 'websocket',
    'http://h/imp.css': 'css-import',
    'http://h/font.woff2': 'css-font',
    'http://h/bg.png': 'css-image',
    'http://h/is1.png': 'css-image',
    'http://h/is2.png': 'css-image',
    'http://h/img.png': 'img-srcset',
    'http://h/img-2x.png': 'img-srcset',
    'http://h/img,comma.png': 'img-srcset',
    'http://h/pic.webp': 'picture-source',
    'http://h/pic2.webp': 'picture-source',
    'http://h/pic-fallback.png': 'img',
    'http://h/v.mp4': 'media',
    'http://h/poster.png': 'poster',
    'http://h/vs.webm': 'media',
    'http://h/t.vtt': 'track',
    'http://h/a.mp3': 'media',
    'http://h/frame': 'iframe',
    'http://h/obj': 'object',
    'http://h/emb': 'embed',
    'http://h/input.png': 'input-image',
    'http://h/submit': 'form-action',
    'http://h/other': 'form-action',
    'http://h/third': 'form-action',
    'http://h/svg.png': 'svg-image',
    'http://h/sprite.svg#i': 'svg-use',
    'http://h/inline.png': 'css-image',
    'http://h/link': 'link',
    'http://h/area': 'link',
  };
  for (const [url, kind] of Object.entries(expect)) assert.equal(kinds.get(url), kind, url);
  assert.equal(
    ex.refs.length,
    Object.keys(expect).length,
    JSON.stringify(ex.refs.map((r) => r.url).filter((u) => !(u in expect))),
  );
  assert.equal(ex.canonical, 'http://h/canonical');
  assert.equal(ex.ogUrl, 'http://h/og');
  assert.deepEqual(ex.cspMeta, ['default-src https:']);
  assert.equal(ex.refs.find((r) => r.url === 'http://h/s.js')?.line, 13);
  assert.equal(ex.refs.find((r) => r.url === 'http://h/bg.png')?.line, 18);
  assert.equal(ex.refs.find((r) => r.url === 'ws://h/live')?.line, 14);
  assert.equal(ex.refs.find((r) => r.url === 'http://h/pre.png')?.upgradablePreload, true);
  assert.equal(ex.refs.find((r) => r.url === 'http://h/pre.woff2')?.upgradablePreload, false);
});

test('cross-check with parse5: the same element URLs as a spec-compliant parser', () => {
  type Node = { nodeName: string; attrs?: Array<{ name: string; value: string }>; childNodes?: Node[]; content?: Node };
  const urls = new Set<string>();
  const walk = (n: Node) => {
    for (const a of n.attrs ?? []) {
      if (
        ['src', 'href', 'action', 'formaction', 'data', 'poster', 'xlink:href'].includes(a.name) &&
        !/^(#|javascript:|data:)/.test(a.value)
      ) {
        if (n.nodeName === 'link' && /canonical/.test(n.attrs?.find((x) => x.name === 'rel')?.value ?? '')) continue;
        urls.add(new URL(a.value, 'https://h/').href);
      }
      if (a.name === 'srcset') for (const u of parseSrcset(a.value)) urls.add(new URL(u, 'https://h/').href);
    }
    for (const c of n.childNodes ?? []) walk(c);
  };
  walk(parse(PAGE) as unknown as Node);
  const ours = new Set(
    extractHtml(PAGE, 'https://h/')
      .refs.filter((r) => !r.kind.startsWith('css') && r.kind !== 'websocket' && r.kind !== 'meta-refresh')
      .map((r) => r.url),
  );
  assert.deepEqual([...ours].sort(), [...urls].sort());
});

test('<base href> decides relative URLs anywhere in the document, as in the browser', () => {
  const ex = extractHtml(
    '<script src="early.js"></script><base href="http://h/dir/"><img src="late.png"><img src="https://h/abs.png">',
    'https://h/',
  );
  assert.equal(ex.baseHref, 'http://h/dir/');
  assert.deepEqual(
    ex.refs.map((r) => [r.url, r.viaBase ?? false]),
    [
      ['http://h/dir/', false],
      ['http://h/dir/early.js', true],
      ['http://h/dir/late.png', true],
      ['https://h/abs.png', false],
    ],
  );
});

test('CSS: @import after a rule is dropped by browsers, so not reported; @charset/@layer do not count', () => {
  const refs = extractCss(
    '@charset "utf-8"; @layer base; @import url(http://h/ok.css); a{color:red} @import "http://h/dead.css";',
    'https://h/s.css',
    'stylesheet',
  );
  assert.deepEqual(
    refs.map((r) => r.url),
    ['http://h/ok.css'],
  );
});

test('CSS parse errors do not throw, and relative URLs resolve against the stylesheet', () => {
  const refs = extractCss('a{background:url(img/x.png)} b{{{ background:url(', 'https://h/css/s.css', 'stylesheet');
  assert.equal(refs[0]?.url, 'https://h/css/img/x.png');
});

test('manifest icons resolve against the manifest; bad JSON yields nothing', () => {
  assert.deepEqual(
    extractManifestIcons('{"icons":[{"src":"http://h/i.png"},{"src":"i2.png"}]}', 'https://h/m/app.json').map((r) => r.url),
    ['http://h/i.png', 'https://h/m/i2.png'],
  );
  assert.deepEqual(extractManifestIcons('{not json', 'https://h/'), []);
});

test('srcset: commas in URLs, descriptors with parentheses', () => {
  assert.deepEqual(parseSrcset('a.png 1x,b,c.png 2x ,  d.png'), ['a.png', 'b,c.png', 'd.png']);
  assert.deepEqual(parseSrcset(''), []);
});
