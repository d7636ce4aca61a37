/**
 * The static crawler: breadth-first over same-host pages, bounded by --max-pages, --depth, --concurrency and
 * the total time; robots.txt respected unless told otherwise; the sitemap seeds the queue. Each page becomes
 * PageFacts with every http:// URL classified as Chromium would (one level of linked CSS fetched).
 */
import { createRequire } from 'node:module';
import type picomatchType from 'picomatch';
import { classify } from '../../scan/classify.js';
import { parseSetCookie } from '../../scan/cookies.js';
import type { CookieFacts, FetchFailure, PageFacts, UrlRef } from '../../scan/types.js';
// page.js, not extract.js: the parsers (htmlparser2, css-tree) are loaded by the parser worker only.
import { decodeBody, extractManifestIcons, type HtmlExtract, MAX_HTML_DEPTH, mayBeInsecure, type RawRef } from './page.js';
import { type ParseOutcome, ParserWorker } from './parser-worker.js';

export { decodeBody };

import { decodeFailure, FetchError, type FetchResult, type HttpClient, headerValues } from './http.js';

// picomatch (--include/--exclude) and robots-parser (a robots.txt was served) are CommonJS, loaded when used:
// every scan's start-up paid for them before.
const requireCjs = createRequire(import.meta.url);
const picomatch = (globs: string[]) => (requireCjs('picomatch') as typeof picomatchType)(globs);
// robots-parser is `module.exports = fn` while its types declare a default export.
const robotsParser = (url: string, txt: string) =>
  (
    requireCjs('robots-parser') as (
      url: string,
      txt: string,
    ) => { isAllowed(url: string, ua?: string): boolean | undefined; getSitemaps(): string[] }
  )(url, txt);

export interface CrawlOptions {
  maxPages: number;
  depth: number;
  concurrency: number;
  include?: string[];
  exclude?: string[];
  /** Respect robots.txt (default true). */
  robots?: boolean;
  /** Seed from the sitemap (default true). */
  sitemap?: boolean;
  /** Fetch linked stylesheets and web app manifests (one level). */
  css?: boolean;
  /** Total time; after it no new page starts (in-flight requests are aborted by the client's signal). */
  deadline?: number;
  /** Max insecure URLs kept per page. */
  maxRefsPerPage?: number;
  /** Linked stylesheets fetched per page at most (default 100); the rest is a note. */
  maxStylesheetsPerPage?: number;
  /** Per document (HTML page, stylesheet) parse time, ms, after which its parser is killed (default 10,000). */
  parseTimeoutMs?: number;
  onPage?: (page: PageFacts, stats: { done: number; queued: number }) => void;
  /** The browser engine loads each page in Chromium here (adds `observed`). */
  visit?: (page: PageFacts) => Promise<void>;
  onFailure?: (f: FetchFailure) => void;
}

export interface CrawlResult {
  pages: PageFacts[];
  failures: FetchFailure[];
  /** Informational notes (limits reached, robots exclusions) for the diagnostics list. */
  notes: Array<{ url: string; message: string }>;
}

const HTML_TYPES = /^(?:text\/html|application\/xhtml\+xml)/i;

