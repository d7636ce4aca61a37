// Differential conformance against recorded answers of proxy-addr 2.0.8 and forwarded-parse 2.2.0
// (../shared/corpus/forwarded, see its README), plus live equivalence where we deliberately accept more.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { createPolicy, PolicyError, parseForwarded, resolve } from '../src/index.js';

const CORPUS = new URL('../../../../shared/corpus/forwarded/', import.meta.url);
const load = (name: string) => JSON.parse(readFileSync(new URL(name, CORPUS), 'utf8'));
const require = createRequire(import.meta.url);
const proxyaddr = require('proxy-addr') as ((req: unknown, trust: unknown) => string) & {
  all(req: unknown, trust?: unknown): string[];
};

interface PaCase {
  fn?: 'proxyaddr' | 'all';
  req?: { remoteAddress?: string; xForwardedFor: string | null } | null;
  remoteAddress?: string;
  xForwardedFor?: string | null;
  trust: unknown;
  result?: string | string[];
  addr?: string;
  all?: string[];
  error?: string;
}

function ours(remote: string | undefined, xff: string | null, trust: string | string[]) {
  const headers: Record<string, string> = {};
  if (xff !== null) headers['x-forwarded-for'] = xff;
  // proxy-addr trusts any number of hops and reads only X-Forwarded-For.
  const policy = createPolicy({ trust, hops: Number.POSITIVE_INFINITY, headers: ['x-forwarded-for'] });
  return resolve({ remoteAddress: remote, headers }, policy);
}

describe('proxy-addr-testsuite.json (proxy-addr 2.0.8 test suite, recorded)', () => {
  const cases = load('proxy-addr-testsuite.json') as PaCase[];
  it('has the recorded cases', () => assert.ok(cases.length >= 50));
  cases.forEach((c, i) => {
    const label = `#${i} ${c.fn} trust=${JSON.stringify(c.trust)} peer=${c.req?.remoteAddress} xff=${JSON.stringify(c.req?.xForwardedFor)}`;
    if (c.req === null || c.trust === '__undefined__' || c.req === undefined) {
      // Argument checks of proxy-addr's JS API (missing req/trust) have no counterpart: our policy argument is
      // optional and defaults to "trust nothing". Pin that instead.
      it(`${label}: no trust argument = trust nothing`, () => {
        if (!c.req) return;
        const r = resolve({
          remoteAddress: c.req.remoteAddress,
          headers: c.req.xForwardedFor ? { 'x-forwarded-for': c.req.xForwardedFor } : {},
        });
        assert.equal(r.clientAddress, c.req.remoteAddress);
        assert.equal(r.trusted, false);
        if (c.fn === 'all' && Array.isArray(c.result) && c.trust === '__undefined__') {
          // proxy-addr's all() without trust returns every address; ours with trust-all-hops equals it.
          const r2 = resolve(
            {
              remoteAddress: c.req.remoteAddress,
              headers: c.req.xForwardedFor ? { 'x-forwarded-for': c.req.xForwardedFor } : {},
            },
            createPolicy({ trust: ['0.0.0.0/0', '::/0'], hops: Number.POSITIVE_INFINITY, headers: ['x-forwarded-for'] }),
          );
          assert.deepEqual(r2.addresses, c.result);
        }
      });
      return;
    }
    if (typeof c.trust !== 'string' && !Array.isArray(c.trust)) {
      it(`${label}: rejected like proxy-addr`, () =>
        assert.throws(() => createPolicy({ trust: c.trust as string }), PolicyError));
      return;
    }
    const trust = c.trust as string | string[];
    if (c.error !== undefined) {
      it(`${label}: rejected with the same message`, () => {
        assert.throws(
          () => createPolicy({ trust }),
          (e: unknown) => e instanceof PolicyError && e.message.startsWith(c.error as string),
        );
      });
      return;
    }
    it(`${label}: equal answer`, () => {
      const r = ours(c.req?.remoteAddress, c.req?.xForwardedFor ?? null, trust);
      if (c.fn === 'all') assert.deepEqual(r.addresses, c.result);
      else assert.equal(r.clientAddress, c.result);
    });
  });
});

