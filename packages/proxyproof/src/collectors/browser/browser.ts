/**
 * The browser engine: Debian's Chromium through playwright-core (never a downloaded browser). For each page it
 * records what Chromium itself reports: CDP Audits MixedContentIssue (resourceType, resolutionStatus,
 * insecureURL), Network.requestWillBeSent mixedContentType, and console "Mixed Content" messages, including
 * requests made by scripts (fetch/XHR/ws://) and those of cross-site iframes (their own CDP session).
 * One browser, a bounded pool of contexts. Trust is the scan's (scan/trust.ts): Chromium verifies certificates
 * for real against its own root store plus the NSS database of a fresh HOME (nssdb.ts); only --insecure turns
 * verification off. A page whose document Chromium could not load is returned as an error (load-error.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { accessSync, constants, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Browser, type BrowserContext, type CDPSession, chromium, type Frame, type Page } from 'playwright-core';
import { InputError } from '../../model/finding.js';
import { loadTrust, type Trust } from '../../scan/trust.js';
import type { Classification, RefKind, UrlRef } from '../../scan/types.js';
import type { ResolveEntry } from '../crawl/http.js';
import { describeLoadError, type PageLoadError } from './load-error.js';
import { type BrowserHome, findCertutil, makeBrowserHome } from './nssdb.js';

/** The longest a loaded page is watched for more activity (its requests and issues) before it is read. */
const QUIET_CAP_MS = 5_000;
/**
 * Bounds for the Playwright calls that have no timeout of their own (new context, page or CDP session, a CDP
 * command, closing a page or the browser): Chromium that stops answering (a wedged renderer, a browser no longer
 * reading its pipe) must not hold a scan, or a test, forever. Round 11's CI ran out its 90 minutes behind one.
 */
const CALL_BOUND_DEFAULT_MS = 30_000;
const CLOSE_BOUND_DEFAULT_MS = 10_000;

/** A bounded call that got no answer: the browser, or the context the call went to, is not to be trusted again. */
class NoAnswer extends Error {}

