// Scenario 12: nginx on the proxy host -> Express on the app host, whose port is also reachable from the
// outside host. trust proxy unset: http links; set to the proxy address: clean and not spoofable; true:
// clean but spoofable from the outside; @proxyproof/forwarded trusting the proxy address: clean, not spoofable.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { curlVia } from '../src/http.js';
import type { RunningScenario } from '../src/types.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, cookieSecure, insecureOriginOf, observeEntry, originOf, viaProxy } from './proxies-support.js';

after(closeBrowsers);

const ID = '12-nginx-express-trust-proxy';

/** A plain-HTTP request from the outside host straight to the app's exposed port, claiming https. */
async function spoofFromOutside(sc: RunningScenario): Promise<Record<string, unknown>> {
  assert.ok(sc.outside, 'the scenario has an outside host');
  const url = `http://${sc.vars.APP_OUTSIDE_ADDR}:${sc.backend.port}/whoami`;
  const r = await curlVia(sc, url, {
    from: 'outside',
    resolve: false,
    headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '192.0.2.99' },
  });
  assert.ok(r.ok, `the outside host should reach ${url}: ${r.error}`);
  assert.equal(r.status, 200);
  const seen = JSON.parse(r.body) as Record<string, unknown>;
  assert.equal(seen.peer_addr, sc.outside.address, 'the request came from the outside host');
  return seen;
}

async function checkSpoof(sc: RunningScenario): Promise<void> {
  const seen = await spoofFromOutside(sc);
  if (sc.expected.outsideSpoof === 'accepted') {
    assert.equal(seen.scheme, 'https', 'the forged X-Forwarded-Proto is believed');
    assert.equal(seen.is_secure, true);
    assert.equal(seen.remote_addr, '192.0.2.99', 'the forged client address is believed too');
  } else {
    assert.equal(sc.expected.outsideSpoof, 'ignored');
    assert.equal(seen.scheme, 'http', 'the forged X-Forwarded-Proto is ignored');
    assert.equal(seen.is_secure, false);
    assert.equal(seen.remote_addr, sc.outside?.address);
  }
}

test('12 nginx -> Express, trust proxy unset: req.protocol is http (mixed content, http redirect)', async (t) => {
  await withScenario(t, ID, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.x_forwarded_proto, 'https', 'nginx does send the header');
    assert.equal(seen.trust_proxy, false);
    assert.equal(cookieSecure(obs, 'labsession'), false);
    const login = await viaProxy(sc, '/login');
    assert.equal(login.status, 302);
    assert.equal(login.headers.location, `${insecureOriginOf(sc)}/account`);
    await checkSpoof(sc);
  });
});

test('12 nginx -> Express, trust proxy = proxy address: clean, spoof from outside ignored', async (t) => {
  await withScenario(t, `${ID}:trust-proxy-address`, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.trust_proxy, sc.vars.PROXY_INNER_ADDR);
    assert.equal(cookieSecure(obs, 'labsession'), true);
    const login = await viaProxy(sc, '/login');
    assert.equal(login.headers.location, `${originOf(sc)}/account`);
    await checkSpoof(sc);
  });
});

test('12 nginx -> Express, trust proxy = true with the port exposed: clean, but spoofable from outside', async (t) => {
  await withScenario(t, `${ID}:trust-proxy-true`, async (sc) => {
    const obs = await observeEntry(sc);
    assertBrowserOutcome(sc, obs);
    await checkSpoof(sc);
  });
});

test('12 nginx -> Express with @proxyproof/forwarded: clean, spoof from outside ignored', async (t) => {
  await withScenario(t, `${ID}:forwarded`, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.trust_proxy, false, "Express's own trust proxy stays off");
    assert.equal(seen.remote_addr, sc.vars.CLIENT_ADDR, 'the client address nginx reported, from the trusted hop');
    assert.equal(cookieSecure(obs, 'labsession'), true);
    const login = await viaProxy(sc, '/login');
    assert.equal(login.headers.location, `${originOf(sc)}/account`);
    await checkSpoof(sc);
    // The RFC 7239 header is read too (by default), and equally ignored from an untrusted peer.
    const r = await curlVia(sc, `http://${sc.vars.APP_OUTSIDE_ADDR}:${sc.backend.port}/whoami`, {
      from: 'outside',
      resolve: false,
      headers: { Forwarded: 'for=192.0.2.99;proto=https;host=app.test' },
    });
    assert.equal(r.status, 200, r.error);
    const viaForwarded = JSON.parse(r.body) as Record<string, unknown>;
    assert.equal(viaForwarded.scheme, 'http');
    assert.equal(viaForwarded.remote_addr, sc.vars.OUTSIDE_ADDR);
    assert.equal(viaForwarded.get_host, `${sc.vars.APP_OUTSIDE_ADDR}:${sc.backend.port}`);
  });
});
