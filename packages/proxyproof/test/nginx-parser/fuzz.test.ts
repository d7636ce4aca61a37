/**
 * Fuzz: mutated corpus files (byte flips, truncation, duplicated or dropped braces and quotes, inserted
 * backslashes, comments and Lua block names) never make the parser throw or hang. Fixed seed, bounded count
 * and time, so a failure is reproducible: the failing case prints its seed index and bytes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseNginxText } from '../../src/collectors/nginx/index.js';
import { SHARED } from '../helpers.js';
import { seededRandom } from '../seeded-random.js';

const CASES = 2000;
const BUDGET_MS = 10_000;
const PER_CALL_MS = 500;

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

describe('parser fuzz', () => {
  it(`never throws or hangs on ${CASES} mutated corpus files`, () => {
    const sources = corpusFiles(join(SHARED, 'corpus/nginx'));
    assert.ok(sources.length > 50);
    const r = rng(0x5eed);
    const started = Date.now();
    let done = 0;
    let failed = 0;
    let slowest = 0;
    for (let k = 0; k < CASES && Date.now() - started < BUDGET_MS; k++) {
      const input = mutate(sources[Math.floor(r() * sources.length)] as Buffer, r);
      const t0 = performance.now();
      let tree: ReturnType<typeof parseNginxText>;
      try {
        tree = parseNginxText(input, 'fuzz.conf');
      } catch (e) {
        assert.fail(`case ${k} threw ${(e as Error).stack}\ninput: ${JSON.stringify(input.toString('latin1'))}`);
      }
      let ms = performance.now() - t0;
      // A pause of the shared machine (GC, scheduling) is not the parser: re-time a slow case, keep the best.
      for (let retry = 0; retry < 3 && ms >= PER_CALL_MS; retry++) {
        const t1 = performance.now();
        parseNginxText(input, 'fuzz.conf');
        ms = Math.min(ms, performance.now() - t1);
      }
      slowest = Math.max(slowest, ms);
      assert.ok(ms < PER_CALL_MS, `case ${k} took ${ms.toFixed(0)} ms`);
      assert.ok(tree.status === 'ok' || tree.status === 'failed');
      assert.equal(tree.status === 'failed', tree.errors.length > 0);
      for (const e of tree.errors) {
        assert.equal(e.file, 'fuzz.conf');
        assert.ok(e.line === null || (Number.isInteger(e.line) && e.line >= 1), `case ${k}: bad line ${e.line}`);
        assert.ok(e.error.length > 0);
      }
      if (tree.status === 'failed') failed++;
      done++;
    }
    // Bounded by count and by time; on a loaded 2-core machine at least a quarter must run.
    assert.ok(done >= CASES / 4, `only ${done} cases in ${BUDGET_MS} ms (slowest ${slowest.toFixed(0)} ms)`);
    assert.ok(failed > 0 && failed < done, `mutations should break some files but not all (${failed}/${done})`);
  });

  it('parses pathological shapes quickly: many braces, a huge token, many statements', () => {
    for (const text of [
      '{'.repeat(100_000),
      '}'.repeat(100_000),
      'a'.repeat(2_000_000),
      'a;'.repeat(300_000),
      '"'.repeat(100_001),
      '${'.repeat(50_000),
      '#'.repeat(1_000_000),
    ]) {
      let best = Number.POSITIVE_INFINITY;
      let tree = parseNginxText('', 'p.conf');
      // Best of up to three: a pause of the shared machine is not the parser.
      for (let k = 0; k < 3 && best >= 2000; k++) {
        const t0 = performance.now();
        tree = parseNginxText(text, 'p.conf');
        best = Math.min(best, performance.now() - t0);
      }
      assert.ok(best < 2000, `slow on ${JSON.stringify(text.slice(0, 10))}: ${best.toFixed(0)} ms`);
      assert.ok(tree.status === 'ok' || tree.errors.length > 0);
    }
  });
});
