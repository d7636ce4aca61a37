import type { Renderer, Report } from './types.js';

/** The document's top-level members, in output order (documented in docs/json-output.md). */
function members(report: Report): [string, unknown][] {
  const { command, inputs, findings, diagnostics, data, incomplete } = report;
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  const suppressed = (report.suppressed ?? []).map((s) => ({
    id: s.finding.id,
    severity: s.finding.severity,
    file: s.finding.evidence[0]?.file ?? '',
    line: s.finding.evidence[0]?.line ?? 0,
    fingerprint: s.finding.fingerprint ?? null,
    by: s.by,
    justification: s.justification ?? null,
    at: s.at ?? null,
  }));
  const doc: Record<string, unknown> = {
    tool: 'proxyproof',
    schemaVersion: 1,
    command,
    inputs,
    summary: {
      findings: findings.length,
      bySeverity: counts,
      suppressed: suppressed.length,
      ...(incomplete ? { incomplete } : {}),
    },
    findings,
    diagnostics,
    suppressed,
    ...data,
  };
  // JSON.stringify leaves out members whose value is undefined
  return Object.entries(doc).filter(([, v]) => v !== undefined);
}

/** Array items stringified at once by `write` (a few hundred KB of JSON at most). */
const ITEMS_PER_PIECE = 128;
/** What `JSON.stringify([[...]], null, 2)` puts around the inner array's items. */
const PIECE_HEAD = '[\n  [';
const PIECE_TAIL = '\n  ]\n]';

/**
 * Stable machine output, always complete (no caps): the common envelope (tool, schemaVersion, command, inputs,
 * summary, findings, diagnostics, suppressed) plus each command's payload. Documented in docs/json-output.md;
 * JSON Schemas in schema/<command>.schema.json.
 */
export const jsonRenderer: Renderer = {
  name: 'json',
  render(report) {
    return `${JSON.stringify(Object.fromEntries(members(report)), null, 2)}\n`;
  },
  /**
   * The same bytes as render(), written member by member and array element by array element, so that a report
   * with 11,000 findings is never one string of tens of MB (stdout is synchronous for files and pipes on Linux).
   */
  write(report, _options, out) {
    const indent = (json: string, by: string) => json.replace(/\n/g, `\n${by}`);
    const list = members(report);
    out('{');
    list.forEach(([key, value], k) => {
      out(`${k ? ',' : ''}\n  ${JSON.stringify(key)}: `);
      if (Array.isArray(value) && value.length > 0) {
        out('[');
        for (let i = 0; i < value.length; i += ITEMS_PER_PIECE) {
          // `[[a, b]]` stringified puts a and b at this array's depth (4 spaces) natively, instead of indenting
          // each item's JSON with a regular expression afterwards: the same bytes, written in pieces.
          const piece = JSON.stringify([value.slice(i, i + ITEMS_PER_PIECE)], null, 2);
          out(`${i ? ',' : ''}${piece.slice(PIECE_HEAD.length, piece.length - PIECE_TAIL.length)}`);
        }
        out('\n  ]');
      } else out(indent(JSON.stringify(value, null, 2) ?? 'null', '  '));
    });
    out(list.length ? '\n}\n' : '}\n');
  },
};