/** `p`, or a NoAnswer naming `what` once `ms` have passed (the timer never keeps the process alive). */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer(`${what}: no answer from the browser within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/**
 * The children of this process whose command line holds an argument `matches` accepts (Linux /proc; none elsewhere).
 * Playwright starts Chromium as a child of this process and the leader of its own process group.
 */
export function childPidsWithArg(matches: (arg: string) => boolean): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name in parentheses, which may itself hold spaces or ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0').some(matches)) pids.push(Number(n));
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return pids;
}

export interface BrowserOptions {
  /** Path of the Chromium binary; default: `chromium` (or chromium-browser, google-chrome) found on PATH. */
  executablePath?: string;
  resolve?: ResolveEntry[];
  /**
   * The scan's trust (scan/trust.ts): its anchors go into the NSS database of the browser's fresh HOME;
   * `insecure` (--insecure) is the only way to accept any certificate. Default: the system store and
   * NODE_EXTRA_CA_CERTS of this process.
   */
  trust?: Trust;
  /** Parallel browser contexts. */
  contexts?: number;
  pageTimeoutMs?: number;
  /** Time given to scripts after `load` (fetch/ws made at start-up). */
  settleMs?: number;
  /**
   * How long one Playwright call without a timeout of its own (new page, CDP command, closing) may take before
   * the browser counts as not answering; default 30 s (closing: 10 s).
   */
  callBoundMs?: number;
  screenshotDir?: string;
}

export interface Visit {
  observed: UrlRef[];
  /** HTTP status of the document Chromium loaded (after its own redirects). */
  status?: number;
  /** Where Chromium ended up. */
  finalUrl?: string;
  screenshot?: string;
  /** The page could not be loaded: Chromium saw nothing of it (observed is empty). */
  error?: PageLoadError;
}

export function findChromium(explicit?: string): string {
  const candidates = explicit ? [explicit] : ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
  for (const c of candidates) {
    const paths = c.includes('/')
      ? [c]
      : (process.env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, c));
    for (const p of paths) {
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        /* next */
      }
    }
  }
  throw new InputError(
    explicit
      ? `browser not found or not executable: ${explicit}`
      : "no Chromium on PATH (install Debian's `chromium`, or pass --browser-path); proxyproof never downloads a browser",
    explicit,
  );
}

/** `--host-resolver-rules` for Chromium from curl-style `--resolve` entries (Chromium maps names, not ports). */
export function hostResolverRules(resolve: ResolveEntry[]): string | undefined {
  if (!resolve.length) return undefined;
  const seen = new Set<string>();
  const rules: string[] = [];
  for (const r of resolve) {
    if (seen.has(r.host)) continue;
    seen.add(r.host);
    rules.push(`MAP ${r.host} ${r.address.includes(':') ? `[${r.address}]` : r.address}`);
  }
  return rules.join(', ');
}

const RESOURCE_KIND: Record<string, RefKind> = {
  Image: 'img',
  Script: 'script',
  Stylesheet: 'stylesheet',
  Frame: 'iframe',
  Form: 'form-action',
  Video: 'media',
  Audio: 'media',
  Track: 'track',
  PluginResource: 'object',
  Favicon: 'icon',
  Font: 'css-font',
  Manifest: 'manifest',
  Import: 'css-import',
};

export function classifyIssue(
  resolutionStatus: string,
  resourceType: string | undefined,
  url: string,
): Classification | undefined {
  if (resolutionStatus === 'MixedContentAutomaticallyUpgraded') return 'upgraded';
  if (resolutionStatus === 'MixedContentBlocked') return url.startsWith('ws:') ? 'websocket' : 'blocked';
  if (resolutionStatus === 'MixedContentWarning') return resourceType === 'Form' ? 'form' : 'warning';
  return undefined;
}

/** Parses Chromium's console "Mixed Content" line (fallback when no Audits issue arrived). */
export function classifyConsole(text: string): { url: string; classification: Classification } | undefined {
  if (!text.startsWith('Mixed Content:')) return undefined;
  const m = /(?:insecure [\w ]+?|endpoint) '([^']+)'/.exec(text);
  if (!m) return undefined;
  const url = m[1]!;
  if (/form that targets/.test(text)) return { url, classification: 'form' };
  if (/automatically upgraded/.test(text)) return { url, classification: 'upgraded' };
  if (/not upgraded to HTTPS because its URL's host is an IP address/.test(text)) return { url, classification: 'warning' };
  if (/has been blocked/.test(text)) return { url, classification: url.startsWith('ws:') ? 'websocket' : 'blocked' };
  return undefined;
}

interface MixedContentIssueDetails {
  resourceType?: string;
  resolutionStatus: string;
  insecureURL: string;
  mainResourceURL: string;
  request?: { requestId: string; url: string };
  frame?: { frameId: string };
}

export class BrowserEngine {
  private readonly free: BrowserContext[] = [];
  private readonly waiters: Array<{ resolve: (c: BrowserContext) => void; reject: (e: Error) => void }> = [];
  private created = 0;
  private readonly callBoundMs: number;
  private readonly closeBoundMs: number;

  private constructor(
    private readonly browser: Browser,
    private readonly opts: BrowserOptions,
    private readonly trust: Trust,
    private readonly home: BrowserHome | undefined,
    /** Why Chromium trusts less than the static engine (no certutil), for the report. */
    readonly trustWarning: string | undefined,
    /** An argument only this browser's command line holds: finds its process when it must be killed. */
    private readonly marker: string,
  ) {
    this.callBoundMs = opts.callBoundMs ?? CALL_BOUND_DEFAULT_MS;
    this.closeBoundMs = Math.min(this.callBoundMs, CLOSE_BOUND_DEFAULT_MS);
  }

  static async launch(opts: BrowserOptions = {}): Promise<BrowserEngine> {
    const executablePath = findChromium(opts.executablePath);
    const trust = opts.trust ?? loadTrust();
    // The marker is a switch Chromium does not know (and ignores): it names this browser's process for close().
    const marker = `--proxyproof-browser=${process.pid}-${randomUUID()}`;
    const args = ['--disable-dev-shm-usage', '--no-first-run', marker];
    const rules = hostResolverRules(opts.resolve ?? []);
    if (rules) args.push(`--host-resolver-rules=${rules}`);
    // With --insecure nothing is verified, so no database is needed; else Chromium gets the scan's anchors.
    let home: BrowserHome | undefined;
    let trustWarning: string | undefined;
    if (!trust.insecure) {
      const certutil = findCertutil();
      if (!certutil) {
        if (trust.caCerts.length)
          throw new InputError(
            'certutil not found (Debian: libnss3-tools): without it the browser cannot trust --ca-cert; install it, or pass --insecure to accept any certificate',
            trust.caCerts[0],
          );
        trustWarning =
          "certutil not found (Debian: libnss3-tools): the browser trusts only Chromium's own root store, not the system store or NODE_EXTRA_CA_CERTS";
      } else {
        try {
          home = await makeBrowserHome(trust.anchors, certutil);
        } catch (e) {
          throw new InputError(`cannot give the browser its trusted certificates: ${(e as Error).message}`, certutil);
        }
      }
    }
    // Chromium reads $HOME/.pki/nssdb; XDG dirs follow HOME so nothing of the user's own profile is touched.
    const env = home
      ? {
          ...process.env,
          HOME: home.home,
          XDG_CONFIG_HOME: join(home.home, '.config'),
          XDG_CACHE_HOME: join(home.home, '.cache'),
        }
      : undefined;
    let browser: Browser;
    try {
      browser = await chromium.launch({ executablePath, args, headless: true, timeout: 60_000, env });
    } catch (e) {
      home?.cleanup();
      throw new InputError(`cannot start the browser: ${(e as Error).message.split('\n')[0]}`, executablePath);
    }
    if (opts.screenshotDir) mkdirSync(opts.screenshotDir, { recursive: true });
    return new BrowserEngine(browser, opts, trust, home, trustWarning, marker);
  }

  get version(): string {
    return this.browser.version();
  }

  private async acquire(): Promise<BrowserContext> {
    const c = this.free.pop();
    if (c) return c;
    if (this.created < Math.max(1, this.opts.contexts ?? 2)) return this.newContext();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private async newContext(): Promise<BrowserContext> {
    this.created++;
    try {
      return await bounded(
        this.browser.newContext({ ignoreHTTPSErrors: this.trust.insecure, serviceWorkers: 'block' }),
        this.callBoundMs,
        'new browser context',
      );
    } catch (e) {
      this.created--;
      throw e;
    }
  }

  private release(c: BrowserContext): void {
    const w = this.waiters.shift();
    if (w) w.resolve(c);
    else this.free.push(c);
  }

  /**
   * A context that did not answer is never reused: it is closed in the background (bounded) and its place goes to
   * a new one for whoever waits.
   */
  private discard(c: BrowserContext): void {
    this.created--;
    void bounded(c.close(), this.closeBoundMs, 'closing a browser context').catch(() => undefined);
    const w = this.waiters.shift();
    if (w) this.newContext().then(w.resolve, w.reject);
  }

  /** Closes the browser; one that does not close in time is killed (its whole process group). */
  async close(): Promise<void> {
    try {
      await bounded(this.browser.close(), this.closeBoundMs, 'closing the browser');
    } catch {
      const [pid] = childPidsWithArg((a) => a === this.marker);
      if (pid)
        for (const target of [-pid, pid]) {
          try {
            process.kill(target, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
    }
    this.home?.cleanup();
  }

  /**
   * Loads one page and returns what Chromium reported about it, deduplicated by (URL, classification), or why
   * it could not load it. Never throws: a browser that died is an error of the page.
   */
  async visit(url: string): Promise<Visit> {
    const timeoutMs = this.opts.pageTimeoutMs ?? 20_000;
    let ctx: BrowserContext;
    try {
      ctx = await this.acquire();
    } catch (e) {
      return { observed: [], error: describeLoadError((e as Error).message.split('\n')[0] ?? '', { timeoutMs }) };
    }
    // Every step below is bounded on its own; this bounds their sum (the load, the quiet wait, late frames, a
    // screenshot, each with room to spare), so no page can hold its context, and the scan, for ever.
    const settleMs = this.opts.settleMs ?? 100;
    const wholeMs = 2 * timeoutMs + QUIET_CAP_MS + settleMs + 4 * this.callBoundMs;
    const state = { abandoned: false };
    const loading = this.load(ctx, url, timeoutMs, settleMs, state);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Visit>((res) => {
      timer = setTimeout(() => {
        // The stuck load keeps running until the context is closed under it; it will not touch the pool again.
        state.abandoned = true;
        this.discard(ctx);
        res({
          observed: [],
          error: describeLoadError(`a visit: no answer from the browser within ${wholeMs} ms`, { timeoutMs }),
        });
      }, wholeMs);
      timer.unref();
    });
    try {
      return await Promise.race([loading, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async load(
    ctx: BrowserContext,
    url: string,
    timeoutMs: number,
    settleMs: number,
    state: { abandoned: boolean },
  ): Promise<Visit> {
    let page: Page | undefined;
    let answering = true;
    const found = new Map<string, UrlRef>();
    const add = (u: string, classification: Classification, doc: string, resourceType?: string) => {
      const key = `${u}\u0000${classification === 'form' ? 'form' : ''}`;
      // The preload scanner and the parser each request many URLs: first report wins.
      if (found.has(key)) return;
      const kind: RefKind = u.startsWith('ws:') ? 'websocket' : (resourceType && RESOURCE_KIND[resourceType]) || 'browser';
      found.set(key, { url: u, kind, classification, source: 'browser', doc, resourceType });
    };
    // Reports without an Audits issue (console lines, blockable requests): merged at the end, only for URLs
    // that got no issue, so the issue's resourceType and status win.
    const fallback: Array<{ url: string; classification: Classification; doc: string; resourceType?: string }> = [];
    // What Chromium is still doing: requests in flight and events seen, so a page counts as settled only once it
    // is quiet (see QUIET_CAP_MS).
    const inflight = new Set<string>();
    let activity = 0;
    const watch = async (session: CDPSession, doc: () => string) => {
      session.on('Network.requestWillBeSent', (e) => {
        activity++;
        inflight.add(e.requestId);
        // Blockable requests that got no Audits issue (rare); upgraded ones never show http:// here.
        if (e.request.mixedContentType === 'blockable' && e.request.url.startsWith('http:')) {
          fallback.push({ url: e.request.url, classification: 'blocked', doc: doc(), resourceType: e.type });
        }
      });
      session.on('Network.loadingFinished', (e) => {
        activity++;
        inflight.delete(e.requestId);
      });
      session.on('Network.loadingFailed', (e) => {
        activity++;
        inflight.delete(e.requestId);
      });
      session.on('Audits.issueAdded', (e) => {
        activity++;
        const d = (e.issue.details as { mixedContentIssueDetails?: MixedContentIssueDetails }).mixedContentIssueDetails;
        if (!d) return;
        const c = classifyIssue(d.resolutionStatus, d.resourceType, d.insecureURL);
        if (c) add(d.insecureURL, c, doc(), d.resourceType);
      });
      await bounded(session.send('Audits.enable'), this.callBoundMs, 'Audits.enable');
      await bounded(session.send('Network.enable'), this.callBoundMs, 'Network.enable');
    };
    const attached = new WeakSet<Frame>();
    const attaching: Promise<void>[] = [];
    const attachFrame = async (f: Frame) => {
      if (!page || f === page.mainFrame() || attached.has(f)) return;
      try {
        // Only out-of-process (cross-site) frames have their own session; same-site frames report through the page.
        const s = await bounded(ctx.newCDPSession(f), this.callBoundMs, "a frame's CDP session");
        attached.add(f);
        await watch(s, () => f.url());
      } catch {
        /* in-process frame */
      }
    };
    try {
      page = await bounded(ctx.newPage(), this.callBoundMs, 'new page');
      const p = page;
      let crashed = false;
      let onCrash: () => void = () => undefined;
      const crashSeen = new Promise<void>((res) => {
        onCrash = res;
      });
      p.on('crash', () => {
        crashed = true;
        onCrash();
      });
      await watch(await bounded(ctx.newCDPSession(p), this.callBoundMs, "the page's CDP session"), () => p.url());
      p.on('console', (m) => {
        const r = classifyConsole(m.text());
        if (r) fallback.push({ ...r, doc: p.url() });
      });
      const onFrame = (f: Frame) => {
        if (f !== p.mainFrame() && !attached.has(f)) attaching.push(attachFrame(f));
      };
      p.on('frameattached', onFrame);
      p.on('framenavigated', onFrame);
      let status: number | undefined;
      try {
        // ERR_NETWORK_CHANGED is Chromium aborting in-flight requests because an interface came or went (VPNs,
        // containers, network namespaces): transient, so the page is loaded again (twice at most).
        for (let attempt = 0; ; attempt++) {
          try {
            status = (await p.goto(url, { waitUntil: 'load', timeout: timeoutMs }))?.status();
            break;
          } catch (e) {
            if (attempt >= 2 || !/net::ERR_NETWORK_CHANGED/.test((e as Error).message)) throw e;
          }
        }
      } catch (e) {
        // The document itself failed: Chromium saw nothing of this page. A renderer crash can abort the
        // navigation (net::ERR_ABORTED) just before its crash event arrives: wait for that event, bounded.
        const detail = (e as Error).message.split('\n')[0] ?? '';
        if (!crashed && /ERR_ABORTED/.test(detail))
          await Promise.race([crashSeen, new Promise((r) => setTimeout(r, 3000).unref())]);
        return { observed: [], error: describeLoadError(detail, { timeoutMs, crashed }) };
      }
      await p.waitForTimeout(settleMs).catch(() => undefined);
      // Scripts' requests and Chromium's mixed-content issues can arrive well after `load` on a busy machine:
      // wait until a whole settle period passes with nothing new and nothing in flight, bounded (long polls
      // and WebSockets never go quiet).
      const quietUntil = Date.now() + Math.max(QUIET_CAP_MS, settleMs);
      for (let before = -1; !crashed && (activity !== before || inflight.size > 0) && Date.now() < quietUntil; ) {
        before = activity;
        await p.waitForTimeout(settleMs).catch(() => undefined);
      }
      if (crashed) return { observed: [], status, error: describeLoadError('renderer crashed', { timeoutMs, crashed }) };
      // Frames' sessions attached late replay their issues on Audits.enable: wait for them (bounded).
      if (attaching.length) {
        await Promise.race([Promise.allSettled(attaching), new Promise((r) => setTimeout(r, 3000))]);
        await p.waitForTimeout(100);
      }
      let screenshot: string | undefined;
      if (this.opts.screenshotDir) {
        screenshot = join(this.opts.screenshotDir, `${createHash('sha1').update(url).digest('hex').slice(0, 16)}.png`);
        await p.screenshot({ path: screenshot, timeout: 10_000 }).catch(() => {
          screenshot = undefined;
        });
      }
      const issued = new Set([...found.values()].map((x) => x.url));
      for (const f of fallback) if (!issued.has(f.url)) add(f.url, f.classification, f.doc, f.resourceType);
      return { observed: [...found.values()], status, finalUrl: p.url(), screenshot };
    } catch (e) {
      // The page or the whole browser went away mid-visit, or stopped answering.
      if (e instanceof NoAnswer) answering = false;
      return { observed: [], error: describeLoadError((e as Error).message.split('\n')[0] ?? '', { timeoutMs }) };
    } finally {
      // Closing the page ends its sessions (no separate detach round trips). A page that does not close, or a
      // visit given up on, leaves a context nobody should reuse.
      let closed = true;
      if (page)
        closed = await bounded(page.close(), this.closeBoundMs, 'closing a page').then(
          () => true,
          () => false,
        );
      if (state.abandoned) {
        // visit() gave up on this page and already discarded its context.
      } else if (closed && answering) this.release(ctx);
      else this.discard(ctx);
    }
  }
}
