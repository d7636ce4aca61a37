/**
 * traefik/forwarded-headers-unknown-entrypoint: `forwardedHeaders` written under an entrypoint name
 * that has no address (`[entryPoints.web.forwardedHeaders]` where only `websecure` is defined).
 * Traefik's static configuration is a map by name: the table configures a `web` entrypoint nobody
 * listens on (or that another file defines), and the entrypoint that receives the traffic keeps the
 * default — no trusted proxies.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { ev } from '../proxy/common.js';
import { TRAEFIK_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'traefik/forwarded-headers-unknown-entrypoint',
  severity: 'high',
  title: 'Traefik forwardedHeaders are set on an entrypoint that does not listen',
  summary:
    'The trustedIPs/insecure options sit under an entrypoint name with no address: they never apply to the entrypoint that receives the traffic.',
  references: [TRAEFIK_DOCS.forwardedHeaders, TRAEFIK_DOCS.entryPoints],
};

export const traefikForwardedHeadersUnknownEntrypoint: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const p of facts.proxies ?? []) {
      const eps = p.traefik?.entryPoints ?? [];
      const listening = eps.filter((e) => !e.phantom);
      for (const e of eps) {
        if (!e.phantom || !e.forwardedHeaders || listening.length === 0) continue;
        const receiving = listening.filter((l) => !l.forwardedHeaders);
        out.push(
          finding(meta, {
            message: `forwardedHeaders are configured for entrypoint "${e.name}", which has no address in ${p.file}; the entrypoints that listen (${listening.map((l) => `${l.name} ${l.address}`).join(', ')}) do not get them${receiving.length ? `, so ${receiving.map((r) => r.name).join(', ')} trust${receiving.length > 1 ? '' : 's'} no proxy` : ''}`,
            evidence: [
              ev(e.forwardedHeaders.ref, `configures "${e.name}"`),
              ...receiving.map((r) => ev(r.ref, `entrypoint ${r.name} keeps the default (no trusted IPs)`)),
            ],
            why: "Traefik's static configuration is keyed by entrypoint name: a table under the wrong name defines a separate entrypoint instead of configuring the one that listens. That one then strips the X-Forwarded-* headers the proxy in front sends and writes its own (client IP = the proxy, scheme = its own connection).",
            fix: {
              description: `Put the options under the entrypoint that receives the traffic${receiving[0] ? ` ([entryPoints.${receiving[0].name}.forwardedHeaders])` : ''}.`,
              file: e.forwardedHeaders.ref.file,
              line: e.forwardedHeaders.ref.line,
              lines: receiving[0] ? [`[entryPoints.${receiving[0].name}.forwardedHeaders]`] : undefined,
              placement: receiving[0] ? 'replace' : undefined,
            },
          }),
        );
      }
    }
    return out;
  },
};
