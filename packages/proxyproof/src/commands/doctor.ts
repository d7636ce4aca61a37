/**
 * `proxyproof doctor [DIR...] [--root /] [--url https://...] [--behind-tls-lb]`: the chain verdict.
 * Text: found / not found, the hop-by-hop picture per route, the findings, the fix plan.
 * JSON: the common report plus `doctor` (topology, traces, verdicts, plan), see docs/doctor.md.
 */
import { type Command, Option } from 'commander';
import { planLines, runDoctor } from '../chain/run.js';
import { InputError } from '../model/finding.js';
import { renderFinding } from '../render/text.js';
import type { RenderOptions, Report } from '../render/types.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, emit, type OutputOptions, outputOptions } from './common.js';

export interface DoctorCliOptions extends OutputOptions {
  root?: string;
  url?: string;
  behindTlsLb?: boolean;
}

export function renderDoctorText(report: Report, plan: string[], opts: RenderOptions): string {
  const parts: string[] = [];
  if (!opts.quiet) {
    for (const s of report.sections ?? []) parts.push(`${s.title}\n${s.lines.join('\n').replace(/\n+$/, '')}`);
    for (const d of report.diagnostics) parts.push(`${d.level}: ${d.file}${d.line ? `:${d.line}` : ''}: ${d.message}`);
    const hidden = report.suppressed?.length ?? 0;
    const ignored = hidden ? ` (${hidden} more ignored or in the baseline)` : '';
    parts.push(report.findings.length ? `Findings (${report.findings.length})${ignored}` : `Findings: none${ignored}`);
  }
  for (const f of report.findings) parts.push(renderFinding(f, opts));
  if (!opts.quiet) parts.push(`Fix plan\n${plan.join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}

export function registerDoctor(program: Command): void {
  const cmd = program
    .command('doctor')
    .description(
      'the chain verdict: what scheme, host and client address the app believes for an HTTPS request, where it is lost, and the smallest fix',
    )
    .argument('[dirs...]', 'project folders or files of the deployment (default: .)')
    .option(
      '--root <dir>',
      'read system locations under this root (/etc/nginx, systemd units, /etc/caddy, and the project folders they name)',
    )
    .option('--url <url>', 'the public URL to diagnose when several servers match (https://example.com:8443/)')
    .addOption(new Option('--behind-tls-lb', 'a TLS-terminating load balancer sits in front of the proxy'));
  for (const o of outputOptions()) cmd.addOption(o);
  cmd.action(async (dirs: string[], opts: DoctorCliOptions) => {
    if (opts.url) {
      try {
        new URL(opts.url);
      } catch {
        throw new InputError(`--url: not a URL: ${opts.url}`);
      }
    }
    if (opts.root && dirs.length > 0) throw new InputError('give either folders or --root, not both');
    const { report, analysis } = await runDoctor(dirs, { root: opts.root, url: opts.url, behindTlsLb: opts.behindTlsLb });
    const code = await emit({ ...report, chain: analysis }, opts, {
      text: (shown, o) => renderDoctorText(shown, planLines(analysis), o),
    });
    // The doctor reports unreadable files in its "Not found" section and goes on: only findings decide.
    process.exitCode = code === EXIT_USAGE ? (report.findings.length > 0 ? EXIT_FINDINGS : EXIT_OK) : code;
  });
}
