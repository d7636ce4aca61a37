/**
 * `proxyproof probe --backend http://HOST:PORT [--public https://site] [--from-netns NAME]`: is the app
 * port reachable from here, and does a forged X-Forwarded-Proto / -Host / -For change its answer.
 * Four GETs at most, each with a timeout, to the one backend named; nothing else is contacted.
 */
import type { Command } from 'commander';
import { summary } from '../checks/probe/common.js';
import { runProbeChecks } from '../checks/probe/index.js';
import { sortFindings } from '../engine/lint.js';
import { CLIENT_IP_PATHS, type ProbeOptions, probeBackend } from '../probe/run.js';
import type { ProbeFacts } from '../probe/types.js';
import type { Report, ReportSection } from '../render/types.js';
import { emit, type OutputOptions, outputOptions } from './common.js';

export interface ProbeResult {
  facts: ProbeFacts;
  report: Report;
}

function requestLines(facts: ProbeFacts): string[] {
  const out: string[] = [];
  for (const ex of facts.exchanges) {
    const sent = Object.entries(ex.sent)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    out.push(`  ${ex.name}${ex.url ? ` ${ex.url}` : ''}${sent ? ` (${sent})` : ` (Host: ${facts.hostHeader})`}`);
    if (ex.response)
      out.push(
        ...summary(ex.response, facts.hostHeader)
          .split('\n')
          .map((l) => `      ${l}`),
      );
    else out.push(`      no answer: ${ex.error ?? 'unknown error'}`);
  }
  return out;
}

export function probeSection(facts: ProbeFacts): ReportSection {
  const where = facts.fromNetns ? `from network namespace ${facts.fromNetns}` : 'from this host';
  return {
    title: `Probe of ${facts.backend} ${where}`,
    lines: facts.reachable.ok
      ? requestLines(facts)
      : [`  not reachable ${where}: ${facts.reachable.error ?? 'no answer'} (nothing else was sent)`],
  };
}

export async function runProbe(opts: ProbeOptions): Promise<ProbeResult> {
  const facts = await probeBackend(opts);
  const report: Report = {
    command: 'probe',
    inputs: [opts.backend, ...(opts.public ? [opts.public] : [])],
    findings: sortFindings(runProbeChecks(facts)),
    diagnostics: [],
    sections: [probeSection(facts)],
    data: { probe: facts },
  };
  return { facts, report };
}

export function registerProbe(program: Command): void {
  const cmd = program
    .command('probe')
    .description(
      'active check of a backend: is the app port reachable, and do forged X-Forwarded-Proto/-Host/-For headers change its answer',
    )
    .requiredOption('--backend <url>', 'the app server, as the proxy reaches it (http://HOST:PORT[/path])')
    .option('--public <url>', 'the public site (https://site): its host is sent as Host, as the proxy would')
    .option('--from-netns <name>', 'make the requests from inside this network namespace (ip netns; needs root)')
    .option(
      '--client-ip-path <path...>',
      `more paths where the app shows the client's address (a baseline and a forged X-Forwarded-For each; at most ${CLIENT_IP_PATHS})`,
    )
    .option('--timeout <ms>', 'per-request timeout in milliseconds', '5000');
  for (const o of outputOptions()) cmd.addOption(o);
  cmd.action(
    async (
      opts: OutputOptions & { backend: string; public?: string; fromNetns?: string; clientIpPath?: string[]; timeout: string },
    ) => {
      const timeoutMs = Number(opts.timeout);
      const { report } = await runProbe({
        backend: opts.backend,
        public: opts.public,
        fromNetns: opts.fromNetns,
        clientIpPaths: opts.clientIpPath,
        timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? Math.min(timeoutMs, 60_000) : 5000,
      });
      process.exitCode = await emit(report, opts);
    },
  );
}
