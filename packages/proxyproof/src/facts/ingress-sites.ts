/**
 * Kubernetes Ingresses -> neutral proxy facts (model/proxy.ts), as every other front door: one `ProxyConfigFacts`
 * per Ingress manifest (not Helm `ingress:` values), with one site whose routes are the Ingress backends. The chain
 * (`chain/topology/kube.ts` `ingressHops`) keeps the routes whose backend Service selects an app server of the tree
 * and makes the hop with `siteHop`; the generic `checks/proxy/` read the same sites. Owner: issue 13.
 *
 * The controller ends TLS when the Ingress has `tls:` (Traefik: `router.tls: "true"`; a cloud class: the load
 * balancer's certificate annotations) and talks plain HTTP to the pods (`backend-protocol: HTTPS` aside).
 * Headers by controller:
 * - ingress-nginx (class nginx, or unnamed with nginx.ingress.kubernetes.io annotations): its nginx.tmpl sets
 *   X-Forwarded-Proto/-Scheme/X-Scheme to `$pass_access_scheme` (the connection's scheme; with
 *   `use-forwarded-headers: "true"` the incoming X-Forwarded-Proto when present), X-Forwarded-For to the client
 *   (`$remote_addr`; the full appended list with `compute-full-forwarded-for`), X-Forwarded-Host and -Port;
 * - Traefik (class traefik): its forwarded-headers middleware (incoming X-Forwarded-* only from trusted IPs);
 * - the cloud classes (gce, alb, azure/application-gateway): the cloud load balancer itself, with the headers its
 *   provider documents (collectors/front FRONTS). A cloud class without a certificate is the tree's inferred front
 *   (`Facts.fronts`), not a site.
 */
