/**
 * Neutral proxy facts: what every front door (Caddy, HAProxy, Apache httpd, Traefik, ingress-nginx,
 * a cloud load balancer) does with a request, in one shape. Collectors in `collectors/<proxy>/` fill
 * `Facts.proxies`; generic checks (`checks/proxy/`) and the chain builder (`chain/topology/proxy.ts`)
 * read only this shape, never a proxy's syntax. Header values are templates in the neutral language
 * documented in `chain/model.ts` (`{scheme}`, `{in:x-forwarded-proto}`, `{trusted:NAME|fallback}`...).
 *
 * Ownership: issue 13 (collectors/caddy, haproxy, apache, traefik, kube, front). nginx's sites are derived from its
 * own facts model by `facts/nginx/sites.ts` `nginxProxyConfigs` (not stored in `Facts.proxies`, which the nginx
 * checks already cover); `chain/topology/proxy.ts` `proxyConfigs` is every proxy's configs, nginx's first.
 */
import type {
  ClientAddressPolicy,
  HeaderRule,
  Listener,
  MapDef,
  ProxyKind,
  ProxyRoute,
  RedirectDecidedBy,
  Ref,
} from '../chain/model.js';

export type { ClientAddressPolicy, HeaderRule, Listener, MapDef, ProxyKind, ProxyRoute, Ref } from '../chain/model.js';

/** What a site trusts from the peer that connects to it (its forwarded headers). */
export interface PeerTrust {
  /**
   * `none`: incoming X-Forwarded-* are replaced or ignored (Caddy/Traefik defaults);
   * `list`: kept from the peers in `list`; `all`: kept from anyone (Traefik `insecure`,
   * ingress-nginx `use-forwarded-headers` without a CIDR, mod_remoteip without a trusted list);
   * `passthrough`: the proxy does not look at them and passes them on unchanged (HAProxy, Apache).
   */
  mode: 'none' | 'list' | 'all' | 'passthrough';
  list: string[];
  /** Where this is decided (the option, or the site line with origin 'default'). */
  ref: Ref;
  /**
   * Where an absent trust setting belongs, when `ref` is a default (Caddy's global options block, where
   * `servers { trusted_proxies }` goes; the Traefik entrypoint that lacks `forwardedHeaders`): the chain cites it
   * as the place that decides a loss for want of trust (Step.distrustRef -> LostAt.trustRef), so the layer check
   * that writes the setting there is the loss's one headline.
   */
  missingAt?: Ref;
}

/** One virtual host / site block / frontend / entrypoint: a place that accepts and forwards requests. */
export interface ProxySite {
  id: string;
  /** `apache *:443 (site.conf:12)`. */
  label: string;
  ref: Ref;
  names: string[];
  listeners: Listener[];
  /** Routes that forward upstream (ProxyPass, reverse_proxy, use_backend...), with their effective header rules. */
  routes: ProxyRoute[];
  /** Header rules written at the site level that apply to every route (kept also for sites without routes). */
  siteHeaders: HeaderRule[];
  /** Client request headers that no rule mentions pass unchanged. */
  passesIncoming: boolean;
  /** Headers dropped from requests of untrusted peers before the rules run (Caddy, Traefik X-Forwarded-*). */
  stripsUntrusted?: string[];
  /** What the site does with a received header name holding `_` (ProxyHop.underscoreNames); unset: kept as is. */
  underscoreNames?: 'drop' | 'keep';
  trust: PeerTrust;
  clientAddress?: ClientAddressPolicy;
  /** A site that redirects plain-HTTP requests to https (see ProxyHop.redirectsToHttps). */
  redirectsToHttps?: Ref;
  /** What the redirect reads to decide the request is http (ProxyHop.redirectDecidedBy). */
  redirectDecidedBy?: RedirectDecidedBy;
  /** HTTP (L7) or TCP (L4) mode: in TCP mode no header rule applies. */
  mode: 'http' | 'tcp';
  /** Lookup tables referenced by `{map:NAME}` in the header templates (nginx `map`/`geo`). */
  maps?: Record<string, MapDef>;
  /**
   * Signs that a load balancer stands in front of the site (nginx real_ip / proxy_protocol / a balancer's health
   * check, TLS only in a template branch): a site with only plain listeners gets an inferred TLS load balancer.
   */
  frontEvidence?: Ref[];
  /**
   * The peer address this site sees is not the one in front of it: kube-proxy SNATs a LoadBalancer/NodePort Service
   * with `externalTrafficPolicy: Cluster` to a node address before the ingress controller's pod.
   */
  peerSnat?: { addr: string; ref: Ref; why: string };
  /** Who runs the site when it is not a program of the tree's hosts (`ingress-nginx`, a cloud load balancer). */
  runsOn?: string;
  /**
   * The site's listeners could not be read (an nginx server include read alone, a templated port): it is a hop with
   * routes but no entry of its own, simulated when another hop reaches it.
   */
  listenersUnknown?: boolean;
  /** A site with no route is not a hop: what it does instead (`redirects to https://$host$request_uri`), listed by the doctor. */
  notAHop?: string;
  notes: string[];
}

