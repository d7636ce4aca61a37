// Scenario 4: the nginx inheritance trap — a location with its own proxy_set_header inherits none.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { curlVia } from '../src/http.js';
import { assertClean, assertMixedContentBroken, browse, originOf, withScenario } from './helpers.js';

after(closeBrowsers);

test('04 X-Forwarded-Proto at server level, /reports/ sets its own proxy_set_header: broken only under /reports/', async (t) => {
  await withScenario(t, '04-nginx-location-inheritance', async (sc) => {
    const origin = originOf(sc);
    assertClean(await browse(sc, '/'), origin);
    const reports = await browse(sc, '/reports/');
    assertMixedContentBroken(reports, origin);
    // the headers the app received, per location
    const root = await curlVia(sc, `${origin}/whoami`);
    assert.equal(JSON.parse(root.body).x_forwarded_proto, 'https');
  });
});

test('04 the location repeats the forwarding headers: clean everywhere', async (t) => {
  await withScenario(t, '04-nginx-location-inheritance:fixed', async (sc) => {
    const origin = originOf(sc);
    assertClean(await browse(sc, '/'), origin);
    assertClean(await browse(sc, '/reports/'), origin);
  });
});
