/**
 * traefik/custom-header-hardcodes-scheme: a headers middleware's `customRequestHeaders` writes a literal scheme
 * (`X-Forwarded-Proto: https`) on a router that also serves plain HTTP, or `http` on one that only serves TLS.
 * Traefik already sends the connection's own scheme (its forwarded-headers middleware); the custom header replaces
 * it after that, so every request gets the literal whatever it came in on.
 */
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
    const out: Finding[] = [];
    const seen = new Set<string>();
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
            const key = `${r.ref.file}:${r.ref.line}:${site.id}`;
            if (!wrong || seen.has(key)) continue;
            seen.add(key);
            out.push(
              finding(meta, {
                message:
                  v === 'https'
                    ? `${r.name}: https is written for every request of router ${route.match} on ${site.label}, which also answers plain HTTP: the app is told https for requests that came in as http (it will not redirect them, and marks their cookies Secure)`
                    : `${r.name}: http is written for every request of router ${route.match} on ${site.label}, which ends TLS: the app is told http for HTTPS requests (http:// URLs, redirect loops with an HTTPS redirect)`,
                evidence: [
                  ev(r.ref, `${r.name}: ${r.value}`),
                  ...(site.listeners[0]
                    ? [ev(site.listeners[0].ref, v === 'https' ? 'plain-HTTP entrypoint' : 'TLS entrypoint')]
                    : []),
                ],
                why: "Traefik's forwarded-headers middleware already sends the scheme the request really came in on; a customRequestHeaders entry replaces that value with the same literal for every request.",
                fix: {
                  description: `Remove the ${r.name} entry from the middleware's customRequestHeaders (Traefik sends the real scheme itself); behind another proxy, trust it with entryPoints.<name>.forwardedHeaders.trustedIPs instead.`,
                  file: r.ref.file,
                  line: r.ref.line,
                },
                data: { site: site.id, value: v },
              }),
            );
          }
      }
    }
    return out;
  },
};
