/**
 * `proxyproof baseline` then `--baseline FILE`, as CI uses them: the recorded findings are silent, a new
 * one fails the run, moving lines does not wake the old ones; a broken baseline is exit 2 with file:line.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, runCli } from '../helpers.js';
import { validateJson } from '../render/validate.js';

test('record, stay quiet on known findings, fail on a new one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-baseline-'));
  try {
    cpSync(join(REPO_ROOT, 'examples/seed'), join(dir, 'seed'), { recursive: true });
    const rec = runCli(['baseline', 'seed', '-o', 'known.json', '--no-config-file'], { cwd: dir });
    assert.equal(rec.code, 0, rec.stderr);
    assert.match(rec.stderr, /recorded \d+ findings in known\.json/);
    const baseline = JSON.parse(readFileSync(join(dir, 'known.json'), 'utf8'));
    validateJson('baseline', baseline);
    assert.ok(baseline.findings.some((f: { id: string }) => f.id === 'nginx/forwarded-proto-missing'));

    const quiet = runCli(['lint', 'seed', '--baseline', 'known.json', '--no-config-file'], { cwd: dir });
    assert.equal(quiet.code, 0, quiet.stdout);
    assert.match(quiet.stdout, /no findings; \d+ in the baseline/);

    // Lines move (a comment block on top) and a second site without X-Forwarded-Proto appears.
    const conf = join(dir, 'seed/nginx/sites-enabled/mysite');
    writeFileSync(conf, `# header\n# added\n${readFileSync(conf, 'utf8')}`);
    writeFileSync(
      join(dir, 'seed/nginx/sites-enabled/admin'),
      'server {\n    listen 443 ssl;\n    server_name admin.example.com;\n    location / {\n        proxy_pass http://127.0.0.1:9000;\n        proxy_set_header Host $host;\n    }\n}\n',
    );
    const fresh = runCli(['lint', 'seed', '--baseline', 'known.json', '--format', 'json', '--no-config-file'], { cwd: dir });
    assert.equal(fresh.code, 1);
    const j = JSON.parse(fresh.stdout);
    validateJson('lint', j);
    assert.ok(j.findings.length >= 1);
    for (const f of j.findings)
      assert.match(f.evidence[0].file, /sites-enabled\/admin$/, `only the new site: ${f.id} ${f.evidence[0].file}`);
    assert.ok(j.suppressed.every((s: { by: string }) => s.by === 'baseline'));
    assert.equal(j.suppressed.length, baseline.findings.length, 'every recorded finding is still recognised after the move');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken or missing baseline: exit 2, one line with file:line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-baseline-bad-'));
  try {
    cpSync(join(REPO_ROOT, 'examples/seed'), join(dir, 'seed'), { recursive: true });
    writeFileSync(
      join(dir, 'b.json'),
      '{\n  "tool": "proxyproof",\n  "baselineVersion": 1,\n  "findings": [\n    { "id": "x" }\n  ]\n}\n',
    );
    const r = runCli(['lint', 'seed', '--baseline', 'b.json', '--no-config-file'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'proxyproof: b.json:5: each finding needs a "fingerprint" (as written by `proxyproof baseline`)\n');
    const m = runCli(['lint', 'seed', '--baseline', 'nope.json', '--no-config-file'], { cwd: dir });
    assert.equal(m.code, 2);
    assert.match(m.stderr, /^proxyproof: nope\.json: no such baseline file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
