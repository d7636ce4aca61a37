// The published artefact: `npm pack` the package, install the tarball into an empty project (offline: zero
// dependencies), import it as a consumer would, and call resolve.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const root = new URL('../../../', import.meta.url).pathname;
// A safety net, never the assertion: the value of RUN_SAFETY_TIMEOUT_MS (lab/src/proc.ts, which has the evidence;
// outside this package's rootDir). Under the CI's stress bar proxyproof's own `npm pack` was killed by a 120 s net.
const RUN_SAFETY_TIMEOUT_MS = 300_000;
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout: RUN_SAFETY_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });

describe('npm pack -> npm install <tgz> -> import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fwd-pack-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('builds, packs with only dist + src (for source maps) + README + package.json, installs offline and resolves', () => {
    run('npx', ['tsc', '-b', 'packages/forwarded'], root);
    const out = run('npm', ['pack', '-w', 'packages/forwarded', '--pack-destination', dir, '--json'], root);
    const info = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = (info[0]?.files ?? []).map((f) => f.path).sort();
    assert.ok(
      files.includes('dist/index.js') &&
        files.includes('dist/index.d.ts') &&
        files.includes('README.md') &&
        files.includes('package.json'),
      files.join(),
    );
    assert.ok(
      files.every((f) => f.startsWith('dist/') || f.startsWith('src/') || f === 'README.md' || f === 'package.json'),
      files.join(),
    );
    assert.ok(!files.some((f) => f.includes('test') || f.endsWith('.tsbuildinfo')), files.join());
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz')) as string;
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, tgz)], app);
    const script = `import { resolve, createPolicy, absoluteUrl } from '@proxyproof/forwarded';
const r = resolve({ remoteAddress: '127.0.0.1', headers: { host: 'app.test', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' } }, createPolicy({ trust: 'loopback' }));
console.log(JSON.stringify([absoluteUrl(r, '/a'), r.clientAddress]));`;
    writeFileSync(join(app, 'main.mjs'), script);
    assert.equal(run('node', ['main.mjs'], app).trim(), JSON.stringify(['https://app.test/a', '203.0.113.9']));
    assert.deepEqual(
      readdirSync(join(app, 'node_modules')).sort(),
      ['.package-lock.json', '@proxyproof'].sort(),
      'zero runtime dependencies',
    );
  });
});
