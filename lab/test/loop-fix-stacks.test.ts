// The proof loop on the multi-hop and non-Python stacks (labs 30, 40, 46, 60): the broken scenario as Chromium sees
// it (mixed content, or Rails' force_ssl redirect loop) and as `doctor` reads its rendered files (lost at the same
// hop); `fix --write` on those files; every file it writes is the scenario's fixed variant; a restart from the
// patched files; Chromium clean; `doctor` says https with no redirect loop; re-linting gives none of the findings the
// fix answered and no new one; `fix` again writes nothing.
//
// Scenario 30's edge nginx is on another host, and Caddy binds an address outside the private ranges: the edge's
// address is in no file, so plain `fix` gives advice and `--proxy-address` (the edge's end of the link) is written
// into `trusted_proxies` — the same rule as 05, 06, 12 and 13.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runDoctor } from '../../packages/proxyproof/src/chain/run.js';
import { runFix } from '../../packages/proxyproof/src/commands/fix.js';
import { closeBrowsers, observe } from '../src/browser.js';
import { curlVia } from '../src/http.js';
import type { RunningScenario } from '../src/types.js';
import { assertDoctorAgrees } from './doctor-support.js';
import { assertClean, browse, originOf, TITLE_COLOUR, withScenario } from './helpers.js';
import { assertWroteVariant } from './loop-support.js';
import { assertBrowserOutcome, assertFixedInBrowser, observeEntry } from './proxies-support.js';

after(closeBrowsers);

interface Stack {
  id: string;
  /** The scenario's variant that is what `fix --write` must produce. */
  fixed: string;
  /** Every file `fix --write` writes (relative to the rendered dir). */
  written: string[];
  /** Of those, the ones that must equal the fixed variant's (comments aside). */
  asVariant: string[];
  /** The first word of the hop the doctor blames on the broken files. */
  lostAt: string;
  /** The symptom is Rails' force_ssl loop (ERR_TOO_MANY_REDIRECTS) rather than mixed content. */
  loop: boolean;
  /** The proxy's address the files do not hold (`fix --proxy-address`), from the scenario's variables. */
  proxyAddressVar?: string;
}

const STACKS: Stack[] = [
  {
    id: '30-nginx-edge-caddy-other-host-no-trusted-proxies',
    fixed: 'trusted-proxies',
    // The Flask app also gets ProxyFix (flask/proxyfix-missing: request.remote_addr is Caddy's 127.0.0.1 without it).
    written: ['Caddyfile', 'app/app.py'],
    asVariant: ['Caddyfile'],
    lostAt: 'caddy',
    loop: false,
    proxyAddressVar: 'EDGE_INNER_ADDR',
  },
  {
    id: '40-nginx-puma-rails-force-ssl',
    fixed: 'fixed',
    written: ['nginx/sites-enabled/app.test'],
    asVariant: ['nginx/sites-enabled/app.test'],
    lostAt: 'nginx',
    loop: true,
  },
  {
    id: '46-nginx-nextjs',
    fixed: 'fixed',
    written: ['nginx/sites-enabled/app.test'],
    asVariant: ['nginx/sites-enabled/app.test'],
    lostAt: 'nginx',
    loop: false,
  },
  {
    id: '60-apache-passenger-rails-force-ssl',
    fixed: 'fixed',
    written: ['apache2/sites-enabled/app.test.conf'],
    asVariant: ['apache2/sites-enabled/app.test.conf'],
    lostAt: 'apache',
    loop: true,
  },
];

/** The broken page: the scenario's declared mixed content, or the force_ssl loop. */
async function assertBroken(sc: RunningScenario, s: Stack): Promise<void> {
  if (!s.loop) {
    assertBrowserOutcome(sc, await observeEntry(sc));
    return;
  }
  const obs = await browse(sc);
  assert.equal(obs.error, 'net::ERR_TOO_MANY_REDIRECTS', obs.errorMessage);
}

/** The fixed page: 200 on the https origin, no mixed content, no loop, the app believes https. */
async function assertFixed(sc: RunningScenario, s: Stack): Promise<void> {
  if (!s.loop) {
    const seen = await assertFixedInBrowser(sc);
    if ('is_secure' in seen) assert.equal(seen.is_secure, true, 'the app believes https');
    return;
  }
  // Not browse(): it checks the page against the broken scenario's declared outcome.
  const obs = await observe(sc.entryUrl, { hostResolverRules: sc.hostResolverRules, caFile: sc.caFile, evaluate: TITLE_COLOUR });
  assertClean(obs, originOf(sc));
  assert.equal(obs.status, 200);
}

async function findingIds(sc: RunningScenario): Promise<string[]> {
  const { report } = await runDoctor([sc.dir]);
  return [...new Set(report.findings.map((f) => f.id))].sort();
}

for (const s of STACKS) {
  test(`loop ${s.id}: broken in Chromium and in doctor, fix --write = :${s.fixed}, restart, clean; doctor https, no new finding`, async (t) => {
    await withScenario(t, s.id, async (sc) => {
      await assertBroken(sc, s);
      await assertDoctorAgrees(sc, { scheme: 'http', lostAt: s.lostAt, ...(s.loop ? { redirectLoop: true } : {}) });
      const before = await findingIds(sc);
      const proxyAddress = s.proxyAddressVar ? (sc.vars[s.proxyAddressVar] as string) : undefined;
      if (proxyAddress) {
        // Without the address: advice that names the option, nothing guessed.
        const dry = await runFix([sc.dir], { cwd: sc.dir });
        assert.ok(
          dry.plan.advice.some((a) => /give it with --proxy-address/.test(a.reason)),
          JSON.stringify(dry.plan.advice),
        );
        assert.ok(!dry.plan.patches.some((p) => p.file.endsWith('Caddyfile')), 'no Caddyfile patch without the address');
      }
      const opts = { write: true, cwd: sc.dir, ...(proxyAddress ? { proxyAddress } : {}) };
      const run = await runFix([sc.dir], opts);
      const diffs = assertWroteVariant(sc, run, s.written, s.fixed, s.asVariant);
      await sc.restart();
      // Passenger starts the app on the first request after a restart (a Rails boot: tens of seconds under load), longer
      // than Chromium's navigation timeout: one bounded request through the proxy first, whatever it answers.
      await curlVia(sc, sc.entryUrl, { maxTimeS: 90 });
      try {
        await assertFixed(sc, s);
      } catch (e) {
        (e as Error).message += `\n(patches:\n${diffs})`;
        throw e;
      }
      await assertDoctorAgrees(sc, { scheme: 'https', ...(s.loop ? { redirectLoop: false } : {}) });
      const afterFix = await findingIds(sc);
      const answered = new Set(run.plan.patches.flatMap((p) => p.findings));
      for (const id of afterFix) {
        assert.ok(!answered.has(id), `${id} was answered by fix --write but is still reported (${afterFix.join(', ')})`);
        assert.ok(before.includes(id), `${id} is new after fix --write (before: ${before.join(', ')})`);
      }
      assert.deepEqual(
        (await runFix([sc.dir], { cwd: sc.dir, ...(proxyAddress ? { proxyAddress } : {}) })).plan.patches,
        [],
        'fix after fix --write: nothing',
      );
    });
  });
}
