/** `proxyproof scan` as a user runs it (the built CLI), against servers in this process (so: async spawn). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI_SAFETY_TIMEOUT_MS } from '../helpers.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { type Certs, html, makeCerts, type Running, startHttps } from './servers.js';

const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

// Safety nets, never the assertion (test/real-program.ts, helpers.ts): a run killed by its net says so in its stderr.
function run(
  args: string[],
  timeoutMs = CLI_SAFETY_TIMEOUT_MS,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    let killed = false;
    const t = setTimeout(() => {
      killed = true;
      p.kill('SIGKILL');
    }, timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr: killed ? `${stderr}\n[test: killed after ${timeoutMs / 1000} s]` : stderr });
    });
  });
}

let certs: Certs;
let broken: Running;
let clean: Running;
let selfSigned: Running;

before(async () => {
  certs = makeCerts();
  broken = await startHttps(
    (req, res) => html(res, `<link rel="stylesheet" href="http://${req.headers.host}/s.css"><a href="/b">b</a>`),
    certs,
  );
  clean = await startHttps(
    (_req, res) => html(res, '<link rel="stylesheet" href="/s.css">', { 'strict-transport-security': 'max-age=31536000' }),
    certs,
  );
  selfSigned = await startHttps((_req, res) => html(res, 'hi'), { key: certs.selfKey, cert: certs.selfCert });
});

after(async () => {
  await broken?.close();
  await clean?.close();
  await selfSigned?.close();
  certs?.cleanup();
});

const common = (port: number) => [
  '--resolve',
  `app.test:${port}:127.0.0.1`,
  '--ca-cert',
  certs.caFile,
  '--timeout',
  String(REQUEST_SAFETY_TIMEOUT_MS),
];

test('findings: exit 1, JSON with findings, pages and redirect chains; plain progress lines on a non-TTY stderr', {
  timeout: CLI_SAFETY_TIMEOUT_MS + 60_000,
}, async () => {
  const r = await run(['scan', `https://app.test:${broken.port}/`, ...common(broken.port), '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.command, 'scan');
  assert.equal(j.engine, 'static');
  assert.ok(j.findings.some((f: { id: string }) => f.id === 'scan/mixed-content-blocked'));
  assert.equal(j.pages.length, 2);
  assert.ok(Array.isArray(j.redirects));
  assert.match(r.stderr, /^scan: \d+ pages done/m);
});

test('a clean site: exit 0 (text output says no findings)', { timeout: CLI_SAFETY_TIMEOUT_MS + 60_000 }, async () => {
  const r = await run(['scan', `https://app.test:${clean.port}/`, ...common(clean.port), '--no-progress']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /no findings/);
  assert.equal(r.stderr, '');
});

test('a self-signed certificate: exit 2, one line naming the URL and the TLS code; --insecure accepts it', {
  timeout: 2 * CLI_SAFETY_TIMEOUT_MS + 60_000,
}, async () => {
  const url = `https://app.test:${selfSigned.port}/`;
  const base = [
    'scan',
    url,
    '--resolve',
    `app.test:${selfSigned.port}:127.0.0.1`,
    '--timeout',
    String(REQUEST_SAFETY_TIMEOUT_MS),
  ];
  const r = await run([...base, '--no-progress']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, new RegExp(`^proxyproof: ${url.replace(/[.]/g, '\\.')}: TLS error DEPTH_ZERO_SELF_SIGNED_CERT`));
  const ok = await run([...base, '--insecure', '--no-progress', '--min-severity', 'high']);
  assert.equal(ok.code, 0, ok.stderr);
});

test('an entry that refuses connections: exit 2 with one line naming it, over https:// and http://', {
  timeout: 2 * CLI_SAFETY_TIMEOUT_MS + 60_000,
}, async () => {
  // A port nothing listens on: the first loopback port bound and released at once.
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  for (const scheme of ['https', 'http']) {
    const url = `${scheme}://127.0.0.1:${port}/`;
    const r = await run(['scan', url, '--no-progress', '--timeout', String(REQUEST_SAFETY_TIMEOUT_MS)]);
    assert.equal(r.code, 2, `${url}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^proxyproof: ${url.replace(/[.]/g, '\\.')}: ECONNREFUSED`));
    assert.doesNotMatch(r.stderr, /internal error/);
  }
});

test('bad arguments: exit 2 with a clear message', { timeout: 3 * CLI_SAFETY_TIMEOUT_MS + 60_000 }, async () => {
  const a = await run(['scan', 'https://app.test/', '--resolve', 'app.test:443']);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /expected HOST:PORT:ADDRESS/);
  const b = await run(['scan', 'ftp://app.test/']);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /unsupported scheme ftp:/);
  const c = await run(['scan', 'https://app.test/', '--ca-cert', '/nonexistent/ca.pem']);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /\/nonexistent\/ca\.pem: cannot read CA certificate: ENOENT/);
});
