// Scenario 10: HAProxy (TLS) -> gunicorn -> Django. No X-Forwarded-Proto: broken; `http-request set-header
// X-Forwarded-Proto https if { ssl_fc }`: clean and a client's value is replaced; `add-header` instead: the
// browser sees a clean page, but a client's own X-Forwarded-Proto survives next to HAProxy's (gunicorn then
// refuses the request as contradictory).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { withScenario } from './helpers.js';
import { assertBrowserOutcome, insecureOriginOf, observeEntry, originOf, viaProxy, whoamiViaProxy } from './proxies-support.js';

after(closeBrowsers);

const ID = '10-haproxy-gunicorn-no-xfp';

test('10 HAProxy without X-Forwarded-Proto: Django sees http (mixed content)', async (t) => {
  await withScenario(t, ID, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.x_forwarded_proto, null, 'HAProxy sends no X-Forwarded-Proto');
    assert.equal(seen.x_forwarded_for, '127.0.0.1', '`option forwardfor` adds X-Forwarded-For');
    assert.equal(seen.build_absolute_uri, `${insecureOriginOf(sc)}/`);
    // The plain <img> is auto-upgraded, reported only through the Audits issue.
    const img = obs.mixedContentIssues.find((i) => i.resourceType === 'Image');
    assert.equal(img?.resolutionStatus, 'MixedContentAutomaticallyUpgraded');
  });
});

test('10 HAProxy with set-header X-Forwarded-Proto https if { ssl_fc }: clean, client value replaced', async (t) => {
  await withScenario(t, `${ID}:set-header`, async (sc) => {
    const obs = await observeEntry(sc);
    const seen = assertBrowserOutcome(sc, obs);
    assert.equal(seen.build_absolute_uri, `${originOf(sc)}/`);
    const forged = await whoamiViaProxy(sc, { 'X-Forwarded-Proto': 'http' });
    assert.equal(forged.x_forwarded_proto, 'https', 'set-header replaced the client value');
    assert.equal(forged.is_secure, true);
  });
});

test('10 HAProxy with add-header: clean for a browser, but a client value is appended, not replaced', async (t) => {
  await withScenario(t, `${ID}:add-header`, async (sc) => {
    const obs = await observeEntry(sc);
    assertBrowserOutcome(sc, obs);
    const forged = await viaProxy(sc, '/whoami', { headers: { 'X-Forwarded-Proto': 'http' } });
    assert.equal(
      forged.status,
      400,
      `gunicorn gets "http" and "https" and refuses: ${forged.status} ${forged.body.slice(0, 300)}`,
    );
    assert.match(forged.body, /Contradictory scheme headers/);
  });
});
