/**
 * `proxyproof doctor [DIR...] [--root /] [--url https://...] [--behind-tls-lb] [--front NAME]`: the one analysis shown in
 * full (found / not found, the hop-by-hop chain, the findings, the fix plan). Same findings and exit code as
 * `lint` on the same inputs. JSON: the common report plus `doctor` (topology, traces, verdicts, plan), see
 * docs/doctor.md.
 */
import { randomUUID } from 'node:crypto';
import { type Command, Option } from 'commander';
import { type DoctorOptions, runDoctor } from '../chain/run.js';
import type { DeclaredFront } from '../engine/analyze.js';
import { fixPayload, withFixParts, withFixPlan } from '../engine/doctor-report.js';
import { stageProgress } from '../engine/progress.js';
import { type SeverityIndex, severityIndex } from '../fix/converge.js';
import { type FixPlan, fixPlanLines, planningFacts } from '../fix/plan.js';
import type { Facts } from '../model/facts.js';
import { type Finding, InputError } from '../model/finding.js';
import { textRenderer } from '../render/text.js';
import type { RenderOptions, Report } from '../render/types.js';
import {
  declaredFront,
  exitCodeOf,
  frontOption,
  HOLE_FORMATS,
  type OutputOptions,
  outputOptions,
  prepareReport,
  progressMode,
  progressOptions,
  renderPrepared,
  renderWithHole,
  useTreeConfig,
} from './common.js';
import { absoluteSelection, checkedPlan } from './fix.js';

export interface DoctorCliOptions extends OutputOptions {
  root?: string;
  url?: string;
  behindTlsLb?: boolean;
  front?: string;
  progress?: boolean;
}

/** The doctor's text: the common text renderer over the doctor's sections. */
export function renderDoctorText(report: Report, opts: RenderOptions): string {
  return textRenderer.render(report, opts);
}

/**
 * The doctor's analysis, and what the command keeps of it while a second analysis checks the fix plan: the report
 * (all that is shown but the fix plan), the report after the output stage, the facts fix planning reads and the
 * chain planner's notes. Not the Analysis itself: its parse trees and the models memoized against its facts would
 * stay alive through the second analysis (issue 10: the doctor's peak memory at 10,000 servers).
 */
async function analysed(
  dirs: string[],
  opts: DoctorCliOptions,
  front: DeclaredFront | undefined,
  onStage: DoctorOptions['onStage'],
  cwd: string,
): Promise<{ report: Report; prepared: Report; facts: Facts; notes: string[] }> {
  const { report, analysis, all } = await runDoctor(dirs, {
    root: opts.root,
    url: opts.url,
    behindTlsLb: opts.behindTlsLb,
    front,
    onStage,
    // The plan shown is made by the command, from the findings the output stage keeps.
    withPlan: false,
  });
  // Only the HTML report draws the chain; kept for nothing else, it stayed alive through the fix plan's second
  // analysis (about 17 MB at 10,000 servers, and V8 lets the heap grow to a multiple of what is alive).
  if (opts.format === 'html') report.chain = analysis;
  return {
    report,
    prepared: prepareReport(report, opts, cwd, all.facts.sources).report,
    facts: planningFacts(all.facts),
    notes: analysis.plan.notes,
  };
}

/** What the doctor keeps through the fix plan's second analysis, and how it then shows the plan. */
interface Planning {
  facts: Facts;
  severities: SeverityIndex;
  withFix: Finding[];
  exitCode: number;
  /** Shows the checked plan (writes the rest of the report, or all of it); `abort`: the plan could not be made. */
  show: (plan: FixPlan) => Promise<void>;
  abort: () => void;
}

/**
 * Analyses and, for JSON and text, writes the report at once with a hole where the fix plan goes (the plan is the
 * JSON's last member, and only the summary line follows it in text): the report, its findings and the chain's
 * topology (about 70 MB at 10,000 servers) are then not alive through the plan's second analysis, where the
 * doctor's peak memory was (issue 10). The bytes are the same as writing the whole report after the plan.
 */
async function analysedAndWritten(
  dirs: string[],
  opts: DoctorCliOptions,
  front: DeclaredFront | undefined,
  onStage: DoctorOptions['onStage'],
  cwd: string,
  done: () => void,
): Promise<Planning> {
  const first = await analysed(dirs, opts, front, onStage, cwd);
  done();
  const kept = {
    facts: first.facts,
    severities: severityIndex(first.report.findings),
    withFix: first.prepared.findings.filter((f) => f.fix),
    exitCode: exitCodeOf(first.prepared, 'info'),
  };
  return {
    ...kept,
    ...(HOLE_FORMATS.has(opts.format)
      ? await writtenWithHole(first.prepared, first.notes, opts)
      : shownLater(first.prepared, first.notes, opts)),
  };
}

/** HTML and SARIF: the whole report is rendered once the plan is known (the report stays alive until then). */
function shownLater(prepared: Report, notes: string[], opts: DoctorCliOptions): Pick<Planning, 'show' | 'abort'> {
  return { show: (plan) => renderPrepared(withFixPlan(prepared, plan, notes), opts), abort: () => {} };
}

/** JSON and text: written now but for the plan (its own function: the closures returned do not hold the report). */
async function writtenWithHole(
  prepared: Report,
  notes: string[],
  opts: DoctorCliOptions,
): Promise<Pick<Planning, 'show' | 'abort'>> {
  const token = `proxyproof-fix-plan-${randomUUID()}`;
  const json = opts.format === 'json' ? (await import('../render/json.js')).jsonAt : undefined;
  const { finish, abort } = await renderWithHole(
    withFixParts(prepared, [token], token),
    opts,
    json ? JSON.stringify(token) : token,
  );
  return {
    show: async (plan) =>
      finish((prefix) => (json ? json(fixPayload(plan), /^ */.exec(prefix)?.[0] ?? '') : fixPlanLines(plan, notes).join('\n'))),
    abort,
  };
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
    .addOption(new Option('--behind-tls-lb', 'a TLS-terminating load balancer sits in front of the proxy'))
    .addOption(frontOption());
  for (const o of [...outputOptions(), ...progressOptions()]) cmd.addOption(o);
  cmd.action(async (dirs: string[], opts: DoctorCliOptions) => {
    if (opts.url) {
      try {
        new URL(opts.url);
      } catch {
        throw new InputError(`--url: not a URL: ${opts.url}`);
      }
    }
    if (opts.root && dirs.length > 0) throw new InputError('give either folders or --root, not both');
    if (!opts.root) useTreeConfig(opts, dirs);
    const front = declaredFront(opts);
    const progress = stageProgress(progressMode(opts), opts.format);
    try {
      const cwd = process.cwd();
      const planning = await analysedAndWritten(dirs, opts, front, progress.stage, cwd, () => progress.done());
      try {
        // The fix plan of the findings the output stage keeps, checked as `fix` checks it: the same patches `fix`
        // prints with these options (with --root the inputs are discovered, so the plan is not re-analysed).
        const { plan } = await checkedPlan({
          paths: dirs.length ? dirs : ['.'],
          cwd,
          facts: planning.facts,
          severities: planning.severities,
          withFix: planning.withFix,
          ...(front ? { front } : {}),
          select: absoluteSelection(opts, cwd),
          check: !opts.root,
        });
        await planning.show(plan);
      } catch (e) {
        planning.abort();
        throw e;
      }
      process.exitCode = planning.exitCode;
    } finally {
      progress.done();
    }
  });
}
