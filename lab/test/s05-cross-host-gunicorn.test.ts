// Scenario 5: nginx on the proxy host, gunicorn on the app host (network namespaces).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { assertClean, assertMixedContentBroken, browse, originOf, whoamiViaProxy, withScenario } from './helpers.js';

after(closeBrowsers);

test('05 nginx on another host sends X-Forwarded-Proto, gunicorn ignores it (forwarded_allow_ips defaults to 127.0.0.1): broken', async (t) => {
  await withScenario(t, '05-cross-host-gunicorn', async (sc) => {
    assert.equal(sc.entryUrl, 'https://app.test/');
    assertMixedContentBroken(await browse(sc), originOf(sc));
    const seen = await whoamiViaProxy(sc);
    assert.equal(seen.remote_addr, sc.vars.PROXY_INNER_ADDR, 'the app sees the proxy host address');
    assert.notEqual(seen.remote_addr, '127.0.0.1');
    assert.equal(seen.x_forwarded_proto, 'https', 'the header arrived');
    assert.equal(seen.wsgi_url_scheme, 'http', 'but gunicorn did not act on it');
  });
});

test('05 fixed with gunicorn --forwarded-allow-ips=<proxy address>: clean', async (t) => {
  await withScenario(t, '05-cross-host-gunicorn:allow-ips', async (sc) => {
    assertClean(await browse(sc), originOf(sc));
    const seen = await whoamiViaProxy(sc);
    assert.equal(seen.wsgi_url_scheme, 'https');
    assert.equal(seen.remote_addr, sc.vars.PROXY_INNER_ADDR);
  });
});

test("05 fixed with Django SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https'): clean", async (t) => {
  await withScenario(t, '05-cross-host-gunicorn:proxy-ssl-header', async (sc) => {
    assertClean(await browse(sc), originOf(sc));
    const seen = await whoamiViaProxy(sc);
    assert.equal(seen.wsgi_url_scheme, 'http', 'gunicorn still says http');
    assert.equal(seen.is_secure, true, 'Django decides from the header itself');
  });
});
