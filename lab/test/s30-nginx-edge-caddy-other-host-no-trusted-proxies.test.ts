// Scenario 30: a TLS-terminating nginx on its own host (network namespace) in front of Caddy on the app host. Without trusted_proxies Caddy overwrites the
// edge's X-Forwarded-Proto: https with its own "http" and the app builds http:// URLs; with
// `reverse_proxy { trusted_proxies <edge> }` (the form Caddy 2.6.2 accepts) the page is clean.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, cookieSecure, insecureOriginOf, observeEntry, originOf, viaProxy } from './proxies-support.js';

after(closeBrowsers);

const ID = '30-nginx-edge-caddy-other-host-no-trusted-proxies';

test('30 nginx edge -> Caddy on another host without trusted_proxies: the app sees http (mixed content)', async (t) => {
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

test('30 nginx edge -> Caddy on another host with trusted_proxies <edge>: clean', async (t) => {
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
