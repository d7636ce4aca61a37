/**
 * commands/common.ts renderWithHole: a report written now but for one part filled in later (the doctor writes its
 * report before the fix plan's second analysis, issue 10) has the bytes of the whole report written at once, in
 * JSON and text (to a file here; to stdout through the CLI below); an abort leaves no file. The doctor's JSON on stdout
 * is canonical JSON and its `doctor.fix` is the plan `fix` prints.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { renderPrepared, renderWithHole } from '../../src/commands/common.js';
import { withFixParts } from '../../src/engine/doctor-report.js';
import type { Finding } from '../../src/model/finding.js';
import { jsonAt } from '../../src/render/json.js';
import type { Report } from '../../src/render/types.js';
import { runCli } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'pp-hole-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function finding(i: number): Finding {
  return {
    id: 'nginx/forwarded-proto-missing',
    severity: i % 2 ? 'high' : 'low',
    title: 'title',
    message: `occurrence ${i} "quoted" \\ and a newline\nin it`,
    evidence: [{ file: 'big.conf', line: i + 1 }],
    why: 'because',
    references: [],
    docs: 'docs/checks/x.md',
  } as Finding;
}

/** A doctor-shaped report: many findings (several pieces of 64 KB), sections before and after, `doctor.fix` last. */
function report(findings: number): Report {
  return {
    command: 'doctor',
    inputs: ['big.conf'],
    findings: Array.from({ length: findings }, (_, i) => finding(i)),
    diagnostics: [{ level: 'warning', message: 'w', file: 'big.conf', line: 3 }],
    sections: [
      { title: 'Chain', lines: ['  a --> b'] },
      { title: 'Fix plan', lines: [], position: 'after' },
    ],
    data: { doctor: { schemaVersion: 2, topology: { proxies: [{ id: 'p', routes: [1, 2] }] }, plan: { notes: [] } } },
  };
}

const PLAN_LINES = [
  '  big.conf: nginx/forwarded-proto-missing',
  '    @@ -1,2 +1,3 @@',
  '    +    proxy_set_header X-Forwarded-Proto $scheme;',
];
const PAYLOAD = { patches: [{ file: 'big.conf', diff: '@@ -1 +1 @@\n-a\n+b\n', findings: ['x'] }], advice: [] };
const TOKEN = 'proxyproof-fix-plan-test-token';

async function holed(r: Report, format: 'json' | 'text', output: string | undefined): Promise<void> {
  const json = format === 'json';
  const { finish } = await renderWithHole(
    withFixParts(r, [TOKEN], TOKEN),
    { format, output },
    json ? JSON.stringify(TOKEN) : TOKEN,
  );
  finish((prefix) => (json ? jsonAt(PAYLOAD, /^ */.exec(prefix)?.[0] ?? '') : PLAN_LINES.join('\n')));
}

describe('renderWithHole', () => {
  for (const format of ['json', 'text'] as const)
    for (const n of [0, 3, 2000])
      it(`${format}, ${n} findings: the same bytes as the whole report written at once (file)`, async () => {
        const whole = join(tmp, `whole-${format}-${n}`);
        const parts = join(tmp, `parts-${format}-${n}`);
        await renderPrepared(withFixParts(report(n), PLAN_LINES, PAYLOAD), { format, output: whole });
        await holed(report(n), format, parts);
        const expected = readFileSync(whole, 'utf8');
        assert.equal(readFileSync(parts, 'utf8'), expected);
        assert.ok(!expected.includes(TOKEN));
        if (format === 'json') assert.deepEqual(JSON.parse(expected).doctor.fix, PAYLOAD);
        else assert.ok(expected.includes(`Fix plan\n${PLAN_LINES.join('\n')}\n`), expected.slice(-400));
      });

  it('the file appears only when finished; abort leaves neither it nor its temporary file', async () => {
    const dir = mkdtempSync(join(tmp, 'abort-'));
    const out = join(dir, 'report.json');
    const r = await renderWithHole(
      withFixParts(report(10), [TOKEN], TOKEN),
      { format: 'json', output: out },
      JSON.stringify(TOKEN),
    );
    assert.equal(existsSync(out), false);
    r.abort();
    assert.deepEqual(readdirSync(dir), []);
  });

  it('text --quiet has no sections: the hole is never written and finish writes the rest', async () => {
    const whole = join(tmp, 'quiet-whole');
    const parts = join(tmp, 'quiet-parts');
    await renderPrepared(withFixParts(report(5), PLAN_LINES, PAYLOAD), { format: 'text', quiet: true, output: whole });
    const { finish } = await renderWithHole(
      withFixParts(report(5), [TOKEN], TOKEN),
      { format: 'text', quiet: true, output: parts },
      TOKEN,
    );
    let filled = false;
    finish(() => {
      filled = true;
      return 'never';
    });
    assert.equal(filled, false);
    assert.equal(readFileSync(parts, 'utf8'), readFileSync(whole, 'utf8'));
  });
});

describe('doctor --format json (CLI)', () => {
  it('examples/seed: canonical JSON (the plan filled in at its indentation), doctor.fix is the plan fix prints', () => {
    const d = runCli(['doctor', 'examples/seed', '--format', 'json']);
    assert.equal(d.code, 1, d.stderr);
    const doc = JSON.parse(d.stdout);
    assert.equal(d.stdout, `${JSON.stringify(doc, null, 2)}\n`);
    assert.equal(Object.keys(doc.doctor).at(-1), 'fix');
    assert.ok(doc.doctor.fix.patches.length > 0);
    const f = runCli(['fix', 'examples/seed', '--format', 'json']);
    assert.deepEqual(doc.doctor.fix.patches, JSON.parse(f.stdout).fix.patches);
    assert.doesNotMatch(d.stdout, /proxyproof-fix-plan-/);
  });
});
