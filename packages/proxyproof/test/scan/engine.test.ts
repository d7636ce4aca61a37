/**
 * The scan engine end to end (static crawler) against local servers that behave like the real failure:
 * a backend that builds URLs from the scheme it believes (X-Forwarded-Proto, or http), and a correctly
 * proxied site with one literal http:// URL.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runScan, type ScanOptions } from '../../src/scan/engine.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { type Certs, html, makeCerts, type Running, resolveAll, startHttp, startHttps } from './servers.js';

let certs: Certs;
let backend: Running; // believes http unless the client says X-Forwarded-Proto: https
let good: Running; // knows it is https; one hard-coded http:// URL
let plain: Running; // the plain-http twin: serves the site (no redirect) and sends HSTS
let confDir: string;

function schemeOf(req: IncomingMessage) {
  return req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
}

before(async () => {
  certs = makeCerts();
  plain = await startHttp((_req, res) =>
    html(res, '<p>plain http site</p>', { 'strict-transport-security': 'max-age=31536000' }),
  );
  backend = await startHttps((req, res) => {
    const base = `${schemeOf(req)}://${req.headers.host}`;
    if (req.url === '/') {
      return html(
        res,
        `<html><head><link rel="canonical" href="${base}/"><link rel="stylesheet" href="${base}/static/site.css"></head><body>
<img src="${base}/static/logo.png"><form method="post" action="${base}/submit/"></form>
<script src="http://cdn.test:${plain.port}/lib.js"></script>
<a href="/login/">login</a></body></html>`,
        { 'set-cookie': ['csrftoken=secret-value; Path=/; SameSite=Lax', 'tracker=1; SameSite=None'] },
      );
    }
    if (req.url === '/login/') {
      res.writeHead(302, { location: `${base}/private/`, 'set-cookie': 'sessionid=abc; Path=/; HttpOnly' });
      return res.end();
    }
    if (req.url === '/static/site.css') {
      res.writeHead(200, { 'content-type': 'text/css' });
      return res.end('h1{color:green}');
    }
    html(res, 'private', {}, 200);
  }, certs);
  good = await startHttps((req, res) => {
    if (req.url === '/') {
      return html(
        res,
        `<html><head><link rel="canonical" href="https://${req.headers.host}/"><link rel="stylesheet" href="/static/site.css"></head><body>
<img src="https://${req.headers.host}/static/ok.png"><p>see <img src="http://app.test/uploads/old-banner.png"></p></body></html>`,
        {
          'strict-transport-security': 'max-age=31536000; includeSubDomains',
          'set-cookie': 'sessionid=1; Path=/; Secure; HttpOnly',
        },
      );
    }
    res.writeHead(200, { 'content-type': 'text/css' });
    res.end('body{}');
  }, certs);
  confDir = mkdtempSync(join(tmpdir(), 'pp-scan-conf-'));
  writeFileSync(
    join(confDir, 'site.conf'),
    `server {\n    listen 443 ssl;\n    server_name app.test;\n    ssl_certificate /etc/ssl/app.pem;\n    ssl_certificate_key /etc/ssl/app.key;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header Host $host;\n    }\n}\n`,
  );
});

after(async () => {
  await backend?.close();
  await good?.close();
  await plain?.close();
  certs?.cleanup();
  rmSync(confDir, { recursive: true, force: true });
});

function opts(port: number, extra: Partial<ScanOptions> = {}): ScanOptions {
  return {
    entry: `https://app.test:${port}/`,
    engine: 'static',
    http: { resolve: resolveAll(port, plain.port), caCert: certs.caFile, requestTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS },
    crawl: { maxPages: 20, depth: 3, concurrency: 4 },
    totalTimeoutMs: 120_000,
    httpPort: plain.port,
    ...extra,
  };
}

test('a backend that believes http: every symptom, attributed to the backend', { timeout: 180_000 }, async () => {
  const { report } = await runScan(opts(backend.port));
  const by = (id: string) => report.findings.filter((f) => f.id === id);
  const css = by('scan/mixed-content-blocked').find((f) => String(f.data?.url).endsWith('/static/site.css'));
  assert.ok(css, 'stylesheet blocked');
  assert.equal(css.data?.cause, 'backend-generated');
  assert.match(css.message, /its canonical link is http:\/\/app\.test/);
  assert.match(css.message, /Run with --confirm-cause/);
  const lib = by('scan/mixed-content-blocked').find((f) => String(f.data?.url).endsWith('/lib.js'));
  assert.equal(lib?.data?.cause, 'third-party');
  assert.match(lib!.message, /does not work over https/);
  assert.equal(by('scan/mixed-content-upgraded')[0]?.data?.cause, 'backend-generated');
  assert.equal(by('scan/insecure-form-action').length, 1);
  const redirect = by('scan/redirect-to-http')[0];
  assert.ok(redirect);
  assert.match(redirect.message, /\/login\/ answers 302 Location: http:\/\/app\.test:\d+\/private\//);
  assert.deepEqual(
    by('scan/cookie-not-secure')
      .map((f) => f.data?.cookie)
      .sort(),
    ['csrftoken', 'sessionid'],
  );
  assert.doesNotMatch(JSON.stringify(report), /secret-value/, 'cookie values are never printed');
  assert.equal(by('scan/cookie-samesite-none-insecure').length, 1);
  assert.match(by('scan/hsts-missing')[0]!.message, /Django/);
  assert.equal(by('scan/http-not-redirected').length, 1);
  assert.equal(by('scan/hsts-over-http').length, 1);
  assert.equal(by('scan/forwarded-proto-spoofable').length, 0, 'not without --confirm-cause');
});

test('--confirm-cause proves the cause and reports the spoofable header', { timeout: 180_000 }, async () => {
  const { report, facts } = await runScan(opts(backend.port, { confirmCause: true }));
  assert.ok(facts.confirm.length >= 1);
  const css = report.findings.find((f) => f.id === 'scan/mixed-content-blocked' && String(f.data?.url).endsWith('/site.css'));
  assert.equal(css?.data?.proved, true);
  assert.match(css!.message, /backend-generated \(proved\)/);
  assert.equal(report.findings.filter((f) => f.id === 'scan/forwarded-proto-spoofable').length, 1);
});

test('--config joins the lint finding of the same deployment with file:line', { timeout: 180_000 }, async () => {
  const { report } = await runScan(opts(backend.port, { configDir: confDir }));
  const css = report.findings.find((f) => f.id === 'scan/mixed-content-blocked' && String(f.data?.url).endsWith('/site.css'));
  assert.match(css!.message, /Consistent with nginx\/forwarded-proto-missing at [^ ]*site\.conf:\d+/);
  assert.ok(css!.evidence.some((e) => e.file.endsWith('site.conf') && e.line > 0));
});

test('a correctly proxied page with one literal http:// URL: hard-coded, and the header changes nothing', {
  timeout: 180_000,
}, async () => {
  const { report, facts } = await runScan(opts(good.port, { confirmCause: true }));
  const img = report.findings.find((f) => f.id === 'scan/mixed-content-upgraded');
  assert.ok(img);
  assert.equal(img.data?.url, 'http://app.test/uploads/old-banner.png');
  assert.equal(img.data?.cause, 'hard-coded');
  assert.match(img.message, /other same-host absolute URLs use https/);
  assert.equal(facts.confirm[0]?.after.length, 1);
  assert.ok(
    !report.findings.some((f) =>
      ['scan/hsts-missing', 'scan/cookie-not-secure', 'scan/forwarded-proto-spoofable', 'scan/mixed-content-blocked'].includes(
        f.id,
      ),
    ),
  );
});
