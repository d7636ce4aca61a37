import type { Renderer } from './types.js';

/** Stable machine output; the schema is documented in docs/json-output.md. */
export const jsonRenderer: Renderer = {
  name: 'json',
  render(report) {
    const { command, inputs, findings, diagnostics, data, incomplete } = report;
    const counts: Record<string, number> = {};
    for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
    return `${JSON.stringify({ tool: 'proxyproof', schemaVersion: 1, command, inputs, summary: { findings: findings.length, bySeverity: counts, ...(incomplete ? { incomplete } : {}) }, findings, diagnostics, ...data }, null, 2)}\n`;
  },
};
