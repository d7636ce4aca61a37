/**
 * A mistake repeated in several places and reported once (Fix.also): one `fix --write` changes every place,
 * lint no longer reports it, and a second `fix` has nothing to do. Before Fix.also the fix changed one place
 * per converge round and stopped after four, so a second run patched again (not idempotent).
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers.js';
import { tree } from './tree.js';

const LOCATIONS = ['/', '/api/', '/share/', '/auth/', '/admin/', '/static/'];
const CONF = `server {
    listen 80;
    server_name app.example.com;
    set_real_ip_from 10.0.0.0/8;
${LOCATIONS.map((p) => `    location ${p} {\n        proxy_set_header Host              $host:$server_port;\n        proxy_pass http://app:8080;\n    }`).join('\n')}
}
`;

test('Host $host:$server_port in six locations: one finding, every place fixed in one run, then nothing to do', () => {
  const dir = tree({ 'nginx/site.conf': CONF });
  try {
    const before = runCli(['lint', '.', '--format', 'json', '--no-config-file'], { cwd: dir });
    const found = JSON.parse(before.stdout).findings.filter((f: { id: string }) => f.id === 'nginx/host-port-behind-front');
    assert.equal(found.length, 1, before.stdout);
    assert.equal(found[0].fix.also.length, LOCATIONS.length - 1, JSON.stringify(found[0].fix));
    const w = runCli(['fix', '.', '--write', '--no-config-file'], { cwd: dir });
    assert.ok(w.code === 0 || w.code === 1, w.stderr);
    const text = readFileSync(join(dir, 'nginx/site.conf'), 'utf8');
    assert.equal(text.match(/\$server_port/g)?.length ?? 0, 0, text);
    assert.equal(text.match(/proxy_set_header Host \$host;/g)?.length, LOCATIONS.length, text);
    const after = runCli(['lint', '.', '--format', 'json', '--no-config-file'], { cwd: dir });
    assert.deepEqual(
      JSON.parse(after.stdout).findings.filter((f: { id: string }) => f.id === 'nginx/host-port-behind-front'),
      [],
    );
    const again = runCli(['fix', '.', '--no-config-file'], { cwd: dir });
    assert.equal(again.stdout.trim(), '', `a second fix still patches:\n${again.stdout}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
