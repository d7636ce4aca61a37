// The proof loop on the real stack for the other front doors (labs 08-12: Caddy, HAProxy, Apache, nginx ->
// Express). Each broken scenario shows mixed content in Chromium (checked against the scenario's declared
// `expected`); `fix --write` on its rendered files, a restart from the patched files, and Chromium records the
// same page clean: no mixed content, the stylesheet from the https origin, the app sees https. Scenario 12's
// proxy is on another host: the address Express must trust is not in any file, so plain fix writes nothing there
// and says why (the same rule as 05, 06 and 13); with --proxy-address it is written, with the nginx line the
// trust makes necessary (X-Forwarded-Host), and the outside host's probe finds no spoof.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runFix } from '../../packages/proxyproof/src/commands/fix.js';
import { runProbe } from '../../packages/proxyproof/src/commands/probe.js';
import { closeBrowsers } from '../src/browser.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, assertFixedInBrowser, observeEntry, viaProxy, whoamiViaProxy } from './proxies-support.js';

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
        const seen = await assertFixedInBrowser(sc);
        assert.equal(seen.is_secure, true, 'the app believes https');
      } catch (e) {
        (e as Error).message += `\n(patches:\n${diffs})`;
        throw e;
      }
    });
  });
}

test('loop 10-haproxy-gunicorn-no-xfp:add-header: a client value survives (gunicorn refuses it as contradictory); fix --write replaces the header; restart: the client value is overwritten, the browser still clean', async (t) => {
  await withScenario(t, '10-haproxy-gunicorn-no-xfp:add-header', async (sc) => {
    const before = await viaProxy(sc, '/whoami', { headers: { 'X-Forwarded-Proto': 'http' } });
    assert.equal(before.status, 400, `broken: a client value is appended (${before.status} ${before.body.slice(0, 200)})`);
    const run = await runFix([sc.dir], { write: true, cwd: sc.dir });
    const diffs = run.plan.patches.map((p) => p.diff).join('');
    assert.ok(run.written.length > 0, `nothing written; advice: ${JSON.stringify(run.plan.advice)}`);
    for (const w of run.written) assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''} ${w.validation?.output ?? ''}`);
    assert.match(diffs, /^\+\s*http-request set-header X-Forwarded-Proto /m);
    await sc.restart();
    try {
      const forged = await whoamiViaProxy(sc, { 'X-Forwarded-Proto': 'http' });
      assert.equal(forged.x_forwarded_proto, 'https', 'the client value is replaced, not appended');
      assert.equal(forged.is_secure, true);
      const seen = await assertFixedInBrowser(sc);
      assert.equal(seen.is_secure, true);
    } catch (e) {
      (e as Error).message += `\n(patches:\n${diffs})`;
      throw e;
    }
  });
});

test('loop 12-nginx-express-trust-proxy: advice without the proxy address; fix --write --proxy-address trusts it and makes nginx set X-Forwarded-Host; restart: clean, no spoof', async (t) => {
  await withScenario(t, '12-nginx-express-trust-proxy', async (sc) => {
    assertBrowserOutcome(sc, await observeEntry(sc));
    // Plain fix: the address Express must trust is in no file, so it is advice naming the option.
    const dry = await runFix([sc.dir], { cwd: sc.dir });
    assert.deepEqual(
      dry.plan.patches.filter((p) => p.findings.includes('express/trust-proxy-unset')).map((p) => p.diff),
      [],
    );
    const advice = dry.plan.advice.find((a) => a.id === 'express/trust-proxy-unset');
    assert.ok(advice, JSON.stringify(dry.plan.advice));
    assert.match(advice.reason, /give it with --proxy-address/);
    // With the address: Express trusts exactly the proxy, and (found by fix's own re-analysis: Express then
    // believes X-Forwarded-Host from the proxy, which passes on the client's) nginx overwrites X-Forwarded-Host.
    const address = sc.vars.PROXY_INNER_ADDR as string;
    const run = await runFix([sc.dir], { write: true, cwd: sc.dir, proxyAddress: address });
    const diffs = run.plan.patches.map((p) => p.diff).join('');
    assert.match(diffs, new RegExp(`^\\+\\s*app\\.set\\('trust proxy', '${address.replace(/\./g, '\\.')}'\\);$`, 'm'), diffs);
    assert.match(diffs, /^\+\s*proxy_set_header X-Forwarded-Host \$host;$/m, diffs);
    assert.ok(run.written.length >= 2, JSON.stringify(run.written));
    for (const w of run.written) assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''} ${w.validation?.output ?? ''}`);
    assert.ok(
      !run.plan.advice.some((a) => a.id === 'express/trust-proxy-unset' || a.id === 'chain/spoofable-backend'),
      JSON.stringify(run.plan.advice),
    );
    await sc.restart();
    try {
      const seen = await assertFixedInBrowser(sc);
      assert.equal(seen.is_secure, true, 'the app believes https');
      assert.equal(seen.trust_proxy, address);
      // Through the proxy, a client's forged X-Forwarded-Host no longer reaches Express.
      const r = await viaProxy(sc, '/whoami', { headers: { 'X-Forwarded-Host': 'evil.example' } });
      assert.equal(r.status, 200, r.error);
      assert.equal((JSON.parse(r.body) as Record<string, unknown>).get_host, 'app.test');
      // Straight to the exposed port from the outside host, the forged headers are ignored (only the proxy is trusted).
      const ns = sc.namespaces[sc.def.outside ?? ''];
      assert.ok(ns, 'outside namespace');
      const probe = await runProbe({
        backend: `http://${sc.vars.APP_OUTSIDE_ADDR}:${sc.backend.port}/whoami`,
        public: new URL(sc.entryUrl).origin,
        fromNetns: ns,
      });
      const ids = probe.report.findings.map((f) => f.id);
      assert.ok(ids.includes('probe/backend-reachable'), ids.join(', '));
      for (const id of ['probe/scheme-spoofable', 'probe/host-spoofable', 'probe/client-ip-spoofable'])
        assert.ok(!ids.includes(id), ids.join(', '));
    } catch (e) {
      (e as Error).message += `\n(patches:\n${diffs})`;
      throw e;
    }
    assert.deepEqual((await runFix([sc.dir], { cwd: sc.dir, proxyAddress: address })).plan.patches, [], 'idempotent');
  });
});

