// The proof loop on the real stack for the other front doors (labs 08-12: Caddy, HAProxy, Apache, nginx ->
// Express). Each broken scenario shows mixed content in Chromium (checked against the scenario's declared
// `expected`); `fix --write` on its rendered files, a restart from the patched files, and Chromium records the
// same page clean: no mixed content, the stylesheet from the https origin, the app sees https. Scenario 12's
// proxy is on another host: the address Express must trust is not in any file, so fix writes nothing there
// and says why (the same rule as 05, 06 and 13).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runFix } from '../../packages/proxyproof/src/commands/fix.js';
import { closeBrowsers } from '../src/browser.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, observeEntry } from './proxies-support.js';

after(closeBrowsers);

for (const { id, patched } of [
  { id: '08-caddy-uvicorn-django:header-up-copied', patched: /^\+\s*header_up X-Forwarded-Proto \{scheme\}$/m },
  { id: '09-lb-caddy-no-trusted-proxies', patched: /^\+\s*trusted_proxies /m },
  { id: '10-haproxy-gunicorn-no-xfp', patched: /^\+\s*http-request set-header X-Forwarded-Proto /m },
  { id: '11-apache-gunicorn-no-xfp', patched: /^\+\s*RequestHeader set X-Forwarded-Proto /m },
]) {
  test(`loop ${id}: mixed content in Chromium, fix --write, restart, clean`, async (t) => {
    await withScenario(t, id, async (sc) => {
      assert.equal(sc.expected.mixedContent, true, 'a broken scenario');
      assertBrowserOutcome(sc, await observeEntry(sc));
      const run = await runFix([sc.dir], { write: true, cwd: sc.dir });
      const diffs = run.plan.patches.map((p) => p.diff).join('');
      assert.ok(run.written.length > 0, `nothing written; advice: ${JSON.stringify(run.plan.advice)}`);
      for (const w of run.written)
        assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''} ${w.validation?.output ?? ''}`);
      assert.match(diffs, patched);
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
    });
  });
}

test('loop 12-nginx-express-trust-proxy: the proxy is on another host, so fix gives advice and writes nothing', async (t) => {
  await withScenario(t, '12-nginx-express-trust-proxy', async (sc) => {
    assertBrowserOutcome(sc, await observeEntry(sc));
    const run = await runFix([sc.dir], { write: true, cwd: sc.dir });
    assert.deepEqual(
      run.plan.patches.filter((p) => p.findings.includes('express/trust-proxy-unset')).map((p) => p.diff),
      [],
    );
    const advice = run.plan.advice.find((a) => a.id === 'express/trust-proxy-unset');
    assert.ok(advice, JSON.stringify(run.plan.advice));
    assert.match(advice.reason, /value to fill in \(<proxy IP>\)/);
    assert.ok((advice.lines ?? []).some((l) => l.includes("app.set('trust proxy', '<proxy IP>')")));
  });
});
