/**
 * Kubernetes Ingresses -> chain hops. The Ingresses are neutral proxy sites (facts/ingress-sites.ts); an Ingress
 * route whose backend Service selects the pods of a workload that runs an app server is linked to that app, and an
 * Ingress with such a route becomes the hop in front of it (`siteHop`). The controller talks plain HTTP to the pod
 * from its own pod address (never loopback). An Ingress that reaches no app server of the tree adds nothing (no
 * guessed link). A proxy upstream named by a Service (`web`, `web.ns.svc.cluster.local`) reaches those pods too.
 */

import { lbKind } from '../../collectors/kube/lb.js';
import { containerPort, ingressBackend, ingressProxyConfigs, workloadsOf } from '../../facts/ingress-sites.js';
import { displayFile, nginxModel } from '../../facts/nginx/index.js';
import type { Facts } from '../../model/facts.js';
import type { AppServer, Link, LoadBalancer, ProxyHop, ProxyKind, ProxyRoute, Topology } from '../model.js';
import { refText } from '../model.js';
import { siteHop } from './proxy.js';

/**
 * The app server a Kubernetes Service name reaches: the Service's selected workloads (or the workload of that name),
 * the one app server they run, and its bind on the Service's target port (any bind when the files fix none).
 */
export function kubeServiceTarget(
  facts: Facts,
  topology: Pick<Topology, 'apps'>,
  service: string,
  port: string,
): { app: AppServer; bind: number; port?: number; how: string } | undefined {
  const kube = facts.kube;
  if (!kube || !service) return undefined;
  const known =
    (kube.serviceIndex ?? []).some((s) => s.name === service) || (kube.podLabels ?? []).some((p) => p.workload === service);
  if (!known) return undefined;
  const w = workloadsOf(kube, service);
  const apps = topology.apps.filter((a) => a.service !== undefined && w.names.includes(a.service));
  if (apps.length !== 1) return undefined;
  const app = apps[0] as AppServer;
  const target = containerPort(kube, w.names, w.targetPort?.(port) ?? port);
  const tcp = app.binds.map((x, i) => ({ x, i })).filter(({ x }) => x.address.kind === 'tcp');
  const bind = target !== undefined ? tcp.find(({ x }) => x.address.kind === 'tcp' && x.address.port === target) : tcp[0];
  // A known bind on another port is not this backend; an app whose port the files do not fix is linked by Service.
  if (tcp.length && !bind) return undefined;
  return { app, bind: bind?.i ?? 0, port: target, how: `Service ${service} selects the pods of ${w.names.join(', ')}` };
}

/**
 * Why a known Service name links to no app server: its pods run containers whose command the files do not show (an
 * image's own CMD), said with the workload and images instead of asking for a compose file or unit.
 */
function kubeServiceUnlinked(
  facts: Facts,
  topology: Pick<Topology, 'apps'>,
  service: string,
): { reason: string; need: string } | undefined {
  const kube = facts.kube;
  if (!kube || !service) return undefined;
  const svc = (kube.serviceIndex ?? []).find((x) => x.name === service);
  if (!svc && !(kube.podLabels ?? []).some((p) => p.workload === service)) return undefined;
  const names = workloadsOf(kube, service).names;
  if (topology.apps.some((a) => a.service !== undefined && names.includes(a.service))) return undefined;
  const workloads = (facts.workloads?.workloads ?? []).filter((w) => names.includes(w.name));
  const what = `Kubernetes Service ${service}${svc ? ` (${svc.ref.file}:${svc.ref.line})` : ''}`;
  if (workloads.length === 0)
    return {
      reason: `${what} selects no workload of these files`,
      need: `give the Deployment/StatefulSet whose pods Service ${service} selects`,
    };
  const images = [...new Set(workloads.flatMap((w) => w.containers.map((c) => c.image ?? c.name)))];
  return {
    reason: `${what} selects the pods of ${workloads.map((w) => `${w.kind} ${w.name} (${w.file}:${w.ref.line})`).join(', ')}, whose container${images.length > 1 ? 's' : ''} ${images.join(', ')} start${images.length > 1 ? '' : 's'} no app server these files show (the image's own command)`,
    need: `give the container's command:/args: or the image's Dockerfile for ${workloads.map((w) => w.name).join(', ')}`,
  };
}

