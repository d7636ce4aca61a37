import assert from 'node:assert/strict';
import { test } from 'node:test';
import { advisoryRange, fastifyTrustProxyAdvisory } from '../../../src/checks/node/fastify-trust-proxy-advisory.js';
import { caseTable, nginxSameHost } from '../express/harness.js';

const srv = (opts: string, listen = "{ port: 3000, host: '127.0.0.1' }") =>
  `import Fastify from 'fastify';\nconst app = Fastify(${opts});\napp.get('/', async (req) => req.protocol);\nawait app.listen(${listen});\n`;
const lock = (version: string) =>
  JSON.stringify(
    {
      name: 'api',
      lockfileVersion: 3,
      packages: { '': { dependencies: { fastify: '^5.2.0' } }, 'node_modules/fastify': { version } },
    },
    null,
    2,
  );
const pkg = (range: string) => JSON.stringify({ name: 'api', type: 'module', dependencies: { fastify: range } }, null, 2);

test('fastify/trust-proxy-advisory: package.json ranges against GHSA-444r-cwp2-x5xf (fixed in 5.8.3)', () => {
  const table: Array<[string, ReturnType<typeof advisoryRange>]> = [
    ['5.8.2', 'affected'],
    ['~5.7.1', 'affected'],
    ['^4.29.1', 'affected'],
    ['4.x', 'affected'],
    ['^3.29.0', 'affected'],
    ['^5.2.0', 'maybe'],
    ['~5.8.0', 'maybe'],
    ['5.x', 'maybe'],
    ['>=5.0.0', 'maybe'],
    ['5.8.3', undefined],
    ['^5.8.3', undefined],
    ['^5.9.0', undefined],
    ['6.0.0', undefined],
    ['workspace:*', undefined],
    ['latest', undefined],
  ];
  for (const [range, want] of table) assert.equal(advisoryRange(range), want, range);
});

caseTable(fastifyTrustProxyAdvisory, [
  {
    name: "trustProxy '127.0.0.1' on fastify 5.8.2 listening on 0.0.0.0",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg('5.8.2'),
      'api/server.mjs': srv("{ trustProxy: '127.0.0.1' }", "{ port: 3000, host: '0.0.0.0' }"),
    },
    expect: ['api/server.mjs@2'],
    check: ([f]) => {
      assert.equal(f?.severity, 'medium');
      assert.match(f?.message ?? '', /reachable without the proxy/);
      assert.ok(
        f?.evidence.some((e) => e.file.endsWith('api/package.json') && e.line === 5),
        JSON.stringify(f?.evidence),
      );
      assert.deepEqual(f?.fix?.lines, ['    "fastify": "^5.8.3"']);
      assert.equal(f?.fix?.placement, 'replace');
    },
  },
  {
    name: 'a hop count on fastify ^4.29.1 (4.x got no fix), loopback bind: low',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg('^4.29.1'),
      'api/server.mjs': srv('{ trustProxy: 1 }'),
    },
    expect: ['api/server.mjs@2'],
    check: ([f]) => assert.equal(f?.severity, 'low', 'listens on 127.0.0.1 only: only local processes bypass the proxy'),
  },
  {
    name: 'a hop count on fastify ^4.29.1 on every interface: medium',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg('^4.29.1'),
      'api/server.mjs': srv('{ trustProxy: 1 }', "{ port: 3000, host: '0.0.0.0' }"),
    },
    expect: ['api/server.mjs@2'],
    check: ([f]) => assert.equal(f?.severity, 'medium'),
  },
  {
    name: 'a caret 5.x range below 5.8.3: low, the lockfile decides',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg('^5.2.0'),
      'api/server.mjs': srv("{ trustProxy: '127.0.0.1' }"),
    },
    expect: ['api/server.mjs@2'],
    check: ([f]) => assert.equal(f?.severity, 'low'),
  },
  {
    name: 'a caret 5.x range the package-lock.json pins at 5.6.0, app on every interface: medium, the lockfile line cited',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg('^5.2.0'),
      'api/package-lock.json': lock('5.6.0'),
      'api/server.mjs': srv("{ trustProxy: '127.0.0.1' }", "{ port: 3000, host: '0.0.0.0' }"),
    },
    expect: ['api/server.mjs@2'],
    check: ([f]) => {
      assert.equal(f?.severity, 'medium');
      assert.match(f?.message ?? '', /installed: 5\.6\.0/);
      assert.ok(f?.evidence.some((e) => e.file.endsWith('api/package-lock.json') && e.line === 11));
    },
  },
  // valid
  {
    name: 'trap: a caret 5.x range below 5.8.3 that the lockfile pins at 5.8.4',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg('^5.2.0'),
      'api/package-lock.json': lock('5.8.4'),
      'api/server.mjs': srv("{ trustProxy: '127.0.0.1' }", "{ port: 3000, host: '0.0.0.0' }"),
    },
    expect: [],
  },
  {
    name: 'fastify ^5.8.3',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg('^5.8.3'),
      'api/server.mjs': srv("{ trustProxy: '127.0.0.1' }"),
    },
    expect: [],
  },
  {
    name: 'trap: trustProxy: true (trusts everyone by design; fastify/trust-proxy-all judges it)',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/package.json': pkg('5.8.2'),
      'api/server.mjs': srv('{ trustProxy: true }'),
    },
    expect: [],
  },
  {
    name: 'trap: trustProxy unset on 5.8.2 (the getters read no forwarded header)',
    files: { 'nginx/app.conf': nginxSameHost(3000), 'api/package.json': pkg('5.8.2'), 'api/server.mjs': srv('{}') },
    expect: [],
  },
  {
    name: 'no package.json: the version is unknown, nothing is claimed',
    files: { 'nginx/app.conf': nginxSameHost(3000), 'api/server.mjs': srv("{ trustProxy: '127.0.0.1' }") },
    expect: [],
  },
]);