export interface CaddyExtra {
  /** Caddyfile (default) or Caddy's native JSON config (collectors/caddy/json.ts): a fix is written in that syntax. */
  format?: 'caddyfile' | 'json';
  /** Global `servers { trusted_proxies ... }` (Caddy 2.6.3+). */
  globalTrusted?: { list: string[]; ref: Ref };
  /** The global options block, or the first line when there is none (where a global option goes). */
  globalRef: Ref;
  hasGlobalBlock: boolean;
  /** The `servers {` block of the global options, where a global trusted_proxies goes. */
  globalServersLine?: number;
  /** The first line that holds a directive (a global options block is created above it). */
  firstLine?: { line: number; text: string };
  /** Every `reverse_proxy` / `php_fastcgi` as written, by site: where a per-directive option goes. */
  proxyDirectives?: Array<{
    siteId: string;
    name: string;
    line: number;
    text: string;
    hasBlock: boolean;
    /** JSON: `line` is the handler object's `"handler": "reverse_proxy"` line. */
    syntax?: 'json';
  }>;
  /** Every `copy_headers` of a `forward_auth` block (Caddyfile): the identity headers copied from the auth reply. */
  forwardAuthCopies?: Array<{ siteId: string; headers: string[]; ref: Ref }>;
}

export interface HaproxyExtra {
  /** Sections that write http-request/reqadd rules without `mode http` anywhere above them. */
  rulesWithoutHttpMode: Array<{ section: string; ref: Ref }>;
  /**
   * 1.x header directives (`reqadd`, `reqrep`, `reqirep`, `reqdel`, `reqidel`, `rspadd`, `rsprep`, ...) that HAProxy
   * 2.1+ refuses, with the `http-request`/`http-response` line that does the same where there is one.
   */
  legacy?: Array<{ directive: string; section: string; ref: Ref; replacement?: string }>;
}

export interface ApacheExtra {
  /** Every <VirtualHost> as written: its address list and whether it proxies. */
  vhosts: Array<{ addrs: string[]; ref: Ref; proxies: boolean; headerRules: HeaderRule[] }>;
  /** mod_remoteip: RemoteIPHeader and its trusted lists. */
  remoteIp: Array<{ header: string; trusted: string[]; ref: Ref }>;
}

export interface TraefikEntryPoint {
  name: string;
  address?: string;
  port?: number;
  ref: Ref;
  /** TLS configured on the entrypoint (`http.tls`, `tls` options) or via routers bound to it. */
  tls: boolean;
  /** `insecureRef`: the line that sets `insecure` (the table header in `ref` may be lines above it). */
  forwardedHeaders?: { insecure: boolean; trustedIPs: string[]; ref: Ref; insecureRef?: Ref };
  /** Only named by `forwardedHeaders`/`proxyProtocol` options, no address: an entrypoint created by a typo. */
  phantom: boolean;
  /** The Service/port that exposes it, when known (`expose: false` in the Helm chart...). */
  exposed?: boolean;
  /** Where `expose` is written (Helm chart values). */
  exposedRef?: Ref;
  /** The syntax the entrypoint is written in, for a fix in the same syntax (static TOML/YAML, flags, Helm chart values). */
  syntax?: 'toml' | 'yaml' | 'flags' | 'helm';
}

