// Our own strict IP / CIDR parsing (README: "Why our own IP parser").
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { createPolicy, formatIP, isIP, parseIP, parseNetwork, resolve } from '../src/index.js';

const require = createRequire(import.meta.url);
const proxyaddr = require('proxy-addr') as (req: unknown, trust: unknown) => string;

describe('strict IPv4', () => {
  for (const ok of ['0.0.0.0', '127.0.0.1', '255.255.255.255', '10.0.0.200', '192.168.0.1']) {
    it(`accepts ${ok}`, () => assert.equal(formatIP(parseIP(ok) as never), ok));
  }
  for (const bad of [
    '1.2.3',
    '127.1',
    '2130706433',
    '0x7f.0.0.1',
    '010.0.0.1',
    '10.0.0.01',
    '256.0.0.1',
    '1.2.3.4.5',
    '1..2.3',
    '1.2.3.',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '+1.2.3.4',
    '1.2.3.-4',
    '',
    '１.2.3.4',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(isIP(bad), false));
  }
});

describe('strict IPv6', () => {
  const ok: [string, string][] = [
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:DB8::1', '2001:db8::1'],
    ['fe80::1', 'fe80::1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
    ['::ffff:a00:1', '::ffff:a00:1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ];
  for (const [text, canonical] of ok) it(`accepts ${text}`, () => assert.equal(formatIP(parseIP(text) as never), canonical));
  for (const bad of [
    '::8:8:8:8:8:8:8:8:8',
    '1:2:3:4:5:6:7:8::',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':1',
    '1:',
    '12345::',
    'g::1',
    '::ffff:1.2.3',
    '::ffff:30.168.1.9000',
    '::1.2.3.4.5',
    '1.2.3.4::',
    '[::1]',
    'fe80::1%eth0',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(isIP(bad), false));
  }
  it('accepts a zone only for socket peers (Node may report fe80::1%eth0)', () => {
    assert.notEqual(parseIP('fe80::1%eth0', true), null);
    assert.equal(parseIP('fe80::1%', true), null);
    assert.equal(parseIP('fe80::1%a b', true), null);
  });
});

describe('networks', () => {
  const rows: [string, string | RegExp][] = [
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.0.0.2/26', '10.0.0.0/26'],
    ['10.0.0.1/255.255.255.0', '10.0.0.0/24'],
    ['::ffff:a00:2/122', '10.0.0.0/26'],
    ['::ffff:127.0.0.1', '127.0.0.1/32'],
    ['fe80::/10', 'fe80::/10'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['::/0', '::/0'],
    ['10.0.0.1/33', /invalid range/],
    ['10.0.0.1/255.0.255.0', /invalid range/],
    ['10.0.0.1/internet', /invalid range/],
    ['::1/129', /invalid range/],
    ['fe80::/255.255.255.0', /invalid range/],
    ['10.0.0.1/08', /invalid range/],
    ['1.2.3/8', /invalid IP address: 1.2.3/],
  ];
  for (const [text, want] of rows) {
    it(`${text}`, () => {
      const n = parseNetwork(text);
      if (want instanceof RegExp) assert.match(n as string, want);
      else {
        assert.notEqual(typeof n, 'string');
        const net = n as Exclude<typeof n, string>;
        const addr = net.v === 4 ? formatIP({ v: 4, n: net.net }) : formatIP({ v: 6, w: net.w });
        assert.equal(`${addr}/${net.bits}`, want);
      }
    });
  }
});

describe('deliberate difference from proxy-addr: ambiguous IPv4 forms are never trusted', () => {
  // ipaddr.js (inside proxy-addr) reads 010.0.0.1 as octal 8.0.0.1, 0x7f.0.0.1 as 127.0.0.1, 2130706433 as
  // 127.0.0.1: a client-supplied X-Forwarded-For entry written that way passes proxy-addr's trust check.
  const cases: [string, string][] = [
    ['010.0.0.1', '8.0.0.1'],
    ['0x7f.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
  ];
  for (const [spoof, readAs] of cases) {
    it(`${spoof} (proxy-addr reads ${readAs})`, () => {
      const req = { socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': `198.51.100.7, ${spoof}` } };
      assert.equal(proxyaddr(req, ['127.0.0.1', readAs]), '198.51.100.7', 'proxy-addr walks past the ambiguous entry');
      const r = resolve(
        { remoteAddress: '127.0.0.1', headers: req.headers },
        createPolicy({ trust: ['127.0.0.1', readAs], hops: 5 }),
      );
      assert.equal(r.clientAddress, spoof, 'we stop at it');
    });
  }
});
