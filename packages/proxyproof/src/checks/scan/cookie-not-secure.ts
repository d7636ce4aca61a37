import type { CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { parseHsts, stsAgeNeeded } from '../../scan/cookies.js';
import { djangoCookieEvidence } from '../../scan/django.js';
import type { CookieFacts, PageFacts } from '../../scan/types.js';
import { finding, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/cookie-not-secure',
  severity: 'medium',
  title: 'Cookie without Secure on an https response',
  summary: 'An https:// response sets a cookie without the Secure attribute.',
  references: [
    'https://httpwg.org/specs/rfc6265.html#sane-set-cookie',
    'https://docs.djangoproject.com/en/stable/ref/settings/#session-cookie-secure',
    'https://docs.djangoproject.com/en/stable/ref/settings/#csrf-cookie-secure',
  ],
};

/** Groups cookie occurrences by name (one finding per cookie, every URL that sets it). */
export function byName(cookies: Iterable<CookieFacts>): Map<string, CookieFacts[]> {
  const m = new Map<string, CookieFacts[]>();
  for (const c of cookies) {
    const g = m.get(c.name) ?? [];
    if (!g.some((x) => x.url === c.url)) g.push(c);
    m.set(c.name, g);
  }
  return m;
}

/**
 * The STS that keeps these occurrences off plain http, when every one was set by a final https response that carried
 * a valid `Strict-Transport-Security` whose max-age outlives the cookie (a browser-session cookie: a day), and the
 * cookie is host-only or, with Domain, set by that very host under includeSubDomains (RFC 6797 8.3, RFC 6265 5.4;
 * the reasoning in checks/appserver/hsts-cover.ts). Cookies set on redirect hops are not counted (their STS is not
 * recorded).
 */
function stsCover(occ: CookieFacts[], pages: PageFacts[]): { header: string; maxAge: number } | undefined {
  let min: { header: string; maxAge: number } | undefined;
  for (const c of occ) {
    const p = pages.find((x) => x.finalUrl === c.url && x.hsts !== undefined);
    if (!p?.hsts) return undefined;
    const h = parseHsts(p.hsts);
    if (h.invalid || h.maxAge === undefined) return undefined;
    const need = stsAgeNeeded(c.lifetime);
    if (need === undefined || h.maxAge < need) return undefined;
    if (c.domain !== undefined && (!h.includeSubDomains || new URL(c.url).hostname.toLowerCase() !== c.domain)) return undefined;
    if (!min || h.maxAge < min.maxAge) min = { header: p.hsts, maxAge: h.maxAge };
  }
  return min;
}

export const cookieNotSecure: ScanCheck = {
  meta,
  run(facts) {
    const all = facts.pages.flatMap((p) => p.cookies).filter((c) => c.url.startsWith('https:') && !c.secure);
    // __Secure-/__Host- and SameSite=None cookies without Secure are dropped by the browser: their own checks.
    const relevant = all.filter((c) => !/^__(?:Secure|Host)-/.test(c.name) && c.sameSite !== 'none');
    // Django's setting is named only on evidence from the whole site's cookies, never from this cookie's name alone.
    const djangoSite = djangoCookieEvidence(facts.pages.flatMap((p) => p.cookies)) !== undefined;
    const out: Finding[] = [];
    for (const [name, occ] of byName(relevant)) {
      const django = djangoSite && (name === 'sessionid' || name === 'csrftoken');
      const sts = stsCover(occ, facts.pages);
      out.push(
        finding(meta, {
          ...(sts ? { severity: 'info' as const } : {}),
          message: `cookie ${name} is set without Secure on ${occ[0]!.url}${occ.length > 1 ? ` and ${occ.length - 1} more URL(s)` : ''}${django ? ` (Django: ${name === 'sessionid' ? 'SESSION_COOKIE_SECURE' : 'CSRF_COOKIE_SECURE'} is off)` : ''}${sts ? `; the responses that set it carry Strict-Transport-Security (max-age=${sts.maxAge}), so the browser sends this host no plain http request while it holds the cookie; keep the flag on anyway` : ''}`,
          evidence: occ
            .slice(0, 20)
            .map((c) => ({ file: c.url, line: 0, snippet: `Set-Cookie: ${c.raw}`, source: 'live' as const })),
          why: "The browser also sends it over plain http:// (a link, a redirect to http, an attacker's injected request), where anyone on the network reads the session.",
          fix: {
            description: django
              ? `set ${name === 'sessionid' ? 'SESSION_COOKIE_SECURE' : 'CSRF_COOKIE_SECURE'} = True`
              : 'add the Secure attribute',
          },
          data: { cookie: name, urls: occ.map((c) => c.url) },
        }),
      );
    }
    return out;
  },
};
