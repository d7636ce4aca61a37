// Scenario 2: nginx sends X-Forwarded-Proto $scheme to gunicorn on 127.0.0.1; Django has no SECURE_PROXY_SSL_HEADER.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers, submitFirstForm } from '../src/browser.js';
import { curlVia } from '../src/http.js';
import { assertClean, assertMixedContentBroken, browse, originOf, whoamiViaProxy, withScenario } from './helpers.js';

after(closeBrowsers);

test('02 X-Forwarded-Proto $scheme, gunicorn on 127.0.0.1: clean WITHOUT SECURE_PROXY_SSL_HEADER (gunicorn trusts 127.0.0.1 by default)', async (t) => {
  await withScenario(t, '02-nginx-gunicorn-xfp', async (sc) => {
    const origin = originOf(sc);
    assertClean(await browse(sc), origin);
    // the rendered deployment really has no SECURE_PROXY_SSL_HEADER anywhere and no forwarded_allow_ips
    const { readFileSync } = await import('node:fs');
    assert.doesNotMatch(readFileSync(`${sc.dir}/app/labsite/settings.py`, 'utf8'), /^SECURE_PROXY_SSL_HEADER/m);
    assert.doesNotMatch(readFileSync(`${sc.dir}/gunicorn.service`, 'utf8'), /forwarded.allow.ips/);
    // gunicorn, not Django, turned the header into the scheme: wsgi.url_scheme is https
    const seen = await whoamiViaProxy(sc);
    assert.equal(seen.wsgi_url_scheme, 'https');
    assert.equal(seen.x_forwarded_proto, 'https');
    assert.equal(seen.remote_addr, '127.0.0.1');
    // the form posts over https without a warning
    const r = await submitFirstForm(sc.entryUrl, { hostResolverRules: sc.hostResolverRules, caFile: sc.caFile });
    assert.equal(r.submit.interstitial, false);
    assert.equal(r.submit.urlAfter, `${origin}/submit/`);
    assert.match(r.submit.textAfter, /received: hello/);
    // the flip side of the loopback default: any local process can claim https straight to gunicorn
    const direct = await curlVia(sc, `http://${sc.backend.address}:${sc.backend.port}/whoami`, {
      headers: { Host: 'app.test', 'X-Forwarded-Proto': 'https' },
      resolve: false,
    });
    assert.equal(direct.status, 200, direct.error ?? direct.body);
    assert.equal(JSON.parse(direct.body).is_secure, true);
  });
});

test("02 same deployment, gunicorn --forwarded-allow-ips=<another address>: broken again (the fix was gunicorn's loopback default)", async (t) => {
  await withScenario(t, '02-nginx-gunicorn-xfp:gunicorn-distrusts-loopback', async (sc) => {
    assertMixedContentBroken(await browse(sc), originOf(sc));
    const seen = await whoamiViaProxy(sc);
    // gunicorn passes the untrusted header through untouched, it only does not act on it
    assert.equal(seen.x_forwarded_proto, 'https');
    assert.equal(seen.wsgi_url_scheme, 'http');
  });
});
