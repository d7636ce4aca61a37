/**
 * Fuzz: mutated corpus files (byte flips, truncation, duplicated or dropped braces and quotes, inserted
 * backslashes, comments and Lua block names) never make the parser throw or hang. Fixed seed and count, work
 * bounded by counters (never by a clock), so a failure is reproducible: the failing case prints its seed index and bytes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { newParseStats, type ParseStats, parseNginxText } from '../../src/collectors/nginx/index.js';
import { SHARED } from '../helpers.js';
import { seededRandom } from '../seeded-random.js';

const CASES = 2000;

function corpusFiles(dir: string, out: Buffer[] = []): Buffer[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) corpusFiles(p, out);
    else if (!name.endsWith('.json') && !name.endsWith('.md')) out.push(readFileSync(p));
  }
  return out;
}

const rng = seededRandom;

const SPECIALS = [
  '{',
  '}',
  ';',
  '"',
  "'",
  '\\',
  '#',
  '$',
  '${',
  '\n',
  ' ',
  '(',
  ')',
  'content_by_lua_block {',
  'include x;',
  '\u00e9',
  '\r',
];

function mutate(src: Buffer, r: () => number): Buffer {
  let b = Buffer.from(src);
  const steps = 1 + Math.floor(r() * 4);
  for (let s = 0; s < steps; s++) {
    const at = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 7)) {
      case 0: // flip a byte
        if (b.length) b[Math.min(at, b.length - 1)] ^= 1 << Math.floor(r() * 8);
        break;
      case 1: // truncate
        b = b.subarray(0, at);
        break;
      case 2: {
        // duplicate a brace or quote run
        const ch = ['{', '}', '"', "'"][Math.floor(r() * 4)] as string;
        b = Buffer.concat([b.subarray(0, at), Buffer.from(ch.repeat(1 + Math.floor(r() * 3))), b.subarray(at)]);
        break;
      }
      case 3: // insert a special token
        b = Buffer.concat([
          b.subarray(0, at),
          Buffer.from(SPECIALS[Math.floor(r() * SPECIALS.length)] as string),
          b.subarray(at),
        ]);
        break;
      case 4: // drop a span
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(r() * 20)))]);
        break;
      case 5: // random high bytes (invalid UTF-8)
        b = Buffer.concat([b.subarray(0, at), Buffer.from([0x80 + Math.floor(r() * 0x7f), 0xc3]), b.subarray(at)]);
        break;
      default: // repeat a slice (deep nesting, long lines)
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 40), b.subarray(at, at + 40), b.subarray(at)]);
    }
  }
  return b;
}

/**
 * The parser's work, counted: the lexer visits each character about once per pass, the parser's loops take one
 * token per iteration (a brace check, then statements and arguments), and the entry is parsed at most five
 * times (the guessed block context). A super-linear path would break these bounds on the inputs below whatever
 * the machine's load; a clock would not tell them apart from a busy machine.
 */
function assertLinearWork(stats: ParseStats, label: string): void {
  assert.ok(stats.passes >= 1 && stats.passes <= 5, `${label}: ${stats.passes} passes`);
  assert.ok(
    stats.lexSteps <= 2 * stats.chars + 8 * stats.passes,
    `${label}: lexer ${stats.lexSteps} steps for ${stats.chars} characters`,
  );
  assert.ok(stats.tokens <= stats.chars + stats.passes, `${label}: ${stats.tokens} tokens for ${stats.chars} characters`);
  assert.ok(stats.parseSteps <= 2 * stats.tokens, `${label}: parser ${stats.parseSteps} steps for ${stats.tokens} tokens`);
  assert.ok(stats.nodes <= stats.tokens, `${label}: ${stats.nodes} directives for ${stats.tokens} tokens`);
}

describe('parser fuzz', () => {
  it(`never throws, and does linear work, on ${CASES} mutated corpus files`, () => {
    const sources = corpusFiles(join(SHARED, 'corpus/nginx'));
    assert.ok(sources.length > 50);
    const r = rng(0x5eed);
    let failed = 0;
    for (let k = 0; k < CASES; k++) {
      const input = mutate(sources[Math.floor(r() * sources.length)] as Buffer, r);
      const stats = newParseStats();
      let tree: ReturnType<typeof parseNginxText>;
      try {
        tree = parseNginxText(input, 'fuzz.conf', { stats });
      } catch (e) {
        assert.fail(`case ${k} threw ${(e as Error).stack}\ninput: ${JSON.stringify(input.toString('latin1'))}`);
      }
      if (tree.errors[0]?.kind !== 'read') assertLinearWork(stats, `case ${k}`);
      assert.ok(tree.status === 'ok' || tree.status === 'failed');
      assert.equal(tree.status === 'failed', tree.errors.length > 0);
      for (const e of tree.errors) {
        assert.equal(e.file, 'fuzz.conf');
        assert.ok(e.line === null || (Number.isInteger(e.line) && e.line >= 1), `case ${k}: bad line ${e.line}`);
        assert.ok(e.error.length > 0);
      }
      if (tree.status === 'failed') failed++;
    }
    assert.ok(failed > 0 && failed < CASES, `mutations should break some files but not all (${failed}/${CASES})`);
  });

  it('does linear work on pathological shapes: many braces, a huge token, many statements', () => {
    for (const text of [
      '{'.repeat(100_000),
      '}'.repeat(100_000),
      'a'.repeat(2_000_000),
      'a;'.repeat(300_000),
      '"'.repeat(100_001),
      '${'.repeat(50_000),
      '#'.repeat(1_000_000),
      'content_by_lua_block { [=['.repeat(20_000),
      'a {'.repeat(150).concat('}'.repeat(150)),
      'a {'.repeat(300).concat('}'.repeat(300)),
    ]) {
      const stats = newParseStats();
      const tree = parseNginxText(text, 'p.conf', { stats });
      const label = JSON.stringify(text.slice(0, 10));
      assertLinearWork(stats, label);
      assert.equal(stats.chars, text.length * stats.passes, label);
      assert.ok(tree.status === 'ok' || tree.errors.length > 0);
    }
  });

  it('stops nesting at MAX_NESTING with a limit error', () => {
    const tree = parseNginxText('a {'.repeat(300).concat('}'.repeat(300)), 'deep.conf');
    assert.equal(tree.errors[0]?.kind, 'limit');
    assert.match(tree.errors[0]?.error ?? '', /blocks nested more than 200 deep/);
  });
});
