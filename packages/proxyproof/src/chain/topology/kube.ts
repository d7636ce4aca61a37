/**
 * Kubernetes Ingresses -> chain hops. An Ingress whose backend Service selects the pods of a workload that runs an
 * app server becomes the hop in front of that app: the controller ends TLS when the Ingress has `tls:` and talks
 * plain HTTP to the pod from its own pod address (never loopback). An Ingress that reaches no app server of the
 * tree adds nothing (no guessed link).
 *
 * Headers by controller:
 * - ingress-nginx (class nginx, or unnamed with nginx.ingress.kubernetes.io annotations): its nginx.tmpl sets
 *   X-Forwarded-Proto/-Scheme/X-Scheme to `$pass_access_scheme` (the connection's scheme; with
 *   `use-forwarded-headers: "true"` the incoming X-Forwarded-Proto when present), X-Forwarded-For to the client
 *   (`$remote_addr`; the full appended list with `compute-full-forwarded-for`), X-Forwarded-Host and -Port;
 * - Traefik (class traefik): its forwarded-headers middleware (incoming X-Forwarded-* only from trusted IPs);
 * - the cloud classes (gce, alb, azure/application-gateway): the cloud load balancer itself, with the headers its
 *   provider documents (collectors/front FRONTS).
 */
import { FRONTS, ingressFronts } from '../../collectors/front/fronts.js';
import { lbKind } from '../../collectors/kube/lb.js';
import { findMiddlewareCrd, TRAEFIK_DEFAULT_HEADERS } from '../../collectors/traefik/dynamic.js';
import { nginxToTemplate } from '../../facts/nginx/sites.js';
import type { Facts } from '../../model/facts.js';
import type { KubeFacts, KubeIngress } from '../../model/proxy.js';
import type { AppServer, ClientAddressPolicy, HeaderRule, ProxyHop, ProxyKind, ProxyRoute, Ref, Topology } from '../model.js';

type Controller = 'ingress-nginx' | 'traefik' | 'cloud' | 'other';

function controllerOf(ing: KubeIngress): Controller {
  const cls = (ing.className?.value ?? '').toLowerCase();
  if (ingressFronts([ing]).length) return 'cloud';
  if (/traefik/.test(cls) || Object.keys(ing.annotations).some((k) => k.startsWith('traefik.ingress.kubernetes.io/')))
    return 'traefik';
  if (/nginx/.test(cls) || Object.keys(ing.annotations).some((k) => k.startsWith('nginx.ingress.kubernetes.io/')))
    return 'ingress-nginx';
  return 'other';
}

/** The workloads a backend Service selects: by its literal selector labels, else the workload of the same name. */
function workloadsOf(kube: KubeFacts, service: string): { names: string[]; targetPort?: (port: string) => string | undefined } {
  const svc = kube.serviceIndex?.find((s) => s.name === service);
  const pods = kube.podLabels ?? [];
  const selected =
    svc && Object.keys(svc.selector).length
      ? pods.filter((p) => Object.entries(svc.selector).every(([k, v]) => p.labels[k] === v)).map((p) => p.workload)
      : [];
  const names = selected.length ? selected : pods.some((p) => p.workload === service) || !svc ? [service] : [];
  return {
    names,
    targetPort: svc
      ? (port: string) => {
          const p =
            svc.ports.find((x) => x.port === port || x.name === port) ?? (svc.ports.length === 1 ? svc.ports[0] : undefined);
          return p?.targetPort;
        }
      : undefined,
  };
}

/** The container port a target port names (a number, or a port name of the selected pods). */
function containerPort(kube: KubeFacts, workloads: string[], target: string | undefined): number | undefined {
  if (target === undefined || target === '') return undefined;
  const n = Number(target);
  if (Number.isInteger(n) && n > 0) return n;
  for (const p of kube.podLabels ?? [])
    if (workloads.includes(p.workload)) {
      const hit = p.ports.find((x) => x.name === target);
      if (hit) return hit.port;
    }
  return undefined;
}

function settingOn(facts: Facts, key: string): boolean {
  return (facts.kube?.ingressNginx ?? []).some((c) => /^true$/i.test(c.settings[key]?.value ?? ''));
}

/**
 * ingress-nginx's redirect to https on an Ingress without `tls:` (TLS ends before it, at a cloud load balancer):
 * `force-ssl-redirect` (the annotation, else the controller ConfigMap key; default false). lua_ingress.lua
 * `redirect_to_https`: redirect when force_ssl_redirect and `$pass_access_scheme` is http, which is the
 * X-Forwarded-Proto the peer sent with `use-forwarded-headers`, else the connection's own `$scheme`. (`ssl-redirect`,
 * default true, needs a certificate for the host, so it never applies without `tls:`.)
 */