export interface TraefikExtra {
  entryPoints: TraefikEntryPoint[];
  /** `--api.insecure=true` / `api.insecure: true`. */
  apiInsecure?: Ref;
  /** `headers.customRequestHeaders` entries. */
  customRequestHeaders: Array<{ name: string; value: string; ref: Ref }>;
  /** `ipWhiteList`/`ipAllowList` middlewares: only these sources get in (a proxy in front, usually). */
  allowRanges?: Array<{ ranges: string[]; ref: Ref }>;
}

export interface ProxyConfigFacts {
  kind: ProxyKind | 'ingress-nginx';
  /** Display path of the main file. */
  file: string;
  sites: ProxySite[];
  /** Assumed program version for version-dependent defaults (Debian's unless pinned). */
  assumedVersion?: string;
  /**
   * The compose service that runs this proxy (collectors/proxy/container.ts): the hop is placed in that container
   * and reached through its published ports; Caddy's `{$VAR}` placeholders were filled from its environment.
   */
  container?: {
    service: string;
    ref: Ref;
    published: Array<{ hostIp: string; hostPort: number; containerPort: number; ref: Ref }>;
    why: string;
    /** Environment names whose value was filled in from the service (Caddy `{$VAR}`). */
    filled: string[];
    /** The proxy's version by the image tag (`2.8.4`, `2` for a floating tag, `latest`). */
    version?: { value: string; ref: Ref };
    /**
     * A proxy of kind `other` runs in a plain Docker container (kamal-proxy) unless this says it is the compose
     * service `service` (nginx-proxy): which network its peers see it on.
     */
    runtime?: 'compose';
    /** The template its config is generated from, when the tree holds it (docker-gen's, nginx-proxy's separate containers). */
    template?: Ref;
    /** The compose service whose environment the template reads (`$.Env`: docker-gen's), when not `service`. */
    envService?: string;
  };
  caddy?: CaddyExtra;
  haproxy?: HaproxyExtra;
  apache?: ApacheExtra;
  traefik?: TraefikExtra;
}

/**
 * A proxy's version as the program itself printed it, saved in the tree (`haproxy -v`/`-vv` output: "HAProxy version
 * 2.6.12-1+deb12u1 2023/..." or 1.x's "HA-Proxy version 1.8.19 2019/02/11"): version evidence when no image tag names one.
 */
export interface ProxyVersionOutput {
  kind: 'haproxy';
  /** major.minor[.patch] as printed. */
  value: string;
  ref: Ref;
}

/** A cloud/PaaS front door: declared with `--front`, in `.proxyproof.json`, or inferred from the tree. */
export interface FrontFacts {
  name: FrontKind;
  origin: 'declared' | 'config' | 'inferred';
  /** The file (and line) that shows it: `fly.toml:30`, `container_service.tf:79`. */
  evidence: Ref[];
  /** TLS terminates at the front (an L7 LB, a PaaS router, an NLB TLS listener). */
  terminatesTls: boolean;
  /** The scheme/client headers it sends upstream; [] for an L4 front. */
  sends: string[];
  /** The addresses it connects from, when the provider documents them. */
  ranges: string[];
  /** Why it was inferred / what it is. */
  why: string;
  /** The app port it forwards to, when the tree says (fly.toml `internal_port`). */
  targetPort?: { port: number; ref: Ref };
  /**
   * The origins a tunnel forwards to (cloudflared ingress rules, `--url`): only a server listening on one of these
   * ports is behind it. `loopback`: every origin is on the tunnel's own host (`localhost`), so it connects from there.
   */
  targets?: Array<{ host: string; port: number; tls: boolean; ref: Ref }>;
  loopback?: boolean;
}

