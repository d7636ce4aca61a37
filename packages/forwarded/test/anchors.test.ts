// Policy and resolver behaviour, each row pinned to the anchor it follows (or deliberately departs from):
//  - ASP.NET Core ForwardedHeadersMiddleware (KnownProxies, KnownNetworks, ForwardLimit, AllowedHosts):
//    https://learn.microsoft.com/aspnet/core/host-and-deploy/proxy-load-balancer
//    https://github.com/dotnet/aspnetcore/blob/main/src/Middleware/HttpOverrides/src/ForwardedHeadersMiddleware.cs
//  - proxy-addr (Express's `trust proxy`): https://github.com/jshttp/proxy-addr#readme
//  - uvicorn --forwarded-allow-ips / ProxyHeadersMiddleware: https://www.uvicorn.org/settings/#http
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPolicy, PolicyError, type PolicyOptions, type Resolved, resolve } from '../src/index.js';

type Headers = Record<string, string | string[]>;
interface Row {
  anchor: string;
  policy: PolicyOptions;
  peer?: string;
  unix?: boolean;
  encrypted?: boolean;
  headers: Headers;
  want: Partial<Pick<Resolved, 'scheme' | 'host' | 'port' | 'clientAddress' | 'trusted' | 'addresses' | 'prefix' | 'source'>>;
  reason?: RegExp;
}