function ingressNginxForceRedirect(facts: Facts, ing: KubeIngress): Ref | undefined {
  const ann = ing.annotations['nginx.ingress.kubernetes.io/force-ssl-redirect'];
  const v = ann ?? setting(facts, 'force-ssl-redirect');
  if (!v || !/^"?true"?$/i.test(v.value.trim())) return undefined;
  return { ...v.ref, snippet: v.ref.snippet ?? `force-ssl-redirect: ${v.value}` };
}

function setting(facts: Facts, key: string): { value: string; ref: Ref } | undefined {
  for (const c of facts.kube?.ingressNginx ?? []) if (c.settings[key]) return c.settings[key];
  return undefined;
}

/**
 * ingress-nginx's real_ip (nginx.tmpl): on with use-forwarded-headers, use-proxy-protocol or enable-real-ip; the
 * header is `proxy_protocol` or forwarded-for-header (X-Forwarded-For), `real_ip_recursive on`, trusted from
 * proxy-real-ip-cidr (default 0.0.0.0/0, every peer).
 */
function ingressNginxClientAddress(facts: Facts, ingRef: Ref): ClientAddressPolicy | undefined {
  const on = ['use-forwarded-headers', 'use-proxy-protocol', 'enable-real-ip'].find((k) => settingOn(facts, k));
  if (!on) return undefined;
  const header = settingOn(facts, 'use-proxy-protocol')
    ? 'proxy_protocol'
    : setting(facts, 'forwarded-for-header')?.value.trim() || 'X-Forwarded-For';
  const cidr = setting(facts, 'proxy-real-ip-cidr');
  const trustedFrom = cidr
    ? cidr.value
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : ['0.0.0.0/0'];
  return { trustedFrom, header, recursive: true, ref: cidr?.ref ?? setting(facts, on)?.ref ?? ingRef };
}

/**
 * kube-proxy's SNAT in front of the controller: its LoadBalancer/NodePort Service keeps the default
 * `externalTrafficPolicy: Cluster`, so the controller's peer is a node address (unless the load balancer speaks PROXY
 * protocol to a controller that reads it). k8s docs "Using Source IP".
 */
function controllerSnat(facts: Facts, controller: Controller): ProxyHop['peerSnat'] {
  if (controller !== 'ingress-nginx' && controller !== 'traefik') return undefined;
  const svc = (facts.kube?.services ?? []).find(
    (s) => s.controller === controller && (s.type === 'LoadBalancer' || s.type === 'NodePort'),
  );
  if (!svc || svc.externalTrafficPolicy?.value === 'Local') return undefined;
  if (controller === 'ingress-nginx' && lbKind(svc).proxyProtocol && settingOn(facts, 'use-proxy-protocol')) return undefined;
  return {
    addr: 'a node address',
    ref: svc.externalTrafficPolicy?.ref ?? svc.ref,
    why: `Service ${svc.name} (${svc.type}) with externalTrafficPolicy ${svc.externalTrafficPolicy?.value ?? 'Cluster (default)'}: kube-proxy SNATs to a node's address`,
  };
}

function headersOf(facts: Facts, ing: KubeIngress, controller: Controller, ref: Ref): HeaderRule[] {
  const d: Ref = { ...ref, origin: 'default' };
  if (controller === 'traefik') {
    // `router.middlewares: <ns>-<name>@kubernetescrd, ...`: their headers run after Traefik's own X-Forwarded-*.
    const rules = TRAEFIK_DEFAULT_HEADERS(d);
    for (const m of traefikMiddlewaresOf(facts, ing))
      for (const h of m.headers) rules.push({ name: h.name, value: h.value === '' ? null : h.value, ref: h.ref, from: 'route' });
    return rules;
  }
  if (controller === 'cloud') {
    const f = ingressFronts([ing])[0];
    const sends = f ? FRONTS[f.name].sends.map((h) => h.toLowerCase()) : [];
    const rules: HeaderRule[] = [];
    if (sends.includes('x-forwarded-proto'))
      rules.push({ name: 'X-Forwarded-Proto', value: '{scheme}', ref: d, from: 'default' });
    if (sends.includes('x-forwarded-for')) {
      const own = f ? FRONTS[f.name].xffOwnEntry : undefined;
      rules.push({ name: 'X-Forwarded-For', value: own ? `{xff_append}, ${own}` : '{xff_append}', ref: d, from: 'default' });
    }
    return rules;
  }
  // ingress-nginx (and an unnamed controller, modelled the same way: every common controller sets these).
  const scheme = settingOn(facts, 'use-forwarded-headers') ? '{trusted:x-forwarded-proto|scheme}' : '{scheme}';
  const rules: HeaderRule[] = [
    { name: 'X-Real-IP', value: '{remote_addr}', ref: d, from: 'default' },
    {
      name: 'X-Forwarded-For',
      value: settingOn(facts, 'compute-full-forwarded-for') ? '{xff_append}' : '{remote_addr}',
      ref: d,
      from: 'default',
    },
    { name: 'X-Forwarded-Host', value: '{host}', ref: d, from: 'default' },
    { name: 'X-Forwarded-Port', value: '{server_port}', ref: d, from: 'default' },
    { name: 'X-Forwarded-Proto', value: scheme, ref: d, from: 'default' },
    { name: 'X-Forwarded-Scheme', value: scheme, ref: d, from: 'default' },
    { name: 'X-Scheme', value: scheme, ref: d, from: 'default' },
  ];
  if (controller === 'ingress-nginx') rules.push(...snippetRules(ing, rules, scheme));
  return rules;
}

