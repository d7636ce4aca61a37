/**
 * One document's parse as the parser worker runs it (parse-worker.ts is the thread around it): an HTML page
 * (its text, or its body as it came over the wire: decompressed and decoded here) or a linked stylesheet, and
 * the reply the crawler reads. Here, not in parse-worker.ts, so that the worker's warm-up and the tests run the
 * very same function.
 *
 * Only the references the crawler reads come back (page.ts `mayBeInsecure`: http:// and ws:// URLs); the rest of
 * a page's references (https, relative, each with its snippet) cost a structured clone on both threads, on the
 * crawl's busiest thread too, for nothing (issue 11, the crawl bench).
 */
import { gzipSync } from 'node:zlib';
import { cssTreeGuarded } from './css-tree-guard.js';
import { extractCss, extractHtml, snippetLines } from './extract.js';
import { decodeBody, mayBeInsecure } from './page.js';
import type { ParseJob, ParseReply } from './parser-worker.js';
import { inflateWhole } from './wire.js';

export function runParseJob(job: ParseJob): ParseReply {
  try {
    if (job.kind === 'html' || job.kind === 'html-wire') {
      let text: string;
      let invalidUtf8: boolean | undefined;
      if (job.kind === 'html-wire') {
        // The crawler's fetch left the body as it came: decompress (at most maxBytes) and decode it here.
        const { bytes, encoding, contentType, maxBytes } = job.body;
        const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        let body: Buffer | undefined = raw;
        if (encoding) {
          try {
            body = inflateWhole(raw, encoding, maxBytes);
          } catch (e) {
            return { id: job.id, ok: false, wire: 'undecodable', message: (e as Error).message };
          }
          // Larger than maxBytes: the crawler streams its prefix (a compression bomb stops at the cap).
          if (!body) return { id: job.id, ok: false, wire: 'too-large', message: `over ${maxBytes} bytes` };
        }
        ({ text, invalidUtf8 } = decodeBody(body, contentType));
      } else text = job.text;
      const html = extractHtml(text, job.url);
      html.refs = html.refs.filter((r) => mayBeInsecure(r.url));
      return { id: job.id, ok: true, html, ...(invalidUtf8 ? { invalidUtf8 } : {}) };
    }
    const refs = extractCss(job.text, job.url, 'stylesheet', 0, snippetLines(job.text), true);
    return { id: job.id, ok: true, refs: refs.filter((r) => mayBeInsecure(r.url)) };
  } catch (e) {
    return { id: job.id, ok: false, message: (e as Error).message ?? String(e) };
  }
}

const WARM_ORIGIN = 'https://warm-up.invalid';
/** A small page with the constructs real pages carry: the parser's common paths, each met once. */
const WARM_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>warm &amp; up</title>
<meta name="viewport" content="width=device-width"><meta property="og:url" content="/w">
<link rel="stylesheet" href="/w.css"><link rel="icon" href="http://warm-up.invalid/i.png"><link rel="canonical" href="/w">
<style>.a{background:url(/a.png)} .b{color:#fff;margin:0 auto}</style><script src="/w.js"></script>
<script>var s = "ws://warm-up.invalid/socket"; if (1 < 2) { s += '&'; }</script></head>
<body class="w"><!-- a comment --><h1 id="t">Warm&nbsp;up</h1>
<p>Text with <a href="/p/1.html?a=1&amp;b=2">a link</a>, <a href="https://warm-up.invalid/p/2.html#x">another</a>
and <a href="http://warm-up.invalid/p/3.html">an http one</a>. &copy; &#169; &#xA9;</p>
<img src="/i.png" alt="" width="1" height="1"><img src="http://warm-up.invalid/old.png" srcset="/a.png 1x, /b.png 2x" alt="">
<div style="background-image:url(http://warm-up.invalid/bg.png)"><span>nested</span></div>
<form action="/f" method="post"><input type="text" name="q"><button type="submit">go</button></form>
<ul><li><a href="/p/4.html">four</a></li><li><a href="p/5.html">five</a></li></ul></body></html>
`;
const WARM_CSS = `@import url("/base.css");
@font-face{font-family:w;src:url(/w.woff2) format("woff2")}
body{font-family:sans-serif;background:url(http://warm-up.invalid/bg.png) no-repeat}
.h{background-image:image-set("http://warm-up.invalid/h.png" 1x, "/h2.png" 2x)}
@media (min-width: 600px){.m{background:url('/m.png')}}
`;

/**
 * The documents warmUp() parses: one gzip'd HTML page and one stylesheet (exported for the tests, which check
 * that they reach the code a crawl runs: refs from the HTML, its inline CSS and its script, and a parsed
 * stylesheet's url(), @import and image-set()).
 */
export function warmUpJobs(): ParseJob[] {
  const bytes = new Uint8Array(gzipSync(Buffer.from(WARM_HTML)));
  return [
    {
      id: -1,
      kind: 'html-wire',
      body: { bytes, encoding: 'gzip', contentType: 'text/html; charset=utf-8', maxBytes: 1 << 20 },
      url: `${WARM_ORIGIN}/`,
    },
    { id: -2, kind: 'css', text: WARM_CSS, url: `${WARM_ORIGIN}/w.css` },
  ];
}

/**
 * Parses the warm-up documents and drops the result. V8 compiles a function when it first runs, so a fresh
 * worker's first pages paid for compiling htmlparser2, css-tree and this module's paths: several ms each, on the
 * crawl's critical path while it is still narrow (its first levels: each waits for its page's parse). The worker
 * runs this during its start-up, when the other thread is still loading the CLI and the worker has nothing to do.
 */
export function warmUp(): void {
  // Only where css-tree's parser is guarded (css-tree-guard.ts: each document tokenized as in a fresh parser).
  // Unguarded (PROXYPROOF_CSS_TREE_GUARD=off, the kill-path tests: css-tree as published), a warm-up stylesheet
  // would leave its tokens in css-tree's shared buffer for the first real one: the warm-up must change nothing.
  if (!cssTreeGuarded) return;
  for (const job of warmUpJobs()) runParseJob(job);
}
