import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseResolve, type ResolveEntry } from '../collectors/crawl/resolve.js';
import { emit, type OutputOptions, outputOptions } from './common.js';
import { LATE_INTERRUPT_BUDGET, lateTierUp } from './tier-up.js';

interface ScanCli extends OutputOptions {
  browser?: boolean;
  browserPath?: string;
  resolve: ResolveEntry[];
  caCert: string[];
  insecure?: boolean;
  maxPages: number;
  depth: number;
  concurrency: number;
  include: string[];
  exclude: string[];
  robots: boolean;
  sitemap: boolean;
  css: boolean;
  timeout: number;
  totalTimeout: number;
  maxRedirects: number;
  maxBytes: number;
  confirmCause?: boolean;
  config?: string;
  httpPort?: number;
  screenshots?: string;
  settle: number;
  progress: boolean;
  thirdPartyCheck: boolean;
}

function int(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** The scan's V8 tiering: the one every command's process gets (commands/tier-up.ts), set by scan/engine.ts late. */
export { lateTierUp };
export const SCAN_INTERRUPT_BUDGET = LATE_INTERRUPT_BUDGET;

const collect =
  <T>(parse: (v: string) => T) =>
  (v: string, prev: T[]) => [...prev, parse(v)];

export function registerScan(program: Command): void {
  const cmd = program
    .command('scan')
    .description(
      'crawl a live HTTPS site (static HTML+CSS, or real Chromium) for mixed content, http:// redirects, loops, insecure cookies and HSTS, with the cause of each',
    )
    .argument('<url>', 'entry URL (https://host/...)')
    .option('--browser', 'load every page in Chromium (playwright-core + the chromium on PATH) and report what it reports')
    .option('--browser-path <path>', 'Chromium binary (default: chromium on PATH; never downloaded)')
    .addOption(
      new Option('--resolve <host:port:address>', 'map a host name to an address, like curl (repeatable)')
        .argParser(
          collect((v) => {
            try {
              return parseResolve(v);
            } catch (e) {
              throw new InvalidArgumentError((e as Error).message);
            }
          }),
        )
        .default([]),
    )
    .addOption(
      new Option(
        '--ca-cert <file>',
        'also trust the CA certificates in this PEM file, in both engines (repeatable); the system store and NODE_EXTRA_CA_CERTS are always trusted',
      )
        .argParser(collect((v) => v))
        .default([]),
    )
    .option(
      '-k, --insecure',
      'accept any certificate (invalid, expired, wrong name, self-signed), in both engines; the report says so',
    )
    .addOption(new Option('--max-pages <n>', 'pages to fetch at most').argParser(int('--max-pages', 1, 1_000_000)).default(200))
    .addOption(new Option('--depth <n>', 'link depth from the entry').argParser(int('--depth', 0, 1000)).default(5))
    .addOption(
      new Option('--concurrency <n>', 'parallel requests (browser engine: parallel contexts, at most 4)')
        .argParser(int('--concurrency', 1, 256))
        .default(8),
    )
    .addOption(new Option('--include <glob>', 'only paths matching (repeatable)').argParser(collect((v) => v)).default([]))
    .addOption(new Option('--exclude <glob>', 'skip paths matching (repeatable)').argParser(collect((v) => v)).default([]))
    .option('--no-robots', 'ignore robots.txt')
    .option('--no-sitemap', 'do not seed from the sitemap')
    .option('--no-css', 'do not fetch linked stylesheets')
    .addOption(new Option('--timeout <ms>', 'per request').argParser(int('--timeout', 100, 600_000)).default(15_000))
    .addOption(
      new Option('--total-timeout <ms>', 'whole scan').argParser(int('--total-timeout', 1000, 86_400_000)).default(300_000),
    )
    .addOption(
      new Option('--max-redirects <n>', 'redirects followed per request').argParser(int('--max-redirects', 0, 100)).default(20),
    )
    .addOption(
      new Option('--max-bytes <n>', 'bytes read per response')
        .argParser(int('--max-bytes', 1024, 1 << 30))
        .default(5 * 1024 * 1024),
    )
    .addOption(
      new Option('--http-port <port>', 'port of the plain-http site (default 80 when the entry uses 443)').argParser(
        int('--http-port', 1, 65535),
      ),
    )
    .option(
      '--confirm-cause',
      're-fetch pages with X-Forwarded-Proto: https to prove backend-generated URLs (and show the header is spoofable)',
    )
    .option('--config <dir>', "the deployment's files: join lint findings (file:line) to the causes")
    .addOption(
      new Option('--settle <ms>', 'browser engine: time given to scripts after the load event')
        .argParser(int('--settle', 0, 60_000))
        .default(100),
    )
    .option('--screenshots <dir>', 'browser engine: save a screenshot of every page here')
    .option('--no-progress', 'no progress on stderr')
    .option('--no-third-party-check', 'do not check third-party http:// URLs over https');
  for (const o of outputOptions()) cmd.addOption(o);
  cmd.action(async (url: string, o: ScanCli) => {
    // V8's tiering is set by runScan (scan/engine.ts), once the scan's modules are loaded.
    // The parser worker's thread starts first: its start-up runs on the other core while this one loads the scan.
    (await import('../collectors/crawl/parser-worker.js')).prewarmParserWorker();
    // Loaded on use: undici, playwright-core and css-tree cost every other command's start-up otherwise.
    const { runScan } = await import('../scan/engine.js');
    const { createProgress } = await import('../scan/progress.js');
    const { report } = await runScan({
      entry: url,
      engine: o.browser ? 'browser' : 'static',
      http: {
        resolve: o.resolve,
        caCert: o.caCert,
        insecure: o.insecure,
        requestTimeoutMs: o.timeout,
        maxRedirects: o.maxRedirects,
        maxBytes: o.maxBytes,
      },
      crawl: {
        maxPages: o.maxPages,
        depth: o.depth,
        concurrency: o.concurrency,
        include: o.include,
        exclude: o.exclude,
        robots: o.robots,
        sitemap: o.sitemap,
        css: o.css,
      },
      totalTimeoutMs: o.totalTimeout,
      browser: {
        executablePath: o.browserPath,
        pageTimeoutMs: o.timeout,
        screenshotDir: o.screenshots,
        settleMs: o.settle,
      },
      confirmCause: o.confirmCause,
      configDir: o.config,
      httpPort: o.httpPort,
      thirdPartyCheck: o.thirdPartyCheck,
      progress: createProgress(o.progress ? 'auto' : 'off'),
    });
    process.exitCode = await emit(report, o);
  });
}
