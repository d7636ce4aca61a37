// Scenario 40: Rails config.force_ssl behind a TLS nginx that does not say the request was https (real Puma + Rails 6.1).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { curlVia } from '../src/http.js';
import { assertClean, browse, originOf, withScenario } from './helpers.js';

after(closeBrowsers);

test('40 Rails force_ssl without X-Forwarded-Proto on port 443: net::ERR_TOO_MANY_REDIRECTS', async (t) => {
  await withScenario(t, '40-nginx-puma-rails-force-ssl', async (sc) => {
    assert.equal(sc.entryUrl, 'https://app.test/');
    const obs = await browse(sc);
    assert.equal(obs.error, 'net::ERR_TOO_MANY_REDIRECTS', obs.errorMessage);
    assert.ok(obs.redirectChain.length >= 20, `chain: ${obs.redirectChain.length}`);
    assert.ok(obs.redirectChain.every((u) => u === 'https://app.test/'));
    // ActionDispatch::SSL answers 301 to the very URL that was requested
    const r = await curlVia(sc, sc.entryUrl);
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, 'https://app.test/');
  });
});

test('40 Rails force_ssl with X-Forwarded-Proto $scheme: 200 over https, Secure cookie, HSTS', async (t) => {
  await withScenario(t, '40-nginx-puma-rails-force-ssl:fixed', async (sc) => {
    const obs = await browse(sc);
    assertClean(obs, originOf(sc));
    assert.deepEqual(obs.redirectChain, ['https://app.test/']);
    assert.equal(obs.status, 200);
    const lab = obs.cookies.find((c) => c.name === 'lab');
    assert.equal(lab?.secure, true, 'ActionDispatch::SSL flags cookies Secure on https requests');
  });
});
