/**
 * The verdict's two per-entry lookups, against the rule each stands for (written out plainly here):
 * - `linkFrom` (chain/model.ts): the first link of the topology, in order, with that hop, route and upstream index.
 *   It scans a hop's links while they are few and keeps a map by route past 16: both sides are checked, on a table
 *   and on generated link lists.
 * - `routesOf` (chain/verdict.ts): every route of the entry's hop when the entry URL's path is `/`, else the route
 *   that serves the path (`pickRoute`). The path of an entry URL `http(s)://HOST[:PORT]/` is read without a URL parse;
 *   anything else is parsed. Reference: `new URL(url).pathname`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Entry, Link } from '../../src/chain/model.js';
import { linkFrom } from '../../src/chain/model.js';
import { pickRoute } from '../../src/chain/simulate.js';
import { routesOf } from '../../src/chain/verdict.js';
import { link, nginx, route, topo } from './topo.js';

/** The rule linkFrom implements, with no index. */
function firstLink(links: Link[], hop: string, routeId: string | undefined, upstream = 0): Link | undefined {
  if (routeId === undefined) return undefined;
  return links.find((l) => l.fromHop === hop && l.routeId === routeId && l.upstream === upstream);
}

const mk = (fromHop: string, routeId: string, upstream: number, how: string): Link =>
  link({ kind: 'unknown' }, { fromHop, routeId, upstream, how });

describe('linkFrom: the first link of each hop, route and upstream', () => {
  // [what, links, asked hop, route, upstream, expected `how` or undefined]
  const many = Array.from({ length: 40 }, (_, i) => mk('big', `r${i % 13}`, i % 3, `big-${i}`));
  const CASES: Array<[string, Link[], string, string | undefined, number | undefined, string | undefined]> = [
    ['one link', [mk('h', 'r', 0, 'a')], 'h', 'r', undefined, 'a'],
    ['another hop of the same route id', [mk('g', 'r', 0, 'a'), mk('h', 'r', 0, 'b')], 'h', 'r', 0, 'b'],
    ['the second upstream', [mk('h', 'r', 0, 'a'), mk('h', 'r', 1, 'b')], 'h', 'r', 1, 'b'],
    // Trap: a later link of the same triple looks like the newer answer, but the first one wins.
    ['a repeated triple: the first', [mk('h', 'r', 0, 'a'), mk('h', 'r', 0, 'b')], 'h', 'r', 0, 'a'],
    ['no route id', [mk('h', 'r', 0, 'a')], 'h', undefined, 0, undefined],
    ['no such upstream', [mk('h', 'r', 0, 'a')], 'h', 'r', 2, undefined],
    ['no such hop', [mk('h', 'r', 0, 'a')], 'x', 'r', 0, undefined],
    ['past the scan (40 links): first of a repeated triple', many, 'big', 'r0', 0, 'big-0'],
    ['past the scan: a later route', many, 'big', 'r12', 0, 'big-12'],
    ['past the scan: upstream 1 of r1', many, 'big', 'r1', 1, 'big-1'],
    ['past the scan: a pair that never occurs', many, 'big', 'r0', 2, 'big-26'],
    ['past the scan: no such route', many, 'big', 'r13', 0, undefined],
  ];
  for (const [what, links, hop, routeId, up, expected] of CASES) {
    it(what, () => {
      const t = { links };
      assert.equal(linkFrom(t, hop, routeId, up)?.how, expected);
      assert.equal(firstLink(links, hop, routeId, up)?.how, expected, 'the table agrees with the rule');
    });
  }

  it('agrees with the rule on generated link lists, below and past the scan', () => {
    const arbLink = fc
      .record({ hop: fc.constantFrom('a', 'b', 'c'), r: fc.integer({ min: 0, max: 24 }), u: fc.integer({ min: 0, max: 2 }) })
      .map(({ hop, r, u }) => ({ hop, r: `r${r}`, u }));
    fc.assert(
      fc.property(fc.array(arbLink, { maxLength: 120 }), fc.array(arbLink, { maxLength: 30 }), (written, asked) => {
        const links = written.map((x, i) => mk(x.hop, x.r, x.u, `l${i}`));
        const t = { links };
        for (const q of [...asked, ...written])
          assert.equal(linkFrom(t, q.hop, q.r, q.u), firstLink(links, q.hop, q.r, q.u), `${q.hop} ${q.r} ${q.u}`);
      }),
      { numRuns: 300, seed: 18 },
    );
  });

  it('follows links added to the list after a lookup', () => {
    const links = [mk('h', 'r', 0, 'a')];
    const t = { links };
    assert.equal(linkFrom(t, 'h', 's', 0), undefined);
    links.push(mk('h', 's', 0, 'b'));
    assert.equal(linkFrom(t, 'h', 's', 0)?.how, 'b');
  });
});

describe('routesOf: every route at the path /, else the one that serves the path', () => {
  const hop = nginx([
    route([], { id: 'root' }),
    route([], { id: 'reports', match: 'location /reports/', samplePath: '/reports/' }),
  ]);
  const entryAt = (url: string): Entry => ({
    id: 'nginx1:0',
    url,
    hopId: 'nginx1',
    listener: 0,
    name: 'example.com',
    port: 443,
    tls: true,
  });
  /** The reference: what the verdict did with a parsed URL for every entry. */
  const byParse = (url: string) => {
    const path = new URL(url).pathname;
    if (path === '/') return hop.routes;
    const r = pickRoute(hop, path);
    return r ? [r] : [];
  };
  const ids = (url: string) => routesOf(topo([hop], [], [], [entryAt(url)]), entryAt(url)).map((r) => r.id);
  // [url, route ids]
  const CASES: Array<[string, string[]]> = [
    ['https://example.com/', ['root', 'reports']],
    ['http://example.com:8080/', ['root', 'reports']],
    ['https://[::1]:8443/', ['root', 'reports']],
    ['https://example.com/reports/', ['reports']],
    ['https://example.com/reports/x', ['reports']],
    ['https://example.com/other/', ['root']],
    // Traps: a `/` after `?` or `#` is the query's or the fragment's, not the path's: still every route.
    ['http://example.com?x/', ['root', 'reports']],
    ['http://example.com#x/', ['root', 'reports']],
    // Trap: a backslash is a path separator in an http URL (WHATWG): the path is /reports/, not /.
    ['https://example.com\\reports/', ['reports']],
    ['https://EXAMPLE.com/', ['root', 'reports']],
  ];
  for (const [url, expected] of CASES) {
    it(url, () => {
      assert.deepEqual(ids(url), expected);
      assert.deepEqual(
        byParse(url).map((r) => r.id),
        expected,
        'the table agrees with the parse',
      );
    });
  }

  it('agrees with the parse on generated entry URLs', () => {
    const part = fc.constantFrom('example.com', 'a', '[::1]', ':8443', '/', '//', '?', '#', '\\', 'reports', '%2F', '.', '..');
    fc.assert(
      fc.property(fc.constantFrom('http://', 'https://'), fc.array(part, { maxLength: 6 }), (scheme, parts) => {
        const url = `${scheme}example.com${parts.join('')}/`;
        if (!URL.canParse(url)) return;
        assert.deepEqual(
          ids(url),
          byParse(url).map((r) => r.id),
          url,
        );
      }),
      { numRuns: 500, seed: 18 },
    );
  });
});
