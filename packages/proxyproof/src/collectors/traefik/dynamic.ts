/**
 * Traefik's dynamic configuration: routers, services and middlewares, from the docker provider's container
 * labels (`traefik.http.routers.<name>.rule=...` in a compose file) and from the file provider (`http:` in a
 * YAML/TOML file, often the static file itself). `attachRoutes` turns every router into a neutral route of
 * the entrypoint sites it is bound to, so the chain follows Traefik to the app.
 *
 * Traefik semantics (docs "Routing > Routers", "Providers > Docker", "Middlewares > Headers"):
 * - a router without `entryPoints` takes every entrypoint except the internal `traefik` one (PR #6477; v3's
 *   `asDefault` narrows it); `tls` (any `tls.*` option) makes it serve HTTPS on its entrypoints;
 * - docker provider: a router without `service` uses the container's only service, or one Traefik creates for
 *   the container; its port is `loadbalancer.server.port`, else the single port the container exposes;
 *   `providers.docker.exposedByDefault=false` leaves out containers without `traefik.enable=true`;
 * - `headers.customRequestHeaders` set request headers after Traefik's own X-Forwarded-* (an empty value
 *   removes the header); `redirectScheme` answers with a redirect;
 * - `entryPoints.<ep>.http.redirections.entryPoint.to` redirects the whole entrypoint (scheme https by default).
 */
import type { HeaderRule, ProxyRoute, Ref, Upstream } from '../../chain/model.js';
import type { KubeFacts, ProxySite } from '../../model/proxy.js';

/**
 * The headers Traefik removes from a request whose peer is not in the entrypoint's `forwardedHeaders.trustedIPs`
 * (and then sets itself): `xHeaders` in Traefik's pkg/middlewares/forwardedheaders/forwarded_header.go, those of
 * them the chain models. One list for every Traefik site (entrypoints, routers, IngressRoutes).
 */
export const TRAEFIK_OVERWRITTEN_HEADERS: readonly string[] = [
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-server',
  'x-real-ip',
];

/** Dotted path (lower-cased) -> value, line and the path as written. */
export type Flat = Map<string, { value: unknown; line: number; path: string[] }>;

export interface DynRouter {
  name: string;
  rule: string;
  ref: Ref;
  entryPoints?: string[];
  middlewares: string[];
  service?: string;
  tls: boolean;
  /** The compose service whose labels declare it (docker provider). */
  container?: string;
}

export interface DynServer {
  text: string;
  host?: string;
  port?: number;
  /** No port given: the one port this compose service's container exposes (what Traefik's docker provider takes). */
  exposedPortOf?: string;
  scheme: 'http' | 'https';
  ref: Ref;
}

export interface DynService {
  name: string;
  servers: DynServer[];
  ref: Ref;
  container?: string;
}

export interface DynMiddleware {
  name: string;
  headers: Array<{ name: string; value: string; ref: Ref }>;
  redirectScheme?: Ref;
  /**
   * The headers middleware's `sslRedirect` (1.x `SSLRedirect`; 2.x deprecated, gone in 3.0), handed to unrolled/secure:
   * a request it does not think is TLS gets a redirect to https. `isSSL` takes TLS from the connection, or from any
   * `sslProxyHeaders` entry the request carries with exactly that value, read from the raw request whoever sent it
   * (unrolled/secure v1.0.5 secure.go, used by Traefik v1.7's middlewares/secure.go).
   */
  sslRedirect?: Ref;
  sslProxyHeaders?: Array<{ name: string; value: string }>;
}

/**
 * A TCP router (`tcp.routers.<name>`): raw bytes to its service, no HTTP headers at all. `tls` ends TLS at Traefik
 * (then plain TCP upstream); `passthrough` forwards the client's TLS session itself (the backend ends TLS).
 */
export interface DynTcpRouter {
  name: string;
  rule: string;
  ref: Ref;
  entryPoints?: string[];
  service?: string;
  tls: boolean;
  passthrough: boolean;
  container?: string;
}