import type { ClientAddressPolicy, HeaderRule, ProxyHop, ProxyRoute, Ref } from '../chain/model.js';
import { FRONTS, ingressFronts } from '../collectors/front/fronts.js';
import { lbKind } from '../collectors/kube/lb.js';
import { findMiddlewareCrd, TRAEFIK_DEFAULT_HEADERS } from '../collectors/traefik/dynamic.js';
import type { Facts } from '../model/facts.js';
import {
  ingressNginxForwardedHeaders,
  type KubeFacts,
  type KubeIngress,
  type PeerTrust,
  type ProxyConfigFacts,
  type ProxySite,
} from '../model/proxy.js';
import { nginxToTemplate } from './nginx/sites.js';

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
export function workloadsOf(
  kube: KubeFacts,
  service: string,
): { names: string[]; targetPort?: (port: string) => string | undefined } {
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
export function containerPort(kube: KubeFacts, workloads: string[], target: string | undefined): number | undefined {
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
  // use-forwarded-headers' default follows the controller's version (true before 0.22: model/proxy.ts).
  if (key === 'use-forwarded-headers') return ingressNginxForwardedHeaders(facts.kube).on;
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

/**
 * ingress-nginx's redirect to https on the plain :80 side of an Ingress with `tls:` (lua_ingress.lua
 * `redirect_to_https`): `force-ssl-redirect`, else `ssl-redirect` (the annotation, else the ConfigMap key; default
 * true) with the Ingress's certificate. Decided by `$pass_access_scheme` as the force redirect is. Undefined when
 * `ssl-redirect: "false"` turns it off.
 */
function ingressNginxSslRedirect(facts: Facts, ing: KubeIngress, tlsRef: Ref): Ref | undefined {
  const forced = ingressNginxForceRedirect(facts, ing);
  if (forced) return forced;
  const v = ing.annotations['nginx.ingress.kubernetes.io/ssl-redirect'] ?? setting(facts, 'ssl-redirect');
  if (v && !/^"?true"?$/i.test(v.value.trim())) return undefined;
  if (v) return { ...v.ref, snippet: v.ref.snippet ?? `ssl-redirect: ${v.value}` };
  return { ...tlsRef, origin: 'default', snippet: 'ssl-redirect (ingress-nginx default "true" for an Ingress with tls:)' };
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

/**
 * A traefik-class Ingress's peer trust from the static configuration of its entrypoints (as an IngressRoute's,
 * collectors/traefik `entryPointTrust`): those named by `traefik.ingress.kubernetes.io/router.entrypoints`, else every
 * entrypoint of the tree's Traefik static configurations (Traefik attaches an Ingress router to all of them by default).
 * Only when each is found and all say the same; otherwise Traefik's default (none) stays.
 */
function traefikEntryPointTrust(facts: Facts, ing: KubeIngress): PeerTrust | undefined {
  const eps = (facts.proxies ?? []).flatMap((p) => (p.kind === 'traefik' ? (p.traefik?.entryPoints ?? []) : []));
  if (eps.length === 0) return undefined;
  const named = (ing.annotations['traefik.ingress.kubernetes.io/router.entrypoints']?.value ?? '')
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);
  const chosen = named.length
    ? named.map((n) => eps.find((e) => e.name.toLowerCase() === n))
    : eps.filter((e) => !e.phantom && e.name.toLowerCase() !== 'traefik' && e.name.toLowerCase() !== 'metrics');
  if (chosen.length === 0 || chosen.some((e) => !e)) return undefined;
  const trusts = chosen.map((e) => {
    const fh = e?.forwardedHeaders;
    if (fh?.insecure) return { mode: 'all' as const, list: [] as string[], ref: fh.insecureRef ?? fh.ref };
    if (fh?.trustedIPs.length) return { mode: 'list' as const, list: fh.trustedIPs, ref: fh.ref };
    return undefined;
  });
  const first = trusts[0];
  if (!first || trusts.some((t) => t?.mode !== first.mode || t.list.join(',') !== first.list.join(','))) return undefined;
  return first;
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

/** The Ingress backend each route of an Ingress site forwards to: a Service by name and port (name or number). */
const backendOf = new WeakMap<ProxyRoute, { service: string; port: string }>();

/** The backend Service (name, port as written) of a route made by `ingressProxyConfigs`. */
export function ingressBackend(route: ProxyRoute): { service: string; port: string } | undefined {
  return backendOf.get(route);
}

/**
 * Built once per analysis, as `nginxProxyConfigs` is: the chain and each generic proxy check ask for the same sites.
 * Keyed by the facts, valid while the Ingress list is the same array. Callers only read the sites.
 */
const ingressSitesOf = new WeakMap<Facts, { ingresses: KubeIngress[]; configs: ProxyConfigFacts[] }>();

/** The Ingresses of the facts (manifests with backends) as neutral proxy configs, one site each. */
export function ingressProxyConfigs(facts: Facts): ProxyConfigFacts[] {
  const ingresses = facts.kube?.ingresses;
  if (!ingresses?.length) return [];
  const hit = ingressSitesOf.get(facts);
  if (hit && hit.ingresses === ingresses) return hit.configs;
  const configs = buildIngressProxyConfigs(facts);
  ingressSitesOf.set(facts, { ingresses, configs });
  return configs;
}

function buildIngressProxyConfigs(facts: Facts): ProxyConfigFacts[] {
  const kube = facts.kube;
  if (!kube?.ingresses?.length) return [];
  const out: ProxyConfigFacts[] = [];
  for (const ing of kube.ingresses) {
    if (ing.fromHelmValues || ing.backends.length === 0) continue;
    const controller = controllerOf(ing);
    const cloud = controller === 'cloud' ? ingressFronts([ing])[0] : undefined;
    // A cloud class without a certificate: the load balancer is the inferred front of the tree, not a site of its own.
    if (cloud && !cloud.terminatesTls) continue;
    const id = `ingress:${ing.ref.file}:${ing.ref.line}`;
    const routes: ProxyRoute[] = [];
    ing.backends.forEach((b, bi) => {
      if (!b.service) return;
      const w = workloadsOf(kube, b.service);
      const port = containerPort(kube, w.names, w.targetPort?.(b.port) ?? b.port);
      const route: ProxyRoute = {
        id: `${id}:${bi}`,
        match: `${b.host ?? ''}${b.path ?? '/'}`,
        samplePath: b.path && /^\/[\w./-]*$/.test(b.path) ? b.path : '/',
        ref: b.ref,
        protocol: /^(https|grpcs)$/i.test(ing.annotations['nginx.ingress.kubernetes.io/backend-protocol']?.value ?? '')
          ? 'https'
          : 'http',
        upstreams: [
          {
            text: `Service ${b.service}:${b.port}`,
            address: { kind: 'tcp', host: b.service, port: port ?? 80 },
            ref: b.ref,
          },
        ],
        headers: headersOf(facts, ing, controller, ing.ref),
      };
      backendOf.set(route, { service: b.service, port: b.port });
      routes.push(route);
    });
    if (routes.length === 0) continue;
    // Traefik's Kubernetes Ingress provider: `router.tls: "true"` serves the router with TLS, as `tls:` does.
    const traefikTls = controller === 'traefik' ? ing.annotations['traefik.ingress.kubernetes.io/router.tls'] : undefined;
    const annTls = traefikTls && /^true$/i.test(traefikTls.value) ? traefikTls.ref : undefined;
    const tls = cloud ? cloud.terminatesTls : Boolean(ing.tls ?? annTls);
    const tlsRef = ing.tls ?? annTls ?? cloud?.evidence[1] ?? ing.ref;
    const redirect =
      controller === 'traefik' && !tls
        ? traefikMiddlewaresOf(facts, ing).find((m) => m.redirectScheme)?.redirectScheme
        : controller === 'ingress-nginx'
          ? tls
            ? ingressNginxSslRedirect(facts, ing, tlsRef)
            : ingressNginxForceRedirect(facts, ing)
          : undefined;
    // ingress-nginx serves every Ingress host on :80 too; with `tls:` that plain side redirects to https unless
    // `ssl-redirect: "false"` (then it proxies plain HTTP, X-Forwarded-Proto: http).
    const plainSide = controller === 'ingress-nginx' && tls;
    const what = cloud ? FRONTS[cloud.name].what : controller === 'other' ? 'ingress controller' : controller;
    // Traefik keeps incoming X-Forwarded-* from no peer by default (its entrypoint's forwardedHeaders); ingress-nginx
    // with use-forwarded-headers believes them from anyone, else writes its own, as a cloud load balancer does.
    // ingress-nginx decides it in the controller ConfigMap: the `use-forwarded-headers` line, else the ConfigMap a
    // fix adds it to (the chain cites it where a scheme is lost for want of trust: Step.distrustRef).
    const trustRef =
      controller === 'ingress-nginx'
        ? (setting(facts, 'use-forwarded-headers')?.ref ?? facts.kube?.ingressNginx[0]?.ref ?? ing.ref)
        : ing.ref;
    const epTrust = controller === 'traefik' ? traefikEntryPointTrust(facts, ing) : undefined;
    const trust: PeerTrust =
      controller === 'ingress-nginx' && settingOn(facts, 'use-forwarded-headers')
        ? { mode: 'all', list: [], ref: trustRef }
        : (epTrust ?? { mode: 'none', list: [], ref: controller === 'traefik' ? { ...ing.ref, origin: 'default' } : trustRef });
    const clientAddress = controller === 'ingress-nginx' ? ingressNginxClientAddress(facts, ing.ref) : undefined;
    const snat = controllerSnat(facts, controller);
    const site: ProxySite = {
      id,
      label: `Ingress ${ing.name} (${what}) (${ing.ref.file.split('/').pop()}:${ing.ref.line})`,
      ref: ing.ref,
      names: [...new Set(ing.hosts ?? [])],
      listeners: [
        { port: tls ? 443 : 80, tls, proxyProtocol: false, defaultServer: true, ref: tls ? tlsRef : ing.ref },
        ...(plainSide ? [{ port: 80, tls: false, proxyProtocol: false, defaultServer: true, ref: redirect ?? ing.ref }] : []),
      ],
      routes,
      siteHeaders: [],
      passesIncoming: true,
      ...(controller === 'traefik'
        ? { stripsUntrusted: ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip'] }
        : {}),
      trust,
      ...(clientAddress ? { clientAddress } : {}),
      // Traefik's RedirectScheme and ingress-nginx's `$pass_access_scheme` read a trusted X-Forwarded-Proto first.
      ...(redirect ? { redirectsToHttps: redirect, redirectDecidedBy: 'forwarded-proto' as const } : {}),
      ...(snat ? { peerSnat: snat } : {}),
      runsOn: what,
      mode: 'http',
      notes: [
        tls
          ? `TLS ends at the ${what} (${tlsRef.file}:${tlsRef.line}); plain HTTP to the pods`
          : `no tls: in this Ingress: the ${what} serves plain HTTP`,
      ],
    };
    out.push({
      kind: cloud
        ? 'cloud-lb'
        : controller === 'traefik'
          ? 'traefik'
          : controller === 'ingress-nginx'
            ? 'ingress-nginx'
            : 'other',
      file: ing.ref.file,
      sites: [site],
    });
  }
  return out;
}
