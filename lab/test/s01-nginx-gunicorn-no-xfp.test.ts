// Scenario 1: nginx (TLS) -> gunicorn 127.0.0.1 -> Django, no X-Forwarded-Proto.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers, submitFirstForm } from '../src/browser.js';
import { assertMixedContentBroken, browse, originOf, whoamiViaProxy, withScenario } from './helpers.js';

after(closeBrowsers);

test('01 nginx without X-Forwarded-Proto: stylesheet blocked as mixed content, image upgraded, form warning, build_absolute_uri http', async (t) => {
  await withScenario(t, '01-nginx-gunicorn-no-xfp', async (sc) => {
    const origin = originOf(sc);
    assert.match(origin, /^https:\/\/app\.test:\d+$/);
    const obs = await browse(sc);
    assertMixedContentBroken(obs, origin);
    assert.ok(obs.caTrusted, 'the lab CA is trusted (no certificate error involved)');
    // the csrftoken cookie is set without Secure (CSRF_COOKIE_SECURE off, and Django believes http anyway)
    const csrf = obs.cookies.find((c) => c.name === 'csrftoken');
    assert.ok(csrf);
    assert.equal(csrf.secure, false);
    // what the app sees: plain http from 127.0.0.1, the port kept ($http_host)
    const seen = await whoamiViaProxy(sc);
    assert.equal(seen.scheme, 'http');
    assert.equal(seen.wsgi_url_scheme, 'http');
    assert.equal(seen.remote_addr, '127.0.0.1');
    assert.equal(seen.x_forwarded_proto, null);
    assert.equal(seen.build_absolute_uri, `${origin.replace('https:', 'http:')}/whoami`);
    // Django's login_required redirect is relative, so it stays on https even here
    const priv = await browse(sc, '/private/');
    assert.equal(priv.finalUrl, `${origin}/login/?next=/private/`);
  });
});

test("01 nginx without X-Forwarded-Proto: submitting the http:// form action shows Chromium's insecure-form interstitial", async (t) => {
  await withScenario(t, '01-nginx-gunicorn-no-xfp', async (sc) => {
    const origin = originOf(sc);
    const r = await submitFirstForm(sc.entryUrl, { hostResolverRules: sc.hostResolverRules, caFile: sc.caFile });
    assert.equal(r.submit.action, `${origin.replace('https:', 'http:')}/submit/`);
    assert.equal(r.submit.interstitial, true, r.submit.textAfter);
    assert.match(r.submit.textAfter, /about to submit is not secure/);
    assert.deepEqual(r.submit.requestsAfter, [], 'nothing was sent');
  });
});
