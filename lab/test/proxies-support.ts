// Assertions shared by the proxy scenarios 8-12 (Caddy, HAProxy, Apache, nginx -> Express): what Chromium
// shows for the entry page, checked against the scenario's `expected`, and what the app itself reports.
import assert from 'node:assert/strict';
import { type BrowserObservation, observe } from '../src/browser.js';
import { curlVia, type HttpResult } from '../src/http.js';
import type { Expected, RunningScenario } from '../src/types.js';
import { seenFromHtml } from './helpers.js';

export async function observeEntry(sc: RunningScenario): Promise<BrowserObservation> {
  return observe(sc.entryUrl, { hostResolverRules: sc.hostResolverRules, caFile: sc.caFile });
}

/** The site's origin as the browser addressed it, e.g. https://app.test:40123 */
export function originOf(sc: RunningScenario): string {
  return new URL(sc.entryUrl).origin;
}

/** The same origin with http:// (what a misinformed app puts in its links). */
export function insecureOriginOf(sc: RunningScenario): string {
  const u = new URL(sc.entryUrl);
  return `http://${u.host}`;
}

function describe(obs: BrowserObservation): string {
  return JSON.stringify(
    {
      finalUrl: obs.finalUrl,
      error: obs.error,
      issues: obs.mixedContentIssues,
      console: obs.consoleMixedContent,
      requests: obs.requests,
    },
    null,
    1,
  );
}

/** After a fix and a restart: the entry page loads clean in Chromium (no mixed content, the app believes https). */
export async function assertFixedInBrowser(sc: RunningScenario): Promise<Record<string, unknown>> {
  return assertBrowserOutcome(sc, await observeEntry(sc), { summary: 'fixed', appScheme: 'https', mixedContent: false });
}

/**
 * Asserts the browser-observed outcome against `expected` (mixedContent, appScheme) and returns what the app
 * said it saw (the page's #seen block).
 */
export function assertBrowserOutcome(
  sc: RunningScenario,
  obs: BrowserObservation,
  expected: Expected = sc.expected,
): Record<string, unknown> {
  assert.equal(obs.error, undefined, `navigation failed: ${obs.error} ${obs.errorMessage ?? ''}`);
  assert.equal(obs.finalUrl, sc.entryUrl, `the page should load without redirects:\n${describe(obs)}`);
  assert.equal(obs.status, 200, `status of ${sc.entryUrl}`);
  const seen = seenFromHtml(obs.html);
  if (expected.appScheme) assert.equal(seen.scheme, expected.appScheme, `the app's request.scheme / req.protocol`);
  const insecure = insecureOriginOf(sc);
  if (expected.mixedContent === true) {
    const sheet = obs.mixedContentIssues.find((i) => i.resourceType === 'Stylesheet');
    assert.ok(sheet, `Chromium should report the stylesheet as mixed content:\n${describe(obs)}`);
    assert.equal(sheet.resolutionStatus, 'MixedContentBlocked');
    assert.ok(sheet.insecureURL.startsWith(`${insecure}/`), `blocked URL ${sheet.insecureURL} should be on ${insecure}`);
    assert.ok(
      obs.consoleMixedContent.some((m) => m.includes('requested an insecure stylesheet') && m.includes('blocked')),
      `console should say the stylesheet was blocked:\n${describe(obs)}`,
    );
    const blocked = obs.requests.find((r) => r.resourceType === 'Stylesheet' && r.url.startsWith(`${insecure}/`));
    assert.equal(blocked?.mixedContentType, 'blockable', `Network.requestWillBeSent mixedContentType:\n${describe(obs)}`);
    const form = obs.mixedContentIssues.find((i) => i.resourceType === 'Form');
    assert.ok(form, `Chromium should warn about the http:// form action:\n${describe(obs)}`);
    assert.equal(form.resolutionStatus, 'MixedContentWarning');
  } else if (expected.mixedContent === false) {
    assert.deepEqual(obs.mixedContentIssues, [], `no mixed content expected:\n${describe(obs)}`);
    assert.deepEqual(obs.consoleMixedContent, []);
    const origin = originOf(sc);
    const sheet = obs.requests.find((r) => r.resourceType === 'Stylesheet');
    assert.ok(sheet?.url.startsWith(`${origin}/`), `the stylesheet should load from ${origin}:\n${describe(obs)}`);
    assert.equal(sheet?.mixedContentType, undefined);
  }
  return seen;
}

/** GET a path through the proxy, as the browser would (the lab CA, the test names resolved to the entry). */
export function viaProxy(
  sc: RunningScenario,
  path: string,
  opts: { headers?: Record<string, string>; method?: string } = {},
): Promise<HttpResult> {
  return curlVia(sc, new URL(path, sc.entryUrl).href, opts);
}

/** JSON of the app's /whoami (same keys as #seen), fetched through the proxy. */
export async function whoamiViaProxy(sc: RunningScenario, headers?: Record<string, string>): Promise<Record<string, unknown>> {
  const r = await viaProxy(sc, '/whoami', { headers });
  assert.ok(r.ok, `GET /whoami through the proxy failed: ${r.error}`);
  assert.equal(r.status, 200, `GET /whoami through the proxy: ${r.status}\n${r.body.slice(0, 500)}`);
  return JSON.parse(r.body) as Record<string, unknown>;
}

/** The Secure flag of a cookie the browser stored. */
export function cookieSecure(obs: BrowserObservation, name: string): boolean {
  const c = obs.cookies.find((x) => x.name === name);
  assert.ok(c, `cookie ${name} should be set; got ${obs.cookies.map((x) => x.name).join(', ') || 'none'}`);
  return c.secure;
}
