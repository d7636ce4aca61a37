// Scenario 8: Caddy reverse_proxy (TLS) -> uvicorn -> Django (ASGI) is clean with no proxy-header setting at
// all, and Caddy replaces the X-Forwarded-* a client sends (no trusted_proxies) — unless a header_up line
// overrides its logic (variant header-up-copied).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, observeEntry, originOf, whoamiViaProxy } from './proxies-support.js';

after(closeBrowsers);

test('08 Caddy -> uvicorn -> Django: clean by default, client X-Forwarded-* replaced', async (t) => {
  await withScenario(t, '08-caddy-uvicorn-django', async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.is_secure, true);
    assert.equal(seen.build_absolute_uri, `${originOf(sc)}/`);
    assert.equal(seen.x_forwarded_proto, 'https', 'Caddy sends X-Forwarded-Proto itself');
    // The auto-upgraded image of the Django page loads over https too: nothing at all to report.
    assert.ok(
      obs.requests.some((r) => r.url === `${originOf(sc)}/static/logo.png`),
      'the logo loads from the https origin',
    );

    // A client's own headers do not survive Caddy (no trusted_proxies): scheme and client address are Caddy's.
    const forged = await whoamiViaProxy(sc, {
      'X-Forwarded-Proto': 'http',
      'X-Forwarded-For': '203.0.113.66',
      'X-Forwarded-Host': 'evil.test',
    });
    assert.equal(forged.x_forwarded_proto, 'https');
    assert.equal(forged.x_forwarded_for, '127.0.0.1');
    assert.equal(forged.is_secure, true);
    assert.equal(forged.get_host, new URL(sc.entryUrl).host);
  });
});

test('08 Caddy with a copied header_up X-Forwarded-Proto {http.request.header.X-Forwarded-Proto}: broken, and the client decides', async (t) => {
  await withScenario(t, '08-caddy-uvicorn-django:header-up-copied', async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.x_forwarded_proto, '', "header_up replaced Caddy's https with the (absent) client header");
    const claimed = await whoamiViaProxy(sc, { 'X-Forwarded-Proto': 'https' });
    assert.equal(claimed.x_forwarded_proto, 'https');
    assert.equal(claimed.is_secure, true, 'a client that sends the header is believed');
    const forged = await whoamiViaProxy(sc, { 'X-Forwarded-Proto': 'http' });
    assert.equal(forged.is_secure, false, 'and so is one that claims http over TLS');
  });
});
