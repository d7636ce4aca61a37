/**
 * Neutral proxy facts (model/proxy.ts: Caddy, HAProxy, Apache, Traefik, ingress-nginx sites) ->
 * the chain's ProxyHops. The one way in for a proxy other than nginx: its collector fills
 * `Facts.proxies`, this adapter makes hops; the simulator never reads proxy syntax.
 */
import type { Facts } from '../../model/facts.js';
import type { ProxySite } from '../../model/proxy.js';
import type { ProxyHop, ProxyKind } from '../model.js';

export function siteHop(kind: ProxyKind, s: ProxySite): ProxyHop {
  let trustedPeers: ProxyHop['trustedPeers'];
  if (s.trust.mode === 'list' || s.trust.mode === 'none') trustedPeers = { list: s.trust.list, ref: s.trust.ref };
  else if (s.trust.mode === 'all') trustedPeers = { list: ['0.0.0.0/0', '::/0'], ref: s.trust.ref };
  return {
    type: 'proxy',
    id: s.id,
    kind,
    label: s.label,
    ref: s.ref,
    placement: { kind: 'host' },
    names: s.names,
    listeners: s.listeners,
    routes: s.mode === 'tcp' ? s.routes.map((r) => ({ ...r, headers: [] })) : s.routes,
    passesIncoming: s.passesIncoming,
    stripsUntrusted: s.stripsUntrusted,
    trustedPeers,
    clientAddress: s.clientAddress,
    redirectsToHttps: s.redirectsToHttps,
    notes: [...s.notes],
  };
}

/** Hops of every non-nginx proxy in the facts: sites that listen somewhere and forward somewhere. */
export function neutralProxyHops(facts: Facts): ProxyHop[] {
  const out: ProxyHop[] = [];
  for (const p of facts.proxies ?? []) {
    const kind: ProxyKind = p.kind === 'ingress-nginx' ? 'nginx' : p.kind;
    for (const s of p.sites) if (s.routes.length > 0 && s.listeners.length > 0) out.push(siteHop(kind, s));
  }
  return out;
}
