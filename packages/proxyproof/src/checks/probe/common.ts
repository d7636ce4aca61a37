/**
 * Probe checks: pure functions of ProbeFacts (what `probe` saw on a live backend). Each compares the
 * baseline response with one forged request and keeps only URL-, cookie- and address-shaped signals, so
 * tokens that change on every response (CSRF tokens, dates) never count as a difference.
 */
import type { CheckMeta } from '../../model/check.js';
import { finding } from '../../model/check.js';
import type { Evidence, Finding, Severity } from '../../model/finding.js';
import { type ExchangeName, FORGED, type ProbeExchange, type ProbeFacts, type ProbeResponse } from '../../probe/types.js';

export { finding };

export interface ProbeCheck {
  meta: CheckMeta;
  run(facts: ProbeFacts): Finding[];
}

export const PROBE_REFS = {
  gunicornForwarded: 'https://docs.gunicorn.org/en/stable/settings.html#forwarded-allow-ips',
  uvicornProxy: 'https://www.uvicorn.org/settings/#http',
  djangoProxySsl: 'https://docs.djangoproject.com/en/stable/ref/settings/#secure-proxy-ssl-header',
  djangoForwardedHost: 'https://docs.djangoproject.com/en/stable/ref/settings/#use-x-forwarded-host',
  expressTrustProxy: 'https://expressjs.com/en/guide/behind-proxies.html',
  rfc7239: 'https://www.rfc-editor.org/rfc/rfc7239',
  owaspHostHeader:
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/17-Testing_for_Host_Header_Injection',
} as const;

/** The probe ran on this host against a loopback address: only local processes can do what it did. */
export function localOnly(facts: ProbeFacts): boolean {
  const h = new URL(facts.backend).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return !facts.fromNetns && (h === 'localhost' || h === '::1' || /^127\./.test(h));
}

/** Severity of a spoof: the check's own, or low when only processes on the same host can send it. */
export function spoofSeverity(facts: ProbeFacts, severity: Severity): Severity {
  return localOnly(facts) ? 'low' : severity;
}

export const LOCAL_NOTE =
  ' (over loopback from this host: only local processes can do this, which gunicorn and uvicorn allow by default for a proxy on the same host)';

/** The exchange of that name on the backend URL itself, or on another path (`url`, the client-address pairs). */
export function exchange(facts: ProbeFacts, name: ExchangeName, url?: string): ProbeExchange | undefined {
  return facts.exchanges.find((e) => e.name === name && e.url === url);
}

/** The URL an exchange asked. */
export function urlOf(facts: ProbeFacts, ex: ProbeExchange): string {
  return ex.url ?? facts.backend;
}

/** The pair to compare (the forged request and the baseline of the same URL), when both got an HTTP answer. */
export function pair(
  facts: ProbeFacts,
  name: ExchangeName,
  url?: string,
): { base: ProbeResponse; forged: ProbeResponse; ex: ProbeExchange } | undefined {
  const b = exchange(facts, 'baseline', url)?.response;
  const ex = exchange(facts, name, url);
  if (!b || !ex?.response) return undefined;
  return { base: b, forged: ex.response, ex };
}

/** Every pair of that name: the backend URL's, then each other path's (`--client-ip-path`). */
export function pairs(
  facts: ProbeFacts,
  name: ExchangeName,
): Array<{ base: ProbeResponse; forged: ProbeResponse; ex: ProbeExchange }> {
  const urls = [undefined, ...new Set(facts.exchanges.filter((e) => e.url !== undefined).map((e) => e.url))];
  return urls.flatMap((u) => pair(facts, name, u) ?? []);
}

export function cookieName(c: string): string {
  return (c.split(';')[0] ?? '').split('=')[0]?.trim() ?? '';
}

