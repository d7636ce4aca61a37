/**
 * Linking: from a route's upstream address to what listens there, and how the receiver sees the
 * sender. Never guessed: no candidate, or several different ones, is an unresolved link that says
 * which file would settle it.
 */
import { isIP } from 'node:net';
import {
  addressText,
  hasTemplateValue,
  isLoopbackHost,
  isWildcardHost,
  loopbackBindAccepts,
  loopbackPeerIp,
  stripBrackets,
} from '../addr.js';
import type { AppServer, Link, LinkTarget, Peer, Placement, ProxyHop, Topology, Upstream } from '../model.js';

function samePlace(a: Placement, b: Placement): boolean {
  if (a.kind === 'container' && b.kind === 'container') return a.service === b.service;
  if (a.kind === 'container' || b.kind === 'container') return false;
  return true;
}

/** What runs a container, as the link's reason names it: a plain Docker container (Kamal, `docker run`) is no compose service. */
function containerOf(p: Placement | undefined): string {
  return p?.kind === 'container' && p.runtime === 'docker' ? 'container' : 'compose service';
}

interface Cand {
  target: LinkTarget;
  peer: Peer;
  how: string;
  key: string;
  /** The same app server in other alternative compose stacks (`stackTwins`) or launches of one file (`writerTwins`). */
  twins?: string[];
}

type Listening = { p: ProxyHop; i: number; l: ProxyHop['listeners'][number] };
interface PortIndex {
  n: number;
  /** Every listener by its port. */
  listen: Map<number | undefined, Listening[]>;
  /** Listeners of proxies in containers by the host port compose publishes them on. */
  published: Map<number, Listening[]>;
}
const byPort = new WeakMap<ProxyHop[], PortIndex>();

function portIndex(proxies: ProxyHop[]): PortIndex {
  let hit = byPort.get(proxies);
  if (!hit || hit.n !== proxies.length) {
    const listen = new Map<number | undefined, Listening[]>();
    const published = new Map<number, Listening[]>();
    const add = <K>(map: Map<K, Listening[]>, key: K, x: Listening) => {
      const list = map.get(key);
      if (list) list.push(x);
      else map.set(key, [x]);
    };
    for (const p of proxies)
      p.listeners.forEach((l, i) => {
        add(listen, l.port, { p, i, l });
        if (p.placement.kind === 'container' && l.published) add(published, l.published.hostPort, { p, i, l });
      });
    hit = { n: proxies.length, listen, published };
    byPort.set(proxies, hit);
  }
  return hit;
}

/** Every proxy listener on `port`, in hop then listener order (indexed once per proxies array). */
function listenersOnPort(proxies: ProxyHop[], port: number | undefined): Listening[] {
  return portIndex(proxies).listen.get(port) ?? [];
}

/** Every listener of a proxy in a container that compose publishes on host port `port`, in hop then listener order. */
function publishedOnPort(proxies: ProxyHop[], port: number | undefined): Listening[] {
  return port === undefined ? [] : (portIndex(proxies).published.get(port) ?? []);
}

