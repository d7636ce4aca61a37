/**
 * Output caps: text shows at most MAX_TEXT_PER_CHECK findings per check and one line with the rest's count
 * (`--all` shows everything), and so does HTML; JSON is always complete, and written in pieces with the same bytes as one string.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Diagnostic, Finding } from '../../src/model/finding.js';
import { htmlRenderer } from '../../src/render/html.js';
import { BATCH, jsonRenderer } from '../../src/render/json.js';
import { MAX_TEXT_PER_CHECK, textRenderer } from '../../src/render/text.js';
import type { Report } from '../../src/render/types.js';

function finding(id: string, i: number): Finding {
  return {
    id,
    severity: 'high',
    title: `title of ${id}`,
    message: `occurrence ${i} of ${id}`,
    evidence: [{ file: 'big.conf', line: i + 1 }],
    why: 'because',
    references: [],
    docs: `docs/checks/${id}.md`,
    fix: { description: 'add it', file: 'big.conf', line: i + 1, lines: ['x;'], placement: 'after' },
  } as Finding;
}

function report(perCheck: Record<string, number>, diagnostics = 0): Report {
  const findings: Finding[] = [];
  for (const [id, n] of Object.entries(perCheck)) for (let i = 0; i < n; i++) findings.push(finding(id, i));
  const diags: Diagnostic[] = Array.from({ length: diagnostics }, (_, i) => ({
    level: 'warning',
    message: `w${i}`,
    file: 'big.conf',
    line: i + 1,
  }));
  return { command: 'lint', inputs: ['big.conf'], findings, diagnostics: diags, data: { extra: { nested: [1, { a: 'b' }] } } };
}

const textOf = (r: Report, all = false) => textRenderer.render(r, { color: false, quiet: false, all });
const occurrences = (text: string, id: string) =>
  text.split('\n').filter((l) => l.includes(`occurrence `) && l.includes(` of ${id}`)).length;

describe('text output caps', () => {
  it('12,020 findings of one check: the first 20, then "and 12,000 more like this"', () => {
    const text = textOf(report({ 'nginx/forwarded-proto-missing': 12_020, 'django/other': 3 }));
    assert.equal(MAX_TEXT_PER_CHECK, 20);
    assert.equal(occurrences(text, 'nginx/forwarded-proto-missing'), 20);
    assert.equal(occurrences(text, 'django/other'), 3);
    assert.match(text, /\.\.\. and 12,000 more like this \(nginx\/forwarded-proto-missing\); --all to show/);
    assert.doesNotMatch(text, /more like this \(django\/other\)/);
    // the closing count is of every finding, shown or not
    assert.match(text, /12023 findings \(12023 high\)\n$/);
    assert.ok(text.split('\n').length < 400, `${text.split('\n').length} lines`);
  });

  it('--all shows every finding, with no summary line', () => {
    const text = textOf(report({ 'nginx/forwarded-proto-missing': 150 }), true);
    assert.equal(occurrences(text, 'nginx/forwarded-proto-missing'), 150);
    assert.doesNotMatch(text, /more like this/);
  });

  it('exactly the cap: no summary line', () => {
    const text = textOf(report({ 'a/b': MAX_TEXT_PER_CHECK }));
    assert.equal(occurrences(text, 'a/b'), MAX_TEXT_PER_CHECK);
    assert.doesNotMatch(text, /more like this/);
  });

  it('diagnostics are capped per level the same way', () => {
    const text = textOf(report({}, 5000));
    assert.equal(text.split('\n').filter((l) => /^warning: big\.conf:\d+: w\d+$/.test(l)).length, 20);
    assert.match(text, /\.\.\. and 4,980 more like this \(warning diagnostics\); --all to show/);
  });

  it('write() gives the same text as render()', () => {
    const r = report({ 'a/b': 30, 'c/d': 2 }, 25);
    let out = '';
    textRenderer.write?.(r, { color: false, quiet: false }, (s) => {
      out += s;
    });
    assert.equal(out, textOf(r));
  });
});

describe('JSON output', () => {
  for (const [name, r] of [
    ['12,000 findings and diagnostics', report({ 'nginx/forwarded-proto-missing': 12_000, 'x/y': 2 }, 30)],
    ['no findings, no diagnostics', report({})],
    ['one finding', report({ 'a/b': 1 })],
    ['129 findings', report({ 'a/b': 129 }, 1)],
  ] as const) {
    it(`is complete and write() gives the bytes of one JSON.stringify: ${name}`, () => {
      const chunks: string[] = [];
      jsonRenderer.write?.(r, { color: false, quiet: false }, (s) => chunks.push(s));
      const whole = jsonRenderer.render(r, { color: false, quiet: false });
      assert.equal(chunks.join(''), whole);
      const doc = JSON.parse(whole);
      assert.equal(doc.findings.length, r.findings.length);
      assert.equal(doc.diagnostics.length, r.diagnostics.length);
      // written in pieces: a piece is a few findings (json.ts BATCH), or a value of a few hundred nodes (WHOLE_NODES), never the
      // whole findings or diagnostics list
      const biggest = chunks.reduce((m, c) => Math.max(m, c.length), 0);
      assert.ok(biggest < 16_000, `largest piece ${biggest} characters`);
    });
  }

  it('a nested payload (a doctor topology of 3,000 hops) is written in pieces with the bytes of one JSON.stringify', () => {
    class Named {
      toJSON() {
        return { named: true };
      }
    }
    const hop = (i: number) => ({
      id: `nginx:${i}`,
      gone: undefined,
      fn: () => 1,
      names: [`site${i}.test`, undefined, () => 2],
      listeners: [],
      empty: {},
      when: new Date(0),
      map: new Map([['a', 1]]),
      named: new Named(),
      nothing: null,
      routes: [{ id: `s${i}:1`, headers: [{ name: 'Host', value: '{host}', ref: { file: 'a.conf', line: i } }] }],
    });
    const r: Report = {
      command: 'doctor',
      inputs: ['a.conf'],
      findings: [],
      diagnostics: [],
      data: {
        doctor: {
          schemaVersion: 1,
          gone: undefined,
          topology: { proxies: Array.from({ length: 3000 }, (_, i) => hop(i)), apps: [], notes: [] },
          plan: { steps: [], nested: { deeper: { deepest: [[], {}, [1, [2, [3]]]] } } },
        },
        alone: new Named(),
        list: [undefined, 1],
      },
    };
    const chunks: string[] = [];
    jsonRenderer.write?.(r, { color: false, quiet: false }, (s) => chunks.push(s));
    assert.equal(chunks.join(''), jsonRenderer.render(r, { color: false, quiet: false }));
    // A piece is at most BATCH hops (each well under 1,000 characters), never the topology.
    const biggest = chunks.reduce((m, c) => Math.max(m, c.length), 0);
    assert.ok(biggest < BATCH * 1000, `largest piece ${biggest} characters`);
  });
});

describe('JSON output: whole values and pieces', () => {
  const pieces = (r: Report): string[] => {
    const chunks: string[] = [];
    jsonRenderer.write?.(r, { color: false, quiet: false }, (s) => chunks.push(s));
    assert.equal(chunks.join(''), jsonRenderer.render(r, { color: false, quiet: false }));
    return chunks;
  };
  it('findings of ordinary size are written BATCH to a piece (one JSON.stringify per few findings, not one per member)', () => {
    const r = report({ 'a/b': 600 });
    const chunks = pieces(r);
    const one = (f: Finding) => JSON.stringify(f, null, 2).split('\n').join('\n    ');
    const first = r.findings.slice(0, BATCH).map(one).join(',\n    ');
    assert.ok(chunks.includes(first), 'the first BATCH findings are written as one piece');
    assert.ok(!chunks.includes(one(r.findings[0] as Finding)), 'not one piece per finding');
  });
  it('an array mixing whole items with others (toJSON, undefined, a function, numbers, a big item) keeps the bytes', () => {
    // (A toJSON that depends on its key is not written the same by write(): it is called with the key "0" in its
    // own piece, before this change too. No report value has one; Date's ignores it.)
    class Named {
      toJSON() {
        return { named: true };
      }
    }
    const big = { rows: Array.from({ length: 600 }, (_, i) => ({ i })) };
    const items = [{ a: 1 }, { b: [1, 2] }, new Named(), undefined, { c: 'x' }, () => 1, 3, 'text', big, [], {}, [{ d: null }]];
    for (let n = 1; n <= items.length; n++) {
      const r: Report = {
        command: 'lint',
        inputs: [],
        findings: [],
        diagnostics: [],
        data: { list: items.slice(0, n), nested: { deep: items.slice(n - 1) } },
      };
      pieces(r);
    }
  });
  it('a finding with thousands of evidence entries is still written in pieces (no one string of the whole)', () => {
    const r = report({ 'a/b': 2 });
    const big = r.findings[0] as Finding;
    big.evidence = Array.from({ length: 5000 }, (_, i) => ({ file: 'big.conf', line: i + 1, snippet: `line ${i}` }));
    const chunks = pieces(r);
    const biggest = chunks.reduce((m, c) => Math.max(m, c.length), 0);
    assert.ok(biggest < 2000, `largest piece ${biggest} characters`);
  });
  it('a report of a few findings is written whole, with the same bytes', () => {
    const chunks = pieces(report({ 'a/b': 1 }));
    assert.equal(chunks.filter((c) => c.trim()).length, 1);
  });
});

describe('HTML output caps', () => {
  const htmlOf = (r: Report, all = false) => htmlRenderer.render(r, { color: false, quiet: false, all });
  const shownOf = (html: string, id: string) => html.split(`of ${id}<`).length - 1;

  it('12,020 findings of one check: the first 20, then "and 12,000 more like this"; the heading counts all', () => {
    const html = htmlOf(report({ 'nginx/forwarded-proto-missing': 12_020, 'django/other': 3 }));
    assert.equal(shownOf(html, 'nginx/forwarded-proto-missing'), MAX_TEXT_PER_CHECK);
    assert.equal(shownOf(html, 'django/other'), 3);
    assert.match(html, /\.\.\. and 12,000 more like this \(nginx\/forwarded-proto-missing\); --all to show/);
    assert.doesNotMatch(html, /more like this \(django\/other\)/);
    assert.match(html, /Findings \(12023\)/);
  });

  it('--all shows every finding, with no summary line', () => {
    const html = htmlOf(report({ 'nginx/forwarded-proto-missing': 150 }), true);
    assert.equal(shownOf(html, 'nginx/forwarded-proto-missing'), 150);
    assert.doesNotMatch(html, /more like this/);
  });

  it('exactly the cap: no summary line', () => {
    const html = htmlOf(report({ 'a/b': MAX_TEXT_PER_CHECK }));
    assert.equal(shownOf(html, 'a/b'), MAX_TEXT_PER_CHECK);
    assert.doesNotMatch(html, /more like this/);
  });
});
