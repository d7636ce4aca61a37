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
  {
    name: 'trap: trustProxy: true behind a compose Caddy that replaces X-Forwarded-* (app only exposed): low, not medium',
    files: {
      Caddyfile: ':80 {\n\treverse_proxy /api/* http://api:8000\n}\n',
      'docker-compose.yml':
        'services:\n  api:\n    image: example/api:latest\n    expose:\n      - 8000\n  caddy:\n    image: caddy:2-alpine\n    ports:\n      - 8080:80\n',
      'api/server.mjs': srv('{ trustProxy: true }', '{ port: Number(settings.port), host: settings.host }'),
    },
    expect: ['api/server.mjs@2'],
    check: ([f]) => {
      assert.equal(f?.severity, 'low');
      assert.match(f?.message ?? '', /Safe only while caddy/);
    },
  },
  {
    name: 'nginx that overwrites X-Forwarded-For but passes the client X-Forwarded-Host on: the host is spoofable (medium, nginx line as evidence)',
    files: {
      'nginx/app.conf':
        'server {\n    listen 80;\n    location / {\n        proxy_set_header X-Forwarded-For $remote_addr;\n        proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_pass http://127.0.0.1:$port;\n    }\n}\n',
      'api/server.mjs': srv('{ trustProxy: true }', '{ port: Number(settings.port) }'),
    },
    expect: ['api/server.mjs@2'],
    check: ([f]) => {
      assert.equal(f?.severity, 'medium');
      assert.match(f?.message ?? '', /passes the client's X-Forwarded-Host/);
      assert.ok(
        f?.evidence.some((e) => e.file.endsWith('nginx/app.conf')),
        JSON.stringify(f?.evidence),
      );
    },
  },
  {
    name: 'nginx that overwrites X-Forwarded-For/-Host/-Proto in front of an app whose address the files do not fix: low',
    files: {
      'nginx/app.conf':
        'server {\n    listen 80;\n    location / {\n        proxy_set_header X-Forwarded-For $remote_addr;\n        proxy_set_header X-Forwarded-Host $host;\n        proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_pass http://127.0.0.1:$port;\n    }\n}\n',
      'api/server.mjs': srv('{ trustProxy: true }', '{ port: Number(settings.port) }'),
    },
    expect: ['api/server.mjs@2'],
    check: ([f]) => assert.equal(f?.severity, 'low'),
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
