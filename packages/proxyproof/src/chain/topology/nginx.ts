/**
 * nginx -> proxy hops, through the neutral proxy facts: `facts/nginx/sites.ts` turns the nginx facts model into
 * `ProxySite`s (header values in the chain's neutral template language) and `proxy.ts` `siteHop` makes the hops, as
 * for every other proxy. Kept as an entry point for the tests and for `nginxToTemplate`'s users.
 */
import { nginxProxyConfigs } from '../../facts/nginx/sites.js';
import type { Facts } from '../../model/facts.js';
import type { ProxyHop, Ref } from '../model.js';
import { proxyHops } from './proxy.js';

export { nginxRef, nginxToTemplate } from '../../facts/nginx/sites.js';

export interface NginxHopsResult {
  hops: ProxyHop[];
  /** Servers that only redirect or serve files (listed in what doctor found). */
  other: Array<{ label: string; ref: Ref; what: string }>;
  /** Servers with front-proxy evidence (realip / proxy_protocol): the load balancer may be inferred. */
  behindFront: Map<string, Ref[]>;
}

export function nginxHops(facts: Facts): NginxHopsResult {
  return proxyHops(nginxProxyConfigs(facts));
}
