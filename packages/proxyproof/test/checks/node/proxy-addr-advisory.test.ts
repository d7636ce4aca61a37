import assert from 'node:assert/strict';
import { test } from 'node:test';
import proxyaddr from 'proxy-addr';
import { proxyAddrAdvisory } from '../../../src/checks/node/proxy-addr-advisory.js';
import { versionsIn } from '../../../src/collectors/node/lockfile.js';
import { proxyAddrAffected, spansMappedBlock } from '../../../src/model/proxy-addr.js';
import { caseTable, nginxSameHost } from '../express/harness.js';

test('proxyAddrAffected: >=1.1.0 <2.0.8 (GHSA-jqcg-44mw-7w3h)', () => {
  const table: Array<[string, boolean | undefined]> = [
    ['2.0.7', true],
    ['2.0.0', true],
    ['1.1.0', true],
    ['1.0.10', false],
    ['2.0.8', false],
    ['2.1.0', false],
    ['3.0.0', false],
    ['latest', undefined],
  ];
  for (const [v, want] of table) assert.equal(proxyAddrAffected(v), want, v);
});

test('spansMappedBlock: which entries cover ::ffff:0:0/96 with a prefix shorter than /96', () => {
  const table: Array<[string, { ipv4?: string } | undefined]> = [
    ['::ffff:10.0.0.0/8', { ipv4: '10.0.0.0/8' }],
    ['::ffff:172.16.0.0/12', { ipv4: '172.16.0.0/12' }],
    ['::/64', {}],
    ['::/80', {}],
    ['::ffff:10.0.0.0/88', {}],
    // traps: a mapped subnet of /96 or longer is IPv4 by design, in every version
    ['::ffff:10.0.0.0/104', undefined],
    ['::ffff:0:0/96', undefined],
    ['::ffff:10.0.0.1', undefined],
    ['::/81', undefined],
    ['fc00::/7', undefined],
    ['10.0.0.0/8', undefined],
    ['loopback', undefined],
  ];
  for (const [e, want] of table) assert.deepEqual(spansMappedBlock(e), want, e);
});

// The installed proxy-addr is 2.0.8 (the root package.json): what the check says of 2.0.8, checked against it. 2.0.7's
// side rests on its source (trustMulti/trustSingle converting an IPv4 peer with toIPv4MappedAddress), see the check.
test('proxy-addr 2.0.8 itself: a spanning entry trusts no IPv4 peer; a /96+ mapped subnet still does', () => {
  for (const e of ['::ffff:10.0.0.0/8', '::/64', '::ffff:10.0.0.0/88']) {
    const trust = proxyaddr.compile([e]);
    assert.equal(trust('10.0.0.5', 0), false, e);
    assert.equal(trust('203.0.113.9', 0), false, e);
    assert.equal(trust('::ffff:203.0.113.9', 0), false, e);
    assert.ok(spansMappedBlock(e), e);
  }
  const mapped = proxyaddr.compile(['::ffff:10.0.0.0/104']);
  assert.equal(mapped('10.0.0.5', 0), true);
  assert.equal(spansMappedBlock('::ffff:10.0.0.0/104'), undefined);
  // The fix's IPv4 form trusts the proxy and nobody else.
  const fixed = proxyaddr.compile(['10.0.0.0/8']);
  assert.equal(fixed('10.0.0.5', 0), true);
  assert.equal(fixed('203.0.113.9', 0), false);
});