/** The fronts `--front` names (collectors/front FRONTS describes each; its Record type keeps the two lists equal). */
export const FRONT_NAMES = [
  'aws-alb',
  'aws-nlb',
  'gcp-lb',
  'azure-appgw',
  'cloudflare',
  'fly',
  'heroku',
  'render',
  'railway',
  'cloud-run',
  'none',
] as const;
export type FrontName = (typeof FRONT_NAMES)[number];
/**
 * A front's kind: a named one, or `tls-lb`, the TLS-ending HTTP load balancer of no named kind that `--behind-tls-lb`
 * declares. Not a `--front` name: the flag says it. A declared front so that the layer checks and the fix planner
 * see the balancer the chain puts in front (a `$scheme` patch on a proxy behind it would overwrite its https).
 */
export type FrontKind = FrontName | 'tls-lb';

/**
 * Fronts that run the app themselves (a VM or dyno of theirs): the internet reaches the app's port only through
 * their router. One list for the node collector, the node checks and the chain's reach.
 */
export const PLATFORM_FRONTS: ReadonlySet<string> = new Set<FrontName>(['fly', 'heroku', 'render', 'railway', 'cloud-run']);

/** The program names a proxy kind runs as, to tell whether a platform's process is that proxy. */
const PROXY_PROGRAM: Record<string, RegExp> = {
  nginx: /\bnginx\b|start-nginx/,
  caddy: /\bcaddy\b/,
  haproxy: /\bhaproxy\b/,
  apache: /\b(?:apache2?|httpd)\b/,
  traefik: /\btraefik\b/,
};

/**
 * Does this front forward to a reverse proxy of the tree (`kind`, listening on `ports`)? A platform that runs the
 * app itself (Heroku, Fly...; PLATFORM_FRONTS), inferred from its manifest, forwards to the process it runs:
 * the port it names (fly.toml `internal_port`), or the Procfile `web:` command. A Procfile that runs puma puts
 * the router in front of puma, not in front of an nginx the same tree configures for another deployment.
 * Declared fronts and other fronts (a cloud load balancer) stand in front of whatever is the edge.
 */
export function frontReachesProxy(front: FrontFacts, kind: string, ports: number[]): boolean {
  // A tunnel names its origins: a server on another port (a metrics proxy beside the site) is not behind it.
  if (front.origin === 'inferred' && front.targets?.length)
    return ports.length === 0 || front.targets.some((t) => ports.includes(t.port));
  if (front.origin !== 'inferred' || !PLATFORM_FRONTS.has(front.name)) return true;
  if (front.targetPort) return ports.length === 0 || ports.includes(front.targetPort.port);
  const program = PROXY_PROGRAM[kind];
  if (front.name === 'heroku' && program) return front.evidence.some((e) => program.test(e.snippet ?? ''));
  return true;
}

