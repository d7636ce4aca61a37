/**
 * `proxyproof fix [PATHS] [--write] [--backup-dir DIR]`: the unified diff of every finding that has a
 * mechanical fix (`Finding.fix` with file, line, lines and placement), built on lint's findings.
 * Text: stdout is the patch itself (`proxyproof fix . | git apply` works); advice for what cannot be
 * changed mechanically goes to stderr. With --write the patches are applied (see fix/write.ts) and the
 * reload commands printed. Other formats: the shared Report with `fix` data.
 * Exit: 0 nothing to change (or everything written), 1 changes to make / a change aborted or undone, 2 input error.
 */
import type { Command } from 'commander';
import { lintPaths } from '../engine/lint.js';
import { type FixPlan, planFixes } from '../fix/plan.js';
import { type WriteResult, writePlan } from '../fix/write.js';
import { InputError } from '../model/finding.js';
import { RENDERERS } from '../render/index.js';
import type { Report } from '../render/types.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from './common.js';

export interface FixCliOptions {
  write?: boolean;
  backupDir?: string;
  format: string;
}

export interface FixRun {
  report: Report;
  plan: FixPlan;
  written: WriteResult[];
  exitCode: number;
}

/** lint -> fix plan -> (write). Shared by the CLI, the demo and the proof-loop tests. */
export async function runFix(paths: string[], opts: { write?: boolean; backupDir?: string; cwd?: string } = {}): Promise<FixRun> {
  const cwd = opts.cwd ?? process.cwd();
  const { facts, report: lint } = await lintPaths(paths, { cwd });
  const withFix = lint.findings.filter((f) => f.fix);
  const plan = planFixes(facts, withFix, { cwd });
  const written = opts.write ? writePlan(plan, facts, { backupDir: opts.backupDir, cwd }) : [];
  const failed = written.some((w) => w.status !== 'written');
  const exitCode = lint.diagnostics.some((d) => d.level === 'error')
    ? EXIT_USAGE
    : failed || (!opts.write && plan.patches.length > 0)
      ? EXIT_FINDINGS
      : EXIT_OK;
  const sections = [
    ...plan.patches.map((p) => ({
      title: `Patch ${p.file}${p.via ? ` (via ${p.via})` : ''}`,
      lines: p.diff.replace(/\n$/, '').split('\n'),
    })),
    ...(plan.advice.length
      ? [
          {
            title: 'Not patched (advice)',
            lines: plan.advice.map(
              (a) => `  ${a.id}${a.file ? ` ${a.file}${a.line ? `:${a.line}` : ''}` : ''}: ${a.description} (${a.reason})`,
            ),
          },
        ]
      : []),
    ...(written.length ? [{ title: 'Written', lines: writtenLines(written), position: 'after' as const }] : []),
  ];
  const report: Report = {
    command: 'fix',
    inputs: paths,
    findings: withFix,
    diagnostics: lint.diagnostics,
    sections,
    data: {
      fix: {
        patches: plan.patches.map((p) => ({
          file: p.file,
          via: p.via ?? null,
          program: p.program,
          findings: p.findings,
          diff: p.diff,
        })),
        advice: plan.advice,
        written,
      },
    },
  };
  return { report, plan, written, exitCode };
}

function writtenLines(written: WriteResult[]): string[] {
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
  const reloads = [...new Set(written.filter((w) => w.reload).map((w) => w.reload as string))];
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
    .option('-f, --format <format>', `output format (${Object.keys(RENDERERS).join(', ')})`, 'text');
  cmd.action(async (paths: string[], opts: FixCliOptions) => {
    if (opts.backupDir && !opts.write) throw new InputError('--backup-dir needs --write');
    const renderer = RENDERERS[opts.format];
    if (!renderer) throw new InputError(`unknown format '${opts.format}' (one of ${Object.keys(RENDERERS).join(', ')})`);
    const run = await runFix(paths.length ? paths : ['.'], { write: opts.write, backupDir: opts.backupDir });
    if (opts.format !== 'text') {
      process.stdout.write(renderer.render(run.report, { color: false, quiet: false }));
    } else {
      for (const d of run.report.diagnostics.filter((x) => x.level === 'error'))
        process.stderr.write(`proxyproof: ${d.file}${d.line ? `:${d.line}` : ''}: ${d.message}\n`);
      for (const p of run.plan.patches) process.stdout.write(p.diff);
      if (run.written.length) process.stdout.write(`\n${writtenLines(run.written).join('\n')}\n`);
      if (run.plan.advice.length) {
        process.stderr.write('proxyproof fix: not patched (advice):\n');
        for (const a of run.plan.advice)
          process.stderr.write(
            `  ${a.id}${a.file ? ` ${a.file}${a.line ? `:${a.line}` : ''}` : ''}: ${a.description}\n    (${a.reason})\n`,
          );
      }
    }
    process.exitCode = run.exitCode;
  });
}
