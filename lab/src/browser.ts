// The browser harness: Debian's Chromium driven by playwright-core, headless, a fresh profile and HOME, the lab
// CA trusted through an NSS database in that HOME (so no certificate error hides anything), and test names
// mapped with --host-resolver-rules. It records what a user's browser would show: console "Mixed Content"
// messages, CDP Audits MixedContentIssue, Network mixedContentType, the redirect chain, the final URL or the
// network error, cookies.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { systemBinaries } from './bins.js';
import { REQUEST_SAFETY_TIMEOUT_MS, registerCleanup, run } from './proc.js';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

export interface ObserveOptions {
  hostResolverRules: string;
  /** PEM of the CA to trust (the lab CA). */
  caFile?: string;
  ignoreHTTPSErrors?: boolean;
  timeoutMs?: number;
  /** Extra wait after load for asynchronous Audits issues (ms). */
  settleMs?: number;
  /** A JavaScript expression evaluated in the page after load; its JSON result lands in `evaluated`. */
  evaluate?: string;
}

export interface MixedContentIssue {
  resourceType: string;
  resolutionStatus: string;
  insecureURL: string;
  mainResourceURL: string;
}

export interface BrowserObservation {
  url: string;
  consoleMixedContent: string[];
  /** every console message (type: text), for debugging */
  console: string[];
  mixedContentIssues: MixedContentIssue[];
  requests: Array<{ url: string; resourceType?: string; mixedContentType?: string }>;
  /** Requests that failed at the network level (refused, blocked:mixed-content, TLS...). */
  failedRequests: Array<{ url: string; errorText: string; blockedReason?: string }>;
  /** Responses: URL -> status. */
  responses: Array<{ url: string; status: number; location?: string }>;
  evaluated?: unknown;
  /** URLs of the main-frame document requests in order (the first is the URL opened). */
  redirectChain: string[];
  finalUrl?: string;
  /** e.g. 'net::ERR_TOO_MANY_REDIRECTS' */
  error?: string;
  errorMessage?: string;
  cookies: Array<{ name: string; secure: boolean; sameSite: string; domain: string; path: string; httpOnly: boolean }>;
  html: string;
  status?: number;
  /** The lab CA was trusted through NSS (false: certificate errors were ignored instead). */
  caTrusted: boolean;
  /** How many loads it took (a load disturbed by net::ERR_NETWORK_CHANGED is repeated). */
  attempts?: number;
}

export interface FormSubmission {
  /** The form's action as the browser resolved it. */
  action: string;
  /** The URL the tab shows after submitting (may be Chromium's interstitial). */
  urlAfter: string;
  /** Chromium's insecure-form warning interstitial was shown instead of submitting. */
  interstitial: boolean;
  /** The main-frame requests made after submit. */
  requestsAfter: string[];
  error?: string;
  textAfter: string;
}

interface Launched {
  browser: Browser;
  home: string;
  trustedCa: boolean;
}

/** Chromium instances keyed by (rules, CA), reused across observations in one process. */
const browsers = new Map<string, Promise<Launched>>();

function trustCa(home: string, caFile: string): boolean {
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  const certutil = existsSync('/usr/bin/certutil') ? '/usr/bin/certutil' : 'certutil';
  const a = run([certutil, '-N', '-d', `sql:${db}`, '--empty-password'], { allowFail: true });
  if (a.code !== 0) return false;
  const b = run([certutil, '-A', '-d', `sql:${db}`, '-n', 'proxyproof-lab-ca', '-t', 'C,,', '-i', caFile], { allowFail: true });
  return b.code === 0;
}

async function launch(opts: ObserveOptions): Promise<Launched> {
  const key = `${opts.hostResolverRules}\n${opts.caFile ?? ''}`;
  let p = browsers.get(key);
  if (!p) {
    p = (async () => {
      const home = mkdtempSync(join(tmpdir(), 'pplab-chromium-'));
      const trustedCa = opts.caFile ? trustCa(home, opts.caFile) : false;
      const browser = await chromium.launch({
        executablePath: systemBinaries().chromium,
        headless: true,
        args: [...CHROMIUM_ARGS, `--host-resolver-rules=${opts.hostResolverRules}`],
        env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache') },
        timeout: 60000,
      });
      const unregister = registerCleanup(() => {
        rmSync(home, { recursive: true, force: true });
      });
      browser.on('disconnected', () => {
        rmSync(home, { recursive: true, force: true });
        unregister();
      });
      return { browser, home, trustedCa };
    })();
    browsers.set(key, p);
    p.catch(() => browsers.delete(key));
  }
  return p;
}

