// Scenario 46: nginx (TLS, 443) -> Next.js 15 (`next start`, the real next from npm). Without X-Forwarded-Proto,
// next start fills the header with `http` itself, so an Auth.js-style origin (X-Forwarded-Proto + Host) is
// http://app.test: the stylesheet is blocked as mixed content in Chromium. `:fixed` (X-Forwarded-Proto $scheme):
// https links. The doctor, run on the same rendered files, must say the same.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { assertDoctorAgrees } from './doctor-support.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, observeEntry, whoamiViaProxy } from './proxies-support.js';

after(closeBrowsers);

const ID = '46-nginx-nextjs';

test('46 nginx -> Next.js without X-Forwarded-Proto: next start says http, the stylesheet is mixed content', async (t) => {
  await withScenario(t, ID, async (sc) => {
    assert.equal(sc.entryUrl, 'https://app.test/');
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.x_forwarded_proto, 'http', 'next start filled X-Forwarded-Proto from its plain connection');
    assert.equal(seen.origin, 'http://app.test');
    await assertDoctorAgrees(sc, { scheme: 'http', lostAt: 'nginx' });
  });
});

test('46 fixed: nginx sends X-Forwarded-Proto $scheme: https links, no mixed content; a client cannot override it', async (t) => {
  await withScenario(t, `${ID}:fixed`, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.x_forwarded_proto, 'https');
    assert.equal(seen.origin, 'https://app.test');
    const forged = await whoamiViaProxy(sc, { 'X-Forwarded-Proto': 'http' });
    assert.equal(forged.x_forwarded_proto, 'https', "nginx's proxy_set_header replaces the client's header");
    await assertDoctorAgrees(sc, { scheme: 'https' });
  });
});