export interface TraefikDynamic {
  /** The file it was read from. */
  file?: string;
  routers: DynRouter[];
  tcpRouters?: DynTcpRouter[];
  /** TCP services: servers as `host:port` (`address`), or a label service's `server.port` on the container. */
  tcpServices?: DynService[];
  services: DynService[];
  middlewares: DynMiddleware[];
  /**
   * Why Traefik's docker provider serves none of this container's routers: it exposes no port and no label names
   * one (2.x/3.x `addServer` "port is missing", the container's whole configuration skipped; 1.7 `containerFilter`
   * "Filtering container without port").
   */
  refused?: string;
}

function listOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String).filter(Boolean);
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return [];
}

/** `name@docker` -> `name` (the provider namespace does not change what is meant inside one tree). */
function bare(name: string): string {
  return name.replace(/@[\w-]+$/, '');
}

function serverOf(url: string, ref: Ref): DynServer {
  const m = /^(https?):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?/i.exec(url.trim());
  if (!m) return { text: url, scheme: 'http', ref };
  const scheme = (m[1] as string).toLowerCase() === 'https' ? 'https' : 'http';
  return {
    text: url,
    host: m[2] as string,
    port: m[3] ? Number(m[3]) : scheme === 'https' ? 443 : 80,
    scheme,
    ref,
  };
}

/** A service being read: its servers, and a label service's `server.port` / `server.scheme` until they are resolved. */
type ServiceRecord = DynService & { port?: { n: number; ref: Ref }; scheme?: string };

/**
 * The service record of `key` (matched case-insensitively, as Traefik's label keys are), created on first use with
 * the name as written (`written`, else `key`). One get-or-create for HTTP and TCP services; their server syntax differs.
 */
function serviceRecord(
  map: Map<string, ServiceRecord>,
  key: string,
  written: string | undefined,
  ref: Ref,
  container: string | undefined,
): ServiceRecord {
  const k = key.toLowerCase();
  let rec = map.get(k);
  if (!rec) {
    rec = { name: written ?? key, servers: [], ref, container };
    map.set(k, rec);
  }
  return rec;
}

