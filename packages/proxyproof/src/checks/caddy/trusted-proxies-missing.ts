/**
 * caddy/trusted-proxies-missing: a plain-HTTP Caddy site that only another proxy reaches (it binds a
 * loopback address, or a TLS-terminating front is declared/inferred in front of it) proxies to its app
 * without `trusted_proxies`. Since Caddy 2.5 (reverse_proxy, and php_fastcgi which is one) incoming
 * X-Forwarded-For/-Proto/-Host from an untrusted peer are replaced by Caddy's own view: the app sees
 * `http` and the proxy's address although the outer proxy sent `https` and the client's.
 */

import { ipInList, isLoopbackHost, stripBrackets } from '../../chain/addr.js';
import { hasGlobalTrustedProxies, PRIVATE_RANGES } from '../../collectors/caddy/collector.js';
import { isMarkdownName } from '../../collectors/fenced.js';
import { frontName } from '../../collectors/front/fronts.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Evidence, Finding, Fix } from '../../model/finding.js';
import { frontReachesProxy, type ProxyConfigFacts, type ProxySite } from '../../model/proxy.js';
import { ev, PROXY_DOCS } from '../proxy/common.js';
import { proxiesForwardingHere, proxiesForwardingToBind } from '../proxy/forwarding-here.js';

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
  p: ProxyConfigFacts,
  site: ProxySite,
  facts: Parameters<Check['run']>[0],
): { evidence: Evidence[]; peers: string; strong: boolean } | undefined {
  const outer = proxiesForwardingHere(
    p,
    site.listeners.map((l) => l.port),
    facts,
  );
  if (outer.length > 0)
    return {
      evidence: outer,
      // The proxy on the host reaches the container through the docker bridge: its gateway is a private address.
      peers: 'private_ranges',
      strong: true,
    };
  // A proxy of the tree on another host proxies to the address this site binds: it connects from an address of
  // that network, which is one of Caddy's private_ranges when the bind address is private; a public one is the
  // proxy's own address, which only the person knows (`fix --proxy-address` fills it).
  const direct = proxiesForwardingToBind(p, site.listeners, facts);
  if (direct.length > 0)
    return {
      evidence: direct,
      peers: site.listeners.some((l) => l.address && ipInList(stripBrackets(l.address), PRIVATE_RANGES))
        ? 'private_ranges'
        : '<proxy address>',
      strong: true,
    };
  // As for nginx and Traefik: an inferred platform front stands before the process it runs (frontReachesProxy).
  const ports = site.listeners.map((l) => l.port);
  const front = (facts.fronts ?? []).find((f) => f.terminatesTls && f.name !== 'none' && frontReachesProxy(f, 'caddy', ports));
  // A Caddyfile shown in a document beside the tree's own Caddy config, with no upstream on the host's loopback, is an
  // example of that config (chain/topology/proxy.ts: no hop), often an excerpt whose `import`ed snippets set the
  // headers: the front stands before the tree's Caddy, not before the example.
  const documentedExample =
    isMarkdownName(p.file.split('/').pop() ?? '') &&
    (facts.proxies ?? []).some((q) => q.kind === 'caddy' && !isMarkdownName(q.file.split('/').pop() ?? '')) &&
    !site.routes.some((r) => r.upstreams.some((u) => u.address?.kind === 'tcp' && isLoopbackHost(u.address.host)));
  if (front && !documentedExample)
    return {
      evidence: front.evidence.map((r) => ev(r, `${frontName(front)} ends TLS in front of Caddy`)),
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

/** The global form, in the global options block (created at the top when there is none). */
function globalFix(p: ProxyConfigFacts, peers: string, version: string): Fix | undefined {
  const c = p.caddy;
  if (!c) return undefined;
  const why = `Caddy ${version === 'latest' ? '(latest)' : version} here (${p.container?.version?.ref.snippet ?? 'its image'}) has the global option (2.6.3+): trust the proxy in front for every site.`;
  const block = ['\tservers {', `\t\ttrusted_proxies static ${peers}`, '\t}'];
  if (c.hasGlobalBlock && c.globalServersLine === undefined)
    return { description: why, file: p.file, line: c.globalRef.line, lines: block, placement: 'after' };
  if (c.hasGlobalBlock && c.globalServersLine !== undefined)
    return {
      description: why,
      file: p.file,
      line: c.globalServersLine,
      lines: [`\t\ttrusted_proxies static ${peers}`],
      placement: 'after',
    };
  const first = c.firstLine;
  if (!first) return undefined;
  return {
    description: why,
    file: p.file,
    line: first.line,
    lines: ['{', ...block, '}', '', first.text],
    placement: 'replace',
  };
}

/**
 * Caddy's JSON config: the handler's own `trusted_proxies` (2.5+) as a member after its `"handler": "reverse_proxy",`
 * line (a comma already follows it, so the object stays valid JSON). The Caddyfile shorthand `private_ranges`
 * is spelled out: the JSON takes CIDRs only.
 */
function jsonFix(p: ProxyConfigFacts, site: ProxySite, peers: string): Fix {
  const dirs = (p.caddy?.proxyDirectives ?? []).filter((d) => d.siteId === site.id);
  const cidrs = peers.split(/\s+/).flatMap((x) => (x === 'private_ranges' ? PRIVATE_RANGES : [x]));
  const member = `"trusted_proxies": [${cidrs.map((c) => JSON.stringify(c)).join(', ')}],`;
  const d = dirs[0];
  if (dirs.length === 1 && d && /^\s*"handler"\s*:\s*"reverse_proxy"\s*,\s*$/.test(d.text))
    return {
      description: `Trust the proxy in front on this reverse_proxy handler (Caddy 2.5+): ${member.slice(0, -1)}.`,
      file: p.file,
      line: d.line,
      lines: [member],
      placement: 'after',
    };
  return {
    description: `No single edit: add ${member.slice(0, -1)} to each reverse_proxy handler of this server (Caddy 2.5+), or the server's "trusted_proxies": {"source": "static", "ranges": [...]} (Caddy 2.6.3+).`,
  };
}

function fixFor(p: ProxyConfigFacts, site: ProxySite, peers: string, sources: Facts['sources']): Fix {
  if (p.caddy?.format === 'json') return jsonFix(p, site, peers);
  const version = p.container?.version?.value;
  if (hasGlobalTrustedProxies(version)) {
    const g = globalFix(p, peers, version as string);
    if (g) return g;
  }
  const dirs = (p.caddy?.proxyDirectives ?? []).filter((d) => d.siteId === site.id);
  const d = dirs[0];
  // The directive's own indentation (the edit replaces or follows its line), its block's one tab deeper.
  const indent = d ? (/^[ \t]*/.exec(sources.get(p.file)?.[d.line - 1] ?? '')?.[0] ?? '') : '';
  if (dirs.length === 1 && d && !d.hasBlock)
    return {
      description: `Trust the proxy in front on this directive (Caddy 2.5+): trusted_proxies ${peers}.`,
      file: p.file,
      line: d.line,
      lines: [`${indent}${d.text} {`, `${indent}\ttrusted_proxies ${peers}`, `${indent}}`],
      placement: 'replace',
    };
  if (dirs.length === 1 && d)
    return {
      description: `Trust the proxy in front on this directive (Caddy 2.5+): trusted_proxies ${peers}.`,
      file: p.file,
      line: d.line,
      lines: [`${indent}\ttrusted_proxies ${peers}`],
      placement: 'after',
    };
  return {
    description: `No single edit: add trusted_proxies ${peers} to each reverse_proxy/php_fastcgi of this site (Caddy 2.5+), or the global option servers { trusted_proxies static ${peers} } (Caddy 2.6.3+; Debian's 2.6.2 rejects it).`,
  };
}

/**
 * The fix's version assumption, said: `trusted_proxies` exists from 2.5 (a site before 2.5 trusts every peer and is
 * not reported here: collectors/caddy/collector.ts `applyCaddyVersion`), so with no image tag or build pin naming
 * the version the fix assumes 2.5+ and says so.
 */
function versionSaid(p: ProxyConfigFacts, fix: Fix): Fix {
  if (p.container?.version) return fix;
  return {
    ...fix,
    description: `${fix.description} No image tag or xcaddy pin names this Caddy's version: 2.5+ is assumed (before 2.5 Caddy has no trusted_proxies, keeps X-Forwarded-* from every peer and refuses this line; upgrade it first).`,
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
        const why = inFront(p, site, facts);
        if (!why) continue;
        // Every route writes X-Forwarded-Proto and X-Forwarded-For itself (`header_up X-Forwarded-Proto https`,
        // `header_up X-Forwarded-For {http.request.header.CF-Connecting-IP}`): header_up runs after Caddy's own
        // X-Forwarded-* (reverseproxy.go: the user's header ops apply to the prepared request), so nothing that
        // trusted_proxies would keep is lost.
        const own = (name: string) =>
          site.routes.every((r) =>
            r.headers.some((h) => h.name.toLowerCase() === name && h.from !== 'default' && h.value !== null && !h.ifPresent),
          );
        if (own('x-forwarded-proto') && own('x-forwarded-for')) continue;
        const fastcgi = site.routes.some((r) => r.protocol === 'fastcgi');
        const route = site.routes[0];
        const fix = versionSaid(p, fixFor(p, site, why.peers, facts.sources));
        const routeEv = ev(route?.ref, `${route?.match ?? 'reverse_proxy'} without trusted_proxies`);
        // A server-wide trusted_proxies the named Caddy refuses (before 2.6.3, collector `applyCaddyVersion`).
        const refused = p.caddy?.globalTrusted && !hasGlobalTrustedProxies(p.container?.version?.value);
        const globalEv = ev(
          refused ? p.caddy?.globalTrusted?.ref : p.caddy?.globalRef,
          refused
            ? `server-wide trusted_proxies: needs Caddy 2.6.3+, refused by Caddy ${p.container?.version?.value}`
            : p.caddy?.format === 'json'
              ? 'JSON config: no trusted_proxies on the server or the handler'
              : p.caddy?.hasGlobalBlock
                ? 'global options: no servers { trusted_proxies }'
                : 'no global options block',
        );
        // The place the fix writes leads: the global options when the global form applies, else the directive.
        const global =
          fix.file !== undefined &&
          fix.line !== undefined &&
          fix.line <= (p.caddy?.globalServersLine ?? p.caddy?.globalRef.line ?? 0);
        out.push(
          finding(meta, {
            ...(why.strong ? {} : { severity: 'medium' as const }),
            message: `${site.label} is reached only through another proxy but has no trusted_proxies: Caddy replaces the X-Forwarded-Proto/-For that proxy sends with its own (http, the proxy's address)${fastcgi ? ', and php_fastcgi sets HTTPS from its own plain connection' : ''}, so the app sees http and every client as the proxy`,
            evidence: global ? [globalEv, routeEv, ...why.evidence] : [routeEv, ...why.evidence, globalEv],
            why: "Since 2.5 Caddy's reverse_proxy (and php_fastcgi, built on it) keeps incoming X-Forwarded-* only from trusted_proxies; from any other peer it writes its own X-Forwarded-Proto (the scheme of its own connection, http here) and X-Forwarded-For (the peer, the proxy in front).",
            fix,
          }),
        );
      }
    }
    return out;
  },
};