/** `web`, `web.prod`, `web.prod.svc`, `web.prod.svc.cluster.local` -> `web`. */
function serviceNameOf(host: string): string {
  return host.replace(/\.svc(\.cluster\.local)?\.?$/i, '').split('.')[0] ?? host;
}

/**
 * Links the address linker left unresolved whose upstream is a Kubernetes Service name (an IngressRoute's service,
 * nginx in a pod proxying to `http://web:8000` or `web.ns.svc.cluster.local`): the peer is the proxy's pod.
 */
export function resolveKubeLinks(facts: Facts, topology: Topology): void {
  if (!facts.kube?.serviceIndex?.length && !facts.kube?.podLabels?.length) return;
  for (const l of topology.links) {
    if (l.target.kind !== 'unresolved') continue;
    const hop = topology.proxies.find((p) => p.id === l.fromHop);
    const up = hop?.routes.find((r) => r.id === l.routeId)?.upstreams[l.upstream];
    if (!hop || !up?.address || up.address.kind !== 'tcp') continue;
    const t = kubeServiceTarget(facts, topology, serviceNameOf(up.address.host), String(up.address.port));
    if (!t) {
      const why = kubeServiceUnlinked(facts, topology, serviceNameOf(up.address.host));
      if (why) l.target = { kind: 'unresolved', ...why };
      continue;
    }
    l.target = { kind: 'app', appId: t.app.id, bind: t.bind };
    l.peer = { kind: 'remote', desc: `${hop.label.split(' (')[0]}'s pod` };
    l.how = t.how;
  }
}

/**
 * nginx whose config is a key of a ConfigMap in the tree runs in the pod that mounts that key: a container of a
 * workload whose `volumeMounts` mount the ConfigMap (`items:`/`subPath` narrowed to that key). The hop is placed in
 * that pod (a container placement named by the workload, as the app servers its containers start are), so its
 * `proxy_pass http://127.0.0.1:8000` reaches the app container of the same pod over the pod's shared loopback, and a
 * Service selecting that workload reaches the nginx (`podProxyTarget`). Several workloads mounting the key: not placed
 * (which pod runs it is not known).
 */
export function placeNginxInPods(proxies: ProxyHop[], facts: Facts, notes: string[]): void {
  const workloads = facts.workloads?.workloads ?? [];
  if (!facts.nginx?.configs.some((c) => c.embedded?.kubernetes) || workloads.length === 0) return;
  let model: ReturnType<typeof nginxModel>;
  try {
    model = nginxModel(facts);
  } catch {
    return;
  }
  for (const hop of proxies) {
    const m = /^nginx:(\d+)$/.exec(hop.id);
    if (!m || hop.placement.kind !== 'host' || hop.placement.name) continue;
    const server = model.servers[Number(m[1])];
    const tree = server ? facts.nginx.configs[model.https[server.http]?.config ?? -1] : undefined;
    const emb = tree?.embedded;
    const file = tree?.config[0]?.file;
    if (!emb?.kubernetes || !file) continue;
    const mounts = workloads.flatMap((w) =>
      w.containers.flatMap((c) =>
        (c.configFiles ?? []).filter((k) => k.line === emb.line && k.file === displayFile(facts, file)).map((k) => ({ w, c, k })),
      ),
    );
    const pods = [...new Set(mounts.map((x) => x.w))];
    const one = mounts[0];
    if (pods.length !== 1 || !one) continue;
    hop.placement = { kind: 'container', service: one.w.name || one.c.name, ref: one.k.ref, runtime: 'kubernetes' };
    hop.notes.push(
      `runs in the pod of ${one.w.kind} ${one.w.name} (container ${one.c.name || '(unnamed)'} mounts ConfigMap ${one.k.configMap} key ${one.k.key} at ${one.k.mountPath}, ${one.k.ref.file}:${one.k.ref.line})`,
    );
  }
  if (mountsUnplaced(proxies, facts))
    notes.push('an nginx ConfigMap is mounted by several workloads: where it runs is not assumed');
}