/** Routers, services and middlewares of one flat map (`http.` keys; labels without their `traefik.` prefix). */
export function dynamicFromFlat(file: string, flat: Flat, container?: string): TraefikDynamic {
  const routers = new Map<string, DynRouter>();
  const services = new Map<string, ServiceRecord>();
  const middlewares = new Map<string, DynMiddleware>();
  const indexed = (k: string, prefix: string) =>
    new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.\\d+)?$`).test(k);
  const tcpRouters = new Map<string, DynTcpRouter>();
  const tcpServices = new Map<string, ServiceRecord>();
  for (const [k, v] of flat) {
    const ref: Ref = { file, line: v.line };
    let m = /^tcp\.routers\.([^.]+)(?:\.(.+))?$/.exec(k);
    if (m) {
      const key = (m[1] as string).toLowerCase();
      let r = tcpRouters.get(key);
      if (!r) {
        r = { name: v.path[2] ?? (m[1] as string), rule: '', ref, tls: false, passthrough: false, container };
        tcpRouters.set(key, r);
      }
      const prop = m[2] ?? '';
      if (v.line && (!r.ref.line || v.line < r.ref.line)) r.ref = { file, line: v.line };
      if (prop === 'rule') {
        r.rule = String(v.value);
        r.ref = { file, line: v.line, snippet: String(v.value) };
      } else if (indexed(prop, 'entrypoints')) r.entryPoints = [...(r.entryPoints ?? []), ...listOf(v.value)];
      else if (prop === 'service') r.service = bare(String(v.value));
      else if (prop === 'tls') {
        r.tls = typeof v.value === 'object' || !/^false$/i.test(String(v.value));
        if (v.value && typeof v.value === 'object' && /^true$/i.test(String((v.value as Record<string, unknown>).passthrough)))
          r.passthrough = true;
      } else if (prop === 'tls.passthrough') {
        r.tls = true;
        r.passthrough = /^true$/i.test(String(v.value));
      } else if (prop.startsWith('tls.')) r.tls = true;
      continue;
    }
    m = /^tcp\.services\.([^.]+)\.loadbalancer\.(.+)$/.exec(k);
    if (m) {
      const sv = serviceRecord(tcpServices, m[1] as string, v.path[2], ref, container);
      const prop = m[2] as string;
      const add = (addr: unknown) => {
        if (typeof addr !== 'string') return;
        const hp = /^\[?([^\]]+?)\]?:(\d+)$/.exec(addr.trim());
        sv.servers.push({ text: addr, host: hp?.[1], port: hp ? Number(hp[2]) : undefined, scheme: 'http', ref });
      };
      if (prop === 'servers' && Array.isArray(v.value))
        for (const x of v.value) add(x && typeof x === 'object' ? (x as Record<string, unknown>).address : undefined);
      else if (/^servers\.\d+\.address$/.test(prop) || prop === 'server.address') add(v.value);
      else if (prop === 'server.port') {
        const n = Number(v.value);
        if (Number.isInteger(n) && n > 0) sv.port = { n, ref };
      }
      continue;
    }
    m = /^http\.routers\.([^.]+)(?:\.(.+))?$/.exec(k);
    if (m) {
      const name = v.path[2] ?? (m[1] as string);
      const key = (m[1] as string).toLowerCase();
      let r = routers.get(key);
      if (!r) {
        r = { name, rule: '', ref, middlewares: [], tls: false, container };
        routers.set(key, r);
      }
      const prop = m[2] ?? '';
      if (v.line && (!r.ref.line || v.line < r.ref.line)) r.ref = { file, line: v.line };
      if (prop === 'rule') {
        r.rule = String(v.value);
        r.ref = { file, line: v.line, snippet: String(v.value) };
      } else if (indexed(prop, 'entrypoints')) r.entryPoints = [...(r.entryPoints ?? []), ...listOf(v.value)];
      else if (indexed(prop, 'middlewares')) r.middlewares.push(...listOf(v.value).map(bare));
      else if (prop === 'service') r.service = bare(String(v.value));
      else if (prop === 'tls') r.tls = typeof v.value === 'object' || !/^false$/i.test(String(v.value));
      else if (prop.startsWith('tls.')) r.tls = true;
      continue;
    }
    m = /^http\.services\.([^.]+)\.loadbalancer\.(.+)$/.exec(k);
    if (m) {
      const s = serviceRecord(services, m[1] as string, v.path[2], ref, container);
      const prop = m[2] as string;
      if (prop === 'servers' && Array.isArray(v.value)) {
        for (const x of v.value) {
          const url = x && typeof x === 'object' ? (x as Record<string, unknown>).url : undefined;
          if (typeof url === 'string') s.servers.push(serverOf(url, ref));
        }
      } else if (/^servers\.\d+\.url$/.test(prop) || prop === 'server.url') s.servers.push(serverOf(String(v.value), ref));
      else if (prop === 'server.port') {
        const n = Number(v.value);
        if (Number.isInteger(n) && n > 0) s.port = { n, ref };
      } else if (prop === 'server.scheme') s.scheme = String(v.value).toLowerCase();
      continue;
    }
    m = /^http\.middlewares\.([^.]+)\.(.+)$/.exec(k);
    if (m) {
      const key = (m[1] as string).toLowerCase();
      let mw = middlewares.get(key);
      if (!mw) {
        mw = { name: v.path[2] ?? (m[1] as string), headers: [] };
        middlewares.set(key, mw);
      }
      const prop = m[2] as string;
      const h = /^headers\.customrequestheaders\.(.+)$/.exec(prop);
      if (h && typeof v.value !== 'object')
        mw.headers.push({ name: v.path[v.path.length - 1] ?? (h[1] as string), value: String(v.value ?? ''), ref });
      else if (prop === 'redirectscheme.scheme' && /^https$/i.test(String(v.value)))
        mw.redirectScheme = { file, line: v.line, snippet: `redirectScheme ${String(v.value)}` };
      else if (prop === 'headers.sslredirect' && /^true$/i.test(String(v.value)))
        mw.sslRedirect = { file, line: v.line, snippet: 'headers.sslRedirect true' };
      else if (/^headers\.sslproxyheaders\.[^.]+$/.test(prop) && typeof v.value !== 'object') {
        const entry = { name: v.path[v.path.length - 1] as string, value: String(v.value ?? '') };
        mw.sslProxyHeaders = [...(mw.sslProxyHeaders ?? []), entry];
      }
    }
  }
  // Label services name only a port: the server is the container itself (its compose service name).
  for (const s of services.values()) {
    if (s.servers.length === 0 && s.port && container)
      s.servers.push({
        text: `${s.scheme ?? 'http'}://${container}:${s.port.n}`,
        host: container,
        port: s.port.n,
        scheme: s.scheme === 'https' ? 'https' : 'http',
        ref: s.port.ref,
      });
  }
  for (const sv of tcpServices.values())
    if (sv.servers.length === 0 && sv.port && container)
      sv.servers.push({ text: `${container}:${sv.port.n}`, host: container, port: sv.port.n, scheme: 'http', ref: sv.port.ref });
  return {
    file,
    routers: [...routers.values()],
    services: [...services.values()],
    middlewares: [...middlewares.values()],
    ...(tcpRouters.size > 0 ? { tcpRouters: [...tcpRouters.values()], tcpServices: [...tcpServices.values()] } : {}),
  };
}

