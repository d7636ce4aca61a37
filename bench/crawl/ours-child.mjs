// Runs proxyproof's static crawler in its own process from the BUILT package (as users run it: plain node, no
// TypeScript loader), like linkinator-child.mjs (same cold start for both). Prints JSON on stdout.
import { runScan } from '../../packages/proxyproof/dist/scan/engine.js';

const [url, concurrency, maxPages, caFile] = process.argv.slice(2);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const { facts, report } = await runScan({
  entry: url,
  engine: 'static',
  http: { caCert: caFile, requestTimeoutMs: 60_000 },
  crawl: { maxPages: Number(maxPages), depth: 100, concurrency: Number(concurrency), robots: false, sitemap: false },
  totalTimeoutMs: 600_000,
  thirdPartyCheck: false,
});
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
const cssRefs = facts.pages.reduce((n, p) => n + p.insecure.filter((r) => r.source === 'css').length, 0);
process.stdout.write(JSON.stringify({ cpuMs, pages: facts.pages.length, ms, findings: report.findings.length, cssRefs }));