test('loop 12-nginx-express-trust-proxy:trust-proxy-true: the outside host spoofs the exposed port; fix --write --proxy-address trusts only the proxy; restart: probe from outside finds no spoof, page clean', async (t) => {
  await withScenario(t, '12-nginx-express-trust-proxy:trust-proxy-true', async (sc) => {
    const ns = sc.namespaces[sc.def.outside ?? ''];
    assert.ok(ns, 'outside namespace');
    const probeIds = async () =>
      (
        await runProbe({
          backend: `http://${sc.vars.APP_OUTSIDE_ADDR}:${sc.backend.port}/whoami`,
          public: new URL(sc.entryUrl).origin,
          fromNetns: ns,
        })
      ).report.findings.map((f) => f.id);
    assert.ok((await probeIds()).includes('probe/scheme-spoofable'), 'broken: the spoof is accepted before the fix');
    const address = sc.vars.PROXY_INNER_ADDR as string;
    const run = await runFix([sc.dir], { write: true, cwd: sc.dir, proxyAddress: address });
    const diffs = run.plan.patches.map((p) => p.diff).join('');
    assert.match(diffs, new RegExp(`^\\+\\s*app\\.set\\('trust proxy', '${address.replace(/\./g, '\\.')}'\\);$`, 'm'), diffs);
    for (const w of run.written) assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''} ${w.validation?.output ?? ''}`);
    await sc.restart();
    try {
      const seen = await assertFixedInBrowser(sc);
      assert.equal(seen.trust_proxy, address);
      const ids = await probeIds();
      assert.ok(ids.includes('probe/backend-reachable'), ids.join(', '));
      for (const id of ['probe/scheme-spoofable', 'probe/host-spoofable', 'probe/client-ip-spoofable'])
        assert.ok(!ids.includes(id), ids.join(', '));
    } catch (e) {
      (e as Error).message += `\n(patches:\n${diffs})`;
      throw e;
    }
  });
});