/**
 * The dynamic configuration of one compose service's labels. A router without `service` uses the container's
 * only labelled service, or the one Traefik creates for the container on the port it exposes (the lowest, when it
 * exposes several: `getPort` sorts `NetworkSettings.Ports`). `exposed.ports`: sorted; `complete`: the image's own
 * EXPOSE is known too.
 */
export function dynamicFromLabels(
  file: string,
  container: string,
  labels: Array<{ key: string; value: string; line: number }>,
  exposed: { ports: number[]; complete: boolean; tiedImage?: boolean },
): TraefikDynamic {
  const flat: Flat = new Map();
  for (const l of labels) {
    if (!/^traefik\.(?:http|tcp)\./i.test(l.key)) continue;
    const path = l.key.slice('traefik.'.length).split('.');
    flat.set(path.join('.').toLowerCase(), { value: l.value, line: l.line, path });
  }
  const d = dynamicFromFlat(file, flat, container);
  const ports = exposed.ports;
  for (const r of d.tcpRouters ?? []) {
    if (r.service) continue;
    const only = d.tcpServices?.length === 1 ? d.tcpServices[0] : undefined;
    if (only) r.service = only.name;
    else if (!d.tcpServices?.length && ports.length > 0) {
      const port = ports[0] as number;
      const name = `${container} (container, tcp)`;
      d.tcpServices = d.tcpServices ?? [];
      d.tcpServices.push({
        name,
        ref: r.ref,
        container,
        servers: [{ text: `${container}:${port}`, host: container, port, scheme: 'http', ref: r.ref }],
      });
      r.service = name;
    }
  }
  for (const r of d.routers) {
    if (r.service) continue;
    if (d.services.length === 1) r.service = d.services[0]?.name;
    else if (d.services.length === 0) {
      const name = `${container} (container)`;
      const port = ports[0];
      // Several ports: Traefik's lowest, said in the text (with the caveat when the base image is not known).
      const why =
        ports.length > 1
          ? ` (the lowest port the container exposes, of ${ports.join(', ')}${exposed.complete ? '' : ', unless its base image exposes a lower one'})`
          : '';
      // Nothing exposed, and the image's own EXPOSE known to add none (python, node...): Traefik refuses the container.
      if (port === undefined && exposed.complete && !exposed.tiedImage)
        d.refused = `its container ${container} exposes no port (no compose expose:/ports:, no EXPOSE in its image) and no loadbalancer.server.port (1.x: traefik.port) label names one: Traefik's docker provider refuses the container ("port is missing"; 1.x: "Filtering container without port"), so every request for the router is answered 404 by Traefik`;
      d.services.push({
        name,
        ref: r.ref,
        container,
        servers: [
          port !== undefined
            ? { text: `http://${container}:${port}${why}`, host: container, port, scheme: 'http', ref: r.ref }
            : { text: `${container} (the port its image exposes)`, exposedPortOf: container, scheme: 'http', ref: r.ref },
        ],
      });
      r.service = name;
    }
  }
  return d;
}