/** Turns a fetched HTML response into PageFacts (no I/O except the cached CSS/manifest fetches). */
export async function buildPage(
  r: FetchResult,
  depth: number,
  extra: {
    css?: (url: string) => Promise<RawRef[]>;
    manifest?: (url: string) => Promise<RawRef[]>;
    maxRefs?: number;
    /** Linked stylesheets fetched at most (default 100). */
    maxStylesheets?: number;
    /** Parses the HTML where it can be stopped (the crawler's worker); without it, on this thread. */
    parser?: ParserWorker;
    /** A document that could not be parsed (timeout): the crawler reports it. */
    onParseFailure?: (url: string, message: string) => void;
    /**
     * For a result still compressed (`r.encoding`: fetched with `deferDecode`): decompresses it on this thread
     * (HttpClient.decoded), where the parse worker cannot (no worker, not an HTML page, over maxBytes).
     */
    decode?: (r: FetchResult) => Promise<FetchResult>;
    /** The client's cap on a decompressed body (the worker decompresses within it). */
    maxBytes?: number;
    /**
     * Called once the page is parsed, before its stylesheets and manifest are fetched: the crawler queues the
     * page's links here, so the crawl's next level does not wait for this page's stylesheets.
     */
    onExtract?: (extract: HtmlExtract, page: PageFacts) => void;
  },
): Promise<{ page: PageFacts; extract?: HtmlExtract }> {
  const contentType = headerValues(r.headers, 'content-type')[0];
  const parseable = !(r.error || r.redirectLoop || !HTML_TYPES.test(contentType ?? 'text/html') || r.status >= 400);
  // A compressed body the worker will not read is decompressed here, as fetch() would have (a body that cannot
  // be decompressed is then the same fetch failure, thrown before any page is made).
  if (r.encoding && !(parseable && extra.parser && extra.maxBytes !== undefined)) r = await decodeHere(r, extra.decode);
  const cookies: CookieFacts[] = [];
  for (const hop of r.chain)
    for (const c of hop.setCookie ?? []) {
      const parsed = parseSetCookie(c, hop.url);
      if (parsed) cookies.push(parsed);
    }
  if (!r.redirectLoop)
    for (const c of headerValues(r.headers, 'set-cookie')) {
      const parsed = parseSetCookie(c, r.finalUrl);
      if (parsed) cookies.push(parsed);
    }
  const page: PageFacts = {
    url: r.url,
    finalUrl: r.finalUrl,
    status: r.status,
    depth,
    chain: r.chain,
    redirectLoop: r.redirectLoop,
    contentType,
    hsts: r.redirectLoop ? undefined : headerValues(r.headers, 'strict-transport-security')[0],
    csp: r.redirectLoop ? [] : headerValues(r.headers, 'content-security-policy'),
    cookies,
    insecure: [],
    linkStats: { sameHostHttp: 0, sameHostHttps: 0, relative: 0 },
    truncated: r.truncated || undefined,
  };
  if (r.error) page.fetchError = `${r.error.url}: ${r.error.message}`;
  if (!parseable) return { page };
  let ex: HtmlExtract;
  if (extra.parser) {
    let parsed: ParseOutcome<HtmlExtract>;
    if (extra.maxBytes !== undefined) {
      // The wire body goes to the worker, which decompresses and decodes it there (its own exact-size copy: a
      // view into a larger buffer would clone all of it).
      const wire = await extra.parser.htmlWire(
        { bytes: new Uint8Array(r.body), encoding: r.encoding, contentType, maxBytes: extra.maxBytes },
        r.finalUrl,
      );
      if (!wire.ok && wire.reason === 'undecodable') throw decodeFailure(wire.message, r.finalUrl);
      if (!wire.ok && wire.reason === 'too-large') {
        // Over maxBytes once decompressed: its prefix, streamed here as fetch() does, then parsed as text.
        const cut = await decodeHere(r, extra.decode);
        if (cut.truncated) page.truncated = true;
        parsed = await parseText(extra.parser, cut.body, contentType, r.finalUrl, page);
      } else {
        if (wire.ok && wire.value.invalidUtf8) page.invalidUtf8 = true;
        parsed = wire.ok ? { ok: true, value: wire.value.html } : wire;
      }
    } else parsed = await parseText(extra.parser, r.body, contentType, r.finalUrl, page);
    if (!parsed.ok) {
      extra.onParseFailure?.(r.finalUrl, parsed.message);
      page.parseError = parsed.message;
      return { page };
    }
    ex = parsed.value;
  } else {
    const { text, invalidUtf8 } = decodeBody(r.body, contentType);
    if (invalidUtf8) page.invalidUtf8 = true;
    ex = (await import('./extract.js')).extractHtml(text, r.finalUrl);
  }
  if (ex.depthLimitLine !== undefined) page.depthLimitLine = ex.depthLimitLine;
  page.csp.push(...ex.cspMeta);
  page.linkStats = ex.linkStats;
  page.canonical = ex.canonical;
  page.ogUrl = ex.ogUrl;
  page.baseHref = ex.baseHref;
  extra.onExtract?.(ex, page);
  const maxRefs = extra.maxRefs ?? 2000;
  const https = r.finalUrl.startsWith('https:');
  const addRef = (raw: RawRef, source: 'html' | 'css', doc: string) => {
    if (page.insecure.length >= maxRefs) return;
    // Mixed content exists only on https pages; navigation away to http:// is reported from https pages too.
    if (!https) return;
    // Only http:// and ws:// can be insecure: skip the URL parse for everything else.
    if (!mayBeInsecure(raw.url)) return;
    const c = classify(raw.url, raw.kind, { upgradablePreload: raw.upgradablePreload });
    if (!c) return;
    const ref: UrlRef = { url: raw.url, kind: raw.kind, classification: c, source, doc, line: raw.line, snippet: raw.snippet };
    if (raw.viaBase) ref.viaBase = true;
    page.insecure.push(ref);
  };
  for (const raw of ex.refs) addRef(raw, 'html', r.finalUrl);
  if (https && extra.css) {
    const all = ex.stylesheets.filter((s) => s.url.startsWith('https:'));
    const maxSheets = extra.maxStylesheets ?? 100;
    const sheets = all.slice(0, maxSheets);
    if (all.length > maxSheets) page.stylesheetsNotFetched = all.length - maxSheets;
    const results = await Promise.all(sheets.map((s) => extra.css!(s.url)));
    sheets.forEach((s, i) => {
      for (const raw of results[i] ?? []) addRef(raw, 'css', s.url);
    });
  }
  if (https && extra.manifest && ex.manifest?.startsWith('https:')) {
    for (const raw of await extra.manifest(ex.manifest)) addRef(raw, 'html', ex.manifest);
  }
  if (page.insecure.length >= maxRefs) page.linksNotFollowed = (page.linksNotFollowed ?? 0) + 0;
  return { page, extract: ex };
}

