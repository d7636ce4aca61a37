// The proof loop on the app-end scenarios (41-59): the broken scenario as Chromium sees it, `fix --write` on its
// rendered files, a restart from the patched files, Chromium clean — and the patched file is exactly the
// scenario's fixed variant, so the variant the scenario tests is what proxyproof writes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { after, test } from 'node:test';
import { runFix } from '../../packages/proxyproof/src/commands/fix.js';
import { closeBrowsers } from '../src/browser.js';
import { renderText } from '../src/render.js';
import { APPS_DIR, SCENARIOS_DIR } from '../src/scenarios.js';
import type { RunningScenario } from '../src/types.js';
import { assertDoctorAgrees } from './doctor-support.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, observeEntry } from './proxies-support.js';

after(closeBrowsers);

/**
 * A file of a scenario variant rendered with the running scenario's own variables (addresses, ports, dirs):
 * the variant's file, else the scenario's, else the framework app's (`app/...` from lab/apps/<app>).
 */
function variantFile(sc: RunningScenario, variant: string, file: string): string {
  const folder = join(SCENARIOS_DIR, sc.def.id);
  const candidates = [join(folder, 'variants', variant, file), join(folder, file)];
  if (sc.def.app && file.startsWith('app/')) candidates.push(join(APPS_DIR, sc.def.app, file.slice(4)));
  const src = candidates.find((c) => existsSync(c));
  assert.ok(src, `no template for ${file} in ${candidates.join(', ')}`);
  return renderText(readFileSync(src, 'utf8'), sc.vars, src);
}

/** The file without its whole-line comments: the variant's comment says why it is right, the patch adds no comment. */
function withoutComments(text: string): string {
  return text
    .replace(/<!--[\s\S]*?-->\n?/g, '')
    .split('\n')
    .filter((l) => !/^\s*(?:#|\/\/)/.test(l))
    .join('\n');
}

for (const { id, fixed, files, lostAt } of [
  { id: '41-nginx-waitress-flask', fixed: 'proxyfix', files: ['app/app.py'], lostAt: 'waitress' },
  {
    id: '42-nginx-uwsgi-django',
    fixed: 'fixed',
    files: ['nginx/sites-enabled/app.test', 'app/labsite/settings.py'],
    lostAt: 'nginx',
  },
  { id: '43-apache-tomcat-remoteipvalve', fixed: 'fixed', files: ['tomcat10/server.xml'], lostAt: 'Tomcat' },
  {
    id: '44-haproxy-nginx-phpfpm-symfony',
    fixed: 'trusted-proxies',
    files: ['app/public/index.php'],
    lostAt: 'Symfony',
  },
  {
    id: '45-caddy-nginx-phpfpm-laravel',
    fixed: 'trusted-proxies',
    files: ['app/app/Http/Middleware/TrustProxies.php'],
    lostAt: 'Laravel',
  },
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
          withoutComments(readFileSync(join(sc.dir, f), 'utf8')),
          withoutComments(variantFile(sc, fixed, f)),
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
