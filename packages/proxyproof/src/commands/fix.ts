/**
 * `proxyproof fix [PATHS] [--write] [--backup-dir DIR]`: the unified diff of every finding that has a
 * mechanical fix (`Finding.fix` with file, line, lines and placement), built on lint's findings.
 * The findings go through the shared output stage first (`.proxyproof.json`, inline `proxyproof-ignore`
 * comments, `--baseline`, `--min-severity`), so fix patches exactly what lint reports with the same options.
 * Text: the patch itself, on stdout or in `--output FILE` (`proxyproof fix . | git apply` works); advice for
 * what cannot be changed mechanically goes to stderr. With --write the patches are applied (see fix/write.ts)
 * and the reload commands printed. Other formats (json, sarif, html): the shared Report with `fix` data.
 * Exit: 0 nothing to change (or everything written), 1 changes to make / a change aborted or undone, 2 input error.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import ipaddr from 'ipaddr.js';
import type { DeclaredFront } from '../engine/analyze.js';
import { fullCollection } from '../engine/full-gc.js';
import { lintPaths } from '../engine/lint.js';
import { type Analysed, convergePlan, type SeverityIndex, severityIndex } from '../fix/converge.js';
import { type FixPlan, patchData, planFixes, planningFacts } from '../fix/plan.js';
import { type WriteResult, writePlan } from '../fix/write.js';
import type { Facts } from '../model/facts.js';
import { type Finding, InputError } from '../model/finding.js';
import type { Report, ReportSection } from '../render/types.js';
import {
  declaredFront,
  EXIT_FINDINGS,
  EXIT_OK,
  EXIT_USAGE,
  frontOption,
  type OutputOptions,
  outputOptions,
  prepareReport,
  renderPrepared,
  useTreeConfig,
  writeOutput,
} from './common.js';

export interface FixCliOptions extends OutputOptions {
  write?: boolean;
  backupDir?: string;
  front?: string;
  behindTlsLb?: boolean;
  proxyAddress?: string;
}

/** What selects the findings to fix: the output stage's options (config file, ignores, baseline, threshold). */
export type FixSelection = Pick<OutputOptions, 'minSeverity' | 'baseline' | 'configFile' | 'ignoreComments'>;

export interface FixRunOptions {
  write?: boolean;
  backupDir?: string;
  cwd?: string;
  front?: DeclaredFront;
  /**
   * Select the findings through the shared output stage (commands/common.ts prepareReport), as the CLI does.
   * Absent: every finding of the analysis with a fix (the proof-loop tests use this).
   */
  select?: FixSelection;
  /**
   * Check the plan by analysing a private copy of the patched files (fix/converge.ts): a patch after which a
   * new finding appears becomes advice, what is still fixable is patched in further rounds. Default on.
   */
  check?: boolean;
  /** The proxy's address as the app sees it (fills `<proxy address>` placeholders; fix/plan.ts PlanOptions). */
  proxyAddress?: string;
}

export interface FixRun {
  report: Report;
  plan: FixPlan;
  written: WriteResult[];
  exitCode: number;
  /** What the command could not do (the plan's check skipped, and why). */
  notes: string[];
}

