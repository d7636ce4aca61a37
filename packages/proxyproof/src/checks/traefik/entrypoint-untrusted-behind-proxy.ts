/**
 * traefik/entrypoint-untrusted-behind-proxy: an entrypoint that receives its traffic from another
 * proxy (a TLS load balancer, App Gateway, ALB) has no `forwardedHeaders.trustedIPs`. Traefik then
 * removes the X-Forwarded-* the proxy sent and writes its own: the client IP becomes the proxy's, the
 * host the proxy's, and — behind a TLS terminator on a plain entrypoint — the scheme `http`.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import type { TraefikEntryPoint } from '../../model/proxy.js';
import { ev } from '../proxy/common.js';
import { behindProxy, TRAEFIK_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'traefik/entrypoint-untrusted-behind-proxy',
  severity: 'high',
  title: 'A Traefik entrypoint behind another proxy trusts none of its forwarded headers',
  summary:
    "No forwardedHeaders.trustedIPs on the entrypoint the proxy in front connects to: Traefik replaces that proxy's X-Forwarded-For/-Host/-Proto with its own view.",
  references: [TRAEFIK_DOCS.forwardedHeaders, TRAEFIK_DOCS.source],
};

/** The trustedIPs option in the syntax the entrypoint is written in. */
function fixLines(ep: TraefikEntryPoint): string[] {
  switch (ep.syntax) {
    case 'helm':
    case 'yaml':
      // After the entrypoint's own key, one child line in flow style (the fix indents it under the key).
      return ['forwardedHeaders: { trustedIPs: ["<the proxy subnet>"] }'];
    case 'flags':
      return [`- --entrypoints.${ep.name}.forwardedHeaders.trustedIPs=<the proxy subnet>`];
    default:
      return [`[entryPoints.${ep.name}.forwardedHeaders]`, '  trustedIPs = ["<the proxy subnet>"]'];
  }
}

export const traefikEntrypointUntrustedBehindProxy: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const p of facts.proxies ?? []) {
      for (const ep of p.traefik?.entryPoints ?? []) {
        if (ep.phantom || ep.forwardedHeaders || ep.name === 'traefik' || ep.name === 'metrics') continue;
        if (ep.exposed === false) continue;
        const why = behindProxy(facts, p, ep);
        if (why.length === 0) continue;
        const weak = why.every((w) => w.weak);
        out.push(
          finding(meta, {
            ...(weak ? { severity: 'medium' as const } : {}),
            message: `entrypoint ${ep.name} (${ep.address}) ${weak ? 'seems to receive' : 'receives'} traffic through another proxy (${why[0]?.why}) but trusts no forwarded headers: Traefik replaces that proxy's X-Forwarded-For/-Host${ep.tls ? '' : '/-Proto'} with its own, so the app sees the proxy as the client${ep.tls ? '' : ' and http as the scheme'}`,
            evidence: [ev(ep.ref, 'no forwardedHeaders.trustedIPs here'), ...why.map((w) => ev(w.ref, w.why))],
            why: "Traefik keeps incoming X-Forwarded-* only from peers in the entrypoint's forwardedHeaders.trustedIPs (or with insecure). From anyone else it deletes them and sets its own values, computed from the connection it received from the proxy in front.",
            fix: {
              description: `Trust the proxy in front on this entrypoint: entryPoints.${ep.name}.forwardedHeaders.trustedIPs = [its subnet].`,
              file: ep.ref.file,
              line: ep.ref.line,
              lines: fixLines(ep),
              placement: 'after',
            },
          }),
        );
      }
    }
    return out;
  },
};
