// Scenario 3: SECURE_SSL_REDIRECT = True behind a TLS proxy that does not say the request was https.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { curlVia } from '../src/http.js';
import { assertClean, browse, originOf, withScenario } from './helpers.js';

after(closeBrowsers);

test('03 SECURE_SSL_REDIRECT without X-Forwarded-Proto on port 443: net::ERR_TOO_MANY_REDIRECTS', async (t) => {
  await withScenario(t, '03-ssl-redirect-loop', async (sc) => {
    assert.equal(sc.entryUrl, 'https://app.test/');
    const obs = await browse(sc);
    assert.equal(obs.error, 'net::ERR_TOO_MANY_REDIRECTS', obs.errorMessage);
    // Chromium follows 20 redirects, every one back to the same https URL
    assert.ok(obs.redirectChain.length >= 20, `chain: ${obs.redirectChain.length}`);
    assert.ok(obs.redirectChain.every((u) => u === 'https://app.test/'));
    const redirects = obs.responses.filter((r) => r.status === 301);
    assert.ok(redirects.length >= 19);
    assert.ok(redirects.every((r) => r.location === 'https://app.test/'));
    // one request as curl sees it: a 301 from Django to the very URL that was requested
    const r = await curlVia(sc, sc.entryUrl);
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, 'https://app.test/');
  });
});

test('03 SECURE_SSL_REDIRECT with X-Forwarded-Proto $scheme: no redirect, page over https, Secure cookies', async (t) => {
  await withScenario(t, '03-ssl-redirect-loop:fixed', async (sc) => {
    const obs = await browse(sc);
    assertClean(obs, originOf(sc));
    assert.deepEqual(obs.redirectChain, ['https://app.test/']);
    assert.equal(obs.status, 200);
    const csrf = obs.cookies.find((c) => c.name === 'csrftoken');
    assert.equal(csrf?.secure, true, 'CSRF_COOKIE_SECURE');
  });
});

test('03 SECURE_SSL_REDIRECT on a non-default port with Host $host: no loop, a port-less redirect that leaves the site', async (t) => {
  await withScenario(t, '03-ssl-redirect-loop:non-default-port', async (sc) => {
    const origin = originOf(sc);
    assert.match(origin, /^https:\/\/app\.test:\d+$/);
    const obs = await browse(sc);
    // Chromium may try the refused https://app.test/ twice on a loaded machine (seen in CI): one hop, not two.
    const hops = obs.redirectChain.filter((url, i, chain) => i === 0 || url !== chain[i - 1]);
    assert.deepEqual(hops, [sc.entryUrl, 'https://app.test/']);
    assert.ok(obs.responses.some((r) => r.url === sc.entryUrl && r.status === 301 && r.location === 'https://app.test/'));
    assert.notEqual(obs.error, 'net::ERR_TOO_MANY_REDIRECTS');
    assert.equal(obs.error, 'net::ERR_CONNECTION_REFUSED', 'nothing listens on app.test:443 in this topology');
  });
});