/** ingress-nginx's own location variables (nginx.tmpl) as templates, before nginx's common ones. */
const INGRESS_NGINX_VARS: Record<string, (scheme: string) => string> = {
  pass_access_scheme: (s) => s,
  best_http_host: () => '{http_host}',
  pass_server_port: () => '{server_port}',
  pass_port: () => '{server_port}',
  full_x_forwarded_for: () => '{xff_append}',
};

/**
 * `configuration-snippet` lines land in the controller's `location` after its own `proxy_set_header` lines
 * (nginx.tmpl); nginx then sends both values of a header set twice, the controller's first (checked on nginx
 * 1.22.1: `X-Forwarded-Proto: http` then `X-Forwarded-Proto: https`), so a snippet header the controller also sets
 * is appended, never a replacement. A `server-snippet`'s `proxy_set_header` is at server level, which a location
 * with its own `proxy_set_header` lines does not inherit: it reaches no Ingress path.
 */
function snippetRules(ing: KubeIngress, controllerRules: HeaderRule[], scheme: string): HeaderRule[] {
  const out: HeaderRule[] = [];
  const own = new Set(controllerRules.map((r) => r.name.toLowerCase()));
  for (const sn of ing.snippets ?? []) {
    if (sn.kind !== 'configuration-snippet') continue;
    for (const h of sn.headers) {
      // ingress-nginx's own variables first; nginxToTemplate then reads only the `$name`s left.
      const value = nginxToTemplate(
        h.value.replace(/\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (m, a: string | undefined, b: string | undefined) => {
          const f = INGRESS_NGINX_VARS[(a ?? b ?? '').toLowerCase()];
          return f ? f(scheme) : m;
        }),
        new Set(),
      );
      const twice = own.has(h.name.toLowerCase()) || out.some((r) => r.name.toLowerCase() === h.name.toLowerCase());
      // An empty value is not sent; set twice, the other value stays.
      if (value === '' && twice) continue;
      out.push({
        name: h.name,
        value: value === '' ? null : value,
        ref: h.ref,
        from: 'route',
        ...(twice ? { append: true } : {}),
      });
    }
  }
  return out;
}

/** The Middleware CRDs an Ingress names in `traefik.ingress.kubernetes.io/router.middlewares` (found in the tree). */
function traefikMiddlewaresOf(facts: Facts, ing: KubeIngress): NonNullable<KubeFacts['traefikMiddlewares']> {
  const names = ing.annotations['traefik.ingress.kubernetes.io/router.middlewares']?.value ?? '';
  const crds = facts.kube?.traefikMiddlewares ?? [];
  return names
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
    .map((n) => findMiddlewareCrd(crds, n))
    .filter((m): m is NonNullable<typeof m> => Boolean(m));
}

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
 * Adds a hop per Ingress that reaches an app server of the tree, with its links. Runs after the address links:
 * these targets are named by Service, not by address.
 */
