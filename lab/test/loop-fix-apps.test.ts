// The proof loop on the app-end scenarios (41-59): the broken scenario as Chromium sees it, `fix --write` on its
// rendered files, a restart from the patched files, Chromium clean — and the patched file is exactly the
// scenario's fixed variant, so the variant the scenario tests is what proxyproof writes.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runFix } from '../../packages/proxyproof/src/commands/fix.js';
import { closeBrowsers } from '../src/browser.js';
import { assertDoctorAgrees } from './doctor-support.js';
import { withScenario } from './helpers.js';
import { assertWroteVariant } from './loop-support.js';
import { assertBrowserOutcome, assertFixedInBrowser, observeEntry } from './proxies-support.js';

after(closeBrowsers);

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
      const diffs = assertWroteVariant(sc, run, files, fixed);
      await sc.restart();
      try {
        const seen = await assertFixedInBrowser(sc);
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
