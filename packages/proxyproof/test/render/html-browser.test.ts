/**
 * The HTML report in real Chromium (playwright-core + Debian's /usr/bin/chromium): reports written by the
 * CLI (`--format html --output`) for doctor, lint and a browser scan are opened offline from file://;
 * the key elements are there, no request leaves the page, nothing overflows a phone's width, print
 * works; screenshots at desktop and phone widths (and a PDF) are saved as test artifacts in
 * test-artifacts/html-report/ (PROXYPROOF_ARTIFACTS overrides the folder).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { REPO_ROOT, runCli } from '../helpers.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';
import { type Certs, html, makeCerts, type Running, startHttps } from '../scan/servers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = process.env.PROXYPROOF_ARTIFACTS ?? join(REPO_ROOT, 'test-artifacts/html-report');
const haveChromium = existsSync(CHROMIUM);

let browser: Browser;
let work: string;
let certs: Certs;
let site: Running;

before(async () => {
  if (!haveChromium) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'pp-html-'));
  // Every host name resolves nowhere: a report that tried to fetch anything could not reach it anyway.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--host-resolver-rules=MAP * ~NOTFOUND', '--no-sandbox'],
    timeout: 60_000,
  });
  certs = makeCerts();
  site = await startHttps((req, res) => {
    if (req.url === '/s.css') {
      res.writeHead(200, { 'content-type': 'text/css' });
      res.end('body{background:#fafafa}');
      return;
    }
    html(
      res,
      `<!doctype html><title>Shop</title><h1 style="font:32px sans-serif">Shop front</h1><link rel="stylesheet" href="http://${req.headers.host}/s.css"><img src="http://${req.headers.host}/logo.png" alt="logo">`,
    );
  }, certs);
});

after(async () => {
  await browser?.close();
  await site?.close();
  certs?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  requests: string[];
  close(): Promise<void>;
}

async function open(file: string, width: number, height: number): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, offline: true });
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const url = pathToFileURL(file).href;
  await page.goto(url, { waitUntil: 'load', timeout: REQUEST_SAFETY_TIMEOUT_MS });
  return { page, requests: requests.filter((r) => r !== url), close: () => context.close() };
}

async function shoot(file: string, name: string): Promise<void> {
  for (const [label, w, h] of [
    ['desktop', 1280, 900],
    ['phone', 390, 844],
  ] as const) {
    const o = await open(file, w, h);
    try {
      assert.deepEqual(o.requests, [], `${name} ${label}: no request leaves the page`);
      const overflow = await o.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name} ${label}: nothing is wider than the screen (${overflow}px over)`);
      await o.page.screenshot({ path: join(ARTIFACTS, `${name}-${label}.png`), fullPage: true });
    } finally {
      await o.close();
    }
  }
}

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
    const t = setTimeout(() => p.kill('SIGKILL'), 170_000);
    p.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr });
    });
  });
}

test('doctor of the seed: verdict, chain SVG with the red mark at mysite:50, findings by hop, fix diffs; offline; print', {
  skip: !haveChromium && 'no /usr/bin/chromium',
  timeout: 120_000,
}, async () => {
  const file = join(work, 'seed.html');
  const r = runCli(['doctor', 'examples/seed', '--format', 'html', '--output', file, '--no-config-file']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '', 'the report goes to the file, not stdout');
  const source = readFileSync(file, 'utf8');
  assert.doesNotMatch(source, /<(link|script)[^>]+(href|src)=/i, 'no external stylesheet or script');
  const o = await open(file, 1280, 900);
  try {
    const { page } = o;
    assert.deepEqual(o.requests, []);
    const verdict = await page.textContent('#verdict');
    assert.match(verdict ?? '', /An HTTPS request to https:\/\/shop\.example\.com\/ reaches Django as http/);
    assert.match(verdict ?? '', /X-Forwarded-Proto missing/);
    assert.match(verdict ?? '', /redirect loop/);
    assert.equal(await page.locator('#verdict.bad').count(), 1);
    // The picture: browser, nginx, gunicorn, Django; nginx marked red with the line that loses the scheme.
    const hops = await page.locator('svg.chain g.hop').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-kind')));
    assert.deepEqual(hops, ['client', 'proxy', 'app-server', 'framework']);
    const bad = (await page.locator('svg.chain g.hop.bad[data-kind="proxy"] text').allTextContents()).join(' ');
    assert.match(bad, /scheme lost: X-Forwarded-Proto missing \(examples\/seed\/nginx\/sites-enabled\/mysite:50\)/);
    assert.match((await page.locator('svg.chain g.arrow.bad').first().textContent()) ?? '', /X-Forwarded-Proto missing/);
    const box = await page.locator('svg.chain').first().boundingBox();
    assert.ok(box && box.width > 300 && box.height > 300, 'the picture is drawn at a readable size');
    // Findings grouped by hop, the nginx one with its snippet and the line to add.
    const groups = await page.locator('#findings section.group > h3').allTextContents();
    assert.ok(groups.includes('nginx :443 (mysite:20)'), groups.join(' | '));
    const nginx = page.locator('article.finding[data-id="nginx/forwarded-proto-missing"]');
    assert.match((await nginx.locator('pre.snippet').first().textContent()) ?? '', /location \/ \{/);
    assert.match(
      (await nginx.locator('pre.diff .add').textContent()) ?? '',
      /^\+\s+proxy_set_header X-Forwarded-Proto \$scheme;$/,
    );
    const addColour = await nginx.locator('pre.diff .add').evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.notEqual(addColour, 'rgba(0, 0, 0, 0)', 'added lines are highlighted');
    assert.ok((await page.locator('#plan li.planfix').count()) >= 1, 'the fix plan');
    // The severity filter (inline JS) hides and shows findings.
    const before = await page.locator('article.finding:visible').count();
    // The seed's headline is critical (one finding per root cause: the chain's redirect loop is its explanation).
    await page.click('.filters button[data-sev="critical"]');
    const afterClick = await page.locator('article.finding:visible').count();
    assert.ok(afterClick < before, `hiding critical findings: ${before} -> ${afterClick}`);
    await page.click('.filters button[data-sev="critical"]');
    // Print: the filter bar goes, everything shows, and Chromium makes a PDF of it.
    await page.click('.filters button[data-sev="critical"]');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.filters').evaluate((e) => getComputedStyle(e).display), 'none');
    assert.equal(
      await page
        .locator('article.finding.hidden')
        .first()
        .evaluate((e) => getComputedStyle(e).display),
      'block',
    );
    const pdf = await page.pdf({ path: join(ARTIFACTS, 'seed-doctor.pdf'), format: 'A4' });
    assert.equal(pdf.subarray(0, 4).toString(), '%PDF');
  } finally {
    await o.close();
  }
  await shoot(file, 'seed-doctor');
});

test('lint of django-compose and a correct deployment: the chain and the verdict; a correct chain has no red mark', {
  skip: !haveChromium && 'no /usr/bin/chromium',
  timeout: 120_000,
}, async () => {
  const broken = join(work, 'django-compose.html');
  assert.equal(runCli(['lint', 'examples/django-compose', '--format', 'html', '-o', broken, '--no-config-file']).code, 1);
  const good = join(work, 'correct.html');
  const g = runCli(['doctor', 'examples/correct-everything', '--format', 'html', '-o', good, '--no-config-file']);
  assert.ok(g.code === 0 || g.code === 1, g.stderr);
  const o = await open(broken, 1280, 900);
  try {
    assert.match((await o.page.textContent('#verdict')) ?? '', /reaches Django as http/);
    assert.ok((await o.page.locator('svg.chain g.hop.bad').count()) >= 1);
  } finally {
    await o.close();
  }
  const c = await open(good, 1280, 900);
  try {
    assert.match((await c.page.textContent('#verdict')) ?? '', /as https/);
    assert.equal(await c.page.locator('svg.chain g.hop.bad').count(), 0);
    assert.ok((await c.page.locator('svg.chain').count()) >= 1);
  } finally {
    await c.close();
  }
  await shoot(broken, 'django-compose-lint');
});

test('scan --browser: the pages with their insecure URLs and the embedded screenshot', {
  skip: !haveChromium && 'no /usr/bin/chromium',
  timeout: 240_000,
}, async () => {
  const shots = join(work, 'shots');
  const file = join(work, 'scan.html');
  const r = await runAsync([
    'scan',
    `https://app.test:${site.port}/`,
    '--resolve',
    `app.test:${site.port}:127.0.0.1`,
    '--ca-cert',
    certs.caFile,
    '--browser',
    '--browser-path',
    CHROMIUM,
    '--screenshots',
    shots,
    '--no-progress',
    '--no-config-file',
    '--format',
    'html',
    '--output',
    file,
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(
    readdirSync(shots).some((n) => n.endsWith('.png')),
    'the scan took a screenshot',
  );
  const o = await open(file, 1280, 900);
  try {
    assert.deepEqual(o.requests, [], 'the embedded screenshot is a data: URI, not a file request');
    assert.match((await o.page.textContent('#verdict')) ?? '', /1 page of https:\/\/app\.test:\d+\/ scanned: 1 with insecure/);
    const urls = await o.page.locator('#pages ul.insecure code').allTextContents();
    assert.ok(
      urls.some((u) => /^http:\/\/app\.test:\d+\/s\.css$/.test(u)),
      urls.join(' | '),
    );
    const img = o.page.locator('#pages img.shot');
    assert.match((await img.getAttribute('src')) ?? '', /^data:image\/png;base64,/);
    assert.ok((await img.evaluate((e) => (e as HTMLImageElement).naturalWidth)) > 100, 'the screenshot decodes');
  } finally {
    await o.close();
  }
  await shoot(file, 'scan-browser');
});