/** True when some embedded nginx hop stays on the host while several workloads mount its key. */
function mountsUnplaced(proxies: ProxyHop[], facts: Facts): boolean {
  const lines = new Map<string, Set<string>>();
  for (const w of facts.workloads?.workloads ?? [])
    for (const c of w.containers)
      for (const k of c.configFiles ?? []) {
        const key = `${k.file}:${k.line}`;
        const set = lines.get(key) ?? new Set<string>();
        set.add(w.name);
        lines.set(key, set);
      }
  return (
    [...lines.values()].some((s) => s.size > 1) && proxies.some((p) => p.id.startsWith('nginx:') && p.placement.kind === 'host')
  );
}

/**
 * The nginx hop placed in the pods a Kubernetes Service selects (`placeNginxInPods`), on the listener of the Service's
 * target port (the only listener when the files fix no port).
 */
export function podProxyTarget(
  facts: Facts,
  topology: Pick<Topology, 'proxies'>,
  service: string,
  port: string,
): { hop: ProxyHop; listener: number; how: string } | undefined {
  const kube = facts.kube;
  if (!kube || !service) return undefined;
  const w = workloadsOf(kube, service);
  const hops = topology.proxies.filter(
    (p) => p.placement.kind === 'container' && p.placement.runtime === 'kubernetes' && w.names.includes(p.placement.service),
  );
  const target = containerPort(kube, w.names, w.targetPort?.(port) ?? port);
  const hits = hops.flatMap((hop) =>
    hop.listeners
      .map((l, i) => ({ hop, l, i }))
      .filter(({ l }) => (target === undefined ? hop.listeners.length === 1 : l.port === target)),
  );
  const hit = hits[0];
  if (hits.length !== 1 || !hit) return undefined;
  return {
    hop: hit.hop,
    listener: hit.i,
    how: `Service ${service} selects the pods of ${w.names.join(', ')}, whose nginx listens on ${hit.l.port ?? 'its port'}`,
  };
}

/**
 * Adds a hop per Ingress site (facts/ingress-sites.ts) that reaches an app server of the tree, with its links: the
 * routes whose backend Service selects an app server's pods. Runs after the address links: these targets are named
 * by Service, not by address.
 */
export function ingressHops(facts: Facts, topology: Topology): void {
  for (const config of ingressProxyConfigs(facts)) {
    const kind: ProxyKind = config.kind === 'ingress-nginx' ? 'nginx' : config.kind;
    for (const site of config.sites) {
      const routes: ProxyRoute[] = [];
      const links: Topology['links'] = [];
      for (const route of site.routes) {
        const b = ingressBackend(route);
        const t = b ? kubeServiceTarget(facts, topology, b.service, b.port) : undefined;
        const viaPod = !t && b ? podProxyTarget(facts, topology, b.service, b.port) : undefined;
        if (viaPod) {
          routes.push(route);
          links.push(podProxyLink(site.id, route.id, kind, viaPod));
          continue;
        }
        if (!t) continue;
        routes.push(route);
        links.push({
          fromHop: site.id,
          routeId: route.id,
          upstream: 0,
          target: { kind: 'app', appId: t.app.id, bind: t.bind },
          peer: { kind: 'remote', desc: kind === 'cloud-lb' ? 'the cloud load balancer' : 'the ingress controller pod' },
          how: t.how,
        });
      }
      if (routes.length === 0) continue;
      topology.proxies.push(siteHop(kind, { ...site, routes }));
      topology.links.push(...links);
    }
  }
}

function podProxyLink(
  fromHop: string,
  routeId: string,
  kind: ProxyKind,
  t: { hop: ProxyHop; listener: number; how: string },
): Link {
  return {
    fromHop,
    routeId,
    upstream: 0,
    target: { kind: 'proxy', hopId: t.hop.id, listener: t.listener },
    peer: { kind: 'remote', desc: kind === 'cloud-lb' ? 'the cloud load balancer' : 'the ingress controller pod' },
    how: t.how,
  };
}

/** What an ingress controller Service's cloud load balancer is called in a hop label. */
const CONTROLLER_LB_WHAT: Record<string, string> = {
  'aws-elb': 'AWS Classic Load Balancer',
  'aws-nlb': 'AWS Network Load Balancer',
  'do-lb': 'DigitalOcean Load Balancer',
};

/** An ingress controller whose own Service may be the TLS load balancer in front of it. */
export type LbController = 'ingress-nginx' | 'contour' | 'traefik';

