// Scenario 7: `proxy_set_header Host $host` behind a non-443 port.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowsers } from '../src/browser.js';
import { curlVia } from '../src/http.js';
import type { RunningScenario } from '../src/types.js';
import { assertClean, browse, originOf, STYLED, seenFromHtml, withScenario } from './helpers.js';

after(closeBrowsers);

/** Logs in with curl (GET the form for the CSRF token, POST it back) and returns the redirect. */
async function login(sc: RunningScenario) {
  const origin = originOf(sc);
  const page = await curlVia(sc, `${origin}/login/?next=/private/`);
  assert.equal(page.status, 200, page.body);
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.body)?.[1];
  const cookie = page.setCookies.find((c) => c.startsWith('csrftoken='))?.split(';')[0];
  assert.ok(token && cookie, 'CSRF token and cookie');
  return curlVia(sc, `${origin}/login/`, {
    method: 'POST',
    data: `csrfmiddlewaretoken=${encodeURIComponent(token)}&username=lab&password=lab-password&next=%2Fprivate%2F`,
    headers: { Cookie: cookie, Referer: `${origin}/login/`, 'Content-Type': 'application/x-www-form-urlencoded' },
  });
}

test('07 Host $host on a non-443 port: https kept, but absolute URLs lose the port and HTTPS POSTs fail the CSRF Referer check', async (t) => {
  await withScenario(t, '07-host-drops-port', async (sc) => {
    const origin = originOf(sc);
    assert.match(origin, /:\d+$/);
    const obs = await browse(sc);
    assert.equal(obs.error, undefined);
    assert.deepEqual(obs.mixedContentIssues, [], 'not a mixed-content problem: the scheme is right');
    const seen = seenFromHtml(obs.html);
    assert.equal(seen.is_secure, true);
    assert.equal(seen.build_absolute_uri, 'https://app.test/', 'the port is gone');
    assert.equal(seen.get_host, 'app.test');
    assert.ok(
      obs.failedRequests.some(
        (f) => f.url === 'https://app.test/static/site.css' && f.errorText === 'net::ERR_CONNECTION_REFUSED',
      ),
    );
    assert.notEqual(obs.evaluated, STYLED);
    // the form actions point at port 443 too
    assert.ok(obs.html.includes('action="https://app.test/submit/"'));
    // and every HTTPS POST fails Django's CSRF Referer check: the Referer has the port, Host does not
    const r = await login(sc);
    assert.equal(r.status, 403, r.body);
    assert.match(r.body, /CSRF verification failed/);
    // Django logs the reason (DEBUG is off, so the page does not show it)
    const want = `Referer checking failed - ${origin}/login/ does not match any trusted origins`;
    const app = sc.processes.find((p) => p.name === 'app')!;
    // the log line is the condition; 600 polls end a run where it never comes
    for (let i = 0; i < 600 && !app.logs().includes(want); i++) await new Promise((res) => setTimeout(res, 50));
    assert.ok(app.logs().includes(want), app.logs().slice(-2000));
  });
});

test('07 Host $http_host: URLs keep the port; the login POST passes CSRF and redirects to the same origin', async (t) => {
  await withScenario(t, '07-host-drops-port:fixed', async (sc) => {
    const origin = originOf(sc);
    assertClean(await browse(sc), origin);
    const r = await login(sc);
    assert.equal(r.status, 302, r.body);
    assert.equal(r.headers.location, `${origin}/private/`);
  });
});
