// Scenario 45: Caddy (TLS, 443) -> nginx :8080 -> php-fpm (Debian's php8.2-fpm) -> Laravel 8.83 (Debian's
// php-laravel-framework) whose App\Http\Middleware\TrustProxies leaves $proxies unset (the skeleton's default):
// Laravel trusts nobody, asset()/url() build http:// URLs. `:trusted-proxies` ($proxies = ['127.0.0.1']): clean.
// The doctor, run on the same rendered files, must say the same.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { assertDoctorAgrees } from './doctor-support.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, cookieSecure, observeEntry, whoamiViaProxy } from './proxies-support.js';

after(closeBrowsers);

const ID = '45-caddy-nginx-phpfpm-laravel';

test('45 Laravel TrustProxies with $proxies unset behind Caddy + nginx + php-fpm: http (mixed content)', async (t) => {
  await withScenario(t, ID, async (sc) => {
    assert.equal(sc.entryUrl, 'https://app.test/');
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.x_forwarded_proto, 'https', 'Caddy sets it, nginx passes it on as HTTP_X_FORWARDED_PROTO');
    assert.equal(seen.https, null, 'nginx on plain HTTP: fastcgi_param HTTPS $https if_not_empty sends nothing');
    assert.deepEqual(seen.trusted_proxies, [], 'the middleware ran with no trusted proxy');
    assert.equal(seen.remote_addr, '127.0.0.1', "REMOTE_ADDR is Caddy's (nginx's $remote_addr): the client address is lost too");
    assert.equal(cookieSecure(obs, 'labsession'), false);
    await assertDoctorAgrees(sc, { scheme: 'http', lostAt: 'Laravel' });
  });
});

test('45 trusted-proxies: Laravel believes X-Forwarded-* from loopback: https, the client address, no mixed content', async (t) => {
  await withScenario(t, `${ID}:trusted-proxies`, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.is_secure, true);
    assert.deepEqual(seen.trusted_proxies, ['127.0.0.1']);
    assert.notEqual(seen.remote_addr, '127.0.0.1', "the client's address from Caddy's X-Forwarded-For");
    assert.equal(cookieSecure(obs, 'labsession'), true);
    assert.equal(seen.build_absolute_uri, 'https://app.test', "no port: Caddy's 443 is the public port, not nginx's 8080");
    const forged = await whoamiViaProxy(sc, { 'X-Forwarded-Proto': 'http' });
    assert.equal(forged.scheme, 'https', "Caddy replaces a client's X-Forwarded-Proto (no trusted_proxies in Caddy)");
    await assertDoctorAgrees(sc, { scheme: 'https' });
  });
});
