/**
 * proxyproof scan against the lab's real deployments (nginx + gunicorn + Django, started by lab/src), compared
 * with what the lab's own browser harness (lab/src/browser.ts `observe`) recorded for the same page:
 * the static crawler and the browser engine must report the same insecure URLs with the same classification,
 * and the attribution must say "backend-generated" for the proxy scenarios.
 */
import assert from 'node:assert/strict';
import { after, type TestContext, test } from 'node:test';
import { closeBrowsers, LabSkip, observe, type RunningScenario, startScenario } from '../../../../lab/src/index.js';
import { classifyIssue } from '../../src/collectors/browser/browser.js';
import { runScan, type ScanOptions } from '../../src/scan/engine.js';
import { MIXED_CONTENT } from '../../src/scan/types.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';

after(closeBrowsers);

async function withLab(t: TestContext, id: string, fn: (sc: RunningScenario) => Promise<void>) {
  let sc: RunningScenario;
  try {
    sc = await startScenario(id);
  } catch (e) {
    if (e instanceof LabSkip) return void t.skip(e.message);
    throw e;
  }
  try {
    await fn(sc);
  } catch (e) {
    (e as Error).message += `\n--- lab logs (${sc.id}) ---\n${sc.logs()}`;
    throw e;
  } finally {
    await sc.stop();
  }
}

function scanOpts(sc: RunningScenario, engine: 'static' | 'browser'): ScanOptions {
  return {
    entry: sc.entryUrl,
    engine,
    http: { resolve: sc.resolve, caCert: sc.caFile, requestTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS },
    crawl: { maxPages: 5, depth: 1, concurrency: 2 },
    // Safety nets, never the assertion (test/real-program.ts): at load ~60 lab 01's test took 124 s.
    totalTimeoutMs: 4 * REQUEST_SAFETY_TIMEOUT_MS,
    browser: { settleMs: 500, pageTimeoutMs: REQUEST_SAFETY_TIMEOUT_MS },
    thirdPartyCheck: false,
  };
}

/** `url classification` pairs of Chromium mixed content for the entry page. */
const pairs = (refs: Array<{ url: string; classification: string }>) =>
  [
    ...new Set(
      refs
        .filter((r) => (MIXED_CONTENT as readonly string[]).includes(r.classification))
        .map((r) => `${r.classification} ${r.url}`),
    ),
  ].sort();

async function harness(sc: RunningScenario) {
  const obs = await observe(sc.entryUrl, { hostResolverRules: sc.hostResolverRules, caFile: sc.caFile, settleMs: 500 });
  const recorded = obs.mixedContentIssues.map((i) => ({
    url: i.insecureURL,
    classification: classifyIssue(i.resolutionStatus, i.resourceType, i.insecureURL) ?? '?',
  }));
  return { obs, recorded: pairs(recorded) };
}

test('lab 01 (nginx without X-Forwarded-Proto): both engines report what the lab browser recorded, backend-generated', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async (t) => {
  await withLab(t, '01-nginx-gunicorn-no-xfp', async (sc) => {
    const { recorded } = await harness(sc);
    assert.ok(recorded.length >= 3, `the lab recorded mixed content: ${recorded.join(', ')}`);
    const st = await runScan(scanOpts(sc, 'static'));
    const br = await runScan(scanOpts(sc, 'browser'));
    const entry = (f: typeof st.facts) => f.pages.find((p) => p.url === sc.entryUrl)!;
    assert.deepEqual(pairs(entry(st.facts).insecure), recorded, 'static crawler = lab browser');
    // Same trust for both engines (the lab CA as --ca-cert): Chromium verified the certificate and loaded the page.
    assert.equal(entry(br.facts).browser?.error, undefined, entry(br.facts).browser?.error?.detail);
    assert.equal(entry(br.facts).browser?.status, 200);
    assert.deepEqual(pairs(entry(br.facts).observed!), recorded, 'browser engine = lab browser');
    const mixed = st.report.findings.filter(
      (f) => f.data?.classification && (MIXED_CONTENT as readonly string[]).includes(String(f.data.classification)),
    );
    assert.ok(mixed.length >= 3);
    for (const f of mixed) assert.equal(f.data?.cause, 'backend-generated', f.message);
    for (const f of br.report.findings.filter((x) => x.data?.classification))
      assert.equal(f.data?.cause, 'backend-generated', f.message);
    assert.ok(st.report.findings.some((f) => f.id === 'scan/cookie-not-secure' && f.data?.cookie === 'csrftoken'));
  });
});

test('lab 02 (nginx with X-Forwarded-Proto): clean for the lab browser and for both engines', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async (t) => {
  await withLab(t, '02-nginx-gunicorn-xfp', async (sc) => {
    const { recorded, obs } = await harness(sc);
    assert.equal(obs.error, undefined);
    assert.deepEqual(recorded, []);
    const st = await runScan(scanOpts(sc, 'static'));
    const br = await runScan(scanOpts(sc, 'browser'));
    assert.deepEqual(pairs(st.facts.pages.flatMap((p) => p.insecure)), []);
    assert.deepEqual(pairs(br.facts.pages.flatMap((p) => p.observed ?? [])), []);
    for (const r of [st, br])
      assert.ok(
        !r.report.findings.some((f) => f.data?.classification || f.id.startsWith('scan/redirect')),
        JSON.stringify(r.report.findings.map((f) => f.id)),
      );
  });
});

test('lab 03 (SECURE_SSL_REDIRECT, no X-Forwarded-Proto): the lab browser gets ERR_TOO_MANY_REDIRECTS, the scan a redirect-loop with its chain', {
  timeout: 10 * REQUEST_SAFETY_TIMEOUT_MS,
}, async (t) => {
  await withLab(t, '03-ssl-redirect-loop', async (sc) => {
    const { obs } = await harness(sc);
    assert.equal(obs.error, 'net::ERR_TOO_MANY_REDIRECTS');
    for (const engine of ['static', 'browser'] as const) {
      const { report } = await runScan(scanOpts(sc, engine));
      const loop = report.findings.find((f) => f.id === 'scan/redirect-loop');
      assert.ok(loop, `${engine}: ${report.findings.map((f) => f.id).join(', ')}`);
      assert.match(loop.message, /-> 301 https:\/\/app\.test\//);
      assert.match(loop.message, /believes the request is plain http/);
    }
  });
});
