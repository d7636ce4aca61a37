/**
 * The chain topology: what the doctor reasons about. Built from the facts of every collector by
 * the builders in `chain/topology/`, consumed by the simulator (`simulate.ts`), the verdict
 * (`verdict.ts`) and the fix planner (`plan.ts`).
 *
 *   client --> [load balancer] --> proxy hop --> ... --> app server --> framework
 *
 * A proxy hop is one virtual host of a proxy (an nginx `server {}`, a Caddy site block, an HAProxy
 * frontend...): its listeners, its routes (locations) and, per route, the request headers it sends
 * upstream. Every proxy kind plugs into the same `ProxyHop` shape; the simulator never looks at a
 * proxy's own syntax, only at header rules written in the neutral template language below.
 */

import type { RequestReads } from '../model/facts.js';
import type { ProxyAddrGeneration } from '../model/proxy-addr.js';
import type { Re2Reading } from './re2.js';

export type Scheme = 'http' | 'https';

/** A place in a file that decided something. */
export interface Ref {
  file: string;
  /** 1-based; 0 for "the whole file" or a built-in default. */
  line: number;
  snippet?: string;
  /** "default" when the value is the program's documented default, not written anywhere. */
  origin?: 'literal' | 'default' | 'env' | 'builtin' | 'computed' | 'unknown' | 'declared';
}

export type Address = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/** Where a process runs: decides what `127.0.0.1` means and what address a peer connects from. */
export type Placement =
  | { kind: 'host'; name?: string }
  /** `runtime`: what runs the container (compose when unset): a Podman quadlet, a Kubernetes pod, a plain `docker run`. */
  | {
      kind: 'container';
      service: string;
      ref?: Ref;
      runtime?: ContainerRuntime;
      /**
       * The compose file that defines the container (an app started by a compose service): alternative compose
       * files of one folder that each define the same service are different stacks (`facts/compose-network.ts`
       * `composeProjects`), so a route declared in one links to that file's container.
       */
      composeFile?: string;
    }
  | { kind: 'unknown' };

export type ContainerRuntime = 'compose' | 'podman' | 'kubernetes' | 'docker';

/** "compose network", "Podman network", ...: the network a container's unpublished port is reached on. */
export function runtimeNetwork(r: ContainerRuntime | undefined): string {
  return r === 'podman'
    ? 'Podman network'
    : r === 'kubernetes'
      ? 'cluster network'
      : r === 'docker'
        ? 'Docker network'
        : 'compose network';
}

/**
 * A header value template. Plain text is literal; `{var}` is evaluated by the simulator in the
 * context of the hop that sends it:
 *   {scheme}       scheme of the connection the hop received (nginx $scheme)
 *   {https}        "on" on TLS, "" otherwise (nginx $https)
 *   {host}         host name from the Host header, lower-case, without port (nginx $host)
 *   {http_host}    the Host header as received, with its port (nginx $http_host)
 *   {server_port}  the port the hop listens on (nginx $server_port)
 *   {remote_addr}  the client address as this hop understands it (after real-ip) (nginx $remote_addr)
 *   {peer_addr}    the address of the TCP peer (nginx $realip_remote_addr)
 *   {xff_append}   incoming X-Forwarded-For plus {remote_addr} (nginx $proxy_add_x_forwarded_for)
 *   {proxy_host}   host[:port] of the upstream as written (nginx $proxy_host)
 *   {in:NAME}      the incoming request header NAME, "" when absent (nginx $http_name)
 *   {trusted:NAME} the incoming header NAME when the peer is trusted, else the hop's own value (Caddy)
 *   {map:NAME}     the hop's map NAME (nginx `map`), evaluated on its source template
 *   {?TEXT}        something the model does not know (an unknown variable): the value is unknown
 */
export type Template = string;

