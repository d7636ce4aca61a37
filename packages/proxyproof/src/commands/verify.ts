/**
 * `proxyproof verify --config DIR --url https://site [--backend http://HOST:PORT ...]`: after a deploy or in
 * CI, lint the deployment's files, scan the live site (static crawler, or Chromium with --browser), and
 * probe each named backend, as ONE report with one exit code (0 clean, 1 findings, 2 unusable input).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseResolve, type ResolveEntry } from '../collectors/crawl/resolve.js';
import { lintPaths, sortFindings } from '../engine/lint.js';
import { InputError } from '../model/finding.js';
import type { Report, ReportSection } from '../render/types.js';
import { emit, type OutputOptions, outputOptions } from './common.js';
import { runProbe } from './probe.js';

export interface VerifyOptions {
  config: string;
  url: string;
  backends: string[];
  fromNetns?: string;
  browser?: boolean;
  resolve?: ResolveEntry[];
  caCert?: string;
  insecure?: boolean;
  maxPages?: number;
  timeoutMs?: number;
  cwd?: string;
}

export async function runVerify(o: VerifyOptions): Promise<Report> {
  try {
    const u = new URL(o.url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
  } catch {
    throw new InputError(`--url: not an http(s) URL: ${o.url}`);
  }
  const lint = await lintPaths([o.config], { cwd: o.cwd });
  const { runScan } = await import('../scan/engine.js');
  const scan = await runScan({
    entry: o.url,
    engine: o.browser ? 'browser' : 'static',
    http: {
      resolve: o.resolve ?? [],
      caCert: o.caCert,
      insecure: o.insecure,
      requestTimeoutMs: o.timeoutMs ?? 15_000,
      maxRedirects: 20,
      maxBytes: 5 * 1024 * 1024,
    },
    crawl: {
      maxPages: o.maxPages ?? 50,
      depth: 3,
      concurrency: 4,
      include: [],
      exclude: [],
      robots: true,
      sitemap: true,
      css: true,
    },
    totalTimeoutMs: 120_000,
    browser: { pageTimeoutMs: o.timeoutMs ?? 15_000, settleMs: 100 },
    configDir: o.config,
  });
  const probes = [];
  for (const b of o.backends) probes.push(await runProbe({ backend: b, public: new URL(o.url).origin, fromNetns: o.fromNetns }));
  const sections: ReportSection[] = [];
  const part = (name: string, r: Report) => {
    for (const s of r.sections ?? []) sections.push({ ...s, title: `${name}: ${s.title}` });
  };
  part('lint', lint.report);
  part('scan', scan.report);
  for (const p of probes) part('probe', p.report);
  const findings = sortFindings([...lint.report.findings, ...scan.report.findings, ...probes.flatMap((p) => p.report.findings)]);
  const counts = (r: Report) => r.findings.length;
  sections.unshift({
    title: 'verify',
    lines: [
      `  lint ${o.config}: ${counts(lint.report)} finding(s)`,
      `  scan ${o.url}: ${counts(scan.report)} finding(s)`,
      ...probes.map(
        (p) => `  probe ${p.facts.backend}: ${p.facts.reachable.ok ? `${counts(p.report)} finding(s)` : 'not reachable'}`,
      ),
    ],
  });
  return {
    command: 'verify',
    inputs: [o.config, o.url, ...o.backends],
    findings,
    diagnostics: [...lint.report.diagnostics, ...scan.report.diagnostics],
    sections,
    data: {
      verify: {
        lint: { findings: counts(lint.report), chain: lint.report.data?.chain ?? null },
        scan: scan.report.data ?? null,
        probes: probes.map((p) => p.facts),
      },
    },
  };
}

export function registerVerify(program: Command): void {
  const cmd = program
    .command('verify')
    .description('lint the deployment + scan the live site (+ probe the backends) as one report with one exit code')
    .requiredOption('--config <dir>', "the deployment's files (nginx, app server, framework, compose...)")
    .requiredOption('--url <url>', 'the public site (https://site/)')
    .addOption(
      new Option('--backend <url>', 'an app server to probe, as the proxy reaches it (repeatable)')
        .argParser((v: string, prev: string[]) => [...prev, v])
        .default([]),
    )
    .option('--from-netns <name>', 'probe from inside this network namespace')
    .option('--browser', 'scan with Chromium instead of the static crawler')
    .addOption(
      new Option('--resolve <host:port:address>', 'map a host name to an address, like curl (repeatable)')
        .argParser((v: string, prev: ResolveEntry[]) => {
          try {
            return [...prev, parseResolve(v)];
          } catch (e) {
            throw new InvalidArgumentError((e as Error).message);
          }
        })
        .default([]),
    )
    .option('--ca-cert <file>', 'trust this extra CA (PEM)')
    .option('-k, --insecure', 'accept invalid and self-signed certificates')
    .option('--max-pages <n>', 'pages to scan at most', '50');
  for (const o of outputOptions()) cmd.addOption(o);
  cmd.action(
    async (
      opts: OutputOptions & {
        config: string;
        url: string;
        backend: string[];
        fromNetns?: string;
        browser?: boolean;
        resolve: ResolveEntry[];
        caCert?: string;
        insecure?: boolean;
        maxPages: string;
      },
    ) => {
      const maxPages = Number(opts.maxPages);
      if (!Number.isInteger(maxPages) || maxPages < 1) throw new InputError('--max-pages must be a positive integer');
      const report = await runVerify({
        config: opts.config,
        url: opts.url,
        backends: opts.backend,
        fromNetns: opts.fromNetns,
        browser: opts.browser,
        resolve: opts.resolve,
        caCert: opts.caCert,
        insecure: opts.insecure,
        maxPages,
      });
      process.exitCode = await emit(report, opts);
    },
  );
}
