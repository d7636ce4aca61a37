/**
 * Neutral proxy facts (model/proxy.ts: nginx, Caddy, HAProxy, Apache, Traefik, ingress-nginx sites) ->
 * the chain's ProxyHops. The one way in for every proxy: its collector fills `Facts.proxies` (nginx: the adapter
 * `facts/nginx/sites.ts` derives its sites from the nginx facts model), this module makes hops; the simulator never
 * reads proxy syntax.
 */
import { isMarkdownName } from '../../collectors/fenced.js';
import { type ContainerProxyKind, type ProxyContainer, proxyContainers } from '../../collectors/proxy/container.js';
import type { Facts } from '../../model/facts.js';
import type { ProxyConfigFacts, ProxySite } from '../../model/proxy.js';
import { isLoopbackHost } from '../addr.js';
import type { ProxyHop, ProxyKind, Ref, Upstream } from '../model.js';

export function siteHop(kind: ProxyKind, s: ProxySite): ProxyHop {
  let trustedPeers: ProxyHop['trustedPeers'];
  if (s.trust.mode === 'list' || s.trust.mode === 'none')
    trustedPeers = { list: s.trust.list, ref: s.trust.ref, ...(s.trust.missingAt ? { missingAt: s.trust.missingAt } : {}) };
  else if (s.trust.mode === 'all') trustedPeers = { list: ['0.0.0.0/0', '::/0'], ref: s.trust.ref };
  return {
    type: 'proxy',
    id: s.id,
    kind,
    label: s.label,
    ref: s.ref,
    placement: s.runsOn ? { kind: 'host', name: s.runsOn } : { kind: 'host' },
    names: s.names,
    listeners: s.listeners,
    routes: s.mode === 'tcp' ? s.routes.map((r) => ({ ...r, headers: [] })) : s.routes,
    passesIncoming: s.passesIncoming,
    stripsUntrusted: s.stripsUntrusted,
    ...(s.underscoreNames ? { underscoreNames: s.underscoreNames } : {}),
    trustedPeers,
    clientAddress: s.clientAddress,
    ...(s.peerSnat ? { peerSnat: s.peerSnat } : {}),
    redirectsToHttps: s.redirectsToHttps,
    ...(s.redirectDecidedBy ? { redirectDecidedBy: s.redirectDecidedBy } : {}),
    ...(s.maps ? { maps: s.maps } : {}),
    notes: [...s.notes],
  };
}

export interface ProxyHopsResult {
  hops: ProxyHop[];
  /** Sites that are not hops and say why (`ProxySite.notAHop`: an nginx server that only redirects or serves files). */
  other: Array<{ label: string; ref: Ref; what: string }>;
  /** Hops whose site shows a load balancer in front (`ProxySite.frontEvidence`), by hop id. */
  behindFront: Map<string, Ref[]>;
}

/** Hops of the given proxy configs: sites that listen somewhere and forward somewhere. */
export function proxyHops(configs: ProxyConfigFacts[]): ProxyHopsResult {
  const out: ProxyHopsResult = { hops: [], other: [], behindFront: new Map() };
  for (const p of configs) {
    const kind: ProxyKind = p.kind === 'ingress-nginx' ? 'nginx' : p.kind;
    for (const s of p.sites) {
      if (s.routes.length > 0 && (s.listeners.length > 0 || s.listenersUnknown)) {
        const hop = siteHop(kind, s);
        if (s.frontEvidence?.length) out.behindFront.set(hop.id, s.frontEvidence);
        out.hops.push(hop);
      } else if (s.notAHop) out.other.push({ label: s.label, ref: s.ref, what: s.notAHop });
    }
  }
  return out;
}

/**
 * Proxies in containers: a config whose collector found the compose service that runs it (`container`), else the
 * one compose service that runs that kind of proxy, runs the hop. Its listeners are reached from the host through
 * the ports the service publishes (`listener.published`), which is how a proxy on the host (a documented host
 * nginx/Caddy -> 127.0.0.1:8008) links to it.
 */