export interface HeaderRule {
  /** Header name as written (compared case-insensitively). */
  name: string;
  /** Template of the value; null removes the header (nginx: an empty value is not sent). */
  value: Template | null;
  ref: Ref;
  /** Where the rule comes from: written in this route, inherited from an outer level, the proxy's default. */
  from: 'route' | 'inherited' | 'default' | 'builtin-include';
  /** Appends to the header instead of replacing it (HAProxy add-header, Apache RequestHeader append). */
  append?: boolean;
  /**
   * Appends as a header line of its own, beside any line of the name already there (HAProxy `add-header`, `reqadd`,
   * `option forwardfor` without `if-none`; Apache `RequestHeader add`), where `append` alone may join the value into
   * the existing line (Apache `append`/`merge`). Checked on HAProxy 2.6 and Apache 2.4 (Debian).
   */
  newLine?: boolean;
  /** An empty value is still sent (Caddy header_up); nginx drops empty headers. */
  sendEmpty?: boolean;
  /** Applies only on TLS (`if { ssl_fc }`) or plain connections. */
  when?: 'tls' | 'plain';
  /** Rewrites the header only when the request already carries it (HAProxy `replace-header`, 1.x `reqrep`). */
  ifPresent?: boolean;
  /**
   * Adds the header only when the request, after the rules before it, does not carry it (HAProxy `option forwardfor
   * if-none`: a client's X-Forwarded-For is then sent alone, without the peer's address; checked on HAProxy 2.6.12).
   */
  ifAbsent?: boolean;
  /**
   * Not applied when the connection's source address is in one of these networks (HAProxy `option forwardfor except
   * 127.0.0.0/8`: no X-Forwarded-For for a peer on loopback, such as a local TLS terminator or proxy in front, whose
   * own X-Forwarded-For then reaches the backend as it came; checked on HAProxy 2.6.12,
   * test/proxy/haproxy-sections.test.ts).
   */
  unlessPeerIn?: string[];
  /** nginx `proxy_set_header` lines of an outer level that this route no longer inherits. */
}

export interface ProxyRoute {
  id: string;
  /** `location /api/` or `reverse_proxy /api/*` — what the route matches, as written. */
  match: string;
  /** A path this route serves, used for the simulated request. */
  samplePath: string;
  /**
   * A host name this route alone serves (a Traefik router's `Host()`), used for the simulated request when its hop
   * serves several names: the request to this route carries this Host, not the hop's first name.
   */
  sampleHost?: string;
  ref: Ref;
  /** Transport to the upstream. uwsgi/fastcgi carry params instead of headers. */
  protocol: 'http' | 'https' | 'uwsgi' | 'fastcgi' | 'scgi' | 'grpc';
  /** The nginx directive this route sets request headers with when not proxy_set_header (Passenger: `passenger_set_header`). */
  headerDirective?: string;
  /** Upstream servers; the first is simulated, the others are listed. */
  upstreams: Upstream[];
  /**
   * The route hands the request's headers, as received, to an app running inside this hop (FrankenPHP's
   * `php_server` in Caddy): the hop's replacing of an untrusted peer's X-Forwarded-* (`stripsUntrusted`, what Caddy's
   * reverse_proxy does) does not apply to it.
   */
  keepsIncoming?: boolean;
  /** Effective rules, in the order the proxy applies them (later wins). */
  headers: HeaderRule[];
  /** Header rules of outer levels that this route dropped by setting its own (nginx inheritance). */
  dropped?: HeaderRule[];
  /** Where the route's own header block starts (the line that cut inheritance), if any. */
  ownHeadersRef?: Ref;
  /**
   * Files the route's header rules may come from that could not be read (an nginx `include` outside the tree):
   * `headers` may be incomplete, so a check that relies on a header being absent says nothing.
   */
  headersMayChange?: Ref[];
  /**
   * This route (not its whole hop) answers a request it believes is plain HTTP with a redirect to https (a Traefik
   * router with a RedirectScheme middleware); a request believed https goes on to its upstream. As ProxyHop's.
   */
  redirectsToHttps?: Ref;
  redirectDecidedBy?: RedirectDecidedBy;
  /**
   * No browser reaches this route (nginx: the location is `internal`, or its allow/deny admit loopback clients only):
   * what it loses concerns nginx's own subrequests or local clients, not a browser's page.
   */
  restricted?: { kind: 'internal' | 'loopback-only'; ref: Ref };
  /**
   * How the proxy rewrites the backend's redirects on their way back (the response's `Location`): Apache
   * `ProxyPassReverse` (`to-front`: a Location starting with `from` becomes the front URL, the hop's own scheme and the
   * request's host, then `path` and the rest; mod_proxy ap_proxy_location_reverse_map, also `Content-Location` and
   * `URI`), Caddy `header_down Location <regexp> <replacement>` (`replace`). Only the redirect's header: the app's
   * pages, links and cookies are not rewritten. The chain says what a redirect of an app that believes http becomes.
   */
  redirectRewrites?: RedirectRewrite[];
}

