// Scenario 41: nginx (TLS, X-Forwarded-Proto $scheme) -> waitress (Debian's python3-waitress, started from
// serve.py) -> Flask. waitress ignores X-Forwarded-* without trusted_proxy, Flask has no ProxyFix: broken.
// ProxyFix (what `fix --write` writes) or serve(trusted_proxy=..., trusted_proxy_headers=...): clean.
// The doctor, run on the same rendered files, must say the same.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { assertDoctorAgrees } from './doctor-support.js';
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

const ID = '41-nginx-waitress-flask';

test('41 waitress without trusted_proxy: Flask sees http (mixed content); doctor: lost at waitress', async (t) => {
  await withScenario(t, ID, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.x_forwarded_proto, 'https', 'nginx sends the header; waitress passes it on untouched');
    assert.equal(seen.wsgi_url_scheme, 'http', 'but does not apply it');
    assert.equal(seen.remote_addr, '127.0.0.1', 'the client address is the proxy');
    assert.equal(cookieSecure(obs, 'labsession'), false);
    const login = await viaProxy(sc, '/login', { method: 'POST' });
    assert.equal(login.status, 302);
    assert.equal(login.headers.location, `${insecureOriginOf(sc)}/account/`, 'the login redirect leaves https');
    await assertDoctorAgrees(sc, { scheme: 'http', lostAt: 'waitress' });
  });
});

for (const variant of ['proxyfix', 'trusted-proxy']) {
  test(`41 ${variant}: Flask sees https, no mixed content, Secure cookie; doctor: https`, async (t) => {
    await withScenario(t, `${ID}:${variant}`, async (sc) => {
      const obs = await observeEntry(sc);
      const seen = assertBrowserOutcome(sc, obs);
      assert.equal(seen.is_secure, true);
      assert.equal(cookieSecure(obs, 'labsession'), true);
      const login = await viaProxy(sc, '/login', { method: 'POST' });
      assert.equal(login.headers.location, `${originOf(sc)}/account/`);
      // nginx replaces a client's X-Forwarded-Proto with $scheme, so a forged value never reaches the app
      const forged = await whoamiViaProxy(sc, { 'X-Forwarded-Proto': 'http' });
      assert.equal(forged.scheme, 'https');
      await assertDoctorAgrees(sc, { scheme: 'https' });
    });
  });
}
