// Property tests (fast-check) and a byte fuzz over every header.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createPolicy, type ForwardedHeaderName, resolve } from '../src/index.js';

// Addresses: trusted candidates live in 10.0.0.0/24; the client is 203.0.113.7; attacker-chosen values are marked.
const EVIL_FOR = '198.51.100.66';
const EVIL_HOST = 'evil.example';
const EVIL_PROTO = 'evilproto';
const CLIENT = '203.0.113.7';
const pool = Array.from({ length: 8 }, (_, i) => `10.0.0.${i + 1}`);

type Style = 'forwarded' | 'x-forwarded';

interface Chain {
  proxies: string[]; // from the client side to the app side; the last one is the socket peer
  trusted: string[];
  hops: number;
  style: Style;
  clientHeaders: { for: string[]; proto: string[]; host: string[] };
  untrustedAppend: boolean[];
}

const chainArb: fc.Arbitrary<Chain> = fc.record({
  proxies: fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 6 }),
  trusted: fc.subarray(pool),
  hops: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(Number.POSITIVE_INFINITY)),
  style: fc.constantFrom<Style>('forwarded', 'x-forwarded'),
  clientHeaders: fc.record({
    for: fc.array(fc.constantFrom(EVIL_FOR, ...pool), { maxLength: 3 }),
    proto: fc.array(fc.constantFrom(EVIL_PROTO), { maxLength: 2 }),
    host: fc.array(fc.constantFrom(EVIL_HOST), { maxLength: 2 }),
  }),
  untrustedAppend: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
});

/** Builds the headers the app receives: each hop appends what it saw (honest if trusted, attacker's otherwise). */
function build(c: Chain) {
  const fors = [...c.clientHeaders.for];
  const protos = [...c.clientHeaders.proto];
  const hosts = [...c.clientHeaders.host];
  const fwd: string[] = c.clientHeaders.for.map(
    (f, i) =>
      `for=${f}${c.clientHeaders.proto[i] ? `;proto=${EVIL_PROTO}` : ''}${c.clientHeaders.host[i] ? `;host=${EVIL_HOST}` : ''}`,
  );
  let previous = CLIENT;
  c.proxies.forEach((p, i) => {
    const honest = c.trusted.includes(p);
    const seenFor = honest ? previous : EVIL_FOR;
    const proto = honest ? (i % 2 ? 'https' : 'http') : EVIL_PROTO;
    const host = honest ? `h${i}.example` : EVIL_HOST;
    if (honest || c.untrustedAppend[i]) {
      fors.push(seenFor);
      protos.push(proto);
      hosts.push(host);
      fwd.push(`for=${seenFor};proto=${proto};host=${host}`);
    }
    previous = p;
  });
  const headers: Record<string, string> = { host: 'backend.internal:8000' };
  if (c.style === 'x-forwarded') {
    if (fors.length) headers['x-forwarded-for'] = fors.join(', ');
    if (protos.length) headers['x-forwarded-proto'] = protos.join(', ');
    if (hosts.length) headers['x-forwarded-host'] = hosts.join(', ');
  } else if (fwd.length) headers.forwarded = fwd.join(', ');
  return { headers, peer: c.proxies[c.proxies.length - 1] as string };
}