export type RedirectRewrite =
  | { kind: 'to-front'; from: string; path: string; ref: Ref }
  | {
      kind: 'replace';
      search: string;
      replace: string;
      ref: Ref;
      /**
       * `search` as a Go regexp (RE2) read by chain/re2.ts `readRe2`: the JavaScript pattern of the same meaning, the
       * reason the program refuses it (Caddy compiles it when the config loads and refuses the whole config), or
       * opaque (nothing is judged from it). `replace` is a Go `Expand` template (`$1`, `${name}`).
       */
      pattern: Re2Reading;
    };

/** What a redirect to https reads to decide the request is http: see ProxyHop.redirectDecidedBy. */
export type RedirectDecidedBy = 'connection' | 'forwarded-proto' | 'forwarded-proto-any' | 'forwarded-proto-http';

export interface Upstream {
  /** As written: `http://127.0.0.1:8000`, `app` (an upstream block), `unix:/run/gunicorn.sock`. */
  text: string;
  address: Address | null;
  ref: Ref;
  /** Set when the upstream is an `upstream NAME { server ...; }` block. */
  group?: string;
  /**
   * The compose service whose container is the target on the one port its image exposes, when the config names
   * no port (Traefik's docker provider without a `loadbalancer.server.port` label): `address` is null then.
   */
  exposedPortOf?: string;
}

export interface Listener {
  port: number;
  /** Bind address when given (`listen 127.0.0.1:8080`). */
  address?: string;
  tls: boolean;
  proxyProtocol: boolean;
  defaultServer: boolean;
  ref: Ref;
  /** A proxy in a container: the host port compose publishes this listener's port on. */
  published?: { hostIp: string; hostPort: number; ref: Ref };
  /**
   * The port is a template value (`bind *:{{ port }} ssl`, `<VirtualHost *:{{ https_port }}>`): `port` is only
   * nominal (the protocol's default), so the listener still starts a chain but no check may judge the number.
   */
  portUnknown?: boolean;
}

/** How a proxy decides the client address (nginx real_ip module). */
export interface ClientAddressPolicy {
  trustedFrom: string[];
  /** `X-Forwarded-For`, `X-Real-IP`, `proxy_protocol`. */
  header: string;
  recursive: boolean;
  ref: Ref;
}

export type ProxyKind = 'nginx' | 'caddy' | 'haproxy' | 'apache' | 'traefik' | 'cloud-lb' | 'other';

