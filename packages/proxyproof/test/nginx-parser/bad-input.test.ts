/**
 * Bad input through the built CLI, as a user meets it: a clear `file:line: message`, exit code 2, no stack
 * trace, and quick (the 50 MB file is refused by size, not read).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectFacts } from '../../src/engine/collect.js';
import { discover } from '../../src/engine/discover.js';
import { runCli } from '../helpers.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pp-bad-'));
  const w = (name: string, text: string | Buffer) => writeFileSync(join(dir, name), text);
  w('unclosed.conf', 'server {\n  listen 80;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n  }\n');
  w('quote.conf', 'server {\n  listen 80;\n  return 200 "oops;\n}\n');
  w('extra-brace.conf', 'server {\n  listen 80;\n}\n}\n');
  w('a.conf', 'server {\n  listen 80;\n  include b.conf;\n}\n');
  w('b.conf', '# b\ninclude a.conf;\n');
  w('dangling.conf', 'server {\n  listen 80;\n  include missing.conf;\n}\n');
  w('binary.conf', Buffer.concat([Buffer.from('server {\n  listen 80;\n'), Buffer.from([0, 1, 2, 255, 0])]));
  w('args.conf', 'server {\n  listen 80;\n  proxy_set_header Host;\n}\n');
  mkdirSync(join(dir, 'empty'));
  // 50 MB of valid-looking config: refused by size before any read.
  const line = '    server { listen 80; server_name a.example; location / { proxy_pass http://127.0.0.1:8000; } }\n';
  const chunk = line.repeat(10_000);
  const parts = ['http {\n'];
  let size = 0;
  while (size < 50 * 1024 * 1024) {
    parts.push(chunk);
    size += chunk.length;
  }
  parts.push('}\n');
  w('big.conf', parts.join(''));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function lint(targets: string[]) {
  const r = runCli(['lint', ...targets.map((t) => join(dir, t))], { timeoutMs: 60_000 });
  const out = `${r.stdout}${r.stderr}`;
  assert.doesNotMatch(out, /\n\s+at .+:\d+:\d+\)?\n/, `stack trace:\n${out}`);
  assert.doesNotMatch(out, /TypeError|RangeError|SyntaxError:|Maximum call stack/);
  return { code: r.code, out };
}

/** Problems found while linting: each is an error diagnostic (exit 2), printed as `file:line: nginx: ...`. */
const PARSE_CASES: [string, string, RegExp][] = [
  [
    'unclosed brace',
    'unclosed.conf',
    /unclosed\.conf:5: nginx: unexpected end of file, expecting "\}" \(the "\{" on line 1 is never closed\)/,
  ],
  [
    'unterminated quote',
    'quote.conf',
    /quote\.conf:3: nginx: unexpected end of file, expecting ";" or "\}" \(the quote " opened on line 3/,
  ],
  ['unexpected "}"', 'extra-brace.conf', /extra-brace\.conf:4: nginx: unexpected "\}"/],
  ['include cycle', 'a.conf', /b\.conf:2: nginx: include cycle: .*a\.conf -> .*b\.conf -> .*a\.conf/],
  ['dangling include', 'dangling.conf', /dangling\.conf:3: nginx: include "missing\.conf": no such file or directory/],
  ['binary file', 'binary.conf', /binary\.conf:3: nginx: binary file, not an nginx config/],
  ['wrong argument count', 'args.conf', /args\.conf:3: nginx: invalid number of arguments in "proxy_set_header" directive/],
  ['50 MB file', 'big.conf', /big\.conf: nginx: file is 50\.\d MB, larger than the 16 MB limit for an nginx config; not read/],
];

describe('bad nginx input: exit 2, file:line, no stack trace', () => {
  it('each bad file alone is an error diagnostic (what makes the exit code 2)', async () => {
    for (const [name, file] of PARSE_CASES) {
      const facts = await collectFacts(discover([join(dir, file)]), {}, (abs) => readFileSync(abs));
      assert.ok(
        facts.diagnostics.some((d) => d.level === 'error' && d.message.startsWith('nginx: ')),
        `${name}: ${JSON.stringify(facts.diagnostics)}`,
      );
    }
  });

  it('through the CLI: every bad file named at once, each reported with file:line, exit 2', () => {
    const r = lint(PARSE_CASES.map(([, file]) => file));
    assert.equal(r.code, 2, r.out);
    for (const [name, , message] of PARSE_CASES) assert.match(r.out, message, name);
  });

  it('through the CLI: a binary file alone', () => {
    const r = lint(['binary.conf']);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /binary\.conf:3: nginx: binary file/);
  });

  it('through the CLI: a missing file', () => {
    const r = lint(['nope.conf']);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /nope\.conf: no such file or directory/);
  });

  it('through the CLI: a directory without configs', () => {
    const r = lint(['empty']);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /empty: found no proxy configuration, app-server, framework or deployment file to analyse/);
  });
});