const ROWS: Row[] = [
  // default
  {
    anchor: 'ours + ASP.NET (ForwardedHeaders defaults to None): default policy trusts nothing',
    policy: {},
    peer: '127.0.0.1',
    headers: { host: 'app.test', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
    want: { scheme: 'http', clientAddress: '127.0.0.1', trusted: false },
    reason: /not a trusted proxy/,
  },
  {
    anchor: 'ours: no forwarded headers, socket values',
    policy: { trust: 'loopback' },
    peer: '127.0.0.1',
    encrypted: true,
    headers: { host: 'app.test' },
    want: { scheme: 'https', host: 'app.test', port: 443, trusted: false, source: 'socket' },
  },
  {
    anchor:
      'ours + ASP.NET (headers are opt-in): by default X-Forwarded-Host from a trusted proxy is not read — nginx passes a client-sent one through',
    policy: { trust: 'loopback' },
    peer: '127.0.0.1',
    headers: { host: 'app.test', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    want: { host: 'app.test', scheme: 'https' },
  },
  {
    anchor: 'ours: by default a client-sent Forwarded passed through nginx is not read',
    policy: { trust: 'loopback' },
    peer: '127.0.0.1',
    headers: {
      host: 'app.test',
      forwarded: 'for=198.51.100.66;proto=http',
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
    },
    want: { scheme: 'https', clientAddress: '203.0.113.9' },
  },
  {
    anchor: 'ours (Koa does the same): HTTP/2 :authority stands in for a missing Host',
    policy: {},
    peer: '198.51.100.1',
    encrypted: true,
    headers: { ':authority': 'app.test:8443' },
    want: { host: 'app.test', port: 8443, scheme: 'https' },
  },
  // ASP.NET KnownProxies / KnownNetworks
  {
    anchor: 'ASP.NET KnownProxies: an exact proxy address',
    policy: { trust: ['10.0.0.2'] },
    peer: '10.0.0.2',
    headers: { host: 'app.test', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
    want: { scheme: 'https', clientAddress: '203.0.113.9', trusted: true },
  },
  {
    anchor: 'ASP.NET KnownProxies: any other peer is ignored',
    policy: { trust: ['10.0.0.2'] },
    peer: '10.0.0.3',
    headers: { host: 'app.test', 'x-forwarded-proto': 'https' },
    want: { scheme: 'http', trusted: false },
  },
  {
    anchor: 'ASP.NET KnownNetworks: a CIDR network',
    policy: { trust: ['172.16.0.0/12'] },
    peer: '172.18.0.5',
    headers: { host: 'app.test', 'x-forwarded-proto': 'https' },
    want: { scheme: 'https', trusted: true },
  },
  {
    anchor:
      'ASP.NET KnownProxies default [::1] / KnownNetworks 127.0.0.0/8 = our loopback preset; IPv4-mapped peer matches IPv4 entry',
    policy: { trust: 'loopback' },
    peer: '::ffff:127.0.0.1',
    headers: { 'x-forwarded-for': '203.0.113.9' },
    want: { clientAddress: '203.0.113.9', trusted: true },
  },
  // ASP.NET ForwardLimit
  {
    anchor: 'ASP.NET ForwardLimit default 1: only the nearest entry is used',
    policy: { trust: 'uniquelocal' },
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.2' },
    want: { clientAddress: '10.0.0.2', addresses: ['10.0.0.1', '10.0.0.2'] },
    reason: /hop limit 1 reached/,
  },
  {
    anchor: 'ASP.NET ForwardLimit 2',
    policy: { trust: 'uniquelocal', hops: 2 },
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.2' },
    want: { clientAddress: '203.0.113.9', addresses: ['10.0.0.1', '10.0.0.2', '203.0.113.9'] },
  },
  {
    anchor: 'ASP.NET: entries are aligned from the right; the deepest trusted X-Forwarded-Proto wins',
    policy: { trust: 'uniquelocal', hops: 2 },
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.2', 'x-forwarded-proto': 'https, http' },
    want: { scheme: 'https', clientAddress: '203.0.113.9' },
  },
  {
    anchor: 'ASP.NET: a shorter X-Forwarded-Proto list belongs to the nearest proxies',
    policy: { trust: 'uniquelocal', hops: 2 },
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.2', 'x-forwarded-proto': 'http' },
    want: { scheme: 'http', clientAddress: '203.0.113.9' },
  },
  {
    anchor: 'ASP.NET: X-Forwarded-Proto alone from a known proxy is honoured',
    policy: { trust: 'loopback' },
    peer: '127.0.0.1',
    headers: { host: 'app.test', 'x-forwarded-proto': 'https' },
    want: { scheme: 'https', clientAddress: '127.0.0.1', port: 443, trusted: true },
  },
  {
    anchor: 'ASP.NET X-Forwarded-Host replaces Host (opt-in headers)',
    policy: {
      trust: 'loopback',
      headers: ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'],
    },
    peer: '127.0.0.1',
    headers: { host: 'backend:8000', 'x-forwarded-host': 'www.example.com', 'x-forwarded-proto': 'https' },
    want: { host: 'www.example.com', port: 443 },
  },
  {
    anchor: 'ASP.NET AllowedHosts: a forwarded host outside the list is refused',
    policy: {
      trust: 'loopback',
      allowedHosts: ['*.example.com'],
      headers: ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'],
    },
    peer: '127.0.0.1',
    headers: { host: 'backend', 'x-forwarded-host': 'evil.test' },
    want: { host: 'backend', trusted: false },
    reason: /not in allowedHosts/,
  },
  {
    anchor: 'ASP.NET AllowedHosts: *.example.com allows subdomains',
    policy: {
      trust: 'loopback',
      allowedHosts: ['*.example.com'],
      headers: ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'],
    },
    peer: '127.0.0.1',
    headers: { host: 'backend', 'x-forwarded-host': 'www.example.com' },
    want: { host: 'www.example.com', trusted: true },
  },
  {
    anchor: 'ASP.NET: an invalid scheme stops processing (ours: nothing is used)',
    policy: { trust: 'loopback' },
    peer: '127.0.0.1',
    headers: { 'x-forwarded-proto': 'https://', 'x-forwarded-for': '203.0.113.9' },
    want: { scheme: 'http', clientAddress: '127.0.0.1', trusted: false },
    reason: /invalid forwarded scheme/,
  },
  {
    anchor: 'ASP.NET X-Forwarded-Prefix (PathBase), opt-in header',
    policy: { trust: 'loopback', headers: ['x-forwarded-proto', 'x-forwarded-prefix'] },
    peer: '127.0.0.1',
    headers: { 'x-forwarded-prefix': '/app', 'x-forwarded-proto': 'https' },
    want: { prefix: '/app', scheme: 'https' },
  },
  // proxy-addr
  {
    anchor: 'proxy-addr: walk from the right, stop at the first untrusted address',
    policy: { trust: ['10.0.0.1', '10.0.0.2'], hops: Infinity },
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '198.51.100.1, 192.168.0.1, 10.0.0.2' },
    want: { clientAddress: '192.168.0.1', addresses: ['10.0.0.1', '10.0.0.2', '192.168.0.1'] },
  },
  {
    anchor: 'proxy-addr: a non-IP entry becomes the client (not trusted, reported as is)',
    policy: { trust: ['10.0.0.1', '10.0.0.2'], hops: Infinity },
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '192.168.0.1, 10.0.0.2, localhost' },
    want: { clientAddress: 'localhost' },
  },
  {
    anchor: 'proxy-addr: IPv4 entry trusts the IPv4-mapped peer',
    policy: { trust: '10.0.0.1' },
    peer: '::ffff:a00:1',
    headers: { 'x-forwarded-for': '192.168.0.1' },
    want: { clientAddress: '192.168.0.1' },
  },
  {
    anchor: 'proxy-addr: mapped /122 network = IPv4 /26',
    policy: { trust: '::ffff:a00:2/122', hops: Infinity },
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '192.168.0.1, 10.0.0.200' },
    want: { clientAddress: '10.0.0.200' },
  },
  {
    anchor: 'proxy-addr: a native IPv6 network never matches an IPv4 peer',
    policy: { trust: '::/0' },
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '192.168.0.1' },
    want: { clientAddress: '10.0.0.1', trusted: false },
  },
  {
    anchor: 'proxy-addr presets: linklocal',
    policy: { trust: 'linklocal', hops: Infinity },
    peer: 'fe80::1',
    headers: { 'x-forwarded-for': '2002:c000:203::1, fe80::2' },
    want: { clientAddress: '2002:c000:203::1' },
  },
  {
    anchor: 'proxy-addr: empty list members and spaces are dropped',
    policy: { trust: 'uniquelocal', hops: Infinity },
    peer: '10.0.0.1',
    headers: { 'x-forwarded-for': '  203.0.113.9 ,, 10.0.0.3 ' },
    want: { clientAddress: '203.0.113.9', addresses: ['10.0.0.1', '10.0.0.3', '203.0.113.9'] },
  },
  {
    anchor: 'ours vs proxy-addr: 0.0.0.0/0 accepted (proxy-addr rejects a zero prefix)',
    policy: { trust: '0.0.0.0/0' },
    peer: '198.51.100.1',
    headers: { 'x-forwarded-for': '203.0.113.9' },
    want: { clientAddress: '203.0.113.9', trusted: true },
  },
  // uvicorn
  {
    anchor: 'uvicorn --forwarded-allow-ips: a comma-separated string of IPs and networks',
    policy: { trust: '127.0.0.1, 10.0.0.0/8' },
    peer: '10.1.2.3',
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
    want: { scheme: 'https', clientAddress: '203.0.113.9' },
  },
  {
    anchor: 'uvicorn: a unix socket peer is trusted only when listed (ours: the `unix` entry)',
    policy: { trust: 'unix' },
    unix: true,
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
    want: { scheme: 'https', clientAddress: '203.0.113.9', addresses: ['unix:', '203.0.113.9'] },
  },
  {
    anchor: 'uvicorn: unix peer without the unix entry is not trusted',
    policy: { trust: 'loopback' },
    unix: true,
    headers: { 'x-forwarded-proto': 'https' },
    want: { scheme: 'http', trusted: false },
  },
  {
    anchor: 'uvicorn: X-Forwarded-Proto ws/wss are schemes too',
    policy: { trust: 'loopback' },
    peer: '127.0.0.1',
    headers: { 'x-forwarded-proto': 'WSS', host: 'app.test' },
    want: { scheme: 'wss', port: 443 },
  },
  // headers selection and conflicts
  {
    anchor: 'ours: headers not selected are never read',
    policy: { trust: 'loopback', headers: ['forwarded'] },
    peer: '127.0.0.1',
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
    want: { scheme: 'http', trusted: false },
  },
  {
    anchor: 'ours: Forwarded and X-Forwarded-* agree -> used (opt-in headers)',
    policy: {
      trust: 'loopback',
      headers: ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'],
    },
    peer: '127.0.0.1',
    headers: { forwarded: 'for=203.0.113.9;proto=https', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' },
    want: { scheme: 'https', clientAddress: '203.0.113.9', source: 'forwarded' },
  },
  {
    anchor: 'ours: Forwarded and X-Forwarded-* disagree -> rejected by default (opt-in headers)',
    policy: {
      trust: 'loopback',
      headers: ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'],
    },
    peer: '127.0.0.1',
    headers: { forwarded: 'for=198.51.100.66;proto=https', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'http' },
    want: { scheme: 'http', clientAddress: '127.0.0.1', trusted: false },
    reason: /disagree/,
  },
  {
    anchor: 'ours: disagreement resolved by onConflict: x-forwarded',
    policy: {
      trust: 'loopback',
      onConflict: 'x-forwarded',
      headers: ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'],
    },
    peer: '127.0.0.1',
    headers: { forwarded: 'for=198.51.100.66;proto=https', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'http' },
    want: { scheme: 'http', clientAddress: '203.0.113.9', trusted: true, source: 'x-forwarded' },
  },
  {
    anchor: 'ours: X-Real-IP (opt-in) names the client when X-Forwarded-For is absent',
    policy: { trust: 'loopback', headers: ['x-real-ip'] },
    peer: '127.0.0.1',
    headers: { 'x-real-ip': '203.0.113.9' },
    want: { clientAddress: '203.0.113.9', trusted: true },
  },
  {
    anchor: 'ours: X-Real-IP with two values is malformed',
    policy: { trust: 'loopback', headers: ['x-real-ip'] },
    peer: '127.0.0.1',
    headers: { 'x-real-ip': ['203.0.113.9', '198.51.100.1'] },
    want: { clientAddress: '127.0.0.1', trusted: false },
    reason: /exactly one/,
  },
  // host / port
  {
    anchor: 'ours: X-Forwarded-Port overrides the port (opt-in headers)',
    policy: {
      trust: 'loopback',
      headers: ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'],
    },
    peer: '127.0.0.1',
    headers: { host: 'app.test', 'x-forwarded-proto': 'https', 'x-forwarded-port': '8443' },
    want: { port: 8443 },
  },
  {
    anchor: 'ours: an invalid Host header leaves host undefined',
    policy: {},
    peer: '198.51.100.1',
    headers: { host: 'a b' },
    want: { host: undefined },
    reason: /invalid Host header/,
  },
  {
    anchor: 'ours: a 1 MB header is refused without parsing',
    policy: { trust: 'loopback' },
    peer: '127.0.0.1',
    headers: { 'x-forwarded-for': '1.2.3.4,'.repeat(131072) },
    want: { clientAddress: '127.0.0.1', trusted: false },
    reason: /longer than 8192/,
  },
  {
    anchor: 'ours: more than maxEntries list members is malformed',
    policy: { trust: 'loopback' },
    peer: '127.0.0.1',
    headers: { 'x-forwarded-for': Array.from({ length: 70 }, (_, i) => `10.0.0.${i}`).join(',') },
    want: { trusted: false },
    reason: /more than 64 entries/,
  },
];