export interface ProxyHop {
  type: 'proxy';
  id: string;
  kind: ProxyKind;
  /** `nginx :443 (site.conf:12)`. */
  label: string;
  ref: Ref;
  placement: Placement;
  names: string[];
  listeners: Listener[];
  routes: ProxyRoute[];
  /**
   * Whether client request headers that no rule mentions are passed upstream unchanged.
   * nginx: yes (`proxy_pass_request_headers on`). Caddy: yes, except X-Forwarded-* from untrusted peers.
   */
  passesIncoming: boolean;
  /** Headers removed from requests of untrusted peers before the rules run (Caddy X-Forwarded-*). */
  stripsUntrusted?: string[];
  /**
   * nginx and a received header name holding `_` (`X_Forwarded_Proto`): `drop` by default (ignore_invalid_headers:
   * neither passed upstream nor seen by `$http_x_forwarded_proto`); `keep` with `underscores_in_headers on` or
   * `ignore_invalid_headers off`: passed as written, and `$http_x_forwarded_proto` reads it too (the variable's
   * lookup maps a name's `-` to `_`, ngx_http_variable_unknown_header). Checked on Debian's nginx 1.22 + gunicorn 20.1.
   */
  underscoreNames?: 'drop' | 'keep';
  /** Peers whose forwarded headers this hop trusts (Caddy trusted_proxies); empty: nobody. */
  trustedPeers?: { list: string[]; ref: Ref; missingAt?: Ref };
  clientAddress?: ClientAddressPolicy;
  /**
   * The peer address this hop sees is not the one in front of it: kube-proxy SNATs a LoadBalancer/NodePort Service
   * with `externalTrafficPolicy: Cluster` to a node address before the controller pod.
   */
  peerSnat?: { addr: string; ref: Ref; why: string };
  /** Lookup tables referenced by `{map:NAME}` in header templates (nginx `map`). */
  maps?: Record<string, MapDef>;
  /**
   * The hop answers a request it believes is plain HTTP with a redirect to https on its plain listeners (nginx
   * `return 301 https://...`, Traefik `redirections`/RedirectScheme, ingress-nginx `ssl-redirect`/`force-ssl-redirect`).
   * The simulator ends such a request at the hop (chain/simulate.ts): a plain request never reaches the upstream, and
   * an https request behind a load balancer the hop believes is http loops.
   */
  redirectsToHttps?: Ref;
  /**
   * What the redirect's "is it http?" reads: `connection` (default), the scheme of the connection the hop received;
   * `forwarded-proto`, X-Forwarded-Proto of a trusted peer first, else the connection (Traefik RedirectScheme,
   * ingress-nginx's `$pass_access_scheme` with `use-forwarded-headers`); `forwarded-proto-any`, X-Forwarded-Proto
   * from whoever sent it (Apache `RewriteCond %{HTTP:X-Forwarded-Proto} !https`: mod_rewrite trusts no list), and a
   * request without the header is http by the connection; `forwarded-proto-http`, only a request whose
   * X-Forwarded-Proto, from whoever sent it, says `http` (nginx `if ($http_x_forwarded_proto = http)`, Apache
   * `RewriteCond %{HTTP:X-Forwarded-Proto} =http`, a Caddy `header X-Forwarded-Proto http` matcher): a request without
   * the header is not redirected, whatever its connection.
   */
  redirectDecidedBy?: RedirectDecidedBy;
  notes: string[];
}

export interface MapDef {
  source: Template;
  /** Keys as written; `~re` / `~*re` are regular expressions. */
  entries: Array<{ key: string; value: Template }>;
  default: Template;
  ref: Ref;
  /**
   * nginx `geo`: the keys are addresses/CIDRs matched against the source address (`{peer_addr}` for
   * `$realip_remote_addr`, `{remote_addr}`); a peer known only by role (the load balancer) matches as it would
   * in a trust list (chain/addr.ts trustsPeer).
   */
  geo?: boolean;
}

export interface Bind {
  address: Address;
  exposure: 'loopback' | 'all-interfaces' | 'specific' | 'unix' | 'unknown';
  ref?: Ref;
  /** Compose `ports:` publishing the container port on the docker host. */
  /** `by`: what publishes it when that is not compose (a Kubernetes LoadBalancer/NodePort Service). */
  published?: { hostIp: string; hostPort: number; ref?: Ref; by?: string };
  /** Not HTTP: a uWSGI socket, php-fpm (BindAddress.protocol). */
  protocol?: 'uwsgi' | 'fastcgi' | 'scgi';
}

