/**
 * `proxyproof doctor [DIR...] [--root /] [--url https://...] [--behind-tls-lb]`: the chain verdict.
 * Text: found / not found, the hop-by-hop picture per route, the findings, the fix plan.
 * JSON: the common report plus `doctor` (topology, traces, verdicts, plan), see docs/doctor.md.
 */
import { type Command, Option } from 'commander';
import { planLines, runDoctor } from '../chain/run.js';
import { atOrAbove } from '../engine/lint.js';
import { InputError, isSeverity, SEVERITIES, type Severity } from '../model/finding.js';
import { RENDERERS } from '../render/index.js';
import { renderFinding } from '../render/text.js';
import type { Report } from '../render/types.js';
import { EXIT_FINDINGS, EXIT_OK, type OutputOptions, outputOptions } from './common.js';

export interface DoctorCliOptions extends OutputOptions {
  root?: string;
  url?: string;
  behindTlsLb?: boolean;
}

export function renderDoctorText(report: Report, plan: string[], opts: { color: boolean; quiet: boolean }): string {
  const parts: string[] = [];
  if (!opts.quiet) {
    for (const s of report.sections ?? []) parts.push(`${s.title}\n${s.lines.join('\n').replace(/\n+$/, '')}`);
    for (const d of report.diagnostics) parts.push(`${d.level}: ${d.file}${d.line ? `:${d.line}` : ''}: ${d.message}`);
    parts.push(report.findings.length ? `Findings (${report.findings.length})` : 'Findings: none');
  }
  for (const f of report.findings) parts.push(renderFinding(f, { color: opts.color, quiet: opts.quiet }));
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
    if (!isSeverity(opts.minSeverity))
      throw new InputError(`unknown severity '${opts.minSeverity}' (one of ${SEVERITIES.join(', ')})`);
    if (opts.url) {
      try {
        new URL(opts.url);
      } catch {
        throw new InputError(`--url: not a URL: ${opts.url}`);
      }
    }
    if (opts.root && dirs.length > 0) throw new InputError('give either folders or --root, not both');
    const { report, analysis } = await runDoctor(dirs, { root: opts.root, url: opts.url, behindTlsLb: opts.behindTlsLb });
    const shown: Report = { ...report, findings: atOrAbove(report.findings, opts.minSeverity as Severity) };
    const color = opts.color !== false && opts.format === 'text' && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    if (opts.format === 'text')
      process.stdout.write(renderDoctorText(shown, planLines(analysis), { color, quiet: Boolean(opts.quiet) }));
    else {
      const r = RENDERERS[opts.format];
      if (!r) throw new InputError(`unknown format '${opts.format}'`);
      process.stdout.write(r.render(shown, { color: false, quiet: Boolean(opts.quiet) }));
    }
    process.exitCode = shown.findings.length > 0 ? EXIT_FINDINGS : EXIT_OK;
  });
}
