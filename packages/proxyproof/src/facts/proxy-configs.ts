/**
 * Every proxy config of the facts in the neutral shape (model/proxy.ts): nginx's sites, derived from the nginx facts
 * model by `facts/nginx/sites.ts`, first, then the collectors' `Facts.proxies` (Caddy, HAProxy, Apache, Traefik).
 * What the chain builder reads (`chain/topology/proxy.ts` `proxyHops`) and what a generic `checks/proxy/` check reads
 * when no nginx check already says the same thing. Kubernetes Ingresses: `facts/ingress-sites.ts`.
 */
import type { Facts } from '../model/facts.js';
import type { ProxyConfigFacts } from '../model/proxy.js';
import { nginxProxyConfigs } from './nginx/sites.js';

export function proxyConfigs(facts: Facts): ProxyConfigFacts[] {
  const nginx = facts.nginx.configs.length > 0 ? nginxProxyConfigs(facts) : [];
  return [...nginx, ...(facts.proxies ?? [])];
}