export function resolveUpstream(
  topo: Pick<Topology, 'proxies' | 'apps'>,
  from: ProxyHop,
  up: Upstream,
  composeServices: string[],
  aliases: Map<string, string> = new Map(),
  projects: ReadonlyMap<string, string> = new Map(),
): Cand[] | { unresolved: string; need: string } {
  const a = up.address;
  if (!a && up.exposedPortOf) return exposedPortTarget(topo, from, up.exposedPortOf, projects.get(up.ref.file), projects);
  if (!a && hasTemplateValue(up.text))
    return {
      unresolved: `${up.text} is a template value, set when the template is rendered`,
      need: 'lint the rendered file, or write the upstream literally in the template',
    };
  if (!a)
    return {
      unresolved: `${up.text} is chosen per request (variables)`,
      need: 'name the upstream literally or pass --url; the doctor does not guess runtime values',
    };
  const cands: Cand[] = [];
  const fromService = from.placement.kind === 'container' ? from.placement.service : undefined;
  if (a.kind === 'unix') {
    for (const app of topo.apps) {
      app.binds.forEach((b, i) => {
        if (b.address.kind === 'unix' && b.address.path === a.path && samePlace(app.placement, from.placement))
          cands.push({
            target: { kind: 'app', appId: app.id, bind: i },
            peer: { kind: 'unix' },
            how: `unix socket ${a.path}`,
            key: `${app.id}`,
          });
      });
    }
    if (cands.length === 0)
      return {
        unresolved: `could not find the app server listening on unix:${a.path}`,
        need: 'give the systemd unit / command that binds this socket (gunicorn -b unix:...)',
      };
    return cands;
  }
  // container_name, hostname and network aliases name the compose service too.
  const host = aliases.get(stripBrackets(a.host)) ?? stripBrackets(a.host);
  if (isLoopbackHost(host)) {
    const peerIp = loopbackPeerIp(host);
    for (const app of topo.apps) {
      app.binds.forEach((b, i) => {
        if (b.address.kind !== 'tcp') return;
        if (samePlace(app.placement, from.placement) && b.address.port === a.port && loopbackBindAccepts(b.address.host, host)) {
          cands.push({
            target: { kind: 'app', appId: app.id, bind: i },
            peer: { kind: 'loopback', ip: peerIp },
            how: `same ${from.placement.kind !== 'container' ? 'host' : from.placement.runtime === 'kubernetes' ? 'pod' : 'container'}, ${addressText(a)} -> ${app.name ?? app.kind} bound to ${addressText(b.address)}`,
            key: app.id,
          });
        } else if (
          from.placement.kind !== 'container' &&
          b.published &&
          b.published.hostPort === a.port &&
          (isWildcardHost(b.published.hostIp) || isLoopbackHost(b.published.hostIp) || b.published.hostIp === '')
        ) {
          // nginx on the docker host -> a published container port: the app sees the bridge gateway.
          cands.push({
            target: { kind: 'app', appId: app.id, bind: i },
            peer: { kind: 'remote', desc: 'the docker host (bridge gateway)' },
            how: `${addressText(a)} is published by ${app.placement.kind === 'container' && app.placement.runtime === 'podman' ? 'the Podman quadlet' : 'compose service'} ${app.service ?? ''} (${b.published.ref?.file ?? ''}:${b.published.ref?.line ?? ''})`,
            key: app.id,
          });
        }
      });
    }
    // Proxies listening on that port (indexed: scanning every hop's listeners per upstream was quadratic).
    for (const { p, i, l } of listenersOnPort(topo.proxies, a.port)) {
      if (p.id === from.id || !samePlace(p.placement, from.placement)) continue;
      if (!l.address || isWildcardHost(l.address) || loopbackBindAccepts(l.address, host))
        cands.push({
          target: { kind: 'proxy', hopId: p.id, listener: i },
          peer: { kind: 'loopback', ip: peerIp },
          how: `same host, ${addressText(a)} -> ${p.label}`,
          key: p.id,
        });
    }
    // A proxy on the host -> a port compose publishes for a proxy container (host nginx -> 127.0.0.1:8008 ->
    // Caddy :80 in a container): that proxy sees the docker host (the bridge gateway) as its peer.
    if (from.placement.kind !== 'container')
      for (const { p, i, l } of publishedOnPort(topo.proxies, a.port)) {
        const pub = l.published;
        if (p.id === from.id || !pub) continue;
        if (!(isWildcardHost(pub.hostIp) || isLoopbackHost(pub.hostIp) || pub.hostIp === '')) continue;
        cands.push({
          target: { kind: 'proxy', hopId: p.id, listener: i },
          peer: { kind: 'remote', desc: 'the docker host (bridge gateway)' },
          how: `${addressText(a)} is published by ${containerOf(p.placement)} ${p.placement.kind === 'container' ? p.placement.service : ''} (${pub.ref.file}:${pub.ref.line}) -> ${p.label}`,
          key: p.id,
        });
      }
    if (cands.length === 0) {
      if (from.placement.kind === 'container' && from.placement.runtime === 'kubernetes')
        // A pod's containers share one loopback: the app container beside the nginx starts nothing these files show.
        return {
          unresolved: `${from.label} runs in the pod of ${from.placement.service.includes('__tpl_') ? 'a templated workload' : from.placement.service}: ${addressText(a)} is the pod's own loopback, shared by its containers, and none of them starts an app server on port ${a.port} that these files show (an image's own command)`,
          need: "give the app container's command:/args: or its image's Dockerfile",
        };
      if (from.placement.kind === 'container') {
        const elsewhere = topo.apps.filter((x) => x.binds.some((b) => b.address.kind === 'tcp' && b.address.port === a.port));
        return {
          unresolved: `${from.label} runs in the container of service ${fromService}: ${addressText(a)} there is that container itself${elsewhere.length ? `, not ${elsewhere.map((e) => e.service ?? e.label).join(', ')}` : ''}`,
          need: elsewhere.length
            ? `proxy to the service name (http://${elsewhere[0]?.service ?? 'web'}:${a.port})`
            : 'give the compose file / command of the app server',
        };
      }
      const sameHostPort = topo.apps.filter((x) => x.binds.some((b) => b.address.kind === 'tcp' && b.address.port === a.port));
      const hint = sameHostPort.length
        ? ` (${sameHostPort.map((x) => x.label).join(', ')} listens on that port but not on ${host}${sameHostPort.some((x) => x.placement.kind === 'container') ? ' of this host' : ''})`
        : '';
      const dyn = topo.apps.filter((x) => x.unknownBind);
      const dynHint = dyn.length
        ? ` (${dyn.map((x) => `${x.label.split(' ')[0]} at ${x.unknownBind?.file}:${x.unknownBind?.line} listens on an address computed at run time`).join('; ')})`
        : '';
      return {
        unresolved: `could not find the app server listening on ${addressText(a)}${hint}${dynHint}`,
        need: 'give the systemd unit, compose file, Procfile or command that starts it',
      };
    }
    return cands;
  }
  // A compose service name.
  if (composeServices.includes(host) || topo.apps.some((x) => x.service === host)) {
    // The name resolves, on the compose network, to that service's containers only: a server started on a host
    // (a systemd unit of the same name, for installs without Docker) is another deployment.
    const inCompose =
      composeServices.includes(host) && topo.apps.some((x) => x.service === host && x.placement.kind === 'container');
    for (const app of topo.apps) {
      if (app.service !== host) continue;
      if (inCompose && app.placement.kind !== 'container') continue;
      app.binds.forEach((b, i) => {
        if (
          b.address.kind === 'tcp' &&
          b.address.port === a.port &&
          (isWildcardHost(b.address.host) || !isLoopbackHost(b.address.host))
        )
          cands.push({
            target: { kind: 'app', appId: app.id, bind: i },
            peer: { kind: 'container', service: fromService ?? 'proxy' },
            how: `${containerOf(app.placement)} ${host}, container port ${a.port}`,
            key: app.id,
          });
      });
    }
    // A proxy that runs in that service's container (Traefik -> an nginx container in front of php-fpm): the name
    // reaches its listeners on the container network, as exposedPortTarget does for a label without a port.
    if (cands.length === 0)
      for (const { p, i, l } of listenersOnPort(topo.proxies, a.port)) {
        if (p.id === from.id || p.placement.kind !== 'container' || p.placement.service !== host) continue;
        if (l.address !== undefined && isLoopbackHost(stripBrackets(l.address)) && !isWildcardHost(l.address)) continue;
        cands.push({
          target: { kind: 'proxy', hopId: p.id, listener: i },
          peer: { kind: 'container', service: fromService ?? 'proxy' },
          how: `${containerOf(p.placement)} ${host}, container port ${a.port} -> ${p.label}`,
          key: p.id,
        });
      }
    if (cands.length === 0) {
      const svcApps = topo.apps.filter((x) => x.service === host);
      // Every server there listens where the files do not say (a port from a config library or an env_file the
      // tree lacks): the link is unknown, not refuted.
      if (svcApps.length > 0 && svcApps.every((x) => x.unknownBind))
        return {
          unresolved: `compose service ${host} runs ${svcApps.map((x) => `${x.label} (listen address at ${x.unknownBind?.file}:${x.unknownBind?.line})`).join(', ')}, whose port these files do not fix`,
          need: `a literal listen address, or the value of the variable it reads in service ${host}`,
        };
      const why = svcApps.length
        ? `compose service ${host} runs ${svcApps.map((x) => x.label).join(', ')}, which does not listen on ${a.port} on the container network${svcApps.some((x) => x.binds.some((b) => b.address.kind === 'tcp' && isLoopbackHost(b.address.host))) ? ' (it binds loopback inside its container)' : ''}`
        : `compose service ${host} exists but no app server command was found in it`;
      return {
        unresolved: why,
        need: `give the command that starts the app in service ${host} (compose command:, Dockerfile CMD)`,
      };
    }
    return cands;
  }
  // Another host by address or name.
  const ipTarget = isIP(host) !== 0;
  for (const app of topo.apps) {
    if (app.placement.kind === 'container' && !app.binds.some((b) => b.published)) continue;
    app.binds.forEach((b, i) => {
      if (b.address.kind !== 'tcp') return;
      const port = b.published?.hostPort ?? b.address.port;
      if (port !== a.port) return;
      if (ipTarget ? b.address.host === host || isWildcardHost(b.address.host) || Boolean(b.published) : app.service === host)
        cands.push({
          target: { kind: 'app', appId: app.id, bind: i },
          peer: { kind: 'remote', desc: `${from.label.split(' (')[0]}'s host` },
          how: `${addressText(a)} -> ${app.label} (assumed to run on ${host})`,
          key: app.id,
        });
    });
  }
  // Another proxy bound to exactly that address (Caddy `bind 198.51.100.6`, nginx `listen 10.0.0.5:80`): a proxy
  // on another host. Only a literal bind names its host; a wildcard listener could be on any machine.
  if (ipTarget)
    for (const { p, i, l } of listenersOnPort(topo.proxies, a.port)) {
      if (p.id === from.id || !l.address || stripBrackets(l.address) !== host) continue;
      cands.push({
        target: { kind: 'proxy', hopId: p.id, listener: i },
        peer: { kind: 'remote', desc: `${from.label.split(' (')[0]}'s host` },
        how: `${addressText(a)} -> ${p.label} (bound to ${l.address})`,
        key: p.id,
      });
    }
  if (cands.length === 0) {
    const dyn = topo.apps.filter((x) => x.unknownBind);
    const hint = dyn.length
      ? ` (${dyn.map((x) => `${x.label.split(' ')[0]} at ${x.unknownBind?.file}:${x.unknownBind?.line} listens on an address computed at run time`).join('; ')})`
      : '';
    return {
      unresolved: `could not find the app server listening on ${addressText(a)}${hint}`,
      need: `give the compose file / unit / command of the app on ${host}, or a literal listen address`,
    };
  }
  return cands;
}

