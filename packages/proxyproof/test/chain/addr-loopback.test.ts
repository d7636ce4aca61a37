/**
 * isLoopbackHost (chain/addr.ts): the proxy-to-app link asks it once per upstream. IPv4 is answered from the text
 * (node's strict dotted form starting `127.`), IPv6 by ipaddr.js; this pins both against ipaddr.js's own
 * classification, which the whole function used before, on a table of named cases and on generated addresses.
 */
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { isLoopbackHost } from '../../src/chain/addr.js';

/** The answer of ipaddr.js alone (names aside): what the function gave for every address before the IPv4 shortcut. */
function byIpaddr(host: string): boolean {
  const h = (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase();
  if (isIP(h) === 0) return false;
  try {
    return ipaddr.process(h).range() === 'loopback';
  } catch {
    return false;
  }
}

const CASES: Array<[string, boolean, string]> = [
  ['127.0.0.1', true, 'the usual loopback'],
  ['127.255.255.254', true, 'anywhere in 127.0.0.0/8'],
  ['127.0.0.0', true, 'the network address is in the range too'],
  ['128.0.0.1', false, 'next /8'],
  ['126.255.255.255', false, 'previous /8'],
  ['12.7.0.1', false, 'starts with 12, not 127'],
  ['1270.0.0.1', false, 'not an address'],
  // Trap: looks like 127.0.0.1, but node (and nginx's resolver) do not take a leading zero as dotted decimal.
  ['0127.0.0.1', false, 'a leading zero is no IPv4 address for node'],
  ['127.1', false, 'shorthand forms are not addresses here'],
  ['0.0.0.0', false, 'the wildcard is not loopback'],
  ['::1', true, 'IPv6 loopback'],
  ['[::1]', true, 'bracketed IPv6 loopback'],
  ['::ffff:127.0.0.1', true, 'IPv4-mapped loopback (ipaddr.process unwraps it)'],
  ['::ffff:10.0.0.1', false, 'IPv4-mapped private address'],
  ['::', false, 'the IPv6 wildcard'],
  ['localhost', true, 'the name'],
  ['LOCALHOST', true, 'names are case-insensitive'],
  ['ip6-localhost', true, "Debian's /etc/hosts name"],
  ['app', false, 'a compose service name'],
  ['', false, 'empty'],
];

describe('isLoopbackHost', () => {
  for (const [host, want, why] of CASES)
    it(`${JSON.stringify(host)}: ${want} (${why})`, () => assert.equal(isLoopbackHost(host), want));

  it('agrees with ipaddr.js on generated IPv4 addresses (dotted, with and without leading zeros)', () => {
    const part = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('127', '0127', '00', '1', ''));
    fc.assert(
      fc.property(fc.tuple(part, part, part, part), (ps) => {
        const host = ps.join('.');
        assert.equal(isLoopbackHost(host), byIpaddr(host), host);
      }),
      { numRuns: 2000, seed: 10 },
    );
  });

  it('agrees with ipaddr.js on generated IPv6 addresses', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.boolean(), (ip, bracket) => {
        const host = bracket ? `[${ip}]` : ip;
        assert.equal(isLoopbackHost(host), byIpaddr(host), host);
      }),
      { numRuns: 1000, seed: 10 },
    );
  });
});
