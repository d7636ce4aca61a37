import type { Facts } from './facts.js';
import type { Finding, Severity } from './finding.js';

/**
 * A check is a pure function of facts (Lighthouse's "audit"): no I/O, no clock, no randomness.
 * One file per check under `src/checks/<family>/<name>.ts`, registered in `src/checks/index.ts`,
 * documented in `docs/checks/<family>/<name>.md`, tested by a table of valid/invalid cases.
 */
export interface CheckMeta {
  /** `<family>/<name>`; also the docs path `docs/checks/<id>.md`. */
  id: string;
  /** Default severity; a check may raise or lower it per finding when the facts justify it. */
  severity: Severity;
  title: string;
  /** One line: what the check detects. */
  summary: string;
  /** Upstream documentation URLs. */
  references: string[];
}

export interface Check {
  meta: CheckMeta;
  run(facts: Facts): Finding[];
}

/** `docs/checks/<id>.md`, one string per check (a check may have 11,000 findings). */
const docsPaths = new Map<string, string>();
function docsPath(meta: CheckMeta): string {
  let p = docsPaths.get(meta.id);
  if (p === undefined) {
    p = `docs/checks/${meta.id}.md`;
    docsPaths.set(meta.id, p);
  }
  return p;
}

/** Helper so a check only writes occurrence-specific fields. */
export function finding(
  meta: CheckMeta,
  f: Omit<Finding, 'id' | 'title' | 'references' | 'docs' | 'severity'> & Partial<Pick<Finding, 'severity' | 'references'>>,
): Finding {
  // An explicit `severity: undefined` keeps the check's default (spread first, defaults after).
  return {
    id: meta.id,
    title: meta.title,
    docs: docsPath(meta),
    ...f,
    severity: f.severity ?? meta.severity,
    references: f.references ?? meta.references,
  };
}
