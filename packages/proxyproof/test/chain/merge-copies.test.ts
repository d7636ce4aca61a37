/**
 * mergeRootCauses folds a layer finding into an earlier headline that says the same thing at the same place with
 * the same fix (one server launched by one line in several alternative compose stacks). The earlier headlines are
 * found through an index (chain/refine.ts pushCopies) instead of a scan of every earlier finding; these cases pin
 * what the scan decided: which findings fold, into which headline, and in what order the rest stay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeRootCauses } from '../../src/chain/refine.js';
import type { Evidence, Finding } from '../../src/model/finding.js';

function finding(id: string, evidence: Evidence[], extra: Partial<Finding> = {}): Finding {
  return {
    id,
    severity: 'medium',
    title: id,
    message: `${id} here`,
    evidence,
    why: '',
    references: [],
    docs: '',
    ...extra,
  };
}
const ev = (file: string, line: number, note?: string): Evidence => ({ file, line, ...(note ? { note } : {}) });
const fix = (line: number) => ({ description: 'bind to 127.0.0.1', file: 'app.conf', line, lines: ['x'] });

describe('mergeRootCauses: copies of one layer finding', () => {
  const cases: { name: string; layer: Finding[]; want: { id: string; evidence: string[]; merged?: number }[] }[] = [
    {
      name: 'valid: the same finding at the same line with the same fix folds into the first, keeping new evidence',
      layer: [
        finding('deploy/a', [ev('run.sh', 3), ev('compose.yml', 1)], { fix: fix(3) }),
        finding('deploy/a', [ev('run.sh', 3), ev('compose.prod.yml', 1)], { fix: fix(3) }),
        finding('deploy/a', [ev('run.sh', 3), ev('compose.yml', 1)], { fix: fix(3) }),
      ],
      want: [{ id: 'deploy/a', evidence: ['run.sh:3', 'compose.yml:1', 'compose.prod.yml:1'], merged: 3 }],
    },
    {
      name: 'invalid: another fix, message, severity or line stays its own finding, in input order',
      layer: [
        finding('deploy/a', [ev('run.sh', 3)], { fix: fix(3) }),
        finding('deploy/a', [ev('run.sh', 3)], { fix: { ...fix(4), description: 'other' } }),
        finding('deploy/a', [ev('run.sh', 3)], { fix: fix(3), message: 'other text' }),
        finding('deploy/a', [ev('run.sh', 3)], { fix: fix(3), severity: 'high' }),
        finding('deploy/a', [ev('run.sh', 4)], { fix: fix(3) }),
        finding('deploy/b', [ev('run.sh', 3)], { fix: fix(3) }),
      ],
      want: [
        { id: 'deploy/a', evidence: ['run.sh:3'] },
        { id: 'deploy/a', evidence: ['run.sh:3'] },
        { id: 'deploy/a', evidence: ['run.sh:3'] },
        { id: 'deploy/a', evidence: ['run.sh:3'] },
        { id: 'deploy/a', evidence: ['run.sh:4'] },
        { id: 'deploy/b', evidence: ['run.sh:3'] },
      ],
    },
    {
      name: 'trap: a whole-file finding (line 0) never folds; a repeat folds into the headline it matches, not the first with its key',
      layer: [
        finding('deploy/a', [ev('run.sh', 0)]),
        finding('deploy/a', [ev('run.sh', 0)]),
        finding('deploy/a', [ev('run.sh', 5)], { fix: fix(5) }),
        finding('deploy/a', [ev('run.sh', 5)], { fix: { ...fix(6), description: 'publish nothing' } }),
        finding('deploy/a', [ev('run.sh', 5), ev('b.yml', 2)], { fix: { ...fix(6), description: 'publish nothing' } }),
      ],
      want: [
        { id: 'deploy/a', evidence: ['run.sh:0'] },
        { id: 'deploy/a', evidence: ['run.sh:0'] },
        { id: 'deploy/a', evidence: ['run.sh:5'] },
        { id: 'deploy/a', evidence: ['run.sh:5', 'b.yml:2'], merged: 2 },
      ],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const out = mergeRootCauses(c.layer, []);
      assert.deepEqual(
        out.map((f) => ({
          id: f.id,
          evidence: f.evidence.map((e) => `${e.file}:${e.line}`),
          ...(Array.isArray(f.data?.merged) ? { merged: f.data.merged.length } : {}),
        })),
        c.want,
      );
    });

  it('folds into a headline the chain findings already put out (the index starts from them)', () => {
    const chain = finding('chain/x', [ev('run.sh', 9)]);
    const layer = [finding('chain/x', [ev('run.sh', 9), ev('c.yml', 1)])];
    const out = mergeRootCauses(layer, [chain]);
    assert.equal(out.length, 1);
    assert.deepEqual(
      out[0]?.evidence.map((e) => `${e.file}:${e.line}`),
      ['run.sh:9', 'c.yml:1'],
    );
  });
});