describe('property: a value added by an untrusted hop never reaches the result', () => {
  it('for any chain, trust set, hop limit and header style', () => {
    fc.assert(
      fc.property(chainArb, (c) => {
        const { headers, peer } = build(c);
        const r = resolve(
          { remoteAddress: peer, headers },
          createPolicy({
            trust: c.trusted,
            hops: c.hops,
            headers: ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'],
          }),
        );
        assert.notEqual(r.scheme, EVIL_PROTO);
        assert.notEqual(r.host, EVIL_HOST);
        assert.notEqual(r.clientAddress, EVIL_FOR);
        for (const a of r.addresses) assert.notEqual(a, EVIL_FOR);
        // every hop walked is a trusted address, within the limit
        assert.ok(r.proxies.length <= c.hops);
        for (const h of r.proxies) assert.ok(c.trusted.includes(h.address), `walked untrusted ${h.address}`);
        // an untrusted peer changes nothing
        if (!c.trusted.includes(peer)) {
          assert.equal(r.trusted, false);
          assert.equal(r.scheme, 'http');
          assert.equal(r.clientAddress, peer);
        }
      }),
      { numRuns: 400 },
    );
  });
  it('the values of an honest, fully trusted chain are recovered', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 5 }),
        fc.constantFrom<Style>('forwarded', 'x-forwarded'),
        (proxies, style) => {
          const c: Chain = {
            proxies,
            trusted: pool,
            hops: Number.POSITIVE_INFINITY,
            style,
            clientHeaders: { for: [], proto: [], host: [] },
            untrustedAppend: [],
          };
          const { headers, peer } = build(c);
          const r = resolve(
            { remoteAddress: peer, headers },
            createPolicy({
              trust: pool,
              hops: Number.POSITIVE_INFINITY,
              headers: ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'],
            }),
          );
          assert.equal(r.clientAddress, CLIENT);
          assert.equal(r.host, 'h0.example');
          assert.equal(r.scheme, 'http');
          assert.equal(r.proxies.length, proxies.length);
        },
      ),
      { numRuns: 100 },
    );
  });
});

// Header case and line splitting
const listHeaders: ForwardedHeaderName[] = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
];
const memberArb = (name: ForwardedHeaderName) =>
  name === 'forwarded'
    ? fc
        .tuple(
          fc.constantFrom('10.0.0.1', '10.0.0.2', '203.0.113.9', '"[2001:db8::1]:80"', 'unknown', '_x'),
          fc.constantFrom('http', 'https', 'HTTPS'),
          fc.constantFrom('a.example', '"b.example:8443"'),
        )
        .map(([f, p, h]) => `for=${f};proto=${p};host=${h}`)
    : name === 'x-forwarded-proto'
      ? fc.constantFrom('http', 'https', 'wss')
      : name === 'x-forwarded-host'
        ? fc.constantFrom('a.example', 'b.example:8443', '[::1]:9000')
        : name === 'x-forwarded-port'
          ? fc.constantFrom('443', '8443', '80')
          : name === 'x-forwarded-prefix'
            ? fc.constantFrom('/app', '/x/y')
            : fc.constantFrom('10.0.0.1', '10.0.0.2', '203.0.113.9', 'garbage', '::1');

const headersArb = fc.record(
  Object.fromEntries(
    listHeaders.map((h) => [h, fc.option(fc.array(memberArb(h), { minLength: 1, maxLength: 5 }), { nil: undefined })]),
  ) as Record<ForwardedHeaderName, fc.Arbitrary<string[] | undefined>>,
);

function randomCase(name: string, bits: number[]): string {
  return [...name].map((ch, i) => ((bits[i % bits.length] as number) & 1 ? ch.toUpperCase() : ch)).join('');
}

