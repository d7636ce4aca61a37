/**
 * What a trust list can name for a proxy in another container: whether the app server matches networks (CIDR) in
 * its trust list at its version, and the compose networks' own `ipam` subnets. Shared by the checks' fixes
 * (checks/appserver/trust-fix.ts) and the chain's plan (chain/plan.ts), which must advise the same value.
 */
import type { AppServerFacts, Facts } from '../model/facts.js';

function atLeast(version: string | undefined, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a > major || (a === major && b >= minor);
}

/** The server matches networks (CIDR) in its trust list, at its assumed version. */
export function acceptsNetworks(s: AppServerFacts): boolean {
  if (s.kind === 'gunicorn' && !/uvicorn/i.test(s.workerClass ?? '')) return atLeast(s.assumedVersion, 24, 1);
  if (s.kind === 'uvicorn') return atLeast(s.assumedVersion, 0, 31);
  return false;
}

/**
 * The `ipam` subnets of the compose networks the server's service is on (`networks: backend: ipam: config: - subnet:
 * 172.28.0.0/16`): the addresses the proxy's container gets there, narrower than Docker's pools. Undefined when the
 * service's networks give none.
 */
export function composeSubnets(facts: Facts, s: AppServerFacts): { text: string; why: string } | undefined {
  const index = facts.appServers.indexOf(s);
  for (const cf of facts.compose?.files ?? []) {
    const svc = cf.services.find((x) => x.appServers.includes(index));
    if (!svc) continue;
    const on = svc.networks.length > 0 ? svc.networks : ['default'];
    const hits = (cf.subnets ?? []).filter((n) => on.includes(n.network));
    if (hits.length === 0) return undefined;
    return {
      text: hits.map((h) => h.subnet).join(','),
      why: hits.map((h) => `network ${h.network}'s ipam subnet, ${h.ref.file}:${h.ref.line}`).join('; '),
    };
  }
  return undefined;
}