/** Decodes a body on this thread and parses its text in the worker. */
function parseText(
  parser: ParserWorker,
  body: Buffer,
  contentType: string | undefined,
  url: string,
  page: PageFacts,
): Promise<ParseOutcome<HtmlExtract>> {
  const { text, invalidUtf8 } = decodeBody(body, contentType);
  if (invalidUtf8) page.invalidUtf8 = true;
  return parser.html(text, url);
}

async function decodeHere(r: FetchResult, decode: ((r: FetchResult) => Promise<FetchResult>) | undefined): Promise<FetchResult> {
  if (!decode) throw new Error(`${r.finalUrl}: a compressed body (${r.encoding}) and nothing to decompress it`);
  return decode(r);
}

export async function crawl(entry: string, client: HttpClient, opts: CrawlOptions): Promise<CrawlResult> {
  const pages: PageFacts[] = [];
  const failures: FetchFailure[] = [];
  const notes: Array<{ url: string; message: string }> = [];
  const entryUrl = new URL(entry);
  const isIncluded = opts.include?.length ? picomatch(opts.include) : () => true;
  const isExcluded = opts.exclude?.length ? picomatch(opts.exclude) : () => false;
  const deadline = opts.deadline ?? Number.POSITIVE_INFINITY;

  // One parser worker for the whole crawl (HTML pages and linked stylesheets), killed on a document's timeout
  // and at the scan's deadline.
  const parser = new ParserWorker({ timeoutMs: opts.parseTimeoutMs, deadline: opts.deadline });
  parser.warm();
  let notParsedAtDeadline = 0;
  const onParseFailure = (url: string, message: string) => {
    if (/total scan time reached/.test(message)) notParsedAtDeadline++;
    failures.push({ url, message, code: 'PARSE_TIMEOUT' });
  };
  try {
    return await crawlWith(parser, onParseFailure);
  } finally {
    // The worker's thread is stopped (every document still queued is answered now, in close()), but its end is
    // not waited for: its teardown runs on its own thread while this one builds the report (it was the crawl's
    // last wait, after the last page; issue 11's tail). An idle worker does not keep the process alive.
    parser.close().catch(() => undefined);
  }

  async function crawlWith(parser: ParserWorker, onParseFailure: (url: string, message: string) => void): Promise<CrawlResult> {
    const cssCache = new Map<string, Promise<RawRef[]>>();
    const css = (url: string) => {
      let p = cssCache.get(url);
      if (!p) {
        p = client.fetch(url).then(
          async (r) => {
            if (r.status >= 400 || r.redirectLoop) return [];
            const parsed = await parser.css(r.body.toString('utf8'), r.finalUrl);
            if (parsed.ok) return parsed.value;
            onParseFailure(r.finalUrl, parsed.message);
            return [];
          },
          (e: FetchError) => {
            failures.push({ url, message: e.message, code: e.code });
            return [];
          },
        );
        cssCache.set(url, p);
      }
      return p;
    };
    const manifestCache = new Map<string, Promise<RawRef[]>>();
    const manifest = (url: string) => {
      let p = manifestCache.get(url);
      if (!p) {
        p = client.fetch(url).then(
          (r) => (r.status < 400 ? extractManifestIcons(r.body.toString('utf8'), r.finalUrl) : []),
          () => [],
        );
        manifestCache.set(url, p);
      }
      return p;
    };

    // The entry is fetched first and alone: its failure is the user's error (exit 2), and its final URL
    // (after redirects) decides the origin the crawl stays on.
    let first: FetchResult;
    try {
      first = await client.fetch(entry);
    } catch (e) {
      throw e instanceof FetchError ? e : new FetchError(String(e), entry);
    }
    let origin = entryUrl.origin;
    let hostname = entryUrl.hostname;
    if (!first.redirectLoop) {
      const f = new URL(first.finalUrl);
      if (
        f.hostname === entryUrl.hostname ||
        f.hostname === `www.${entryUrl.hostname}` ||
        entryUrl.hostname === `www.${f.hostname}`
      ) {
        origin = f.origin;
        hostname = f.hostname;
      }
    }

    let robots: { isAllowed(url: string, ua?: string): boolean | undefined } | undefined;
    const seeds: string[] = [];
    if (opts.robots !== false || opts.sitemap !== false) {
      const robotsUrl = `${origin}/robots.txt`;
      const rr = await client.fetch(robotsUrl).catch(() => undefined);
      if (rr && rr.status === 200 && !rr.redirectLoop) {
        const parsed = robotsParser(robotsUrl, rr.body.toString('utf8'));
        if (opts.robots !== false) robots = parsed;
        if (opts.sitemap !== false) seeds.push(...parsed.getSitemaps().slice(0, 5));
      }
      if (opts.sitemap !== false && seeds.length === 0) seeds.push(`${origin}/sitemap.xml`);
    }

    const seen = new Set<string>();
    const queue: Array<{ url: string; depth: number }> = [];
    let skippedByLimit = 0;
    /**
     * Same host (any scheme: the backend's http:// links are crawled as the https:// page they mean), fragment
     * removed, on the crawl's origin. One URL parse per link.
     */
    const normalise = (u: string): { href: string; path: string } | undefined => {
      let x: URL;
      try {
        x = new URL(u);
      } catch {
        return undefined;
      }
      if (x.protocol !== 'http:' && x.protocol !== 'https:') return undefined;
      if (x.hostname !== hostname) return undefined;
      // pathname of an http(s) URL is serialised and always starts with '/': appending it (and the search) to
      // the origin gives the same href as re-parsing them against the origin.
      return { href: `${origin}${x.pathname}${x.search}`, path: x.pathname };
    };
    const enqueue = (u: string, depth: number) => {
      const n = normalise(u);
      if (!n || seen.has(n.href)) return;
      if (depth > opts.depth) return;
      if (!isIncluded(n.path) || isExcluded(n.path)) return;
      if (robots && robots.isAllowed(n.href, 'proxyproof-scan') === false) {
        seen.add(n.href);
        notes.push({ url: n.href, message: 'not fetched: disallowed by robots.txt (pass --no-robots to scan it)' });
        return;
      }
      if (seen.size >= opts.maxPages) {
        skippedByLimit++;
        return;
      }
      seen.add(n.href);
      queue.push({ url: n.href, depth });
    };

    let done = 0;
    let active = 0;
    let wake: (() => void) | undefined;
    /** Wakes the pool's workers that wait for the queue (a page ended, or links were queued). */
    const wakeAll = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    // The report lists the pages in the order they were taken from the queue (the entry first: the HSTS checks read
    // the first https page), whichever page's stylesheets come first.
    const taken = new Map<PageFacts, number>();
    let taking = 0;
    /** One fetched page to its PageFacts; `parsed` is called once its links are queued (it may have none). */
    const handle = async (r: FetchResult, depth: number, order: number, parsed?: () => void) => {
      const { page } = await buildPage(r, depth, {
        css: opts.css !== false ? css : undefined,
        manifest: opts.css !== false ? manifest : undefined,
        maxRefs: opts.maxRefsPerPage,
        maxStylesheets: opts.maxStylesheetsPerPage,
        parser,
        onParseFailure,
        decode: (x) => client.decoded(x),
        maxBytes: client.opts.maxBytes,
        // The links are queued as soon as the page is parsed, not after its stylesheets are fetched and parsed:
        // until the queue holds --concurrency pages (the crawl's first levels), every level waited for a
        // stylesheet request and its parse (issue 11's crawl bench: ~6 of ~10 ms per level). The queue's order
        // is unchanged at --concurrency 1 (this page is still the only one in hand).
        onExtract: (extract, page) => {
          const before = skippedByLimit;
          for (const l of extract.links) enqueue(l, depth + 1);
          if (skippedByLimit > before) page.linksNotFollowed = skippedByLimit - before;
          if (queue.length > 0) wakeAll();
          parsed?.();
        },
      });
      if (opts.visit && !page.redirectLoop && page.status < 400 && page.finalUrl.startsWith('https:') && Date.now() < deadline)
        await opts.visit(page);
      pages.push(page);
      taken.set(page, order);
      done++;
      opts.onPage?.(page, { done, queued: queue.length });
    };

    seen.add(normalise(entry)?.href ?? entry);
    const firstNormalised = normalise(first.finalUrl);
    if (firstNormalised) seen.add(firstNormalised.href);
    // The pool starts once the entry page is parsed (its links queued), not after its stylesheets: the entry's
    // handling holds one of the pool's --concurrency places until it ends. Its failure before its parse is the
    // user's error, as before. The browser engine waits for the whole entry page (its visit: a browser that cannot
    // start is said before any other page is fetched).
    let firstParsed: () => void = () => undefined;
    const parsedFirst = new Promise<void>((res) => {
      firstParsed = res;
    });
    const firstHandled = handle(first, 0, taking++, firstParsed);
    await Promise.race([parsedFirst, firstHandled]);
    // The sitemap's requests wait for the entry's stylesheets only where they would exceed --concurrency.
    if (opts.visit || (seeds.length > 0 && opts.concurrency < 2)) await firstHandled;

    // sitemap seeds (bounded: first 1 MB of each, at most maxPages URLs)
    for (const sm of seeds) {
      if (Date.now() >= deadline) break;
      const r = await client.fetch(sm).catch(() => undefined);
      if (r?.status !== 200 || r.redirectLoop) continue;
      const xml = r.body.toString('utf8');
      const re = /<loc>\s*([^<\s]+)\s*<\/loc>/gi;
      let n = 0;
      for (let m = re.exec(xml); m && n < opts.maxPages; m = re.exec(xml), n++) enqueue(m[1]!.replace(/&amp;/g, '&'), 1);
    }

    // breadth-first with a fixed pool of workers; the FIFO queue keeps depth order
    const worker = async (inHand?: Promise<void>) => {
      if (inHand) {
        active++;
        try {
          await inHand;
        } finally {
          active--;
          wakeAll();
        }
      }
      for (;;) {
        if (Date.now() >= deadline) return;
        const next = queue.shift();
        if (!next) {
          if (active === 0) {
            wake?.();
            return;
          }
          await new Promise<void>((res) => {
            const prev = wake;
            wake = () => {
              prev?.();
              res();
            };
          });
          continue;
        }
        active++;
        const order = taking++;
        try {
          // The page's body as it came: the parse worker decompresses and decodes it (buildPage).
          const r = await client.fetch(next.url, { deferDecode: true });
          await handle(r, next.depth, order);
        } catch (e) {
          const err = e instanceof FetchError ? e : new FetchError((e as Error).message ?? String(e), next.url);
          const f = { url: err.url, message: err.message, code: err.code };
          failures.push(f);
          opts.onFailure?.(f);
        } finally {
          active--;
          wakeAll();
        }
      }
    };
    await Promise.all([worker(firstHandled), ...Array.from({ length: Math.max(1, opts.concurrency) - 1 }, () => worker())]);
    pages.sort((a, b) => taken.get(a)! - taken.get(b)!);
    if ((Date.now() >= deadline && queue.length > 0) || notParsedAtDeadline > 0)
      notes.push({
        url: entry,
        message: `total time reached: ${queue.length} queued pages not scanned${notParsedAtDeadline ? `, ${notParsedAtDeadline} documents not parsed` : ''}`,
      });
    if (skippedByLimit > 0)
      notes.push({
        url: entry,
        message: `--max-pages ${opts.maxPages} reached: ${skippedByLimit} more same-site links not followed`,
      });
    for (const p of pages)
      if (p.depthLimitLine !== undefined)
        notes.push({
          url: p.finalUrl,
          message: `HTML nested more than ${MAX_HTML_DEPTH} elements deep: read up to line ${p.depthLimitLine}`,
        });
    const sheetsSkipped = pages.reduce((n, p) => n + (p.stylesheetsNotFetched ?? 0), 0);
    if (sheetsSkipped > 0)
      notes.push({
        url: entry,
        message: `${sheetsSkipped} linked stylesheets not fetched (more than ${opts.maxStylesheetsPerPage ?? 100} on a page)`,
      });
    return { pages, failures, notes };
  }
}
