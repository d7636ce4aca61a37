/**
 * One Node package built into two services of one compose file (`web` and `api`, both `build: .`, each container
 * running the same `server.js`): each service gets its own app server, with that service's environment and
 * published ports, and the chain gives both the framework. Services of another compose file (an alternative stack
 * that builds the same context), a service building another context, and one of the same build with another
 * command (a worker) get none; services that mount other packages over the workdir are start-script.test.ts's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { koaProxyAll } from '../../src/checks/node/koa-proxy-all.js';
import { lintFiles } from '../python/lint-files.js';

const SERVER = `const express = require('express');
const app = express();
app.set('trust proxy', 'loopback');
app.get('/', (req, res) => res.send(req.protocol));
app.listen(process.env.PORT || 3000);
`;
const PKG = JSON.stringify({ name: 'shop', dependencies: { express: '^4.19.2' }, scripts: { start: 'node server.js' } });

/** A compose service built from `.` with its own PORT; `extra`: more of its lines (command, ports, volumes). */
const service = (name: string, port: number, extra = '') =>
  `  ${name}:\n    build: .\n${extra}    environment:\n      PORT: "${port}"\n`;

const COMPOSE = `services:\n${service('web', 3000)}${service('api', 4000, '    ports:\n      - "4000:4000"\n')}  worker:\n    build: ./worker\n`;

const MOUNT = '    volumes:\n      - ./:/home/node/app\n';

const base = { 'server.js': SERVER, 'package.json': PKG, 'worker/run.py': 'print(1)\n' };

/** The node servers of the facts: service, port, reach. */
function nodeServers(facts: Awaited<ReturnType<typeof lintFiles>>['facts']) {
  return facts.appServers
    .filter((s) => s.kind === 'node')
    .map((s) => ({ service: s.service, port: s.binds[0]?.port, reach: s.binds[0]?.reach }));
}

/**
 * `servers`: the node servers expected (`service:port`), or only how many (which compose file's service comes first
 * is not this test's).
 */
const CASES: Array<{
  name: string;
  files: Record<string, string>;
  servers: string[] | number;
}> = [
  {
    name: 'web and api build the same context: a server each, on its own PORT',
    files: { ...base, 'docker-compose.yml': COMPOSE },
    servers: ['web:3000', 'api:4000'],
  },
  {
    name: 'one service builds it: one server',
    files: { ...base, 'docker-compose.yml': `services:\n${service('web', 3000)}  worker:\n    build: ./worker\n` },
    servers: ['web:3000'],
  },
  // Trap: a worker built from the same context with its own command runs another program, not the server.
  {
    name: 'trap: a service of the same build with another command: no server there',
    files: {
      ...base,
      'worker.js': 'setInterval(() => {}, 1000);\n',
      'docker-compose.yml': COMPOSE.replace(
        '  worker:\n    build: ./worker\n',
        '  worker:\n    build: .\n    command: node worker.js\n',
      ),
    },
    servers: ['web:3000', 'api:4000'],
  },
  // One mounted package started by its start script written two ways (`npm start`, `sh -c "npm install && npm
  // start"`): the same program in both containers.
  {
    name: 'the same mounted package and start script, written two ways: a server each',
    files: {
      ...base,
      'docker-compose.yml': `services:\n${service('dev', 8002, `    command: npm start\n${MOUNT}`)}${service('node', 8003, `    command: sh -c "npm install && npm start"\n${MOUNT}`)}`,
    },
    servers: ['dev:8002', 'node:8003'],
  },
  // Trap: two compose files that each build the context are two ways to run one service (alternative stacks), not
  // a second container of one stack.
  {
    name: 'trap: another compose file builds the same context: still one server',
    files: {
      ...base,
      'docker-compose.yml': `services:\n${service('web', 3000)}`,
      'docker-compose.prod.yml': `services:\n${service('app', 8080)}`,
    },
    servers: 1,
  },
];

for (const c of CASES)
  test(`node app built into compose services: ${c.name}`, async () => {
    const { facts } = await lintFiles(c.files, []);
    const got = nodeServers(facts).map(({ service, port }) => `${service}:${port}`);
    if (typeof c.servers === 'number') assert.equal(got.length, c.servers, JSON.stringify(got));
    else assert.deepEqual(got, c.servers);
  });

test('node app built into two services: their own reach, and the chain gives both the framework', async () => {
  const { facts } = await lintFiles({ ...base, 'docker-compose.yml': COMPOSE }, []);
  const servers = nodeServers(facts);
  // api publishes 4000 on every interface; web is reached on the compose network only.
  assert.notEqual(servers.find((s) => s.service === 'web')?.reach, 'network', JSON.stringify(servers));
  assert.equal(servers.find((s) => s.service === 'api')?.reach, 'network', JSON.stringify(servers));
  assert.equal(facts.frameworks.filter((f) => f.kind === 'express').length, 1, 'one framework: the code is one');
  const a = analyzeChain(facts);
  const apps = a.topology.apps.filter((x) => x.kind === 'node');
  assert.deepEqual(apps.map((x) => x.service).sort(), ['api', 'web']);
  for (const app of apps) assert.equal(app.framework?.kind, 'express', `${app.service}: ${app.label}`);
});

// The Node checks read every server of the package (checks/node/common.ts serversOf): a Koa app trusting every
// peer, run by `web` (compose network only, listed first) and `api` (published on every interface), is reachable
// without the proxy through api; reading only the first server called it proxy-only.
const KOA =
  "const Koa = require('koa');\nconst app = new Koa({ proxy: true });\napp.maxIpsCount = 1;\napp.listen(process.env.PORT || 3000);\n";
const KOA_PKG = JSON.stringify({ name: 'shop', dependencies: { koa: '^2.15.0' }, scripts: { start: 'node server.js' } });

test('node checks read every server of a package: koa/proxy-all sees the second service published on every interface', async () => {
  const files = (apiExtra: string) => ({
    'server.js': KOA,
    'package.json': KOA_PKG,
    'docker-compose.yml': `services:\n${service('web', 3000)}${service('api', 4000, apiExtra)}`,
  });
  const { findings } = await lintFiles(files('    ports:\n      - "4000:4000"\n'), [koaProxyAll]);
  assert.deepEqual(
    findings.map((f) => [f.id, f.severity]),
    [['koa/proxy-all', 'high']],
  );
  assert.match(findings[0]?.message ?? '', /\[::\]:4000 \(published on 0\.0\.0\.0:4000\)/);
  assert.ok(
    findings[0]?.evidence.some((e) => e.file === 'docker-compose.yml' && /reachable without the proxy/.test(e.note ?? '')),
  );
  // Trap: the same two services, neither published: only the compose network reaches them and maxIpsCount is 1, the
  // correct Koa setup behind one proxy: nothing to say.
  const closed = await lintFiles(files(''), [koaProxyAll]);
  assert.deepEqual(closed.findings, []);
});