describe('anchors', () => {
  for (const row of ROWS) {
    it(row.anchor, () => {
      const r = resolve(
        { remoteAddress: row.peer, unixSocket: row.unix, encrypted: row.encrypted, headers: row.headers },
        createPolicy(row.policy),
      );
      for (const [k, v] of Object.entries(row.want)) assert.deepEqual(r[k as keyof Resolved], v, `${k}: ${JSON.stringify(r)}`);
      if (row.reason) assert.match(r.reasons.join('\n'), row.reason);
    });
  }
});

describe('policy validation (configuration errors throw at start-up, never per request)', () => {
  const bad: [unknown, RegExp][] = [
    ['*', /invalid IP address: \*/], // uvicorn's '*' is not accepted: spell out 0.0.0.0/0, ::/0
    ['localhost', /invalid IP address/],
    ['10.0.0.1/33', /invalid range/],
    [42, /unsupported trust argument/],
    [['10.0.0.1', 7], /must be strings/],
  ];
  for (const [trust, msg] of bad)
    it(`trust ${JSON.stringify(trust)}`, () =>
      assert.throws(
        () => createPolicy({ trust: trust as string }),
        (e: unknown) => e instanceof PolicyError && msg.test(e.message),
      ));
  it('hops must be a positive integer', () => {
    for (const hops of [0, -1, 1.5, Number.NaN]) assert.throws(() => createPolicy({ hops }), PolicyError);
  });
  it('unknown header names', () => assert.throws(() => createPolicy({ headers: ['x-forwarded-user' as never] }), PolicyError));
  it('resolve accepts inline options and caches their compilation', () => {
    const opts = { trust: 'loopback' };
    const a = resolve({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' } }, opts);
    assert.equal(a.clientAddress, '203.0.113.9');
  });
  it('a throwing headers object does not make resolve throw', () => {
    const headers = {
      get() {
        throw new Error('boom');
      },
    };
    const r = resolve({ remoteAddress: '127.0.0.1', headers }, { trust: 'loopback' });
    assert.equal(r.trusted, false);
    assert.match(r.reasons.join(), /boom/);
  });
});