export type AppServerKind = 'gunicorn' | 'uvicorn' | 'daphne' | 'hypercorn' | 'node' | 'werkzeug' | 'other';

export interface Valued<T> {
  value: T;
  ref?: Ref;
  origin: 'literal' | 'default' | 'env' | 'computed' | 'unknown' | 'declared';
  /** For env-dependent values: the variable. */
  envVar?: string;
  /** What the value rests on, when the facts say (Rails assume_ssl with no Gemfile.lock: "assumed 7.1+"). */
  note?: string;
}

export interface AppServer {
  type: 'app';
  id: string;
  kind: AppServerKind;
  /** The server's own name where `kind` is 'other' (waitress, uwsgi, php-fpm...): what the chain's sentences say. */
  name?: string;
  label: string;
  ref: Ref;
  placement: Placement;
  /** Compose service / systemd unit name, used to link `proxy_pass http://web:8000`. */
  service?: string;
  /**
   * Its compose networks hold no other container than reverse proxies (facts/compose-network.ts): its unpublished
   * binds are reached by those proxies (and the Docker host) only.
   */
  proxiesOnlyBeside?: boolean;
  /**
   * In a compose container whose server matches networks in its trust list (gunicorn >= 24.1, uvicorn >= 0.31): the
   * `ipam` subnets of its networks (facts/trust-networks.ts), the value a trust fix names instead of '*'.
   */
  trustNetwork?: { cidr: string; why: string };
  binds: Bind[];
  proxyHeaders: Valued<boolean>;
  /** Peers whose forwarded headers it trusts: '*', IPs, CIDRs, or [] for none. */
  trusted: Valued<string[]>;
  /** Header -> value meaning https (gunicorn secure_scheme_headers); lower-case names. */
  schemeHeaders: Valued<Record<string, string>>;
  framework?: Framework;
  /** Where it listens on an address the files do not fix (`listen(Number(port), host)`). */
  unknownBind?: Ref;
  /** Set when the process was inferred rather than found (e.g. a Node app that listens itself). */
  notes: string[];
}

export type FrameworkKind = 'django' | 'flask' | 'fastapi' | 'starlette' | 'express' | 'fastify' | 'koa' | 'other';

/** Express-style trust: false, true, a hop count, or a list of addresses/CIDRs/names (loopback...). */
export type TrustSpec = boolean | number | string[];

