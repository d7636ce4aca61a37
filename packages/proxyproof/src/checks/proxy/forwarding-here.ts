/**
 * Which proxies of the tree forward to another proxy of the tree through a port its compose service publishes on
 * the host (shared by caddy/trusted-proxies-missing and traefik/entrypoint-untrusted-behind-proxy).
 */
import { isLoopbackHost } from '../../chain/addr.js';
import { proxyContainer } from '../../collectors/proxy/container.js';
import { nginxModel } from '../../facts/nginx/index.js';
import type { Facts } from '../../model/facts.js';
import type { Evidence } from '../../model/finding.js';
import type { ProxyConfigFacts } from '../../model/proxy.js';
import { ev } from './common.js';

const PROXY_NAMES: Partial<Record<ProxyConfigFacts['kind'], string>> = { caddy: 'Caddy', traefik: 'Traefik' };

/**
 * Proxies in these files that forward to proxy `p` (a Caddy site, a Traefik entrypoint listening on `ports`): it
 * runs in a compose service that publishes one of those ports on the host, and an nginx or another proxy of the
 * tree proxies to that host port on loopback (a host nginx in front of a compose Caddy or Traefik, as projects
 * document).
 */
export function proxiesForwardingHere(p: ProxyConfigFacts, ports: number[], facts: Facts): Evidence[] {
  // Caddy's collector records its container; a Traefik's is the one compose service that runs Traefik.
  const container = p.container ?? (p.kind === 'traefik' ? proxyContainer(facts, 'traefik') : undefined);
  const pubs = (container?.published ?? []).filter((x) => ports.includes(x.containerPort));
  if (pubs.length === 0) return [];
  const out: Evidence[] = [];
  const hit = (host: string | undefined, port: number | undefined) =>
    host !== undefined && isLoopbackHost(host) && pubs.find((x) => x.hostPort === port);
  for (const server of nginxModel(facts).servers)
    for (const scope of server.scopes) {
      const pass = scope.pass;
      if (!pass || scope.passInherited) continue;
      const pub = hit(pass.host, pass.port);
      if (pub && !out.some((e) => e.file === pass.ref.file && e.line === pass.ref.line))
        out.push(
          ev(
            { file: pass.ref.file, line: pass.ref.line, snippet: `proxy_pass ${pass.target}` },
            `nginx proxies to ${pass.host}:${pass.port}, which compose service ${container?.service} publishes (${pub.ref.file}:${pub.ref.line})`,
          ),
        );
    }
  for (const other of facts.proxies ?? []) {
    if (other === p) continue;
    for (const s of other.sites)
      for (const r of s.routes)
        for (const u of r.upstreams) {
          const a = u.address;
          const pub = a?.kind === 'tcp' ? hit(a.host, a.port) : undefined;
          if (pub)
            out.push(
              ev(
                r.ref,
                `${s.label} proxies to ${u.text}, which compose service ${container?.service} publishes (${pub.ref.file}:${pub.ref.line})`,
              ),
            );
        }
  }
  if (out.length > 0 && container)
    out.push(
      ev(
        { file: container.ref.file, line: container.ref.line },
        `compose service ${container.service} runs this ${PROXY_NAMES[p.kind] ?? p.kind}`,
      ),
    );
  return out;
}
