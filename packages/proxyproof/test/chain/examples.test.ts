/**
 * Every realistic deployment under examples/ has its expected doctor verdict checked in
 * (test/chain/expected/<name>.json: the structured verdict per route, backends, fix plan; and
 * <name>.txt: the key lines of the text output). The expectations were written from the files by
 * hand and agree with the lab's real-browser observations of the same setups (lab scenarios 1-13).
 * After an intended change, regenerate with PROXYPROOF_UPDATE_EXPECTED=1 and review the diff.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';
import { renderDoctorText } from '../../src/commands/doctor.js';
import { REPO_ROOT } from '../helpers.js';

export const EXAMPLES = [
  'seed',
  'django-compose',
  'fastapi-uvicorn-nginx',
  'flask-proxyfix-nginx',
  'express-nginx',
  'caddy-gunicorn',
  'cloud-lb-nginx',
  'correct-everything',
  'compose-spoofable',
];

const EXPECTED = join(REPO_ROOT, 'packages/proxyproof/test/chain/expected');
const UPDATE = process.env.PROXYPROOF_UPDATE_EXPECTED === '1';

export async function doctorSummary(name: string) {
  const r = await runDoctor([`examples/${name}`], { cwd: REPO_ROOT });
  const a = r.analysis;
  const where = (x: { file: string; line: number } | undefined) => (x ? `${x.file}:${x.line}` : null);
  const summary = {
    routes: a.verdict.routes.map((v) => ({
      url: v.url,
      route: v.route,
      scheme: v.scheme.status,
      believed: v.scheme.believed,
      lostAt: v.scheme.lostAt?.label ?? null,
      lostAtRef: where(v.scheme.lostAt?.ref),
      host: v.host.status,
      hostBelieved: v.host.believed ?? null,
      redirectLoop: Boolean(v.redirect?.loop),
      spoofable: v.spoofable.map((s) => `${s.reach}/${s.via}: ${s.what.join('+')}`),
    })),
    backends: a.verdict.backends.map((b) => ({ label: b.label, reach: b.reach, spoof: b.spoof?.what ?? null })),
    plan: a.plan.fixes.map((f) => ({ kind: f.kind, at: `${f.file}:${f.line}${f.after ? '+' : ''}`, lines: f.lines })),
    notFound: r.inventory.missing,
  };
  const text = renderDoctorText(r.report, { color: false, quiet: false });
  // The fix plan's key lines: each patched file with its findings, the lines each patch adds or removes, advice.
  const plan = text.slice(text.indexOf('\nFix plan\n'));
  const keyLines = [
    ...text.split('\n').filter((l) => /^ {4}(browser|verdict:|spoofing:)/.test(l)),
    ...plan.split('\n').filter((l) => /^ {2}\S.*: |^ {4}[-+](?![-+])|^ {2}- /.test(l)),
  ];
  // A chain finding merged into the layer finding at the same place shows as `<layer id> (+chain/<id>)`.
  const findings = r.report.findings.map((f) => {
    const chain = (f.data?.chainFinding as { id?: string } | undefined)?.id;
    return `${f.severity} ${f.id}${chain ? ` (+${chain})` : ''}`;
  });
  return { summary, keyLines, findings };
}

describe('doctor on examples/: expected verdicts', () => {
  it('there are at least 9 example deployments', () => {
    assert.ok(EXAMPLES.length >= 9);
    for (const e of EXAMPLES) assert.ok(existsSync(join(REPO_ROOT, 'examples', e)), `examples/${e} missing`);
  });

  for (const name of EXAMPLES) {
    it(name, async () => {
      const got = await doctorSummary(name);
      const jsonFile = join(EXPECTED, `${name}.json`);
      const txtFile = join(EXPECTED, `${name}.txt`);
      if (UPDATE) {
        writeFileSync(jsonFile, `${JSON.stringify({ summary: got.summary, findings: got.findings }, null, 2)}\n`);
        writeFileSync(txtFile, `${got.keyLines.join('\n')}\n`);
      }
      const want = JSON.parse(readFileSync(jsonFile, 'utf8')) as { summary: unknown; findings: string[] };
      assert.deepEqual(got.summary, want.summary);
      // Chain findings are ours: exact. Other layers' findings may evolve; ours must be present.
      const chainGot = got.findings.filter((f) => f.includes(' chain/'));
      const chainWant = want.findings.filter((f) => f.includes(' chain/'));
      assert.deepEqual(chainGot, chainWant);
      assert.deepEqual(got.keyLines, readFileSync(txtFile, 'utf8').trimEnd().split('\n'));
    });
  }
});
