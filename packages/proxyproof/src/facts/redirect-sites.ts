/**
 * Redirect-only sites as the plain side of a TLS site: one shape for every proxy (issue 13). A site that proxies
 * nothing, listens only on plain ports and sends every request to `https://...` (an nginx `return 301 https://...`
 * server, an Apache `<VirtualHost *:80>` with `Redirect`/`RewriteRule ... https://... [R]`) gives its listeners to the
 * TLS site of the same config that serves one of its names, with its redirect (`redirectsToHttps`), as Caddy's and
 * ingress-nginx's plain sides already are one site with their TLS listeners. The chain then knows what answers on
 * that port: a TLS front that forwards plain HTTP there loops, a plain request never reaches the app.
 */
import type { Listener, Ref } from '../chain/model.js';
import type { ProxyConfigFacts, ProxySite } from '../model/proxy.js';

export interface PlainRedirect {
  config: ProxyConfigFacts;
  /** The redirect-only site; removed from `config.sites` when it joins a TLS site. */
  site: ProxySite;
  listeners: Listener[];
  redirect: Ref;
  decidedBy: NonNullable<ProxySite['redirectDecidedBy']>;
}

/**
 * Joins the redirect site to the TLS sites of its config that serve one of its names (any, for a site without a
 * literal name, when there is exactly one TLS site). A TLS site with plain listeners of its own, or a redirect already,
 * is left alone (a hop has one redirect for all its plain listeners); the redirect site then stays as it was.
 * Returns whether it joined.
 */
export function joinTlsSite(p: PlainRedirect): boolean {
  const names = new Set(p.site.names.map((n) => n.toLowerCase()));
  const tlsSites = p.config.sites.filter(
    (s) =>
      s !== p.site && s.routes.length > 0 && s.listeners.length > 0 && s.listeners.every((l) => l.tls) && !s.redirectsToHttps,
  );
  const named = tlsSites.filter((s) => s.names.some((n) => names.has(n.toLowerCase())));
  const targets = named.length ? named : names.size === 0 && tlsSites.length === 1 ? tlsSites : [];
  if (targets.length === 0) return false;
  // The labels keep naming the TLS ports, as for a server that listens on both.
  for (const s of targets) {
    s.listeners = [...s.listeners, ...p.listeners];
    s.redirectsToHttps = p.redirect;
    s.redirectDecidedBy = p.decidedBy;
    s.notes = [...s.notes, `plain-HTTP side: ${p.site.label} redirects to https (${p.redirect.file}:${p.redirect.line})`];
  }
  // In place: the collector may still be adding sites to the same array.
  p.config.sites.splice(p.config.sites.indexOf(p.site), 1);
  return true;
}