export interface Framework {
  kind: FrameworkKind;
  label: string;
  ref: Ref;
  /** Django SECURE_PROXY_SSL_HEADER as (META name, value); null when unset. */
  schemeHeader?: Valued<{ header: string; value: string } | null>;
  useForwardedHost?: Valued<boolean>;
  useForwardedPort?: Valued<boolean>;
  sslRedirect?: Valued<boolean>;
  /** The setting that makes the https redirect (`SECURE_SSL_REDIRECT`, `FORCE_SSL_ADMIN`), for messages. */
  sslRedirectSetting?: string;
  /** Path prefixes the redirect applies to (WordPress FORCE_SSL_ADMIN); undefined: every path. */
  sslRedirectPaths?: string[];
  /** Express trust proxy / Fastify trustProxy / Koa app.proxy. */
  trustProxy?: Valued<TrustSpec>;
  /**
   * The proxy-addr generation the lockfile pins (Express and Fastify compile a trust list with it): decides what an
   * IPv6 entry covering `::ffff:0:0/96` matches. Undefined: no lockfile says (the simulation takes 2.0.8).
   */
  proxyAddr?: ProxyAddrGeneration;
  /** Fastify: the call whose options carry `trustProxy` when it is not `Fastify()` (NestJS: `new FastifyAdapter`). */
  trustProxyCall?: string;
  /**
   * `@proxyproof/forwarded` middleware (expressForwarded...): it resolves scheme/host/client from
   * Forwarded / X-Forwarded-* when the socket peer is in `trust` (default: nobody). `trust`
   * undefined: used, but its trust list is not in the facts.
   */
  forwardedLib?: { name: string; trust?: string[]; ref: Ref };
  /** Werkzeug ProxyFix counts (x_for, x_proto, x_host, x_port); undefined: no ProxyFix. */
  proxyFix?: Valued<{ x_for: number; x_proto: number; x_host: number; x_port: number }>;
  /** Assumed major version for version-dependent rules (Django 3.2 compares the header exactly). */
  version?: string;
  /** Where the app's code reads the request's host/scheme (FrameworkFacts.requestReads; Node apps). */
  requestReads?: RequestReads;
  /** Django: the settings' block for the deployed environment (FrameworkFacts.deployBlock), where fixes are advised. */
  deployBlock?: { ref: Ref; test: string };
  /**
   * Neutral app end (Rails, Laravel, Symfony, Spring, ASP.NET Core, Gin...): the headers it reads and the
   * peers it believes them from. The simulator needs no framework syntax for these.
   */
  appEnd?: {
    name: string;
    schemeHeaders: string[];
    clientHeaders: string[];
    trustScheme: Valued<string[]>;
    trustClient: Valued<string[]>;
    assumeHttps?: Valued<boolean>;
    /** Every request is http whatever arrived (AppEndFacts.assumeHttp: an http:// SvelteKit ORIGIN). */
    assumeHttp?: Valued<boolean>;
    /** The scheme when no scheme header arrived (AppEndFacts.schemeWhenAbsent); undefined: the connection's. */
    schemeWhenAbsent?: 'https';
    /** The client address counted from the right of X-Forwarded-For (AppEndFacts.clientFromRight). */
    clientFromRight?: number;
    /** Too few entries leave the peer the client instead of failing (AppEndFacts.clientShortKeepsPeer). */
    clientShortKeepsPeer?: boolean;
    /** Forwarded headers are read only when this header arrived non-empty (AppEndFacts.forwardedOnlyWith). */
    forwardedOnlyWith?: string;
    /** The server's HTTPS=on decides before forwarded headers (Rack; AppEndFacts.serverHttpsFirst). */
    serverHttpsFirst?: boolean;
    /** Request hosts the app's https redirect skips (Plug.SSL exclude). */
    redirectExempt?: string[];
    /** Headers it takes the host from, from every peer, the last value winning (AppEndFacts.hostHeaders). */
    hostHeaders?: string[];
    /** The hosts it accepts (AppEndFacts.hostAllowList; empty: every host). */
    hostAllowList?: Valued<string[]>;
    /** How it reads the server variable HTTPS / SERVER_PORT (WordPress is_ssl()); see AppEndFacts.serverHttps. */
    serverHttps?: { on: string[]; port443: boolean };
    /** The line the app's trust code goes before (wp-config.php's require of wp-settings.php). */
    insertBefore?: Ref;
    /** Where its list of forwarded headers leaves the scheme out (AppEndFacts.schemeHeadersRef). */
    schemeHeadersRef?: Ref;
    /** A client-address header read first, from every peer (AppEndFacts.clientPlatformHeader, Gin TrustedPlatform). */
    clientPlatformHeader?: { header: string; ref: Ref };
  };
}

/** A TLS-terminating load balancer in front of the proxies (declared or inferred). */
export interface LoadBalancer {
  type: 'lb';
  label: string;
  /** `http`: an HTTP LB (ALB-like) that sets X-Forwarded-Proto/For; `tcp`: PROXY protocol, no headers. */
  mode: 'http' | 'tcp';
  port: number;
  why: string;
  ref?: Ref;
  origin: 'declared' | 'inferred';
  /** An ingress controller's own Service balancer: the controller port it sends 443 to (`web`, `http`, 8080). */
  controllerPort?: string;
  /** How the hop behind sees it when that is not a remote host: a tunnel daemon on the same host (loopback). */
  peer?: Peer;
}

