/**
 * What the planner writes into a Caddy hop's `trusted_proxies` when the proxy in front is on another host (lab
 * scenario 30: edge nginx -> Caddy on the app host -> gunicorn). `private_ranges` covers a proxy on a private network;
 * when Caddy binds a literal address outside those ranges, the edge reaching it is on that network, so
 * `private_ranges` would leave it untrusted (the lab's real Caddy 2.6.2 keeps replacing https with http): the edge's
 * address is then the one fact the files do not hold — advice, or `fix --proxy-address`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';
import { runFix } from '../../src/commands/fix.js';

const lab = (await import('../../../../lab/src/index.js')) as {
  renderScenario(id: string, dir: string): Promise<{ dir: string; vars: Record<string, string> }>;
};
const base = mkdtempSync(join(tmpdir(), 'pp-plan-caddy-'));
after(() => rmSync(base, { recursive: true, force: true }));

const ID = '30-nginx-edge-caddy-other-host-no-trusted-proxies';

/** Lab 30's files with Caddy's address (its `bind` and the edge's proxy_pass) swapped for `address`. */
async function rendered(name: string, address?: string): Promise<string> {
  const dir = join(base, name);
  await lab.renderScenario(ID, dir);
  if (address)
    for (const f of ['Caddyfile', 'nginx/sites-enabled/app.test']) {
      const p = join(dir, f);
      writeFileSync(p, readFileSync(p, 'utf8').replace(/198\.51\.100\.\d+/g, address));
    }
  return dir;
}

function caddyFix(lines: string[][]): string[] | undefined {
  return lines.find((l) => l.some((x) => x.includes('trusted_proxies')));
}

test('Caddy binds an address outside the private ranges: trusted_proxies <proxy address> (advice), filled by --proxy-address', async () => {
  const dir = await rendered('public');
  const { analysis } = await runDoctor([dir]);
  assert.equal(analysis.verdict.routes[0]?.scheme.lostAt?.label.split(' ')[0], 'caddy');
  const lines = caddyFix(analysis.plan.fixes.map((f) => f.lines));
  assert.ok(lines?.includes('trusted_proxies <proxy address>'), JSON.stringify(analysis.plan.fixes.map((f) => f.lines)));
  const dry = await runFix([dir], { cwd: dir });
  assert.ok(!dry.plan.patches.some((p) => p.file.endsWith('Caddyfile')), dry.plan.patches.map((p) => p.diff).join(''));
  assert.ok(
    dry.plan.advice.some((a) => /trusted_proxies/.test(a.description) && /give it with --proxy-address/.test(a.reason)),
    JSON.stringify(dry.plan.advice),
  );
  const given = await runFix([dir], { cwd: dir, proxyAddress: '198.51.100.5' });
  const diff = given.plan.patches.find((p) => p.file.endsWith('Caddyfile'))?.diff ?? '';
  assert.match(diff, /^\+\t\ttrusted_proxies 198\.51\.100\.5$/m, diff);
});

test('Caddy on a private address: trusted_proxies private_ranges, written without --proxy-address', async () => {
  const dir = await rendered('private', '10.1.2.6');
  const { analysis } = await runDoctor([dir]);
  assert.ok(caddyFix(analysis.plan.fixes.map((f) => f.lines))?.includes('trusted_proxies private_ranges'));
  const dry = await runFix([dir], { cwd: dir });
  const diff = dry.plan.patches.find((p) => p.file.endsWith('Caddyfile'))?.diff ?? '';
  assert.match(diff, /^\+\t\ttrusted_proxies private_ranges$/m, diff);
});

test("lab 30's own files: caddy/trusted-proxies-missing is the one headline (the edge nginx proxies to the address Caddy binds), and its --proxy-address patch is a Caddyfile the real caddy adapts with the handler's trusted_proxies", async () => {
  const dir = await rendered('headline');
  const findings = (await runFix([dir], { cwd: dir })).report.findings;
  const ids = findings.map((f) => `${f.id}@${f.evidence[0]?.file}:${f.evidence[0]?.line}`).join(', ');
  const head = findings.filter((f) => f.id === 'caddy/trusted-proxies-missing');
  assert.equal(head.length, 1, ids);
  assert.equal(head[0]?.severity, 'high');
  assert.ok(!findings.some((f) => f.id === 'chain/scheme-lost'), ids);
  assert.ok(
    head[0]?.evidence.some(
      (e) => e.file.endsWith('app.test') && /198\.51\.100\.\d+:80, the address this Caddy binds/.test(e.note ?? ''),
    ),
    JSON.stringify(head[0]?.evidence),
  );
  await runFix([dir], { cwd: dir, proxyAddress: '198.51.100.5', write: true });
  const r = spawnSync('caddy', ['adapt', '--config', 'Caddyfile', '--adapter', 'caddyfile'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
  });
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as {
    apps: {
      http: { servers: Record<string, { routes: Array<{ handle: Array<{ handler: string; trusted_proxies?: string[] }> }> }> };
    };
  };
  const handlers = Object.values(json.apps.http.servers).flatMap((s) => s.routes.flatMap((x) => x.handle));
  assert.deepEqual(
    handlers.filter((h) => h.handler === 'reverse_proxy').map((h) => h.trusted_proxies),
    [['198.51.100.5']],
  );
});
