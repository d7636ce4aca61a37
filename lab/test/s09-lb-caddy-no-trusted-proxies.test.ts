// Scenario 9: a TLS load balancer (nginx) in front of Caddy. Without trusted_proxies Caddy overwrites the
// balancer's X-Forwarded-Proto: https with its own "http" and the app builds http:// URLs; with
// `reverse_proxy { trusted_proxies <balancer> }` (the form Caddy 2.6.2 accepts) the page is clean.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, cookieSecure, insecureOriginOf, observeEntry, originOf, viaProxy } from './proxies-support.js';

after(closeBrowsers);

const ID = '09-lb-caddy-no-trusted-proxies';

test('09 LB -> Caddy without trusted_proxies: the app sees http (mixed content)', async (t) => {
  await withScenario(t, ID, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.x_forwarded_proto, 'http', "Caddy replaced the balancer's https with the scheme of its own connection");
    assert.equal(seen.is_secure, false);
    assert.ok(
      obs.mixedContentIssues.some((i) => i.resourceType === 'Script' && i.resolutionStatus === 'MixedContentBlocked'),
      'the script is blocked too',
    );
    assert.equal(cookieSecure(obs, 'labsession'), false, 'the session cookie is not Secure');
    const login = await viaProxy(sc, '/login', { method: 'POST' });
    assert.equal(login.status, 302);
    assert.equal(login.headers.location, `${insecureOriginOf(sc)}/account/`);
  });
});

test('09 LB -> Caddy with trusted_proxies <balancer>: clean', async (t) => {
  await withScenario(t, `${ID}:trusted-proxies`, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.x_forwarded_proto, 'https');
    assert.equal(seen.is_secure, true);
    assert.equal(cookieSecure(obs, 'labsession'), true);
    const login = await viaProxy(sc, '/login', { method: 'POST' });
    assert.equal(login.headers.location, `${originOf(sc)}/account/`);
  });
});
