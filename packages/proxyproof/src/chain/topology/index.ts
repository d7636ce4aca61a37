/**
 * Facts -> Topology. Every proxy kind contributes `ProxyHop`s from the neutral proxy facts (nginx through
 * facts/nginx/sites.ts, Caddy/HAProxy/Apache/Traefik from their collectors); app servers and frameworks come from the python/deploy/node
 * collectors; links are resolved by address; entries are the hops nobody proxies to.
 */
import { FRONTS } from '../../collectors/front/fronts.js';
import { composeProjectsWithIncludes } from '../../facts/compose-network.js';
import { proxyConfigs } from '../../facts/proxy-configs.js';
import type { Facts } from '../../model/facts.js';
import { type FrontFacts, frontReachesProxy } from '../../model/proxy.js';
import { siteUrl, tryUrl } from '../../model/url.js';
import type { Entry, Listener, LoadBalancer, ProxyHop, ProxyRoute, Ref, Topology } from '../model.js';
import { proxyById, refText } from '../model.js';
import { appServerOf, attachFrameworks, frameworkOf } from './app.js';
import { controllerLbOf, controllerLbs, ingressHops, type LbController, placeNginxInPods, resolveKubeLinks } from './kube.js';
import { linkAll } from './link.js';
import { placeProxiesInContainers, proxyHops } from './proxy.js';

export interface ProxyFile {
  kind: 'caddy' | 'haproxy' | 'apache';
  file: string;
  text: string;
}

export interface BuildOptions {
  /** Proxy configs found by the doctor's discovery (listed in its inventory; their facts come from the collectors). */
  proxyFiles?: ProxyFile[];
  /** `--behind-tls-lb`: a TLS-terminating load balancer sits in front of the proxies. */
  behindTlsLb?: boolean;
  /** `--front none`: no front door, so no load balancer is put in front (not even one inferred from real-ip settings). */
  noFront?: boolean;
  /** `--url`: the public entry to diagnose. */
  url?: string;
  /** Files the model does not simulate (HAProxy, Apache...), found by discovery. */
  unmodelled?: Array<{ what: string; file: string; why: string }>;
  /** Where the chain analysis is (engine/progress.ts); never part of what is analysed. */
  onProgress?: (text: string, done?: number, total?: number) => void;
}

export interface BuildResult {
  topology: Topology;
  /** Things found that are not hops (redirect-only servers...). */
  otherServers: Array<{ label: string; ref: Ref; what: string }>;
  notes: string[];
}

function matchesName(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === h) return true;
  if (p.startsWith('*.')) return h.endsWith(p.slice(1));
  if (p.startsWith('.')) return h === p.slice(1) || h.endsWith(p);
  if (p.endsWith('.*')) return h.startsWith(p.slice(0, -1));
  return false;
}

