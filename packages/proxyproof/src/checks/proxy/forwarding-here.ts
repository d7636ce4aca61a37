/**
 * Which proxies of the tree forward to another proxy of the tree: through a port its compose service publishes on
 * the host, or straight to the address it binds (shared by caddy/trusted-proxies-missing and
 * traefik/entrypoint-untrusted-behind-proxy).
 */
import { isLoopbackHost, isWildcardHost, stripBrackets } from '../../chain/addr.js';
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
  const out = upstreamsTo(p, facts, (host, port) => {
    const pub = isLoopbackHost(host) ? pubs.find((x) => x.hostPort === port) : undefined;
    return pub && `which compose service ${container?.service} publishes (${pub.ref.file}:${pub.ref.line})`;
  });
  if (out.length > 0 && container)
    out.push(
      ev(
        { file: container.ref.file, line: container.ref.line },
        `compose service ${container.service} runs this ${PROXY_NAMES[p.kind] ?? p.kind}`,
      ),
    );
  return out;
}

/**
 * Proxies in these files whose upstream is exactly the address and port a listener of `p` binds (a Caddy site with
 * `bind 10.0.0.5` on :80, and an nginx on another host with `proxy_pass http://10.0.0.5:80`): the two-host chain
 * whose files sit in one tree. Only literal, non-wildcard, non-loopback bind addresses count: a wildcard bind or a
 * host name proves nothing about who connects, and a loopback bind is judged by the caller as "only this host".
 */
export function proxiesForwardingToBind(
  p: ProxyConfigFacts,
  listeners: ReadonlyArray<{ address?: string; port: number; portUnknown?: boolean }>,
  facts: Facts,
): Evidence[] {
  const binds = listeners
    .filter((l) => !l.portUnknown && l.address && !isWildcardHost(l.address) && !isLoopbackHost(l.address))
    .map((l) => ({ host: stripBrackets(l.address as string).toLowerCase(), port: l.port }));
  if (binds.length === 0) return [];
  const name = PROXY_NAMES[p.kind] ?? p.kind;
  return upstreamsTo(p, facts, (host, port) =>
    binds.some((b) => b.host === stripBrackets(host).toLowerCase() && b.port === port)
      ? `the address this ${name} binds`
      : undefined,
  );
}

/**
 * Every nginx `proxy_pass` (written in its scope, not inherited) and every other proxy's upstream of the tree whose
 * host and port `to` accepts, as evidence: "<who> proxies to <target>, <what `to` says>".
 */
function upstreamsTo(
  p: ProxyConfigFacts,
  facts: Facts,
  to: (host: string, port: number | undefined) => string | undefined,
): Evidence[] {
  const out: Evidence[] = [];
  for (const server of nginxModel(facts).servers)
    for (const scope of server.scopes) {
      const pass = scope.pass;
      if (!pass || scope.passInherited || pass.host === undefined) continue;
      const why = to(pass.host, pass.port);
      if (why && !out.some((e) => e.file === pass.ref.file && e.line === pass.ref.line))
        out.push(
          ev(
            { file: pass.ref.file, line: pass.ref.line, snippet: `proxy_pass ${pass.target}` },
            `nginx proxies to ${pass.host}:${pass.port}, ${why}`,
          ),
        );
    }
  for (const other of facts.proxies ?? []) {
    if (other === p) continue;
    for (const s of other.sites)
      for (const r of s.routes)
        for (const u of r.upstreams) {
          const a = u.address;
          const why = a?.kind === 'tcp' ? to(a.host, a.port) : undefined;
          if (why) out.push(ev(r.ref, `${s.label} proxies to ${u.text}, ${why}`));
        }
  }
  return out;
}
