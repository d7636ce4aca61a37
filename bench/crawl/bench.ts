// proxyproof scan's static crawler vs linkinator 7 on the same generated 2,000-page site, served by Debian's nginx
// (started here on a free loopback port, TLS with a throw-away CA), same concurrency, in one script. Our crawler
// also fetches and parses every linked stylesheet and classifies every URL for mixed content; linkinator checks
// links only. Then the browser engine (N contexts) vs a bare Playwright page-load loop with the same N contexts.
// Both crawlers run in a fresh child process each round (same cold start), timed inside the child.
// Both sides get the same NODE_EXTRA_CA_CERTS (the bench CA; `SAME_ENV` below), whatever the caller's environment sets.
// Run: `npm run bench:crawl` (builds, then: node --import tsx bench/crawl/bench.ts --pages 500 --concurrency 8 --rounds 5
// --browser-pages 0, the CLI-against-CLI figure of issue 11); other options: [--pages 2000] [--browser-pages 60] [--contexts 2].
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { runScan } from '../../packages/proxyproof/src/scan/engine.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : Number(process.argv[i + 1]);
};
const PAGES = arg('pages', 2000);
const CONCURRENCY = arg('concurrency', 8);
const BROWSER_PAGES = arg('browser-pages', 60);
const CONTEXTS = arg('contexts', 2);
const ROUNDS = arg('rounds', 5);
const HERE = dirname(fileURLToPath(import.meta.url));

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

