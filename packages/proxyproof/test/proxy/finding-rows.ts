/**
 * A CLI row's expectations on `--format json` findings: each `present` entry matched by id (and severity, a message
 * pattern, the first evidence line when given), no finding of an `absent` id. The failure lists what was found.
 */
import assert from 'node:assert/strict';

export interface JsonFinding {
  id: string;
  severity: string;
  message: string;
  evidence: { file?: string; line?: number }[];
}

export interface Expected {
  id: string;
  severity?: string;
  message?: RegExp;
  line?: number;
}

export function assertFindings(findings: JsonFinding[], present: Expected[], absent: string[]): void {
  const shown = findings.map((f) => `${f.id} ${f.severity} ${f.message}`).join('\n');
  for (const p of present)
    assert.ok(
      findings.some(
        (x) =>
          x.id === p.id &&
          (!p.severity || x.severity === p.severity) &&
          (!p.message || p.message.test(x.message)) &&
          (p.line === undefined || x.evidence[0]?.line === p.line),
      ),
      `${p.id} ${p.message ?? ''} not in:\n${shown}`,
    );
  for (const id of absent) assert.ok(!findings.some((f) => f.id === id), `${id} should not be in:\n${shown}`);
}
