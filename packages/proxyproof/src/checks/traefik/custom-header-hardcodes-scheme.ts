/**
 * traefik/custom-header-hardcodes-scheme: a headers middleware's `customRequestHeaders` writes a literal scheme
 * (`X-Forwarded-Proto: https`) on a router that also serves plain HTTP, or `http` on one that only serves TLS.
 * Traefik already sends the connection's own scheme (its forwarded-headers middleware); the custom header replaces
 * it after that, so every request gets the literal whatever it came in on.
 */
import type { HeaderRule, Ref } from '../../chain/model.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { ev } from '../proxy/common.js';
import { TRAEFIK_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'traefik/custom-header-hardcodes-scheme',
  severity: 'medium',
  title: 'A Traefik headers middleware hard-codes the forwarded scheme',
  summary:
    'customRequestHeaders sets X-Forwarded-Proto to a literal that is wrong for some requests: https on a plain-HTTP entrypoint, or http on a TLS one.',
  references: [TRAEFIK_DOCS.headers, TRAEFIK_DOCS.forwardedHeaders],
};

const SCHEME = new Set(['x-forwarded-proto', 'x-forwarded-scheme', 'x-scheme', 'x-forwarded-protocol']);

export const traefikCustomHeaderHardcodesScheme: Check = {
  meta,
  run(facts) {
    // One finding per rule line: a middleware shared by the routers of several entrypoints (web and websecure) is one
    // line to change, so its entrypoints are named together.
    const byRule = new Map<
      string,
      { r: HeaderRule; v: string; match: string; sites: Array<{ id: string; label: string; listener?: Ref }> }
    >();
    // A TLS-ending front with no scheme header of its own (an L4 load balancer) is the one place a literal https is
    // the right value: the files cannot tell a plain request from one that was HTTPS at the front.
    const l4Tls = (facts.fronts ?? []).some((f) => f.terminatesTls && !f.sends.some((h) => /^x-forwarded-proto$/i.test(h)));
    for (const p of facts.proxies ?? []) {
      if (p.kind !== 'traefik') continue;
      for (const site of p.sites) {
        const plainSite = site.listeners.some((l) => !l.tls) && !site.redirectsToHttps;
        const tls = site.listeners.some((l) => l.tls);
        for (const route of site.routes)
          for (const r of route.headers) {
            // A router that redirects plain requests to https sends none of them on with this header.
            const plain = plainSite && !route.redirectsToHttps;
            if (r.from !== 'route' || r.value === null || !SCHEME.has(r.name.toLowerCase())) continue;
            const v = r.value.trim().toLowerCase();
            const wrong = v === 'https' ? plain && !l4Tls : v === 'http' ? tls : false;
            if (!wrong) continue;
            const key = `${r.ref.file}:${r.ref.line}`;
            let entry = byRule.get(key);
            if (!entry) {
              entry = { r, v, match: route.match, sites: [] };
              byRule.set(key, entry);
            }
            if (!entry.sites.some((x) => x.id === site.id))
              entry.sites.push({ id: site.id, label: site.label, listener: site.listeners[0]?.ref });
          }
      }
    }
    const out: Finding[] = [];
    for (const { r, v, match, sites } of byRule.values()) {
      const labels = sites.map((x) => x.label).join(' and ');
      const what = v === 'https' ? 'plain-HTTP entrypoint' : 'TLS entrypoint';
      out.push(
        finding(meta, {
          message:
            v === 'https'
              ? `${r.name}: https is written for every request of router ${match} on ${labels}, which also answer${sites.length === 1 ? 's' : ''} plain HTTP: the app is told https for requests that came in as http (it will not redirect them, and marks their cookies Secure)`
              : `${r.name}: http is written for every request of router ${match} on ${labels}, which end${sites.length === 1 ? 's' : ''} TLS: the app is told http for HTTPS requests (http:// URLs, redirect loops with an HTTPS redirect)`,
          evidence: [ev(r.ref, `${r.name}: ${r.value}`), ...sites.flatMap((x) => (x.listener ? [ev(x.listener, what)] : []))],
          why: "Traefik's forwarded-headers middleware already sends the scheme the request really came in on; a customRequestHeaders entry replaces that value with the same literal for every request.",
          fix: {
            description: `Remove the ${r.name} entry from the middleware's customRequestHeaders (Traefik sends the real scheme itself); behind another proxy, trust it with entryPoints.<name>.forwardedHeaders.trustedIPs instead.`,
            file: r.ref.file,
            line: r.ref.line,
          },
          data: { site: sites[0]?.id, ...(sites.length > 1 ? { sites: sites.map((x) => x.id) } : {}), value: v },
        }),
      );
    }
    return out;
  },
};
