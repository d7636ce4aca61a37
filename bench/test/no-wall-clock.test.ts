// The suite asserts no wall-clock time: a clock reading compared with a constant fails the suite (bench/
// scripts measure time on purpose and are not scanned). Bounds on work are counts (tokens, steps, bytes,
// requests); a deadline in a polling loop (compared with a variable) is a safety net and allowed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain .mjs script without types
import { findClockAssertions, scanTestRoots } from '../../scripts/wall-clock-guard.mjs';

const root = new URL('../..', import.meta.url).pathname;
const find = findClockAssertions as (text: string) => { line: number; text: string }[];

describe('no wall-clock assertion in the suite', () => {
  it('finds none in packages/*/test, lab/test and bench/test', () => {
    const hits = (scanTestRoots as (root: string) => string[])(root);
    assert.deepEqual(hits, [], `tests compare a clock with a constant (bound the work with a count instead):\n${hits.join('\n')}`);
  });

  const flagged: [string, string][] = [
    ['elapsed in an assertion', 'const t0 = Date.now();\nrun();\nassert.ok(Date.now() - t0 < 10_000);'],
    ['performance.now difference', 'const t0 = performance.now();\nassert.ok(performance.now() - t0 < 5000);'],
    ['a variable computed from the clock', 'const t0 = performance.now();\nconst ms = performance.now() - t0;\nassert.ok(ms < 20, `${ms}`);'],
    ['a derived variable, two steps', 'let s = Date.now();\nconst took = Date.now() - s;\nconst secs = took / 1000;\nif (secs > 3) throw new Error("slow");'],
    ['a named constant', 'const t0 = Date.now();\nfor (let k = 0; k < N && Date.now() - t0 < BUDGET_MS; k++) {}'],
    ['the constant on the left', 'const t0 = Date.now();\nassert.ok(5000 > Date.now() - t0);'],
    ['hrtime', 'const t = process.hrtime.bigint();\nassert.ok(process.hrtime.bigint() - t < 1000000n);'],
    ['Math.max of clock readings', 'let worst = 0;\nconst t0 = performance.now();\nworst = Math.max(worst, performance.now() - t0);\nassert.ok(worst < 50);'],
    ['a product of constants', 'const t0 = Date.now();\nassert.ok(Date.now() - t0 < 30 * 1000);'],
  ];
  for (const [name, code] of flagged) {
    it(`flags: ${name}`, () => {
      assert.ok(find(code).length >= 1, code);
    });
  }

  const allowed: [string, string][] = [
    ['a polling deadline (a variable)', 'const deadline = Date.now() + 30000;\nwhile (!ready() && Date.now() < deadline) await tick();'],
    ['a counter bound', 'const stats = newParseStats();\nassert.ok(stats.parseSteps <= 2 * stats.tokens);'],
    ['the clock inside a string', "assert.ok(x < 5, 'Date.now() - t0 < 10');"],
    ['the clock in a comment', '// assert.ok(Date.now() - t0 < 10)\nassert.ok(count < 10);'],
    ['a regex holding quotes', 'assert.match(out, /unexpected "}"/);\nassert.ok(n < 3);'],
    ['a timeout handed to a timer', 'const t = setTimeout(() => p.kill(), 3000);'],
    ['an arrow function', 'const f = (a) => a < 3;'],
  ];
  for (const [name, code] of allowed) {
    it(`allows: ${name}`, () => {
      assert.deepEqual(find(code), [], code);
    });
  }
});
