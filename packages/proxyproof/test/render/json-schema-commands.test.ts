/**
 * probe, verify and fix `--format json` validate against schema/probe, verify and fix.schema.json (and doctor's
 * fix plan against doctor.schema.json), each produced by the CLI as a user runs it: probe and verify against
 * real servers on loopback (an HTTP backend that believes forged headers, an HTTPS site with mixed content),
 * fix on every example and after --write on a copy. The schemas are not blind: broken output is rejected.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCliAsync as cli, REPO_ROOT, runCli } from '../helpers.js';
import { type Certs, html, makeCerts, type Running, startHttp, startHttps } from '../scan/servers.js';
import { validateJson } from './validate.js';

const EXAMPLES = readdirSync(join(REPO_ROOT, 'examples')).filter((n) => !n.includes('.'));

let certs: Certs;
let site: Running;
let backend: Running;
before(async () => {
  certs = makeCerts();
  // The backend believes X-Forwarded-Proto / -Host / -For from anyone (the mistake probe finds).
  backend = await startHttp((req, res) => {
    const proto = String(req.headers['x-forwarded-proto'] ?? 'http');
    const host = String(req.headers['x-forwarded-host'] ?? req.headers.host);
    const ip = String(req.headers['x-forwarded-for'] ?? req.socket.remoteAddress);
    html(res, `<a href="${proto}://${host}/x">x</a> from ${ip}`, proto === 'https' ? { 'set-cookie': 'sid=1; Secure' } : {});
  });
  site = await startHttps((req, res) => html(res, `<link rel="stylesheet" href="http://${req.headers.host}/s.css">`), certs);
});
after(async () => {
  await site?.close();
  await backend?.close();
  certs?.cleanup();
});

test('probe JSON validates against probe.schema.json; the schema rejects a fifth exchange and an unknown name', async () => {
  const r = await cli([
    'probe',
    '--backend',
    `http://127.0.0.1:${backend.port}/`,
    '--public',
    'https://app.test',
    '--format',
    'json',
    '--no-config-file',
  ]);
  assert.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  validateJson('probe', j);
  assert.equal(j.command, 'probe');
  assert.ok(j.findings.some((f: { id: string }) => f.id === 'probe/scheme-spoofable'));
  const five = structuredClone(j);
  five.probe.exchanges.push(five.probe.exchanges[0]);
  assert.throws(() => validateJson('probe', five), /schema errors/);
  const name = structuredClone(j);
  name.probe.exchanges[1].name = 'everything';
  assert.throws(() => validateJson('probe', name), /schema errors/);
});

test('verify JSON (lint + scan + probe) validates against verify.schema.json', async () => {
  const r = await cli([
    'verify',
    '--config',
    'examples/seed',
    '--url',
    `https://app.test:${site.port}/`,
    '--resolve',
    `app.test:${site.port}:127.0.0.1`,
    '--ca-cert',
    certs.caFile,
    '--backend',
    `http://127.0.0.1:${backend.port}/`,
    '--max-pages',
    '3',
    '--format',
    'json',
    '--no-config-file',
  ]);
  assert.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  validateJson('verify', j);
  const ids = new Set(j.findings.map((f: { id: string }) => f.id));
  for (const id of ['nginx/forwarded-proto-missing', 'scan/mixed-content-blocked', 'probe/scheme-spoofable'])
    assert.ok(ids.has(id), `${id} in ${[...ids].join(', ')}`);
  assert.equal(j.verify.probes.length, 1);
  const broken = structuredClone(j);
  delete broken.verify.lint;
  assert.throws(() => validateJson('verify', broken), /schema errors/);
  assert.throws(() => validateJson('probe', j), /schema errors/, 'a verify report is not a probe report');
});

for (const ex of EXAMPLES) {
  test(`fix JSON of examples/${ex} validates against fix.schema.json, and doctor's fix plan is the same`, () => {
    const r = runCli(['fix', `examples/${ex}`, '--format', 'json', '--no-config-file']);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const j = JSON.parse(r.stdout);
    validateJson('fix', j);
    for (const f of j.findings) assert.ok(f.fix, `${f.id}: fix lists only findings with a fix`);
    const d = JSON.parse(runCli(['doctor', `examples/${ex}`, '--format', 'json', '--no-config-file']).stdout);
    validateJson('doctor', d);
    assert.deepEqual(d.doctor.fix.patches, j.fix.patches, 'doctor plans exactly the patches fix prints');
    assert.deepEqual(d.doctor.fix.advice, j.fix.advice);
  });
}

test('fix --write JSON lists what was written (backup, validation, reload) and validates; the schema is not blind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-fixjson-'));
  try {
    cpSync(join(REPO_ROOT, 'examples/seed'), dir, { recursive: true });
    const r = runCli(['fix', '.', '--write', '--format', 'json', '--no-config-file'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    validateJson('fix', j);
    assert.ok(j.fix.written.length >= 1);
    for (const w of j.fix.written) assert.equal(w.status, 'written');
    const bad = structuredClone(j);
    bad.fix.written[0].status = 'maybe';
    assert.throws(() => validateJson('fix', bad), /schema errors/);
    const noDiff = structuredClone(j);
    noDiff.fix.patches[0].diff = 'not a diff';
    assert.throws(() => validateJson('fix', noDiff), /schema errors/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
