/**
 * lint and doctor read the ignore comments from the lines the analysis read (Facts.sources), not from a second
 * read of the file (that read was 21 MB of garbage at the end of the 10,000-server bench, where the peak is).
 * The lines given win over the disk; a file the analysis did not keep is still read from disk.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { prepareReport } from '../../src/commands/common.js';
import type { Finding } from '../../src/model/finding.js';
import type { Report } from '../../src/render/types.js';

function finding(id: string, file: string, line: number): Finding {
  return { id, severity: 'high', title: 't', message: 'm', evidence: [{ file, line }], why: 'w', references: [], docs: 'd' };
}
const report = (findings: Finding[]): Report => ({ command: 'lint', inputs: ['.'], findings, diagnostics: [] });

test('ignore comments: the analysed lines are read, the disk only for files the analysis did not keep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-ignore-sources-'));
  try {
    // On disk: an ignore in a.conf, none in b.conf. The analysed lines say the opposite.
    writeFileSync(join(dir, 'a.conf'), '# proxyproof-ignore nginx/x: on disk only\nproxy_pass http://a;\n');
    writeFileSync(join(dir, 'b.conf'), 'proxy_pass http://b;\n');
    writeFileSync(join(dir, 'c.conf'), '# proxyproof-ignore nginx/x: c on disk\nproxy_pass http://c;\n');
    const sources = new Map([
      ['a.conf', ['proxy_pass http://a;', '']],
      ['b.conf', ['# proxyproof-ignore nginx/x: analysed', 'proxy_pass http://b;', '']],
    ]);
    const findings = [finding('nginx/x', 'a.conf', 2), finding('nginx/x', 'b.conf', 2), finding('nginx/x', 'c.conf', 2)];
    const opts = { format: 'json' as const, minSeverity: 'info' as const };
    const withSources = prepareReport(report(findings), opts, dir, sources).report;
    assert.deepEqual(
      withSources.findings.map((f) => f.evidence[0]?.file),
      ['a.conf'],
      'b.conf ignored by its analysed lines, c.conf by its file on disk',
    );
    assert.deepEqual(
      withSources.suppressed?.map((s) => [s.finding.evidence[0]?.file, s.justification]),
      [
        ['b.conf', 'analysed'],
        ['c.conf', 'c on disk'],
      ],
    );
    // Without the analysed lines every file is read from disk, as before.
    const fromDisk = prepareReport(report(findings), opts, dir).report;
    assert.deepEqual(
      fromDisk.findings.map((f) => f.evidence[0]?.file),
      ['b.conf'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
