/**
 * `scan`: crawl (static, optionally loading each page in Chromium) -> ScanFacts -> scan checks -> Report.
 * Also the bounded side requests the attribution needs: the plain http:// entry, third-party https HEADs,
 * `--confirm-cause` re-fetches, and lint facts of the deployment (`--config DIR`).
 */
import { relative } from 'node:path';
import { SCAN_CHECKS } from '../checks/scan/index.js';
import type { ScanCheck } from '../checks/scan/types.js';
// The browser engine (playwright-core: a third of a static scan's start-up) and the deployment analysis are loaded
// only when used.
import type { BrowserEngine, BrowserOptions } from '../collectors/browser/browser.js';
import { loadErrorMessage } from '../collectors/browser/load-error.js';
import { type CrawlOptions, crawl, decodeBody } from '../collectors/crawl/crawler.js';
import { FetchError, HttpClient, type HttpOptions, headerValues } from '../collectors/crawl/http.js';
import { lateTierUp } from '../commands/tier-up.js';
import { type Diagnostic, type Finding, InputError, sortFindings } from '../model/finding.js';
import { hostnameOf } from '../model/url.js';
import type { Report, ReportSection } from '../render/types.js';
import { sameSite } from './attribution.js';
import type { Progress } from './progress.js';
import { describeTrust, loadTrust } from './trust.js';
import type { ConfirmFacts, HttpEntryFacts, LintJoin, PageFacts, ScanFacts, ThirdPartyFacts } from './types.js';

export interface ScanOptions {
  entry: string;
  engine: 'static' | 'browser';
  http: Omit<HttpOptions, 'signal'>;
  crawl: Omit<CrawlOptions, 'deadline' | 'visit' | 'onPage'>;
  /** Whole scan, ms. */
  totalTimeoutMs: number;
  /** Trust comes from `http` (caCert, insecure): both engines trust the same certificates. */
  browser?: Omit<BrowserOptions, 'resolve' | 'trust'>;
  confirmCause?: boolean;
  configDir?: string;
  /** Check third-party http:// URLs over https (one HEAD each, at most 20). Default true. */
  thirdPartyCheck?: boolean;
  /** Port of the plain-http twin; default 80 when the entry uses the default https port. */
  httpPort?: number;
  progress?: Progress;
  checks?: ScanCheck[];
}

const MAX_THIRD_PARTY = 20;
const MAX_CONFIRM = 5;