export function buildTopology(facts: Facts, opts: BuildOptions = {}): BuildResult {
  const notes: string[] = [];
  // Every proxy's neutral facts (model/proxy.ts): nginx's sites (facts/nginx/sites.ts), then Caddy, HAProxy,
  // Apache, Traefik... from their collectors.
  const ng = proxyHops(proxyConfigs(facts));
  const proxies: ProxyHop[] = ng.hops;
  // Proxies in containers: the compose service that runs the proxy runs these configs (and publishes their ports).
  placeProxiesInContainers(proxies, facts, notes);
  // nginx from a ConfigMap: in the pod that mounts it (its loopback is the app container's).
  placeNginxInPods(proxies, facts, notes);
  const composeServices = (facts.compose?.files ?? []).flatMap((f) => f.services);
  const apps = facts.appServers.map((a, i) => appServerOf(facts, a, i));
  const orphans = attachFrameworks(apps, facts.appServers, facts.frameworks);
  const topology: Topology = {
    entries: [],
    proxies,
    apps,
    links: [],
    unmodelled: [...(opts.unmodelled ?? [])],
    orphanFrameworks: orphans.map(frameworkOf),
    notes,
  };
  // Alternative compose files are separate stacks: which project each file and each service name belongs to.
  const projects = composeProjectsWithIncludes(facts.compose?.files ?? []);
  const serviceProjects = new Map<string, Set<string>>();
  for (const f of facts.compose?.files ?? [])
    for (const s of f.services) {
      const key = projects.get(f.file);
      if (key === undefined) continue;
      const set = serviceProjects.get(s.name) ?? new Set<string>();
      set.add(key);
      serviceProjects.set(s.name, set);
    }
  linkAll(
    topology,
    composeServices.map((s) => s.name),
    new Map(composeServices.flatMap((s) => (s.aliases ?? []).map((a): [string, string] => [a, s.name]))),
    projects,
    serviceProjects,
  );
  // Kubernetes Ingresses whose backend Service selects an app server's pods (chain/topology/kube.ts).
  resolveKubeLinks(facts, topology);
  ingressHops(facts, topology);
  // A cloud/PaaS front with no proxy in the tree talks to the app itself: it is the first hop.
  if (proxies.length === 0 && !opts.noFront) frontHops(topology, facts.fronts ?? []);
  // Entries: hops no other hop proxies to.
  // (A loop: flatMap made an array per link, 20,000 at 10,000 servers.)
  const targeted = new Set<string>();
  for (let k = 0; k < topology.links.length; k++) {
    const t = (topology.links[k] as (typeof topology.links)[number]).target;
    if (t.kind === 'proxy') targeted.add(t.hopId);
  }
  let lbDeclared: LoadBalancer | undefined;
  // A front door named with --front / .proxyproof.json (facts.fronts then holds only it) is more specific than
  // --behind-tls-lb; one inferred from the tree is used only when nothing is declared and nginx shows no balancer.
  const fronts = facts.fronts ?? [];
  // The generic balancer --behind-tls-lb declares (`tls-lb`) is that option's balancer below.
  const named = fronts.find((f) => f.origin !== 'inferred' && f.name !== 'none' && f.name !== 'tls-lb');
  const inferred = named ? undefined : fronts.find((f) => f.origin === 'inferred' && f.name !== 'none');
  if (named) lbDeclared = frontLb(named);
  else if (opts.behindTlsLb)
    lbDeclared = {
      type: 'lb',
      label: 'TLS load balancer (--behind-tls-lb)',
      mode: 'http',
      port: 443,
      why: 'declared with --behind-tls-lb',
      origin: 'declared',
    };
  const lbInferred = inferred ? frontLb(inferred) : undefined;
  // An ingress controller's own Service (ingress-nginx, Contour's Envoy, Traefik) may be the TLS load balancer (an
  // ACM certificate on an ELB that forwards 443 to the controller's plain port): it stands before the plain listener
  // of every Ingress/HTTPProxy/IngressRoute of that controller, TLS side or not, since that is where its traffic arrives.
  const controllerLb = opts.noFront || named ? new Map<LbController, LoadBalancer>() : controllerLbs(facts);
  // Indexed loops, no closure per hop (10,000 hops at 10,000 servers, in code V8 leaves unoptimised:
  // commands/tier-up.ts); the plain ports only where a declared balancer needs them.
  for (let h = 0; h < proxies.length; h++) {
    const hop = proxies[h] as ProxyHop;
    if (targeted.has(hop.id)) continue;
    const front = ng.behindFront.get(hop.id);
    let hasTls = false;
    for (let k = 0; k < hop.listeners.length && !hasTls; k++) hasTls = (hop.listeners[k] as Listener).tls;
    const behindController = controllerLbOf(controllerLb, hop);
    // A hop without a server name (an HAProxy frontend, a Traefik entrypoint) passes the browser's Host on: the
    // public name is the one the proxy behind it answers to.
    const downstream = hop.names.length === 0 ? downstreamName(topology, hop.id) : undefined;
    // A declared balancer (--front, --behind-tls-lb) in front of a hop that also ends TLS itself: the balancer ends
    // TLS and sends plain HTTP, so it stands before the hop's plain listeners, unless those only redirect to https
    // (then it most likely targets the TLS port, which stays the entry as it is). Said in a note either way.
    const plainPorts = lbDeclared ? hop.listeners.filter((l) => !l.tls).map((l) => l.port) : [];
    const declaredOnPlain = Boolean(lbDeclared) && (!hasTls || (plainPorts.length > 0 && !hop.redirectsToHttps));
    if (lbDeclared && hasTls && !opts.noFront && !behindController && plainPorts.length > 0)
      notes.push(
        declaredOnPlain
          ? `${hop.label}: ${lbDeclared.label} simulated as sending plain HTTP to its plain listener :${plainPorts.join(', :')} (a balancer that sends to its TLS port is not simulated)`
          : `${hop.label}: its plain listener :${plainPorts.join(', :')} only redirects to https, so ${lbDeclared.label} is taken to send to its TLS port: nothing to simulate for it there`,
      );
    for (let i = 0; i < hop.listeners.length; i++) {
      const l = hop.listeners[i] as Listener;
      let lb: LoadBalancer | undefined;
      if (opts.noFront) {
        // --front none: the proxy is the edge.
      } else if (behindController && !l.tls) {
        lb = { ...behindController, mode: behindController.mode === 'tcp' || l.proxyProtocol ? 'tcp' : 'http' };
      } else if (
        !l.tls &&
        !hasTls &&
        lbInferred &&
        inferred &&
        !lbDeclared &&
        !front &&
        frontReachesProxy(
          inferred,
          hop.kind,
          hop.listeners.map((x) => x.port),
        )
      ) {
        lb = { ...lbInferred, mode: lbInferred.mode === 'tcp' || l.proxyProtocol ? 'tcp' : 'http' };
        // A tunnel on the host reaches a container through its published port: the container sees Docker's
        // gateway, not loopback.
        if (hop.placement.kind === 'container' && lb.peer?.kind === 'loopback') delete lb.peer;
      } else if (!l.tls && ((lbDeclared && declaredOnPlain) || (!hasTls && front))) {
        lb = lbDeclared
          ? { ...lbDeclared, mode: lbDeclared.mode === 'tcp' || l.proxyProtocol ? 'tcp' : 'http' }
          : {
              type: 'lb',
              label: `TLS load balancer (inferred from ${front?.[0] ? refText(front[0]) : 'real-ip settings'})`,
              mode: l.proxyProtocol ? 'tcp' : 'http',
              port: 443,
              why: `inferred: ${front?.map((r) => r.snippet ?? refText(r)).join('; ')}`,
              ref: front?.[0],
              origin: 'inferred',
            };
      }
      const tls = l.tls || Boolean(lb);
      const port = lb ? lb.port : l.port;
      // A server name straight from a config may be a placeholder (`<your-domain>`, `{$DOMAIN}`): siteUrl never
      // throws and says what it simulated instead.
      const site = siteUrl(tls, hop.names[0] ?? downstream?.name ?? 'localhost', port);
      if (site.note && !notes.includes(`${hop.label}: ${site.note}`)) notes.push(`${hop.label}: ${site.note}`);
      const name = site.host;
      const e: Entry = { id: `${hop.id}:${i}`, url: site.url, hopId: hop.id, listener: i, name, port, tls: l.tls, lb };
      topology.entries.push(e);
    }
    if (hop.names.length === 0 && downstream)
      notes.push(
        `${hop.label} has no server name: simulated as ${downstream.name}, the name ${downstream.label} behind it answers to (give --url for another)`,
      );
    else if (hop.names.length === 0)
      notes.push(`${hop.label} has no server name: simulated as "localhost" (give --url for the real name)`);
  }
  if (opts.url) filterByUrl(topology, opts.url, notes);
  return { topology, otherServers: ng.other, notes };
}

