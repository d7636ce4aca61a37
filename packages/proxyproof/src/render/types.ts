/**
 * The renderer seam: every command produces a Report; a renderer turns it into text.
 * Renderers only render: no I/O, no decisions (text, json now; sarif and html plug in here).
 */
import type { Diagnostic, Finding } from '../model/finding.js';

export interface Report {
  command: 'lint' | 'doctor' | 'scan' | 'probe';
  /** Paths or URLs the user gave. */
  inputs: string[];
  findings: Finding[];
  diagnostics: Diagnostic[];
  /** Command-specific sections (the doctor's chains, the scan's pages), rendered by that command's renderer parts. */
  sections?: ReportSection[];
  /** Command-specific machine-readable payload merged into the JSON output. */
  data?: Record<string, unknown>;
}

/** A block of pre-rendered plain text with a heading (ANSI colours are added by the text renderer). */
export interface ReportSection {
  title: string;
  lines: string[];
  /** Where the text renderer puts it: before the findings (default) or after them, as a conclusion. */
  position?: 'before' | 'after';
}

export interface RenderOptions {
  color: boolean;
  /** Only the findings, no summary or sections. */
  quiet: boolean;
  /** Every finding and diagnostic in text output (default: at most MAX_TEXT_PER_CHECK per check, then a summary line). */
  all?: boolean;
}

export interface Renderer {
  name: string;
  render(report: Report, options: RenderOptions): string;
  /**
   * Writes the same output in pieces (a big report is never held as one string: JSON of 11,000 findings is
   * tens of MB). Commands use it when present.
   */
  write?(report: Report, options: RenderOptions, out: (chunk: string) => void): void;
}
