// Scenario 44: HAProxy (TLS, 443, X-Forwarded-Proto https) -> nginx :8080 -> php-fpm (Debian's php8.2-fpm) ->
// Symfony HttpFoundation (Debian's php-symfony-http-foundation). nginx's HTTPS param is empty (TLS ended at the
// balancer) and Symfony trusts no proxy: http:// URLs. `:trusted-proxies` (Request::setTrustedProxies with
// loopback): clean. The doctor, run on the same rendered files, must say the same.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { assertDoctorAgrees } from './doctor-support.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, cookieSecure, observeEntry, whoamiViaProxy } from './proxies-support.js';

after(closeBrowsers);

const ID = '44-haproxy-nginx-phpfpm-symfony';

test('44 Symfony without trusted proxies behind HAProxy + nginx + php-fpm: http (mixed content)', async (t) => {
  await withScenario(t, ID, async (sc) => {
    assert.equal(sc.entryUrl, 'https://app.test/');
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.x_forwarded_proto, 'https', 'HAProxy sets it, nginx passes it on as HTTP_X_FORWARDED_PROTO');
    assert.equal(seen.https, null, 'nginx on plain HTTP: fastcgi_param HTTPS $https if_not_empty sends nothing');
    assert.equal(seen.remote_addr, '127.0.0.1', 'REMOTE_ADDR is the balancer (nginx $remote_addr)');
    assert.equal(cookieSecure(obs, 'labsession'), false);
    await assertDoctorAgrees(sc, { scheme: 'http', lostAt: 'Symfony' });
  });
});

test('44 trusted-proxies: Symfony believes X-Forwarded-Proto from loopback: https, no mixed content', async (t) => {
  await withScenario(t, `${ID}:trusted-proxies`, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.is_secure, true);
    assert.equal(cookieSecure(obs, 'labsession'), true);
    const forged = await whoamiViaProxy(sc, { 'X-Forwarded-Proto': 'http' });
    assert.equal(forged.scheme, 'https', 'HAProxy set-header replaces a client value');
    assert.equal(seen.build_absolute_uri, 'https://app.test/', "no port: HAProxy's 443 is the public port, not nginx's 8080");
    await assertDoctorAgrees(sc, { scheme: 'https' });
  });
});
