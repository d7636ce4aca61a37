// Scenario 43: Apache (TLS, 443, RequestHeader set X-Forwarded-Proto https) -> Tomcat 10 (Debian's tomcat10) HTTP
// connector on loopback. Without RemoteIpValve Tomcat ignores the header: http:// URLs, mixed content. With the
// valve `fix --write` adds: clean. The doctor, run on the same rendered files, must say the same.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import type { RunningScenario } from '../src/types.js';
import { assertDoctorAgrees } from './doctor-support.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, cookieSecure, observeEntry, viaProxy } from './proxies-support.js';

after(closeBrowsers);

const ID = '43-apache-tomcat-remoteipvalve';

/** What Tomcat saw for a request through Apache (whoami.jsp: the same keys as the page's #seen block). */
async function whoami(sc: RunningScenario, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const r = await viaProxy(sc, '/whoami.jsp', { headers });
  assert.equal(r.status, 200, r.body.slice(0, 300));
  return JSON.parse(r.body) as Record<string, unknown>;
}

test('43 Tomcat without RemoteIpValve: request.getScheme() = http (mixed content); doctor: lost at Tomcat', async (t) => {
  await withScenario(t, ID, async (sc) => {
    assert.equal(sc.entryUrl, 'https://app.test/');
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.x_forwarded_proto, 'https', 'Apache sends the header; Tomcat does not apply it');
    assert.equal(seen.is_secure, false);
    assert.equal(seen.server_port, 80, 'the Host header has no port: Tomcat takes http default 80');
    assert.equal(cookieSecure(obs, 'JSESSIONID'), false);
    await assertDoctorAgrees(sc, { scheme: 'http', lostAt: 'Tomcat' });
  });
});

test('43 fixed (RemoteIpValve): https, no mixed content, Secure JSESSIONID; a forged header is replaced; doctor: https', async (t) => {
  await withScenario(t, `${ID}:fixed`, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.is_secure, true);
    assert.equal(seen.server_port, 443, 'RemoteIpValve sets httpsServerPort (443)');
    assert.equal(cookieSecure(obs, 'JSESSIONID'), true);
    const forged = await whoami(sc, { 'X-Forwarded-Proto': 'http' });
    assert.equal(forged.scheme, 'https', 'RequestHeader set replaces a client value');
    await assertDoctorAgrees(sc, { scheme: 'https' });
  });
});
