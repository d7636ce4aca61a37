// The chain matches an Express/Fastify trust list as the proxy-addr the lockfile pins matches it (model/proxy-addr.ts).
// An IPv6 entry shorter than /96 covering ::ffff:0:0 (`::ffff:172.16.0.0/12`, an IPv4 prefix written on the mapped
// notation) trusts EVERY IPv4 address up to 2.0.7 and NONE from 2.0.8; until this round the simulation read it as the
// IPv4 range the writer meant, whatever the version. The matcher is compared with the installed proxy-addr 2.0.8 on
// generated lists and addresses; 2.0.7's side is a table read from its source (v2.0.7 index.js: trustMulti/
// trustSingle convert an IPv4 peer with toIPv4MappedAddress and match it against any IPv6 entry), and was compared
// with that source run on the same generated inputs when it was written (1,696 list x address pairs, no difference).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import proxyaddr from 'proxy-addr';
import { proxyAddrGeneration, proxyAddrIpv4Entries, proxyAddrSubnets, proxyAddrTrusts } from '../../src/model/proxy-addr.js';
import { lintFiles } from '../python/lint-files.js';

const ENTRIES = [
  '::ffff:10.0.0.0/8',
  '::/64',
  '::ffff:10.0.0.0/104',
  '::ffff:0:0/96',
  '::ffff:10.0.0.1',
  '::/81',
  'fc00::/7',
  '10.0.0.0/8',
  'loopback',
  'uniquelocal',
  'linklocal',
  '172.16.0.0/255.240.0.0',
  '::ffff:10.0.0.0/88',
  '::1',
  '2001:db8::/32',
  '::/96',
  '127.0.0.1',
  '::ffff:127.0.0.1/120',
  '192.168.1.0/24',
];
const ADDRESSES = [
  '10.0.0.5',
  '203.0.113.9',
  '::ffff:203.0.113.9',
  '::ffff:10.0.0.5',
  '127.0.0.1',
  '::ffff:127.0.0.1',
  '::1',
  'fc00::1',
  '2001:db8::1',
  '::a00:5',
  '169.254.1.1',
  '192.168.1.7',
  '172.20.0.3',
];

function lists(): string[][] {
  const out = ENTRIES.map((e) => [e]);
  for (let i = 0; i < ENTRIES.length; i++)
    for (let j = i + 1; j < ENTRIES.length; j += 3) out.push([ENTRIES[i] as string, ENTRIES[j] as string]);
  return out;
}

test('proxyAddrTrusts 2.0.8 answers as the installed proxy-addr 2.0.8 on every generated list and address', () => {
  let compared = 0;
  for (const list of lists()) {
    const real = proxyaddr.compile(list);
    const subnets = proxyAddrSubnets(list);
    for (const a of ADDRESSES) {
      assert.equal(proxyAddrTrusts(subnets, a, '2.0.8'), real(a, 0), `${list.join(',')} ${a}`);
      // The IPv4 reading (a peer whose address the files do not say) agrees with it for IPv4 peers.
      if (!a.includes(':')) {
        const v4 = proxyAddrIpv4Entries(list, '2.0.8');
        const got = v4.includes('0.0.0.0/0') || proxyAddrTrusts(proxyAddrSubnets(v4), a, '2.0.8');
        assert.equal(got, real(a, 0), `IPv4 reading ${list.join(',')} ${a}: ${v4.join(',')}`);
      }
      compared++;
    }
  }
  assert.ok(compared > 1000, String(compared));
});

test('proxyAddrTrusts before 2.0.8: the entries that span ::ffff:0:0/96 trust every IPv4 peer (v2.0.7 source)', () => {
  const table: Array<[string, string, boolean]> = [
    ['::ffff:10.0.0.0/8', '203.0.113.9', true],
    ['::ffff:10.0.0.0/8', '::ffff:203.0.113.9', true],
    ['::/64', '198.51.100.1', true],
    ['::ffff:10.0.0.0/88', '8.8.8.8', true],
    // the same in both generations: /96+ mapped subnets are IPv4 ranges, IPv6 ranges off the mapped block are IPv6
    ['::ffff:10.0.0.0/104', '10.0.0.5', true],
    ['::ffff:10.0.0.0/104', '203.0.113.9', false],
    ['::ffff:0:0/96', '203.0.113.9', true],
    ['fc00::/7', '10.0.0.5', false],
    ['2001:db8::/32', '203.0.113.9', false],
    ['::/96', '203.0.113.9', false],
    ['10.0.0.0/8', '::ffff:10.0.0.5', true],
    // 2.0.7 did not canonicalise a mapped peer: a native IPv6 peer inside a spanning IPv6 range is trusted as IPv6
    ['::/64', '::1', true],
  ];
  for (const [entry, addr, want] of table)
    assert.equal(proxyAddrTrusts(proxyAddrSubnets([entry]), addr, 'before-2.0.8'), want, `${entry} ${addr}`);
  assert.deepEqual(proxyAddrIpv4Entries(['::ffff:10.0.0.0/8', 'loopback'], 'before-2.0.8'), ['0.0.0.0/0', 'loopback']);
  assert.deepEqual(proxyAddrIpv4Entries(['::ffff:10.0.0.0/8', '::ffff:10.0.0.0/104'], '2.0.8'), ['10.0.0.0/8']);
});