describe('proxy-addr-generated.json (2,160 combinations, recorded)', () => {
  const cases = load('proxy-addr-generated.json') as PaCase[];
  it('has 2,160 cases', () => assert.equal(cases.length, 2160));
  it('client address and address list equal proxy-addr wherever it accepts the trust setting', () => {
    let compared = 0;
    for (const c of cases) {
      if (c.error !== undefined) continue;
      const r = ours(c.remoteAddress, c.xForwardedFor ?? null, c.trust as string | string[]);
      const where = `peer=${c.remoteAddress} xff=${JSON.stringify(c.xForwardedFor)} trust=${JSON.stringify(c.trust)}`;
      assert.equal(r.clientAddress, c.addr, where);
      assert.deepEqual(r.addresses, c.all, where);
      compared++;
    }
    assert.equal(compared, 1728); // 12 trust settings proxy-addr accepts x 144 requests
  });
  it('deliberate differences: 0.0.0.0/0, ::/0 and comma-joined strings are accepted, and equal proxy-addr given the equivalent list', () => {
    const equivalent = (t: string | string[]): string[] => {
      const list = (Array.isArray(t) ? t : [t]).flatMap((x) => x.split(',').map((y) => y.trim()));
      return list.flatMap((x) => (x === '0.0.0.0/0' ? ['0.0.0.0/1', '128.0.0.0/1'] : x === '::/0' ? ['::/1', '8000::/1'] : [x]));
    };
    let compared = 0;
    for (const c of cases) {
      if (c.error === undefined) continue;
      const trust = c.trust as string | string[];
      const eq = equivalent(trust);
      const req = {
        socket: { remoteAddress: c.remoteAddress },
        headers: c.xForwardedFor === null ? {} : { 'x-forwarded-for': c.xForwardedFor },
      };
      const r = ours(c.remoteAddress, c.xForwardedFor ?? null, trust);
      const where = `peer=${c.remoteAddress} xff=${JSON.stringify(c.xForwardedFor)} trust=${JSON.stringify(trust)}`;
      assert.equal(r.clientAddress, proxyaddr(req, eq), where);
      assert.deepEqual(r.addresses, proxyaddr.all(req, eq), where);
      compared++;
    }
    assert.equal(compared, 432); // 0.0.0.0/0, ['::/0','0.0.0.0/0'], 'loopback, 10.0.0.0/24' x 144
  });
});

describe('forwarded-parse-testsuite.json (forwarded-parse 2.2.0 test suite, recorded)', () => {
  const cases = load('forwarded-parse-testsuite.json') as { header: string; result?: Record<string, string>[]; error?: string }[];
  for (const c of cases) {
    it(`${JSON.stringify(c.header)} ${c.error ? 'rejected' : 'accepted'} equally`, () => {
      const r = parseForwarded(c.header);
      if (c.error !== undefined) {
        assert.equal(r.ok, false);
        if (!r.ok) assert.equal(r.error, c.error);
      } else {
        assert.ok(r.ok, r.ok ? '' : r.error);
        if (r.ok)
          assert.deepEqual(
            r.elements.map((e) => ({ ...e })),
            c.result,
          );
      }
    });
  }
  it('a malformed Forwarded from a trusted peer gives an untrusted result with a reason (no exception)', () => {
    for (const c of cases.filter((x) => x.error)) {
      const r = resolve(
        { remoteAddress: '127.0.0.1', headers: { forwarded: c.header, host: 'app.test' } },
        createPolicy({ trust: 'loopback', headers: ['forwarded'] }),
      );
      assert.equal(r.trusted, false);
      assert.equal(r.clientAddress, '127.0.0.1');
      assert.match(r.reasons.join('\n'), /malformed Forwarded header/);
    }
  });
});