export type LinkTarget =
  | { kind: 'proxy'; hopId: string; listener: number }
  | { kind: 'app'; appId: string; bind: number }
  | { kind: 'unresolved'; reason: string; need: string };

/** From a route's upstream to what listens there, and how the receiver sees the sender. */
export interface Link {
  fromHop: string;
  routeId: string;
  upstream: number;
  target: LinkTarget;
  /** The sender as the receiver sees it (decides trust). */
  peer: Peer;
  /** Why this link was made ("compose service web publishes 8000", "same host, 127.0.0.1:8000"). */
  how: string;
  /**
   * The same app server launched in other alternative compose stacks, reached the same way when that stack runs, or
   * started by another alternative launch of the same file (topology/link.ts `writerTwins`).
   */
  stackTwins?: string[];
}

export type Peer =
  | { kind: 'loopback'; ip: string }
  | { kind: 'unix' }
  | { kind: 'container'; service: string; ip?: string }
  /**
   * `ranges`: the published source ranges the peer connects from when its address is one of many (a CDN's edge,
   * Google's front ends: FrontFacts.ranges), so a trust list can be checked against each of them.
   */
  | { kind: 'remote'; ip?: string; desc: string; ranges?: string[] }
  | { kind: 'client' }
  | { kind: 'unknown' };

export interface Entry {
  id: string;
  /** The URL the browser uses, e.g. https://example.com/ */
  url: string;
  hopId: string;
  listener: number;
  name: string;
  port: number;
  tls: boolean;
  /** The load balancer in front, when there is one. */
  lb?: LoadBalancer;
}

export interface Unresolved {
  what: string;
  need: string;
  ref?: Ref;
}

export interface Topology {
  entries: Entry[];
  proxies: ProxyHop[];
  apps: AppServer[];
  links: Link[];
  /** Things present in the files that the model does not simulate (a HAProxy config, an unknown proxy). */
  unmodelled: Array<{ what: string; file: string; why: string }>;
  /** Frameworks found but not attached to an app server. */
  orphanFrameworks: Framework[];
  notes: string[];
}

/**
 * Lookups by id, indexed once per array (a 10,000-server chain looks hops, apps and links up inside loops over
 * every route: a scan per lookup made the chain quadratic). The index is keyed by the array itself, so the
 * planner's clones (new arrays) get their own, and rebuilt when the array's length changed (links are pushed
 * while the topology is built). Ids never change in place.
 */
/** An index of `list` built by `build`, kept per list and rebuilt when the list's length changed. */
function cachedIndex<T, I>(cache: WeakMap<T[], { n: number; map: I }>, list: T[], build: (list: T[]) => I): I {
  let hit = cache.get(list);
  if (!hit || hit.n !== list.length) {
    hit = { n: list.length, map: build(list) };
    cache.set(list, hit);
  }
  return hit.map;
}

/** `list` by `key`, the first item of each key winning. */
function indexed<T, K>(cache: WeakMap<T[], { n: number; map: Map<K, T> }>, list: T[], key: (x: T) => K): Map<K, T> {
  return cachedIndex(cache, list, (xs) => {
    const map = new Map<K, T>();
    for (const x of xs) {
      const k = key(x);
      if (!map.has(k)) map.set(k, x);
    }
    return map;
  });
}

