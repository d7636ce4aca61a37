// Table tests: one row per RFC 7239 grammar rule (section 4 field syntax, section 5 parameters, section 6 node
// syntax). Rows marked "forwarded-parse" pin its accept/reject behaviour too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPolicy, parseForwarded, parseNode, resolve } from '../src/index.js';

type Row = { rule: string; header: string; elements?: Record<string, string>[]; error?: RegExp };

const FIELD: Row[] = [
  { rule: '4: forwarded-pair = token "=" token', header: 'for=192.0.2.43', elements: [{ for: '192.0.2.43' }] },
  {
    rule: '4: 1#forwarded-element — comma-separated elements',
    header: 'for=192.0.2.43, for=198.51.100.17',
    elements: [{ for: '192.0.2.43' }, { for: '198.51.100.17' }],
  },
  {
    rule: '4: pairs in one element separated by ";"',
    header: 'for=192.0.2.60;proto=http;by=203.0.113.43',
    elements: [{ for: '192.0.2.60', proto: 'http', by: '203.0.113.43' }],
  },
  {
    rule: '4: parameter names are case-insensitive',
    header: 'For=192.0.2.60;PROTO=https',
    elements: [{ for: '192.0.2.60', proto: 'https' }],
  },
  { rule: '4: value = quoted-string', header: 'for="192.0.2.43"', elements: [{ for: '192.0.2.43' }] },
  { rule: '4: quoted-string keeps , ; = inside', header: 'host="a,b;c=d"', elements: [{ host: 'a,b;c=d' }] },
  { rule: '4: quoted-pair unescapes (RFC 7230 3.2.6)', header: 'x="a\\"b\\\\c"', elements: [{ x: 'a"b\\c' }] },
  { rule: '4: empty quoted-string is a value', header: 'x=""', elements: [{ x: '' }] },
  { rule: '4: obs-text allowed in quoted-string', header: 'x="\u00e9"', elements: [{ x: '\u00e9' }] },
  { rule: '4: OWS after "," (RFC 7230 7 list rule)', header: 'for=a1,   for=b1', elements: [{ for: 'a1' }, { for: 'b1' }] },
  { rule: '4: OWS before "," (forwarded-parse accepts)', header: 'for=a1 ,for=b1', elements: [{ for: 'a1' }, { for: 'b1' }] },
  {
    rule: '4: OWS around ";" (forwarded-parse accepts)',
    header: 'for=a1 ; proto=https',
    elements: [{ for: 'a1', proto: 'https' }],
  },
  { rule: '4: extension parameters are kept (RFC 7239 5.5)', header: 'for=a1;secret=x', elements: [{ for: 'a1', secret: 'x' }] },
  { rule: '4: token cannot contain "@"', header: 'f@r=1', error: /Unexpected character '@' at index 1/ },
  { rule: '4: no whitespace before "="', header: 'for =1', error: /index 3/ },
  { rule: '4: no whitespace after "="', header: 'for= 1', error: /index 4/ },
  { rule: '4: empty value', header: 'for=', error: /Unexpected end of input/ },
  { rule: '4: pair without "="', header: 'for', error: /Unexpected end of input/ },
  { rule: '4: empty element between commas (forwarded-parse rejects)', header: 'for=a,,for=b', error: /index 6/ },
  { rule: '4: empty pair between semicolons (forwarded-parse rejects)', header: 'for=a;;by=b', error: /index 6/ },
  { rule: '4: trailing ";"', header: 'for=a;', error: /Unexpected end of input/ },
  { rule: '4: trailing ","', header: 'for=a,', error: /Unexpected end of input/ },
  { rule: '4: unterminated quoted-string', header: 'for="a', error: /Unexpected end of input/ },
  { rule: '4: text after a quoted-string', header: 'for="a"b', error: /index 7/ },
  { rule: '4: DQUOTE inside a token', header: 'for=a"b"', error: /index 5/ },
  { rule: '4: space inside a token', header: 'for=a b', error: /index 6/ },
  { rule: '4: non-ASCII in a token', header: 'for=\u00e9', error: /index 4/ },
  { rule: '4: control character in quoted-string', header: 'for="a\u0001"', error: /index 6/ },
  {
    rule: '4: "Each parameter MUST NOT occur more than once per forwarded-element" (differs from forwarded-parse)',
    header: 'for=a;for=b',
    error: /repeated/,
  },
  { rule: '4: the same parameter in different elements is fine', header: 'for=a,for=b', elements: [{ for: 'a' }, { for: 'b' }] },
  { rule: '4: IPv6 node must be quoted (":" is not a tchar)', header: 'for=[2001:db8::1]', error: /index 4/ },
];

describe('RFC 7239 section 4: field syntax', () => {
  for (const row of FIELD) {
    it(`${row.rule}: ${JSON.stringify(row.header)}`, () => {
      const r = parseForwarded(row.header);
      if (row.error) {
        assert.equal(r.ok, false);
        if (!r.ok) assert.match(r.error, row.error);
      } else {
        assert.ok(r.ok, r.ok ? '' : r.error);
        if (r.ok)
          assert.deepEqual(
            r.elements.map((e) => ({ ...e })),
            row.elements,
          );
      }
    });
  }
});