test('lockfile readers: the proxy-addr versions each format pins', () => {
  const npm3 = `{
  "name": "api",
  "lockfileVersion": 3,
  "packages": {
    "": {
      "dependencies": {
        "express": "^4.18.2"
      }
    },
    "node_modules/express": {
      "version": "4.18.2",
      "dependencies": {
        "proxy-addr": "~2.0.7"
      }
    },
    "node_modules/@types/proxy-addr": {
      "version": "2.0.3"
    },
    "node_modules/proxy-addr": {
      "version": "2.0.7",
      "resolved": "https://registry.npmjs.org/proxy-addr/-/proxy-addr-2.0.7.tgz"
    },
    "node_modules/other/node_modules/proxy-addr": {
      "dev": true,
      "version": "1.0.10"
    }
  }
}`.split('\n');
  assert.deepEqual(
    versionsIn('package-lock.json', 'package-lock.json', npm3, 'proxy-addr').map((v) => `${v.version}@${v.ref.line}`),
    ['2.0.7@20', '1.0.10@25'],
  );
  const npm1 = `{
  "lockfileVersion": 1,
  "dependencies": {
    "proxy-addr": {
      "version": "2.0.6",
      "requires": {
        "forwarded": "~0.1.2"
      }
    }
  }
}`.split('\n');
  assert.deepEqual(
    versionsIn('package-lock.json', 'package-lock.json', npm1, 'proxy-addr').map((v) => `${v.version}@${v.ref.line}`),
    ['2.0.6@5'],
  );
  const yarn1 = `# yarn lockfile v1


proxy-addr-extra@^1.0.0:
  version "1.0.0"

proxy-addr@~2.0.5, proxy-addr@~2.0.7:
  version "2.0.7"
  resolved "https://registry.yarnpkg.com/proxy-addr/-/proxy-addr-2.0.7.tgz"
`.split('\n');
  assert.deepEqual(
    versionsIn('yarn.lock', 'yarn.lock', yarn1, 'proxy-addr').map((v) => `${v.version}@${v.ref.line}`),
    ['2.0.7@8'],
  );
  const berry = `__metadata:
  version: 8

"proxy-addr@npm:~2.0.7":
  version: 2.0.7
  resolution: "proxy-addr@npm:2.0.7"
`.split('\n');
  assert.deepEqual(
    versionsIn('yarn.lock', 'yarn.lock', berry, 'proxy-addr').map((v) => `${v.version}@${v.ref.line}`),
    ['2.0.7@5'],
  );
  const pnpm6 = `lockfileVersion: '6.0'
packages:
  /proxy-addr@2.0.7:
    resolution: {integrity: sha512-x}
  /proxy-addr-x@1.0.0:
    resolution: {integrity: sha512-y}
`.split('\n');
  assert.deepEqual(
    versionsIn('pnpm-lock.yaml', 'pnpm-lock.yaml', pnpm6, 'proxy-addr').map((v) => `${v.version}@${v.ref.line}`),
    ['2.0.7@3'],
  );
  const pnpm5 = `lockfileVersion: 5.4
packages:
  /proxy-addr/2.0.6:
    resolution: {integrity: sha512-x}
`.split('\n');
  assert.deepEqual(
    versionsIn('pnpm-lock.yaml', 'pnpm-lock.yaml', pnpm5, 'proxy-addr').map((v) => v.version),
    ['2.0.6'],
  );
  const pnpm9 = `lockfileVersion: '9.0'
packages:
  proxy-addr@2.0.8:
    resolution: {integrity: sha512-x}
snapshots:
  proxy-addr@2.0.8:
    dependencies:
      forwarded: 0.2.0
`.split('\n');
  assert.deepEqual(
    versionsIn('pnpm-lock.yaml', 'pnpm-lock.yaml', pnpm9, 'proxy-addr').map((v) => `${v.version}@${v.ref.line}`),
    ['2.0.8@3'],
  );
});

const app = (trust: string, host = '127.0.0.1') =>
  `const express = require('express');\nconst app = express();\napp.set('trust proxy', ${trust});\napp.get('/', (req, res) => res.send(req.ip));\napp.listen(3000, '${host}');\n`;
