/**
 * Where a front of this deployment ends TLS, whatever proxy or platform it is: the evidence a check needs before it
 * says "on an HTTPS site" (app/secure-cookie-never-set's `never` mode, the Node checks' tlsInFront).
 */
import { analyzeChain } from '../../chain/analyze.js';
import { proxyById } from '../../chain/model.js';
import type { Facts, SourceRef } from '../../model/facts.js';
import type { Evidence } from '../../model/finding.js';
import { ev, httpsEvidence } from './context.js';

/**
 * A TLS-ending cloud/PaaS front (`Facts.fronts`), the platform that builds the app's image (when the caller knows
 * one), then every entry of the chain — a Caddy site served by automatic HTTPS, a HAProxy `bind ... ssl`, an Apache
 * `SSLEngine on` vhost, a Traefik TLS router/entrypoint, an Ingress `tls:`, a declared or inferred TLS load balancer,
 * the doctor's `--url https://` or `--behind-tls-lb`. Not the direct signs of appserver/context.ts httpsEvidence
 * (nginx `ssl` listeners, a proxy container publishing 443, Django's HTTPS-only settings): callers ask those first.
 */
export function tlsFrontEvidence(facts: Facts, platform?: { name: string; ref: SourceRef }): Evidence | undefined {
  const front = (facts.fronts ?? []).find((x) => x.terminatesTls && x.name !== 'none');
  if (front) {
    const e = front.evidence[0];
    return e ? ev(e, front.why) : { file: '', line: 0, note: front.why };
  }
  if (platform) return ev(platform.ref, `${platform.name} ends TLS in front of this image`);
  let topology: ReturnType<typeof analyzeChain>['topology'];
  try {
    topology = analyzeChain(facts).topology;
  } catch {
    return undefined; // no chain: only the direct signs count
  }
  for (const e of topology.entries) {
    if (e.lb?.mode === 'http') return ev(e.lb.ref, `${e.lb.label} ends TLS in front of the proxy (${e.lb.why})`);
    if (!e.tls && !e.url.startsWith('https:')) continue;
    const hop = proxyById(topology, e.hopId);
    const l = hop?.listeners[e.listener];
    return ev(l?.ref ?? hop?.ref, `${hop?.label ?? 'the proxy'} serves HTTPS here (${e.url})`);
  }
  return undefined;
}

/** Any sign in the files (or the doctor's options) that the site is served over HTTPS. */
export function siteHttpsEvidence(facts: Facts): Evidence | undefined {
  return httpsEvidence(facts) ?? tlsFrontEvidence(facts);
}
