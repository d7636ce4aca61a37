import assert from 'node:assert/strict';
import { fastifyTrustProxyUnset } from '../../../src/checks/node/fastify-trust-proxy-unset.js';
import { caseTable, nginxSameHost } from '../express/harness.js';

caseTable(fastifyTrustProxyUnset, [
  {
    name: 'Fastify behind a same-host nginx without trustProxy (default host localhost, port 3000)',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/server.mjs':
        "import Fastify from 'fastify';\nconst app = Fastify({ logger: true });\nawait app.listen({ port: 3000 });\n",
    },
    expect: ['api/server.mjs@2'],
    check: ([f]) => {
      assert.match(f?.fix?.lines?.join('\n') ?? '', /Fastify\(\{ trustProxy: 'loopback' \}\)/);
      assert.match(f?.fix?.lines?.join('\n') ?? '', /fastifyForwarded/);
    },
  },
  {
    name: "CommonJS require('fastify')({ ... }) behind nginx",
    files: {
      'nginx/app.conf': nginxSameHost(8000),
      'api/index.js':
        "const fastify = require('fastify')({ logger: false });\nfastify.listen({ port: 8000, host: '127.0.0.1' });\n",
    },
    expect: ['api/index.js@1'],
  },
  {
    name: 'NestJS with new FastifyAdapter() and no trustProxy',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'src/main.ts':
        "import { NestFactory } from '@nestjs/core';\nimport { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';\nimport { AppModule } from './app.module';\nconst app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter());\nawait app.listen(3000);\n",
    },
    expect: ['src/main.ts@4'],
    // The option goes into the adapter, in place (before: `const app = Fastify(...)` advice, which NestJS never runs).
    check: ([f]) => {
      assert.equal(f?.fix?.placement, 'replace');
      assert.equal(f?.fix?.line, 4);
      assert.deepEqual(f?.fix?.lines, [
        "const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter({ trustProxy: 'loopback' }));",
      ]);
    },
  },
  {
    name: 'NestJS, FastifyAdapter on a line of its own (multi-line create): advice naming the adapter option',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'src/main.ts':
        "import { NestFactory } from '@nestjs/core';\nimport { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';\nimport { AppModule } from './app.module';\nconst app = await NestFactory.create<NestFastifyApplication>(\n  AppModule,\n  new FastifyAdapter(),\n);\nawait app.listen(3000);\n",
    },
    expect: ['src/main.ts@4'],
    check: ([f]) => {
      assert.equal(f?.fix?.placement, undefined);
      assert.match(f?.fix?.lines?.join('\n') ?? '', /new FastifyAdapter\(\{ trustProxy: 'loopback' \}\)/);
      assert.doesNotMatch(f?.fix?.lines?.join('\n') ?? '', /Fastify\(\{ trustProxy: 'loopback' \}\);/);
    },
  },
  // valid
  {
    name: "trustProxy: '127.0.0.1' behind a same-host nginx",
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/server.mjs':
        "import Fastify from 'fastify';\nconst app = Fastify({ trustProxy: '127.0.0.1' });\nawait app.listen({ port: 3000 });\n",
    },
    expect: [],
  },
  {
    name: 'no proxy in the linted files',
    files: { 'api/server.mjs': "import Fastify from 'fastify';\nconst app = Fastify();\nawait app.listen({ port: 3000 });\n" },
    expect: [],
  },
  {
    name: 'registered @proxyproof/forwarded plugin',
    files: {
      'nginx/app.conf': nginxSameHost(3000),
      'api/server.mjs':
        "import Fastify from 'fastify';\nimport { fastifyForwarded } from '@proxyproof/forwarded';\nconst app = Fastify();\nawait app.register(fastifyForwarded, { trust: ['loopback'] });\nawait app.listen({ port: 3000 });\n",
    },
    expect: [],
  },
]);
