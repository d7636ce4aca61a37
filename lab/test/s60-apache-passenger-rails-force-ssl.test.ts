// Scenario 60: Apache (TLS, 443, mod_proxy) -> an Apache vhost running Rails 6.1 under Phusion Passenger (Debian's
// libapache2-mod-passenger 6.0.17). mod_proxy sends no X-Forwarded-Proto and the Passenger vhost is plain http
// (HTTPS unset), so Rails force_ssl redirects every https request to itself. With `RequestHeader set
// X-Forwarded-Proto "https"` (what `fix --write` writes) Rack reads the header. The doctor, run on the same rendered
// files, must say the same; and Passenger's own trust model is checked on the real program: HTTPS=on on a TLS vhost
// comes before a client's X-Forwarded-Proto, and a plain vhost believes a client's X-Forwarded-Proto.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { curlVia } from '../src/http.js';
import { assertDoctorAgrees } from './doctor-support.js';
import { assertClean, browse, originOf, seenFromHtml, withScenario } from './helpers.js';

after(closeBrowsers);

const ID = '60-apache-passenger-rails-force-ssl';

test('60 Passenger + Rails force_ssl behind Apache without X-Forwarded-Proto: net::ERR_TOO_MANY_REDIRECTS; doctor: lost at Apache', async (t) => {
  await withScenario(t, ID, async (sc) => {
    assert.equal(sc.entryUrl, 'https://app.test/');
    const obs = await browse(sc);
    assert.equal(obs.error, 'net::ERR_TOO_MANY_REDIRECTS', obs.errorMessage);
    assert.ok(obs.redirectChain.length >= 20, `chain: ${obs.redirectChain.length}`);
    assert.ok(obs.redirectChain.every((u) => u === 'https://app.test/'));
    const r = await curlVia(sc, sc.entryUrl);
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, 'https://app.test/');
    assert.match(String(r.headers['x-powered-by'] ?? r.headers.server ?? ''), /Passenger/, 'served by Passenger');
    await assertDoctorAgrees(sc, { scheme: 'http', redirectLoop: true, lostAt: 'apache' });
  });
});

test('60 fixed (RequestHeader set X-Forwarded-Proto https): 200 over https, Secure cookie; a forged http is replaced; doctor: https', async (t) => {
  await withScenario(t, `${ID}:fixed`, async (sc) => {
    const obs = await browse(sc);
    assertClean(obs, originOf(sc));
    assert.deepEqual(obs.redirectChain, ['https://app.test/']);
    assert.equal(obs.status, 200);
    assert.equal(obs.cookies.find((c) => c.name === 'lab')?.secure, true, 'ActionDispatch::SSL flags cookies Secure on https');
    const forged = await curlVia(sc, sc.entryUrl, { headers: { 'X-Forwarded-Proto': 'http' } });
    assert.equal(forged.status, 200, 'RequestHeader set replaces a client value');
    assert.equal(seenFromHtml(forged.body).scheme, 'https');
    await assertDoctorAgrees(sc, { scheme: 'https', redirectLoop: false });
  });
});