export function placeProxiesInContainers(proxies: ProxyHop[], facts: Facts, notes: string[]): void {
  const ofSite = new Map<string, NonNullable<NonNullable<Facts['proxies']>[number]['container']>>();
  for (const p of facts.proxies ?? []) if (p.container) for (const s of p.sites) ofSite.set(s.id, p.container);
  // The main file of each site's config (an nginx.conf whose include brings the server block in).
  const configOf = new Map<string, string>();
  for (const p of facts.proxies ?? []) for (const s of p.sites) configOf.set(s.id, p.file);
  const byKind = new Map<string, ProxyContainer[]>();
  const containersOf = (kind: ContainerProxyKind): ProxyContainer[] => {
    let c = byKind.get(kind);
    if (!c) {
      c = proxyContainers(facts, kind);
      byKind.set(kind, c);
      if (c.length > 1 && proxies.some((p) => p.kind === kind))
        notes.push(
          `several compose services run ${kind} (${c.map((s) => s.service).join(', ')}): the ${kind} configs are assumed to run on the host`,
        );
    }
    return c;
  };
  // A config shown in a Markdown/MDX document (collectors/fenced.ts) beside the tree's own config of that kind is
  // either the guide's proxy for the host in front (chibisafe's "add this to your Caddyfile" -> localhost:24424),
  // not a second config of the container that runs the tree's file, or an example variant of the tree's own config
  // (a README's <VirtualHost> with another upstream): a host proxy reaches the project only through the host's
  // loopback (the ports compose publishes), so a documented config none of whose upstreams is on loopback is the
  // example, and is no hop.
  // The file's last path segment, without an array per hop (asked twice per hop: 20,000 arrays at 10,000 servers).
  const documented = (p: ProxyHop): boolean => isMarkdownName(p.ref.file.slice(p.ref.file.lastIndexOf('/') + 1));
  const treeKinds = new Set(proxies.filter((p) => !documented(p)).map((p) => p.kind));
  const examples = new Set<ProxyHop>();
  for (const p of proxies) {
    const own = ofSite.get(p.id);
    if (!own && documented(p) && treeKinds.has(p.kind)) {
      if (!p.routes.some((r) => r.upstreams.some(onHostLoopback))) {
        examples.add(p);
        notes.push(
          `${p.ref.file}:${p.ref.line}: a ${p.kind} config shown in a document beside the tree's own ${p.kind} config, with no upstream on the host's loopback: an example of that config, not a proxy in front of it (not a hop)`,
        );
        continue;
      }
      p.notes.push(`shown in a document (${p.ref.file}:${p.ref.line}) beside the tree's own ${p.kind} config: on the host`);
      continue;
    }
    // A proxy of no kind compose can run by name (kamal-proxy) is in a container only when its collector says so.
    const kind = p.kind;
    if (!own && (kind === 'cloud-lb' || kind === 'other')) continue;
    const cands = own ? [own] : kind === 'cloud-lb' || kind === 'other' ? [] : containersOf(kind);
    const c = cands.length === 1 ? cands[0] : undefined;
    if (!c) continue;
    // The service runs the configs of that kind it mounts or copies (`./inner.conf:/etc/nginx/conf.d/default.conf`):
    // when it takes some of the tree's configs of the kind but not this one, this one runs elsewhere (an outer
    // nginx on the host proxying to the published port), so it links as a host proxy.
    if (!own && 'mounts' in c) {
      const elsewhere = notTaken(p, c, proxies, configOf);
      if (elsewhere) {
        p.notes.push(elsewhere);
        continue;
      }
    }
    // `network_mode: host`: the proxy's listeners and its loopback are the host's, so it links as a host proxy.
    if ('hostNetwork' in c && c.hostNetwork) {
      p.notes.push(
        `runs in compose service ${c.service} with network_mode: host (${c.ref.file}:${c.ref.line}): on the host's network`,
      );
      continue;
    }
    // kamal-proxy is a plain Docker container (Kamal runs it with `docker run`), not a compose service.
    p.placement = {
      kind: 'container',
      service: c.service,
      ref: c.ref,
      ...(kind === 'other' && own?.runtime !== 'compose' ? { runtime: 'docker' as const } : {}),
    };
    p.notes.push(
      `runs in ${kind === 'other' && own?.runtime !== 'compose' ? 'container' : 'compose service'} ${c.service} (${c.ref.file}:${c.ref.line}; ${c.why})`,
    );
    p.listeners = p.listeners.map((l) => ({ ...l }));
    for (const l of p.listeners) {
      const pub = c.published.find((x) => x.containerPort === l.port);
      if (!pub) continue;
      l.published = { hostIp: pub.hostIp, hostPort: pub.hostPort, ref: pub.ref };
      // Published proxy ports: the browser reaches the container port through the host port.
      if (pub.hostPort !== l.port) p.notes.push(`container port ${l.port} is published as ${pub.hostPort}`);
    }
  }
  for (let i = proxies.length - 1; i >= 0; i--) if (examples.has(proxies[i] as ProxyHop)) proxies.splice(i, 1);
}

/** Is a display path one of `mounts` or inside one of them (a mounted folder; `.` is the whole tree)? */
function mounted(file: string, mounts: string[]): boolean {
  return mounts.some((m) => m === '.' || file === m || file.startsWith(`${m.replace(/\/$/, '')}/`));
}

/**
 * Why the hop's config does not run in `c`, the one compose service running its kind, or undefined when it may:
 * the service mounts or copies another config of the same kind from the tree, and neither the hop's file nor its
 * config's main file.
 */
function notTaken(p: ProxyHop, c: ProxyContainer, proxies: ProxyHop[], configOf: Map<string, string>): string | undefined {
  const files = (h: ProxyHop): string[] => [h.ref.file, ...(configOf.has(h.id) ? [configOf.get(h.id) as string] : [])];
  if (files(p).some((f) => mounted(f, c.mounts))) return undefined;
  const taken = proxies.find((o) => o !== p && o.kind === p.kind && files(o).some((f) => mounted(f, c.mounts)));
  if (!taken) return undefined;
  return `not in compose service ${c.service} (${c.ref.file}:${c.ref.line}), which mounts or copies ${taken.ref.file} and not ${p.ref.file}: on the host`;
}

/** An upstream on the host's loopback (`localhost:24424`, `127.0.0.1:8008`): how a host proxy reaches a published port. */
function onHostLoopback(u: Upstream): boolean {
  return u.address?.kind === 'tcp' && isLoopbackHost(u.address.host);
}