const NODES: [string, string, ReturnType<typeof parseNode>][] = [
  ['6: IPv4address', '192.0.2.43', { kind: 'ip', address: '192.0.2.43' }],
  ['6: IPv4 with node-port', '192.0.2.43:47011', { kind: 'ip', address: '192.0.2.43', port: 47011 }],
  ['6: "[" IPv6address "]"', '[2001:db8:cafe::17]', { kind: 'ip', address: '2001:db8:cafe::17' }],
  ['6: bracketed IPv6 with port', '[2001:db8:cafe::17]:4711', { kind: 'ip', address: '2001:db8:cafe::17', port: 4711 }],
  ['6.2: "unknown"', 'unknown', { kind: 'unknown', address: 'unknown' }],
  ['6.2: "unknown" is case-insensitive', 'UNKNOWN', { kind: 'unknown', address: 'unknown' }],
  ['6.3: obfnode', '_hidden', { kind: 'obfuscated', address: '_hidden' }],
  ['6.3: obfnode with obfport', '_SEVKISEK:_abc', { kind: 'obfuscated', address: '_SEVKISEK', port: '_abc' }],
  ['6.3: obfnode chars . _ -', '_a.b_c-d', { kind: 'obfuscated', address: '_a.b_c-d' }],
  ['6: IPv6 without brackets is invalid', '2001:db8::1', null],
  ['6: port above 65535', '192.0.2.1:65536', null],
  ['6: port longer than 5 digits', '192.0.2.1:000080', null],
  ['6: empty port', '192.0.2.1:', null],
  ['6: "_" alone is not an obfnode', '_', null],
  ['6: obfnode with "/"', '_a/b', null],
  ['6: host name is not a node', 'example.com', null],
  ['6: ambiguous IPv4 (leading zero) is refused', '010.0.0.1', null],
  ['6: missing "]"', '[2001:db8::1', null],
  ['6: junk after "]"', '[2001:db8::1]x', null],
];

describe('RFC 7239 section 6: node syntax', () => {
  for (const [rule, value, expected] of NODES) {
    it(`${rule}: ${value}`, () => assert.deepEqual(parseNode(value), expected));
  }
});

describe('RFC 7239 section 5 parameters through resolve (peer 127.0.0.1 trusted)', () => {
  const policy = createPolicy({ trust: 'loopback', hops: 5, headers: ['forwarded'] });
  const run = (forwarded: string | string[]) =>
    resolve({ remoteAddress: '127.0.0.1', headers: { host: 'backend:8000', forwarded } }, policy);
  it('5.2 for: the client address; 5.4 proto: the scheme; 5.3 host: the Host the client sent', () => {
    const r = run('for=192.0.2.60;proto=https;host=www.example.com');
    assert.deepEqual(
      [r.clientAddress, r.scheme, r.host, r.port, r.trusted],
      ['192.0.2.60', 'https', 'www.example.com', 443, true],
    );
  });
  it('5.3 host with a port', () => {
    const r = run('for=192.0.2.60;proto=https;host="www.example.com:8443"');
    assert.deepEqual([r.host, r.port], ['www.example.com', 8443]);
  });
  it('5.1 by: kept on the hop', () => {
    const r = run('for=192.0.2.60;by=203.0.113.43');
    assert.equal(r.proxies[0]?.by, '203.0.113.43');
  });
  it('5.4 proto must be a URI scheme', () => {
    const r = run('for=192.0.2.60;proto="ht tp"');
    assert.equal(r.trusted, false);
    assert.match(r.reasons.join(), /invalid forwarded scheme/);
  });
  it('5.3 host must be Host syntax', () => {
    const r = run('for=192.0.2.60;host="evil.example/path"');
    assert.equal(r.trusted, false);
    assert.match(r.reasons.join(), /invalid forwarded host/);
  });
  it('5.2 for with a port gives clientPort', () => {
    const r = run('for="[2001:db8::7]:4711"');
    assert.equal(r.clientAddress, '2001:db8::7');
    assert.equal(r.clientPort, 4711);
  });
  it('6.2 unknown / 6.3 obfuscated client: reported as is, walk ends there', () => {
    assert.equal(run('for=unknown').clientAddress, 'unknown');
    assert.equal(run('for=_hidden, for=127.0.0.2').clientAddress, '_hidden');
    assert.deepEqual(run('for=192.0.2.1, for=_hidden, for=127.0.0.2').addresses, ['127.0.0.1', '127.0.0.2', '_hidden']);
  });
  it('4: several header lines are one list (RFC 7230 3.2.2), in order', () => {
    const a = run(['for=192.0.2.1', 'for=127.0.0.5;proto=https']);
    const b = run('for=192.0.2.1, for=127.0.0.5;proto=https');
    assert.deepEqual(a, b);
    assert.equal(a.clientAddress, '192.0.2.1');
  });
  it('7.4: the right-most element is the one the nearest proxy added', () => {
    const r = resolve(
      { remoteAddress: '127.0.0.1', headers: { forwarded: 'for=198.51.100.1;proto=https, for=203.0.113.9;proto=http' } },
      createPolicy({ trust: 'loopback', headers: ['forwarded'] }),
    );
    assert.deepEqual([r.clientAddress, r.scheme], ['203.0.113.9', 'http']);
  });
  it('8.1: a malformed header is not trusted at all (no partial use)', () => {
    const r = run('for=192.0.2.1;proto=https, garbage');
    assert.equal(r.trusted, false);
    assert.equal(r.scheme, 'http');
    assert.equal(r.clientAddress, '127.0.0.1');
  });
});