function generateSite(root: string, httpPort: number) {
  mkdirSync(join(root, 'p'), { recursive: true });
  mkdirSync(join(root, 'css'), { recursive: true });
  mkdirSync(join(root, 'img'), { recursive: true });
  writeFileSync(join(root, 'img/logo.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
  for (let s = 0; s < 20; s++) {
    writeFileSync(join(root, `css/s${s}.css`), `@import url("/css/base.css");\n.hero{background:url(/img/logo.png)}\n.s${s}{background-image:image-set("http://127.0.0.1:${httpPort}/img/s${s}.png" 1x)}\n`);
  }
  writeFileSync(join(root, 'css/base.css'), 'body{font-family:sans-serif}\n');
  const page = (i: number) => {
    // a binary tree (every page reachable within log2(PAGES) levels) plus two cross links
    const links = [2 * i + 1, 2 * i + 2, (i * 7 + 3) % PAGES, (i * 13 + 5) % PAGES].filter((j) => j < PAGES);
    const body = [
      `<!doctype html><html><head><meta charset="utf-8"><title>page ${i}</title>`,
      `<link rel="stylesheet" href="/css/s${i % 20}.css"><link rel="icon" href="/img/logo.png">`,
      `<style>.p${i}{background:url(/img/logo.png)}</style></head><body>`,
      `<h1>Page ${i}</h1><img src="/img/logo.png" alt="">`,
      i % 10 === 0 ? `<img src="http://127.0.0.1:${httpPort}/img/old-${i}.png" alt="">` : '',
      ...Array.from({ length: 20 }, (_, k) => `<p>Paragraph ${k} of page ${i}. ${'Lorem ipsum dolor sit amet. '.repeat(4)}</p>`),
      `<ul>${links.map((j) => `<li><a href="/p/${j}.html">page ${j}</a></li>`).join('')}</ul>`,
      '</body></html>',
    ];
    return body.join('\n');
  };
  for (let i = 0; i < PAGES; i++) writeFileSync(join(root, `p/${i}.html`), page(i));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>home</title><a href="/p/0.html">start</a>');
}

function certs(dir: string) {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bench CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  run(['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:site.test\n');
  run(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-extfile', 'ext.cnf']);
}

async function startNginx(dir: string, root: string, httpsPort: number, httpPort: number): Promise<ChildProcess> {
  const conf = `worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  types { text/html html; text/css css; image/png png; }
  log_format bench '$request_method $uri $status';
  access_log ${dir}/access.log bench;
  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
  gzip on; gzip_types text/css;
  server {
    listen 127.0.0.1:${httpsPort} ssl;
    http2 off;
    ssl_certificate ${dir}/leaf.pem; ssl_certificate_key ${dir}/leaf.key;
    root ${root};
  }
  server { listen 127.0.0.1:${httpPort}; root ${root}; }
}
`;
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'nginx.conf'), conf.replace('    http2 off;\n', ''));
  const p = spawn('/usr/sbin/nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr?.on('data', (d) => (stderr += d));
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${httpPort}/index.html`);
      if (r.ok) return p;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  p.kill();
  let log = '';
  try {
    log = readFileSync(join(dir, 'error.log'), 'utf8');
  } catch {
    /* none */
  }
  throw new Error(`nginx did not start: ${stderr}${log}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function oursStatic(url: string, caFile: string): Promise<{ pages: number; ms: number; findings: number; cssRefs: number; cpuMs: number }> {
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : [];
  return child([...prof, join(HERE, 'ours-child.mjs'), url, String(CONCURRENCY), String(PAGES + 10), caFile], SAME_ENV(caFile));
}

function child<T>(args: string[], env: Record<string, string>): Promise<T> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => (code === 0 ? res(JSON.parse(out) as T) : rej(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

interface CliRun {
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  requests: number;
  pages: number;
}

/** Requests nginx logged so far (its access log, one line per request). */
function requestsLogged(dir: string): number {
  try {
    return readFileSync(join(dir, 'access.log'), 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

/**
 * A whole CLI process as a user runs it (start-up and module loading included), under GNU time for CPU and peak
 * memory; the requests it made are counted in nginx's access log.
 */
function cli(dir: string, argv: string[], env: Record<string, string>, countPages: (stdout: string) => number): Promise<CliRun> {
  return new Promise((res, rej) => {
    const before = requestsLogged(dir);
    const timeFile = join(dir, 'time.txt');
    const t0 = process.hrtime.bigint();
    const p = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%U %S %M', ...argv], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', () => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const [u, sy, rss] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      try {
        res({ wallMs, cpuMs: ((u ?? 0) + (sy ?? 0)) * 1000, maxRssMb: (rss ?? 0) / 1024, requests: requestsLogged(dir) - before, pages: countPages(out) });
      } catch (e) {
        rej(new Error(`${argv.join(' ')}: ${(e as Error).message}\n${err.slice(-2000)}`));
      }
    });
  });
}

const ROOT = join(HERE, '..', '..');
/**
 * The environment both sides get (linkinator has no CA option: NODE_EXTRA_CA_CERTS is how it trusts the bench CA).
 * Ours gets the same value, not the caller's: Node reads NODE_EXTRA_CA_CERTS before any JavaScript runs, and a
 * machine that sets it to the whole system bundle (this one does: /etc/ssl/certs/ca-certificates.crt, 144
 * certificates) made our process alone parse 144 more certificates at start-up (~40% of a refused-port scan's
 * main-thread instructions under callgrind; `node -e 0` 115 against 90 ms CPU at load 20). Ours also passes
 * --ca-cert, as a user would.
 */
const SAME_ENV = (caFile: string): Record<string, string> => ({ NODE_EXTRA_CA_CERTS: caFile });
function oursCli(dir: string, url: string, caFile: string): Promise<CliRun> {
  // BENCH_PROF=DIR: the CLI process is profiled too (node --cpu-prof), as users run it.
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : [];
  const argv = [process.execPath, ...prof, join(ROOT, 'packages/proxyproof/bin/proxyproof.js'), 'scan', url, '--ca-cert', caFile, '--max-pages', String(PAGES + 10), '--depth', '100', '--concurrency', String(CONCURRENCY), '--timeout', '60000', '--no-robots', '--no-sitemap', '--no-third-party-check', '--no-progress', '--format', 'json', '--min-severity', 'info'];
  return cli(dir, argv, SAME_ENV(caFile), (out) => {
    const doc = JSON.parse(out) as { pages?: unknown[]; scan?: { pages?: unknown[] } };
    const pages = doc.pages ?? doc.scan?.pages;
    if (!Array.isArray(pages)) throw new Error(`no pages in the JSON: ${Object.keys(doc).join(', ')}`);
    return pages.length;
  });
}
/** linkinator's CLI with its CSS checking on; images skipped (our crawler never requests them either). */
const LINKINATOR_SKIP = '\\.png$';
function linkinatorCli(dir: string, url: string, caFile: string): Promise<CliRun> {
  const argv = [process.execPath, join(ROOT, 'node_modules/linkinator/build/src/cli.js'), url, '--recurse', '--check-css', '--skip', LINKINATOR_SKIP, '--concurrency', String(CONCURRENCY), '--timeout', '60000', '--format', 'json', '--verbosity', 'warning'];
  return cli(dir, argv, SAME_ENV(caFile), (out) => {
    const doc = JSON.parse(out) as { links: { url: string; state: string }[] };
    return new Set(doc.links.filter((l) => l.state === 'OK' && /\.html$|\/$/.test(l.url)).map((l) => l.url)).size;
  });
}

function linkinator(url: string, caFile: string): Promise<{ pages: number; links: number; broken: number; ms: number; cpuMs: number }> {
  return child([join(HERE, 'linkinator-child.mjs'), url, String(CONCURRENCY), LINKINATOR_SKIP], SAME_ENV(caFile));
}

async function bareBrowser(urls: string[]) {
  // Timed like ours: from the browser launch to the last page closed.
  const t0 = performance.now();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-dev-shm-usage'] });
  try {
    const contexts = await Promise.all(Array.from({ length: CONTEXTS }, () => browser.newContext({ ignoreHTTPSErrors: true })));
    const queue = [...urls];
    await Promise.all(
      contexts.map(async (ctx) => {
        for (let u = queue.shift(); u; u = queue.shift()) {
          const page = await ctx.newPage();
          await page.goto(u, { waitUntil: 'load' });
          await page.close();
        }
      }),
    );
    return performance.now() - t0;
  } finally {
    await browser.close();
  }
}

async function oursBrowser(url: string, caFile: string) {
  const t0 = performance.now();
  const { facts } = await runScan({
    entry: url,
    engine: 'browser',
    http: { caCert: caFile, requestTimeoutMs: 15_000 },
    crawl: { maxPages: BROWSER_PAGES, depth: 100, concurrency: CONTEXTS, robots: false, sitemap: false },
    totalTimeoutMs: 600_000,
    browser: { contexts: CONTEXTS },
    thirdPartyCheck: false,
  });
  return { ms: performance.now() - t0, pages: facts.pages.length, urls: facts.pages.map((p) => p.finalUrl), observed: facts.pages.reduce((n, p) => n + (p.observed?.length ?? 0), 0) };
}

const dir = mkdtempSync(join(tmpdir(), 'pp-bench-crawl-'));
chmodSync(dir, 0o755); // nginx workers run as an unprivileged user when started by root
let nginx: ChildProcess | undefined;
try {
  certs(dir);
  const httpsPort = await freePort();
  const httpPort = await freePort();
  const root = join(dir, 'site');
  generateSite(root, httpPort);
  nginx = await startNginx(dir, root, httpsPort, httpPort);
  const url = `https://127.0.0.1:${httpsPort}/`; // linkinator recurses only below the root path
  const caFile = join(dir, 'ca.pem');
  console.log(`load average at the start: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (${new Date().toISOString()})`);
  console.log(`site: ${PAGES} pages, nginx ${execFileSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) || '(version on stderr)'} concurrency ${CONCURRENCY}`);
  if (process.argv.includes('--serve')) {
    // Keeps the site up for profiling one side by hand (e.g. `node --cpu-prof packages/proxyproof/bin/proxyproof.js
    // scan URL --ca-cert CA ...`); Ctrl-C stops nginx and removes the folder.
    console.log(`serving ${url} (CA ${caFile}, access log ${join(dir, 'access.log')}); Ctrl-C to stop`);
    await new Promise<void>((res) => {
      process.once('SIGINT', () => res());
      process.once('SIGTERM', () => res());
    });
    process.exitCode = 0;
  } else {

  // Each round runs both sides twice: the whole CLI (as users run it) and the crawler in a child process timed
  // from its first request (the in-process figure). The order alternates between rounds.
  const cliRatios: number[] = [];
  const cpuRatios: number[] = [];
  const inRatios: number[] = [];
  const rows: Record<string, number[]> = {};
  const keep = (k: string, v: number) => {
    rows[k] ??= [];
    rows[k].push(v);
  };
  for (let r = 0; r < ROUNDS; r++) {
    const oursFirst = r % 2 === 0;
    let oc: CliRun | undefined;
    let lc: CliRun | undefined;
    for (const side of oursFirst ? ['ours', 'linkinator'] : ['linkinator', 'ours']) {
      if (side === 'ours') oc = await oursCli(dir, url, caFile);
      else lc = await linkinatorCli(dir, url, caFile);
    }
    let oi: Awaited<ReturnType<typeof oursStatic>> | undefined;
    let li: Awaited<ReturnType<typeof linkinator>> | undefined;
    for (const side of oursFirst ? ['ours', 'linkinator'] : ['linkinator', 'ours']) {
      const before = requestsLogged(dir);
      if (side === 'ours') oi = await oursStatic(url, caFile);
      else li = await linkinator(url, caFile);
      keep(`${side} in-process requests`, requestsLogged(dir) - before);
    }
    if (!oc || !lc || !oi || !li) throw new Error('a side did not run');
    for (const [name, n] of [['proxyproof CLI', oc.pages], ['linkinator CLI', lc.pages], ['proxyproof in-process', oi.pages], ['linkinator in-process', li.pages]] as const)
      assert.equal(n, PAGES + 1, `${name} reached ${n} pages`);
    assert.ok(oi.cssRefs >= PAGES, 'our crawler found the http:// image-set() URLs in the linked CSS');
    keep('proxyproof CLI wall ms', oc.wallMs);
    keep('linkinator CLI wall ms', lc.wallMs);
    keep('proxyproof CLI CPU ms', oc.cpuMs);
    keep('linkinator CLI CPU ms', lc.cpuMs);
    keep('proxyproof CLI peak RSS MB', oc.maxRssMb);
    keep('linkinator CLI peak RSS MB', lc.maxRssMb);
    keep('proxyproof CLI requests', oc.requests);
    keep('linkinator CLI requests', lc.requests);
    keep('proxyproof in-process ms', oi.ms);
    keep('linkinator in-process ms', li.ms);
    cliRatios.push(lc.wallMs / oc.wallMs);
    cpuRatios.push(lc.cpuMs / oc.cpuMs);
    inRatios.push(li.ms / oi.ms);
    console.log(
      `round ${r + 1} (${oursFirst ? 'proxyproof' : 'linkinator'} first, load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}): CLI proxyproof ${oc.wallMs.toFixed(0)} ms (CPU ${oc.cpuMs.toFixed(0)}, ${oc.requests} requests, ${oc.maxRssMb.toFixed(0)} MB) | linkinator ${lc.wallMs.toFixed(0)} ms (CPU ${lc.cpuMs.toFixed(0)}, ${lc.requests} requests, ${lc.maxRssMb.toFixed(0)} MB) | wall ${(lc.wallMs / oc.wallMs).toFixed(2)}x, CPU ${(lc.cpuMs / oc.cpuMs).toFixed(2)}x; in-process ${oi.ms.toFixed(0)} vs ${li.ms.toFixed(0)} ms | ${(li.ms / oi.ms).toFixed(2)}x`,
    );
  }
  const mmm = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${s[0]!.toFixed(2)} / ${median(s).toFixed(2)} / ${s[s.length - 1]!.toFixed(2)}`;
  };
  for (const [k, v] of Object.entries(rows)) console.log(`${k} (min / median / max of ${v.length}): ${mmm(v)}`);
  console.log(`STATIC CLI vs CLI (linkinator wall / proxyproof wall), min / median / max: ${mmm(cliRatios)} (target >= 3x)`);
  // CPU (user+sys of the whole process tree, GNU time) is far less sensitive to other load on the machine than
  // wall time: on a shared machine read this line beside the wall ratio.
  console.log(`STATIC CLI vs CLI CPU (linkinator CPU / proxyproof CPU), min / median / max: ${mmm(cpuRatios)}`);
  console.log(`STATIC in-process (from the first request), min / median / max: ${mmm(inRatios)}`);
  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (${new Date().toISOString()})`);

  const bRatios: number[] = [];
  for (let r = 0; r < (BROWSER_PAGES > 0 ? ROUNDS : 0); r++) {
    const o = await oursBrowser(url, caFile);
    const bareMs = await bareBrowser(o.urls);
    const po = (o.pages / o.ms) * 1000;
    const pb = (o.pages / bareMs) * 1000;
    bRatios.push(pb / po);
    console.log(`round ${r + 1}: browser engine ${po.toFixed(1)} pages/s (${o.pages} pages, ${o.observed} mixed-content reports) | bare Playwright ${pb.toFixed(1)} pages/s | slowdown ${(pb / po).toFixed(2)}x`);
  }
  if (bRatios.length) console.log(`BROWSER median slowdown vs bare page loads with ${CONTEXTS} contexts: ${median(bRatios).toFixed(2)}x (target <= 1.5x)`);
  }
} finally {
  nginx?.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  rmSync(dir, { recursive: true, force: true });
}
