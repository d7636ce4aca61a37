/**
 * The parser worker holds several documents at once (PIPELINE) and parses them in order: a document that hangs is
 * killed on its own timer, and the documents sent after it are parsed by a fresh worker, in order, none lost or
 * answered twice. Counts, not times, are asserted (the timeout is the mechanism under test, not a measurement).
 *
 * Every per-document limit here is the shared request net (test/real-program.ts REQUEST_SAFETY_TIMEOUT_MS), the
 * hang test's too: its hanging document never ends, so any limit kills it, and only the others' limits can fail
 * the test wrongly, by a parse (about 10 ms here) that a loaded machine does not schedule in time. With 5 s the
 * kill was 5 s sooner, and the documents around the hang had 5 s each.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { ParserWorker, PIPELINE, prewarmParserWorker } from '../../src/collectors/crawl/parser-worker.js';
import { REQUEST_SAFETY_TIMEOUT_MS, RUN_SAFETY_TIMEOUT_MS } from '../real-program.js';

const HANG = JSON.parse(readFileSync(new URL('./fixtures/css-tree-hang.json', import.meta.url), 'utf8')) as {
  first: string;
  second: string;
};

/**
 * The kill-path tests need a parse that never ends: css-tree as published hangs on the fixture pair, and our guard
 * (css-tree-guard.ts) is what makes it return, so these tests switch the guard off in the workers they start
 * (a Worker copies process.env when it is constructed).
 */
async function withoutGuard<T>(fn: () => Promise<T>): Promise<T> {
  const before = process.env.PROXYPROOF_CSS_TREE_GUARD;
  process.env.PROXYPROOF_CSS_TREE_GUARD = 'off';
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.PROXYPROOF_CSS_TREE_GUARD;
    else process.env.PROXYPROOF_CSS_TREE_GUARD = before;
  }
}

test('css-tree is pinned (an exact version, the one installed): the hang fixture is known to hang that version', () => {
  // hostile.test.ts has the cause. A new css-tree is a deliberate change: check the fixture against it first (a
  // version that returns on it leaves these tests without a hanging input), whether css-tree-guard.ts still fits
  // its TokenStream, and the parse results (extract tests).
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const spec = pkg.dependencies['css-tree'];
  assert.match(spec ?? '', /^\d+\.\d+\.\d+$/, `css-tree's version range in package.json: ${spec}`);
  const installed = (
    JSON.parse(readFileSync(new URL(import.meta.resolve('css-tree/package.json')), 'utf8')) as { version: string }
  ).version;
  assert.equal(installed, spec);
  assert.equal(spec, '3.2.1', 'the version the hang fixture was checked against');
});

test('the worker sends back only the references the crawler reads: http:// and ws://', {
  timeout: 5 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const parser = new ParserWorker({ timeoutMs: REQUEST_SAFETY_TIMEOUT_MS });
  try {
    const h = await parser.html(
      '<img src="https://h/a.png"><img src="/rel.png"><img src="http://h/b.png"><a href="/n">n</a>' +
        '<style>.s{background:url(/s.png)}.t{background:url(http://h/t.png)}</style>' +
        '<script>new WebSocket("ws://h/live"); new WebSocket("wss://h/ok")</script>',
      'https://s/p.html',
    );
    assert.ok(h.ok, JSON.stringify(h));
    assert.deepEqual(h.value.refs.map((r) => r.url).sort(), ['http://h/b.png', 'http://h/t.png', 'ws://h/live']);
    // the links to crawl are not references: all of them still come back
    assert.deepEqual(h.value.links, ['https://s/n']);
    const c = await parser.css('.a{background:url(/x.png)}.b{background:url(http://h/y.png)}', 'https://s/s.css');
    assert.ok(c.ok, JSON.stringify(c));
    assert.deepEqual(
      c.value.map((r) => r.url),
      ['http://h/y.png'],
    );
  } finally {
    await parser.close();
  }
});