/**
 * A compose service's container on the one port its image exposes (Traefik's docker provider with no port
 * label): the app servers of that service listening on the container network, or the proxy that runs in it (an
 * nginx container in front of php-fpm: `nginx:alpine` exposes 80 only). With several ports, Traefik's docker
 * provider (v1.7 to v3, `getPort` in pkg/provider/docker) takes the lowest port of the container
 * (`NetworkSettings.Ports`, sorted by number). The Traefik collector already picks that port when it knows one the
 * container exposes (compose `expose:`/`ports:`, the image's EXPOSE); here, where it knows none, the link goes to
 * the lowest port something listens on there, reading the ports it listens on as the ports it exposes.
 * Other proxies that name a container without a port (nginx-proxy) keep several ports unresolved.
 */
function exposedPortTarget(
  topo: Pick<Topology, 'proxies' | 'apps'>,
  from: ProxyHop,
  service: string,
  project: string | undefined,
  projects: ReadonlyMap<string, string>,
): Cand[] | { unresolved: string; need: string } {
  // Each target on the container network, by port; `how` is written once the port choice is known.
  const found: Array<{ port: number; cand: (why: string) => Cand }> = [];
  const peer: Peer = { kind: 'container', service: from.placement.kind === 'container' ? from.placement.service : 'proxy' };
  // The labels' own compose project: alternative files that each define the service are other stacks.
  const inProject = (p: AppServer['placement']) =>
    p.kind === 'container' && p.composeFile !== undefined && projects.get(p.composeFile) === project;
  const own = project !== undefined && topo.apps.some((x) => x.service === service && inProject(x.placement));
  for (const app of topo.apps) {
    if (app.service !== service || app.placement.kind !== 'container' || (own && !inProject(app.placement))) continue;
    app.binds.forEach((b, i) => {
      if (b.address.kind !== 'tcp' || (isLoopbackHost(b.address.host) && !isWildcardHost(b.address.host))) return;
      const port = b.address.port;
      found.push({
        port,
        cand: (why) => ({
          target: { kind: 'app', appId: app.id, bind: i },
          peer,
          how: `compose service ${service}, container port ${port} (${why})`,
          key: app.id,
        }),
      });
    });
  }
  for (const p of topo.proxies) {
    if (p.id === from.id || p.placement.kind !== 'container' || p.placement.service !== service) continue;
    if (own && !inProject(p.placement)) continue;
    p.listeners.forEach((l, i) => {
      const port = l.port;
      if (port === undefined || (l.address !== undefined && isLoopbackHost(stripBrackets(l.address)))) return;
      found.push({
        port,
        cand: (why) => ({
          target: { kind: 'proxy', hopId: p.id, listener: i },
          peer,
          how: `compose service ${service}, container port ${port} (${why}) -> ${p.label}`,
          key: p.id,
        }),
      });
    });
  }
  const ports = [...new Set(found.map((f) => f.port))].sort((x, y) => x - y);
  if (ports.length === 1) return found.map((f) => f.cand('the only port it listens on; no loadbalancer.server.port label'));
  if (ports.length > 1 && from.kind === 'traefik') {
    const why = `the lowest of the ports it listens on, ${ports.join(', ')}: with no loadbalancer.server.port label Traefik's docker provider takes the container's lowest port`;
    return found.filter((f) => f.port === ports[0]).map((f) => f.cand(why));
  }
  return ports.length === 0
    ? {
        unresolved: `compose service ${service} has no app server or proxy listening on its container network`,
        need: `give the command that starts the app in service ${service} (compose command:, Dockerfile CMD)`,
      }
    : {
        unresolved: `the container of ${service} listens on ports ${ports.join(', ')}, and no port is named for it`,
        need: 'name the port (nginx-proxy: VIRTUAL_PORT)',
      };
}

