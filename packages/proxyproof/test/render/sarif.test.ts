/**
 * `--format sarif` from every command, as a user runs it: each output validates against the official
 * SARIF 2.1.0 schema and GitHub code scanning's rules; config findings have relative physical
 * locations, live findings the URL as a logical location; fingerprints are stable across runs and
 * across unrelated edits above a finding.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type * as Sarif from 'sarif';
import { CLI_SAFETY_TIMEOUT_MS, REPO_ROOT, runCli } from '../helpers.js';
import { type Certs, html, makeCerts, type Running, startHttps } from '../scan/servers.js';
import { checkGithubRules, validateSarif } from './validate.js';

const EXAMPLES = readdirSync(join(REPO_ROOT, 'examples')).filter((n) => !n.includes('.'));

function sarifOf(stdout: string): Sarif.Log {
  const log = JSON.parse(stdout) as Sarif.Log;
  validateSarif(log);
  checkGithubRules(log);
  return log;
}

const results = (log: Sarif.Log) => log.runs[0]?.results ?? [];

for (const ex of EXAMPLES) {
  test(`lint and doctor of examples/${ex}: valid SARIF with relative physical locations`, {
    timeout: CLI_SAFETY_TIMEOUT_MS + 60_000,
  }, () => {
    for (const cmd of ['lint', 'doctor']) {
      const r = runCli([cmd, `examples/${ex}`, '--format', 'sarif', '--no-config-file']);
      assert.ok(r.code === 0 || r.code === 1, `${cmd} ${ex}: exit ${r.code} ${r.stderr}`);
      const log = sarifOf(r.stdout);
      const run = log.runs[0] as Sarif.Run;
      assert.equal(run.automationDetails?.id, `proxyproof/${cmd}/`);
      assert.equal(r.code === 1, results(log).length > 0, 'exit 1 exactly when there are results');
      for (const res of results(log)) {
        const pl = res.locations?.[0]?.physicalLocation;
        if (!pl) continue;
        assert.equal(pl.artifactLocation?.uriBaseId, '%SRCROOT%');
        assert.match(pl.artifactLocation?.uri ?? '', new RegExp(`^examples/${ex}/`));
      }
      for (const rule of run.tool.driver.rules ?? []) {
        const path = fileURLToPath(rule.helpUri as string);
        assert.ok(readFileSync(path, 'utf8').startsWith('#'), `${rule.id}: helpUri is the shipped docs page`);
        assert.ok(rule.help?.markdown?.includes(rule.id), `${rule.id}: help.markdown is the page`);
      }
    }
  });
}

test('the seed: the missing X-Forwarded-Proto is an error-level result at mysite:50 with its fix as a SARIF fix', () => {
  const log = sarifOf(runCli(['lint', 'examples/seed', '--format', 'sarif', '--no-config-file']).stdout);
  const res = results(log).find((x) => x.ruleId === 'nginx/forwarded-proto-missing');
  assert.ok(res);
  assert.equal(res.level, 'error');
  const pl = res.locations?.[0]?.physicalLocation;
  assert.equal(pl?.artifactLocation?.uri, 'examples/seed/nginx/sites-enabled/mysite');
  assert.equal(pl?.region?.startLine, 50);
  const change = res.fixes?.[0]?.artifactChanges[0];
  assert.equal(change?.artifactLocation.uri, 'examples/seed/nginx/sites-enabled/mysite');
  assert.match(change?.replacements[0]?.insertedContent?.text ?? '', /proxy_set_header X-Forwarded-Proto \$scheme;/);
});

test('fingerprints: identical across runs, unchanged by an unrelated edit above the finding, while the line moves', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-sarif-fp-'));
  try {
    cpSync(join(REPO_ROOT, 'examples/seed'), join(dir, 'seed'), { recursive: true });
    const run = () => sarifOf(runCli(['lint', 'seed', '--format', 'sarif', '--no-config-file'], { cwd: dir }).stdout);
    const key = (res: Sarif.Result) => `${res.ruleId} ${Object.values(res.partialFingerprints ?? {})[0]}`;
    const a = results(run()).map(key).sort();
    const b = results(run()).map(key).sort();
    assert.deepEqual(b, a, 'same fingerprints on a second run');
    const conf = join(dir, 'seed/nginx/sites-enabled/mysite');
    writeFileSync(conf, `# managed by ops\n# two more lines\n# of comments\n${readFileSync(conf, 'utf8')}`);
    const moved = run();
    const res = results(moved).find((x) => x.ruleId === 'nginx/forwarded-proto-missing');
    assert.equal(res?.locations?.[0]?.physicalLocation?.region?.startLine, 53, 'the finding moved down 3 lines');
    assert.deepEqual(results(moved).map(key).sort(), a, 'fingerprints did not change');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an inline ignore comment: the result stays in SARIF as an inSource suppression with its reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-sarif-ign-'));
  try {
    cpSync(join(REPO_ROOT, 'examples/seed'), join(dir, 'seed'), { recursive: true });
    const conf = join(dir, 'seed/nginx/sites-enabled/mysite');
    const lines = readFileSync(conf, 'utf8').split('\n');
    lines.splice(49, 0, '        # proxyproof-ignore nginx/forwarded-proto-missing: TLS ends at the LB, checked by hand');
    writeFileSync(conf, lines.join('\n'));
    const log = sarifOf(runCli(['lint', 'seed', '--format', 'sarif', '--no-config-file'], { cwd: dir }).stdout);
    const res = results(log).find((x) => x.ruleId === 'nginx/forwarded-proto-missing');
    assert.equal(res?.suppressions?.[0]?.kind, 'inSource');
    assert.equal(res?.suppressions?.[0]?.justification, 'TLS ends at the LB, checked by hand');
    assert.ok(
      results(log).some((x) => !x.suppressions),
      'other findings are not suppressed',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

let certs: Certs;
let site: Running;

before(async () => {
  certs = makeCerts();
  site = await startHttps(
    (req, res) =>
      html(
        res,
        `<link rel="stylesheet" href="http://${req.headers.host}/s.css"><form action="http://${req.headers.host}/login"></form>`,
      ),
    certs,
  );
});

after(async () => {
  await site?.close();
  certs?.cleanup();
});

function runAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [join(REPO_ROOT, 'packages/proxyproof/bin/proxyproof.js'), ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      cwd: REPO_ROOT,
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), CLI_SAFETY_TIMEOUT_MS);
    p.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr });
    });
  });
}

test('scan --format sarif: live findings carry the page URL as a logical location', {
  timeout: CLI_SAFETY_TIMEOUT_MS + 60_000,
}, async () => {
  const url = `https://app.test:${site.port}/`;
  const r = await runAsync([
    'scan',
    url,
    '--resolve',
    `app.test:${site.port}:127.0.0.1`,
    '--ca-cert',
    certs.caFile,
    '--no-progress',
    '--no-config-file',
    '--format',
    'sarif',
  ]);
  assert.equal(r.code, 1, r.stderr);
  const log = sarifOf(r.stdout);
  const mixed = results(log).find((x) => x.ruleId === 'scan/mixed-content-blocked');
  assert.ok(mixed, 'a mixed-content result');
  const logical = mixed.locations?.[0]?.logicalLocations?.[0];
  assert.equal(logical?.kind, 'resource');
  assert.match(logical?.fullyQualifiedName ?? '', /^https:\/\/app\.test:\d+\//);
  assert.equal(mixed.locations?.[0]?.physicalLocation, undefined);
  assert.equal(log.runs[0]?.automationDetails?.id, 'proxyproof/scan/');
});

test('the validators reject broken SARIF (schema and GitHub rules)', () => {
  const log = sarifOf(runCli(['lint', 'examples/seed', '--format', 'sarif', '--no-config-file']).stdout);
  const wrongVersion = structuredClone(log) as unknown as { version: string };
  wrongVersion.version = '2.0.0';
  assert.throws(() => validateSarif(wrongVersion), /SARIF schema errors/);
  const badLevel = structuredClone(log);
  (results(badLevel)[0] as { level: string }).level = 'fatal';
  assert.throws(() => validateSarif(badLevel), /SARIF schema errors/);
  const absolute = structuredClone(log);
  const loc = results(absolute)[0]?.locations?.[0]?.physicalLocation?.artifactLocation;
  if (loc) loc.uri = '/etc/nginx/nginx.conf';
  assert.throws(() => checkGithubRules(absolute), /relative uri/);
  const noRule = structuredClone(log);
  (results(noRule)[0] as Sarif.Result).ruleId = 'nginx/not-a-rule';
  assert.throws(() => checkGithubRules(noRule), /result names a rule/);
});
