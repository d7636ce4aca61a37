// Scenario 13: uvicorn (Django ASGI) behind nginx on another host — same family as scenario 5.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { curlVia } from '../src/http.js';
import { assertClean, assertMixedContentBroken, browse, originOf, whoamiViaProxy, withScenario } from './helpers.js';

after(closeBrowsers);

test('13 uvicorn on the app host, nginx on the proxy host: --forwarded-allow-ips defaults to 127.0.0.1, broken', async (t) => {
  await withScenario(t, '13-cross-host-uvicorn', async (sc) => {
    assertMixedContentBroken(await browse(sc), originOf(sc));
    const seen = await whoamiViaProxy(sc);
    assert.equal(seen.remote_addr, sc.vars.PROXY_INNER_ADDR);
    assert.equal(seen.x_forwarded_proto, 'https');
    assert.equal(seen.scheme, 'http');
  });
});

test('13 uvicorn --forwarded-allow-ips=<proxy address>: clean (and REMOTE_ADDR becomes the client)', async (t) => {
  await withScenario(t, '13-cross-host-uvicorn:allow-ips', async (sc) => {
    assertClean(await browse(sc), originOf(sc));
    const seen = await whoamiViaProxy(sc);
    assert.equal(seen.remote_addr, sc.vars.CLIENT_ADDR, 'uvicorn also applies X-Forwarded-For from a trusted proxy');
  });
});

test('13 FORWARDED_ALLOW_IPS=<proxy address> in the unit environment: clean', async (t) => {
  await withScenario(t, '13-cross-host-uvicorn:env-allow-ips', async (sc) => {
    assertClean(await browse(sc), originOf(sc));
  });
});

test('13 nginx and uvicorn on one host: clean by default (uvicorn trusts 127.0.0.1)', async (t) => {
  await withScenario(t, '13-cross-host-uvicorn:same-host', async (sc) => {
    assertClean(await browse(sc), originOf(sc));
  });
});

test('13 daphne without --proxy-headers on the app host: X-Forwarded-Proto ignored, broken', async (t) => {
  await withScenario(t, '13-cross-host-uvicorn:daphne', async (sc) => {
    assertMixedContentBroken(await browse(sc), originOf(sc));
  });
});

test('13 daphne --proxy-headers: clean, and it believes the header from any peer (no allow-list)', async (t) => {
  await withScenario(t, '13-cross-host-uvicorn:daphne-proxy-headers', async (sc) => {
    assertClean(await browse(sc), originOf(sc));
    // a process on the app host itself (not the proxy) claims https over plain HTTP: believed
    const r = await curlVia(sc, `http://${sc.backend.address}:${sc.backend.port}/whoami`, {
      from: 'app',
      headers: { Host: 'app.test', 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '192.0.2.99' },
      resolve: false,
    });
    assert.ok(r.ok, r.error);
    const seen = JSON.parse(r.body);
    assert.equal(seen.is_secure, true);
    assert.equal(seen.remote_addr, '192.0.2.99', 'and takes the client address from X-Forwarded-For');
  });
});