/** The compose project a route is declared in: its upstream's file, the proxy container's, the proxy config's. */
function ownProject(from: ProxyHop, up: Upstream, projects: ReadonlyMap<string, string>): string | undefined {
  return [up.ref.file, from.placement.kind === 'container' ? from.placement.composeFile : undefined, from.ref.file]
    .map((f) => (f === undefined ? undefined : projects.get(f)))
    .find((k) => k !== undefined);
}

/** The compose file of the container a candidate runs in (an app or proxy started by a compose service). */
function composeFileOf(topo: Pick<Topology, 'proxies' | 'apps'>, c: Cand): string | undefined {
  const t = c.target;
  const placement =
    t.kind === 'app'
      ? topo.apps.find((a) => a.id === t.appId)?.placement
      : t.kind === 'proxy'
        ? topo.proxies.find((p) => p.id === t.hopId)?.placement
        : undefined;
  return placement?.kind === 'container' ? placement.composeFile : undefined;
}

/**
 * Where a route's candidates run, computed once for sameProject and otherStackOnly: the compose file of each
 * candidate's container (`files[i]` for `cands[i]`, undefined outside a compose container) and the compose project
 * the route is declared in (`own`, ownProject).
 */
interface Stacks {
  cands: Cand[];
  files: (string | undefined)[];
  own: string | undefined;
}

