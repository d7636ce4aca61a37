/**
 * fix/diff.ts applyChanges: one pass from the top, the same lines as splicing each change from the bottom up
 * (the way it was written before, quadratic on 11,000 edits of a 300,000-line file). Named cases and seeded
 * random sets of non-overlapping changes, with ties (two insertions at one line, an insertion and a replacement
 * at one line) and changes at the end of the file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChanges, type LineChange } from '../../src/fix/diff.js';

/** The reference: splice from the bottom up, the later of two changes at one line first. */
function bySplicing(lines: string[], changes: LineChange[]): string[] {
  const sorted = [...changes].sort((a, b) => b.oldStart - a.oldStart || b.oldLen - a.oldLen);
  const out = [...lines];
  for (const c of sorted) out.splice(c.oldStart, c.oldLen, ...c.newLines);
  return out;
}

const file = (n: number) => Array.from({ length: n }, (_, i) => `l${i}`);

describe('applyChanges', () => {
  const named: Array<{ name: string; n: number; changes: LineChange[]; expect: string[] }> = [
    { name: 'no change', n: 3, changes: [], expect: ['l0', 'l1', 'l2'] },
    { name: 'insert at the top', n: 2, changes: [{ oldStart: 0, oldLen: 0, newLines: ['X'] }], expect: ['X', 'l0', 'l1'] },
    { name: 'append at the end', n: 2, changes: [{ oldStart: 2, oldLen: 0, newLines: ['X'] }], expect: ['l0', 'l1', 'X'] },
    {
      name: 'replace two lines with one',
      n: 4,
      changes: [{ oldStart: 1, oldLen: 2, newLines: ['R'] }],
      expect: ['l0', 'R', 'l3'],
    },
    {
      name: 'trap: two insertions at one line, the one given last comes first',
      n: 2,
      changes: [
        { oldStart: 1, oldLen: 0, newLines: ['A'] },
        { oldStart: 1, oldLen: 0, newLines: ['B'] },
      ],
      expect: ['l0', 'B', 'A', 'l1'],
    },
    {
      name: 'trap: an insertion and a replacement at one line, the insertion first whatever the order given',
      n: 3,
      changes: [
        { oldStart: 1, oldLen: 1, newLines: ['R'] },
        { oldStart: 1, oldLen: 0, newLines: ['I'] },
      ],
      expect: ['l0', 'I', 'R', 'l2'],
    },
    {
      name: 'unsorted changes far apart',
      n: 6,
      changes: [
        { oldStart: 5, oldLen: 1, newLines: ['five'] },
        { oldStart: 0, oldLen: 0, newLines: ['top'] },
        { oldStart: 3, oldLen: 0, newLines: [] },
      ],
      expect: ['top', 'l0', 'l1', 'l2', 'l3', 'l4', 'five'],
    },
  ];
  for (const c of named)
    it(c.name, () => {
      assert.deepEqual(applyChanges(file(c.n), c.changes), c.expect);
      assert.deepEqual(applyChanges(file(c.n), c.changes), bySplicing(file(c.n), c.changes));
    });

  it('seeded random sets of non-overlapping changes give the splicing result', () => {
    let seed = 7;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % k;
    };
    for (let round = 0; round < 300; round++) {
      const n = rnd(40);
      const changes: LineChange[] = [];
      for (let at = 0; at <= n; ) {
        for (let k = rnd(4) === 0 ? 1 + rnd(2) : 0; k > 0; k--)
          changes.push({ oldStart: at, oldLen: 0, newLines: [`i${at}.${k}`, `j${at}.${k}`].slice(0, 1 + rnd(2)) });
        if (at < n && rnd(5) === 0) {
          const len = 1 + rnd(Math.min(3, n - at));
          changes.push({ oldStart: at, oldLen: len, newLines: Array.from({ length: rnd(3) }, (_, i) => `r${at}.${i}`) });
          at += len;
        } else at++;
      }
      for (let i = changes.length - 1; i > 0; i--) {
        const j = rnd(i + 1);
        [changes[i], changes[j]] = [changes[j] as LineChange, changes[i] as LineChange];
      }
      assert.deepEqual(applyChanges(file(n), changes), bySplicing(file(n), changes), JSON.stringify(changes));
    }
  });
});