/**
 * The first literal server name of a proxy this hop forwards to (breadth first, over every route): the name the
 * browser's Host carries through a hop that matches no name itself. Wildcards, catch-alls (`_`, `*`) and
 * placeholders are skipped.
 */
function downstreamName(t: Topology, hopId: string): { name: string; label: string } | undefined {
  const seen = new Set([hopId]);
  let level = [hopId];
  for (let depth = 0; depth < 8 && level.length > 0; depth++) {
    const next: string[] = [];
    for (const id of level)
      for (const l of t.links) {
        if (l.fromHop !== id || l.target.kind !== 'proxy' || seen.has(l.target.hopId)) continue;
        seen.add(l.target.hopId);
        const hop = proxyById(t, l.target.hopId);
        const name = hop?.names.find((n) => /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i.test(n));
        if (hop && name) return { name, label: hop.label };
        next.push(l.target.hopId);
      }
    level = next;
  }
  return undefined;
}

/** What a front sends, as header rules in the neutral template language (it overwrites, never trusts the client). */
function frontRules(f: FrontFacts, ref: Ref): ProxyRoute['headers'] {
  const rules: ProxyRoute['headers'] = [];
  for (const h of f.sends) {
    const n = h.toLowerCase();
    const value =
      n === 'x-forwarded-proto'
        ? '{scheme}'
        : n === 'x-forwarded-for'
          ? FRONTS[f.name].xffOwnEntry
            ? `{xff_append}, ${FRONTS[f.name].xffOwnEntry}`
            : '{xff_append}'
          : n === 'x-forwarded-port'
            ? '{server_port}'
            : undefined;
    if (value) rules.push({ name: h, value, ref, from: 'default' });
  }
  return rules;
}

/**
 * The front as a proxy hop in front of the app it forwards to (no proxy in the tree): the app port it names
 * (fly.toml `internal_port`), or the only app. It connects from another host, so the app's trust of its
 * forwarded headers decides what survives.
 */
