/**
 * The fix for an app server whose proxy runs in another container or pod: the proxy's address is not fixed
 * there (a pod IP, a container IP from Docker's pools), so the trust list must name the proxy's network.
 * gunicorn accepts networks in forwarded_allow_ips from 24.1.0 (benoitc/gunicorn#3449) and uvicorn from 0.31.0
 * (Kludex/uvicorn#2468); older versions compare the peer with each entry as an exact address, so a network there
 * trusts nobody and the only working value is '*' (safe only while nothing but the proxy can connect). The fix is
 * mechanical only where the version accepts a network: a chart value that is appended to the command line, or
 * the container's `env:` list.
 */

import { acceptsNetworks, composeSubnets } from '../../facts/trust-networks.js';
import type { AppServerFacts, Facts } from '../../model/facts.js';
import type { Evidence, Fix } from '../../model/finding.js';
import { ev } from './context.js';

export { acceptsNetworks };

/** Docker's default address pools for bridge networks (compose networks): 172.17-31.0.0/16, 192.168.0.0/16 in /20s. */
export const DOCKER_POOLS = '172.16.0.0/12,192.168.0.0/16';
/** Pod networks: every private range (kubeadm/flannel 10.244/16, k3s 10.42/16, cloud VPC ranges). */
export const POD_NETWORKS = '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16';

/**
 * Where the trust list would be set and is not: a chart value appended to the command line, and the pod
 * container's `env:` list (which sets no FORWARDED_ALLOW_IPS).
 */
export function valuesEvidence(facts: Facts, s: AppServerFacts): Evidence[] {
  const out = (s.valuesFeeds ?? [])
    .filter((f) => f.appends)
    .slice(0, 1)
    .map((f) => ev(f.ref, `chart value ${f.path} is appended to this command line: the chart's place for --forwarded-allow-ips`));
  if (s.launch.via === 'compose' && s.trustedProxies.origin === 'default') {
    const index = facts.appServers.indexOf(s);
    const svc = facts.compose?.files.flatMap((f) => f.services).find((x) => x.appServers.includes(index));
    if (svc) {
      if (svc.ref.file !== s.launch.file || svc.ref.line !== s.launch.line)
        out.push(ev(svc.ref, `compose service ${svc.name}: the app server's own container`));
      for (const r of (svc.envFileRefs ?? []).slice(0, 1))
        out.push(ev(r, `env_file of ${svc.name}: sets no FORWARDED_ALLOW_IPS`));
    }
  }
  if (s.launch.via === 'k8s' && facts.workloads && s.trustedProxies.origin === 'default') {
    const index = facts.appServers.indexOf(s);
    const c = facts.workloads.workloads.flatMap((w) => w.containers).find((x) => x.appServers.includes(index));
    if (c?.envKey)
      out.push(ev({ file: c.ref.file, line: c.envKey.line }, `container ${c.name}'s env sets no FORWARDED_ALLOW_IPS`));
  }
  return out;
}

export function containerTrustFix(facts: Facts, s: AppServerFacts, port: number | undefined): Fix | undefined {
  const k8s = s.launch.via === 'k8s';
  if (!k8s && s.launch.via !== 'compose') return undefined;
  const subnets = k8s ? undefined : composeSubnets(facts, s);
  const net = k8s ? POD_NETWORKS : (subnets?.text ?? DOCKER_POOLS);
  const own = subnets ? ` (${subnets.why})` : " (or the network's own subnet)";
  const where = k8s ? 'pod' : 'container';
  const name = s.kind === 'gunicorn' && /uvicorn/i.test(s.workerClass ?? '') ? 'gunicorn with uvicorn workers' : s.kind;
  const version = `${s.kind} ${s.assumedVersion ?? ''}`.trim();
  if (!acceptsNetworks(s))
    return {
      description: `No mechanical fix: the proxy connects from its ${where}'s address, which is not fixed, and ${version} (${name}) compares forwarded_allow_ips entries with the peer as exact addresses (networks are accepted from gunicorn 24.1.0 and uvicorn 0.31.0). Either upgrade and trust the proxy's network (FORWARDED_ALLOW_IPS="${net}"${own}), or set FORWARDED_ALLOW_IPS="*", which trusts every peer and is safe only while nothing but the proxy can reach ${port ? `port ${port}` : "the app's port"} (${k8s ? 'a ClusterIP Service, no hostPort, hostNetwork or NodePort' : 'no published ports'}).`,
    };
  const flag = `--forwarded-allow-ips=${net}`;
  const feed = (s.valuesFeeds ?? []).find((f) => f.appends && (typeof f.value === 'string' || f.value === null));
  if (feed) {
    const text = facts.sources.get(feed.ref.file)?.[feed.ref.line - 1];
    const m = text !== undefined ? /^(\s*[\w.-]+:\s*)(.*?)\s*(#.*)?$/.exec(text) : null;
    if (m && text !== undefined) {
      const current = typeof feed.value === 'string' ? feed.value.trim() : '';
      return {
        description: `Trust the ${where} network in the chart value ${feed.path}, which the command line appends (${version} accepts networks).`,
        file: feed.ref.file,
        line: feed.ref.line,
        placement: 'replace',
        lines: [`${m[1]}"${current ? `${current} ` : ''}${flag}"`],
      };
    }
  }
  if (k8s && facts.workloads) {
    const index = facts.appServers.indexOf(s);
    const c = facts.workloads.workloads.flatMap((w) => w.containers).find((x) => x.appServers.includes(index));
    if (c?.envKey)
      return {
        description: `Trust the ${where} network with FORWARDED_ALLOW_IPS in the container's environment (${version} accepts networks).`,
        file: c.ref.file,
        line: c.envKey.line,
        placement: 'after',
        lines: [`${c.envKey.itemIndent}- name: FORWARDED_ALLOW_IPS`, `${c.envKey.itemIndent}  value: "${net}"`],
      };
  }
  return {
    description: `Trust the proxy's ${where} network: FORWARDED_ALLOW_IPS="${net}"${own} in the service's environment (${version} accepts networks).`,
  };
}

/** App code where the lost scheme (and, for servers that rewrite it, the client address) shows: one of each. */
export function consequenceEvidence(facts: Facts, s: AppServerFacts): Evidence[] {
  const uses = facts.codeUses ?? [];
  const out: Evidence[] = [];
  const url = uses.find((u) => u.kind === 'url');
  if (url) out.push(ev(url.ref, `${url.what}: http:// while the scheme is lost`));
  const client = (s.clientAddressHeaders ?? []).length > 0 ? uses.find((u) => u.kind === 'client') : undefined;
  if (client) out.push(ev(client.ref, client.what));
  return out;
}
