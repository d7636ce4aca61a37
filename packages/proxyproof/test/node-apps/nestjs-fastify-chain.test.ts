// NestJS on Fastify is a Fastify app end in the chain (chain/topology/app.ts frameworkOf): the adapter's
// `trustProxy` (`new FastifyAdapter({ trustProxy })`) decides whether the scheme nginx sends survives the last hop,
// as Fastify's own option does (NestJS hands the adapter's options to fastify()).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nginxSameHost } from '../checks/express/harness.js';
import { lintFiles } from '../python/lint-files.js';

const main = (adapterOptions: string) =>
  `import { NestFactory } from '@nestjs/core';\nimport { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(${adapterOptions}));\n  await app.listen(3000, '127.0.0.1');\n}\nbootstrap();\n`;

const ids = (fs: Array<{ id: string }>) => fs.map((f) => f.id).sort();

test("NestJS on Fastify: the adapter's trustProxy '127.0.0.1' behind a same-host nginx keeps https", async () => {
  const { findings } = await lintFiles({
    'nginx/app.conf': nginxSameHost(3000),
    'src/main.ts': main("{ trustProxy: '127.0.0.1' }"),
  });
  // Before: HIGH chain/scheme-lost "assumed to use the server's scheme" whatever the adapter said.
  assert.ok(!ids(findings).includes('chain/scheme-lost'), JSON.stringify(ids(findings)));
  assert.ok(!ids(findings).includes('fastify/trust-proxy-unset'), JSON.stringify(ids(findings)));
});

test('NestJS on Fastify, a trustProxy that leaves out the proxy (10.0.0.5 for a loopback nginx): lost at the NestJS hop', async () => {
  const { findings } = await lintFiles({
    'nginx/app.conf': nginxSameHost(3000),
    'src/main.ts': main("{ trustProxy: '10.0.0.5' }"),
  });
  const lost = findings.find((f) => f.id === 'chain/scheme-lost');
  assert.ok(lost, JSON.stringify(ids(findings)));
  assert.match(lost.message, /trustProxy = \["10\.0\.0\.5"\] does not cover/);
});

test("NestJS on Fastify without trustProxy behind a TLS nginx: one HIGH headline, the fix names the adapter's option", async () => {
  const { findings } = await lintFiles({ 'nginx/app.conf': nginxSameHost(3000), 'src/main.ts': main('') });
  const head = findings.find((f) => f.id === 'fastify/trust-proxy-unset');
  assert.ok(head, JSON.stringify(ids(findings)));
  assert.equal(head.severity, 'high', head.message);
  assert.match(head.message, /trustProxy unset: ignores X-Forwarded-Proto/);
  assert.ok(!ids(findings).includes('chain/scheme-lost'), JSON.stringify(ids(findings)));
  assert.equal(head.fix?.placement, 'replace');
  assert.deepEqual(head.fix?.lines, [
    "const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter({ trustProxy: 'loopback' }));",
  ]);
});

// The adapter made before the create call, in a variable of the same module, or in another module of the app.
const viaVariable = (adapterOptions: string) =>
  `import { NestFactory } from '@nestjs/core';\nimport { FastifyAdapter } from '@nestjs/platform-fastify';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const adapter = new FastifyAdapter(${adapterOptions});\n  const app = await NestFactory.create(AppModule, adapter);\n  await app.listen(3000, '127.0.0.1');\n}\nbootstrap();\n`;

test("NestJS, the adapter in a variable (create untyped): its trustProxy '127.0.0.1' keeps https, never an Express finding", async () => {
  const { findings } = await lintFiles({
    'nginx/app.conf': nginxSameHost(3000),
    'src/main.ts': viaVariable("{ trustProxy: '127.0.0.1', logger: false }"),
  });
  // Before: the untyped create counted as NestJS on Express, so HIGH express/trust-proxy-unset at this file.
  assert.deepEqual(
    ids(findings).filter((id) => /trust-proxy|scheme-lost/.test(id)),
    [],
  );
});

