// NestJS on Express is an Express app end in the chain (chain/topology/app.ts frameworkOf): its 'trust proxy',
// however it is written (app.set, or the underlying instance from app.getHttpAdapter().getInstance()), decides
// whether the scheme nginx sends survives the last hop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nginxSameHost } from '../checks/express/harness.js';
import { lintFiles } from '../python/lint-files.js';

const main = (setting: string) =>
  `import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n${setting}  await app.listen(3000, '127.0.0.1');\n}\nbootstrap();\n`;

const ids = (fs: Array<{ id: string }>) => fs.map((f) => f.id).sort();

test("NestJS: the instance's trust proxy 'loopback' behind a same-host nginx keeps https (no chain/scheme-lost)", async () => {
  const { findings } = await lintFiles({
    'nginx/app.conf': nginxSameHost(3000),
    'src/main.ts': main("  const instance = app.getHttpAdapter().getInstance();\n  instance.set('trust proxy', 'loopback');\n"),
  });
  assert.ok(!ids(findings).includes('chain/scheme-lost'), JSON.stringify(ids(findings)));
  assert.ok(!ids(findings).includes('express/trust-proxy-unset'), JSON.stringify(ids(findings)));
});

test('NestJS without trust proxy behind a TLS nginx: https is lost at the NestJS hop, one headline', async () => {
  const { findings } = await lintFiles({ 'nginx/app.conf': nginxSameHost(3000), 'src/main.ts': main('') });
  const head = findings.find((f) => f.id === 'express/trust-proxy-unset' || f.id === 'chain/scheme-lost');
  assert.ok(head, JSON.stringify(ids(findings)));
  assert.equal(head?.severity, 'high', head?.message);
});