/** Kubernetes facts relevant to forwarded headers: ingress-nginx settings and the Services in front. */
export interface KubeFacts {
  /** ingress-nginx controller settings (ConfigMap data, Helm `controller.config`). */
  ingressNginx: Array<{
    ref: Ref;
    settings: Record<string, { value: string; ref: Ref }>;
    /** The indentation of the keys under `data:` / `controller.config:` (a fix adds a key there); absent for `{}`. */
    indent?: string;
  }>;
  /**
   * The ingress-nginx controller's version, read from its image tag (a workload's container image
   * `registry.k8s.io/ingress-nginx/controller:v1.9.4`, the old `quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.21.0`)
   * or Helm values `controller.image.tag`. Decides `use-forwarded-headers`' default (`ingressNginxForwardedHeaders`).
   */
  ingressNginxVersion?: { value: string; ref: Ref };
  /**
   * Where the ingress-nginx controller itself is deployed: a workload running its image (with the ConfigMap its
   * `--configmap` flag names), or the Helm values of its chart (`controller:`, also nested under the dependency's
   * key in an umbrella chart's values). Kept so that a controller with no ConfigMap or `controller.config` in the
   * tree is still checked: every option then has its version's default. `helm.indent`: the indentation of the keys
   * under `controller:` and one nesting step, for a fix that adds `config:` there.
   */
  ingressNginxController?: { ref: Ref; configMapFlag?: string; helm?: { indent: string; step: string } };
  /** Services of type LoadBalancer/NodePort (what is public, and how the LB treats the traffic). */
  services: Array<{
    name: string;
    type: string;
    ref: Ref;
    annotations: Record<string, { value: string; ref: Ref }>;
    externalTrafficPolicy?: { value: string; ref: Ref };
    ports: Array<{ port: number; targetPort: string; ref: Ref }>;
    /** The Service fronts an ingress controller (selector/labels/name say ingress-nginx / traefik / Contour's Envoy). */
    controller?: 'ingress-nginx' | 'traefik' | 'contour' | 'other';
  }>;
  /** Ingress objects, and the `ingress:` blocks of Helm values that a chart renders into one. */
  ingresses?: KubeIngress[];
  /** Trusted-proxy lists given to the app in Helm values, ConfigMaps and container env. */
  trustLists?: TrustList[];
  /** Every Service (any type) by name with its selector and ports: what an Ingress backend reaches. */
  serviceIndex?: Array<{
    name: string;
    ref: Ref;
    /** Literal selector labels (placeholders left out). */
    selector: Record<string, string>;
    ports: Array<{ port: string; name?: string; targetPort: string }>;
  }>;
  /**
   * Traefik `Middleware` CRDs (traefik.io / traefik.containo.us) by name: the request headers they set and an https
   * redirect; an Ingress names them with `traefik.ingress.kubernetes.io/router.middlewares: <ns>-<name>@kubernetescrd`.
   */
  traefikMiddlewares?: Array<{
    name: string;
    namespace?: string;
    ref: Ref;
    headers: Array<{ name: string; value: string; ref: Ref }>;
    redirectScheme?: Ref;
  }>;
  /** Pod template labels and container ports of each workload (Deployment, StatefulSet, DaemonSet, Pod...). */
  podLabels?: Array<{
    workload: string;
    ref: Ref;
    labels: Record<string, string>;
    ports: Array<{ name?: string; port: number }>;
  }>;
}

export interface KubeIngress {
  name: string;
  ref: Ref;
  /** `spec.ingressClassName`, the `kubernetes.io/ingress.class` annotation, or Helm's `className`. */
  className?: { value: string; ref: Ref };
  annotations: Record<string, { value: string; ref: Ref }>;
  /** A non-empty `tls:` list (the controller ends TLS with a Secret). */
  tls?: Ref;
  /** Read from Helm values (`ingress.enabled: true`), not a manifest. */
  fromHelmValues: boolean;
  backends: Array<{ service: string; port: string; ref: Ref; path?: string; host?: string }>;
  /** Host names of the rules. */
  hosts?: string[];
  /** ingress-nginx `configuration-snippet` / `server-snippet` annotations read as nginx (collectors/kube/snippets.ts). */
  snippets?: Array<{
    kind: 'configuration-snippet' | 'server-snippet';
    ref: Ref;
    headers: Array<{ name: string; value: string; ref: Ref }>;
    errors: Array<{ line: number; message: string }>;
  }>;
}

/**
 * A trusted-proxy list written as a setting for the app (a Helm value, ConfigMap or container env named
 * like `trusted_proxy_ip`, `TRUSTED_PROXIES`): the peers whose X-Forwarded-For the app believes.
 */
export interface TrustList {
  key: string;
  /** The value as written (placeholders kept). */
  raw: string;
  ref: Ref;
  /** The line that holds the value and the YAML key written there (`value` for a container env item). */
  valueAt: { line: number; key: string };
}

