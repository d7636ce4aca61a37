/** Lexer and parser details beyond the crossplane corpus: positions, errors, contexts, encodings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  analyzeDirective,
  lex,
  MAX_TOKENS,
  type NginxDirective,
  newParseStats,
  parseNginxText,
  suggestDirective,
} from '../../src/collectors/nginx/index.js';

const parsed = (text: string, opts = {}) => parseNginxText(text, 'x.conf', opts);
const top = (text: string, opts = {}): NginxDirective[] => parsed(text, opts).config[0]?.parsed ?? [];

describe('lexer', () => {
  it('gives each token its line and column', () => {
    const { tokens } = lex('http {\n  server_name  a.example\tb.example;\n}\n');
    assert.deepEqual(
      tokens.map((t) => [t.value, t.line, t.column]),
      [
        ['http', 1, 1],
        ['{', 1, 6],
        ['server_name', 2, 3],
        ['a.example', 2, 16],
        ['b.example', 2, 26],
        [';', 2, 35],
        ['}', 3, 1],
      ],
    );
  });

  it('keeps escapes verbatim except the escaped quote inside its own quotes', () => {
    const d = top(`return 200 "a\\"b\\'c\\nd";\nreturn 200 'x\\'y\\"z';\nset $a \\;\\{\\};\n`, { context: ['http', 'server'] });
    assert.deepEqual(
      d.map((x) => x.args),
      [
        ['200', `a"b\\'c\\nd`],
        ['200', `x'y\\"z`],
        ['$a', '\\;\\{\\}'],
      ],
    );
  });

  it('reads $-brace variables as part of the token, and a backslash-newline continues a token', () => {
    const braced = '$' + '{host}.a';
    assert.deepEqual(top(`set $x ${braced};\n`, { context: ['http', 'server'] })[0]?.args, ['$x', braced]);
    const t = lex('a b\\\nc;\nd;');
    assert.deepEqual(
      t.tokens.map((x) => [x.value, x.line]),
      [
        ['a', 1],
        ['b\\\nc', 1],
        [';', 2],
        ['d', 3],
        [';', 3],
      ],
    );
  });

  it('reads CRLF files and strips a UTF-8 byte order mark', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('events {}\r\nhttp {\r\n  server { listen 80; }\r\n}\r\n'),
    ]);
    const t = parseNginxText(bytes, 'crlf.conf');
    assert.equal(t.status, 'ok', JSON.stringify(t.errors));
    assert.deepEqual(
      t.config[0]?.parsed.map((d) => [d.directive, d.line]),
      [
        ['events', 1],
        ['http', 2],
      ],
    );
    assert.equal(t.config[0]?.parsed[1]?.block?.[0]?.line, 3);
  });

  it('decodes invalid UTF-8 to U+FFFD without throwing (crossplane reads with errors=replace)', () => {
    const t = parseNginxText(
      Buffer.from([0x72, 0x65, 0x74, 0x75, 0x72, 0x6e, 0x20, 0x32, 0x30, 0x30, 0x20, 0x4d, 0xf6, 0x3b, 0x0a]),
      'l1.conf',
      {
        context: ['http', 'location'],
      },
    );
    assert.deepEqual(t.config[0]?.parsed[0]?.args, ['200', 'M\ufffd']);
  });

  it('reads a *_by_lua_block body as one raw argument, braces in Lua strings, comments and long strings included', () => {
    const d = top(
      'location / {\n  content_by_lua_block {\n    local t = { "}" , [[ } ]] } -- }\n    ngx.say(\'{\')\n  }\n  return 200;\n}\n',
      {
        context: ['http', 'server'],
      },
    );
    const block = d[0]?.block ?? [];
    assert.equal(block[0]?.directive, 'content_by_lua_block');
    assert.equal(block[0]?.args.length, 1);
    assert.match(block[0]?.args[0] ?? '', /ngx\.say\('\{'\)/);
    assert.deepEqual([block[1]?.directive, block[1]?.line], ['return', 6]);
  });

  it('reads `content_by_lua_block{` written without a space', () => {
    const d = top('location / { content_by_lua_block{ ngx.say(1) } }\n', { context: ['http', 'server'] });
    assert.deepEqual(d[0]?.block?.[0]?.args, [' ngx.say(1) ']);
  });
});

describe('parser errors (crossplane/nginx wording, file:line)', () => {
  const err = (text: string, opts = {}) => parsed(text, opts).errors.map((e) => [e.line, e.error]);

  it('unexpected "}"', () => {
    assert.deepEqual(err('events {}\n}\n'), [[2, 'unexpected "}" in x.conf:2']]);
  });
  it('unclosed brace: names the line of the unclosed "{"', () => {
    assert.deepEqual(err('http {\n  server {\n    listen 80;\n  }\n'), [
      [4, 'unexpected end of file, expecting "}" (the "{" on line 1 is never closed) in x.conf:4'],
    ]);
  });
  it('unterminated quote: names the line where it opens', () => {
    const e = err('http {\n  server {\n    return 200 "oops;\n  }\n}\n');
    assert.equal(e.length, 1);
    assert.equal(e[0]?.[0], 3);
    assert.match(
      String(e[0]?.[1]),
      /^unexpected end of file, expecting ";" or "}" \(the quote " opened on line 3 is never closed\) in x\.conf:3$/,
    );
  });
  it('end of file inside a statement', () => {
    assert.deepEqual(err('worker_processes 1'), [[1, 'unexpected end of file, expecting ";" or "}" in x.conf:1']]);
  });
  it('a syntax error fails the whole file, like crossplane: nothing parsed', () => {
    const t = parsed('events {}\nhttp {\n');
    assert.equal(t.config[0]?.status, 'failed');
    assert.deepEqual(t.config[0]?.parsed, []);
  });
  it('directive errors: arguments, flags, context, missing block, and parsing goes on', () => {
    const t = parsed(
      'events {}\nhttp {\n  sendfile maybe;\n  proxy_set_header Host;\n  listen 80;\n  upstream u;\n  server { listen 80; }\n}\n',
    );
    assert.deepEqual(
      t.errors.map((e) => [e.line, e.error.replace(/ in x\.conf:\d+$/, '')]),
      [
        [3, 'invalid value "maybe" in "sendfile" directive, it must be "on" or "off"'],
        [4, 'invalid number of arguments in "proxy_set_header" directive'],
        [5, '"listen" directive is not allowed here'],
        [6, 'directive "upstream" has no opening "{"'],
      ],
    );
    assert.deepEqual(
      t.config[0]?.parsed[1]?.block?.map((d) => d.directive),
      ['server'],
    );
  });
  it('a block where a simple directive belongs is dropped with its body', () => {
    const t = parsed('http {\n  proxy_pass x {\n    a b;\n  }\n  server {}\n}\n');
    assert.deepEqual(
      t.errors.map((e) => e.line),
      [2],
    );
    assert.deepEqual(
      t.config[0]?.parsed[0]?.block?.map((d) => d.directive),
      ['server'],
    );
  });
  it('an unknown directive ended by "}" is reported too (nginx: unexpected "}")', () => {
    const t = parsed('http {\n  server {\n    my_module_directive on\n  }\n}\n');
    assert.match(t.errors[0]?.error ?? '', /directive "my_module_directive" is not terminated by ";" in x\.conf:3/);
  });
  it('unknown directives are accepted (third-party modules)', () => {
    assert.equal(parsed('http {\n  more_set_headers "Server: x";\n}\n').status, 'ok');
  });
  it('bounds nesting depth instead of overflowing the stack', () => {
    const t = parsed(`${'a {'.repeat(5000)}${'}'.repeat(5000)}`);
    assert.equal(t.status, 'failed');
    assert.match(t.errors[0]?.error ?? '', /nested more than/);
  });
  it('a binary buffer is refused with the line of its first NUL byte', () => {
    const t = parseNginxText(Buffer.from('events {}\nhttp {\n\0\0'), 'b.conf');
    assert.deepEqual(t.errors, [
      { file: 'b.conf', line: 3, error: 'binary file, not an nginx config in b.conf:3', kind: 'read' },
    ]);
  });
});

describe('contexts', () => {
  it('guesses the context of a file: main, http, server or location level', () => {
    assert.equal(parsed('user www-data;\nevents {}\n').status, 'ok');
    assert.equal(parsed('server {\n listen 80;\n}\nupstream app { server 127.0.0.1:8000; }\n').status, 'ok');
    assert.equal(parsed('listen 443 ssl;\nlocation / { proxy_pass http://app; }\n').status, 'ok');
    assert.equal(parsed('proxy_pass http://app;\nalias /srv;\n').status, 'ok');
  });
  it('keeps the given context and reports what nginx would', () => {
    const t = parsed('listen 80;\n', { context: [] });
    assert.match(t.errors[0]?.error ?? '', /"listen" directive is not allowed here/);
  });
  it('nested locations and if blocks get the location and if contexts', () => {
    const ok = parsed('server {\n location / {\n  location /a {\n   if ($x) { proxy_pass http://a; return 403; }\n  }\n }\n}\n');
    assert.equal(ok.status, 'ok', JSON.stringify(ok.errors));
    const bad = parsed('server {\n location / {\n  if ($x) { proxy_set_header A b; }\n }\n}\n');
    assert.match(bad.errors[0]?.error ?? '', /"proxy_set_header" directive is not allowed here in x\.conf:3/);
  });
  it('strips the parentheses of if conditions (crossplane tree)', () => {
    const d = top('server {\n if ($request_method = POST) { return 405; }\n if ( $a ) {}\n}\n');
    assert.deepEqual(
      d[0]?.block?.map((x) => x.args),
      [['$request_method', '=', 'POST'], ['$a']],
    );
  });
  it('does not analyse the bodies of map, geo and types', () => {
    assert.equal(
      parsed('map $a $b {\n default 0;\n ~x 1;\n}\ngeo $g {\n 10.0.0.0/8 1;\n}\ntypes { text/html html; }\n').status,
      'ok',
    );
  });
  it('analyzeDirective mirrors nginx argument masks', () => {
    assert.equal(analyzeDirective('keepalive_timeout', ['5', '5'], ';', ['http']), undefined);
    assert.equal(
      analyzeDirective('keepalive_timeout', ['5', '5'], ';', ['http', 'upstream'])?.reason,
      'invalid number of arguments in "keepalive_timeout" directive',
    );
    assert.equal(
      analyzeDirective('return', [], ';', ['http', 'server'])?.reason,
      'invalid number of arguments in "return" directive',
    );
    assert.equal(analyzeDirective('server', ['127.0.0.1:8000', 'weight=2', 'max_fails=3'], ';', ['http', 'upstream']), undefined);
  });
});

describe('suggestDirective', () => {
  it('suggests a known directive one edit away, and nothing for far or short names', () => {
    assert.equal(suggestDirective('proxy_passs'), 'proxy_pass');
    assert.equal(suggestDirective('porxy_pass'), 'proxy_pass');
    assert.equal(suggestDirective('proxy_pas'), 'proxy_pass');
    assert.equal(suggestDirective('proxy_set_headr'), 'proxy_set_header');
    assert.equal(suggestDirective('proxy_pass'), undefined);
    assert.equal(suggestDirective('more_set_headers'), undefined);
    assert.equal(suggestDirective('lisen'), undefined);
  });
});

describe('size limits', () => {
  it('stops lexing past MAX_TOKENS with a clear error instead of holding gigabytes', () => {
    const stats = newParseStats();
    const text = 'a;'.repeat(MAX_TOKENS / 2 + 10);
    const t = parseNginxText(text, 'many.conf', { stats });
    assert.equal(t.status, 'failed');
    assert.match(t.errors[0]?.error ?? '', /^more than 3,000,000 tokens: too big to lint as one nginx config in many\.conf:1$/);
    assert.equal(t.errors[0]?.kind, 'limit');
    // The work is bounded by the limit, not by the input: the lexer stops at the limit, the parser never runs.
    assert.equal(stats.passes, 1);
    assert.ok(stats.lexSteps <= MAX_TOKENS + 2, `lexer visited ${stats.lexSteps} characters`);
    assert.ok(stats.lexSteps < text.length);
    assert.equal(stats.parseSteps, 0);
    assert.equal(stats.nodes, 0);
  });
});

describe('shared argument lists', () => {
  // Directives that write the same one or two words share one frozen list (the tree of a 10,000-server config repeats
  // `listen 80` and `proxy_set_header Host $host` in every server); anything else has its own.
  const conf = [
    'http {',
    '  server { listen 80; server_name a.example www.a.example; location / { proxy_set_header Host $host; } }',
    '  server { listen 80; server_name b.example www.b.example; location / { proxy_set_header Host $http_host; } }',
    '  server { listen 80; location / { proxy_set_header Host $host; if ($x) { return 404; } } }',
    '  server { listen 80 default_server reuseport; }',
    '  server { listen 80 default_server reuseport; }',
    '}',
  ].join('\n');
  const servers = (top(conf)[0]?.block ?? []).filter((d) => d.directive === 'server');
  const at = (s: number, name: string): NginxDirective => {
    const d = servers[s]?.block?.find((x) => x.directive === name);
    assert.ok(d, `server ${s} has ${name}`);
    return d;
  };
  const inLocation = (s: number, name: string): NginxDirective => {
    const d = at(s, 'location').block?.find((x) => x.directive === name);
    assert.ok(d, `server ${s}'s location has ${name}`);
    return d;
  };
  const cases: { name: string; a: () => NginxDirective; b: () => NginxDirective; shared: boolean }[] = [
    { name: 'one word, the same', a: () => at(0, 'listen'), b: () => at(2, 'listen'), shared: true },
    {
      name: 'two words, the same',
      a: () => inLocation(0, 'proxy_set_header'),
      b: () => inLocation(2, 'proxy_set_header'),
      shared: true,
    },
    {
      name: 'trap: two words, the first the same',
      a: () => inLocation(0, 'proxy_set_header'),
      b: () => inLocation(1, 'proxy_set_header'),
      shared: false,
    },
    { name: 'trap: two words, both different', a: () => at(0, 'server_name'), b: () => at(1, 'server_name'), shared: false },
    { name: 'three words: each its own', a: () => at(3, 'listen'), b: () => at(4, 'listen'), shared: false },
    {
      name: 'no words, different names',
      a: () => servers[0] as NginxDirective,
      b: () => top(conf)[0] as NginxDirective,
      shared: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = c.a();
      const b = c.b();
      assert.notEqual(a, b);
      assert.equal(a.args === b.args, c.shared);
      if (c.shared) assert.ok(Object.isFrozen(a.args), 'a shared list cannot be written through one directive');
    });
  }
  it('keeps the words of every directive (the values are unchanged)', () => {
    assert.deepEqual(inLocation(1, 'proxy_set_header').args, ['Host', '$http_host']);
    assert.deepEqual(at(3, 'listen').args, ['80', 'default_server', 'reuseport']);
    assert.deepEqual(at(1, 'server_name').args, ['b.example', 'www.b.example']);
  });
  it('trap: `if` arguments are rewritten in place, so never shared', () => {
    const ifs = top('location / { if ($a) { return 404; } if ($a) { return 404; } }')[0]?.block?.filter(
      (d) => d.directive === 'if',
    );
    assert.equal(ifs?.length, 2);
    assert.deepEqual(ifs?.[0]?.args, ['$a']);
    assert.notEqual(ifs?.[0]?.args, ifs?.[1]?.args);
    assert.ok(!Object.isFrozen(ifs?.[0]?.args));
  });
});
