/**
 * `scan --browser`: a page the browser could not load is an error for that page, with the reason and the flag
 * that would help; the summary says how many pages could not be loaded; no page loaded at all is exit 2; the
 * crawler's HTTP status is never printed as if the browser had loaded the page. Real Chromium, real failures:
 * a page whose load event never comes (an image that never answers), and a server that drops every
 * connection from Chromium while the crawler reads the same pages.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI_SAFETY_TIMEOUT_MS } from '../helpers.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { type Certs, html, makeCerts, type Running, startHttp, startHttps } from './servers.js';

const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

let certs: Certs;
let plain: Running;
let partial: Running;
let refusesBrowsers: Running;
const hanging = new Set<Socket>();

before(async () => {
  certs = makeCerts();
  plain = await startHttp((_req, res) => res.end('body{}'));
  const pages = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    if (req.url === '/')
      return html(res, `<link rel="stylesheet" href="http://cdn.test:${plain.port}/site.css"><a href="/slow">slow</a>`);
    // The crawler reads this HTML at once; Chromium waits for the image, so `load` never comes.
    if (req.url === '/slow') return html(res, '<p>slow</p><img src="/never.png">');
    if (req.url === '/never.png') {
      hanging.add(req.socket);
      return; // never answered
    }
    html(res, 'nope', {}, 404);
  };
  partial = await startHttps(pages, certs);
  refusesBrowsers = await startHttps((req, res) => {
    // A bot filter that drops Chromium: the static crawler (its own User-Agent) still gets every page.
    if (/Chrome/.test(req.headers['user-agent'] ?? '')) return req.socket.destroy();
    pages(req, res);
  }, certs);
});

after(async () => {
  for (const s of hanging) s.destroy();
  await Promise.all([plain?.close(), partial?.close(), refusesBrowsers?.close()]);
  certs?.cleanup();
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
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
    }, CLI_SAFETY_TIMEOUT_MS);
    p.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr: killed ? `${stderr}\n[test: killed after ${CLI_SAFETY_TIMEOUT_MS / 1000} s]` : stderr });
    });
  });
}

const args = (s: Running, extra: string[]) => [
  'scan',
  `https://app.test:${s.port}/`,
  '--browser',
  '--resolve',
  `app.test:${s.port}:127.0.0.1`,
  '--resolve',
  `cdn.test:${plain.port}:127.0.0.1`,
  '--ca-cert',
  certs.caFile,
  '--no-progress',
  '--concurrency',
  '1',
  ...extra,
];

// --timeout is the shared request net (test/real-program.ts) in both tests. In the first it is also the mechanism
// under test, and any value shows it: /slow's load event never comes, so its page times out whatever the limit,
// while the other page must load within it (with 4 s a loaded machine's Chromium could miss that too).
test('one page never fires load: that page is an error (timeout, --timeout), the other is scanned, exit 1; the summary says 1 page could not be loaded', {
  timeout: CLI_SAFETY_TIMEOUT_MS + 60_000,
}, async () => {
  const r = await run(args(partial, ['--timeout', String(REQUEST_SAFETY_TIMEOUT_MS), '--format', 'json']));
  // Exit 1, not 2: one page is an error of that page, the scan of the other stands (and has findings).
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.summary.incomplete, '1 page could not be loaded (1 loaded)');
  assert.equal(j.pagesNotLoaded, 1);
  const home = j.pages.find((p: { url: string }) => p.url.endsWith(`:${partial.port}/`));
  const slow = j.pages.find((p: { url: string }) => p.url.endsWith('/slow'));
  assert.equal(home.browser.status, 200);
  assert.equal(home.browser.error, undefined);
  assert.equal(slow.status, 200, "the crawler's own fetch of /slow worked");
  assert.equal(slow.browser.status, undefined);
  assert.equal(slow.browser.error.code, 'timeout');
  assert.deepEqual(slow.insecure, []);
  const d = j.diagnostics.find((x: { file: string; level: string }) => x.file.endsWith('/slow') && x.level === 'error');
  assert.match(
    d?.message ?? '',
    new RegExp(
      `^the browser could not load this page: no load event within ${REQUEST_SAFETY_TIMEOUT_MS} ms \\(timeout\\); raise --timeout MS`,
    ),
  );
  // The page that loaded is still scanned by the browser.
  assert.ok(j.findings.some((f: { id: string; data?: { url?: string } }) => f.id === 'scan/mixed-content-blocked'));
});

test('Chromium gets no page at all: exit 2, every page FAILED with its reason, no status printed as if loaded, never "no findings"', {
  timeout: CLI_SAFETY_TIMEOUT_MS + 60_000,
}, async () => {
  const r = await run(args(refusesBrowsers, ['--timeout', String(REQUEST_SAFETY_TIMEOUT_MS)]));
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const home = `https://app.test:${refusesBrowsers.port}/`;
  assert.match(r.stdout, /: 2 page\(s\), 2 could not be loaded in the browser/);
  for (const u of [home, `${home}slow`]) {
    const esc = u.replace(/[.]/g, '\\.');
    assert.match(
      r.stdout,
      new RegExp(`^FAILED ${esc}  — .+ \\((ERR_EMPTY_RESPONSE|ERR_CONNECTION_CLOSED|ERR_CONNECTION_RESET)\\)$`, 'm'),
    );
    assert.match(r.stdout, new RegExp(`^error: ${esc}: the browser could not load this page: `, 'm'));
  }
  assert.doesNotMatch(r.stdout, /^\d{3} https:\/\/app\.test/m, "the crawler's 200 is not shown as the browser's");
  assert.doesNotMatch(r.stdout, /mixed-content/, 'the browser saw nothing, so it reports no mixed content');
  const summary = r.stdout.trim().split('\n').at(-1) ?? '';
  assert.match(summary, /^2 pages could not be loaded \(none at all\); /);
  assert.doesNotMatch(summary, /^no findings/);
});
