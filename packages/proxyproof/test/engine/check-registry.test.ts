/**
 * The lint checks are loaded by family only when the facts need them (checks/registry.ts). Skipping a family
 * must never change a finding: on every example and every real-world case, each family the registry skips finds
 * nothing when run anyway, and the families together are exactly ALL_CHECKS in its order.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ALL_CHECKS } from '../../src/checks/index.js';
import { CHECK_FAMILIES, checksFor } from '../../src/checks/registry.js';
import { analyze, runChecksIsolated } from '../../src/engine/analyze.js';
import { REPO_ROOT, SHARED } from '../helpers.js';

const REALWORLD = join(SHARED, 'realworld');
const examples = readdirSync(join(REPO_ROOT, 'examples')).map((n) => join(REPO_ROOT, 'examples', n));
const cases = existsSync(REALWORLD)
  ? readdirSync(REALWORLD)
      .filter((n) => /^[a-z]+-\d+/.test(n))
      .map((n) => join(REALWORLD, n))
  : [];

describe('check registry', () => {
  it('the families are ALL_CHECKS, in order', async () => {
    const all = (await Promise.all(CHECK_FAMILIES.map((f) => f.load()))).flat();
    assert.deepEqual(
      all.map((c) => c.meta.id),
      ALL_CHECKS.map((c) => c.meta.id),
    );
  });

  it('a skipped family finds nothing, on every example and real-world case', async () => {
    let skipped = 0;
    for (const dir of [...examples, ...cases]) {
      let facts: Awaited<ReturnType<typeof analyze>>['facts'];
      try {
        facts = (await analyze([dir])).facts;
      } catch {
        continue; // nothing usable: no checks run at all
      }
      for (const fam of CHECK_FAMILIES) {
        if (fam.needed(facts)) continue;
        skipped++;
        const found = runChecksIsolated(await fam.load(), facts);
        assert.deepEqual(
          found.map((f) => `${f.id} ${f.evidence[0]?.file}:${f.evidence[0]?.line}`),
          [],
          `${fam.name} skipped on ${dir}`,
        );
      }
    }
    assert.ok(skipped > 0, 'some family was skipped somewhere');
  });

  it('a one-file nginx lint loads the nginx and generic proxy checks (and the always-loaded airflow family) only', async () => {
    const facts = (await analyze([join(REPO_ROOT, 'examples/seed/nginx/sites-enabled/mysite')])).facts;
    const ids = new Set((await checksFor(facts)).map((c) => c.meta.id.split('/')[0]));
    // The generic proxy checks read nginx's sites too (checks/proxy/common.ts everySite), and their family holds the
    // per-proxy checks (apache, caddy, haproxy, traefik...), which find nothing without their facts.
    assert.ok(ids.has('nginx') && ids.has('proxy') && ids.has('airflow'));
    for (const app of ['django', 'appserver', 'flask', 'node', 'deploy', 'app', 'waitress']) assert.ok(!ids.has(app), app);
  });
});