function stacksOf(
  topo: Pick<Topology, 'proxies' | 'apps'>,
  from: ProxyHop,
  up: Upstream,
  cands: Cand[],
  projects: ReadonlyMap<string, string>,
): Stacks {
  return { cands, files: cands.map((c) => composeFileOf(topo, c)), own: ownProject(from, up, projects) };
}

/**
 * The candidates that run in the compose project the route is declared in, when the candidates span several
 * alternative compose files (`projects`: file -> project key, `composeProjects`). The route's own compose file is
 * its upstream's (a Traefik label of a service in that file), else the file of the container that runs the proxy,
 * else the proxy config's (Traefik flags in a compose file). Undefined when that settles nothing.
 */
function sameProject(s: Stacks, projects: ReadonlyMap<string, string>): Stacks | undefined {
  const keys = new Set(s.files.flatMap((f) => (f === undefined ? [] : [projects.get(f)])));
  if (keys.size < 2 || s.own === undefined) return undefined;
  const keep = s.files.map((f) => f !== undefined && projects.get(f) === s.own);
  const cands = s.cands.filter((_, i) => keep[i]);
  return cands.length > 0 ? { cands, files: s.files.filter((_, i) => keep[i]), own: s.own } : undefined;
}

/**
 * A compose service name whose own stack (the route's compose project) defines the service but starts no app server
 * the files show, while only another stack's service of that name does (a production compose file running a
 * registry image beside a development file that runs `uvicorn --reload`): that server is not what this route
 * reaches.
 */