/** lint -> (output stage) -> fix plan -> (write). Shared by the CLI, the demo and the proof-loop tests. */
export async function runFix(paths: string[], opts: FixRunOptions = {}): Promise<FixRun> {
  const cwd = opts.cwd ?? process.cwd();
  const { facts, report: lint } = await lintPaths(paths, { cwd, ...(opts.front ? { front: opts.front } : {}) });
  const select = opts.select ? absoluteSelection(opts.select, cwd) : undefined;
  const selected = select ? prepareReport(lint, { format: 'json', ...select }, cwd).report : lint;
  const withFix = selected.findings.filter((f) => f.fix);
  const notes: string[] = [];
  const checked = await checkedPlan({
    paths,
    cwd,
    facts,
    severities: severityIndex(lint.findings),
    withFix,
    ...(opts.front ? { front: opts.front } : {}),
    ...(select ? { select } : {}),
    ...(opts.proxyAddress ? { proxyAddress: opts.proxyAddress } : {}),
    check: opts.check !== false,
  });
  const plan = checked.plan;
  if (checked.unchecked) notes.push(`the patches were not checked by a second analysis: ${checked.unchecked}`);
  const written = opts.write ? writePlan(plan, facts, { backupDir: opts.backupDir, cwd }) : [];
  const failed = written.some((w) => w.status !== 'written');
  const exitCode = selected.diagnostics.some((d) => d.level === 'error')
    ? EXIT_USAGE
    : failed || (!opts.write && plan.patches.length > 0)
      ? EXIT_FINDINGS
      : EXIT_OK;
  const sections: ReportSection[] = [
    ...plan.patches.map((p) => ({
      title: `Patch ${p.file}${p.via ? ` (via ${p.via})` : ''}`,
      lines: p.diff.replace(/\n$/, '').split('\n'),
    })),
    ...(plan.advice.length ? [{ title: 'Not patched (advice)', lines: adviceLines(plan) }] : []),
    ...(notes.length ? [{ title: 'Notes', lines: notes.map((n) => `  ${n}`) }] : []),
    ...(written.length ? [{ title: 'Written', lines: writtenLines(written), position: 'after' as const }] : []),
  ];
  const report: Report = {
    command: 'fix',
    inputs: paths,
    findings: withFix,
    diagnostics: selected.diagnostics,
    sections,
    ...(selected.suppressed?.length ? { suppressed: selected.suppressed.filter((s) => s.finding.fix) } : {}),
    data: {
      fix: {
        patches: patchData(plan),
        advice: plan.advice,
        written,
      },
    },
  };
  return { report, plan, written, exitCode, notes };
}

/** Paths of the selection as absolute paths: the same files when the analysis runs in another folder. */
/**
 * The fix plan of these findings, checked by analysing a private copy of the patched inputs (fix/converge.ts) with
 * the same analysis and selection: what `fix` prints and what the doctor's "Fix plan" shows are this one plan.
 */
export async function checkedPlan(input: {
  paths: string[];
  cwd: string;
  facts: Facts;
  /** severityIndex of every finding of the first analysis (before the output stage). */
  severities: SeverityIndex;
  /** The findings the output stage kept that have a fix. */
  withFix: Finding[];
  front?: DeclaredFront;
  /** The output stage's selection, with paths already absolute. */
  select?: FixSelection;
  proxyAddress?: string;
  check: boolean;
}): Promise<{ plan: FixPlan; unchecked?: string }> {
  const { cwd, select, front } = input;
  const planOptions = input.proxyAddress ? { proxyAddress: input.proxyAddress } : {};
  const plan = planFixes(input.facts, input.withFix, { ...planOptions, cwd });
  if (!input.check) return { plan };
  const analyze = async (p: string[], at: string, relocated: { from: string; to: string }[]): Promise<Analysed> => {
    // What the analyses before this one made and the check does not keep is garbage now (engine/full-gc.ts).
    fullCollection();
    const r = await lintPaths(p, { cwd: at, relocated, ...(front ? { front } : {}) });
    const kept = select ? prepareReport(r.report, { format: 'json', ...select }, at).report.findings : r.report.findings;
    // Only the facts planning reads are kept for the next round (fix/plan.ts planningFacts: not the parse trees).
    return { facts: planningFacts(r.facts), all: r.report.findings, selected: kept };
  };
  const checked = await convergePlan({
    paths: input.paths,
    cwd,
    first: { facts: input.facts, severities: input.severities, selected: input.withFix },
    plan,
    planOptions,
    analyze,
  });
  return { plan: checked.plan, ...(checked.unchecked ? { unchecked: checked.unchecked } : {}) };
}

export function absoluteSelection(sel: FixSelection, cwd: string): FixSelection {
  const out: FixSelection = { ...sel };
  if (typeof sel.baseline === 'string') out.baseline = resolve(cwd, sel.baseline);
  if (typeof sel.configFile === 'string') out.configFile = resolve(cwd, sel.configFile);
  return out;
}

function adviceLines(plan: FixPlan): string[] {
  return plan.advice.map(
    (a) => `  ${a.id}${a.file ? ` ${a.file}${a.line ? `:${a.line}` : ''}` : ''}: ${a.description} (${a.reason})`,
  );
}

