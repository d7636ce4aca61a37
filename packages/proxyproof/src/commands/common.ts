/** Option parsing and output shared by the commands, so every command follows the same exit-code rules. */
import { Option } from 'commander';
import { atOrAbove } from '../engine/lint.js';
import { InputError, isSeverity, SEVERITIES, type Severity } from '../model/finding.js';
import { RENDERERS } from '../render/index.js';
import type { Report } from '../render/types.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export interface OutputOptions {
  format: string;
  minSeverity: string;
  quiet?: boolean;
  color?: boolean;
}

export function outputOptions(): Option[] {
  return [
    new Option('-f, --format <format>', 'output format').choices(Object.keys(RENDERERS)).default('text'),
    new Option('--min-severity <severity>', 'report findings at or above this severity').choices([...SEVERITIES]).default('low'),
    new Option('-q, --quiet', 'print only the findings'),
    new Option('--no-color', 'never colour the output'),
  ];
}

/**
 * Renders, writes to stdout, and returns the exit code: 2 when some input could not be read or parsed
 * (an error diagnostic), else 1 when a finding is at or above the threshold, else 0.
 */
export function emit(report: Report, opts: OutputOptions): number {
  const min = opts.minSeverity;
  if (!isSeverity(min)) throw new InputError(`unknown severity '${min}' (one of ${SEVERITIES.join(', ')})`);
  const renderer = RENDERERS[opts.format];
  if (!renderer) throw new InputError(`unknown format '${opts.format}'`);
  const shown: Report = { ...report, findings: atOrAbove(report.findings, min as Severity) };
  const color = opts.color !== false && opts.format === 'text' && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  process.stdout.write(renderer.render(shown, { color, quiet: Boolean(opts.quiet) }));
  return exitCodeOf(report, min as Severity);
}

/** The exit code of a report at a threshold (every command): 2 unusable input, 1 findings, 0 none. */
export function exitCodeOf(report: Report, min: Severity): number {
  if (report.diagnostics.some((d) => d.level === 'error')) return EXIT_USAGE;
  return atOrAbove(report.findings, min).length > 0 ? EXIT_FINDINGS : EXIT_OK;
}
