/**
 * Collectors are loaded only when a file they could read is present (collectors/registry.ts). That must never
 * change what is collected: on every example and every real-world case, the facts (and claims and skips) from
 * the registry's collectors equal those from every collector of COLLECTORS, and the registry lists the same
 * collectors in the same order.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { discoverProject } from '../../src/chain/discover.js';
import { COLLECTORS } from '../../src/collectors/index.js';
import { COLLECTOR_ENTRIES, collectorsFor } from '../../src/collectors/registry.js';
import { type Collected, collectAll } from '../../src/engine/collect.js';
import { REPO_ROOT, SHARED } from '../helpers.js';

const REALWORLD = join(SHARED, 'realworld');
const dirs = [
  ...readdirSync(join(REPO_ROOT, 'examples')).map((n) => join(REPO_ROOT, 'examples', n)),
  ...(existsSync(REALWORLD)
    ? readdirSync(REALWORLD)
        .filter((n) => /^[a-z]+-\d+/.test(n))
        .map((n) => join(REALWORLD, n))
    : []),
];

function comparable(c: Collected): string {
  return JSON.stringify(
    {
      facts: {
        ...c.facts,
        sources: [...c.facts.sources.keys()].sort(),
        templates: [...(c.facts.templates?.keys() ?? [])].sort(),
      },
      claimed: [...c.claimed].sort(),
      skipped: [...c.skipped.entries()].sort(),
    },
    (_k, v) => (v instanceof Map ? [...v.entries()] : v instanceof Set ? [...v] : v),
  );
}

describe('collector registry', () => {
  it('lists COLLECTORS in order', async () => {
    const all = await Promise.all(COLLECTOR_ENTRIES.map((e) => e.load()));
    assert.deepEqual(
      all.map((c) => c.name),
      COLLECTORS.map((c) => c.name),
    );
  });

  it('collects the same facts as every collector, on every example and real-world case', async () => {
    let lighter = 0;
    for (const dir of dirs) {
      const files = discoverProject([dir], REPO_ROOT).files;
      const lazy = await collectorsFor(files);
      if (lazy.length < COLLECTORS.length) lighter++;
      const a = comparable(await collectAll(files, {}, undefined, COLLECTORS));
      const b = comparable(await collectAll(files, {}, undefined, lazy));
      assert.equal(b, a, dir);
    }
    assert.ok(lighter > 0, 'some input needed fewer collectors');
  });

  it('a one-file nginx lint loads no app-end collector', async () => {
    const files = discoverProject([join(REPO_ROOT, 'examples/seed/nginx/sites-enabled/mysite')], REPO_ROOT).files;
    assert.deepEqual(
      (await collectorsFor(files)).map((c) => c.name),
      ['nginx', 'haproxy', 'apache', 'deploy', 'caddy', 'front', 'traefik', 'synapse', 'airflow'],
    );
  });
});