export function writtenLines(written: WriteResult[]): string[] {
  const out: string[] = [];
  for (const w of written) {
    if (w.status === 'written') {
      const v =
        w.validation?.status === 'ok'
          ? ` (${w.validation.command}: ok)`
          : w.validation?.command
            ? ` (${w.validation.command} ${w.validation.output ?? 'not run'})`
            : '';
      out.push(`  wrote ${w.file}, backup ${w.backup}${v}`);
    } else out.push(`  ${w.status === 'restored' ? 'undone' : 'not written'}: ${w.file}: ${w.reason}`);
    if (w.validation?.status === 'rejected' && w.validation.output)
      out.push(
        ...w.validation.output
          .split('\n')
          .slice(0, 10)
          .map((l) => `      ${l}`),
      );
  }
  const every = [...new Set(written.filter((w) => w.reload).map((w) => w.reload as string))];
  // A unit file and the app's own settings both changed: `systemctl daemon-reload && systemctl restart x.service`
  // already does what `systemctl restart x.service` would.
  const reloads = every.filter((r) => !every.some((o) => o !== r && o.endsWith(` && ${r}`)));
  if (reloads.length) out.push('', 'Reload:', ...reloads.map((r) => `  ${r}`));
  return out;
}

export function registerFix(program: Command): void {
  const cmd = program
    .command('fix')
    .description('print unified diffs for every finding with a mechanical fix; --write applies them with backups')
    .argument('[paths...]', 'files and directories of the deployment (default: .)')
    .option('--write', 'apply the patches (a backup of every changed file is kept)')
    .option('--backup-dir <dir>', 'keep the backups under this folder instead of <file>.orig')
    .option(
      '--proxy-address <addr>',
      "the address (or network) the proxy connects to the app from, when the files do not hold it (a proxy on another host): fills the fixes' <proxy address>",
    )
    .option('--behind-tls-lb', 'a TLS-terminating load balancer sits in front of the proxy')
    .addOption(frontOption());
  for (const o of outputOptions()) cmd.addOption(o);
  cmd.action(async (paths: string[], opts: FixCliOptions) => {
    if (opts.backupDir && !opts.write) throw new InputError('--backup-dir needs --write');
    if (opts.proxyAddress !== undefined && !validProxyAddress(opts.proxyAddress))
      throw new InputError(`--proxy-address: '${opts.proxyAddress}' is not an IP address or network (CIDR)`);
    useTreeConfig(opts, paths);
    const run = await runFix(paths.length ? paths : ['.'], {
      write: opts.write,
      backupDir: opts.backupDir,
      front: declaredFront(opts),
      ...(opts.proxyAddress ? { proxyAddress: opts.proxyAddress } : {}),
      select: opts,
    });
    if (opts.format !== 'text') {
      await renderPrepared(run.report, opts);
    } else {
      for (const d of run.report.diagnostics.filter((x) => x.level === 'error'))
        process.stderr.write(`proxyproof: ${d.file}${d.line ? `:${d.line}` : ''}: ${d.message}\n`);
      // The patch alone on stdout (or in --output), so it can be piped to `git apply` or `patch -p1`.
      const patch = run.plan.patches.map((p) => p.diff).join('');
      if (opts.output) writeOutput(opts.output, patch);
      else process.stdout.write(patch);
      if (run.written.length) process.stdout.write(`\n${writtenLines(run.written).join('\n')}\n`);
      if (run.plan.advice.length) {
        process.stderr.write('proxyproof fix: not patched (advice):\n');
        for (const a of run.plan.advice)
          process.stderr.write(
            `  ${a.id}${a.file ? ` ${a.file}${a.line ? `:${a.line}` : ''}` : ''}: ${a.description}\n    (${a.reason})\n`,
          );
      }
      for (const n of run.notes) process.stderr.write(`proxyproof fix: ${n}\n`);
      if (run.report.suppressed?.length && !opts.quiet)
        process.stderr.write(
          `proxyproof fix: ${run.report.suppressed.length} fix(es) of ignored or baselined findings not planned\n`,
        );
    }
    process.exitCode = run.exitCode;
  });
}

/** An IPv4/IPv6 address or CIDR network: the only values written for `--proxy-address`. */
export function validProxyAddress(value: string): boolean {
  try {
    if (value.includes('/')) ipaddr.parseCIDR(value);
    else if (!ipaddr.isValid(value)) return false;
    return !/^\d+$/.test(value) && (value.includes(':') || /^\d+\.\d+\.\d+\.\d+(?:\/\d+)?$/.test(value));
  } catch {
    return false;
  }
}
