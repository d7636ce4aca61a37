/**
 * The real-world ratchet: the score on ../shared/realworld (scripts/realworld.mjs, the corpus README's
 * scoring) must not fall below the figures recorded in bench/REALWORLD.md.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
