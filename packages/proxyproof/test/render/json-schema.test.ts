/**
 * Every command's `--format json` validates against its schema (schema/<command>.schema.json, compiled
 * strictly), on every example and on a live scan; the schemas are not blind (they reject broken output).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI_SAFETY_TIMEOUT_MS, REPO_ROOT, runCli } from '../helpers.js';
import { type Certs, html, makeCerts, type Running, startHttps } from '../scan/servers.js';
import { validateJson } from './validate.js';

const EXAMPLES = readdirSync(join(REPO_ROOT, 'examples')).filter((n) => !n.includes('.'));

for (const ex of EXAMPLES) {
  test(`lint and doctor JSON of examples/${ex} validate against their schemas`, {
    timeout: CLI_SAFETY_TIMEOUT_MS + 60_000,
  }, () => {
    for (const cmd of ['lint', 'doctor']) {
      const r = runCli([cmd, `examples/${ex}`, '--format', 'json', '--no-config-file']);
      assert.ok(r.code === 0 || r.code === 1, `${cmd}: ${r.stderr}`);
      const j = JSON.parse(r.stdout);
      validateJson(cmd, j);
      for (const f of j.findings) assert.match(f.fingerprint, /^[0-9a-f]{32}:\d+$/);
    }
  });
}

test('lint --comments (parsed nginx trees) still validates', () => {
  const r = runCli(['lint', 'examples/seed', '--format', 'json', '--comments', '--no-config-file']);
  validateJson('lint', JSON.parse(r.stdout));
});

test('the schemas reject what the tool never writes', () => {
  const j = JSON.parse(runCli(['doctor', 'examples/seed', '--format', 'json', '--no-config-file']).stdout);
  const extra = structuredClone(j);
  extra.surprise = 1;
  assert.throws(() => validateJson('doctor', extra), /unevaluatedProperties|must NOT have/);
  const sev = structuredClone(j);
  sev.findings[0].severity = 'urgent';
  assert.throws(() => validateJson('doctor', sev), /schema errors/);
  const step = structuredClone(j);
  step.doctor.routes[0].trace.steps[1].scheme = 'ftp';
  assert.throws(() => validateJson('doctor', step), /schema errors/);
  assert.throws(() => validateJson('lint', j), /schema errors/, 'a doctor report is not a lint report');
});

let certs: Certs;
let site: Running;
before(async () => {
  certs = makeCerts();
  site = await startHttps((req, res) => {
    if (req.url !== '/old') return html(res, `<script src="http://${req.headers.host}/a.js"></script><a href="/old">old</a>`);
    res.writeHead(301, { location: `http://${req.headers.host}/` });
    res.end();
  }, certs);
});
after(async () => {
  await site?.close();
  certs?.cleanup();
});

test('scan JSON validates against scan.schema.json', { timeout: CLI_SAFETY_TIMEOUT_MS + 60_000 }, async () => {
  const out = await new Promise<string>((res) => {
    const p = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'packages/proxyproof/bin/proxyproof.js'),
        'scan',
        `https://app.test:${site.port}/`,
        '--resolve',
        `app.test:${site.port}:127.0.0.1`,
        '--ca-cert',
        certs.caFile,
        '--no-progress',
        '--no-config-file',
        '--format',
        'json',
      ],
      { cwd: REPO_ROOT },
    );
    let s = '';
    p.stdout.on('data', (d) => (s += d));
    const t = setTimeout(() => p.kill('SIGKILL'), CLI_SAFETY_TIMEOUT_MS);
    p.on('close', () => {
      clearTimeout(t);
      res(s);
    });
  });
  const j = JSON.parse(out);
  validateJson('scan', j);
  assert.ok(j.pages.length >= 1 && j.findings.length >= 1);
});
