/**
 * The nginx-lint benchmark still works (not a timing test): on a small generated config, nginx -t accepts both
 * variants, proxyproof lint reports no error diagnostics and the expected findings, and the in-process lint
 * agrees with the CLI (run.mjs asserts all of that and exits 2 otherwise).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers.js';

const ready = existsSync('/usr/sbin/nginx') && existsSync(join(REPO_ROOT, 'packages/proxyproof/dist/bin.js'));

describe('bench/nginx-lint/run.mjs', () => {
  it('runs end to end on 20 servers', { skip: !ready && 'needs /usr/sbin/nginx and a build' }, () => {
    const work = mkdtempSync(join(tmpdir(), 'pp-bench-'));
    let r: ReturnType<typeof spawnSync>;
    try {
      r = spawnSync(
        process.execPath,
        [join(REPO_ROOT, 'bench/nginx-lint/run.mjs'), '--servers', '20', '--runs', '1', '--work', work],
        {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          timeout: 240_000,
        },
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const out = String(r.stdout);
    assert.match(out, /20 servers, \d+ lines/);
    // Every tenth server omits X-Forwarded-Proto: servers 0 and 10.
    // 22 nginx findings, plus (lint runs the chain since lint and doctor became one analysis) the two
    // chain/link-unresolved notes of the API location whose upstream no file describes.
    assert.match(out, /proxyproof lint --format json \(CLI, all checks; JSON is complete[^)]*\):.* 24 findings/);
    assert.match(out, /lint \/ nginx -t: [\d.]+x wall/);
  });
});