function otherStackOnly(
  up: Upstream,
  s: Stacks,
  projects: ReadonlyMap<string, string>,
  serviceProjects: ReadonlyMap<string, ReadonlySet<string>>,
): { unresolved: string; need: string } | undefined {
  const name = up.exposedPortOf ?? (up.address?.kind === 'tcp' ? stripBrackets(up.address.host) : undefined);
  const { own } = s;
  if (name === undefined || own === undefined || !serviceProjects.get(name)?.has(own)) return undefined;
  // Only app servers count: a proxy candidate (or one outside compose) is not another stack's app.
  const theirs = s.cands.flatMap((c, i) => {
    const f = c.target.kind === 'app' ? s.files[i] : undefined;
    return f === undefined ? [] : [f];
  });
  if (theirs.length !== s.cands.length || theirs.some((f) => projects.get(f) === own)) return undefined;
  return {
    unresolved: `compose service ${name} of ${own} starts no app server these files show; ${[...new Set(theirs)].join(', ')} (another stack) runs the one found`,
    need: `give the command that starts the app in service ${name} of ${own} (compose command:, the image's Dockerfile)`,
  };
}

export function linkAll(
  topo: Topology,
  composeServices: string[],
  aliases: Map<string, string> = new Map(),
  projects: ReadonlyMap<string, string> = new Map(),
  serviceProjects: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): void {
  topo.links = [];
  // Indexed loops, no closure per route: this runs once per upstream of every route (20,000 at 10,000 servers) in
  // code V8 leaves unoptimised (commands/tier-up.ts), where `for...of` and `forEach` allocate per step.
  const proxies = topo.proxies;
  for (let h = 0; h < proxies.length; h++) {
    const hop = proxies[h] as ProxyHop;
    for (let k = 0; k < hop.routes.length; k++) {
      const route = hop.routes[k] as ProxyHop['routes'][number];
      for (let ui = 0; ui < route.upstreams.length; ui++) {
        const up = route.upstreams[ui] as Upstream;
        let r = resolveUpstream(topo, hop, up, composeServices, aliases, projects);
        if (Array.isArray(r) && projects.size > 1) {
          const all = stacksOf(topo, hop, up, r, projects);
          const own = sameProject(all, projects) ?? all;
          r = otherStackOnly(up, own, projects, serviceProjects) ?? own.cands;
        }
        if (!Array.isArray(r)) {
          topo.links.push({
            fromHop: hop.id,
            routeId: route.id,
            upstream: ui,
            target: { kind: 'unresolved', reason: r.unresolved, need: r.need },
            peer: { kind: 'unknown' },
            how: '',
          });
          continue;
        }
        if (Array.isArray(r) && projects.size > 1) r = stackTwins(topo, r, projects) ?? r;
        r = sameWriter(topo, up, r) ?? r;
        const keys = [...new Set(r.map((c) => c.key))];
        if (keys.length > 1) {
          topo.links.push({
            fromHop: hop.id,
            routeId: route.id,
            upstream: ui,
            target: {
              kind: 'unresolved',
              reason: `${up.text} matches several listeners (${keys.join(', ')})`,
              need: 'give only the files of one deployment, or pass --url',
            },
            peer: { kind: 'unknown' },
            how: '',
          });
          continue;
        }
        const c = r[0] as Cand;
        const link: Link = { fromHop: hop.id, routeId: route.id, upstream: ui, target: c.target, peer: c.peer, how: c.how };
        if (c.twins) link.stackTwins = c.twins;
        topo.links.push(link);
      }
    }
  }
}

