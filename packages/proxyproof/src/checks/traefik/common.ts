/** Traefik references and the evidence that an entrypoint sits behind another proxy. */

import type { Ref } from '../../chain/model.js';
import { frontName } from '../../collectors/front/fronts.js';
import type { Facts } from '../../model/facts.js';
import { frontReachesProxy, type ProxyConfigFacts, type TraefikEntryPoint } from '../../model/proxy.js';
import { proxiesForwardingHere } from '../proxy/forwarding-here.js';

export const TRAEFIK_DOCS = {
  forwardedHeaders: 'https://doc.traefik.io/traefik/routing/entrypoints/#forwarded-headers',
  entryPoints: 'https://doc.traefik.io/traefik/routing/entrypoints/',
  source: 'https://github.com/traefik/traefik/blob/master/pkg/middlewares/forwardedheaders/forwarded_header.go',
  api: 'https://doc.traefik.io/traefik/operations/api/#insecure',
  headers: 'https://doc.traefik.io/traefik/middlewares/http/headers/#customrequestheaders',
};

/**
 * Why we believe traffic reaches this entrypoint through another proxy (or nothing). `weak`: a sign that
 * TLS ends before Traefik (its own TLS entrypoint switched off while this plain one is published), not a
 * proxy seen in the files.
 */
export function behindProxy(
  facts: Facts,
  p: ProxyConfigFacts,
  ep: TraefikEntryPoint,
): Array<{ ref: Ref; why: string; weak?: boolean }> {
  const out: Array<{ ref: Ref; why: string; weak?: boolean }> = [];
  if (!ep.tls && ep.exposed !== false)
    for (const other of p.traefik?.entryPoints ?? [])
      if (other.tls && other.exposed === false && other.exposedRef)
        out.push({
          ref: other.exposedRef,
          why: `the TLS entrypoint ${other.name} is not exposed while the plain ${ep.name} is: HTTPS, if the site has it, is ended by something in front of Traefik`,
          weak: true,
        });
  for (const other of p.traefik?.entryPoints ?? [])
    if (other.phantom && other.forwardedHeaders && !other.forwardedHeaders.insecure && other.forwardedHeaders.trustedIPs.length)
      out.push({
        ref: other.forwardedHeaders.ref,
        why: `trustedIPs ${other.forwardedHeaders.trustedIPs.join(', ')} were meant for a proxy in front`,
      });
  for (const a of p.traefik?.allowRanges ?? [])
    if (a.ranges.length && a.ranges.every((r) => /^(10\.|172\.(1[6-9]|2\d|3[01])\.|192\.168\.|fd|fc)/i.test(r)))
      out.push({ ref: a.ref, why: `only ${a.ranges.join(', ')} may connect: a proxy on a private network` });
  // A platform inferred from its manifest (a Procfile's Heroku router) stands in front of the process it runs, not
  // of a Traefik the tree runs in another deployment (a compose stack beside the Procfile): frontReachesProxy.
  // A proxy of the tree (a host nginx) forwards to the port the compose service running Traefik publishes for this
  // entrypoint, as for Caddy: the evidence is the proxy's upstream line, then the compose service.
  if (ep.port !== undefined) {
    const outer = proxiesForwardingHere(p, [ep.port], facts);
    const first = outer[0];
    if (first) out.push({ ref: first, why: first.note ?? 'another proxy forwards to this entrypoint' });
  }
  if (!ep.tls)
    for (const f of facts.fronts ?? [])
      if (f.terminatesTls && f.name !== 'none' && frontReachesProxy(f, 'traefik', ep.port ? [ep.port] : []))
        out.push({ ref: f.evidence[0] ?? { file: '(front)', line: 0 }, why: `${frontName(f)} terminates TLS in front` });
  return out;
}
