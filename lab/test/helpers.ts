// Shared by the lab's scenario tests: start a scenario (skip with the reason when this machine cannot run
// it), run the assertions, print every process's logs when they fail, always tear down.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { type BrowserObservation, type ObserveOptions, observe } from '../src/browser.js';
import { curlVia } from '../src/http.js';
import { LabSkip, startScenario } from '../src/runner.js';
import type { RunningScenario } from '../src/types.js';

export async function withScenario(t: TestContext, id: string, fn: (sc: RunningScenario) => Promise<void>): Promise<void> {
  let sc: RunningScenario;
  try {
    sc = await startScenario(id);
  } catch (e) {
    if (e instanceof LabSkip) {
      t.skip(e.message);
      return;
    }
    throw e;
  }
  let failed = false;
  try {
    await fn(sc);
  } catch (e) {
    failed = true;
    const err = e as Error;
    err.message = `${err.message}\n\n===== logs of ${sc.id} (rendered files kept for inspection: ${sc.dir}) =====\n${sc.logs()}`;
    throw err;
  } finally {
    await sc.stop({ keepFiles: failed });
  }
}

/** The stylesheet turns the title this colour; any other colour means it did not load. */
export const STYLED = 'rgb(0, 128, 0)';
export const TITLE_COLOUR = "getComputedStyle(document.querySelector('h1')).color";

/**
 * Chromium opens a path of the scenario's site (default: the entry URL). For the entry URL the observation is
 * also checked against the scenario's declared `expected` (appScheme, mixedContent, redirectLoop), so the
 * metadata that `lab list` prints and other tools read as ground truth cannot drift from what happens.
 */
export async function browse(
  sc: RunningScenario,
  path?: string,
  extra: Partial<ObserveOptions> = {},
): Promise<BrowserObservation> {
  const url = path ? new URL(path, sc.entryUrl).href : sc.entryUrl;
  const obs = await observe(url, {
    hostResolverRules: sc.hostResolverRules,
    caFile: sc.caFile,
    evaluate: TITLE_COLOUR,
    ...extra,
  });
  if (url === sc.entryUrl) assertMatchesExpected(sc, obs);
  return obs;
}

export function assertMatchesExpected(sc: RunningScenario, obs: BrowserObservation): void {
  const e = sc.expected;
  const where = `${sc.id} expected.`;
  if (e.redirectLoop !== undefined)
    assert.equal(obs.error === 'net::ERR_TOO_MANY_REDIRECTS', e.redirectLoop, `${where}redirectLoop`);
  if (e.mixedContent !== undefined) assert.equal(obs.mixedContentIssues.length > 0, e.mixedContent, `${where}mixedContent`);
  if (e.appScheme !== undefined && obs.html.includes('id="seen"')) {
    assert.equal(seenFromHtml(obs.html).scheme, e.appScheme, `${where}appScheme`);
  }
}

/** What the Django app saw for the page (the JSON block every lab page embeds). */
export function seenFromHtml(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="seen">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error(`page has no #seen block:\n${html.slice(0, 500)}`);
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

/** /whoami through the proxy, as curl on this machine sees it. */
export async function whoamiViaProxy(
  sc: RunningScenario,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const r = await curlVia(sc, new URL('/whoami', sc.entryUrl).href, { headers });
  assert.ok(r.ok, `curl ${sc.entryUrl}whoami failed: ${r.error}`);
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as Record<string, unknown>;
}

/** The mixed-content symptom of an app that believes http, on the lab's index page. */
export function assertMixedContentBroken(obs: BrowserObservation, origin: string): void {
  const httpOrigin = origin.replace(/^https:/, 'http:');
  assert.equal(obs.error, undefined, `navigation failed: ${obs.errorMessage}`);
  const issue = (type: string, status: string, path: string) =>
    obs.mixedContentIssues.find(
      (i) => i.resourceType === type && i.resolutionStatus === status && i.insecureURL === `${httpOrigin}${path}`,
    );
  assert.ok(
    issue('Stylesheet', 'MixedContentBlocked', '/static/site.css'),
    `no blocked stylesheet issue: ${JSON.stringify(obs.mixedContentIssues)}`,
  );
  assert.ok(issue('Image', 'MixedContentAutomaticallyUpgraded', '/static/logo.png'), 'no auto-upgraded image issue');
  assert.ok(issue('Form', 'MixedContentWarning', '/submit/'), 'no form warning issue');
  assert.ok(
    obs.consoleMixedContent.some(
      (m) => m.includes(`insecure stylesheet '${httpOrigin}/static/site.css'`) && m.includes('blocked'),
    ),
    `no console Mixed Content message for the stylesheet: ${obs.consoleMixedContent.join('\n')}`,
  );
  assert.ok(
    obs.consoleMixedContent.some((m) => m.includes(`form that targets an insecure endpoint '${httpOrigin}/submit/'`)),
    'no console form warning',
  );
  assert.ok(
    obs.requests.some((r) => r.url === `${httpOrigin}/static/site.css` && r.mixedContentType === 'blockable'),
    'the stylesheet request is not marked blockable',
  );
  assert.ok(obs.failedRequests.some((f) => f.url === `${httpOrigin}/static/site.css` && f.blockedReason === 'mixed-content'));
  assert.notEqual(obs.evaluated, STYLED, 'the stylesheet must not have applied');
  const seen = seenFromHtml(obs.html);
  assert.equal(seen.is_secure, false);
  assert.ok(String(seen.build_absolute_uri).startsWith(`${httpOrigin}/`), `build_absolute_uri: ${seen.build_absolute_uri}`);
}

/** No mixed content at all and the app built https URLs with the right origin. */
export function assertClean(obs: BrowserObservation, origin: string): void {
  assert.equal(obs.error, undefined, `navigation failed: ${obs.errorMessage}`);
  assert.deepEqual(obs.mixedContentIssues, [], 'no MixedContentIssue expected');
  assert.deepEqual(obs.consoleMixedContent, []);
  assert.ok(
    obs.requests.every((r) => !r.mixedContentType),
    'no request with a mixedContentType',
  );
  assert.deepEqual(obs.failedRequests, [], `failed requests: ${JSON.stringify(obs.failedRequests)}`);
  assert.equal(obs.evaluated, STYLED, 'the stylesheet applied');
  const seen = seenFromHtml(obs.html);
  assert.equal(seen.is_secure, true);
  assert.ok(String(seen.build_absolute_uri).startsWith(`${origin}/`), `build_absolute_uri: ${seen.build_absolute_uri}`);
  assert.ok(obs.html.includes(`href="${origin}/static/site.css"`));
  assert.ok(obs.html.includes(`action="${origin}/submit/"`));
}

export function originOf(sc: RunningScenario): string {
  return new URL(sc.entryUrl).origin;
}
