/**
 * The real-world ratchet: the score on ../shared/realworld (scripts/realworld.mjs, the corpus README's
 * scoring) must not fall below the figures recorded in bench/REALWORLD.md.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const corpus = join(root, '..', 'shared', 'realworld');

test('real-world score does not fall below bench/REALWORLD.md', { skip: !existsSync(corpus) && 'no ../shared/realworld' }, () => {
  const md = readFileSync(join(root, 'bench', 'REALWORLD.md'), 'utf8');
  const block = /Ratchet[^\n]*\n\n```json\n([\s\S]*?)\n```/.exec(md);
  assert.ok(block, 'bench/REALWORLD.md has no ratchet block');
  const floor = JSON.parse(block[1]) as Record<string, number>;
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'realworld.mjs'), '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 20 * 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const { totals } = JSON.parse(r.stdout) as { totals: Record<string, number> };
  const eps = 1e-4;
  assert.ok(totals.recall + eps >= floor.recall, `recall ${totals.recall} < ${floor.recall}`);
  assert.ok(totals.precision + eps >= floor.precision, `precision ${totals.precision} < ${floor.precision}`);
  assert.ok(totals.trapHits <= floor.trapHits, `traps hit ${totals.trapHits} > ${floor.trapHits}`);
  assert.ok(totals.negativesClean >= floor.negativesClean, `negatives clean ${totals.negativesClean} < ${floor.negativesClean}`);
  assert.ok(totals.errors <= floor.errors, `errors ${totals.errors} > ${floor.errors}`);
});

// The two scripts' other modes, as the bench docs tell people to run them (both broke once in a refactor of their
// shared options without any test noticing).
test(
  'realworld.mjs --write rewrites the table of a copy; realworld-fix.mjs --json prints its totals',
  { skip: !existsSync(corpus) && 'no ../shared/realworld' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-realworld-'));
    try {
      const copy = join(dir, 'REALWORLD.md');
      copyFileSync(join(root, 'bench', 'REALWORLD.md'), copy);
      const only = 'ngx-002';
      const w = spawnSync(process.execPath, [join(root, 'scripts', 'realworld.mjs'), '--only', only, '--write', copy], {
        encoding: 'utf8',
        timeout: 10 * 60_000,
      });
      assert.equal(w.status, 0, w.stderr);
      const written = readFileSync(copy, 'utf8');
      assert.match(written, /<!-- realworld:begin/);
      assert.match(written, new RegExp(`\\| ${only}-`));
      const f = spawnSync(process.execPath, [join(root, 'scripts', 'realworld-fix.mjs'), '--only', only, '--json'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 10 * 60_000,
      });
      assert.equal(f.status, 0, f.stderr);
      const { totals } = JSON.parse(f.stdout) as { totals: Record<string, number> };
      assert.equal(totals.cases, 1);
      assert.equal(totals.notIdempotent, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