const pkg = JSON.stringify({ name: 'api', dependencies: { express: '^4.18.2' } }, null, 2);
const lock = (version: string) =>
  JSON.stringify(
    {
      name: 'api',
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { express: '^4.18.2' } },
        'node_modules/express': { version: '4.18.2' },
        'node_modules/proxy-addr': { version },
      },
    },
    null,
    2,
  );

caseTable(proxyAddrAdvisory, [
  {
    name: "'::ffff:10.0.0.0/8' with proxy-addr 2.0.7 in package-lock.json, app on every interface: high",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg,
      'api/package-lock.json': lock('2.0.7'),
      'api/app.js': app("['loopback', '::ffff:10.0.0.0/8']", '0.0.0.0'),
    },
    expect: ['api/app.js@3'],
    check: ([f]) => {
      assert.equal(f?.severity, 'high');
      assert.match(f?.message ?? '', /EVERY IPv4 address/);
      assert.ok(
        f?.evidence.some((e) => e.file.endsWith('api/package-lock.json') && e.line === 14),
        JSON.stringify(f?.evidence),
      );
      assert.deepEqual(f?.fix?.lines, ["app.set('trust proxy', ['loopback', '10.0.0.0/8']);"]);
      assert.equal(f?.fix?.placement, 'replace');
    },
  },
  {
    name: "'::/64' with proxy-addr 2.0.7 in a yarn.lock above the package (a workspace), loopback bind: medium, advice",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['api'] }),
      'yarn.lock': '# yarn lockfile v1\n\n\nproxy-addr@~2.0.7:\n  version "2.0.7"\n',
      'api/package.json': pkg,
      'api/app.js': app("'loopback, ::/64'"),
    },
    expect: ['api/app.js@3'],
    check: ([f]) => {
      assert.equal(f?.severity, 'medium');
      assert.ok(f?.evidence.some((e) => e.file.endsWith('yarn.lock') && e.line === 5));
      assert.equal(f?.fix?.lines, undefined, 'an IPv6 range is not rewritten: the upgrade is advised');
    },
  },
  {
    name: "'::ffff:10.0.0.0/8' with proxy-addr 2.0.8 (pnpm-lock.yaml): medium, the proxy is not trusted",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg,
      'api/pnpm-lock.yaml': "lockfileVersion: '9.0'\npackages:\n  proxy-addr@2.0.8:\n    resolution: {integrity: sha512-x}\n",
      'api/app.js': app("['::ffff:10.0.0.0/8']"),
    },
    expect: ['api/app.js@3'],
    check: ([f]) => {
      assert.equal(f?.severity, 'medium');
      assert.match(f?.message ?? '', /matches against no IPv4 address: the proxy at 10\.0\.0\.0\/8/);
    },
  },
  {
    name: 'no lockfile: low, the installed version decides',
    files: { 'nginx/app.conf': nginxSameHost(3000), 'api/package.json': pkg, 'api/app.js': app("['::ffff:10.0.0.0/8']") },
    expect: ['api/app.js@3'],
    check: ([f]) => assert.equal(f?.severity, 'low'),
  },
  // valid
  {
    name: 'trap: proxy-addr 2.0.7 with IPv4 and /96+ mapped entries (matched the same way by every version)',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg,
      'api/package-lock.json': lock('2.0.7'),
      'api/app.js': app("['loopback', '10.0.0.0/8', '::ffff:172.18.0.0/112', 'fc00::/7']"),
    },
    expect: [],
  },
  {
    name: "trap: '::/64' with proxy-addr 2.0.8 (an IPv6 range that trusts IPv6 peers, as written)",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg,
      'api/package-lock.json': lock('2.0.8'),
      'api/app.js': app("['loopback', '::/64']"),
    },
    expect: [],
  },
  {
    name: 'trap: trust proxy true on proxy-addr 2.0.7 (trusts everyone by design; express/trust-proxy-all judges it)',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg,
      'api/package-lock.json': lock('2.0.7'),
      'api/app.js': app('true'),
    },
    expect: [],
  },
]);