/** One Terraform `templatefile()` call: the template it renders and the expression bound to each variable. */
export interface TemplateBinding {
  /** The template path as written, `${path.module}/` removed (`helm/values.yaml`). */
  template: string;
  /** The .tf file and line of the call. */
  ref: Ref;
  vars: Record<string, { expr: string; ref: Ref }>;
}

/**
 * An app that takes the client address from X-Forwarded-For and which entry it takes (Synapse's
 * `x_forwarded: true` listener takes the left-most): whether a proxy that appends makes it spoofable.
 */
export interface ForwardedForReader {
  app: string;
  port: number;
  /** Bind addresses ([] = every interface). */
  hosts: string[];
  /** The compose service running it, and its other names on the network: a proxy's upstream host that names it. */
  serviceNames?: string[];
  entry: 'leftmost';
  ref: Ref;
  /** Where the program's behaviour was read. */
  source: string;
}

/** An ingress-nginx controller image (the project's own, old and new registry paths; not NGINX Inc.'s `nginx/nginx-ingress`). */
const INGRESS_NGINX_IMAGE =
  /(?:^|\/)(?:ingress-nginx\/controller(?:-chroot)?|nginx-ingress-controller(?:-[a-z0-9]+)?)(?::([^@\s"']+))?/i;

/** The version in an ingress-nginx image reference or tag (`v1.9.4`, `0.21.0`, `1.10`), else undefined. */
export function ingressNginxImageVersion(image: string): string | undefined {
  const m = INGRESS_NGINX_IMAGE.exec(image);
  return m ? tagVersion(m[1] ?? '') : undefined;
}

/** An ingress-nginx controller image, with or without a version in its tag. */
export function isIngressNginxImage(image: string): boolean {
  return INGRESS_NGINX_IMAGE.test(image);
}

export function tagVersion(tag: string): string | undefined {
  return /^v?(\d+\.\d+(?:\.\d+)?)(?:[-+].*)?$/.exec(tag.trim())?.[1];
}

/**
 * `use-forwarded-headers` as the controller runs it: the ConfigMap/Helm line when written, else the default of the
 * controller's version. ingress-nginx 0.22.0 made it false ("By default do not trust any client to extract true client
 * IP address from X-Forwarded-For header using realip module (use-forwarded-headers: \"false\")", Changelog.md
 * 0.22.0, kubernetes/ingress-nginx#3920); before, the controller believed the incoming X-Forwarded-* from anyone.
 * No version read: assumed ≥0.22, and `why` says so.
 */
export function ingressNginxForwardedHeaders(
  kube: KubeFacts | undefined,
  cm?: KubeFacts['ingressNginx'][number],
): { on: boolean; written?: { value: string; ref: Ref }; version?: { value: string; ref: Ref }; why: string } {
  // Several controller ConfigMaps (a base and a provider patch): one that turns it on wins, as before.
  const all = (cm ? [cm] : (kube?.ingressNginx ?? [])).map((c) => c.settings['use-forwarded-headers']);
  const written = all.find((w) => w && /^"?true"?$/i.test(w.value.trim())) ?? all.find(Boolean);
  const version = kube?.ingressNginxVersion;
  if (written)
    return { on: /^"?true"?$/i.test(written.value.trim()), written, ...(version ? { version } : {}), why: `"${written.value}"` };
  if (!version) return { on: false, why: 'not set (false since ingress-nginx 0.22; controller version unknown: assumed ≥0.22)' };
  const [major, minor] = version.value.split('.').map(Number) as [number, number];
  const before = major === 0 && minor < 22;
  return {
    on: before,
    version,
    why: before
      ? `not set: true by default before ingress-nginx 0.22, and this controller is ${version.value} (${version.ref.file}:${version.ref.line})`
      : `not set (false since ingress-nginx 0.22; this controller is ${version.value}, ${version.ref.file}:${version.ref.line})`,
  };
}