describe('property: header case and line splitting do not change the result', () => {
  it('record with any-case names and members split over several lines (string[]) or pairs', () => {
    fc.assert(
      fc.property(
        headersArb,
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom('10.0.0.1', '127.0.0.1'),
        fc.constantFrom('forwarded', 'x-forwarded', 'reject') as fc.Arbitrary<'forwarded' | 'x-forwarded' | 'reject'>,
        (lists, bits, peer, onConflict) => {
          const policy = createPolicy({
            trust: ['10.0.0.0/8', 'loopback'],
            hops: 4,
            headers: [...listHeaders, 'x-real-ip'],
            onConflict,
          });
          const canonical: Record<string, string> = { host: 'backend:8000' };
          const split: Record<string, string | string[]> = { HOST: 'backend:8000' };
          const pairs: [string, string][] = [['Host', 'backend:8000']];
          let b = 0;
          for (const name of listHeaders) {
            const members = lists[name];
            if (!members) continue;
            canonical[name] = members.join(', ');
            // split into lines at random member boundaries
            const lines: string[] = [];
            let cur: string[] = [];
            for (const m of members) {
              cur.push(m);
              if (((bits[b++ % bits.length] as number) & 2) !== 0) {
                lines.push(cur.join(','));
                cur = [];
              }
            }
            if (cur.length) lines.push(cur.join(' ,  '));
            const casedName = randomCase(name, bits.slice(b % bits.length));
            split[casedName] = lines.length === 1 ? (lines[0] as string) : lines;
            for (const l of lines) pairs.push([randomCase(name, bits.slice((b + 1) % bits.length)), l]);
          }
          const expected = resolve({ remoteAddress: peer, headers: canonical }, policy);
          assert.deepEqual(resolve({ remoteAddress: peer, headers: split }, policy), expected);
          assert.deepEqual(resolve({ remoteAddress: peer, headers: pairs }, policy), expected);
          assert.deepEqual(resolve({ remoteAddress: peer, headers: new Headers(pairs) }, policy), expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('fuzz: random bytes in every header', () => {
  const names = [
    'host',
    'forwarded',
    'x-forwarded-for',
    'x-forwarded-proto',
    'x-forwarded-host',
    'x-forwarded-port',
    'x-forwarded-prefix',
    'x-real-ip',
  ];
  const policies = [
    createPolicy({}),
    createPolicy({
      trust: ['loopback', 'uniquelocal', 'unix'],
      hops: Number.POSITIVE_INFINITY,
      headers: [
        'forwarded',
        'x-forwarded-for',
        'x-forwarded-proto',
        'x-forwarded-host',
        'x-forwarded-port',
        'x-forwarded-prefix',
        'x-real-ip',
      ],
    }),
    createPolicy({
      trust: ['0.0.0.0/0', '::/0'],
      hops: 3,
      onConflict: 'forwarded',
      headers: ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'],
    }),
  ];
  const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1'));
  const interesting = fc.constantFrom(
    'for=',
    '"',
    '\\',
    ',',
    ';',
    '[',
    ']',
    ':',
    '10.0.0.1',
    '::ffff:',
    'proto=https',
    '_',
    'unknown',
    ' ',
    '\t',
    '%',
  );
  const valueArb = fc.oneof(
    bytes,
    fc.array(fc.oneof(interesting, bytes), { maxLength: 12 }).map((a) => a.join('')),
  );
  it('never throws and is deterministic (2,000 runs)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...names), fc.oneof(valueArb, fc.array(valueArb, { maxLength: 3 }))),
        fc.constantFrom('127.0.0.1', '10.0.0.9', '::1', 'garbage', ''),
        fc.nat(2),
        fc.boolean(),
        (headers, peer, pi, unix) => {
          const policy = policies[pi] as (typeof policies)[number];
          const r = resolve({ remoteAddress: peer, unixSocket: unix, headers }, policy);
          assert.equal(typeof r.scheme, 'string');
          assert.ok(Array.isArray(r.reasons));
          assert.deepEqual(resolve({ remoteAddress: peer, unixSocket: unix, headers }, policy), r);
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('a 1 MB header of any selected name is refused by its length, before it is split or parsed', () => {
    // 1 MB of list entries: parsed, it would be refused for its entry count (or parse errors) instead.
    const entries = 'for=10.0.0.1;proto=https, '.repeat(1 + (1 << 20) / 26);
    const values: Record<string, string> = {
      forwarded: entries,
      'x-forwarded-for': '10.0.0.1, '.repeat(1 + (1 << 20) / 10),
      'x-forwarded-proto': 'https, '.repeat(1 + (1 << 20) / 7),
      'x-forwarded-host': 'a.test, '.repeat(1 + (1 << 20) / 8),
      'x-forwarded-port': '443, '.repeat(1 + (1 << 20) / 5),
      'x-forwarded-prefix': '/a, '.repeat(1 + (1 << 20) / 4),
      'x-real-ip': '10.0.0.1'.repeat(1 + (1 << 20) / 8),
    };
    for (const name of names) {
      const value = values[name] ?? 'a'.repeat((1 << 20) + 1);
      assert.ok(value.length > 1 << 20);
      const r = resolve({ remoteAddress: '127.0.0.1', headers: { [name]: value } }, policies[1]);
      assert.equal(r.trusted, false, name);
      assert.deepEqual(r.reasons, [`${name} header is longer than 8192 characters: forwarded headers ignored`], name);
      assert.deepEqual(r.proxies, [], name);
    }
  });
  // Cost per character as headers grow is measured in bench/forwarded/scaling.ts (a ratio, not a test).
});
