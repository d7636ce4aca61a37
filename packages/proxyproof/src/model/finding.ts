/**
 * The findings model shared by every command (lint, doctor, scan) and every renderer.
 * A finding is data only: checks create them, renderers print them, nothing else mutates them.
 */

/** Ordered from least to most severe; `--min-severity` compares by index in this list. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** The findings at or above a severity (`--min-severity`). */
export function atOrAbove<T extends { severity: Severity }>(findings: T[], min: Severity): T[] {
  return findings.filter((f) => severityRank(f.severity) >= severityRank(min));
}

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}

/** A place in a file (lint, doctor) or a URL (scan) that supports a finding. */
export interface Evidence {
  /** Path as given by the user (relative to cwd when possible), or a URL for live findings. */
  file: string;
  /** 1-based line; 0 when the evidence is a whole file or a URL. */
  line: number;
  /** 1-based column when known. */
  column?: number;
  /** The offending source lines, verbatim (may span several lines). */
  snippet?: string;
  /** What this piece of evidence shows, when a finding has several ("drops it here", "set here"). */
  note?: string;
  /** For stock include files resolved from built-in knowledge rather than a real file. */
  source?: 'file' | 'builtin' | 'live';
  /**
   * Two answers to compare (probe: the baseline request and the forged one): a `baseline` evidence followed by its
   * `compared` one is rendered side by side in every format.
   */
  side?: 'baseline' | 'compared';
}

/** The change that resolves a finding, expressed as lines a person can paste. */
export interface Fix {
  /** One sentence: what to do. */
  description: string;
  /** File to change, when it is a single file (exact unified diffs come from the fix command). */
  file?: string;
  /** Line after / at which to write, when known. */
  line?: number;
  /** The lines to write, verbatim, in the file's own syntax. */
  lines?: string[];
  /**
   * How `lines` go in at `line`: inserted after it, or replacing it (the whole directive on that line).
   * Absent: unspecified (older checks); renderers then only name the place.
   */
  placement?: 'after' | 'replace';
  /**
   * The same change at further places (one mistake repeated in several locations, reported once): each is
   * written with the main edit, so one `fix` run leaves none of them and a second run has nothing to do.
   */
  also?: FixEdit[];
}

/** One more edit of a fix: the same shape as the fix's own file, line, lines and placement. */
export interface FixEdit {
  file: string;
  line: number;
  lines: string[];
  placement: 'after' | 'replace';
}

export interface Finding {
  /** Stable check id, `<family>/<name>`, e.g. `nginx/forwarded-proto-missing`. */
  id: string;
  severity: Severity;
  /** Short, generic title of the check. */
  title: string;
  /** Specific message for this occurrence. */
  message: string;
  /** At least one piece of evidence; the first is the primary location. */
  evidence: Evidence[];
  /** Why it matters: the symptom a user will see. */
  why: string;
  fix?: Fix;
  /** URLs of upstream documentation. */
  references: string[];
  /** Path of the docs page for this check, relative to the package root (`docs/checks/<id>.md`). */
  docs: string;
  /** Free-form machine-readable details (checks may add what later layers need). */
  data?: Record<string, unknown>;
  /**
   * Set by the output stage (commands/common.ts, render/fingerprint.ts), never by checks: a hash of the
   * id, file and offending text, stable across runs and line moves. Baselines and SARIF use it.
   */
  fingerprint?: string;
}

/** A problem reading or parsing input. Where linting can go on it is reported, not thrown. */
export interface Diagnostic {
  level: 'error' | 'warning' | 'note';
  message: string;
  file: string;
  line?: number;
  column?: number;
  /**
   * `page`: the error concerns one page or URL of a scan (a page the browser could not load, a redirect
   * target that failed); the rest of the scan stands, so it makes the exit code at least 1, not 2. A scan
   * where no page at all could be loaded adds an unscoped error (exit 2).
   */
  scope?: 'page';
}

/** Raised for unusable input (exit code 2). Always carries a file (or URL) and, when known, a line. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }
  /** `file:line: message`, the form every user-facing error takes. */
  format(): string {
    const where = this.file ? `${this.file}${this.line ? `:${this.line}` : ''}: ` : '';
    return `${where}${this.message}`;
  }
}

let byLocale: Intl.Collator['compare'] | undefined;

/** Only a-z, 0-9, `-`, `.`, `/`: header names, check ids, most file paths. */
function plainText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // 45 '-', 46 '.', 47 '/', 48-57 '0'-'9', 97-122 'a'-'z'
    if (!((c >= 97 && c <= 122) || (c >= 45 && c <= 57))) return false;
  }
  return true;
}

/**
 * The order of `localeCompare` / `Intl.Collator` (ICU's root collation), without making a collator when it is not
 * needed: on strings of a-z, 0-9, `-`, `.` and `/` ICU orders exactly as the code units do (`-` < `.` < `/` <
 * digits < letters, one primary weight each; test/model/compare-text.test.ts checks it against Intl.Collator), and
 * creating the first collator (loading ICU's collation data) was about 5% of a one-file lint's CPU.
 */
export function compareText(a: string, b: string): number {
  // Equal strings (a scan's findings on one page share its URL as their file) are equal to any collator too.
  if (a === b) return 0;
  if (plainText(a) && plainText(b)) return a < b ? -1 : a > b ? 1 : 0;
  const decided = asciiFirstDifference(a, b);
  if (decided !== undefined) return decided;
  byLocale ??= new Intl.Collator().compare;
  return byLocale(a, b);
}

const isPlainCode = (c: number) => (c >= 97 && c <= 122) || (c >= 45 && c <= 57);

/**
 * The collator's answer without a collator, when the first difference decides it: both strings printable ASCII
 * (0x20-0x7e: one non-ignorable primary weight per character in ICU's root collation, no contractions, so an
 * identical prefix weighs the same on every level), and at the first differing position two characters of the plain
 * alphabet (distinct primary weights in code-unit order: the primary level decides there) or the end of one string
 * (the shorter is first). Else undefined: case or punctuation outside the plain alphabet differ on other levels.
 * URLs (every scan finding's evidence) are decided here; making the collator cost a scan ~20 ms at its end.
 */
function asciiFirstDifference(a: string, b: string): number | undefined {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  for (const s of [a, b])
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c < 0x20 || c > 0x7e) return undefined;
    }
  if (i === n) return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  const x = a.charCodeAt(i);
  const y = b.charCodeAt(i);
  return isPlainCode(x) && isPlainCode(y) ? (x < y ? -1 : 1) : undefined;
}

/** Most severe first, then by file, line and id (the order of every report). */
export function sortFindings(findings: Finding[]): Finding[] {
  const cmp = compareText;
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      cmp(a.evidence[0]?.file ?? '', b.evidence[0]?.file ?? '') ||
      (a.evidence[0]?.line ?? 0) - (b.evidence[0]?.line ?? 0) ||
      cmp(a.id, b.id),
  );
}