/** Closes every Chromium this process started (call from a test file's after()). */
export async function closeBrowsers(): Promise<void> {
  const all = [...browsers.values()];
  browsers.clear();
  for (const p of all) {
    try {
      await (await p).browser.close();
    } catch {
      // already gone
    }
  }
}

async function newContext(opts: ObserveOptions): Promise<{ context: BrowserContext; page: Page; trusted: boolean }> {
  const l = await launch(opts);
  const context = await l.browser.newContext({ ignoreHTTPSErrors: opts.ignoreHTTPSErrors ?? !l.trustedCa });
  const page = await context.newPage();
  return { context, page, trusted: l.trustedCa && !opts.ignoreHTTPSErrors };
}

interface Recorder {
  obs: BrowserObservation;
  detach(): void;
}

async function record(page: Page, context: BrowserContext, url: string, caTrusted: boolean): Promise<Recorder> {
  const obs: BrowserObservation = {
    url,
    consoleMixedContent: [],
    console: [],
    mixedContentIssues: [],
    requests: [],
    failedRequests: [],
    responses: [],
    redirectChain: [],
    cookies: [],
    html: '',
    caTrusted,
  };
  page.on('console', (m) => {
    const t = m.text();
    obs.console.push(`${m.type()}: ${t}`);
    if (/Mixed Content/i.test(t)) obs.consoleMixedContent.push(t);
  });
  const cdp = await context.newCDPSession(page);
  cdp.on('Audits.issueAdded', (e) => {
    const d = e.issue.details.mixedContentIssueDetails;
    if (e.issue.code === 'MixedContentIssue' && d) {
      obs.mixedContentIssues.push({
        resourceType: d.resourceType ?? '',
        resolutionStatus: d.resolutionStatus,
        insecureURL: d.insecureURL,
        mainResourceURL: d.mainResourceURL,
      });
    }
  });
  const documentRequestsSeen = new Set<string>();
  cdp.on('Network.requestWillBeSent', (e) => {
    const mct = e.request.mixedContentType && e.request.mixedContentType !== 'none' ? e.request.mixedContentType : undefined;
    obs.requests.push({ url: e.request.url, resourceType: e.type, ...(mct ? { mixedContentType: mct } : {}) });
    // A hop of the chain is the navigation's first request or a redirect of it. Chromium may send the same
    // request again without a redirect (a retry after a refused connection, seen on a loaded machine): not a hop.
    const isHop = !documentRequestsSeen.has(e.requestId) || e.redirectResponse !== undefined;
    if (e.type === 'Document' && e.requestId === e.loaderId && isHop) obs.redirectChain.push(e.request.url);
    documentRequestsSeen.add(e.requestId);
  });
  const urls = new Map<string, string>();
  cdp.on('Network.requestWillBeSent', (e) => {
    urls.set(e.requestId, e.request.url);
    if (e.redirectResponse) {
      obs.responses.push({ url: e.redirectResponse.url, status: e.redirectResponse.status, location: e.request.url });
    }
  });
  cdp.on('Network.responseReceived', (e) => {
    obs.responses.push({ url: e.response.url, status: e.response.status });
  });
  cdp.on('Network.loadingFailed', (e) => {
    obs.failedRequests.push({
      url: urls.get(e.requestId) ?? '',
      errorText: e.errorText,
      ...(e.blockedReason ? { blockedReason: e.blockedReason } : {}),
    });
  });
  await cdp.send('Audits.enable');
  await cdp.send('Network.enable');
  return { obs, detach: () => void cdp.detach().catch(() => {}) };
}

function netError(e: unknown): { error?: string; message: string } {
  const message = (e as Error).message ?? String(e);
  const m = /net::ERR_[A-Z_0-9]+/.exec(message);
  return { error: m?.[0] ?? 'navigation-failed', message: message.split('\n')[0] ?? message };
}

/** Opens url in a fresh context and records what Chromium reports. */
export async function observe(url: string, opts: ObserveOptions): Promise<BrowserObservation> {
  // Creating or deleting another scenario's veth pair in this namespace makes Chromium abort loads with
  // net::ERR_NETWORK_CHANGED; that is the lab's own doing, not the site's, so such an attempt is retried.
  for (let attempt = 1; ; attempt++) {
    const obs = await observeOnce(url, opts);
    obs.attempts = attempt;
    const disturbed =
      obs.error === 'net::ERR_NETWORK_CHANGED' || obs.failedRequests.some((f) => f.errorText === 'net::ERR_NETWORK_CHANGED');
    if (!disturbed || attempt >= 4) return obs;
    await new Promise((r) => setTimeout(r, 250 * attempt));
  }
}