/**
 * The controller's plain-HTTP port, by name or number, as its Service's `targetPort` names it: ingress-nginx's
 * `http` (80; 8080 when run unprivileged), Contour's Envoy `http` (8080 in Contour's manifests), Traefik's `web`
 * entrypoint (8000 in the Helm chart; `http`/80 in hand-written manifests).
 */
const PLAIN_TARGET: Record<LbController, RegExp> = {
  'ingress-nginx': /^(http|80|8080)$/i,
  contour: /^(http|80|8080)$/i,
  traefik: /^(web|http|80|8000)$/i,
};

/** Which hops stand behind that controller's Service: the Ingresses, HTTPProxies and IngressRoutes it serves. */
export function hopOfController(hop: ProxyHop, controller: LbController): boolean {
  if (controller === 'ingress-nginx') return isIngressNginxHop(hop);
  if (controller === 'contour') return hop.id.startsWith('contour:');
  // Traefik's Kubernetes providers: an Ingress of class traefik, or an IngressRoute. A Traefik run by compose or
  // from a static file's entrypoints is not behind a cluster's Service.
  return hop.kind === 'traefik' && (hop.id.startsWith('ingress:') || /\bIngressRoute\b/.test(hop.ref?.snippet ?? ''));
}

/**
 * The cloud load balancer of an ingress controller's Service (ingress-nginx, Contour's Envoy, Traefik) when it ends
 * TLS and forwards its 443 to the controller's plain HTTP port (`aws-load-balancer-ssl-cert`, `443 -> targetPort:
 * http`/`web`/8080): it stands in front of the plain listener of every Ingress / HTTPProxy / IngressRoute that
 * controller serves, so an HTTPS request reaches the controller as http. An L7 ELB adds X-Forwarded-Proto, which
 * the controller believes only when told (ingress-nginx `use-forwarded-headers`, Contour `num-trusted-hops`, Traefik
 * `forwardedHeaders.trustedIPs` on that entrypoint); an L4 one adds nothing. A redirect to https on that listener
 * (`force-ssl-redirect`, Contour's HTTPS upgrade, a RedirectScheme) answers it with https again: a loop.
 * One per controller found in the files; none when no such Service is in the files (then nothing is assumed).
 */
export function controllerLbs(facts: Facts): Map<LbController, LoadBalancer> {
  const out = new Map<LbController, LoadBalancer>();
  for (const s of facts.kube?.services ?? []) {
    const c = s.controller;
    if ((c !== 'ingress-nginx' && c !== 'contour' && c !== 'traefik') || s.type !== 'LoadBalancer' || out.has(c)) continue;
    const k = lbKind(s);
    if (!k.tlsAtLb) continue;
    const p = s.ports.find((x) => x.port === 443 && PLAIN_TARGET[c].test(x.targetPort));
    if (!p) continue;
    const what = CONTROLLER_LB_WHAT[k.provider] ?? 'cloud load balancer';
    const controllerName = c === 'contour' ? "Contour's Envoy" : c === 'traefik' ? "Traefik's" : "the controller's";
    out.set(c, {
      type: 'lb',
      label: `${what} (inferred from ${refText(s.ref)})`,
      mode: k.layer === 'l7' ? 'http' : 'tcp',
      port: 443,
      why: `inferred from ${refText(s.ref)}: Service ${s.name} (${k.layer === 'l7' ? 'L7' : 'L4'}) ends TLS and forwards 443 to ${controllerName} ${p.targetPort} port (${refText(p.ref)})`,
      ref: k.why[0] ?? s.ref,
      origin: 'inferred',
      controllerPort: p.targetPort,
    });
  }
  return out;
}

/** The controller balancer (of `controllerLbs`) that stands in front of this hop, if any. */
export function controllerLbOf(lbs: Map<LbController, LoadBalancer>, hop: ProxyHop): LoadBalancer | undefined {
  for (const [c, lb] of lbs) if (hopOfController(hop, c)) return lb;
  return undefined;
}

/** A hop made by `ingressHops` from an ingress-nginx Ingress. */
export function isIngressNginxHop(hop: ProxyHop): boolean {
  return hop.id.startsWith('ingress:') && hop.kind === 'nginx';
}
