// Scenario 42: nginx (TLS, 443) -> uWSGI (Debian's uwsgi + uwsgi-plugin-python3, uwsgi protocol) -> Django. The
// project includes its own copy of the uWSGI distribution's uwsgi_params, which has no HTTPS param: uWSGI sets
// wsgi.url_scheme = http, Django builds http:// URLs (mixed content). `:fixed` (the two uwsgi_param lines
// `fix --write` adds): clean. The doctor, run on the same rendered files, must say the same.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { assertDoctorAgrees } from './doctor-support.js';
import { assertClean, assertMixedContentBroken, browse, originOf, whoamiViaProxy, withScenario } from './helpers.js';

after(closeBrowsers);

const ID = '42-nginx-uwsgi-django';

test('42 uWSGI without an HTTPS param: Django sees http (mixed content); doctor: lost at nginx', async (t) => {
  await withScenario(t, ID, async (sc) => {
    assert.equal(sc.entryUrl, 'https://app.test/');
    const obs = await browse(sc);
    assertMixedContentBroken(obs, originOf(sc));
    assert.equal(obs.cookies.find((c) => c.name === 'csrftoken')?.secure, false);
    const seen = await whoamiViaProxy(sc);
    assert.equal(seen.is_secure, false);
    const forged = await whoamiViaProxy(sc, { 'X-Forwarded-Proto': 'https' });
    // uWSGI takes HTTP_X_FORWARDED_PROTO as the scheme from anyone (core/protocol.c), and nginx passes the
    // client's own header on as that variable: a client's claim is believed.
    assert.equal(forged.wsgi_url_scheme, 'https');
    assert.equal(forged.is_secure, true);
    await assertDoctorAgrees(sc, { scheme: 'http', lostAt: 'nginx' });
  });
});

test('42 fixed (uwsgi_param HTTPS / UWSGI_SCHEME / HTTP_X_FORWARDED_PROTO): Django sees https, no mixed content, a client cannot downgrade; doctor: https', async (t) => {
  await withScenario(t, `${ID}:fixed`, async (sc) => {
    const obs = await browse(sc);
    assertClean(obs, originOf(sc));
    assert.equal(obs.status, 200);
    assert.equal(obs.cookies.find((c) => c.name === 'csrftoken')?.secure, true, 'CSRF_COOKIE_SECURE');
    const forged = await whoamiViaProxy(sc, { 'X-Forwarded-Proto': 'http' });
    // Without the HTTP_X_FORWARDED_PROTO param the client's X-Forwarded-Proto arrives after nginx's UWSGI_SCHEME and
    // wins (uWSGI's core/protocol.c: the later variable sets the scheme). With it nginx leaves the client's header
    // out, so a client can no longer turn its own request into http.
    assert.equal(forged.wsgi_url_scheme, 'https');
    await assertDoctorAgrees(sc, { scheme: 'https' });
  });
});
