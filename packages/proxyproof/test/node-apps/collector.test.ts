// The node collector: FrameworkFacts / AppServerFacts from real-looking app code, diagnostics for bad input.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lintPaths } from '../../src/engine/lint.js';
import { factsFromFiles } from './harness.js';

describe('node collector: frameworks and trust settings', () => {
  it('Express: trust proxy value, origin, line, exact meaning; listen bind', async () => {
    const { facts } = await factsFromFiles({
      'app/server.js':
        "const express = require('express');\nconst app = express();\n\napp.set('trust proxy', 'loopback, 10.0.0.0/8');\napp.listen(3000, '127.0.0.1');\n",
    });
    const fw = facts.frameworks.find((f) => f.kind === 'express');
    assert.ok(fw);
    assert.deepEqual(
      [fw.trustProxy?.value, fw.trustProxy?.origin, fw.trustProxy?.ref?.line],
      ['loopback, 10.0.0.0/8', 'literal', 4],
    );
    assert.match(fw.trustProxy?.note ?? '', /only from loopback, 10\.0\.0\.0\/8 \(127\.0\.0\.1\/8, ::1\/128, 10\.0\.0\.0\/8\)/);
    const s = facts.appServers.find((x) => x.kind === 'node');
    assert.deepEqual(s?.trustedProxies.value, ['127.0.0.1/8', '::1/128', '10.0.0.0/8']);
    assert.deepEqual(
      [s?.binds[0]?.host, s?.binds[0]?.port, s?.binds[0]?.reach, s?.binds[0]?.ref?.line],
      ['127.0.0.1', 3000, 'loopback', 5],
    );
  });
  it('Express: enable/true and hop counts', async () => {
    const { facts } = await factsFromFiles({
      'a.js': "import express from 'express';\nconst app = express();\napp.enable('trust proxy');\n",
      'b.js': "import express from 'express';\nconst api = express();\napi.set('trust proxy', 2);\n",
    });
    const byFile = Object.fromEntries(facts.frameworks.map((f) => [f.file, f]));
    assert.equal(byFile['a.js']?.trustProxy?.value, true);
    assert.equal(byFile['a.js']?.settings.trustClass?.value, 'all');
    assert.equal(byFile['b.js']?.trustProxy?.value, 2);
    assert.equal(byFile['b.js']?.settings.trustHops?.value, 2);
  });
  it('env reads: default from `??`, value from compose environment when the app is built from that folder', async () => {
    const { facts } = await factsFromFiles({
      'docker-compose.yml': 'services:\n  web:\n    build: ./app\n    environment:\n      TRUST: "10.0.0.2"\n',
      'app/server.js':
        "const express = require('express');\nconst app = express();\napp.set('trust proxy', process.env.TRUST ?? 'loopback');\napp.listen(Number(process.env.PORT || 8080));\n",
      'other/server.js':
        "const express = require('express');\nconst app = express();\napp.set('trust proxy', process.env.TRUST ?? 'loopback');\n",
    });
    const inCompose = facts.frameworks.find((f) => f.file === 'app/server.js');
    const outside = facts.frameworks.find((f) => f.file === 'other/server.js');
    assert.deepEqual(
      [inCompose?.trustProxy?.value, inCompose?.trustProxy?.origin, inCompose?.trustProxy?.envVar],
      ['10.0.0.2', 'env', 'TRUST'],
    );
    assert.deepEqual([outside?.trustProxy?.value, outside?.trustProxy?.origin], ['loopback', 'env']);
    const s = facts.appServers.find((x) => x.kind === 'node');
    assert.equal(s?.service, 'web');
    assert.deepEqual([s?.binds[0]?.port, s?.binds[0]?.container, s?.binds[0]?.reach], [8080, true, 'container-network']);
  });
  it('Fastify options, Koa constructor options and assignments, Nest on both platforms, Hono', async () => {
    const { facts } = await factsFromFiles({
      'f.mjs':
        "import fastify from 'fastify';\nconst app = fastify({ trustProxy: ['10.0.0.1'] });\nawait app.listen({ port: 3000 });\n",
      'k.ts': "import Koa from 'koa';\nconst app = new Koa({ proxy: true, proxyIpHeader: 'X-Real-IP' });\napp.maxIpsCount = 1;\n",
      'n1.ts':
        "import { NestFactory } from '@nestjs/core';\nimport { NestExpressApplication } from '@nestjs/platform-express';\nasync function main() {\n  const app = await NestFactory.create<NestExpressApplication>(AppModule);\n  app.set('trust proxy', 'loopback');\n  await app.listen(3000);\n}\n",
      'n2.ts':
        "import { NestFactory } from '@nestjs/core';\nimport { FastifyAdapter } from '@nestjs/platform-fastify';\nconst app = await NestFactory.create(AppModule, new FastifyAdapter({ trustProxy: true }));\n",
      'h.ts': "import { Hono } from 'hono';\nconst app = new Hono();\nexport default app;\n",
    });
    const by = (file: string) => facts.frameworks.find((f) => f.file === file);
    assert.deepEqual(by('f.mjs')?.trustProxy?.value, ['10.0.0.1']);
    assert.equal(
      facts.appServers.find((s) => s.appTarget?.includes('f.mjs'))?.binds[0]?.host,
      'localhost',
      "Fastify's default listen host",
    );
    assert.deepEqual(
      [by('k.ts')?.trustProxy?.value, by('k.ts')?.settings.maxIpsCount?.value, by('k.ts')?.settings.proxyIpHeader?.value],
      [true, 1, 'X-Real-IP'],
    );
    assert.match(String(by('k.ts')?.trustProxy?.note), /right-most X-Real-IP entry/);
    assert.deepEqual(
      [by('n1.ts')?.kind, by('n1.ts')?.settings.platform?.value, by('n1.ts')?.trustProxy?.value],
      ['nestjs', 'express', 'loopback'],
    );
    assert.deepEqual(
      [by('n2.ts')?.kind, by('n2.ts')?.settings.platform?.value, by('n2.ts')?.trustProxy?.value],
      ['nestjs', 'fastify', true],
    );
    assert.equal(by('h.ts')?.kind, 'hono');
  });
  it('SvelteKit adapter-node: env from the start script, HOST/PORT bind', async () => {
    const { facts } = await factsFromFiles({
      'svelte.config.js': "import adapter from '@sveltejs/adapter-node';\nexport default { kit: { adapter: adapter() } };\n",
      'package.json': JSON.stringify(
        {
          scripts: {
            start:
              'HOST=127.0.0.1 PORT=4000 PROTOCOL_HEADER=x-forwarded-proto ADDRESS_HEADER=x-forwarded-for XFF_DEPTH=1 node build',
          },
        },
        null,
        2,
      ),
    });
    const fw = facts.frameworks.find((f) => f.kind === 'sveltekit');
    assert.deepEqual(fw?.schemeHeader?.value, { header: 'x-forwarded-proto', value: 'https' });
    assert.deepEqual(fw?.trustProxy?.value, { addressHeader: 'x-forwarded-for', xffDepth: '1' });
    const s = facts.appServers.find((x) => x.appTarget?.startsWith('SvelteKit'));
    assert.deepEqual([s?.binds[0]?.host, s?.binds[0]?.port, s?.binds[0]?.reach], ['127.0.0.1', 4000, 'loopback']);
  });
});

