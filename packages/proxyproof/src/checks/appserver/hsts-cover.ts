/**
 * Does HSTS keep a cookie without Secure off plain http? The rule every insecure-cookie check shares.
 *
 * What a browser does (RFC 6797 8.3, 8.1; RFC 6265 5.4): once a host's HTTPS response carried
 * `Strict-Transport-Security: max-age=N`, the browser rewrites every http:// URL of that host to https:// before
 * sending anything, for N seconds from the latest such response; STS received over plain http is ignored. A
 * host-only cookie (no Domain attribute: Django's default, express-session's) is sent only to the host that set it.
 * So a cookie without Secure, set by an HTTPS response of a host whose HTTPS responses carry STS, never travels over
 * plain http while the STS entry outlives the cookie. That holds only when:
 *  - every TLS route of the tree that reaches an app sends the header (nginx `add_header`: a level that writes any
 *    `add_header` inherits none, so a location with its own `add_header` drops the server's STS);
 *  - max-age is a literal number at least the cookie's lifetime (a session cookie: at least a day);
 *  - the cookie has no Domain attribute, or the STS has includeSubDomains (a Domain cookie also goes to sibling
 *    hosts, which only the parent domain's includeSubDomains covers, and only when the parent is the host);
 *  - no other TLS end is in the tree whose response headers we do not read (Caddy, Traefik, HAProxy, Apache, a cloud
 *    balancer, an ingress): their responses may carry no STS at all.
 * Without `always` nginx adds the header to 200/201/204/206/301/302/303/304/307/308 only; the responses that set a
 * session or CSRF cookie (a page, a login redirect) are among them, and an entry lives from the latest such response,
 * so a missing `always` is said, not counted against the rule.
 * Checked on Debian's Chromium (test/scan/hsts-cookie-chromium.test.ts): without STS the cookie goes out in clear text
 * to the host's plain port; with it the URL is rewritten to https on the same port; STS over plain http is ignored; a
 * Domain cookie reaches a sibling host in clear text unless the STS has includeSubDomains.
 * It mitigates, it does not replace the flag: a lost header (a new location, a moved proxy) reopens the leak. The
 * checks keep their finding at info and say so.
 */
import { frontName } from '../../collectors/front/fronts.js';
import { type NginxModel, type NginxResponseHeader, nginxModel, passingScopes } from '../../facts/nginx/index.js';
import type { Facts } from '../../model/facts.js';
import type { Evidence } from '../../model/finding.js';
import { parseHsts, STS_MIN_AGE_S, stsAgeNeeded } from '../../scan/cookies.js';

/** A cookie the app sets without Secure: its lifetime and Domain as far as the settings say. */
export interface CookieReach {
  /** Display name (`sessionid`, `the session cookie`). */
  name: string;
  /** Seconds; 'session' for a cookie that ends with the browser; 'unknown' when the settings do not say. */
  lifetime: number | 'session' | 'unknown';
  /** The Domain attribute (undefined: host-only); 'unknown' when it comes from the environment. */
  domain?: string | 'unknown';
}

export type HstsCover =
  | { covered: true; evidence: Evidence[]; maxAge: number; always: boolean }
  | { covered: false; reason: string; evidence?: Evidence };

function ev(h: NginxResponseHeader, note: string): Evidence {
  return { file: h.ref.file, line: h.ref.line, snippet: h.ref.text, note };
}

const isSts = (h: NginxResponseHeader) => h.name.toLowerCase() === 'strict-transport-security';

/** Any TLS route of the model sends STS. */
function sendsStsAnywhere(m: NginxModel): boolean {
  return m.servers.some((s) => s.tls && s.scopes.some((sc) => sc.addHeaders?.some(isSts)));
}

/** Other TLS ends in the tree whose response headers are not read here. */
function otherTlsEnd(facts: Facts): string | undefined {
  const front = facts.fronts?.find((f) => f.terminatesTls);
  if (front) return `TLS also ends at ${frontName(front)}, whose responses are not read`;
  const proxy = facts.proxies?.find((p) => p.kind !== 'nginx');
  if (proxy) return `a ${proxy.kind} proxy in ${proxy.file} may answer without the header`;
  if ((facts.kube?.ingressNginx.length ?? 0) > 0) return 'an ingress controller may answer without the header';
  return undefined;
}