/** Traefik's own X-Forwarded-* (forwardedheaders middleware): the incoming values only from trusted peers. */
export const TRAEFIK_DEFAULT_HEADERS = (ref: Ref): HeaderRule[] => [
  { name: 'X-Forwarded-Proto', value: '{trusted:x-forwarded-proto|scheme}', ref, from: 'default' },
  { name: 'X-Forwarded-Host', value: '{trusted:x-forwarded-host|http_host}', ref, from: 'default' },
  { name: 'X-Forwarded-For', value: '{xff_append_if_trusted}', ref, from: 'default' },
];

/** Ports Traefik's own examples give the usual entrypoint names, for routers whose static config is not here. */
const CONVENTIONAL_PORTS: Record<string, number> = { web: 80, http: 80, websecure: 443, https: 443, 'web-secure': 443 };

export interface StaticSites {
  file: string;
  /** Entrypoint name (lower-case) -> its site. */
  sites: Map<string, ProxySite>;
  /** Entrypoints routers take when they name none. */
  defaults: string[];
  exposedByDefault: boolean;
  /** Compose files whose Traefik service loads this file (a volume's source, a `COPY` of the image it builds). */
  loadedBy?: string[];
}

/** `{ sampleHost }` when `name` is a literal host name (not a placeholder, a wildcard or a regexp). */
export function literalHost(name: string | undefined): { sampleHost?: string } {
  return name && /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/i.test(name) ? { sampleHost: name.toLowerCase() } : {};
}