test(
  'a hanging stylesheet in the middle of a pipeline: it alone times out, the ones after it are parsed by a new worker',
  {
    timeout: 5 * REQUEST_SAFETY_TIMEOUT_MS,
  },
  () =>
    withoutGuard(async () => {
      const parser = new ParserWorker({ timeoutMs: REQUEST_SAFETY_TIMEOUT_MS });
      try {
        const before = Array.from({ length: 3 }, (_, i) =>
          parser.css(`.b${i}{background:url(http://h/b${i}.png)}`, `https://s/b${i}.css`),
        );
        const first = parser.css(HANG.first, 'https://s/first.css');
        const second = parser.css(HANG.second, 'https://s/second.css');
        // more than the pipeline holds, so some wait on this side and some in the killed worker
        const after = Array.from({ length: PIPELINE + 2 }, (_, i) =>
          i % 2 === 0
            ? parser.css(`.a${i}{background:url(http://h/a${i}.png)}`, `https://s/a${i}.css`)
            : parser.html(`<p><img src="http://h/p${i}.png"><a href="/n${i}">n</a></p>`, `https://s/p${i}.html`),
        );
        const b = await Promise.all(before);
        for (const [i, r] of b.entries())
          assert.ok(r.ok && (r.value as { url: string }[])[0]?.url === `http://h/b${i}.png`, JSON.stringify(r));
        assert.equal((await first).ok, true);
        const s = await second;
        assert.equal(s.ok, false);
        assert.equal(!s.ok && s.reason, 'timeout');
        assert.match(
          !s.ok ? s.message : '',
          new RegExp(`CSS at https://s/second\\.css not parsed within ${REQUEST_SAFETY_TIMEOUT_MS / 1000} s`),
        );
        const a = await Promise.all(after);
        for (const [i, r] of a.entries()) {
          assert.equal(r.ok, true, `document ${i} after the hang: ${JSON.stringify(r)}`);
          if (!r.ok) continue;
          if (i % 2 === 0) assert.equal((r.value as { url: string }[])[0]?.url, `http://h/a${i}.png`);
          else assert.deepEqual((r.value as { links: string[] }).links, [`https://s/n${i}`]);
        }
        assert.deepEqual(parser.stats, {
          parsed: 3 + 1 + PIPELINE + 2,
          timedOut: 1,
          crashed: 0,
          workersStarted: 2,
          prewarmedUsed: 0,
        });
      } finally {
        await parser.close();
      }
    }),
);

test('with our css-tree guard (the default) the hang pair parses in one worker: nothing times out', {
  timeout: 5 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const parser = new ParserWorker({ timeoutMs: REQUEST_SAFETY_TIMEOUT_MS });
  try {
    const first = await parser.css(HANG.first, 'https://s/first.css');
    const second = await parser.css(HANG.second, 'https://s/second.css');
    const after = await parser.css('.a{background:url(http://h/after.png)}', 'https://s/after.css');
    assert.equal(first.ok, true, JSON.stringify(first));
    assert.equal(second.ok, true, JSON.stringify(second));
    assert.deepEqual(after.ok && after.value.map((r) => r.url), ['http://h/after.png']);
    assert.deepEqual(parser.stats, { parsed: 3, timedOut: 0, crashed: 0, workersStarted: 1, prewarmedUsed: 0 });
  } finally {
    await parser.close();
  }
});

test('the guard changes no parse: the same references with and without it on CSS that css-tree parses either way', {
  timeout: 5 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  // A long stylesheet then short ones (the buffer reuse the guard concerns), none with a closing bracket that
  // opens nothing (what the stale slot turns into a hang).
  const docs = [
    `${'.x{color:red}'.repeat(200)}@import url(http://h/i.css);.y{background:url(http://h/y.png)}`,
    '@media screen{.a{background:image-set("http://h/a.png" 1x)}}',
    '.b{background:url(http://h/b.png)}',
    '@font-face{src:url(http://h/f.woff)}(',
  ];
  const run = async () => {
    const parser = new ParserWorker({ timeoutMs: REQUEST_SAFETY_TIMEOUT_MS });
    try {
      const out: string[][] = [];
      for (const [i, d] of docs.entries()) {
        const r = await parser.css(d, `https://s/${i}.css`);
        assert.ok(r.ok, JSON.stringify(r));
        out.push(r.value.map((x) => `${x.kind} ${x.url} ${x.line}`));
      }
      return out;
    } finally {
      await parser.close();
    }
  };
  const guarded = await run();
  const published = await withoutGuard(run);
  assert.deepEqual(guarded, published);
  assert.ok(guarded.flat().length >= 4, JSON.stringify(guarded));
});