test('proxyAddrGeneration: an affected pinned copy decides; nothing readable is undefined', () => {
  assert.equal(proxyAddrGeneration(['2.0.7']), 'before-2.0.8');
  assert.equal(proxyAddrGeneration(['2.0.8', '2.0.6']), 'before-2.0.8');
  assert.equal(proxyAddrGeneration(['2.0.8']), '2.0.8');
  assert.equal(proxyAddrGeneration(['1.0.10']), '2.0.8', 'before 1.1.0: outside the advisory, no mapped comparison');
  assert.equal(proxyAddrGeneration([]), undefined);
  assert.equal(proxyAddrGeneration(['latest']), undefined);
});

// nginx in one compose service ends TLS and proxies to Express in another: the Express trust list decides.
const stack = (trust: string, lockVersion?: string): Record<string, string> => ({
  'docker-compose.yml':
    'services:\n  nginx:\n    image: nginx:1.25\n    ports:\n      - "443:443"\n    volumes:\n      - ./nginx/app.conf:/etc/nginx/conf.d/default.conf:ro\n  api:\n    build: ./api\n    command: node app.js\n',
  'nginx/app.conf':
    'server {\n  listen 443 ssl;\n  server_name example.org;\n  ssl_certificate /c.pem;\n  ssl_certificate_key /k.pem;\n  location / {\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    proxy_pass http://api:3000;\n  }\n}\n',
  'api/app.js': `const express = require('express');\nconst app = express();\napp.set('trust proxy', ${trust});\napp.get('/', (req, res) => res.send(req.protocol));\napp.listen(3000, '0.0.0.0');\n`,
  'api/package.json': JSON.stringify({ name: 'api', dependencies: { express: '^4.18.2' } }, null, 2),
  'api/Dockerfile': 'FROM node:20\nCOPY . .\nCMD ["node", "app.js"]\n',
  ...(lockVersion
    ? {
        'api/package-lock.json': JSON.stringify(
          {
            name: 'api',
            lockfileVersion: 3,
            packages: {
              '': { dependencies: { express: '^4.18.2' } },
              'node_modules/express': { version: '4.18.2' },
              'node_modules/proxy-addr': { version: lockVersion },
            },
          },
          null,
          2,
        ),
      }
    : {}),
});

async function routeOf(files: Record<string, string>) {
  const { analysis } = await lintFiles(files);
  const route = analysis.chain.verdict.routes[0];
  assert.ok(route, 'one route');
  return route;
}

test('invalid: ::ffff:172.16.0.0/12 with proxy-addr 2.0.8 pinned: the nginx container is not trusted, https lost', async () => {
  const r = await routeOf(stack("['::ffff:172.16.0.0/12']", '2.0.8'));
  assert.equal(r.scheme.status, 'lost');
  assert.match(
    JSON.stringify(r.scheme),
    /the lockfile pins proxy-addr 2\.0\.8 or later, which matches ::ffff:172\.16\.0\.0\/12 against no IPv4 address/,
  );
});

test('invalid: the same list with no lockfile: 2.0.8, what npm installs today, and the loss says so', async () => {
  const r = await routeOf(stack("['::ffff:172.16.0.0/12']"));
  assert.equal(r.scheme.status, 'lost');
  assert.match(JSON.stringify(r.scheme), /no lockfile: proxy-addr 2\.0\.8, what npm installs today/);
});

test('invalid: the same list with proxy-addr 2.0.7 pinned: every IPv4 peer trusted, the client forged through nginx', async () => {
  const r = await routeOf(stack("['::ffff:172.16.0.0/12']", '2.0.7'));
  assert.equal(r.scheme.status, 'correct');
  const through = r.spoofable.find((s) => s.via === 'proxy');
  assert.ok(through?.what.includes('client'), JSON.stringify(r.spoofable.map((s) => [s.via, s.what])));
});

test('trap: a /96+ mapped subnet (::ffff:172.16.0.0/108 = 172.16.0.0/12) with 2.0.8 trusts the container (https)', async () => {
  const r = await routeOf(stack("['::ffff:172.16.0.0/108']", '2.0.8'));
  assert.equal(r.scheme.status, 'correct');
});

test('trap: the IPv4 range with proxy-addr 2.0.7 pinned: https, and the walk stops at the client nginx saw', async () => {
  const r = await routeOf(stack("['172.16.0.0/12']", '2.0.7'));
  assert.equal(r.scheme.status, 'correct');
  assert.ok(!r.spoofable.some((s) => s.via === 'proxy' && s.what.includes('client')), JSON.stringify(r.spoofable));
});