export async function collectScanFacts(
  opts: ScanOptions,
): Promise<{ facts: ScanFacts; diagnostics: Diagnostic[]; browserVersion?: string }> {
  let entry: URL;
  try {
    entry = new URL(opts.entry);
  } catch {
    throw new InputError(`not a URL: '${opts.entry}' (expected https://host/...)`);
  }
  if (entry.protocol !== 'https:' && entry.protocol !== 'http:')
    throw new InputError(`unsupported scheme ${entry.protocol} (expected https:// or http://)`, opts.entry);

  // One trust for both engines: system store + NODE_EXTRA_CA_CERTS + --ca-cert files, or --insecure.
  const trust = loadTrust({ caCerts: opts.http.caCert, insecure: opts.http.insecure });
  // V8's tiering for the scan's process (commands/tier-up.ts), set now and not at the CLI's start: the Node built-ins
  // the crawl needs are loaded (this module's imports, the trust store's crypto) and the parse worker, started
  // first (bin.ts), has had the CLI's whole load to boot; both compiled from Node's code cache only while V8's
  // flags are unchanged. The crawl's own hot code runs after this.
  lateTierUp();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new DOMException('total scan time reached', 'AbortError')), opts.totalTimeoutMs);
  timer.unref();
  const deadline = Date.now() + opts.totalTimeoutMs;
  const client = new HttpClient({
    ...opts.http,
    trust,
    signal: abort.signal,
    connections: Math.max(4, opts.crawl.concurrency * 2),
  });
  const diagnostics: Diagnostic[] = [];
  for (const w of trust.warnings) diagnostics.push({ level: 'warning', message: w, file: entry.href });
  if (trust.insecure)
    diagnostics.push({
      level: 'warning',
      message: `--insecure: certificates were not verified; any certificate was accepted${opts.engine === 'browser' ? ' (by the crawler and by the browser)' : ''}`,
      file: entry.href,
    });
  let browser: BrowserEngine | undefined;
  let launching: Promise<BrowserEngine> | undefined;
  try {
    // The plain-http twin (or the entry itself when the user gave http://).
    let httpEntry: HttpEntryFacts | undefined;
    let crawlEntry = entry.href;
    const httpUrl = new URL(entry.href);
    httpUrl.protocol = 'http:';
    const explicitPort =
      opts.httpPort ?? (entry.protocol === 'http:' ? Number(entry.port || 80) : entry.port === '' ? 80 : undefined);
    if (explicitPort !== undefined) {
      httpUrl.port = String(explicitPort);
      httpEntry = await probeHttp(client, httpUrl.href);
      if (entry.protocol === 'http:') {
        // Outside the crawl's try below, so said here as what it is: an entry that cannot be fetched is unusable
        // input (exit 2, one line naming the URL), as for an https:// entry.
        if (httpEntry.error) throw new InputError(httpEntry.error, httpUrl.href);
        crawlEntry = httpEntry.finalUrl ?? entry.href;
      }
    }

    // The browser starts with the first page to load (an entry the crawler cannot fetch costs no browser),
    // but a missing binary is said at once.
    const browserModule = opts.engine === 'browser' ? await import('../collectors/browser/browser.js') : undefined;
    browserModule?.findChromium(opts.browser?.executablePath);
    const startBrowser = () =>
      (launching ??= (browserModule as typeof import('../collectors/browser/browser.js')).BrowserEngine.launch({
        ...opts.browser,
        trust,
        resolve: opts.http.resolve,
        contexts: opts.browser?.contexts ?? Math.min(opts.crawl.concurrency, 4),
      }).then((b) => {
        browser = b;
        if (b.trustWarning) diagnostics.push({ level: 'warning', message: b.trustWarning, file: entry.href });
        return b;
      }));
    let insecureSoFar = 0;
    let result: Awaited<ReturnType<typeof crawl>>;
    try {
      result = await crawl(crawlEntry, client, {
        ...opts.crawl,
        deadline,
        onPage: (page, s) => {
          insecureSoFar += (page.observed ?? page.insecure).length;
          opts.progress?.page(s.done, s.queued, insecureSoFar);
        },
        visit:
          opts.engine === 'browser'
            ? async (page) => {
                const v = await (await startBrowser()).visit(page.finalUrl);
                page.observed = v.observed;
                page.browser = { status: v.status, finalUrl: v.finalUrl, error: v.error };
                if (v.screenshot) page.screenshot = v.screenshot;
              }
            : undefined,
      });
    } catch (e) {
      if (e instanceof FetchError) throw new InputError(e.message, e.url);
      throw e;
    } finally {
      opts.progress?.stop();
    }
    for (const f of result.failures) diagnostics.push({ level: 'error', scope: 'page', message: f.message, file: f.url });
    if (opts.engine === 'browser') {
      for (const p of result.pages) {
        // Pages the crawler fetched but never handed to the browser (total scan time reached): not loaded either.
        if (!p.browser && browserShouldLoad(p))
          p.browser = {
            error: {
              code: 'not-visited',
              reason: 'not loaded in the browser: the total scan time was reached',
              hint: 'raise --total-timeout MS',
              detail: '',
            },
          };
        if (p.browser?.error) {
          p.observed = [];
          diagnostics.push({ level: 'error', scope: 'page', message: loadErrorMessage(p.browser.error), file: p.finalUrl });
        }
      }
    }
    for (const n of result.notes) diagnostics.push({ level: 'note', message: n.message, file: n.url });
    for (const p of result.pages) {
      if (p.truncated)
        diagnostics.push({
          level: 'warning',
          message: `response larger than ${client.opts.maxBytes} bytes: read the first ${client.opts.maxBytes} (--max-bytes)`,
          file: p.finalUrl,
        });
      if (p.fetchError)
        diagnostics.push({
          level: 'error',
          scope: 'page',
          message: `redirected to a URL that failed: ${p.fetchError}`,
          file: p.url,
        });
      if (p.invalidUtf8)
        diagnostics.push({
          level: 'warning',
          message: 'body is not valid UTF-8: decoded with replacement characters',
          file: p.finalUrl,
        });
      if (p.linksNotFollowed)
        diagnostics.push({
          level: 'note',
          message: `${p.linksNotFollowed} same-site links on this page not followed (--max-pages)`,
          file: p.finalUrl,
        });
    }

    const facts: ScanFacts = {
      entry: entry.href,
      engine: opts.engine,
      pages: result.pages,
      httpEntry,
      confirm: [],
      thirdParty: [],
      lint: [],
      failures: result.failures,
      trust: { insecure: trust.insecure, description: describeTrust(trust) },
    };
    if (opts.thirdPartyCheck !== false && Date.now() < deadline) facts.thirdParty = await checkThirdParty(client, result.pages);
    if (opts.confirmCause && Date.now() < deadline) facts.confirm = await confirmCause(client, result.pages);
    if (opts.configDir) facts.lint = await lintJoin(opts.configDir);
    return { facts, diagnostics, browserVersion: browser?.version };
  } finally {
    clearTimeout(timer);
    await launching?.then((b) => b.close()).catch(() => undefined);
    await client.close();
  }
}

