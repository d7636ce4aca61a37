/**
 * Why is this http:// URL on an https:// page? Decides between "the backend builds URLs with the scheme it
 * believes" (the proxy does not pass, or the app does not trust, X-Forwarded-Proto), "hard-coded in content or
 * templates", and "third-party", from the page's own evidence. Pure: reads only ScanFacts.
 */
import type { LintJoin, PageFacts, ScanFacts, UrlRef } from './types.js';

export type Cause = 'backend-generated' | 'hard-coded' | 'third-party';

export interface Attribution {
  cause: Cause;
  /** Proved by `--confirm-cause` (the http:// URL disappeared when the client sent X-Forwarded-Proto: https). */
  proved: boolean;
  /** One paragraph for the finding's message. */
  explanation: string;
  /** Lint findings of the same deployment that explain it (`--config DIR`). */
  lint: LintJoin[];
}

function host(u: string): string | undefined {
  try {
    return new URL(u).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Same site, approximated without the Public Suffix List: same host name, or the same last two labels
 * (www.example.org ~ static.example.org). Good enough to tell the site's own hosts from a CDN's.
 */
export function sameSite(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.split('.');
  const lb = b.split('.');
  if (la.length < 2 || lb.length < 2) return false;
  return la.slice(-2).join('.') === lb.slice(-2).join('.');
}

/** The page's signs that its server builds absolute URLs from the request's scheme. */
export function backendSignals(facts: ScanFacts, page: PageFacts, exclude?: UrlRef): string[] {
  const h = host(page.finalUrl);
  const out: string[] = [];
  if (!h) return out;
  const sameHostHttp = (u: string | undefined) => u?.startsWith('http:') && host(u) === h;
  if (sameHostHttp(page.canonical)) out.push(`its canonical link is ${page.canonical}`);
  if (sameHostHttp(page.ogUrl)) out.push(`its og:url is ${page.ogUrl}`);
  if (sameHostHttp(page.baseHref)) out.push(`its <base href> is ${page.baseHref}`);
  const forms = page.insecure.filter((r) => r.kind === 'form-action' && sameHostHttp(r.url) && r.url !== exclude?.url);
  if (forms.length) out.push(`its form posts to ${forms[0]!.url}`);
  const hop = httpRedirect(facts, h);
  if (hop) out.push(`the server redirects ${hop.url} to ${hop.location}`);
  if (page.linkStats.sameHostHttp >= 2 && page.linkStats.sameHostHttps === 0) {
    out.push(`${page.linkStats.sameHostHttp} absolute URLs on the page use http://${h} and none https://`);
  }
  return out;
}

const hopCache = new WeakMap<ScanFacts, Map<string, { url: string; location?: string } | undefined>>();

/** The first https:// request of the scan redirected to http:// on this host (cached per facts). */
function httpRedirect(facts: ScanFacts, h: string) {
  let m = hopCache.get(facts);
  if (!m) {
    m = new Map();
    for (const p of facts.pages) {
      for (const c of p.chain) {
        if (!c.url.startsWith('https:') || !c.location || !/^http:\/\//i.test(c.location)) continue;
        const lh = host(c.location);
        if (lh && !m.has(lh)) m.set(lh, c);
      }
    }
    hopCache.set(facts, m);
  }
  return m.get(h);
}

const LINT_IDS =
  /forwarded-proto|proxy-ssl-header|x-forwarded-proto|forwarded-allow|trust-proxy|scheme|proxy-fix|secure-proxy|absolute-redirect|port-in-redirect|header-inheritance|https-missing|host-port/;

export function relevantLint(facts: ScanFacts): LintJoin[] {
  return facts.lint.filter((l) => LINT_IDS.test(l.id));
}

export function attribute(facts: ScanFacts, page: PageFacts, ref: UrlRef): Attribution {
  const pageHost = host(page.finalUrl) ?? '';
  const refHost = host(ref.url) ?? '';
  if (!sameSite(pageHost, refHost)) {
    const tp = facts.thirdParty.find((t) => t.url === ref.url);
    const https = ref.url.replace(/^http:/, 'https:').replace(/^ws:/, 'wss:');
    const check =
      tp === undefined
        ? ''
        : tp.httpsStatus !== undefined && tp.httpsStatus < 400
          ? ` ${https} answers ${tp.httpsStatus} over https: change the URL's scheme.`
          : ` ${https} does not work over https (${tp.error ?? `status ${tp.httpsStatus}`}): host the file yourself or drop it.`;
    return {
      cause: 'third-party',
      proved: false,
      explanation: `third-party host ${refHost}: the URL is written with http:// in the page or its assets.${check}`,
      lint: [],
    };
  }
  const confirm = facts.confirm.find((c) => c.page === page.finalUrl);
  if (confirm?.before.includes(ref.url) && !confirm.after.includes(ref.url)) {
    const lint = relevantLint(facts);
    return {
      cause: 'backend-generated',
      proved: true,
      explanation: `backend-generated (proved): re-fetched with X-Forwarded-Proto: https, the page no longer contains ${ref.url}. The backend builds URLs with the scheme it believes: the proxy is not passing, or the app not trusting, X-Forwarded-Proto.${lintText(lint)}`,
      lint,
    };
  }
  if (ref.source === 'css') {
    return {
      cause: 'hard-coded',
      proved: false,
      explanation: `hard-coded in the stylesheet ${ref.doc}${ref.line ? ` line ${ref.line}` : ''}: a static file does not depend on the request's scheme; write the URL relative or https://.`,
      lint: [],
    };
  }
  const signals = backendSignals(facts, page, ref);
  const strong = signals.some((s) => !s.includes('absolute URLs on the page'));
  if (signals.length > 0 && (strong || page.linkStats.sameHostHttps === 0) && refHost === pageHost) {
    const lint = relevantLint(facts);
    return {
      cause: 'backend-generated',
      proved: false,
      explanation: `backend-generated: the backend builds URLs with the scheme it believes: the proxy is not passing, or the app not trusting, X-Forwarded-Proto (${signals.join('; ')}).${lintText(lint)}${confirm ? '' : ' Run with --confirm-cause to prove it.'}`,
      lint,
    };
  }
  // No evidence on this page (e.g. a login page whose only absolute URL is its form action), and nothing
  // against it: the same host's other pages may show the backend at work.
  if (refHost === pageHost && page.linkStats.sameHostHttps === 0) {
    const site = siteSignals(facts, pageHost).find((x) => x.page !== page.finalUrl);
    if (site) {
      const lint = relevantLint(facts);
      return {
        cause: 'backend-generated',
        proved: false,
        explanation: `backend-generated: this page has no other absolute URL, but ${site.page} on the same host shows the backend building http:// URLs (${site.signals.join('; ')}): the proxy is not passing, or the app not trusting, X-Forwarded-Proto.${lintText(lint)}${confirm ? '' : ' Run with --confirm-cause to prove it.'}`,
        lint,
      };
    }
  }
  const others =
    page.linkStats.sameHostHttps > 0
      ? `the page's other same-host absolute URLs use https://`
      : page.linkStats.relative > 0
        ? `the page's other URLs are relative`
        : 'no other URL on the page uses http://';
  const confirmNote = confirm
    ? ' (--confirm-cause: the URL stays when the client claims https, so the request scheme does not build it)'
    : '';
  return {
    cause: 'hard-coded',
    proved: Boolean(confirm?.before.includes(ref.url) && confirm.after.includes(ref.url)),
    explanation: `hard-coded in content or templates: ${others}, and this http:// URL is written literally${ref.line ? ` at line ${ref.line}` : ''}${confirmNote}.`,
    lint: [],
  };
}

const siteCache = new WeakMap<ScanFacts, Map<string, Array<{ page: string; signals: string[] }>>>();

/** Pages of a host whose own content shows backend-built http:// URLs (computed once per facts). */
function siteSignals(facts: ScanFacts, hostname: string): Array<{ page: string; signals: string[] }> {
  let byHost = siteCache.get(facts);
  if (!byHost) {
    byHost = new Map();
    siteCache.set(facts, byHost);
  }
  let out = byHost.get(hostname);
  if (!out) {
    out = [];
    for (const p of facts.pages) {
      if (host(p.finalUrl) !== hostname || !p.finalUrl.startsWith('https:')) continue;
      const signals = backendSignals(facts, p).filter((x) => !x.startsWith('the server redirects'));
      if (signals.length && (p.linkStats.sameHostHttps === 0 || signals.some((x) => !x.includes('absolute URLs on the page'))))
        out.push({ page: p.finalUrl, signals });
      if (out.length >= 3) break;
    }
    byHost.set(hostname, out);
  }
  return out;
}

function lintText(lint: LintJoin[]): string {
  if (!lint.length) return '';
  return ` Consistent with ${lint
    .slice(0, 3)
    .map((l) => `${l.id} at ${l.file}${l.line ? `:${l.line}` : ''}`)
    .join(', ')}.`;
}
