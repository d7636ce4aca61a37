/**
 * traefik/forwarded-headers-insecure: `forwardedHeaders.insecure=true` on an entrypoint. Traefik then
 * keeps every incoming X-Forwarded-* from any client: on an entrypoint the internet reaches, a client
 * claims https, any host and any IP.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { ev } from '../proxy/common.js';
import { TRAEFIK_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'traefik/forwarded-headers-insecure',
  severity: 'high',
  title: 'A Traefik entrypoint trusts forwarded headers from everyone',
  summary: 'forwardedHeaders.insecure keeps client-sent X-Forwarded-Proto/-For/-Host: spoofable scheme, host and client IP.',
  references: [TRAEFIK_DOCS.forwardedHeaders],
};

export const traefikForwardedHeadersInsecure: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const front = (facts.fronts ?? []).find((f) => f.name !== 'none');
    for (const p of facts.proxies ?? [])
      for (const ep of p.traefik?.entryPoints ?? []) {
        if (!ep.forwardedHeaders?.insecure) continue;
        out.push(
          finding(meta, {
            severity: front ? 'medium' : 'high',
            message: `entrypoint ${ep.name} sets forwardedHeaders.insecure: Traefik keeps X-Forwarded-* from any peer${front ? ` (a ${front.name} front is declared; only safe if nothing else can connect)` : ', so any client that reaches it picks its scheme, host and IP'}`,
            evidence: [ev(ep.forwardedHeaders.ref, 'insecure = true')],
            why: 'With insecure, Traefik skips its trusted-IP test and forwards whatever X-Forwarded-* the client sent. Apps that trust Traefik then believe forged values.',
            fix: {
              description: 'List the proxy in front instead: forwardedHeaders.trustedIPs.',
              file: ep.forwardedHeaders.ref.file,
              line: ep.forwardedHeaders.ref.line,
              lines: ['trustedIPs = ["<the proxy subnet>"]'],
              placement: 'replace',
            },
          }),
        );
      }
    return out;
  },
};