async function observeOnce(url: string, opts: ObserveOptions): Promise<BrowserObservation> {
  const { context, page, trusted } = await newContext(opts);
  try {
    const rec = await record(page, context, url, trusted);
    try {
      const resp = await page.goto(url, { waitUntil: 'load', timeout: opts.timeoutMs ?? REQUEST_SAFETY_TIMEOUT_MS });
      rec.obs.status = resp?.status();
      rec.obs.finalUrl = page.url();
      rec.obs.html = await page.content();
      if (opts.evaluate) rec.obs.evaluated = await page.evaluate(opts.evaluate);
    } catch (e) {
      const ne = netError(e);
      rec.obs.error = ne.error;
      rec.obs.errorMessage = ne.message;
    }
    await page.waitForTimeout(opts.settleMs ?? 300);
    rec.obs.cookies = (await context.cookies()).map((c) => ({
      name: c.name,
      secure: c.secure,
      sameSite: c.sameSite,
      domain: c.domain,
      path: c.path,
      httpOnly: c.httpOnly,
    }));
    rec.detach();
    return rec.obs;
  } finally {
    await context.close().catch(() => {});
  }
}

/** Opens url, submits its first form (as a click on its submit button would) and reports what happened. */
export async function submitFirstForm(
  url: string,
  opts: ObserveOptions & { fill?: Record<string, string> },
): Promise<{ page: BrowserObservation; submit: FormSubmission }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await submitOnce(url, opts);
      const disturbed =
        r.submit.error?.includes('ERR_NETWORK_CHANGED') ||
        r.page.failedRequests.some((f) => f.errorText === 'net::ERR_NETWORK_CHANGED');
      if (!disturbed || attempt >= 4) return r;
    } catch (e) {
      if (!String((e as Error).message).includes('ERR_NETWORK_CHANGED') || attempt >= 4) throw e;
    }
    await new Promise((r) => setTimeout(r, 250 * attempt));
  }
}

async function submitOnce(
  url: string,
  opts: ObserveOptions & { fill?: Record<string, string> },
): Promise<{ page: BrowserObservation; submit: FormSubmission }> {
  const { context, page, trusted } = await newContext(opts);
  try {
    const rec = await record(page, context, url, trusted);
    const pageObs = rec.obs;
    const resp = await page.goto(url, { waitUntil: 'load', timeout: opts.timeoutMs ?? REQUEST_SAFETY_TIMEOUT_MS });
    pageObs.status = resp?.status();
    pageObs.finalUrl = page.url();
    pageObs.html = await page.content();
    const action = await page.evaluate((fill) => {
      const f = document.forms[0];
      if (!f) return '';
      for (const [name, value] of Object.entries(fill)) {
        const el = f.elements.namedItem(name);
        if (el && 'value' in el) (el as unknown as HTMLInputElement).value = value;
      }
      return f.action;
    }, opts.fill ?? {});
    if (!action) throw new Error(`no form on ${page.url()}`);
    const before = pageObs.redirectChain.length;
    const sub: FormSubmission = { action, urlAfter: '', interstitial: false, requestsAfter: [], textAfter: '' };
    try {
      await Promise.all([
        page.waitForEvent('load', { timeout: opts.timeoutMs ?? 20000 }),
        page.evaluate(() => {
          const f = document.forms[0]!;
          if (f.requestSubmit) f.requestSubmit();
          else f.submit();
        }),
      ]);
    } catch (e) {
      sub.error = netError(e).message;
    }
    await page.waitForTimeout(opts.settleMs ?? 300);
    sub.urlAfter = page.url();
    sub.requestsAfter = pageObs.redirectChain.slice(before);
    // biome-ignore lint/performance/useDomNodeTextContent: the visible text of the interstitial is what a user reads
    sub.textAfter = (await page.evaluate(() => document.body?.innerText ?? '').catch(() => '')).slice(0, 2000);
    // Chromium's insecure-form interstitial ("The information that you're about to submit is not secure")
    sub.interstitial = /not secure|isn.t secure|Send anyway/i.test(sub.textAfter) && !sub.requestsAfter.some((u) => u === action);
    rec.detach();
    return { page: pageObs, submit: sub };
  } finally {
    await context.close().catch(() => {});
  }
}
