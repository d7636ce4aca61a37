/**
 * The GitHub Action as the runner runs it: `node action/index.mjs` with the inputs as INPUT_* variables,
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, on a sample repository folder. The code scanning API is a
 * local HTTP server standing in for api.github.com (GITHUB_API_URL), which records the upload: the
 * SARIF it receives (gzip + base64) must validate. action.yml declares exactly the inputs the entry reads.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type * as Sarif from 'sarif';
import { parse } from 'yaml';
import { REPO_ROOT, runCli } from '../helpers.js';
import { checkGithubRules, validateSarif } from '../render/validate.js';
import { type Certs, html, makeCerts, type Running, startHttp, startHttps } from '../scan/servers.js';

interface Upload {
  path: string;
  auth: string;
  body: { commit_sha: string; ref: string; sarif: string; tool_name: string };
}

let api: http.Server;
let apiUrl: string;
const uploads: Upload[] = [];

before(async () => {
  api = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.method !== 'POST' || !/^\/repos\/[^/]+\/[^/]+\/code-scanning\/sarifs$/.test(req.url ?? '')) {
        res.writeHead(404).end('{}');
        return;
      }
      uploads.push({ path: req.url ?? '', auth: String(req.headers.authorization), body: JSON.parse(body) });
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `sarif-${uploads.length}`, url: 'x' }));
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((r) => api.close(() => r())));

function runAction(
  workspace: string,
  inputs: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: join(workspace, '.gh-output'),
    GITHUB_STEP_SUMMARY: join(workspace, '.gh-summary'),
    GITHUB_API_URL: apiUrl,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
  };
  // As the runner does: every declared input is set, with its default when the workflow gives none.
  const declared = (
    parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> }
  ).inputs;
  for (const [name, spec] of Object.entries(declared)) {
    const v = inputs[name] ?? (spec.default?.startsWith('${{') ? 'ghs_default' : (spec.default ?? ''));
    env[`INPUT_${name.toUpperCase()}`] = v;
  }
  return new Promise((res) => {
    const p = spawn(process.execPath, [join(REPO_ROOT, 'action/index.mjs')], { cwd: workspace, env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr });
    });
  });
}

function sample(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pp-action-'));
  cpSync(join(REPO_ROOT, 'examples/seed'), dir, { recursive: true });
  return dir;
}

test('action.yml: node20, its entry exists, and it declares exactly the inputs the entry reads', () => {
  const y = parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as {
    runs: { using: string; main: string };
    inputs: Record<string, { description: string }>;
    outputs: Record<string, unknown>;
  };
  assert.equal(y.runs.using, 'node20');
  assert.ok(existsSync(join(REPO_ROOT, y.runs.main)));
  const src = readFileSync(join(REPO_ROOT, y.runs.main), 'utf8');
  const read = new Set([...src.matchAll(/\b(?:input|bool)\('([a-z-]+)'/g)].map((m) => m[1]));
  assert.deepEqual([...read].sort(), Object.keys(y.inputs).sort());
  for (const [k, v] of Object.entries(y.inputs)) assert.ok(v.description, `${k} has a description`);
  const written = new Set([...src.matchAll(/setOutput\('([a-z-]+)'/g)].map((m) => m[1]));
  assert.deepEqual([...written].sort(), Object.keys(y.outputs).sort());
});

test('lint on a sample repository: SARIF written and uploaded, annotations, outputs, summary, the job fails', {
  timeout: 150_000,
}, async () => {
  const ws = sample();
  try {
    const before = uploads.length;
    const r = await runAction(ws, { command: 'lint', paths: '.', token: 'ghs_secret', category: 'nginx-config' });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^::error title=nginx\/forwarded-proto-missing,file=nginx\/sites-enabled\/mysite,line=50::/m);
    assert.match(r.stdout, /^::error::proxyproof lint: \d+ findings$/m);
    const sarif = JSON.parse(readFileSync(join(ws, 'proxyproof.sarif'), 'utf8')) as Sarif.Log;
    validateSarif(sarif);
    checkGithubRules(sarif);
    const out = readFileSync(join(ws, '.gh-output'), 'utf8');
    const findings = sarif.runs[0]?.results?.length ?? 0;
    assert.match(out, /^exit-code=1$/m);
    assert.match(out, /^sarif-file=proxyproof\.sarif$/m);
    assert.match(out, new RegExp(`^findings=${findings}$`, 'm'));
    assert.match(
      readFileSync(join(ws, '.gh-summary'), 'utf8'),
      /### proxyproof lint: \d+ findings[\s\S]*\| (?:high|critical) \| `nginx\/forwarded-proto-missing` \| `nginx\/sites-enabled\/mysite:50` \|/,
    );
    assert.equal(uploads.length, before + 1);
    const up = uploads[uploads.length - 1] as Upload;
    assert.equal(up.path, '/repos/acme/shop/code-scanning/sarifs');
    assert.equal(up.auth, 'Bearer ghs_secret');
    assert.equal(up.body.commit_sha, 'a'.repeat(40));
    assert.equal(up.body.ref, 'refs/heads/main');
    const sent = JSON.parse(gunzipSync(Buffer.from(up.body.sarif, 'base64')).toString('utf8')) as Sarif.Log;
    validateSarif(sent);
    checkGithubRules(sent);
    assert.equal(sent.runs[0]?.automationDetails?.id, 'nginx-config/');
    assert.equal(sent.runs[0]?.results?.length, findings);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test("with a baseline of today's findings the job passes; upload off sends nothing; fail-on-findings false passes", {
  timeout: 150_000,
}, async () => {
  const ws = sample();
  try {
    assert.equal(runCli(['baseline', '.', '-o', 'proxyproof-baseline.json'], { cwd: ws }).code, 0);
    const before = uploads.length;
    const r = await runAction(ws, { baseline: 'proxyproof-baseline.json', upload: 'false' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(uploads.length, before, 'upload: false');
    assert.match(readFileSync(join(ws, '.gh-output'), 'utf8'), /^findings=0$/m);
    const sarif = JSON.parse(readFileSync(join(ws, 'proxyproof.sarif'), 'utf8')) as Sarif.Log;
    assert.ok((sarif.runs[0]?.results ?? []).every((x) => x.suppressions?.[0]?.kind === 'external'));
    rmSync(join(ws, 'proxyproof-baseline.json'));
    const soft = await runAction(ws, { upload: 'false', 'fail-on-findings': 'false', 'min-severity': 'high', command: 'doctor' });
    assert.equal(soft.code, 0, soft.stdout);
    assert.match(readFileSync(join(ws, '.gh-output'), 'utf8'), /^exit-code=1$/m);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('bad inputs fail with one ::error line; a rejected upload fails the job', { timeout: 150_000 }, async () => {
  const ws = sample();
  try {
    const bad = await runAction(ws, { command: 'deploy' });
    assert.equal(bad.code, 2);
    assert.match(bad.stdout, /^::error::input command: one of lint, doctor, verify, got "deploy"$/m);
    const flag = await runAction(ws, { upload: 'maybe' });
    assert.equal(flag.code, 2);
    assert.match(flag.stdout, /^::error::input upload: expected true or false, got "maybe"$/m);
    writeFileSync(join(ws, 'nothing.txt'), 'x');
    const missing = await runAction(ws, { paths: 'does-not-exist', upload: 'false' });
    assert.equal(missing.code, 2);
    assert.match(missing.stdout, /::error::proxyproof lint wrote no report \(exit 2\)/);
    assert.match(missing.stderr, /does-not-exist: no such file or directory/);
    const noRepo = await runAction(ws, { upload: 'true', token: '' });
    assert.equal(noRepo.code, 2);
    assert.match(noRepo.stdout, /::error::no token/);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('verify on a sample repository and a live site: lint + scan + probe in one SARIF, uploaded; verify without url is an input error', {
  timeout: 200_000,
}, async () => {
  const ws = sample();
  let certs: Certs | undefined;
  let site: Running | undefined;
  let backend: Running | undefined;
  try {
    certs = makeCerts();
    // The live site serves an http:// stylesheet (mixed content); the backend believes a forged X-Forwarded-Proto.
    site = await startHttps(
      (req, res) => html(res, `<link rel="stylesheet" href="http://${req.headers.host}/s.css"><h1>shop</h1>`),
      certs,
    );
    backend = await startHttp((req, res) =>
      html(res, `<a href="${req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http'}://${req.headers.host}/x">x</a>`),
    );
    const before = uploads.length;
    const url = `https://app.test:${site.port}/`;
    const r = await runAction(ws, {
      command: 'verify',
      url,
      args: `--resolve app.test:${site.port}:127.0.0.1 --ca-cert ${certs.caFile} --backend http://127.0.0.1:${backend.port}/ --max-pages 3`,
      token: 'ghs_secret',
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^proxyproof \([^)]*\): verify --config \. --url https:\/\/app\.test:\d+\/ --resolve /m);
    const sarif = JSON.parse(readFileSync(join(ws, 'proxyproof.sarif'), 'utf8')) as Sarif.Log;
    validateSarif(sarif);
    checkGithubRules(sarif);
    const results = sarif.runs[0]?.results ?? [];
    const ids = new Set(results.map((x) => x.ruleId));
    for (const id of ['nginx/forwarded-proto-missing', 'scan/mixed-content-blocked', 'probe/scheme-spoofable'])
      assert.ok(ids.has(id), `${id} in ${[...ids].join(', ')}`);
    // Config findings carry the file; live findings the URL as a logical location.
    const lint = results.find((x) => x.ruleId === 'nginx/forwarded-proto-missing');
    assert.equal(lint?.locations?.[0]?.physicalLocation?.artifactLocation?.uri, 'nginx/sites-enabled/mysite');
    const live = results.find((x) => x.ruleId === 'scan/mixed-content-blocked');
    assert.ok(
      JSON.stringify(live?.locations ?? []).includes(`app.test:${site.port}`),
      `the page URL is the location: ${JSON.stringify(live?.locations)}`,
    );
    assert.match(r.stdout, /^::error title=nginx\/forwarded-proto-missing,file=nginx\/sites-enabled\/mysite,line=50::/m);
    assert.match(readFileSync(join(ws, '.gh-summary'), 'utf8'), /### proxyproof verify: \d+ findings/);
    assert.match(readFileSync(join(ws, '.gh-output'), 'utf8'), /^exit-code=1$/m);
    assert.equal(uploads.length, before + 1);
    const sent = JSON.parse(
      gunzipSync(Buffer.from((uploads.at(-1) as Upload).body.sarif, 'base64')).toString('utf8'),
    ) as Sarif.Log;
    assert.equal(sent.runs[0]?.results?.length, results.length);
    const noUrl = await runAction(ws, { command: 'verify', upload: 'false' });
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stdout, /^::error::input url: verify needs the public site \(url: https:\/\/\.\.\.\)$/m);
    const twoDirs = await runAction(ws, { command: 'verify', url, paths: 'nginx mysite', upload: 'false' });
    assert.equal(twoDirs.code, 2);
    assert.match(twoDirs.stdout, /^::error::input paths: verify reads one deployment folder, got 2$/m);
  } finally {
    await site?.close();
    await backend?.close();
    certs?.cleanup();
    rmSync(ws, { recursive: true, force: true });
  }
});
