// Scenario 11: Apache mod_proxy (TLS) -> gunicorn -> Flask. mod_proxy adds X-Forwarded-For/Host/Server but never
// X-Forwarded-Proto: broken; `RequestHeader set X-Forwarded-Proto https`: clean.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { withScenario } from './helpers.js';
import {
  assertBrowserOutcome,
  cookieSecure,
  insecureOriginOf,
  observeEntry,
  originOf,
  viaProxy,
  whoamiViaProxy,
} from './proxies-support.js';

after(closeBrowsers);

const ID = '11-apache-gunicorn-no-xfp';

test('11 Apache mod_proxy without X-Forwarded-Proto: Flask sees http (mixed content)', async (t) => {
  await withScenario(t, ID, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    const host = new URL(sc.entryUrl).host;
    assert.equal(seen.x_forwarded_proto, null, 'mod_proxy never sends X-Forwarded-Proto');
    assert.equal(seen.x_forwarded_host, host, 'mod_proxy sends X-Forwarded-Host');
    assert.equal(seen.x_forwarded_for, '127.0.0.1', 'mod_proxy sends X-Forwarded-For');
    assert.equal(cookieSecure(obs, 'labsession'), false);
    const login = await viaProxy(sc, '/login', { method: 'POST' });
    assert.equal(login.status, 302);
    assert.equal(login.headers.location, `${insecureOriginOf(sc)}/account/`, 'the login redirect leaves https');
    // Without RequestHeader, mod_proxy passes a client's own X-Forwarded-Proto through untouched.
    const forged = await whoamiViaProxy(sc, { 'X-Forwarded-Proto': 'http' });
    assert.equal(forged.x_forwarded_proto, 'http');
  });
});

test('11 the outcome assertions fail on the wrong expectation (they can fail)', async (t) => {
  await withScenario(t, ID, async (sc) => {
    const obs = await observeEntry(sc);
    assert.throws(
      () => assertBrowserOutcome(sc, obs, { summary: 'wrong on purpose', appScheme: 'https', mixedContent: false }),
      /scheme|mixed/,
    );
    assert.throws(
      () => assertBrowserOutcome(sc, obs, { summary: 'wrong on purpose', mixedContent: false }),
      /no mixed content expected/,
    );
    assertBrowserOutcome(sc, obs, { summary: 'right', appScheme: 'http', mixedContent: true });
  });
});

test('11 Apache mod_proxy with RequestHeader set X-Forwarded-Proto https: clean', async (t) => {
  await withScenario(t, `${ID}:request-header`, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.x_forwarded_proto, 'https');
    assert.equal(cookieSecure(obs, 'labsession'), true);
    const login = await viaProxy(sc, '/login', { method: 'POST' });
    assert.equal(login.headers.location, `${originOf(sc)}/account/`);
    const forged = await whoamiViaProxy(sc, { 'X-Forwarded-Proto': 'http' });
    assert.equal(forged.x_forwarded_proto, 'https', 'RequestHeader set replaces a client value');
  });
});
