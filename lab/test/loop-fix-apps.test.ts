// The proof loop on the app-end scenarios (41-59): the broken scenario as Chromium sees it, `fix --write` on its
// rendered files, a restart from the patched files, Chromium clean — and the patched file is exactly the
// scenario's fixed variant, so the variant the scenario tests is what proxyproof writes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { after, test } from 'node:test';
import { runFix } from '../../packages/proxyproof/src/commands/fix.js';
import { closeBrowsers } from '../src/browser.js';
import { renderScenario } from '../src/index.js';
import { assertDoctorAgrees } from './doctor-support.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, observeEntry } from './proxies-support.js';

after(closeBrowsers);

/** A file of a scenario variant as the lab renders it (the variant's own files hold no port, so they compare). */
async function renderedFile(id: string, file: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pplab-variant-'));
  try {
    await renderScenario(id, join(dir, 'r'));
    return readFileSync(join(dir, 'r', file), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const { id, fixed, files, lostAt } of [
  { id: '41-nginx-waitress-flask', fixed: 'proxyfix', files: ['app/app.py'], lostAt: 'waitress' },
]) {
  test(`loop ${id}: broken in Chromium, fix --write = :${fixed}, restart, clean; doctor agrees before and after`, async (t) => {
    await withScenario(t, id, async (sc) => {
      assert.equal(sc.expected.appScheme, 'http', 'a broken scenario');
      assertBrowserOutcome(sc, await observeEntry(sc));
      await assertDoctorAgrees(sc, { scheme: 'http', lostAt });
      const run = await runFix([sc.dir], { write: true, cwd: sc.dir });
      const diffs = run.plan.patches.map((p) => p.diff).join('');
      assert.ok(run.written.length > 0, `nothing written; advice: ${JSON.stringify(run.plan.advice)}`);
      for (const w of run.written)
        assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''} ${w.validation?.output ?? ''}`);
      assert.deepEqual(
        run.written.map((w) => relative(sc.dir, resolve(sc.dir, w.file))).sort(),
        [...files].sort(),
        `written files\n${diffs}`,
      );
      for (const f of files)
        assert.equal(
          readFileSync(join(sc.dir, f), 'utf8'),
          await renderedFile(`${id}:${fixed}`, f),
          `${f} = :${fixed}\n${diffs}`,
        );
      await sc.restart();
      try {
        const seen = assertBrowserOutcome(sc, await observeEntry(sc), {
          summary: 'fixed',
          appScheme: 'https',
          mixedContent: false,
        });
        assert.equal(seen.is_secure, true, 'the app believes https');
      } catch (e) {
        (e as Error).message += `\n(patches:\n${diffs})`;
        throw e;
      }
      await assertDoctorAgrees(sc, { scheme: 'https' });
      assert.deepEqual((await runFix([sc.dir], { cwd: sc.dir })).plan.patches, [], 'fix after fix --write: nothing');
    });
  });
}