export function isSecureCookie(c: string): boolean {
  return c
    .split(';')
    .slice(1)
    .some((a) => a.trim().toLowerCase() === 'secure');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Absolute URLs to the site itself in a body or header, per scheme (`http://app.test/x`, `https://app.test:8443/`). */
export function selfUrls(text: string, host: string): { http: number; https: number } {
  const name = host.replace(/:\d+$/, '');
  const re = new RegExp(`\\b(https?)://${escapeRe(name)}(?::\\d+)?(?=[/"'\\s<>?#)]|$)`, 'gi');
  const out = { http: 0, https: 0 };
  for (const m of text.matchAll(re)) {
    if ((m[1] as string).toLowerCase() === 'https') out.https++;
    else out.http++;
  }
  return out;
}

export function locationOf(r: ProbeResponse): string | undefined {
  return r.headers.location;
}

/** Status line, Location, cookies (with Secure), and the absolute self-URLs counted: one response, in a few lines. */
export function summary(r: ProbeResponse, host: string): string {
  const lines = [`HTTP ${r.status}`];
  const loc = locationOf(r);
  if (loc) lines.push(`Location: ${loc}`);
  for (const c of r.setCookies) lines.push(`Set-Cookie: ${cookieName(c)}=…${isSecureCookie(c) ? '; Secure' : ''}`);
  const u = selfUrls(r.body, host);
  if (u.http + u.https > 0) lines.push(`body: ${u.http} http:// and ${u.https} https:// URLs to ${host.replace(/:\d+$/, '')}`);
  return lines.join('\n');
}

function sentText(sent: Record<string, string>): string {
  return Object.entries(sent)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}

/** Characters of body shown before and after a value in an excerpt. */
const EXCERPT_BEFORE = 32;
const EXCERPT_AFTER = 24;

function oneLine(t: string): string {
  return t.replace(/\s+/g, ' ');
}

/**
 * The body around the first place one of `values` shows in the forged answer, and the baseline's body at the same
 * place: the text just before the value, found again in the baseline, and what follows it there. So an echoed
 * client address reads `from 127.0.0.1` against `from 198.18.0.77`.
 */
export function bodyExcerpts(
  base: ProbeResponse,
  forged: ProbeResponse,
  values: string[],
): { base?: string; forged: string } | undefined {
  const body = forged.body;
  const lower = body.toLowerCase();
  let at = -1;
  let value = '';
  for (const v of values) {
    const i = lower.indexOf(v.toLowerCase());
    if (i >= 0 && (at < 0 || i < at)) {
      at = i;
      value = v;
    }
  }
  if (at < 0) return undefined;
  const start = Math.max(0, at - EXCERPT_BEFORE);
  const lead = body.slice(start, at);
  const end = Math.min(body.length, at + value.length + EXCERPT_AFTER);
  const out: { base?: string; forged: string } = {
    forged: `${start > 0 ? '…' : ''}${oneLine(body.slice(start, end))}${end < body.length ? '…' : ''}`,
  };
  // The same place in the baseline: the longest tail of the lead (at least 6 characters) found there.
  for (let n = lead.length; n >= 6; n--) {
    const tail = lead.slice(lead.length - n);
    const j = base.body.indexOf(tail);
    if (j < 0) continue;
    const bEnd = Math.min(base.body.length, j + tail.length + value.length + EXCERPT_AFTER);
    out.base = `${j > 0 ? '…' : ''}${oneLine(base.body.slice(j, bEnd))}${bEnd < base.body.length ? '…' : ''}`;
    break;
  }
  return out;
}

/**
 * Both responses side by side: the baseline, then the forged request with the headers it carried (`side` pairs them
 * in every output format). `bodyValues`: forged values to show in context when the body carries them.
 */
export function sideBySide(
  facts: ProbeFacts,
  p: { base: ProbeResponse; forged: ProbeResponse; ex: ProbeExchange },
  bodyValues: string[] = [],
): Evidence[] {
  const excerpt = bodyValues.length ? bodyExcerpts(p.base, p.forged, bodyValues) : undefined;
  const withExcerpt = (text: string, e: string | undefined) => (e === undefined ? text : `${text}\nexcerpt: ${e}`);
  return [
    {
      file: urlOf(facts, p.ex),
      line: 0,
      source: 'live',
      side: 'baseline',
      note: `baseline (Host: ${facts.hostHeader})`,
      snippet: withExcerpt(summary(p.base, facts.hostHeader), excerpt ? (excerpt.base ?? '(no such place)') : undefined),
    },
    {
      file: urlOf(facts, p.ex),
      line: 0,
      source: 'live',
      side: 'compared',
      note: `forged: ${sentText(p.ex.sent)}`,
      snippet: withExcerpt(summary(p.forged, facts.hostHeader), excerpt?.forged),
    },
  ];
}

/**
 * Where a forged value shows up in a response (Location, other headers, cookies, body). `raw`: header values sent
 * verbatim, removed from the text first: a page that echoes the request's headers (a debug view) shows them
 * without believing them.
 */
export function echoes(r: ProbeResponse, value: string | string[], raw: string[] = []): string[] {
  const vs = (Array.isArray(value) ? value : [value]).map((v) => v.toLowerCase());
  const strip = [...raw].map((x) => x.toLowerCase()).sort((a, b) => b.length - a.length);
  const has = (text: string | undefined): boolean => {
    if (text === undefined) return false;
    let t = text.toLowerCase();
    for (const x of strip) if (x) t = t.split(x).join(' ');
    return vs.some((v) => t.includes(v));
  };
  const out: string[] = [];
  if (has(locationOf(r))) out.push('the Location header');
  if (Object.entries(r.headers).some(([k, x]) => k !== 'location' && has(x))) out.push('a response header');
  if (r.setCookies.some((c) => has(c))) out.push('a Set-Cookie');
  if (has(r.body)) out.push('the body');
  return out;
}

export const FORGED_VALUES = FORGED;

export const NOT_MECHANICAL =
  'Not a file change the probe can make: trust forwarded headers only from the proxy (gunicorn/uvicorn forwarded_allow_ips, Express trust proxy, Django SECURE_PROXY_SSL_HEADER only behind a proxy that overwrites the header) and bind the app where only the proxy reaches it; `proxyproof fix` on the deployment files writes what it can.';

/**
 * The finding of a forged value echoed back: the places the forged response shows it (`where`), none in the
 * baseline (the app did not already show that value), rated by who can send it (spoofSeverity). Shared by the
 * host and client-address checks, which differ only in what they look for and what they say.
 */
export function echoFinding(
  meta: CheckMeta,
  facts: ProbeFacts,
  p: { base: ProbeResponse; forged: ProbeResponse; ex: ProbeExchange },
  o: { where: string[]; forged: string | string[]; says: string; why: string; bodyValues?: string[] },
): Finding[] {
  if (o.where.length === 0 || echoes(p.base, o.forged).length > 0) return [];
  return [
    finding(meta, {
      severity: spoofSeverity(facts, meta.severity),
      message: `${urlOf(facts, p.ex)}${facts.fromNetns ? ` (from ${facts.fromNetns})` : ''} ${o.says} in ${o.where.join(', ')}.${localOnly(facts) ? LOCAL_NOTE : ''}`,
      evidence: sideBySide(facts, p, o.where.includes('the body') ? (o.bodyValues ?? [o.forged].flat()) : []),
      why: o.why,
      fix: { description: NOT_MECHANICAL },
      data: { where: o.where },
    }),
  ];
}
