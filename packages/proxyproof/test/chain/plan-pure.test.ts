/**
 * The planner searches on copy-on-write clones (chain/plan.ts cloneFor) and no longer deep-copies the whole
 * topology first: it must never change the analysed topology, which the checks and the reports read after it.
 * A scoped verdict (the planner's per-route check) must give a route the same verdict as the full one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFixes } from '../../src/chain/plan.js';
import { runDoctor } from '../../src/chain/run.js';
import { computeVerdict } from '../../src/chain/verdict.js';
import { REPO_ROOT } from '../helpers.js';
import { EXAMPLES } from './examples.test.js';

describe('chain planner: the analysed topology is left as it was', () => {
  for (const name of EXAMPLES) {
    it(name, async () => {
      const { analysis } = await runDoctor([`examples/${name}`], { cwd: REPO_ROOT });
      const before = structuredClone(analysis.topology);
      const plan = planFixes(analysis.topology, computeVerdict(analysis.topology));
      assert.deepEqual(analysis.topology, before, 'planFixes changed the topology it was given');
      assert.deepEqual(plan, analysis.plan, 'a second plan of the same topology differs from the first');
    });
  }

  it('a scoped verdict gives each route the verdict the full one gives', async () => {
    let checked = 0;
    for (const name of EXAMPLES) {
      const { analysis } = await runDoctor([`examples/${name}`], { cwd: REPO_ROOT });
      const full = computeVerdict(analysis.topology);
      for (const r of full.routes) {
        const one = computeVerdict(analysis.topology, { routes: new Set([r.id]), apps: new Set() });
        assert.deepEqual(
          one.routes.map((x) => [x.id, x.scheme, x.host, x.client, x.trace]),
          [[r.id, r.scheme, r.host, r.client, r.trace]],
          `${name}: ${r.id}`,
        );
        checked++;
      }
    }
    assert.ok(checked >= 10, `only ${checked} routes checked`);
  });
});
