/**
 * `fix` goes through the shared output stage like lint and doctor: `--output` writes the patch (which GNU patch
 * applies), `--format sarif` is a valid SARIF log whose results carry the fix, and what lint would not report
 * (an inline `proxyproof-ignore` comment, `.proxyproof.json`'s ignore, a baseline, `--min-severity`) is not
 * patched either; the doctor's plan follows the same options.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type * as Sarif from 'sarif';
import { findProgram } from '../../src/fix/programs.js';
import { runCli } from '../helpers.js';
import { checkGithubRules, validateSarif } from '../render/validate.js';
import { SITE, tree } from './tree.js';

const XFP = /^\+\s+proxy_set_header X-Forwarded-Proto \$scheme;$/m;

test('fix --output writes the patch itself (GNU patch applies it); stdout stays empty', (t) => {
  const dir = tree({ 'nginx/sites-enabled/app': SITE });
  try {
    const r = runCli(['fix', '.', '--output', 'changes.patch', '--no-config-file'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    const patch = readFileSync(join(dir, 'changes.patch'), 'utf8');
    assert.match(patch, /^--- a\/nginx\/sites-enabled\/app$/m);
    assert.match(patch, XFP);
    if (!findProgram('patch')) return t.skip('GNU patch is not installed');
    const p = spawnSync('patch', ['-p1', '--batch', '-i', 'changes.patch'], { cwd: dir, encoding: 'utf8' });
    assert.equal(p.status, 0, p.stdout + p.stderr);
    assert.match(readFileSync(join(dir, 'nginx/sites-enabled/app'), 'utf8'), /proxy_set_header X-Forwarded-Proto \$scheme;/);
    assert.equal(runCli(['fix', '.', '--no-config-file'], { cwd: dir }).stdout, '', 'nothing left to patch');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fix --format sarif: a valid SARIF log whose result carries the fix as a replacement', () => {
  const dir = tree({ 'nginx/sites-enabled/app': SITE });
  try {
    const r = runCli(['fix', '.', '--format', 'sarif', '--output', 'fix.sarif', '--no-config-file'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    const log = JSON.parse(readFileSync(join(dir, 'fix.sarif'), 'utf8')) as Sarif.Log;
    validateSarif(log);
    checkGithubRules(log);
    const res = log.runs[0]?.results?.find((x) => x.ruleId === 'nginx/forwarded-proto-missing');
    assert.ok(res, JSON.stringify(log.runs[0]?.results?.map((x) => x.ruleId)));
    assert.ok(JSON.stringify(res.fixes ?? []).includes('X-Forwarded-Proto $scheme'), JSON.stringify(res.fixes));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('what lint does not report, fix does not patch: ignore comment, .proxyproof.json ignore, baseline, --min-severity', () => {
  const cases: Array<{ name: string; files: Record<string, string>; args: string[]; setup?: (dir: string) => void }> = [
    {
      name: 'inline ignore comment',
      files: {
        'nginx/sites-enabled/app': SITE.replace(
          '    location / {',
          '    # proxyproof-ignore nginx/forwarded-proto-missing: the app reads Forwarded, set by a module\n    location / {',
        ),
      },
      args: [],
    },
    {
      name: '.proxyproof.json ignore',
      files: {
        'nginx/sites-enabled/app': SITE,
        '.proxyproof.json': JSON.stringify({
          ignore: [{ id: 'nginx/forwarded-proto-missing', reason: 'scheme set by the balancer in front' }],
        }),
      },
      args: [],
    },
    {
      name: 'baseline of today',
      files: { 'nginx/sites-enabled/app': SITE },
      args: ['--baseline', 'base.json', '--no-config-file'],
      setup: (dir) => assert.equal(runCli(['baseline', '.', '-o', 'base.json', '--no-config-file'], { cwd: dir }).code, 0),
    },
    {
      name: '--min-severity critical',
      files: { 'nginx/sites-enabled/app': SITE },
      args: ['--min-severity', 'critical', '--no-config-file'],
    },
  ];
  for (const c of cases) {
    const dir = tree(c.files);
    try {
      c.setup?.(dir);
      // Without the option the finding is there and fixable (the trap: the selection, not the check, removes it).
      const plain = runCli(['lint', '.', '--format', 'json', '--no-config-file', '--no-ignore-comments', '--no-baseline'], {
        cwd: dir,
      });
      assert.ok(
        JSON.parse(plain.stdout).findings.some((f: { id: string }) => f.id === 'nginx/forwarded-proto-missing'),
        `${c.name}: the finding exists without the selection`,
      );
      const r = runCli(['fix', '.', '--format', 'json', ...c.args], { cwd: dir });
      assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
      const j = JSON.parse(r.stdout);
      assert.deepEqual(j.fix.patches, [], `${c.name}: nothing patched`);
      assert.ok(!j.findings.some((f: { id: string }) => f.id === 'nginx/forwarded-proto-missing'), c.name);
      if (c.name !== '--min-severity critical')
        assert.ok(
          j.suppressed.some((s: { id: string }) => s.id === 'nginx/forwarded-proto-missing'),
          `${c.name}: listed as suppressed`,
        );
      const text = runCli(['fix', '.', ...c.args], { cwd: dir });
      assert.doesNotMatch(text.stdout, XFP, c.name);
      const d = JSON.parse(runCli(['doctor', '.', '--format', 'json', ...c.args], { cwd: dir }).stdout);
      assert.deepEqual(d.doctor.fix.patches, [], `${c.name}: the doctor plans nothing either`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
