/**
 * The renderer seam: every command produces a Report; a renderer turns it into text.
 * Renderers only render: no I/O, no decisions (text, json, sarif, html; the output stage in commands/common.ts
 * reads what they need — docs pages, screenshots — and passes it in).
 */
import type { ChainAnalysis } from '../chain/analyze.js';
import type { CheckMeta } from '../model/check.js';
import type { Diagnostic, Finding } from '../model/finding.js';
import type { DocsResolver } from './docs.js';

export interface Report {
  command: 'lint' | 'doctor' | 'scan' | 'probe' | 'fix' | 'verify';
  /** Paths or URLs the user gave. */
  inputs: string[];
  findings: Finding[];
  diagnostics: Diagnostic[];
  /** Command-specific sections (the doctor's chains, the scan's pages), rendered by that command's renderer parts. */
  sections?: ReportSection[];
  /**
   * What the analysis could not cover, in one sentence ("2 pages could not be loaded"): the text summary starts
   * with it (so an incomplete run never reads as clean) and the JSON has it as `summary.incomplete`.
   */
  incomplete?: string;
  /** Command-specific machine-readable payload merged into the JSON output. */
  data?: Record<string, unknown>;
  /** The chain analysis behind the verdict (lint, doctor): the HTML report draws it. Not serialised. */
  chain?: ChainAnalysis;
  /**
   * Findings left out of `findings` by an inline `proxyproof-ignore` comment, `.proxyproof.json`'s
   * `ignore`, or a baseline (see commands/common.ts). SARIF lists them as suppressed results.
   */
  suppressed?: SuppressedFinding[];
  /** Screenshots (the scan's `data.pages[].screenshot` paths) read as `data:` URIs, for the HTML report. */
  images?: Record<string, string>;
}

export interface SuppressedFinding {
  finding: Finding;
  /** `inSource`: a comment in the file; `external`: .proxyproof.json or a baseline. */
  kind: 'inSource' | 'external';
  /** `ignore comment`, `.proxyproof.json`, `baseline` */
  by: 'comment' | 'config' | 'baseline';
  justification?: string;
  /** Where the ignore is written (file:line), when it is a comment or a config entry. */
  at?: string;
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
  /** Every finding and diagnostic in text output, every finding in HTML (default: at most MAX_TEXT_PER_CHECK per check, then a summary line). */
  all?: boolean;
  /** Locates docs pages (text `docs:` lines, SARIF helpUri/help); default: the running package's docs. */
  docs?: DocsResolver;
  /** Check metadata by id (SARIF rule descriptions); findings alone give the title and severity. */
  rules?: (id: string) => CheckMeta | undefined;
  /** The folder relative paths are relative to (SARIF `%SRCROOT%`); default: cwd. */
  srcRoot?: string;
  /** proxyproof's version (SARIF tool.driver). */
  version?: string;
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