function hostNames(rule: string): string[] {
  const out: string[] = [];
  for (const h of rule.matchAll(/Host\(([^)]*)\)/g))
    for (const n of (h[1] as string).split(',')) {
      const name = n.trim().replace(/^[`"']|[`"']$/g, '');
      if (name) out.push(name);
    }
  return out;
}

/** A labelled compose service, by its compose file and name (`exposedByDefault=false` hides it per file). */
export function labelledKey(file: string, container: string): string {
  return `${file}\u0000${container}`;
}

/**
 * Services and middlewares by name (Traefik's names are case-insensitive), the router's own file first: alternative
 * compose files that each label a service `web` are different stacks, so a router of one file uses its own file's
 * `web`; a name defined in another file only (a file provider's service, an override's labels) is still found,
 * the first definition winning as before.
 */
class ByFile<T> {
  private readonly any = new Map<string, T>();
  private readonly own = new Map<string, T>();
  add(file: string | undefined, name: string, v: T): void {
    const n = name.toLowerCase();
    if (!this.any.has(n)) this.any.set(n, v);
    if (file !== undefined && !this.own.has(`${file}\u0000${n}`)) this.own.set(`${file}\u0000${n}`, v);
  }
  get(file: string, name: string): T | undefined {
    const n = name.toLowerCase();
    return this.own.get(`${file}\u0000${n}`) ?? this.any.get(n);
  }
}

/**
 * Adds every router to the sites of the entrypoints it is bound to. With no static configuration in the tree,
 * sites are made for the entrypoint names routers use that have a conventional port (web/websecure...), their
 * trust Traefik's default (none). Returns the sites made that way and notes on what could not be placed.
 */
export function attachRoutes(
  statics: StaticSites[],
  dyns: TraefikDynamic[],
  disabled: Set<string>,
): { made: Array<{ file: string; site: ProxySite }>; notes: string[] } {
  const notes: string[] = [];
  const made: Array<{ file: string; site: ProxySite }> = [];
  const services = new ByFile<DynService>();
  const middlewares = new ByFile<DynMiddleware>();
  for (const d of dyns) {
    for (const s of d.services) services.add(s.ref.file, s.name, s);
    for (const m of d.middlewares) middlewares.add(d.file, m.name, m);
  }
  const synth = new Map<string, ProxySite>();
  for (const d of dyns) {
    for (const r of d.routers) {
      if (d.refused) {
        // Said, not linked: the app behind it is never reached through this router.
        notes.push(`router ${r.name} (${r.ref.file}:${r.ref.line}) is not served: ${d.refused}`);
        continue;
      }
      if (r.container && disabled.has(labelledKey(r.ref.file, r.container))) {
        // Said, not silently dropped: a label set without `traefik.enable=true` under exposedByDefault=false is a
        // common reason a Traefik stack serves 404 (the docker provider filters the container out).
        notes.push(
          `router ${r.name} (${r.ref.file}:${r.ref.line}) is ignored: its container ${r.container} has no traefik.enable=true and the docker provider's exposedByDefault is false (or traefik.enable=false)`,
        );
        continue;
      }
      // One static configuration, or the one in the router's own file, or the one the Traefik service of the
      // router's compose file loads (a dev and a prod stack side by side); several elsewhere would be a guess.
      const loaded = statics.filter((s) => s.loadedBy?.includes(r.ref.file));
      const st =
        statics.length === 1
          ? statics[0]
          : (statics.find((s) => s.file === r.ref.file) ?? (loaded.length === 1 ? loaded[0] : undefined));
      if (statics.length > 1 && !st) {
        notes.push(`router ${r.name} (${r.ref.file}:${r.ref.line}): several Traefik static configurations, none in this file`);
        continue;
      }
      const svc = r.service ? services.get(r.ref.file, r.service) : undefined;
      const servers = svc?.servers ?? [];
      if (servers.length === 0) continue;
      const mws = r.middlewares.map((n) => middlewares.get(r.ref.file, n)).filter((m): m is DynMiddleware => Boolean(m));
      const redirect = mws.find((m) => m.redirectScheme)?.redirectScheme;
      const ssl = redirect ? undefined : sslRedirectOf(mws, notes);
      const headers: HeaderRule[] = TRAEFIK_DEFAULT_HEADERS({ ...r.ref, origin: 'default' });
      for (const m of mws)
        for (const h of m.headers)
          headers.push({ name: h.name, value: h.value === '' ? null : h.value, ref: h.ref, from: 'route' });
      const upstreams: Upstream[] = servers.map((s) => ({
        text: s.text,
        address: s.host && s.port !== undefined ? { kind: 'tcp', host: s.host.replace(/^\[|\]$/g, ''), port: s.port } : null,
        ref: s.ref,
        ...(s.exposedPortOf ? { exposedPortOf: s.exposedPortOf } : {}),
      }));
      const epNames = (r.entryPoints ?? (st ? st.defaults : Object.keys(CONVENTIONAL_PORTS))).map((e) => e.toLowerCase());
      for (const ep of epNames) {
        let site = st?.sites.get(ep);
        if (!st && !site) {
          site = synth.get(ep);
          const port = CONVENTIONAL_PORTS[ep];
          if (!site && port !== undefined && (r.entryPoints || r.tls === (port === 443))) {
            site = syntheticSite(r.ref, ep, port);
            synth.set(ep, site);
            made.push({ file: r.ref.file, site });
          }
        }
        // An entrypoint redirection (static `http.redirections`) is a catch-all router of the highest priority in
        // front of every other router of that entrypoint (Traefik's internal provider): they never run there.
        if (!site || site.redirectsToHttps) continue;
        const tls = r.tls || site.listeners.some((l) => l.tls);
        // A router's own RedirectScheme middleware: it redirects what it believes is http and passes a request a
        // trusted X-Forwarded-Proto says is https on to its service, so the route is kept with its redirect (the
        // chain then runs the loop check on it behind a load balancer).
        const routeRedirect =
          redirect && !tls
            ? { redirectsToHttps: redirect, redirectDecidedBy: 'forwarded-proto' as const }
            : ssl && !tls
              ? { redirectsToHttps: ssl.ref, redirectDecidedBy: ssl.by }
              : {};
        if (r.tls) for (const l of site.listeners) l.tls = true;
        for (const n of hostNames(r.rule)) if (!site.names.includes(n)) site.names.push(n);
        const route: ProxyRoute = {
          id: `${site.id}:router:${r.name}`,
          match: r.rule || `router ${r.name}`,
          samplePath: /PathPrefix\(\s*[`"']([^`"']*)[`"']/.exec(r.rule)?.[1] ?? '/',
          ...literalHost(hostNames(r.rule)[0]),
          ref: r.ref,
          protocol: servers[0]?.scheme === 'https' ? 'https' : 'http',
          upstreams,
          headers,
          ...routeRedirect,
        };
        site.routes.push(route);
      }
    }
  }
  attachTcpRoutes(statics, dyns, disabled, made, notes);
  return { made, notes };
}

/**
 * TCP routers: each entrypoint they are bound to gets a TCP site (mode `tcp`: no header rule applies, the client's
 * bytes, forged X-Forwarded-* included, reach the service as sent). With `tls` Traefik ends TLS and sends plain TCP;
 * with `tls.passthrough` the client's TLS session goes to the service (an https upstream). A TCP router without TLS
 * on a port shared with HTTP routers is only `HostSNI(\`*\`)` in Traefik; that is kept as written.
 */
function attachTcpRoutes(
  statics: StaticSites[],
  dyns: TraefikDynamic[],
  disabled: Set<string>,
  made: Array<{ file: string; site: ProxySite }>,
  notes: string[],
): void {
  const services = new ByFile<DynService>();
  for (const d of dyns) for (const s of d.tcpServices ?? []) services.add(s.ref.file, s.name, s);
  const sites = new Map<string, ProxySite>();
  for (const d of dyns)
    for (const r of d.tcpRouters ?? []) {
      if (r.container && disabled.has(labelledKey(r.ref.file, r.container))) {
        // Said, not silently dropped: a label set without `traefik.enable=true` under exposedByDefault=false is a
        // common reason a Traefik stack serves 404 (the docker provider filters the container out).
        notes.push(
          `router ${r.name} (${r.ref.file}:${r.ref.line}) is ignored: its container ${r.container} has no traefik.enable=true and the docker provider's exposedByDefault is false (or traefik.enable=false)`,
        );
        continue;
      }
      const st = statics.length === 1 ? statics[0] : statics.find((s) => s.file === r.ref.file);
      if (statics.length > 1 && !st) {
        notes.push(
          `TCP router ${r.name} (${r.ref.file}:${r.ref.line}): several Traefik static configurations, none in this file`,
        );
        continue;
      }
      const servers = (r.service ? services.get(r.ref.file, r.service)?.servers : undefined) ?? [];
      if (servers.length === 0) continue;
      const epNames = (r.entryPoints ?? (st ? st.defaults : Object.keys(CONVENTIONAL_PORTS))).map((e) => e.toLowerCase());
      for (const ep of epNames) {
        const http = st?.sites.get(ep);
        const port = http?.listeners[0]?.port ?? CONVENTIONAL_PORTS[ep];
        if (port === undefined) continue;
        const key = `${r.ref.file}|${ep}|${r.tls}|${r.passthrough}`;
        let site = sites.get(key);
        if (!site) {
          const ref: Ref = http?.ref ?? { file: r.ref.file, line: r.ref.line, origin: 'default', snippet: `entrypoint ${ep}` };
          site = {
            id: `traefik:${r.ref.file}:${ep}:tcp${r.passthrough ? ':passthrough' : r.tls ? ':tls' : ''}`,
            label: `traefik entrypoint ${ep} :${port} (TCP routers${r.passthrough ? ', TLS passthrough' : ''})`,
            ref,
            names: [],
            listeners: [
              {
                port,
                ...(http?.listeners[0]?.address ? { address: http.listeners[0].address } : {}),
                tls: r.tls,
                proxyProtocol: http?.listeners[0]?.proxyProtocol ?? false,
                defaultServer: false,
                ref: r.ref,
              },
            ],
            routes: [],
            siteHeaders: [],
            passesIncoming: true,
            trust: { mode: 'passthrough', list: [], ref },
            mode: 'tcp',
            notes: [
              r.passthrough
                ? `TCP router ${r.name}: TLS passthrough, the service ends TLS itself`
                : `TCP router ${r.name}: raw TCP${r.tls ? ' after TLS ends at Traefik' : ''}, no X-Forwarded-* added or removed`,
            ],
          };
          sites.set(key, site);
          made.push({ file: r.ref.file, site });
        }
        for (const n of (r.rule.match(/HostSNI\(([^)]*)\)/g) ?? []).flatMap((h) => h.slice(8, -1).split(','))) {
          const name = n.trim().replace(/^[`"']|[`"']$/g, '');
          if (name && name !== '*' && !site.names.includes(name)) site.names.push(name);
        }
        site.routes.push({
          id: `${site.id}:router:${r.name}`,
          match: r.rule || `tcp router ${r.name}`,
          samplePath: '/',
          ref: r.ref,
          // The client's TLS session reaches the service: it is spoken to over TLS.
          protocol: r.passthrough ? 'https' : 'http',
          upstreams: servers.map((sv) => ({
            text: sv.text,
            address: sv.host && sv.port !== undefined ? { kind: 'tcp', host: sv.host, port: sv.port } : null,
            ref: sv.ref,
          })),
          headers: [],
        });
      }
    }
}

function syntheticSite(router: Ref, ep: string, port: number): ProxySite {
  const file = router.file;
  const ref: Ref = { file, line: router.line, origin: 'default', snippet: `entrypoint ${ep}` };
  return {
    id: `traefik:${file}:${ep}:routers`,
    label: `traefik entrypoint ${ep} :${port} (routers in ${file.split('/').pop() ?? file})`,
    ref,
    names: [],
    listeners: [{ port, tls: false, proxyProtocol: false, defaultServer: false, ref }],
    routes: [],
    siteHeaders: [],
    passesIncoming: true,
    stripsUntrusted: [...TRAEFIK_OVERWRITTEN_HEADERS],
    trust: { mode: 'none', list: [], ref },
    mode: 'http',
    notes: [`entrypoint ${ep}: its static configuration is not in these files (port ${port} assumed, forwardedHeaders default)`],
  };
}

/**
 * The Middleware CRD a reference names: an IngressRoute's `{name, namespace}`, or an Ingress annotation's
 * `<namespace>-<name>@kubernetescrd` (Traefik's Kubernetes providers). A name whose namespace the files leave out
 * matches by name alone.
 */
// Here, not in collector.ts: chain/topology/kube.ts asks it without loading the Traefik collector (start-up).
export function findMiddlewareCrd(
  crds: NonNullable<KubeFacts['traefikMiddlewares']>,
  ref: { name: string; namespace?: string } | string,
): NonNullable<KubeFacts['traefikMiddlewares']>[number] | undefined {
  if (typeof ref !== 'string')
    return crds.find((m) => m.name === ref.name && (!ref.namespace || !m.namespace || m.namespace === ref.namespace));
  const bare = ref.replace(/@kubernetescrd$/, '');
  return crds.find(
    (m) => (m.namespace ? `${m.namespace}-${m.name}` === bare : false) || m.name === bare || bare.endsWith(`-${m.name}`),
  );
}

/**
 * A router's headers middleware with `sslRedirect`: decided by the connection, or by X-Forwarded-Proto as the
 * entrypoint keeps it when `sslProxyHeaders` maps it to `https` (on a 1.x entrypoint without forwardedHeaders, which
 * keeps X-Forwarded-* from any peer, a client's own header then skips the redirect). 2.x rewrites X-Forwarded-Proto at
 * the entrypoint before any middleware, so there only a trusted peer's value counts; 1.7 reads the raw header before
 * its rewriter even on an entrypoint with trustedIPs, which this does not model (the trusted-peer reading is kept).
 * Another proxy header (X-Forwarded-Ssl: on...) is not modelled: the connection decides, and a note says so.
 */
function sslRedirectOf(mws: DynMiddleware[], notes: string[]): { ref: Ref; by: 'connection' | 'forwarded-proto' } | undefined {
  const m = mws.find((x) => x.sslRedirect);
  if (!m?.sslRedirect) return undefined;
  const headers = m.sslProxyHeaders ?? [];
  const xfp = headers.some((h) => h.name.toLowerCase() === 'x-forwarded-proto' && h.value === 'https');
  const other = headers.filter((h) => h.name.toLowerCase() !== 'x-forwarded-proto');
  if (other.length > 0)
    notes.push(
      `${m.sslRedirect.file}:${m.sslRedirect.line}: sslProxyHeaders ${other.map((h) => `${h.name}: ${h.value}`).join(', ')} also skip the redirect to https when a request carries them (not modelled)`,
    );
  return { ref: m.sslRedirect, by: xfp ? 'forwarded-proto' : 'connection' };
}
