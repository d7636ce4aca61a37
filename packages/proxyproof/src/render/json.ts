import type { Renderer } from './types.js';

/**
 * Stable machine output: the common envelope (tool, schemaVersion, command, inputs, summary, findings,
 * diagnostics, suppressed) plus each command's payload. Documented in docs/json-output.md; JSON Schemas
 * in schema/<command>.schema.json.
 */
export const jsonRenderer: Renderer = {
  name: 'json',
  render(report) {
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
    return `${JSON.stringify(
      {
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
      },
      null,
      2,
    )}\n`;
  },
};
