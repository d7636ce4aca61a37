/** Helpers shared by the flask/ checks. */
import type { Facts, FrameworkFacts } from '../../model/facts.js';
import { proxyPeers } from '../appserver/context.js';

export function flaskApps(facts: Facts): FrameworkFacts[] {
  return facts.frameworks.filter((f) => f.kind === 'flask');
}

export function hasProxyFix(fw: FrameworkFacts): boolean {
  const v = fw.trustProxy?.value as { middleware?: string } | undefined;
  return !!v?.middleware && /ProxyFix$/.test(v.middleware);
}

/** Reverse proxies seen in the linted files in front of the Python app (nginx servers proxying, compose proxy services). */
export function proxiesSeen(facts: Facts): number {
  const viaServers = facts.appServers.some((s) => proxyPeers(facts, s).length > 0);
  const compose = (facts.compose?.files ?? []).some((f) => f.services.some((s) => s.role === 'proxy'));
  const nginx = facts.nginx?.configs?.length > 0;
  return viaServers || compose || nginx ? 1 : 0;
}
