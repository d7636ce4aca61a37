import assert from 'node:assert/strict';
import { fastifyTrustProxyAll } from '../../../src/checks/node/fastify-trust-proxy-all.js';
import { caseTable, nginxSameHost } from '../express/harness.js';

const srv = (opts: string, listen = '{ port: 3000 }') =>
  `import Fastify from 'fastify';\nconst app = Fastify(${opts});\nawait app.listen(${listen});\n`;
const pkg4 = JSON.stringify({ dependencies: { fastify: '^4.29.1' } }, null, 2);

caseTable(fastifyTrustProxyAll, [
  {
    name: 'trustProxy: true on 0.0.0.0',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/server.mjs': srv('{ trustProxy: true }', "{ port: 3000, host: '0.0.0.0' }"),
    },
    expect: ['api/server.mjs@2'],
    check: ([f]) => assert.equal(f?.severity, 'high'),
  },
  {
    name: 'trustProxy: true behind nginx, localhost bind: request.ip client-written',
    files: { 'nginx/app.conf': nginxSameHost(3000), 'api/server.mjs': srv('{ trustProxy: true }') },
    expect: ['api/server.mjs@2'],
    check: ([f]) => assert.equal(f?.severity, 'medium'),
  },
  {
    name: 'trustProxy: 3 with one proxy',
    files: { 'nginx/app.conf': nginxSameHost(3000), 'api/server.mjs': srv('{ trustProxy: 3 }') },
    expect: ['api/server.mjs@2'],
  },
  {
    name: 'Fastify 4: a restricted trustProxy on a reachable port still lets any peer set X-Forwarded-Proto/-Host',
    files: {
      'package.json': pkg4,
      'nginx/app.conf': nginxSameHost(3000),
      'api/server.mjs': srv("{ trustProxy: '127.0.0.1' }", "{ port: 3000, host: '0.0.0.0' }"),
    },
    expect: ['api/server.mjs@2'],
    check: ([f]) => assert.match(f?.message ?? '', /Fastify 4 reads X-Forwarded-Proto/),
  },
  // valid
  {
    name: "trustProxy: '127.0.0.1' on localhost (the default host)",
    files: { 'package.json': pkg4, 'nginx/app.conf': nginxSameHost(3000), 'api/server.mjs': srv("{ trustProxy: '127.0.0.1' }") },
    expect: [],
  },
  {
    name: 'trustProxy: 1 with one proxy on localhost',
    files: { 'nginx/app.conf': nginxSameHost(3000), 'api/server.mjs': srv('{ trustProxy: 1 }') },
    expect: [],
  },
  { name: 'no trustProxy', files: { 'api/server.mjs': srv('{}', "{ port: 3000, host: '0.0.0.0' }") }, expect: [] },
  {
    name: 'options spread from elsewhere (unknown): not judged',
    files: {
      'api/server.mjs':
        "import Fastify from 'fastify';\nimport opts from './opts.js';\nconst app = Fastify({ ...opts });\nawait app.listen({ port: 3000 });\n",
    },
    expect: [],
  },
]);
