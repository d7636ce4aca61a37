/**
 * The tokenizer-only fast path for simple CSS (plain rules and declarations) must give exactly what css-tree's
 * full parse gives: same URLs, kinds, lines, order. Checked on named cases and on generated CSS mixing plain
 * and tricky pieces; anything outside the subset must fall back to the parser.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { extractCss, extractCssParsed, simpleCssUrls } from '../../src/collectors/crawl/extract.js';

type Ctx = 'stylesheet' | 'declarationList';

/** extractCss (fast path when eligible) vs the full css-tree parse, with line numbers on (http base). */
function same(css: string, ctx: Ctx): boolean | undefined {
  const fast = simpleCssUrls(css, ctx);
  for (const base of ['http://h/dir/page', 'https://h/dir/page']) {
    const positions = /(?:http|ws):/i.test(css) || base.startsWith('http:');
    const got = extractCss(css, base, ctx, 3);
    const want = /url\(|image-set|@import/i.test(css) ? extractCssParsed(css, base, ctx, 3, undefined, positions) : [];
    assert.deepEqual(got, want, `${ctx} ${JSON.stringify(css)} against ${base}`);
  }
  return fast !== undefined;
}

test('simple stylesheets take the fast path and match the full parse', () => {
  const simple: Array<[string, Ctx]> = [
    ['.p1{background:url(/img/logo.png)}', 'stylesheet'],
    ['a, b > c:hover::before { background: url( http://cdn.test/x.png ) no-repeat; color: red }\n.x{}', 'stylesheet'],
    [
      '.a{background:url(a.png),url(http://h/b.png) !important;}\n\n.b { border-image: url(HTTP://h/c.png) 30 round }',
      'stylesheet',
    ],
    ['.a{background:rgb(1,2,3) url(x.png) calc(1px + 2px) / cover}', 'stylesheet'],
    ['background:url(http://h/i.png); color: blue', 'declarationList'],
    ['background-image: url(i.png) ;;', 'declarationList'],
  ];
  for (const [css, ctx] of simple) assert.equal(same(css, ctx), true, `fast path for ${JSON.stringify(css)}`);
  // lines: the second url is on line 2 (+3 offset)
  const refs = extractCss(
    '.a{background:url(http://h/1.png)}\n.b{background:url(http://h/2.png)}',
    'https://h/',
    'stylesheet',
    3,
  );
  assert.deepEqual(
    refs.map((r) => [r.url, r.line, r.kind]),
    [
      ['http://h/1.png', 4, 'css-image'],
      ['http://h/2.png', 5, 'css-image'],
    ],
  );
});

test('anything outside the subset falls back to the parser (and still matches it)', () => {
  const tricky: Array<[string, Ctx]> = [
    ['@import url(http://h/i.css); .a{background:url(x)}', 'stylesheet'],
    ['@font-face{src:url(http://h/f.woff)}', 'stylesheet'],
    ['.a{background:url("http://h/q.png")}', 'stylesheet'],
    ['.a{--x:url(http://h/custom.png)}', 'stylesheet'],
    ['.a{background:image-set("http://h/s.png" 1x)}', 'stylesheet'],
    ['.a{background:var(--b, url(http://h/v.png))}', 'stylesheet'],
    ['.a{*background:url(http://h/hack.png)}', 'stylesheet'],
    ['.a{background:url(http://h/c.png) : x}', 'stylesheet'],
    ['.a{background:url(http://h/b.png) !important x}', 'stylesheet'],
    ['.a{background:url(http://h/u.png)', 'stylesheet'],
    ['.a{b{background:url(http://h/n.png)}}', 'stylesheet'],
    ['url(http://h/sel.png){a:b}', 'stylesheet'],
    ['.a{background:url(http://h/e\\2e png)}', 'stylesheet'],
    ['.a{background:url(http://h/a b)}', 'stylesheet'],
    ['.a{/* c */background:url(http://h/c.png)}', 'stylesheet'],
    ['.a{background:u+0025 url(http://h/r.png)}', 'stylesheet'],
    ['.a{background:url(http://h/r.png) # x}', 'stylesheet'],
    ['.a\r{background:url(http://h/cr.png)}', 'stylesheet'],
    ['background:url(http://h/x.png)}', 'declarationList'],
    [':url(http://h/x.png)', 'declarationList'],
  ];
  for (const [css, ctx] of tricky) assert.equal(same(css, ctx), false, `no fast path for ${JSON.stringify(css)}`);
});

test('generated CSS: whenever the fast path answers, it answers what css-tree does', () => {
  const selector = fc.constantFrom(
    '.a',
    'a:hover',
    '#x',
    '[x=y]',
    'a > b',
    '*',
    '&',
    ':is(a, b)',
    '(',
    ')',
    '[',
    ']',
    'url(s)',
    'u+1',
    '',
  );
  const value = fc.constantFrom(
    'url(a.png)',
    'url( http://h/x.png )',
    'url(HTTP://h/1)',
    'url(//h/p.png)',
    'url()',
    'url(a b)',
    'url("http://h/q")',
    'rgb(1, 2, 3)',
    'calc(1px + 2px)',
    'var(--x, url(http://h/v))',
    '1px',
    '50%',
    '#fff',
    '!important',
    '!ie',
    '/',
    '*',
    '+',
    '-',
    ',',
    ':',
    '$',
    '&',
    '(',
    ')',
    '[',
    ']',
    '{',
    '}',
    ';',
    'u+0025',
    'red',
    '\n',
    ' ',
    'image-set(url(http://h/i) 1x)',
  );
  const prop = fc.constantFrom('background', 'color', '-webkit-mask', '--custom', '*zoom', '', 'border-image');
  const decl = fc.tuple(prop, fc.array(value, { maxLength: 6 })).map(([p, v]) => `${p}:${v.join(' ')}`);
  const block = fc.array(decl, { maxLength: 4 }).map((ds) => ds.join(';'));
  const sheet = fc
    .array(fc.tuple(selector, block, fc.boolean()), { maxLength: 4 })
    .map((rules) => rules.map(([s, b, close]) => `${s}{${b}${close ? '}' : ''}`).join('\n'));
  let fast = 0;
  fc.assert(
    fc.property(sheet, (css) => {
      if (same(css, 'stylesheet')) fast++;
    }),
    { numRuns: 400, seed: 42 },
  );
  fc.assert(
    fc.property(block, (css) => {
      if (same(css, 'declarationList')) fast++;
    }),
    { numRuns: 400, seed: 7 },
  );
  // the generator reaches the fast path often enough for the comparison to mean something
  assert.ok(fast > 80, `fast path taken ${fast} times`);
});

test("css-tree's sub-path parser, walker and tokenizer (what extract.ts loads) are its index's: same AST, same walk, same tokens", async () => {
  const full = await import('css-tree');
  const { default: parse } = await import('css-tree/parser');
  const { default: walk } = await import('css-tree/walker');
  const { tokenize } = await import('css-tree/tokenizer');
  const { url } = await import('css-tree/utils');
  const samples: Array<[string, Ctx]> = [
    [
      '@import url("/css/base.css");\n.hero{background:url(/img/logo.png)}\n.s1{background-image:image-set("http://h/s1.png" 1x)}',
      'stylesheet',
    ],
    [
      '@font-face{font-family:x;src:url(http://h/f.woff2) format("woff2")}\n@media (min-width:1px){.a{background:url(\'b.png\')}}',
      'stylesheet',
    ],
    [
      '.a{--v:url(http://h/v.png);background:var(--v) !important;content:"\\"url(x)"}\n.b{filter:progid:DXImageTransform}',
      'stylesheet',
    ],
    ['background:url(http://h/i.png); color: blue; cursor: url(c.cur), auto', 'declarationList'],
    ['@import "a.css" screen; .x{background:url(data:image/png;base64,AAAA)} } { .broken{', 'stylesheet'],
  ];
  for (const [css, context] of samples) {
    const opts = { context, positions: true, parseValue: true, parseCustomProperty: false, onParseError: () => undefined };
    const a = full.parse(css, opts);
    const b = parse(css, opts);
    assert.deepEqual(full.toPlainObject(full.clone(a)), full.toPlainObject(full.clone(b)), `AST of ${JSON.stringify(css)}`);
    const types = (ast: typeof a, w: typeof walk) => {
      const out: string[] = [];
      w(ast, (n) => {
        out.push(n.type);
      });
      return out;
    };
    assert.deepEqual(types(b, walk), types(a, full.walk), `walk of ${JSON.stringify(css)}`);
    const toks = (t: typeof tokenize) => {
      const out: number[] = [];
      t(css, (type, start, end) => out.push(type, start, end));
      return out;
    };
    assert.deepEqual(toks(tokenize), toks(full.tokenize), `tokens of ${JSON.stringify(css)}`);
  }
  assert.equal(url.decode('url( "a b.png" )'), full.url.decode('url( "a b.png" )'));
});
