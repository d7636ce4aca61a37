/**
 * Shared pieces of the checks on neutral proxy facts (Caddy, HAProxy, Apache, Traefik, ingress):
 * evidence from refs, the effective scheme header of a route, template evaluation for a TLS or plain
 * request, and each proxy's syntax for the line a fix writes.
 */
import type { Ref } from '../../chain/model.js';
import { evaluate } from '../../chain/template.js';
import { ingressProxyConfigs } from '../../facts/ingress-sites.js';
import { proxyConfigs } from '../../facts/proxy-configs.js';
import type { Facts } from '../../model/facts.js';
import type { Evidence } from '../../model/finding.js';
import type { HeaderRule, ProxyConfigFacts, ProxyRoute, ProxySite } from '../../model/proxy.js';

export const PROXY_DOCS = {
  apacheProxyHeaders: 'https://httpd.apache.org/docs/2.4/mod/mod_proxy.html#x-headers',
  apacheRequestHeader: 'https://httpd.apache.org/docs/2.4/mod/mod_headers.html#requestheader',
  apacheExpr: 'https://httpd.apache.org/docs/2.4/expr.html',
  apacheVhostMatching: 'https://httpd.apache.org/docs/2.4/vhosts/details.html',
  apacheRemoteIp: 'https://httpd.apache.org/docs/2.4/mod/mod_remoteip.html',
  haproxyForwardfor: 'https://docs.haproxy.org/2.6/configuration.html#4.2-option%20forwardfor',
  haproxySetHeader: 'https://docs.haproxy.org/2.6/configuration.html#4.2-http-request%20set-header',
  haproxyMode: 'https://docs.haproxy.org/2.6/configuration.html#4.2-mode',
  caddyReverseProxyDefaults: 'https://caddyserver.com/docs/caddyfile/directives/reverse_proxy#defaults',
  caddyTrustedProxies: 'https://caddyserver.com/docs/caddyfile/options#trusted-proxies',
  caddyHeaderUp: 'https://caddyserver.com/docs/caddyfile/directives/reverse_proxy#headers',
  mdnXfp: 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/X-Forwarded-Proto',
  rfc7239: 'https://www.rfc-editor.org/rfc/rfc7239',
};

export function ev(ref: Ref | undefined, note?: string): Evidence {
  return { file: ref?.file ?? '', line: ref?.line ?? 0, snippet: ref?.snippet, note };
}

export function* eachSite(facts: Facts): Generator<{ config: ProxyConfigFacts; site: ProxySite }> {
  for (const config of facts.proxies ?? []) for (const site of config.sites) yield { config, site };
}

/**
 * Every site of every proxy: `Facts.proxies`, nginx's servers (facts/nginx/sites.ts) and Kubernetes Ingresses
 * (facts/ingress-sites.ts). The generic checks read these; where a proxy has its own check for the same mistake,
 * checks/proxy/twins.ts keeps one finding.
 */
export function* everySite(facts: Facts): Generator<{ config: ProxyConfigFacts; site: ProxySite }> {
  for (const config of [...proxyConfigs(facts), ...(facts.kube ? ingressProxyConfigs(facts) : [])])
    for (const site of config.sites) yield { config, site };
}

/** Routes that speak HTTP upstream (headers matter); fastcgi/uwsgi carry params instead. */
export function httpRoutes(site: ProxySite): ProxyRoute[] {
  return site.mode === 'http' ? site.routes.filter((r) => r.protocol === 'http' || r.protocol === 'https') : [];
}

export function rulesNamed(rules: HeaderRule[], name: string): HeaderRule[] {
  return rules.filter((r) => r.name.toLowerCase() === name.toLowerCase());
}

/** Header rules that tell the upstream the scheme (X-Forwarded-Proto and its common aliases, RFC 7239). */
export function schemeRules(rules: HeaderRule[]): HeaderRule[] {
  return rules.filter((r) =>
    [
      'x-forwarded-proto',
      'x-forwarded-protocol',
      'x-forwarded-scheme',
      'x-scheme',
      'x-forwarded-ssl',
      'forwarded',
      'front-end-https',
      'x-url-scheme',
    ].includes(r.name.toLowerCase()),
  );
}

/** The value a rule sends for a request on TLS or plain HTTP, with no incoming headers; undefined when unknown. */
export function valueFor(rule: HeaderRule, tls: boolean): string | undefined {
  if (rule.value === null) return undefined;
  if (rule.when === 'tls' && !tls) return undefined;
  if (rule.when === 'plain' && tls) return undefined;
  // Only rewrites what the request carries: with no incoming headers it sends nothing.
  if (rule.ifPresent) return undefined;
  // The context below is fixed (no maps, no incoming headers, no peer): the answer is the template's and the
  // scheme's alone, so each template is evaluated once per scheme. A 10,000-server config has ~10,000 scheme
  // rules but a handful of distinct templates (`{scheme}`), and five checks ask for each.
  const memo = tls ? VALUE_ON_TLS : VALUE_ON_PLAIN;
  const hit = memo.get(rule.value);
  if (hit !== undefined || memo.has(rule.value)) return hit;
  const r = evaluate(rule.value, {
    scheme: tls ? 'https' : 'http',
    host: 'example.com',
    httpHost: 'example.com',
    serverPort: tls ? 443 : 80,
    remoteAddr: '203.0.113.7',
    peerAddr: '203.0.113.7',
    proxyHost: 'backend',
    incoming: new Map(),
    peerTrusted: false,
  });
  const value = r.unknown ? undefined : r.value;
  // Bounded: a long-lived process (the tests, a watch) lints many configs.
  if (memo.size >= VALUE_MEMO_MAX) memo.clear();
  memo.set(rule.value, value);
  return value;
}

