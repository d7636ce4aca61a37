/**
 * caddy/trusted-proxies-missing: a plain-HTTP Caddy site that only another proxy reaches (it binds a
 * loopback address, or a TLS-terminating front is declared/inferred in front of it) proxies to its app
 * without `trusted_proxies`. Since Caddy 2.5 (reverse_proxy, and php_fastcgi which is one) incoming
 * X-Forwarded-For/-Proto/-Host from an untrusted peer are replaced by Caddy's own view: the app sees
 * `http` and the proxy's address although the outer proxy sent `https` and the client's.
 */
import { isLoopbackHost } from '../../chain/addr.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding, Fix } from '../../model/finding.js';
import type { ProxyConfigFacts, ProxySite } from '../../model/proxy.js';
import { ev, PROXY_DOCS } from '../proxy/common.js';

const meta: CheckMeta = {
  id: 'caddy/trusted-proxies-missing',
  severity: 'high',
  title: 'Caddy behind another proxy trusts none of its forwarded headers',
  summary:
    'A Caddy site reached only through another proxy has no trusted_proxies: Caddy replaces that proxy’s X-Forwarded-Proto/-For with its own http and the proxy’s address.',
  references: [
    PROXY_DOCS.caddyReverseProxyDefaults,
    PROXY_DOCS.caddyTrustedProxies,
    'https://github.com/caddyserver/caddy/blob/v2.6.2/modules/caddyhttp/reverseproxy/reverseproxy.go',
  ],
};

/** Why another proxy is in front of this site, strongest first. */
function inFront(
  site: ProxySite,
  facts: Parameters<Check['run']>[0],
): { evidence: Evidence[]; peers: string; strong: boolean } | undefined {
  const front = (facts.fronts ?? []).find((f) => f.terminatesTls && f.name !== 'none');
  if (front)
    return {
      evidence: front.evidence.map((r) => ev(r, `${front.name} ends TLS in front of Caddy`)),
      peers: front.ranges.length ? front.ranges.join(' ') : 'private_ranges',
      strong: true,
    };
  const loopback = site.listeners.length > 0 && site.listeners.every((l) => l.address && isLoopbackHost(l.address));
  if (loopback)
    return {
      evidence: [
        ev(
          site.listeners[0]?.ref,
          `binds ${site.listeners[0]?.address}: only a process on this host (a proxy in front) connects`,
        ),
      ],
      peers: '127.0.0.1 ::1',
      strong: false,
    };
  return undefined;
}

function fixFor(p: ProxyConfigFacts, site: ProxySite, peers: string): Fix {
  const dirs = (p.caddy?.proxyDirectives ?? []).filter((d) => d.siteId === site.id);
  const d = dirs[0];
  if (dirs.length === 1 && d && !d.hasBlock)
    return {
      description: `Trust the proxy in front on this directive (Caddy 2.5+): trusted_proxies ${peers}.`,
      file: p.file,
      line: d.line,
      lines: [`${d.text} {`, `\ttrusted_proxies ${peers}`, '}'],
      placement: 'replace',
    };
  if (dirs.length === 1 && d)
    return {
      description: `Trust the proxy in front on this directive (Caddy 2.5+): trusted_proxies ${peers}.`,
      file: p.file,
      line: d.line,
      lines: [`trusted_proxies ${peers}`],
      placement: 'after',
    };
  return {
    description: `No single edit: add trusted_proxies ${peers} to each reverse_proxy/php_fastcgi of this site (Caddy 2.5+), or the global option servers { trusted_proxies static ${peers} } (Caddy 2.6.3+; Debian's 2.6.2 rejects it).`,
  };
}

export const caddyTrustedProxiesMissing: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const p of facts.proxies ?? []) {
      if (p.kind !== 'caddy') continue;
      for (const site of p.sites) {
        if (site.routes.length === 0 || site.trust.mode !== 'none') continue;
        if (site.listeners.some((l) => l.tls)) continue;
        const why = inFront(site, facts);
        if (!why) continue;
        const fastcgi = site.routes.some((r) => r.protocol === 'fastcgi');
        const route = site.routes[0];
        out.push(
          finding(meta, {
            ...(why.strong ? {} : { severity: 'medium' as const }),
            message: `${site.label} is reached only through another proxy but has no trusted_proxies: Caddy replaces the X-Forwarded-Proto/-For that proxy sends with its own (http, the proxy's address)${fastcgi ? ', and php_fastcgi sets HTTPS from its own plain connection' : ''}, so the app sees http and every client as the proxy`,
            evidence: [
              ev(route?.ref, `${route?.match ?? 'reverse_proxy'} without trusted_proxies`),
              ...why.evidence,
              ev(
                p.caddy?.globalRef,
                p.caddy?.hasGlobalBlock ? 'global options: no servers { trusted_proxies }' : 'no global options block',
              ),
            ],
            why: "Since 2.5 Caddy's reverse_proxy (and php_fastcgi, built on it) keeps incoming X-Forwarded-* only from trusted_proxies; from any other peer it writes its own X-Forwarded-Proto (the scheme of its own connection, http here) and X-Forwarded-For (the peer, the proxy in front).",
            fix: fixFor(p, site, why.peers),
          }),
        );
      }
    }
    return out;
  },
};