/** The pages the crawler hands to the browser (the same condition as in crawl()'s visit). */
function browserShouldLoad(p: PageFacts): boolean {
  return !p.redirectLoop && p.status < 400 && p.finalUrl.startsWith('https:');
}

async function probeHttp(client: HttpClient, url: string): Promise<HttpEntryFacts> {
  try {
    const r = await client.fetch(url);
    return {
      url,
      status: r.status,
      chain: r.chain,
      finalUrl: r.finalUrl,
      hsts: r.chain[0] ? undefined : headerValues(r.headers, 'strict-transport-security')[0],
    };
  } catch (e) {
    return { url, chain: [], error: (e as Error).message };
  }
}

function sameSiteHttp(page: PageFacts): string[] {
  const h = hostnameOf(page.finalUrl) ?? '';
  return [...new Set(page.insecure.filter((r) => r.source === 'html' && sameSite(h, hostnameOf(r.url) ?? '')).map((r) => r.url))];
}

async function confirmCause(client: HttpClient, pages: PageFacts[]): Promise<ConfirmFacts[]> {
  const { extractHtml } = await import('../collectors/crawl/extract.js');
  const out: ConfirmFacts[] = [];
  for (const page of pages.filter((p) => sameSiteHttp(p).length > 0).slice(0, MAX_CONFIRM)) {
    const before = sameSiteHttp(page);
    try {
      const r = await client.fetch(page.finalUrl, { headers: { 'x-forwarded-proto': 'https' } });
      const ex = extractHtml(decodeBody(r.body, headerValues(r.headers, 'content-type')[0]).text, r.finalUrl);
      const h = hostnameOf(page.finalUrl) ?? '';
      const after = [
        ...new Set(ex.refs.filter((x) => x.url.startsWith('http:') && sameSite(h, hostnameOf(x.url) ?? '')).map((x) => x.url)),
      ];
      out.push({ page: page.finalUrl, before, after });
    } catch {
      /* a failed re-fetch proves nothing */
    }
  }
  return out;
}

async function checkThirdParty(client: HttpClient, pages: PageFacts[]): Promise<ThirdPartyFacts[]> {
  const urls = new Set<string>();
  for (const p of pages) {
    const h = hostnameOf(p.finalUrl) ?? '';
    for (const r of p.observed ?? p.insecure) {
      if (r.classification === 'navigation' || !r.url.startsWith('http:')) continue;
      const rh = hostnameOf(r.url);
      if (rh !== undefined && !sameSite(h, rh)) urls.add(r.url);
      if (urls.size >= MAX_THIRD_PARTY) break;
    }
  }
  return Promise.all(
    [...urls].map(async (url) => {
      const https = url.replace(/^http:/, 'https:');
      try {
        const r = await client.fetchOnce(https, { method: 'HEAD' });
        return { url, httpsStatus: r.status };
      } catch (e) {
        return { url, error: (e as FetchError).code ?? (e as Error).message };
      }
    }),
  );
}