function frontHops(topology: Topology, fronts: FrontFacts[]): void {
  const f = fronts.find((x) => x.origin !== 'inferred' && x.name !== 'none') ?? fronts.find((x) => x.name !== 'none');
  if (!f?.terminatesTls || f.sends.length === 0) return;
  const tcpApps = topology.apps.flatMap((app) =>
    app.binds.flatMap((b, i) => (b.address.kind === 'tcp' ? [{ app, bind: i, port: b.address.port }] : [])),
  );
  const want = f.targets?.length ? f.targets.map((t) => t.port) : f.targetPort ? [f.targetPort.port] : undefined;
  const cands = want !== undefined ? tcpApps.filter((x) => want.includes(x.port)) : tcpApps;
  if (new Set(cands.map((c) => c.app.id)).size !== 1) return;
  const c = cands[0];
  if (!c) return;
  const ref: Ref = f.targetPort?.ref ?? f.evidence[0] ?? { file: '(front)', line: 0 };
  const what = FRONTS[f.name].what;
  const id = `front:${f.name}`;
  const hop: ProxyHop = {
    type: 'proxy',
    id,
    kind: 'cloud-lb',
    label:
      f.name === 'tls-lb'
        ? what
        : `${what} (${f.origin === 'inferred' ? `inferred from ${refText(f.evidence[0] ?? ref)}` : `--front ${f.name}`})`,
    ref: f.evidence[0] ?? ref,
    placement: { kind: 'host', name: what },
    names: [],
    listeners: [{ port: 443, tls: true, proxyProtocol: false, defaultServer: true, ref: f.evidence[0] ?? ref }],
    routes: [
      {
        id: `${id}:route`,
        match: '/',
        samplePath: '/',
        ref,
        protocol: 'http',
        upstreams: [{ text: `${c.app.label.split(' (')[0]}`, address: { kind: 'tcp', host: 'app', port: c.port }, ref }],
        headers: frontRules(f, f.evidence[0] ?? ref),
      },
    ],
    passesIncoming: true,
    notes: [f.why],
  };
  topology.proxies.push(hop);
  topology.links.push({
    fromHop: id,
    routeId: `${id}:route`,
    upstream: 0,
    target: { kind: 'app', appId: c.app.id, bind: c.bind },
    // A tunnel daemon on the app's own host connects from loopback; to a container it comes through Docker's gateway.
    peer:
      f.loopback && c.app.placement.kind !== 'container' ? { kind: 'loopback', ip: '127.0.0.1' } : { kind: 'remote', desc: what },
    how: `${what} forwards to port ${c.port}${f.targetPort ? ` (${refText(f.targetPort.ref)})` : f.targets?.length ? ` (${refText(f.targets.find((t) => t.port === c.port)?.ref ?? ref)})` : ' (the only app)'}`,
  });
}

/**
 * The load balancer a cloud/PaaS front stands for: an L7 front that ends TLS and sends X-Forwarded-Proto is an
 * 'http' balancer (like --behind-tls-lb); an AWS NLB (TLS at L4, no headers) is a 'tcp' one.
 */
function frontLb(f: FrontFacts): LoadBalancer {
  const what = FRONTS[f.name].what;
  const ref = f.evidence[0];
  const l4 = f.name === 'aws-nlb' || !f.sends.some((h) => /^x-forwarded-proto$/i.test(h));
  const how = f.origin === 'inferred' ? `inferred from ${ref ? refText(ref) : 'the tree'}` : `--front ${f.name}`;
  return {
    type: 'lb',
    label: `${what} (${how})`,
    mode: l4 ? 'tcp' : 'http',
    port: 443,
    why: `${f.origin === 'inferred' ? `${how}: ` : ''}${f.why}`,
    ...(ref ? { ref } : {}),
    origin: f.origin === 'inferred' ? 'inferred' : 'declared',
    ...(f.loopback
      ? { peer: { kind: 'loopback', ip: '127.0.0.1' } as const }
      : f.ranges.length > 0
        ? { peer: { kind: 'remote', desc: what, ranges: f.ranges } as const }
        : {}),
  };
}

function filterByUrl(t: Topology, raw: string, notes: string[]): void {
  const u = tryUrl(raw);
  if (!u) {
    notes.push(`--url ${raw} is not a URL: ignored`);
    return;
  }
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const tls = u.protocol === 'https:';
  const byName = (e: Entry) => {
    const hop = proxyById(t, e.hopId);
    return !hop || hop.names.length === 0 || hop.names.some((n) => matchesName(n, u.hostname));
  };
  const exact = t.entries.filter((e) => byName(e) && e.port === port && (e.tls || Boolean(e.lb)) === tls);
  const named = t.entries.filter((e) => byName(e) && (e.tls || Boolean(e.lb)) === tls);
  const keep = exact.length ? exact : named;
  if (keep.length === 0) {
    notes.push(`no server matches --url ${raw}: showing every entry`);
    return;
  }
  const hopNamed = (e: Entry) => proxyById(t, e.hopId)?.names.some((n) => matchesName(n, u.hostname));
  const best = keep.some(hopNamed) ? keep.filter(hopNamed) : keep;
  for (const e of best) {
    e.url = `${u.protocol}//${u.host}${u.pathname}`;
    e.name = u.hostname;
    e.port = port;
  }
  t.entries = best;
}