const proxyIndex = new WeakMap<ProxyHop[], { n: number; map: Map<string, ProxyHop> }>();
const proxyLabelIndex = new WeakMap<ProxyHop[], { n: number; map: Map<string, ProxyHop> }>();
const appIndex = new WeakMap<AppServer[], { n: number; map: Map<string, AppServer> }>();
const appLabelIndex = new WeakMap<AppServer[], { n: number; map: Map<string, AppServer> }>();
const entryIndex = new WeakMap<Entry[], { n: number; map: Map<string, Entry> }>();
const linkIndex = new WeakMap<Link[], { n: number; map: Map<string, HopLinks> }>();

export function proxyById(t: Pick<Topology, 'proxies'>, id: string): ProxyHop | undefined {
  return indexed(proxyIndex, t.proxies, (p) => p.id).get(id);
}

/** The first hop with this label (trace steps name hops by label). */
export function proxyByLabel(t: Pick<Topology, 'proxies'>, label: string | undefined): ProxyHop | undefined {
  return label === undefined ? undefined : indexed(proxyLabelIndex, t.proxies, (p) => p.label).get(label);
}

export function appById(t: Pick<Topology, 'apps'>, id: string): AppServer | undefined {
  return indexed(appIndex, t.apps, (a) => a.id).get(id);
}

export function appByLabel(t: Pick<Topology, 'apps'>, label: string | undefined): AppServer | undefined {
  return label === undefined ? undefined : indexed(appLabelIndex, t.apps, (a) => a.label).get(label);
}

export function entryById(t: Pick<Topology, 'entries'>, id: string | undefined): Entry | undefined {
  return id === undefined ? undefined : indexed(entryIndex, t.entries, (e) => e.id).get(id);
}

/** The first link from a route's upstream (`upstream` index, 0 = the first upstream). */
export function linkFrom(t: Pick<Topology, 'links'>, hopId: string, routeId: string | undefined, upstream = 0): Link | undefined {
  if (routeId === undefined) return undefined;
  // By hop, then a scan of the hop's links in order (the first link of each triple wins): no key string built per
  // lookup (the verdict asks once per entry and route, about 40,000 times at 10,000 servers), and one array per hop
  // instead of a map per hop and an array per route (10,000 maps and 20,000 arrays kept for the analysis). A hop
  // with many links gets a map by route the first time it is asked (linksByRoute).
  const byHop = cachedIndex(linkIndex, t.links, (links) => {
    const map = new Map<string, HopLinks>();
    for (let i = 0; i < links.length; i++) {
      const l = links[i] as Link;
      const hop = map.get(l.fromHop);
      if (hop) hop.links.push(l);
      else map.set(l.fromHop, { links: [l], byRoute: undefined });
    }
    return map;
  });
  const hop = byHop.get(hopId);
  if (!hop) return undefined;
  const { links } = hop;
  if (links.length <= SCAN_LINKS) {
    for (let i = 0; i < links.length; i++) {
      const l = links[i] as Link;
      if (l.routeId === routeId && l.upstream === upstream) return l;
    }
    return undefined;
  }
  hop.byRoute ??= linksByRoute(links);
  return hop.byRoute.get(routeId)?.[upstream];
}

/** A hop's links; past SCAN_LINKS, also by route then upstream index (the first link of each pair wins). */
interface HopLinks {
  links: Link[];
  byRoute: Map<string, (Link | undefined)[]> | undefined;
}
/** Links of one hop scanned in order up to this many (a server's few routes), a map beyond. */
const SCAN_LINKS = 16;

function linksByRoute(links: Link[]): Map<string, (Link | undefined)[]> {
  const byRoute = new Map<string, (Link | undefined)[]>();
  for (const l of links) {
    let byUpstream = byRoute.get(l.routeId);
    if (!byUpstream) {
      byUpstream = [];
      byRoute.set(l.routeId, byUpstream);
    }
    if (byUpstream[l.upstream] === undefined) byUpstream[l.upstream] = l;
  }
  return byRoute;
}

export function refText(r: Ref | undefined): string {
  if (!r) return '';
  return r.line > 0 ? `${r.file}:${r.line}` : r.file;
}
