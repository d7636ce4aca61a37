/**
 * The parser worker's job (collectors/crawl/parse-job.ts runParseJob), run here on this thread, and the worker's
 * warm-up: its documents must reach the code a crawl runs (else the warm-up compiles nothing a page needs), and
 * a document parsed after it must get the answer a fresh parser gives.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { cssTreeGuarded } from '../../src/collectors/crawl/css-tree-guard.js';
import { runParseJob, warmUp, warmUpJobs } from '../../src/collectors/crawl/parse-job.js';
import type { ParseJob, ParseReply } from '../../src/collectors/crawl/parser-worker.js';
import { RUN_SAFETY_TIMEOUT_MS } from '../real-program.js';

/** A page's body as it came over the wire (what the crawler sends the worker). */
const wire = (body: Buffer, opts: { encoding?: 'gzip'; maxBytes?: number } = {}): ParseJob => ({
  id: 1,
  kind: 'html-wire',
  body: { bytes: new Uint8Array(body), encoding: opts.encoding, contentType: 'text/html', maxBytes: opts.maxBytes ?? 1 << 20 },
  url: 'https://app.test/',
});
const gz = (html: string) => gzipSync(Buffer.from(html));

const urlsOf = (r: ParseReply) => (r.ok ? (r.html?.refs ?? r.refs ?? []).map((x) => x.url).sort() : []);

// valid / invalid / trap rows of one job each, as the worker answers them.
const rows: Array<{ name: string; job: ParseJob; expect: (r: ParseReply) => void }> = [
  {
    name: 'valid: a gzip page: its http:// references come back, its links with entities decoded and fragments cut',
    job: wire(gz('<a href="/a?x=1&amp;y=2#top">a</a><img src="http://app.test/i.png"><a href="https://app.test/b">b</a>'), {
      encoding: 'gzip',
    }),
    expect: (r) => {
      assert.ok(r.ok);
      assert.deepEqual(urlsOf(r), ['http://app.test/i.png']);
      assert.deepEqual(r.html?.links, ['https://app.test/a?x=1&y=2', 'https://app.test/b']);
    },
  },
  {
    name: 'valid: a stylesheet: url(), @import and image-set() references, http:// only',
    job: {
      id: 2,
      kind: 'css',
      text: '@import "http://cdn.test/a.css";\n.a{background:url(/x.png)}\n.b{background-image:image-set("http://cdn.test/b.png" 1x)}',
      url: 'https://app.test/s.css',
    },
    expect: (r) => assert.deepEqual(urlsOf(r), ['http://cdn.test/a.css', 'http://cdn.test/b.png']),
  },
  {
    name: "invalid: a body that says gzip and is not: undecodable, with zlib's reason",
    job: wire(Buffer.from('<p>plain</p>'), { encoding: 'gzip' }),
    expect: (r) => {
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.wire, 'undecodable');
      assert.match(!r.ok ? r.message : '', /cannot decode gzip body/);
    },
  },
  {
    name: 'invalid: a gzip body larger than maxBytes once decompressed: too-large (the crawler streams its prefix)',
    job: wire(gz(`<p>${'x'.repeat(4096)}</p>`), { encoding: 'gzip', maxBytes: 1024 }),
    expect: (r) => assert.equal(!r.ok && r.wire, 'too-large'),
  },
  {
    name: 'trap: http:// text that is not a reference (a paragraph, a comment) sends nothing back',
    job: wire(Buffer.from('<p>see http://app.test/old</p><!-- <img src="http://app.test/c.png"> -->')),
    expect: (r) => {
      assert.ok(r.ok);
      assert.deepEqual(urlsOf(r), []);
    },
  },
];

for (const row of rows) test(`runParseJob ${row.name}`, () => row.expect(runParseJob(row.job)));

test('the warm-up documents reach what a crawl runs: gunzip, HTML references of each source, a parsed stylesheet', () => {
  const [html, css] = warmUpJobs().map(runParseJob);
  assert.ok(html?.ok && html.html, JSON.stringify(html));
  const kinds = new Map(html.html.refs.map((r) => [r.url, r.kind]));
  assert.equal(kinds.get('http://warm-up.invalid/p/3.html'), 'link');
  assert.equal(kinds.get('http://warm-up.invalid/old.png'), 'img-srcset');
  assert.equal(kinds.get('http://warm-up.invalid/i.png'), 'icon');
  assert.equal(kinds.get('http://warm-up.invalid/bg.png'), 'css-image', 'a style attribute (inline CSS)');
  assert.equal(kinds.get('ws://warm-up.invalid/socket'), 'websocket', 'an inline script');
  assert.ok(html.html.links.includes('https://warm-up.invalid/p/1.html?a=1&b=2'), 'an attribute entity decoded');
  assert.deepEqual(
    html.html.stylesheets.map((s) => s.url),
    ['https://warm-up.invalid/w.css'],
  );
  assert.ok(css?.ok, JSON.stringify(css));
  assert.deepEqual(
    css.refs?.map((r) => [r.url, r.kind]),
    [
      ['http://warm-up.invalid/bg.png', 'css-image'],
      ['http://warm-up.invalid/h.png', 'css-image'],
    ],
  );
});

test('a document parsed after the warm-up gets the answer it gets from a fresh parser (another process)', {
  timeout: RUN_SAFETY_TIMEOUT_MS,
}, () => {
  assert.ok(cssTreeGuarded, 'the warm-up runs only where css-tree is guarded');
  // A stylesheet shorter than the warm-up's (css-tree reuses its token buffer between documents) and a page.
  const css: ParseJob = { id: 3, kind: 'css', text: '.x{background:url(http://cdn.test/x.png)}', url: 'https://app.test/x.css' };
  const page: ParseJob = {
    id: 4,
    kind: 'html',
    text: '<link rel=stylesheet href=/x.css><style>.y{background:url(http://cdn.test/y.png)}</style><img src="http://cdn.test/p.png"><a href=/n>n</a>',
    url: 'https://app.test/',
  };
  warmUp();
  const here = [runParseJob(css), runParseJob(page)];
  const fresh = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { runParseJob } from ${JSON.stringify(new URL('../../src/collectors/crawl/parse-job.ts', import.meta.url).href)};
       process.stdout.write(JSON.stringify(JSON.parse(process.argv[1]).map(runParseJob)));`,
      JSON.stringify([css, page]),
    ],
    { encoding: 'utf8', timeout: RUN_SAFETY_TIMEOUT_MS },
  );
  assert.equal(fresh.status, 0, fresh.stderr);
  assert.deepEqual(JSON.parse(JSON.stringify(here)), JSON.parse(fresh.stdout));
  assert.deepEqual(urlsOf(here[0]!), ['http://cdn.test/x.png']);
  assert.deepEqual(urlsOf(here[1]!), ['http://cdn.test/p.png', 'http://cdn.test/y.png']);
});