/**
 * Whether the nginx in the tree sends STS on every TLS route that reaches an app, long and wide enough for these
 * cookies. `covered: false` carries the first reason it does not.
 */
export function hstsCover(facts: Facts, cookies: CookieReach[]): HstsCover {
  if (!facts.nginx || facts.nginx.configs.length === 0) return { covered: false, reason: 'no nginx TLS server in the files' };
  const other = otherTlsEnd(facts);
  if (other) return { covered: false, reason: other };
  let m: NginxModel;
  try {
    m = nginxModel(facts);
  } catch {
    return { covered: false, reason: 'the nginx configuration could not be modelled' };
  }
  let need = STS_MIN_AGE_S;
  for (const c of cookies) {
    const n = stsAgeNeeded(c.lifetime);
    if (n === undefined) return { covered: false, reason: `the lifetime of ${c.name} is not known` };
    need = Math.max(need, n);
  }
  const domainCookie = cookies.find((c) => c.domain !== undefined);
  if (domainCookie?.domain === 'unknown')
    return { covered: false, reason: `the Domain of ${domainCookie.name} comes from the environment` };
  const seen = new Map<NginxResponseHeader, true>();
  const evidence: Evidence[] = [];
  let always = true;
  let minAge = Number.POSITIVE_INFINITY;
  let routes = 0;
  for (const server of m.servers) {
    if (!server.tls || server.fragment || server.tlsOnlyInBranch) continue;
    for (const scope of passingScopes(server)) {
      if (scope.restricted) continue;
      routes++;
      const sts = scope.addHeaders?.find(isSts);
      if (!sts)
        return {
          covered: false,
          reason: `${scope.label} sends no Strict-Transport-Security${scope.addHeaders ? ' (its own add_header lines replace the outer ones)' : ''}`,
          // Said only where the tree does send HSTS somewhere (a site without any has nothing to explain).
          ...(sendsStsAnywhere(m)
            ? { evidence: { file: scope.ref.file, line: scope.ref.line, snippet: scope.ref.text, note: 'no HSTS on this route' } }
            : {}),
        };
      if (seen.has(sts)) continue;
      seen.set(sts, true);
      const p = parseHsts(sts.value);
      if (p.invalid || p.maxAge === undefined || /[$]/.test(sts.value))
        return {
          covered: false,
          reason: `the header's value is not a fixed policy (${p.invalid ?? 'a variable'})`,
          evidence: ev(sts, 'HSTS'),
        };
      if (p.maxAge < need)
        return {
          covered: false,
          reason: `max-age=${p.maxAge} is shorter than the cookie's lifetime (${need} s): the browser forgets the policy while it still holds the cookie`,
          evidence: ev(sts, 'HSTS too short'),
        };
      if (domainCookie) {
        const parent = String(domainCookie.domain).replace(/^\./, '').toLowerCase();
        if (!p.includeSubDomains)
          return {
            covered: false,
            reason: `${domainCookie.name} has Domain=${parent}, so it also goes to other hosts under it, and the header has no includeSubDomains`,
            evidence: ev(sts, 'HSTS without includeSubDomains'),
          };
        if (!server.serverNames.some((n) => n.toLowerCase() === parent))
          return {
            covered: false,
            reason: `${domainCookie.name} has Domain=${parent}, and no HTTPS server here answers for ${parent} itself (includeSubDomains covers only the hosts under the one that sends it)`,
            evidence: ev(sts, 'HSTS on another host'),
          };
      }
      minAge = Math.min(minAge, p.maxAge);
      if (!sts.always) always = false;
      evidence.push(ev(sts, `HSTS max-age=${p.maxAge}${p.includeSubDomains ? '; includeSubDomains' : ''}`));
    }
  }
  if (routes === 0) return { covered: false, reason: 'no nginx TLS route to an app' };
  return { covered: true, evidence, maxAge: minAge, always };
}

/** The sentence a mitigated finding carries. */
export function coverSentence(cover: Extract<HstsCover, { covered: true }>): string {
  return `every HTTPS route sends Strict-Transport-Security (max-age=${cover.maxAge}), so after the first HTTPS answer the browser never sends this host a plain http request and a host-only cookie stays on https; keep the flag on anyway (a route that loses the header reopens the leak)${cover.always ? '' : "; without 'always' nginx omits the header on error responses"}`;
}