describe('node collector: bad input', () => {
  it('a JS syntax error is a Diagnostic with file:line; the other files are still linted', async () => {
    const { facts } = await factsFromFiles({
      'broken/server.js': "const express = require('express');\nconst app = express(;\n",
      'good/server.js': "const express = require('express');\nconst app = express();\napp.enable('trust proxy');\n",
    });
    const d = facts.diagnostics.find((x) => x.file === 'broken/server.js');
    assert.ok(d);
    assert.equal(d.level, 'error');
    assert.equal(d.line, 2);
    assert.match(d.message, /syntax error/);
    assert.equal(facts.frameworks.filter((f) => f.kind === 'express').length, 1);
  });
  it('TypeScript: a decorator after a field typed without a semicolon (NestJS DTOs) parses; lines and values kept', async () => {
    // @sveltejs/acorn-typescript 1.0.13 throws "Unexpected character '@'" here; TypeScript accepts it (js.ts).
    const { facts } = await factsFromFiles({
      'src/user.dto.ts':
        "import { Controller } from '@nestjs/common';\nexport class UserDto {\n  @IsString()\n  name: string // the name\n\n  // the login\n  @IsString()\n  login?: string\r\n  @IsString()\n  x: string\n}\n",
      'src/main.ts':
        "import express from 'express';\ninterface Opts { a: string }\n@Injectable()\nexport class S {\n  name: string\n  @Inject() other: string\n}\nconst app = express();\napp.set('trust proxy', 'loopback');\napp.listen(3000, '127.0.0.1');\n",
      'src/broken.ts':
        "import { Controller } from '@nestjs/common';\nexport class B {\n  kind: 'a//b' // a string with // before the comment\n  @IsString()\n  x: string\n}\n",
    });
    const errors = facts.diagnostics.filter((d) => /syntax error/.test(d.message)).map((d) => `${d.file}:${d.line}`);
    // A `//` inside a string before the comment: no `;` is guessed there, the error stays (never a silent mis-parse).
    assert.deepEqual(errors, ['src/broken.ts:4']);
    const fw = facts.frameworks.find((f) => f.kind === 'express');
    assert.deepEqual([fw?.trustProxy?.value, fw?.trustProxy?.ref?.line], ['loopback', 9]);
    assert.equal(fw?.trustProxy?.ref?.snippet, "app.set('trust proxy', 'loopback');");
    const s = facts.appServers.find((x) => x.kind === 'node');
    assert.deepEqual([s?.binds[0]?.host, s?.binds[0]?.port, s?.binds[0]?.ref?.line], ['127.0.0.1', 3000, 10]);
  });
  it('invalid package.json is a Diagnostic with its line', async () => {
    const { facts } = await factsFromFiles({
      'package.json': '{\n  "name": "x",\n  "scripts": {\n    "start": "node build",\n  }\n}\n',
    });
    const d = facts.diagnostics.find((x) => x.file === 'package.json');
    assert.ok(d);
    assert.ok((d.line ?? 0) >= 4, `line ${d.line}`);
  });
  it('sources over the size cap are skipped with a note, JS files that mention no framework are not parsed', async () => {
    const { facts } = await factsFromFiles({
      'public/bundle.js': `/* express */ var x = 1;\n${'x++;\n'.repeat(300_000)}`,
      'public/util.js': 'this is not javascript at all (',
    });
    assert.ok(
      facts.diagnostics.some((d) => d.file === 'public/bundle.js' && d.level === 'note' && /skipped|not read/.test(d.message)),
    );
    assert.ok(!facts.diagnostics.some((d) => d.file === 'public/util.js'));
  });
  it('TypeScript with decorators, generics, satisfies and type-only imports parses', async () => {
    const { facts } = await factsFromFiles({
      'src/main.ts':
        "import { NestFactory } from '@nestjs/core';\nimport type { NestExpressApplication } from '@nestjs/platform-express';\n@Module({})\nclass AppModule { constructor(private readonly x: string) {} }\nconst cfg = { trust: 'loopback' } satisfies Record<string, string>;\nasync function main(): Promise<void> {\n  const app = await NestFactory.create<NestExpressApplication>(AppModule);\n  app.set('trust proxy', 'loopback' as const);\n}\n",
    });
    assert.deepEqual(facts.diagnostics, []);
    assert.equal(facts.frameworks[0]?.trustProxy?.value, 'loopback');
  });
});