/**
 * One app server launched the same way in each of several alternative compose stacks (one Dockerfile CMD or script
 * line, the same binds and trust, each stack's own container), reached by a proxy config those stacks share (one
 * nginx file mounted by `docker-compose.yml` and `docker-compose.prod.yml`): whichever stack runs, the route reaches
 * the same server, so it links to the first, and `how` names the others. Servers that differ in anything but their
 * stack (another port, a trust setting from one stack's environment) stay "several listeners".
 */
function stackTwins(topo: Pick<Topology, 'apps'>, cands: Cand[], projects: ReadonlyMap<string, string>): Cand[] | undefined {
  if (cands.length < 2) return undefined;
  const apps = cands.map((c) =>
    c.target.kind === 'app' ? topo.apps.find((a) => a.id === (c.target as { appId: string }).appId) : undefined,
  );
  const files: string[] = [];
  const shapes = new Set<string>();
  for (const [i, a] of apps.entries()) {
    const target = cands[i]?.target;
    if (a?.placement.kind !== 'container' || a.placement.composeFile === undefined || target?.kind !== 'app') return undefined;
    files.push(a.placement.composeFile);
    const { composeFile: _f, ...place } = a.placement;
    shapes.add(JSON.stringify({ ...a, id: '', placement: place, bind: target.bind }));
  }
  const stacks = new Set(files.map((f) => projects.get(f) ?? f));
  if (shapes.size !== 1 || stacks.size !== cands.length) return undefined;
  const first = cands[0] as Cand;
  return [
    {
      ...first,
      how: `${first.how} (the same server in ${files.slice(1).join(', ')}: alternative compose stacks)`,
      twins: apps.slice(1).map((a) => (a as AppServer).id),
    },
  ];
}

/**
 * Of several app servers a route may reach, the ones started from the very file that declares the route: a deploy
 * script (or a guide) that writes the nginx site and the supervisord program or systemd unit it proxies to
 * (collectors/written.ts) describes one deployment, so its own server is the one this route reaches, not the one
 * another script of the tree starts on the same socket. Undefined when that settles nothing (none, or all, are
 * started there).
 */
function sameWriter(topo: Pick<Topology, 'apps'>, up: Upstream, cands: Cand[]): Cand[] | undefined {
  if (new Set(cands.map((c) => c.key)).size < 2) return undefined;
  const mine = cands.filter(
    (c) =>
      c.target.kind === 'app' && topo.apps.find((a) => a.id === (c.target as { appId: string }).appId)?.ref.file === up.ref.file,
  );
  const kept = mine.length > 0 && mine.length < cands.length ? mine : cands;
  return writerTwins(topo, kept) ?? (kept === cands ? undefined : kept);
}

/**
 * Several servers one file starts, alike in all the chain judges (kind, the bind reached, place, trust, scheme
 * headers, framework): the file's alternative launches (`if supervisorctl ...; then` a supervisord program `else` a
 * systemd unit), whichever runs the route reaches the same server, so it links to the first and `how` names the
 * others (as `stackTwins` does for alternative compose stacks).
 */
function writerTwins(topo: Pick<Topology, 'apps'>, cands: Cand[]): Cand[] | undefined {
  if (cands.length < 2) return undefined;
  const shapes = new Set<string>();
  const apps: AppServer[] = [];
  for (const c of cands) {
    const a = c.target.kind === 'app' ? topo.apps.find((x) => x.id === (c.target as { appId: string }).appId) : undefined;
    if (!a || c.target.kind !== 'app' || (apps.length > 0 && a.ref.file !== apps[0]?.ref.file)) return undefined;
    apps.push(a);
    shapes.add(
      JSON.stringify([
        a.kind,
        a.name,
        a.binds[c.target.bind]?.address,
        a.placement,
        a.proxyHeaders.value,
        a.trusted.value,
        a.schemeHeaders.value,
        a.framework,
      ]),
    );
  }
  if (shapes.size !== 1) return undefined;
  const first = cands[0] as Cand;
  const lines = apps.slice(1).map((a) => a.ref.line);
  return [
    {
      ...first,
      how: `${first.how} (alternative launches in ${apps[0]?.ref.file}: the same server is also started at line ${lines.join(', ')})`,
      twins: apps.slice(1).map((a) => a.id),
    },
  ];
}

export function linkedApps(topo: Topology): Set<string> {
  return new Set(topo.links.flatMap((l) => (l.target.kind === 'app' ? [l.target.appId] : [])));
}

export type { AppServer };