export function ingressHops(facts: Facts, topology: Topology): void {
  const kube = facts.kube;
  if (!kube?.ingresses?.length) return;
  for (const ing of kube.ingresses) {
    if (ing.fromHelmValues || ing.backends.length === 0) continue;
    const controller = controllerOf(ing);
    const id = `ingress:${ing.ref.file}:${ing.ref.line}`;
    const routes: ProxyRoute[] = [];
    const links: Topology['links'] = [];
    ing.backends.forEach((b, bi) => {
      if (!b.service) return;
      const t = kubeServiceTarget(facts, topology, b.service, b.port);
      if (!t) return;
      const routeId = `${id}:${bi}`;
      routes.push({
        id: routeId,
        match: `${b.host ?? ''}${b.path ?? '/'}`,
        samplePath: b.path && /^\/[\w./-]*$/.test(b.path) ? b.path : '/',
        ref: b.ref,
        protocol: /^(https|grpcs)$/i.test(ing.annotations['nginx.ingress.kubernetes.io/backend-protocol']?.value ?? '')
          ? 'https'
          : 'http',
        upstreams: [
          {
            text: `Service ${b.service}:${b.port}`,
            address: { kind: 'tcp', host: b.service, port: t.port ?? 80 },
            ref: b.ref,
          },
        ],
        headers: headersOf(facts, ing, controller, ing.ref),
      });
      links.push({
        fromHop: id,
        routeId,
        upstream: 0,
        target: { kind: 'app', appId: t.app.id, bind: t.bind },
        peer: { kind: 'remote', desc: controller === 'cloud' ? 'the cloud load balancer' : 'the ingress controller pod' },
        how: t.how,
      });
    });
    const cloud = controller === 'cloud' ? ingressFronts([ing])[0] : undefined;
    // A cloud class without a certificate: the load balancer is the inferred front of the tree, not a hop of its own.
    if (routes.length === 0 || (cloud && !cloud.terminatesTls)) continue;
    // Traefik's Kubernetes Ingress provider: `router.tls: "true"` serves the router with TLS, as `tls:` does.
    const traefikTls = controller === 'traefik' ? ing.annotations['traefik.ingress.kubernetes.io/router.tls'] : undefined;
    const annTls = traefikTls && /^true$/i.test(traefikTls.value) ? traefikTls.ref : undefined;
    const tls = cloud ? cloud.terminatesTls : Boolean(ing.tls ?? annTls);
    const tlsRef = ing.tls ?? annTls ?? cloud?.evidence[1] ?? ing.ref;
    const redirect =
      controller === 'traefik' && !tls
        ? traefikMiddlewaresOf(facts, ing).find((m) => m.redirectScheme)?.redirectScheme
        : controller === 'ingress-nginx' && !tls
          ? ingressNginxForceRedirect(facts, ing)
          : undefined;
    const kind: ProxyKind = controller === 'traefik' ? 'traefik' : controller === 'ingress-nginx' ? 'nginx' : 'other';
    const what = cloud ? FRONTS[cloud.name].what : controller === 'other' ? 'ingress controller' : controller;
    const hop: ProxyHop = {
      type: 'proxy',
      id,
      kind: cloud ? 'cloud-lb' : kind,
      label: `Ingress ${ing.name} (${what}) (${ing.ref.file.split('/').pop()}:${ing.ref.line})`,
      ref: ing.ref,
      placement: { kind: 'host', name: what },
      names: [...new Set(ing.hosts ?? [])],
      listeners: [{ port: tls ? 443 : 80, tls, proxyProtocol: false, defaultServer: true, ref: tls ? tlsRef : ing.ref }],
      routes,
      passesIncoming: true,
      // Traefik's RedirectScheme and ingress-nginx's `$pass_access_scheme` read a trusted X-Forwarded-Proto first.
      ...(redirect ? { redirectsToHttps: redirect, redirectDecidedBy: 'forwarded-proto' as const } : {}),
      ...(controller === 'ingress-nginx' && ingressNginxClientAddress(facts, ing.ref)
        ? { clientAddress: ingressNginxClientAddress(facts, ing.ref) }
        : {}),
      ...(controllerSnat(facts, controller) ? { peerSnat: controllerSnat(facts, controller) } : {}),
      ...(controller === 'traefik'
        ? {
            stripsUntrusted: ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip'],
            trustedPeers: { list: [], ref: { ...ing.ref, origin: 'default' as const } },
          }
        : controller === 'ingress-nginx' && settingOn(facts, 'use-forwarded-headers')
          ? { trustedPeers: { list: ['0.0.0.0/0', '::/0'], ref: ing.ref } }
          : {}),
      notes: [
        tls
          ? `TLS ends at the ${what} (${tlsRef.file}:${tlsRef.line}); plain HTTP to the pods`
          : `no tls: in this Ingress: the ${what} serves plain HTTP`,
      ],
    };
    topology.proxies.push(hop);
    topology.links.push(...links);
  }
}
