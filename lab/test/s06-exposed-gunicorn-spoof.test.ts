// Scenario 6: gunicorn on 0.0.0.0 with forwarded_allow_ips='*', reachable from an outside host.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { curlVia } from '../src/http.js';
import type { RunningScenario } from '../src/types.js';
import { assertClean, browse, originOf, withScenario } from './helpers.js';

after(closeBrowsers);

/** A plain-HTTP request from the outside host straight to the app server, claiming https. */
async function spoofFromOutside(sc: RunningScenario) {
  assert.ok(sc.outside, 'the scenario has an outside host');
  const r = await curlVia(sc, `http://${sc.vars.APP_OUTSIDE_ADDR}:${sc.backend.port}/whoami`, {
    from: 'outside',
    headers: { Host: 'app.test', 'X-Forwarded-Proto': 'https' },
    resolve: false,
    // No maxTimeS: the default net (lab/src/http.ts). 'unreachable' is a refused connection, known at once; with
    // 3 s a slow answer from a reachable gunicorn read as 'unreachable'.
  });
  const outcome = !r.ok ? 'unreachable' : JSON.parse(r.body).is_secure === true ? 'accepted' : 'ignored';
  assert.equal(outcome, sc.expected.outsideSpoof, `${sc.id} expected.outsideSpoof`);
  return r;
}

test("06 gunicorn 0.0.0.0 + forwarded_allow_ips='*': the browser is fine, and the outside host's spoofed X-Forwarded-Proto is believed", async (t) => {
  await withScenario(t, '06-exposed-gunicorn-spoof', async (sc) => {
    assertClean(await browse(sc), originOf(sc));
    const r = await spoofFromOutside(sc);
    assert.ok(r.ok, r.error);
    const seen = JSON.parse(r.body);
    assert.equal(seen.remote_addr, sc.vars.OUTSIDE_ADDR, 'the request came from the outside host, over plain HTTP');
    assert.equal(seen.is_secure, true, 'spoof accepted');
    assert.equal(seen.build_absolute_uri, 'https://app.test/whoami');
  });
});

test('06 still 0.0.0.0 but forwarded_allow_ips=<proxy address>: the outside request gets through, its header is ignored', async (t) => {
  await withScenario(t, '06-exposed-gunicorn-spoof:allow-list', async (sc) => {
    assertClean(await browse(sc), originOf(sc));
    const r = await spoofFromOutside(sc);
    assert.ok(r.ok, r.error);
    const seen = JSON.parse(r.body);
    assert.equal(seen.remote_addr, sc.vars.OUTSIDE_ADDR);
    assert.equal(seen.is_secure, false, 'spoof ignored');
  });
});

test("06 forwarded_allow_ips='*' but bound to the proxy-facing address: the outside host cannot connect", async (t) => {
  await withScenario(t, '06-exposed-gunicorn-spoof:private-bind', async (sc) => {
    assertClean(await browse(sc), originOf(sc));
    const r = await spoofFromOutside(sc);
    assert.equal(r.ok, false, `unexpectedly reachable: ${r.body}`);
    assert.match(r.error ?? '', /Couldn't connect|Connection refused|Failed to connect/i);
  });
});
