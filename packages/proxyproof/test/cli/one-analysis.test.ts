/**
 * lint and doctor are one analysis: on every example both commands, run as a user runs them, report the same
 * findings (id, severity, locations, fix place), the same diagnostics and "Not read" list, and exit with the
 * same code, at two thresholds. On every real-world case (../shared/realworld) each command's own entry point
 * (lintPaths, runDoctor: two separate analyses) gives the same findings, diagnostics, Not read list, exit code
 * and usage error (in-process: 85 cases x 2 processes would take minutes on the shared machine).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runDoctor } from '../../src/chain/run.js';
import { exitCodeOf } from '../../src/commands/common.js';
import { lintPaths } from '../../src/engine/lint.js';
import type { Report } from '../../src/render/types.js';
import { REPO_ROOT, SHARED } from '../helpers.js';

const BIN = fileURLToPath(new URL('../../bin/proxyproof.js', import.meta.url));
const REALWORLD = join(SHARED, 'realworld');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], cwd: string): Promise<Run> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, timeout: 120_000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        res({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

interface JsonFinding {
  id: string;
  severity: string;
  evidence: Array<{ file: string; line: number }>;
  fix?: { file?: string; line?: number; placement?: string; lines?: string[] };
}

/** What must be equal: the finding set (order included: both sort the same way), diagnostics, Not read. */
function comparable(stdout: string): unknown {
  if (!stdout) return null;
  const j = JSON.parse(stdout) as { findings: JsonFinding[]; diagnostics: unknown[]; notRead: unknown[]; chain: unknown };
  return {
    findings: j.findings.map((f) => ({
      id: f.id,
      severity: f.severity,
      at: f.evidence.map((e) => `${e.file}:${e.line}`),
      fix: f.fix ? `${f.fix.file}:${f.fix.line}:${f.fix.placement}:${JSON.stringify(f.fix.lines)}` : null,
    })),
    diagnostics: j.diagnostics,
    notRead: j.notRead,
    chain: j.chain,
  };
}

async function agree(cwd: string, path: string, min: string): Promise<void> {
  const [l, d] = await Promise.all([
    run(['lint', path, '--format', 'json', '--min-severity', min], cwd),
    run(['doctor', path, '--format', 'json', '--min-severity', min], cwd),
  ]);
  assert.ok(l.code >= 0 && l.code <= 2, `lint exit ${l.code}: ${l.stderr}`);
  assert.equal(d.code, l.code, `exit codes differ: lint ${l.code}, doctor ${d.code}\n${l.stderr}${d.stderr}`);
  assert.equal(d.stderr, l.stderr);
  assert.deepEqual(comparable(d.stdout), comparable(l.stdout));
  if (l.code === 2) assert.match(l.stderr, /^proxyproof: [^\n]+\n$/, 'exit 2 comes with one line on stderr');
}

const EXAMPLES = readdirSync(join(REPO_ROOT, 'examples')).sort();

describe('lint and doctor agree on every example', () => {
  it('there are examples', () => assert.ok(EXAMPLES.length >= 9));
  for (const name of EXAMPLES) {
    it(name, async () => {
      await agree(REPO_ROOT, `examples/${name}`, 'info');
      await agree(REPO_ROOT, `examples/${name}`, 'high');
    });
  }
});

const CASES = existsSync(REALWORLD)
  ? readdirSync(REALWORLD)
      .filter((n) => existsSync(join(REALWORLD, n, 'expect.json')))
      .sort()
  : [];

async function outcome(f: () => Promise<{ report: Report }>): Promise<unknown> {
  try {
    const { report } = await f();
    return {
      exit: exitCodeOf(report, 'info'),
      exitHigh: exitCodeOf(report, 'high'),
      json: comparable(JSON.stringify({ ...report, ...report.data })),
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe('lint and doctor agree on every real-world case', { skip: CASES.length === 0 && 'no ../shared/realworld' }, () => {
  for (const c of CASES) {
    it(c, async () => {
      const dir = join(REALWORLD, c);
      const l = await outcome(() => lintPaths(['.'], { cwd: dir }));
      const d = await outcome(() => runDoctor(['.'], { cwd: dir }));
      assert.deepEqual(d, l);
    });
  }
});