test('NestJS, the adapter in a variable without trustProxy: fastify/trust-proxy-unset, not express', async () => {
  const { findings } = await lintFiles({ 'nginx/app.conf': nginxSameHost(3000), 'src/main.ts': viaVariable('') });
  assert.ok(ids(findings).includes('fastify/trust-proxy-unset'), JSON.stringify(ids(findings)));
  assert.ok(!ids(findings).includes('express/trust-proxy-unset'), JSON.stringify(ids(findings)));
});

const importing =
  "import { NestFactory } from '@nestjs/core';\nimport { NestFastifyApplication } from '@nestjs/platform-fastify';\nimport { AppModule } from './app.module';\nimport { fastifyApp } from './common/adapter';\n\nasync function bootstrap() {\n  const app = await NestFactory.create<NestFastifyApplication>(AppModule, fastifyApp);\n  await app.listen(3000, '127.0.0.1');\n}\nbootstrap();\n";

test("NestJS, the adapter imported from the app's own module: that module's trustProxy decides", async () => {
  const adapter = (opts: string) =>
    `import { FastifyAdapter } from '@nestjs/platform-fastify';\n\nconst app: FastifyAdapter = new FastifyAdapter(${opts});\nexport { app as fastifyApp };\n`;
  const trusted = await lintFiles({
    'nginx/app.conf': nginxSameHost(3000),
    'src/common/adapter.ts': adapter("{ trustProxy: '127.0.0.1', logger: false }"),
    'src/main.ts': importing,
  });
  assert.deepEqual(
    ids(trusted.findings).filter((id) => /trust-proxy|scheme-lost/.test(id)),
    [],
  );
  const fw = trusted.facts.frameworks.find((f) => f.kind === 'nestjs');
  assert.deepEqual(
    [fw?.trustProxy?.value, fw?.trustProxy?.ref?.file, fw?.trustProxy?.ref?.line],
    ['127.0.0.1', 'src/common/adapter.ts', 3],
  );
  const unset = await lintFiles({
    'nginx/app.conf': nginxSameHost(3000),
    'src/common/adapter.ts': adapter('{ logger: false }'),
    'src/main.ts': importing,
  });
  assert.ok(ids(unset.findings).includes('fastify/trust-proxy-unset'), JSON.stringify(ids(unset.findings)));
  const all = await lintFiles({
    'nginx/app.conf': nginxSameHost(3000),
    'src/common/adapter.ts': adapter('{ trustProxy: true }'),
    'src/main.ts': importing,
    'package.json':
      '{ "dependencies": { "@nestjs/core": "^11.0.0", "@nestjs/platform-fastify": "^11.0.0", "fastify": "5.3.3" } }\n',
  });
  // trustProxy: true is not the advisory's restrictive policy.
  assert.ok(!ids(all.findings).includes('fastify/trust-proxy-advisory'), JSON.stringify(ids(all.findings)));
});

test('NestJS, an adapter imported from a module the lint does not hold: trustProxy is not called unset', async () => {
  const { findings } = await lintFiles({
    'nginx/app.conf': nginxSameHost(3000),
    'src/main.ts':
      "import { NestFactory } from '@nestjs/core';\nimport { NestFastifyApplication } from '@nestjs/platform-fastify';\nimport { AppModule } from './app.module';\nimport { fastifyApp } from './adapter';\n\nasync function bootstrap() {\n  const app = await NestFactory.create<NestFastifyApplication>(AppModule, fastifyApp);\n  await app.listen(3000, '127.0.0.1');\n}\nbootstrap();\n",
  });
  // Before: HIGH chain/scheme-lost "trustProxy = false does not cover 127.0.0.1", a value nobody wrote.
  assert.ok(!ids(findings).includes('chain/scheme-lost'), JSON.stringify(ids(findings)));
  assert.ok(!ids(findings).includes('fastify/trust-proxy-unset'), JSON.stringify(ids(findings)));
  assert.ok(!ids(findings).includes('express/trust-proxy-unset'), JSON.stringify(ids(findings)));
});
