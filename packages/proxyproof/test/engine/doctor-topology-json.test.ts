/**
 * The doctor's JSON topology (engine/doctor-report.ts topologyJson, doctor schemaVersion 2): a route's trailing
 * proxy default header rules are written once in `topology.defaultHeaders` and named by index. Nothing is lost:
 * on every example and real-world case, each route's `headers` followed by its `defaultHeaders` list is the
 * route's full rule list, and everything else in the topology is unchanged. Named cases for the split itself.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { HeaderRule, ProxyHop, ProxyRoute, Topology } from '../../src/chain/model.js';
import { analyze } from '../../src/engine/analyze.js';
import { topologyJson } from '../../src/engine/doctor-report.js';
import { REPO_ROOT, SHARED } from '../helpers.js';

const rule = (name: string, from: HeaderRule['from'], line = 0): HeaderRule => ({
  name,
  value: `{${name}}`,
  ref: { file: 'a.conf', line },
  from,
});
const route = (id: string, headers: HeaderRule[]) =>
  ({ id, match: 'location /', upstreams: [], headers }) as unknown as ProxyRoute;
const topo = (routes: ProxyRoute[][]): Topology => ({
  entries: [],
  proxies: routes.map(
    (r, i) => ({ type: 'proxy', id: `p${i}`, kind: 'nginx', label: `p${i}`, routes: r }) as unknown as ProxyHop,
  ),
  apps: [],
  links: [],
  unmodelled: [],
  orphanFrameworks: [],
  notes: [],
});

/** The route's rules as the JSON gives them back: `headers`, then the shared list it names. */
function rebuilt(json: ReturnType<typeof topologyJson>): unknown {
  return {
    ...json,
    defaultHeaders: undefined,
    proxies: json.proxies.map((p) => ({
      ...p,
      routes: p.routes.map((r) => {
        const { defaultHeaders, ...rest } = r as ProxyRoute & { defaultHeaders?: number };
        return {
          ...rest,
          headers: [...r.headers, ...(defaultHeaders === undefined ? [] : (json.defaultHeaders[defaultHeaders] ?? ['missing']))],
        };
      }),
    })),
  };
}

describe('doctor JSON topology: shared default header rules', () => {
  it('two routes with the same trailing defaults share one list; route rules stay in the route', () => {
    const t = topo([
      [route('a', [rule('Host', 'route', 3), rule('Connection', 'default'), rule('TE', 'default')])],
      [route('b', [rule('X', 'inherited', 2), rule('Connection', 'default'), rule('TE', 'default')])],
    ]);
    const j = topologyJson(t);
    assert.equal(j.defaultHeaders.length, 1);
    assert.deepEqual(
      j.proxies.map((p) =>
        p.routes.map((r) => [r.headers.map((h) => h.name), (r as { defaultHeaders?: number }).defaultHeaders]),
      ),
      [[[['Host'], 0]], [[['X'], 0]]],
    );
    assert.deepEqual(JSON.parse(JSON.stringify(rebuilt(j))), JSON.parse(JSON.stringify(t)));
  });

  it('different default lists get their own index', () => {
    const j = topologyJson(topo([[route('a', [rule('Connection', 'default')]), route('b', [rule('TE', 'default')])]]));
    assert.deepEqual(
      j.defaultHeaders.map((l) => l.map((h) => h.name)),
      [['Connection'], ['TE']],
    );
  });

  it('trap: a default rule before a route rule stays in place (order is meaning: the later rule wins)', () => {
    const r = route('a', [rule('Connection', 'default'), rule('Connection', 'route', 4)]);
    const j = topologyJson(topo([[r]]));
    assert.equal(j.proxies[0]?.routes[0], r);
    assert.deepEqual(j.defaultHeaders, []);
  });

  it('a route without default rules is unchanged, and the input topology is never modified', () => {
    const t = topo([[route('a', [rule('Host', 'route')])], [route('b', [rule('Host', 'route'), rule('TE', 'default')])]]);
    const before = JSON.stringify(t);
    const j = topologyJson(t);
    assert.equal(j.proxies[0], t.proxies[0]);
    assert.equal(JSON.stringify(t), before);
  });

  const REALWORLD = join(SHARED, 'realworld');
  const dirs = [
    ...readdirSync(join(REPO_ROOT, 'examples')).map((n) => join(REPO_ROOT, 'examples', n)),
    ...(existsSync(REALWORLD)
      ? readdirSync(REALWORLD)
          .filter((n) => /^[a-z]+-\d+/.test(n))
          .map((n) => join(REALWORLD, n))
      : []),
  ];
  it(`every example and real-world case (${dirs.length}): headers + the shared list are each route's rules`, async () => {
    let shared = 0;
    for (const dir of dirs) {
      const a = await analyze([dir], {});
      const j = topologyJson(a.chain.topology);
      shared += j.defaultHeaders.length;
      assert.deepEqual(JSON.parse(JSON.stringify(rebuilt(j))), JSON.parse(JSON.stringify(a.chain.topology)), dir);
    }
    assert.ok(shared > 0, 'some case has default header rules');
  });
});