async function lintJoin(dir: string): Promise<LintJoin[]> {
  const { lintPaths } = await import('../engine/lint.js');
  const { report } = await lintPaths([dir]);
  return report.findings.map((f) => ({
    id: f.id,
    file: f.evidence[0]?.file ?? dir,
    line: f.evidence[0]?.line ?? 0,
    message: f.message.split('\n')[0] ?? '',
  }));
}

export function runScanChecks(facts: ScanFacts, checks: ScanCheck[] = SCAN_CHECKS): Finding[] {
  return sortFindings(checks.flatMap((c) => c.run(facts)));
}

/**
 * One line per page. Browser engine: the status Chromium itself got, or FAILED with the reason; the crawler's
 * status only marked as such (a page the browser never loaded must not read as loaded).
 */
export function pageSummary(p: PageFacts, engine: ScanFacts['engine'] = p.observed ? 'browser' : 'static'): string {
  if (engine === 'browser' && p.browser?.error) return `FAILED ${p.url}  — ${p.browser.error.reason} (${p.browser.error.code})`;
  const refs = p.observed ?? p.insecure.filter((r) => r.classification !== 'navigation');
  const counts = new Map<string, number>();
  for (const r of refs) counts.set(r.classification, (counts.get(r.classification) ?? 0) + 1);
  const c = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  const redirect = p.chain.length
    ? ` (${p.chain.length} redirect${p.chain.length > 1 ? 's' : ''}${p.redirectLoop ? ', loop' : ''})`
    : '';
  const status = p.redirectLoop
    ? 'LOOP'
    : engine === 'browser'
      ? p.browser?.status !== undefined
        ? String(p.browser.status)
        : `${p.status} (crawler; not loaded in the browser)`
      : String(p.status);
  return `${status} ${p.url}${redirect}${c ? `  — ${c}` : ''}`;
}

export async function runScan(opts: ScanOptions): Promise<{ facts: ScanFacts; report: Report }> {
  const { facts, diagnostics, browserVersion } = await collectScanFacts(opts);
  const findings = runScanChecks(facts, opts.checks);
  const shown = facts.pages.slice(0, 50).map((p) => pageSummary(p, facts.engine));
  const failed = facts.engine === 'browser' ? facts.pages.filter((p) => p.browser?.error).length : 0;
  const loaded = facts.pages.length - failed;
  if (failed > 0 && loaded === 0)
    diagnostics.push({ level: 'error', message: 'the browser could not load any page: nothing was scanned', file: facts.entry });
  if (facts.pages.length > 50) shown.push(`... and ${facts.pages.length - 50} more pages (see --format json)`);
  const sections: ReportSection[] = [
    {
      title: `scan of ${facts.entry} (${facts.engine}${browserVersion ? ` engine, Chromium ${browserVersion}` : ' engine'}): ${facts.pages.length} page(s)${failed ? `, ${failed} could not be loaded in the browser` : ''}`,
      lines: [...shown, ...(facts.trust ? [`trust: ${facts.trust.description}`] : [])],
    },
  ];
  const cwd = process.cwd();
  const report: Report = {
    command: 'scan',
    inputs: [opts.entry],
    findings,
    diagnostics,
    sections,
    incomplete: failed
      ? `${failed} page${failed === 1 ? '' : 's'} could not be loaded${loaded === 0 ? ' (none at all)' : ` (${loaded} loaded)`}`
      : undefined,
    data: {
      engine: facts.engine,
      browserVersion,
      trust: facts.trust,
      pagesNotLoaded: failed,
      pages: facts.pages.map((p) => ({
        url: p.url,
        finalUrl: p.finalUrl,
        status: p.status,
        browser: p.browser,
        depth: p.depth,
        redirectLoop: p.redirectLoop,
        hsts: p.hsts,
        insecure: (p.observed ?? p.insecure).map((r) => ({
          url: r.url,
          classification: r.classification,
          kind: r.kind,
          source: r.source,
          doc: r.doc,
          line: r.line,
        })),
        screenshot: p.screenshot ? relative(cwd, p.screenshot) : undefined,
      })),
      redirects: facts.pages.filter((p) => p.chain.length).map((p) => ({ url: p.url, chain: p.chain, loop: p.redirectLoop })),
      httpEntry: facts.httpEntry,
      confirm: facts.confirm,
      thirdParty: facts.thirdParty,
    },
  };
  return { facts, report };
}