describe('proxyproof lint (engine) on an Express + nginx deployment folder', () => {
  it('reports express/trust-proxy-unset with file:line evidence and no crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-lint-node-'));
    try {
      writeFileSync(
        join(dir, 'app.conf'),
        'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://127.0.0.1:3000;\n  }\n}\n',
      );
      writeFileSync(
        join(dir, 'server.js'),
        "const express = require('express');\nconst app = express();\napp.listen(3000, '127.0.0.1');\n",
      );
      writeFileSync(join(dir, 'broken.ts'), "import express from 'express';\nconst = 1;\n");
      const { report } = await lintPaths([dir], { cwd: dir });
      const f = report.findings.find((x) => x.id === 'express/trust-proxy-unset');
      assert.ok(f, JSON.stringify(report.findings.map((x) => x.id)));
      assert.deepEqual([f.evidence[0]?.file, f.evidence[0]?.line], ['server.js', 2]);
      assert.ok(report.diagnostics.some((d) => d.file === 'broken.ts' && d.line === 2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('node collector: the lab layout (factory + listen helper + setup callback)', () => {
  const APP =
    "import express from 'express';\nexport function createLabApp(options = {}) {\n  const app = express();\n  options.setup?.(app);\n  return app;\n}\nexport function listenLab(app, host, port) {\n  const server = app.listen(Number(port), host, () => {});\n  return server;\n}\n";
  it('listen(port, host) through a helper function takes the call site literals', async () => {
    const { facts } = await factsFromFiles({
      'app/app.mjs': APP,
      'app/server.mjs':
        "import { createLabApp, listenLab } from './app.mjs';\nconst app = createLabApp();\napp.set('trust proxy', '198.51.100.5');\nlistenLab(app, '198.51.100.6', 3000);\n",
    });
    const s = facts.appServers.find((x) => x.kind === 'node');
    assert.deepEqual(
      [s?.binds.length, s?.binds[0]?.host, s?.binds[0]?.port, s?.binds[0]?.ref?.file, s?.binds[0]?.ref?.line],
      [1, '198.51.100.6', 3000, 'app/server.mjs', 4],
    );
    assert.deepEqual(facts.frameworks[0]?.trustProxy?.value, '198.51.100.5');
    assert.deepEqual(s?.trustedProxies.value, ['198.51.100.5']);
  });
  it('@proxyproof/forwarded installed from a setup callback: its policy is the trust that counts', async () => {
    const { facts } = await factsFromFiles({
      'app/app.mjs': APP,
      'app/server.mjs':
        "import { expressForwarded } from '@proxyproof/forwarded';\nimport { createLabApp, listenLab } from './app.mjs';\nconst app = createLabApp({ setup: (a) => a.use(expressForwarded({ trust: ['198.51.100.5'], hops: 1 })) });\nlistenLab(app, '198.51.100.6', 3000);\n",
    });
    const fw = facts.frameworks[0];
    assert.equal(fw?.settings['@proxyproof/forwarded']?.value, 'expressForwarded');
    assert.deepEqual(fw?.settings['@proxyproof/forwarded.trust']?.value, ['198.51.100.5']);
    assert.deepEqual(fw?.settings['@proxyproof/forwarded.policy']?.value, {
      middleware: 'expressForwarded',
      trust: ['198.51.100.5'],
      hops: 1,
      headers: null,
      onConflict: 'reject',
      redirectToHttps: false,
    });
    assert.equal(fw?.settings['@proxyproof/forwarded']?.ref?.line, 3);
    const s = facts.appServers.find((x) => x.kind === 'node');
    assert.deepEqual([s?.trustedProxies.value, s?.proxyHeaders.value], [['198.51.100.5'], true]);
  });
});

describe("node collector: an app handed to a callback by another module's exported factory", () => {
  // OpenHIM's layout: `koaApi.setupApp((app) => startApiHttpServer(port, host, app))` in server.js, the factory in
  // koaApi.js creating the Koa app and calling `done(app)`; the start helpers serve their `app` parameter.
  const API =
    "import Koa from 'koa';\nimport session from 'koa-session';\nexport function setupApp(done) {\n  const app = new Koa();\n  app.keys = ['k'];\n  app.use(session({ secure: true, sameSite: 'none' }, app));\n  return done(app);\n}\n";
  const server = (tail: string) =>
    `import http from 'http';\nimport https from 'https';\nimport * as api from './api';\nimport * as core from './core';\n\nfunction startCore(port, host, app) {\n  const s = http.createServer(app.callback());\n  s.listen(port, host);\n}\nfunction startApiHttps(port, host, app) {\n  const s = https.createServer({}, app.callback());\n  s.listen(port, host);\n}\nfunction startApiHttp(port, host, app) {\n  const s = http.createServer(app.callback());\n  s.listen(port, host);\n}\ncore.setupApp((app) => startCore(5001, '0.0.0.0', app));\n${tail}`;
  const bindsOf = (facts: Awaited<ReturnType<typeof factsFromFiles>>['facts']) =>
    facts.appServers.find((x) => x.kind === 'node')?.binds.map((b) => `${b.ref?.file}:${b.ref?.line} ${b.port}`);
  it('each start helper call belongs to the app its callback receives: the API app gets the API listeners only', async () => {
    const { facts } = await factsFromFiles({
      'src/api.js': API,
      'src/server.js': server(
        "if (process.env.API_PROTOCOL === 'http') api.setupApp((app) => startApiHttp(8080, '0.0.0.0', app));\nelse api.setupApp((app) => startApiHttps(8080, '0.0.0.0', app));\n",
      ),
    });
    // startCore's app comes from ./core (not in the files): its listener is no listener of the API app.
    assert.deepEqual(bindsOf(facts), ['src/server.js:19 8080', 'src/server.js:20 8080']);
    const fw = facts.frameworks.find((f) => f.kind === 'koa');
    assert.equal(fw?.settings['listen.plain-http']?.ref?.line, 19);
    assert.match(fw?.settings['listen.plain-http']?.note ?? '', /own TLS at src\/server\.js:20/);
    assert.equal(fw?.settings['listen.tls-only'], undefined);
  });
  it('trap: served with its own TLS only: every listener is https (no plain-HTTP listener recorded)', async () => {
    const { facts } = await factsFromFiles({
      'src/api.js': API,
      'src/server.js': server("api.setupApp((app) => startApiHttps(8080, '0.0.0.0', app));\n"),
    });
    assert.deepEqual(bindsOf(facts), ['src/server.js:19 8080']);
    const fw = facts.frameworks.find((f) => f.kind === 'koa');
    assert.equal(fw?.settings['listen.plain-http'], undefined);
    assert.equal(fw?.settings['listen.tls-only']?.value, true);
  });
});

describe('node collector: listen() called on the server createServer returns', () => {
  // Koa's own-TLS idiom and Express's: the server is made and listened on in one expression.
  const cases: Array<[string, Record<string, string>, string[], number | undefined]> = [
    [
      'Koa: http.createServer(app.callback()).listen(80) and https.createServer(opts, app.callback()).listen(443)',
      {
        'app.js':
          "const Koa = require('koa');\nconst http = require('http');\nconst https = require('https');\nconst app = new Koa();\nhttp.createServer(app.callback()).listen(80);\nhttps.createServer({}, app.callback()).listen(443);\n",
      },
      [':::80@5', ':::443@6'],
      5,
    ],
    [
      "Express: http.createServer(app).listen(3000, '127.0.0.1')",
      {
        'server.js':
          "const express = require('express');\nconst http = require('http');\nconst app = express();\nhttp.createServer(app).listen(3000, '127.0.0.1');\n",
      },
      ['127.0.0.1:3000@4'],
      undefined,
    ],
  ];
  for (const [name, files, binds, plainLine] of cases)
    it(name, async () => {
      const { facts } = await factsFromFiles(files);
      const s = facts.appServers.find((x) => x.kind === 'node');
      assert.deepEqual(
        s?.binds.map((b) => `${b.host}:${b.port}@${b.ref?.line}`),
        binds,
      );
      assert.equal(facts.frameworks[0]?.settings['listen.plain-http']?.ref?.line, plainLine);
    });
});
