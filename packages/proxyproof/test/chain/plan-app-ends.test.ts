/**
 * The chain planner on app ends whose fix lives in the app (lab scenario 41: nginx -> waitress -> Flask): the planned
 * change must make every route correct without opening a spoof, so the plan is complete (no "no combination of up
 * to three known changes" note) and its ProxyFix line is the one `fix` writes (no x_host while nginx sends no
 * X-Forwarded-Host: a client's own header would become request.host).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';

const lab = (await import('../../../../lab/src/index.js')) as {
  renderScenario(id: string, dir: string): Promise<{ dir: string }>;
};
const base = mkdtempSync(join(tmpdir(), 'pp-plan-apps-'));
after(() => rmSync(base, { recursive: true, force: true }));

test('41 nginx -> waitress -> Flask (broken): the plan is complete and applies ProxyFix(x_for=1, x_proto=1)', async () => {
  const dir = join(base, '41');
  await lab.renderScenario('41-nginx-waitress-flask', dir);
  const { analysis } = await runDoctor([dir]);
  assert.equal(analysis.verdict.routes[0]?.scheme.status, 'lost');
  assert.equal(analysis.plan.complete, true, analysis.plan.notes.join('\n'));
  assert.ok(!analysis.plan.notes.some((n) => /no combination/.test(n)), analysis.plan.notes.join('\n'));
  const proxyFix = analysis.plan.fixes.find((f) => f.id.startsWith('proxyfix:'));
  assert.ok(proxyFix, JSON.stringify(analysis.plan.fixes.map((f) => f.id)));
  assert.ok(proxyFix.lines.includes('app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)'), proxyFix.lines.join('\n'));
});

test('trap: where nginx sets X-Forwarded-Host itself, x_host=1 is planned (the client cannot choose it)', async () => {
  const dir = join(base, '41-xfh');
  await lab.renderScenario('41-nginx-waitress-flask', dir);
  const { readFileSync, writeFileSync } = await import('node:fs');
  const site = join(dir, 'nginx', 'sites-enabled', 'app.test');
  const text = readFileSync(site, 'utf8');
  assert.match(text, /proxy_set_header X-Forwarded-Proto \$scheme;/);
  writeFileSync(
    site,
    text.replace(
      'proxy_set_header X-Forwarded-Proto $scheme;',
      'proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_set_header X-Forwarded-Host $http_host;',
    ),
  );
  const { analysis } = await runDoctor([dir]);
  assert.equal(analysis.plan.complete, true, analysis.plan.notes.join('\n'));
  const proxyFix = analysis.plan.fixes.find((f) => f.id.startsWith('proxyfix:'));
  assert.ok(
    proxyFix?.lines.includes('app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)'),
    proxyFix?.lines.join('\n'),
  );
});

test('ASP.NET Core without UseForwardedHeaders behind nginx TLS: lost at ASP.NET Core, the plan registers ForwardedHeadersMiddleware', async () => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const dir = join(base, 'aspnet');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'Program.cs'),
    'var builder = WebApplication.CreateBuilder(args);\nvar app = builder.Build();\napp.MapGet("/", () => "Hello");\napp.Run();\n',
  );
  writeFileSync(
    join(dir, 'site.conf'),
    'server {\n  listen 443 ssl;\n  server_name app.example.com;\n  location / {\n    proxy_pass http://127.0.0.1:5000;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n',
  );
  const { analysis } = await runDoctor([dir]);
  const route = analysis.verdict.routes[0];
  assert.equal(route?.scheme.status, 'lost');
  assert.equal(route?.scheme.lostAt?.label, 'ASP.NET Core');
  assert.equal(analysis.plan.complete, true, analysis.plan.notes.join('\n'));
  const fix = analysis.plan.fixes.find((f) => f.id.startsWith('forwarded-headers:'));
  assert.ok(fix?.lines[0]?.startsWith('app.UseForwardedHeaders('), JSON.stringify(analysis.plan.fixes));
});
