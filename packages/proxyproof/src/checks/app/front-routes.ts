/**
 * Who can hand an app end its forwarded headers when the linted files do not link the app to a listen address
 * (a Node app whose port comes from its settings, an image the compose file only names): the proxy routes of the
 * tree that forward plain HTTP to an upstream no other app or proxy of the tree answers. For each, the chain's
 * own proxy simulation (chain/simulate.ts `forgedThrough`) says whether a client's forged X-Forwarded-For/-Host/
 * -Proto reach the app at the head of the list, where an app that trusts every hop reads them.
 *
 * This is what decides whether "trust every proxy" is exploitable through the proxy: behind Caddy (it replaces
 * X-Forwarded-* from peers it does not trust) it is not; behind nginx's `$proxy_add_x_forwarded_for` (it keeps the
 * client's list and appends) the client picks its own address.
 */
import { analyzeChain } from '../../chain/analyze.js';
import { appById, linkFrom, type ProxyHop, type ProxyRoute } from '../../chain/model.js';
import { type ForgedThrough, forgedThrough } from '../../chain/simulate.js';
import type { Facts } from '../../model/facts.js';

export interface FrontRoute {
  hop: ProxyHop;
  route: ProxyRoute;
  forged: ForgedThrough;
}

/**
 * Proxy routes that may be the app's only way in: plain-HTTP routes whose upstream is unresolved or is this app
 * (`appFile`: the file that creates the app), also of a proxy that another proxy forwards to. Routes to another
 * app or proxy of the tree, or over TLS to an outside service, are someone else's. Empty when the tree has no proxy.
 */
export function frontRoutesOf(facts: Facts, appFile: string): FrontRoute[] {
  let topo: ReturnType<typeof analyzeChain>['topology'];
  try {
    topo = analyzeChain(facts).topology;
  } catch {
    return [];
  }
  // A proxy another proxy forwards to is still the app's peer: its own routes are the ones that reach the app
  // (a guide's host Caddy -> the compose Caddy -> the app: the compose Caddy's routes decide what the app sees).
  const out: FrontRoute[] = [];
  for (const hop of topo.proxies) {
    if (hop.kind === 'cloud-lb') continue;
    for (const route of hop.routes) {
      if (route.protocol !== 'http') continue;
      const link = linkFrom(topo, hop.id, route.id, 0);
      if (link?.target.kind === 'proxy') continue;
      if (link?.target.kind === 'app') {
        const app = appById(topo, link.target.appId);
        if (app?.framework?.ref.file !== appFile) continue;
      }
      out.push({ hop, route, forged: forgedThrough(hop, route) });
    }
  }
  return out;
}

/** The routes that let a client's forged values through, and what they let through. */
export function leakyRoutes(routes: FrontRoute[]): FrontRoute[] {
  return routes.filter((r) => r.forged.client || r.forged.host || r.forged.scheme);
}

export function leakText(f: ForgedThrough): string {
  const parts: string[] = [];
  if (f.client) parts.push("keeps the client's X-Forwarded-For first");
  if (f.host) parts.push("passes the client's X-Forwarded-Host");
  if (f.scheme) parts.push("passes the client's X-Forwarded-Proto on plain HTTP");
  return parts.join(', ');
}