test('a wire body: the worker decompresses (within maxBytes) and decodes it by charset before parsing', {
  timeout: 5 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const parser = new ParserWorker({ timeoutMs: REQUEST_SAFETY_TIMEOUT_MS });
  const page = '<p>caf\u00e9</p><img src="http://h/a.png"><a href="/n">n</a>';
  try {
    const gz = await parser.htmlWire(
      { bytes: new Uint8Array(gzipSync(page)), encoding: 'gzip', maxBytes: 1 << 20 },
      'https://s/p',
    );
    assert.ok(gz.ok, JSON.stringify(gz));
    assert.deepEqual(
      gz.value.html.refs.map((r) => r.url),
      ['http://h/a.png'],
    );
    assert.deepEqual(gz.value.html.links, ['https://s/n']);
    assert.equal(gz.value.invalidUtf8, false);
    const br = await parser.htmlWire(
      { bytes: new Uint8Array(brotliCompressSync(page)), encoding: 'br', maxBytes: 1 << 20 },
      'https://s/b',
    );
    assert.deepEqual(br.ok && br.value.html.refs.map((r) => r.url), ['http://h/a.png']);
    // by the Content-Type's charset, and invalid UTF-8 said
    const latin1 = await parser.htmlWire(
      {
        bytes: new Uint8Array(Buffer.from('<img alt="\u00e9" src="http://h/l.png">', 'latin1')),
        contentType: 'text/html; charset=iso-8859-1',
        maxBytes: 1 << 20,
      },
      'https://s/l',
    );
    assert.ok(
      latin1.ok && !latin1.value.invalidUtf8 && latin1.value.html.refs[0]?.snippet?.includes('\u00e9'),
      JSON.stringify(latin1),
    );
    const bad = await parser.htmlWire(
      { bytes: new Uint8Array([0x3c, 0x70, 0x3e, 0xff, 0xfe]), maxBytes: 1 << 20 },
      'https://s/u',
    );
    assert.equal(bad.ok && bad.value.invalidUtf8, true);
    // larger than maxBytes once decompressed: said, not parsed (the crawler streams the prefix)
    const big = await parser.htmlWire(
      { bytes: new Uint8Array(gzipSync(Buffer.alloc(100_000, 0x20))), encoding: 'gzip', maxBytes: 50_000 },
      'https://s/big',
    );
    assert.equal(!big.ok && big.reason, 'too-large');
    // not gzip at all: zlib's message, as the client's own decoder gives it
    const corrupt = await parser.htmlWire(
      { bytes: new Uint8Array(Buffer.from('not gzip')), encoding: 'gzip', maxBytes: 1 << 20 },
      'https://s/c',
    );
    assert.equal(!corrupt.ok && corrupt.reason, 'undecodable');
    assert.match(!corrupt.ok ? corrupt.message : '', /^cannot decode gzip body: /);
    assert.deepEqual(parser.stats, { parsed: 6, timedOut: 0, crashed: 0, workersStarted: 1, prewarmedUsed: 0 });
  } finally {
    await parser.close();
  }
});

test('closing answers every document still queued or in the worker, once', {
  timeout: 5 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  const parser = new ParserWorker({ timeoutMs: REQUEST_SAFETY_TIMEOUT_MS });
  const docs = Array.from({ length: PIPELINE * 2 }, (_, i) => parser.css(`.x${i}{}`, `https://s/x${i}.css`));
  await parser.close();
  const answers = await Promise.all(docs);
  assert.equal(answers.length, PIPELINE * 2);
  // closed before the worker could answer anything (it answers only on a later turn of the event loop)
  assert.deepEqual(
    answers.map((r) => (r.ok ? 'parsed' : r.reason)),
    docs.map(() => 'deadline'),
  );
});

test('a prewarmed worker is adopted by the first ParserWorker only, ready or not; a later one starts its own', {
  timeout: 5 * REQUEST_SAFETY_TIMEOUT_MS,
}, async () => {
  prewarmParserWorker();
  const first = new ParserWorker({ timeoutMs: REQUEST_SAFETY_TIMEOUT_MS });
  const second = new ParserWorker({ timeoutMs: REQUEST_SAFETY_TIMEOUT_MS });
  try {
    const r = await first.html('<img src="http://h/a.png">', 'https://s/a.html');
    assert.ok(r.ok && r.value.refs.some((x) => x.url === 'http://h/a.png'), JSON.stringify(r));
    assert.deepEqual([first.stats.workersStarted, first.stats.prewarmedUsed], [1, 1]);
    const c = await second.css('.x{background:url(http://h/b.png)}', 'https://s/b.css');
    assert.ok(c.ok && c.value[0]?.url === 'http://h/b.png');
    assert.deepEqual([second.stats.workersStarted, second.stats.prewarmedUsed], [1, 0]);
  } finally {
    await first.close();
    await second.close();
  }
});

test('a prewarmed worker nobody adopts does not keep the process alive', { timeout: 2 * RUN_SAFETY_TIMEOUT_MS }, () => {
  const src = new URL('../../src/collectors/crawl/parser-worker.ts', import.meta.url).href;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', `(await import(${JSON.stringify(src)})).prewarmParserWorker();`],
    { encoding: 'utf8', timeout: RUN_SAFETY_TIMEOUT_MS },
  );
  assert.equal(r.signal, null, `ended by itself: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
});