/** valueFor's answers by template, for a TLS and for a plain-HTTP request. */
const VALUE_ON_TLS = new Map<string, string | undefined>();
const VALUE_ON_PLAIN = new Map<string, string | undefined>();
const VALUE_MEMO_MAX = 4096;

export function tlsListeners(site: ProxySite) {
  return site.listeners.filter((l) => l.tls);
}

export function plainListeners(site: ProxySite) {
  return site.listeners.filter((l) => !l.tls);
}

/** The line that sets X-Forwarded-Proto to the connection's scheme, in the proxy's own syntax. */
export function setSchemeLine(kind: string, tlsOnly: boolean): string {
  switch (kind) {
    case 'apache':
      return tlsOnly
        ? 'RequestHeader set X-Forwarded-Proto "https"'
        : 'RequestHeader set X-Forwarded-Proto expr=%{REQUEST_SCHEME}';
    case 'haproxy':
      return 'http-request set-header X-Forwarded-Proto %[ssl_fc,iif(https,http)]';
    case 'caddy':
      return 'header_up X-Forwarded-Proto {scheme}';
    case 'nginx':
      return 'proxy_set_header X-Forwarded-Proto $scheme;';
    default:
      return 'X-Forwarded-Proto: https';
  }
}

/** Scheme headers and the value that means https (the headers proxies write a literal scheme into). */
export const HTTPS_VALUE: Record<string, RegExp> = {
  'x-forwarded-proto': /^https$/i,
  'x-forwarded-protocol': /^(https|ssl)$/i,
  'x-forwarded-scheme': /^https$/i,
  'x-scheme': /^https$/i,
  'x-url-scheme': /^https$/i,
  'x-forwarded-ssl': /^on$/i,
  'front-end-https': /^on$/i,
};

/**
 * A condition the collector kept as text but did not model (`when` is set only for TLS / plain conditions): HAProxy
 * `if`/`unless` ACLs other than `ssl_fc`, Apache `env=`/`expr=` arguments after the value (the collector notes them
 * and keeps the rule unconditional). A rule under one is not judged.
 */
function unmodelledCondition(kind: string, r: HeaderRule): boolean {
  if (r.when !== undefined) return false;
  const text = ` ${r.ref.snippet ?? ''} `;
  if (kind === 'haproxy') return /\s(if|unless)\s/.test(text);
  if (kind === 'apache') return /\s(env|expr)=/i.test(text.replace(/^\s*RequestHeader\s+\S+\s+\S+\s+(?:"[^"]*"|\S+)/i, ''));
  return false;
}

/**
 * What a plain-HTTP request with no such incoming header carries in `name` after the route's rules, in order (HAProxy
 * runs the frontend's rules, then the backend's; nginx, Caddy, Apache and Traefik list theirs in the order they
 * apply), and the rule that wrote the last value. A rule with a condition the collector could not model makes the
 * answer unknown.
 */
export function plainRequestValue(
  kind: string,
  rules: HeaderRule[],
  name: string,
): { values: string[]; by?: HeaderRule } | 'unknown' {
  let values: string[] = [];
  let by: HeaderRule | undefined;
  for (const r of rules) {
    if (r.name.toLowerCase() !== name) continue;
    if (r.when === 'tls') continue;
    if (unmodelledCondition(kind, r)) return 'unknown';
    if (r.ifPresent) {
      if (values.length > 0) return 'unknown';
      continue;
    }
    // Set only when the request carries none yet (Apache setifempty, HAProxy forwardfor if-none).
    if (r.ifAbsent && values.length > 0) continue;
    if (r.value === null) {
      values = [];
      by = undefined;
      continue;
    }
    const v = valueFor(r, false);
    if (v === undefined) return 'unknown';
    values = r.append ? [...values, v] : [v];
    by = r;
  }
  return { values, by };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[?::1\]?|localhost)$/i;

/**
 * A site listening only on loopback that other sites of the same config proxy to, each setting `name` itself (an
 * outer TLS server → `proxy_pass http://127.0.0.1:8080` → this one): what it reads from the request under that
 * name is the outer site's value, not a client's (checks/nginx/common.ts outerServersSet, in neutral terms).
 */
export function fedByOwnSites(config: ProxyConfigFacts, site: ProxySite, name: string): boolean {
  if (site.listeners.length === 0 || !site.listeners.every((l) => l.address !== undefined && LOOPBACK.test(l.address)))
    return false;
  const ports = new Set(site.listeners.map((l) => l.port));
  const want = name.toLowerCase();
  const feeding = config.sites
    .filter((o) => o !== site)
    .flatMap((o) => o.routes)
    .filter((r) =>
      r.upstreams.some((u) => u.address?.kind === 'tcp' && LOOPBACK.test(u.address.host) && ports.has(u.address.port)),
    );
  // Written with underscores counts where the site keeps such names (nginx `underscores_in_headers on`).
  const named = (n: string) => n === want || (site.underscoreNames === 'keep' && n.replace(/_/g, '-') === want);
  return feeding.length > 0 && feeding.every((r) => r.headers.some((h) => h.value !== null && named(h.name.toLowerCase())));
}
