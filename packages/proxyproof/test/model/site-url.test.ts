/**
 * siteUrl (model/url.ts) writes a lower-case DNS name into the URL without parsing it; every other name goes through
 * the WHATWG parser. The parser is the oracle here: whenever it keeps a name as the host unchanged, siteUrl must give
 * the parser's URL and that host; and whatever the name, siteUrl's URL must be one the parser leaves as it is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { siteUrl } from '../../src/model/url.js';

/** What the parser makes of `scheme://name[:port]/`, when it keeps `name` as written and it has no placeholder. */
function parserKeeps(tls: boolean, name: string, port: number): string | undefined {
  if (/[{}$<>]/.test(name) || name === '') return undefined;
  const portPart = (tls && port === 443) || (!tls && port === 80) ? '' : `:${port}`;
  try {
    const u = new URL(`${tls ? 'https' : 'http'}://${name}${portPart}/`);
    return u.hostname === name ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

const CASES: Array<{ name: string; tls: boolean; port: number; url: string; host: string; why: string }> = [
  { name: 'example.com', tls: true, port: 443, url: 'https://example.com/', host: 'example.com', why: 'default port left out' },
  {
    name: 'site0.example.com',
    tls: false,
    port: 8080,
    url: 'http://site0.example.com:8080/',
    host: 'site0.example.com',
    why: 'other port kept',
  },
  { name: 'app-1', tls: false, port: 80, url: 'http://app-1/', host: 'app-1', why: 'one label' },
  {
    name: 'Example.COM',
    tls: true,
    port: 443,
    url: 'https://example.com/',
    host: 'example.com',
    why: 'upper case: the parser lowers it',
  },
  // Traps: plain-looking names the parser changes.
  { name: '10.0.0.1', tls: false, port: 80, url: 'http://10.0.0.1/', host: '10.0.0.1', why: 'an address' },
  {
    name: 'a.0x10',
    tls: false,
    port: 80,
    url: 'http://localhost/',
    host: 'localhost',
    why: 'a hex last label: parsed as IPv4 and refused, so simulated',
  },
  { name: '1.2.3', tls: false, port: 80, url: 'http://1.2.0.3/', host: '1.2.0.3', why: 'a numeric last label is an IPv4 number' },
  { name: 'example.com.', tls: true, port: 443, url: 'https://example.com./', host: 'example.com.', why: 'a trailing dot stays' },
];

describe('siteUrl', () => {
  for (const c of CASES)
    it(`${c.name} (${c.why})`, () => {
      const s = siteUrl(c.tls, c.name, c.port);
      assert.equal(s.url, c.url, s.note);
      assert.equal(s.host, c.host, s.note);
    });

  it('gives the parser URL whenever the parser keeps the name, and a URL the parser keeps otherwise', () => {
    const label = fc.stringMatching(/^(?:xn--)?[a-z0-9-]{0,6}$/);
    const name = fc.oneof(
      fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.')),
      fc.string({ unit: fc.constantFrom('a', 'Z', '0', '9', '-', '.', '_', '*', 'x', 'n', ':', '$', '{', 'é'), maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.boolean(), name, fc.constantFrom(80, 443, 8080, 0, 70000), (tls, n, port) => {
        const s = siteUrl(tls, n, port);
        assert.equal(new URL(s.url).toString(), s.url, `${n}: ${s.url}`);
        const kept = parserKeeps(tls, n, port > 0 && port < 65536 ? port : tls ? 443 : 80);
        if (kept !== undefined) {
          assert.equal(s.url, kept, n);
          assert.equal(s.host, n, n);
        }
      }),
      { numRuns: 3000, seed: 10 },
    );
  });
});
