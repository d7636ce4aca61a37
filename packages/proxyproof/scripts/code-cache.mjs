#!/usr/bin/env node
/**
 * Build step run by scripts/bundle.mjs in a fresh `node` (V8's default flags; PROXYPROOF_V8_TIERING=default and
 * PROXYPROOF_WASM_TIER_UP=1, so the scan changes no V8 flag at run time: a cache carries the flags it was made
 * under, and V8 rejects it under others): writes the V8 code cache of dist/bundle/scan.cjs beside it
 * (`scan.cjs.<V8 tag>.v8cache`, read by src/code-cache.ts). The file is loaded, then run as the CLI on two scans of
 * a small loopback site of its own (JSON, then text; HTTPS when openssl is there), so the cache holds the functions a scan compiles on first
 * call too (a cache made right after loading holds only the top-level code). Loopback only, every request bounded
 * by the scan's own timeouts (and the whole step by bundle.mjs's); nothing outside dist/bundle/ and a temporary
 * folder is written. The scans' reports go to this process's stdout, which bundle.mjs discards.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');
const FILE = join(PKG, 'dist/bundle/scan.cjs');
const { loadCommonJs, writeCodeCache } = await import(join(PKG, 'dist/code-cache.js'));

const page = (i) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page ${i}</title>
<link rel="stylesheet" href="/css/site.css"><link rel="icon" href="/favicon.ico">
<link rel="preload" href="http://cdn.example.test/font.woff2" as="font">
<style>body{margin:0;background:url(/img/bg.png)}.hero{background-image:url("http://img.example.test/h${i}.jpg")}</style>
<script src="/js/app.js" defer></script><script>window.x = 1;</script><script src="http://cdn.example.test/lib.js"></script></head>
<body><nav><a href="/">Home</a> <a href="/old">Moved</a> <a href="http://old.example.test/">Old</a>
<a href="/p/${(i + 1) % 12}.html#top">Next</a> <a href="mailto:a@example.test">Mail</a></nav>
<main><img src="/img/a.png" srcset="/img/a-2x.png 2x, http://img.example.test/a.png 3x" alt="">
<iframe src="http://embed.example.test/v/${i}"></iframe><form action="http://127.0.0.1/login" method="post">
<input name="u"><button formaction="/go">Go</button></form><a href="/missing">gone</a>
<ul>${Array.from({ length: 6 }, (_, k) => `<li><a href="/p/${(i * 5 + k) % 12}.html">page</a></li>`).join('')}</ul></main></body></html>
`;
const CSS = `@import url("/css/base.css");@font-face{font-family:F;src:url(/f.woff2) format("woff2"),url("http://cdn.example.test/f.woff")}
body{background:url(/img/bg.png) no-repeat,linear-gradient(#fff,#eee)}.a{background-image:url("http://img.example.test/a.png")}
`;

const handler = (req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const send = (status, type, text, extra = {}) => {
    const body = gz ? gzipSync(text) : Buffer.from(text);
    res.writeHead(status, { 'content-type': type, ...(gz ? { 'content-encoding': 'gzip' } : {}), ...extra });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (path === '/old') {
    res.writeHead(301, { location: `http://${req.headers.host}/p/3.html` });
    res.end();
  } else if (path.endsWith('.css')) send(200, 'text/css', CSS);
  else if (path === '/' || /^\/p\/\d+\.html$/.test(path))
    send(200, 'text/html; charset=utf-8', page(Number(/\d+/.exec(path)?.[0] ?? 0)), {
      'set-cookie': 'sid=1; Path=/; HttpOnly',
      'strict-transport-security': 'max-age=300',
    });
  else send(404, 'text/plain', 'not found');
};
const dir = mkdtempSync(join(tmpdir(), 'pp-code-cache-'));
/**
 * Served over HTTPS when openssl can make a certificate for 127.0.0.1 (then the scan's mixed-content paths run too,
 * and the certificate is its `--ca-cert`); over plain HTTP otherwise (a cache of fewer functions, as good).
 */
function tlsOptions() {
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { cwd: dir, stdio: 'ignore', timeout: 30_000 },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return undefined;
  }
}
const tls = tlsOptions();
const server = tls ? createHttpsServer(tls, handler) : createServer(handler);
await new Promise((res) => server.listen(0, '127.0.0.1', res));
try {
  // The CA file: the server's certificate, or (plain HTTP) any certificate, so the scan reads one as `--ca-cert`.
  const ca = join(dir, 'ca.pem');
  if (tls) writeFileSync(ca, tls.cert);
  else writeFileSync(ca, rootCertificates[0]);
  const loaded = loadCommonJs(FILE);
  const { main, prewarmParserWorker } = loaded.exports;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}/`;
  // No third-party check: it would ask for the sample's other hosts (DNS, the network); loopback only.
  const common = ['--no-third-party-check', '--ca-cert', ca, '--max-pages', '30', '--concurrency', '4', '--timeout', '60000', '--total-timeout', '240000'];
  const cwd = process.cwd();
  process.chdir(dir); // no project config (.proxyproof.json) of the build's folder is read
  try {
    for (const args of [
      ['scan', url, ...common, '--no-progress', '--format', 'json', '--min-severity', 'info'],
      ['scan', url, ...common, '--no-progress', '--no-robots', '--no-sitemap'],
    ]) {
      prewarmParserWorker();
      const code = await main(args);
      // 0 or 1 (findings); anything else means the sample scan failed, and a cache of it would be a poor one.
      if (code !== 0 && code !== 1) throw new Error(`the sample scan exited ${code}: ${args.join(' ')}`);
    }
  } finally {
    process.chdir(cwd);
  }
  process.exitCode = 0; // the scans set it (1: findings)
  const path = writeCodeCache(FILE, loaded);
  console.error(`code-cache: ${path.slice(PKG.length + 1)}, ${Math.round(statSync(path).size / 1024)} KB (sample site over ${tls ? 'https' : 'http'})`);
} finally {
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
