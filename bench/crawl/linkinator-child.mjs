// Runs linkinator in its own process (NODE_EXTRA_CA_CERTS must be set before Node starts, so the bench
// spawns this with the lab CA). Prints {pages, links, ms} as JSON on stdout.
import { LinkChecker } from 'linkinator';

const [url, concurrency, skip] = process.argv.slice(2);
const checker = new LinkChecker();
const t0 = performance.now();
const cpu0 = process.cpuUsage();
// the same options as the CLI run: CSS checking on, images skipped (our crawler does not request them)
const result = await checker.check({
  path: url,
  recurse: true,
  checkCss: true,
  linksToSkip: skip ? [skip] : [],
  concurrency: Number(concurrency),
  timeout: 60000,
});
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
const pages = new Set(result.links.filter((l) => l.state === 'OK' && /\.html$|\/$/.test(l.url)).map((l) => l.url));
const broken = result.links.filter((l) => l.state === 'BROKEN').length;
process.stdout.write(JSON.stringify({ cpuMs, pages: pages.size, links: result.links.length, broken, ms }));
