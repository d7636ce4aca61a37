/**
 * Traefik collector. Static configuration from every place Traefik reads it: traefik.toml/.yml/.yaml
 * files, the same text embedded in a Kubernetes ConfigMap (`data: traefik.toml: |`), CLI flags
 * (compose `command:` of a traefik image, container `args:`) and `TRAEFIK_*` environment variables.
 * It records entrypoints (address, TLS, `forwardedHeaders.trustedIPs` / `insecure`), `api.insecure`,
 * `ipWhiteList`/`ipAllowList` source ranges (who is let in: a proxy in front) and
 * `headers.customRequestHeaders`, and turns each entrypoint into a neutral site.
 *
 * Traefik semantics (docs "EntryPoints > Forwarded Headers"; source pkg/middlewares/forwardedheaders/
 * forwarded_header.go): Traefik sets X-Forwarded-For/-Proto/-Host/-Port itself and keeps the incoming
 * X-Forwarded-* only when the peer is in `trustedIPs` or `insecure` is true; otherwise it removes them
 * and writes its own view (so behind a TLS load balancer it sends `http`). Options are per entrypoint
 * name: `[entryPoints.web.forwardedHeaders]` configures (or creates) `web`, never `websecure`.
 */
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { Ref } from '../../chain/model.js';
import type { CollectContext, Collector, DiscoveredFile } from '../../model/collector.js';
import type { KubeFacts, ProxySite, TraefikEntryPoint, TraefikExtra } from '../../model/proxy.js';
import { mayBeTraefikFile } from '../claims.js';
import { builtDockerfile } from '../deploy/built-from.js';
import { interpolate, parseDockerfile, parseEnvFile } from '../deploy/formats.js';
import { addProxyFacts, baseName, configName, readText } from '../proxy/common.js';
import { at, get, obj, type YDoc, yamlDocs } from '../proxy/yaml.js';
import {
  attachRoutes,
  dynamicFromFlat,
  dynamicFromLabels,
  type Flat,
  findMiddlewareCrd,
  labelledKey,
  literalHost,
  type StaticSites,
  TRAEFIK_DEFAULT_HEADERS,
  TRAEFIK_OVERWRITTEN_HEADERS,
  type TraefikDynamic,
} from './dynamic.js';
import { hasV1Labels, isTraefikV1, v1FromFlags, v1Labels, v1ToV2, withV1DefaultEntryPoint } from './v1.js';

function flattenObject(v: unknown, prefix: string[], out: Array<{ path: string[]; value: unknown }>, depth = 0): void {
  const o = obj(v);
  if (o && depth < 32) {
    const keys = Object.keys(o);
    if (prefix.length > 0 && keys.length > 0) out.push({ path: prefix, value: o });
    if (keys.length === 0) out.push({ path: prefix, value: {} });
    for (const k of keys) flattenObject(o[k], [...prefix, k], out, depth + 1);
  } else out.push({ path: prefix, value: v });
}

/** Line of each TOML key path and table header (`[a.b]`, `a.b = 1` under `[x]`). */
function tomlLines(text: string, base: number): Map<string, number> {
  const out = new Map<string, number>();
  let table: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.trim();
    const h = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(t);
    if (h) {
      table = (h[1] as string).split('.').map((s) => s.trim().replace(/^["']|["']$/g, ''));
      for (let n = 1; n <= table.length; n++) {
        const k = table.slice(0, n).join('.').toLowerCase();
        if (!out.has(k)) out.set(k, base + i);
      }
      return;
    }
    const kv = /^([A-Za-z0-9_."'-]+)\s*=/.exec(t);
    if (kv) {
      const key = [...table, ...(kv[1] as string).split('.').map((s) => s.replace(/^["']|["']$/g, ''))];
      for (let n = table.length + 1; n <= key.length; n++) {
        const k = key.slice(0, n).join('.').toLowerCase();
        if (!out.has(k)) out.set(k, base + i);
      }
    }
  });
  return out;
}

function flatFromObject(v: unknown, lineOf: (path: string[]) => number): Flat {
  const items: Array<{ path: string[]; value: unknown }> = [];
  flattenObject(v, [], items);
  const flat: Flat = new Map();
  for (const it of items) flat.set(it.path.join('.').toLowerCase(), { value: it.value, line: lineOf(it.path), path: it.path });
  return flat;
}

/** `--entrypoints.web.address=:80`, `--api.insecure` (bare flag = true). */
export function flatFromFlags(flags: Array<{ text: string; line: number }>): Flat {
  const flat: Flat = new Map();
  for (const f of flags) {
    const m = /^--?([A-Za-z0-9_.[\]-]+)(?:=(.*))?$/.exec(f.text.trim());
    if (!m) continue;
    const path = (m[1] as string).split('.');
    const value = m[2] === undefined ? 'true' : (m[2] as string).replace(/^["']|["']$/g, '');
    flat.set(path.join('.').toLowerCase(), { value, line: f.line, path });
  }
  return flat;
}

/** `TRAEFIK_ENTRYPOINTS_WEB_ADDRESS=:80` (names are upper-cased by the convention, so they are lower-cased here). */
export function flatFromEnv(env: Array<{ name: string; value: string; line: number }>): Flat {
  const flat: Flat = new Map();
  for (const e of env) {
    if (!/^TRAEFIK_/.test(e.name)) continue;
    const parts = e.name.slice(8).toLowerCase().split('_');
    // entrypoints_<name>_forwardedheaders_trustedips: the entrypoint name is the one part after "entrypoints".
    const path = parts[0] === 'entrypoints' && parts.length > 2 ? ['entrypoints', parts[1] as string, ...parts.slice(2)] : parts;
    const joined = path.join('.').replace('forwardedheaders.trustedips', 'forwardedheaders.trustedips');
    flat.set(joined, { value: e.value, line: e.line, path });
  }
  return flat;
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && /^(true|1|yes)$/i.test(v));
}

function listOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return [];
}

export interface TraefikRead {
  extra: TraefikExtra;
  sites: ProxySite[];
  allowRanges: Array<{ ranges: string[]; ref: Ref }>;
  /** Entrypoints a router without `entryPoints` is bound to (v3 `asDefault`, else all but `traefik`). */
  defaults: string[];
  /** `providers.docker.exposedByDefault` (true unless set false). */
  exposedByDefault: boolean;
  /** Routers, services and middlewares written in the same file (file provider). */
  dynamic?: TraefikDynamic;
  /** The chart's own LoadBalancer Service (Helm values `service:`), for the chain's controller balancer. */
  service?: KubeFacts['services'][number];
  /** Read as Traefik 1.x (v1.ts): its keys, and its default trust. */
  v1?: true;
}

export function traefikFromFlat(file: string, flat: Flat, flatLists: Map<string, string[]> = new Map()): TraefikRead {
  const names = new Map<string, string>();
  for (const [k, v] of flat) if (k.startsWith('entrypoints.') && v.path[1]) names.set(k.split('.')[1] as string, v.path[1]);
  const eps: TraefikEntryPoint[] = [];
  for (const [lk, name] of names) {
    const key = (s: string) => flat.get(`entrypoints.${lk}.${s}`);
    const first = [...flat.entries()]
      .filter(([k]) => k.startsWith(`entrypoints.${lk}.`))
      .map(([, v]) => v.line)
      .filter((l) => l > 0);
    const address = key('address');
    const ref: Ref = {
      file,
      line: address?.line || Math.min(...first, Number.MAX_SAFE_INTEGER) || 0,
      snippet: `entryPoints.${name}`,
    };
    const trusted = key('forwardedheaders.trustedips');
    const insecure = key('forwardedheaders.insecure');
    const fhLine = flat.get(`entrypoints.${lk}.forwardedheaders`)?.line || trusted?.line || insecure?.line || 0;
    const tls = [...flat.keys()].some((k) => k.startsWith(`entrypoints.${lk}.http.tls`));
    const port = address ? Number(/:(\d+)(\/\w+)?$/.exec(String(address.value))?.[1] ?? Number.NaN) : undefined;
    eps.push({
      name,
      address: address ? String(address.value) : undefined,
      port: Number.isFinite(port) ? port : undefined,
      ref,
      tls,
      forwardedHeaders:
        trusted || insecure
          ? {
              insecure: truthy(insecure?.value),
              trustedIPs: trusted
                ? [...listOf(trusted.value), ...(flatLists.get(`entrypoints.${lk}.forwardedheaders.trustedips`) ?? [])]
                : [],
              ref: { file, line: fhLine, snippet: `entryPoints.${name}.forwardedHeaders` },
              ...(insecure?.line ? { insecureRef: { file, line: insecure.line } } : {}),
            }
          : undefined,
      phantom: !address,
    });
  }
  // Arrays flattened to indexed keys (YAML/TOML lists): gather trustedIPs.N
  for (const ep of eps) {
    const lk = ep.name.toLowerCase();
    const items = [...flat.entries()].filter(([k]) =>
      new RegExp(`^entrypoints\\.${lk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.forwardedheaders\\.trustedips\\.\\d+$`).test(k),
    );
    if (items.length && ep.forwardedHeaders) ep.forwardedHeaders.trustedIPs.push(...items.map(([, v]) => String(v.value)));
    else if (items.length)
      ep.forwardedHeaders = {
        insecure: false,
        trustedIPs: items.map(([, v]) => String(v.value)),
        ref: { file, line: flat.get(`entrypoints.${lk}.forwardedheaders`)?.line ?? items[0]?.[1].line ?? 0 },
      };
  }
  const apiInsecure = flat.get('api.insecure');
  const allowRanges: TraefikRead['allowRanges'] = [];
  const custom: TraefikExtra['customRequestHeaders'] = [];
  for (const [k, v] of flat) {
    const m = /^http\.middlewares\.[^.]+\.(ipwhitelist|ipallowlist)\.sourcerange(\.\d+)?$/.exec(k);
    if (m) allowRanges.push({ ranges: listOf(v.value), ref: { file, line: v.line, snippet: k } });
    const h = /^http\.middlewares\.[^.]+\.headers\.customrequestheaders\.(.+)$/.exec(k);
    if (h)
      custom.push({ name: v.path[v.path.length - 1] ?? (h[1] as string), value: String(v.value), ref: { file, line: v.line } });
  }
  const extra: TraefikExtra = {
    entryPoints: eps,
    apiInsecure:
      apiInsecure && truthy(apiInsecure.value) ? { file, line: apiInsecure.line, snippet: 'api.insecure=true' } : undefined,
    customRequestHeaders: custom,
  };
  const sites = sitesOf(file, eps);
  // `entryPoints.<ep>.http.redirections.entryPoint.to`: every request on that entrypoint is redirected (scheme https
  // unless `scheme` says otherwise), before any router.
  for (const ep of eps) {
    const to = flat.get(`entrypoints.${ep.name.toLowerCase()}.http.redirections.entrypoint.to`);
    const scheme = flat.get(`entrypoints.${ep.name.toLowerCase()}.http.redirections.entrypoint.scheme`);
    const site = sites.find((s) => s.id === `traefik:${file}:${ep.name}`);
    if (to && site && (!scheme || /^https$/i.test(String(scheme.value)))) {
      site.redirectsToHttps = { file, line: to.line, snippet: `redirections.entryPoint.to=${String(to.value)}` };
      // RedirectScheme takes the scheme from a trusted X-Forwarded-Proto first (Traefik's redirectscheme docs).
      site.redirectDecidedBy = 'forwarded-proto';
    }
  }
  const asDefault = eps.filter((e) => truthy(flat.get(`entrypoints.${e.name.toLowerCase()}.asdefault`)?.value));
  const exposed = flat.get('providers.docker.exposedbydefault');
  return {
    extra,
    sites,
    allowRanges,
    defaults: (asDefault.length ? asDefault : eps.filter((e) => e.name !== 'traefik')).map((e) => e.name),
    exposedByDefault: !exposed || truthy(exposed.value),
  };
}

function sitesOf(file: string, eps: TraefikEntryPoint[]): ProxySite[] {
  return eps
    .filter((e) => e.port !== undefined && e.exposed !== false)
    .map((e) => ({
      id: `traefik:${file}:${e.name}`,
      label: `traefik entrypoint ${e.name} :${e.port} (${baseName(file)}:${e.ref.line})`,
      ref: e.ref,
      names: [],
      listeners: [{ port: e.port as number, tls: e.tls, proxyProtocol: false, defaultServer: false, ref: e.ref }],
      routes: [],
      siteHeaders: [],
      passesIncoming: true,
      stripsUntrusted: [...TRAEFIK_OVERWRITTEN_HEADERS],
      trust: e.forwardedHeaders?.insecure
        ? { mode: 'all', list: [], ref: e.forwardedHeaders.ref }
        : e.forwardedHeaders?.trustedIPs.length
          ? { mode: 'list', list: e.forwardedHeaders.trustedIPs, ref: e.forwardedHeaders.ref }
          : { mode: 'none', list: [], ref: { ...e.ref, origin: 'default' }, missingAt: e.ref },
      mode: 'http',
      notes: [],
    }));
}

/**
 * The Traefik Helm chart's `ports` values merged over the chart's defaults (traefik/traefik-helm-chart
 * values.yaml: `web` 8000 exposed as 80, `websecure` 8443 exposed as 443 with `tls.enabled`, `traefik` and
 * `metrics` not exposed). Each port is an entrypoint of that name; `expose` is a boolean before chart v25
 * and `{default: bool}` since. `lineOf(path)` gives the line of a key path inside the values.
 */
export function traefikFromHelmValues(
  file: string,
  values: Record<string, unknown>,
  lineOf: (path: Array<string | number>) => number,
): TraefikRead {
  const defaults: Record<string, { port: number; exposedPort: number; expose: boolean; tls: boolean }> = {
    web: { port: 8000, exposedPort: 80, expose: true, tls: false },
    websecure: { port: 8443, exposedPort: 443, expose: true, tls: true },
    traefik: { port: 9000, exposedPort: 9000, expose: false, tls: false },
    metrics: { port: 9100, exposedPort: 9100, expose: false, tls: false },
  };
  const ports = obj(values.ports) ?? {};
  const eps: TraefikEntryPoint[] = [];
  for (const name of new Set([...Object.keys(defaults), ...Object.keys(ports)])) {
    const d = defaults[name];
    const v = obj(ports[name]) ?? {};
    if (!d && Object.keys(v).length === 0) continue;
    const exposeRaw = v.expose;
    const expose =
      typeof exposeRaw === 'boolean' ? exposeRaw : obj(exposeRaw) ? obj(exposeRaw)?.default !== false : (d?.expose ?? false);
    const tlsV = obj(v.tls);
    const tls = tlsV ? truthy(tlsV.enabled) : (d?.tls ?? false);
    const exposedPort = Number(v.exposedPort ?? d?.exposedPort ?? v.port ?? Number.NaN);
    const line = lineOf(['ports', name]);
    const ref: Ref = { file, line, snippet: `ports.${name}` };
    const fh = obj(v.forwardedHeaders);
    const trusted = fh ? listOf(fh.trustedIPs) : [];
    eps.push({
      name,
      address: `:${v.port ?? d?.port ?? exposedPort}`,
      port: Number.isFinite(exposedPort) ? exposedPort : undefined,
      ref: line ? ref : { ...ref, line: lineOf(['ports']) || 1, origin: 'default' },
      tls,
      forwardedHeaders:
        fh && (trusted.length || truthy(fh.insecure))
          ? {
              insecure: truthy(fh.insecure),
              trustedIPs: trusted,
              ref: { file, line: lineOf(['ports', name, 'forwardedHeaders']), snippet: `ports.${name}.forwardedHeaders` },
              ...(truthy(fh.insecure) && lineOf(['ports', name, 'forwardedHeaders', 'insecure'])
                ? { insecureRef: { file, line: lineOf(['ports', name, 'forwardedHeaders', 'insecure']) } }
                : {}),
            }
          : undefined,
      phantom: false,
      exposed: expose,
      exposedRef:
        exposeRaw !== undefined
          ? { file, line: lineOf(['ports', name, 'expose']), snippet: `expose: ${JSON.stringify(exposeRaw)}` }
          : undefined,
      syntax: 'helm',
    });
  }
  // `additionalArguments` are Traefik's own flags, appended to the chart's: an entrypoint's forwardedHeaders set
  // there (`--entryPoints.web.forwardedHeaders.trustedIPs=...`, the usual way before `ports.<name>.forwardedHeaders`)
  // is that entrypoint's, as a flag on the container would be.
  const args = Array.isArray(values.additionalArguments) ? values.additionalArguments : [];
  const argFlat = flatFromFlags(args.map((a, i) => ({ text: String(a), line: lineOf(['additionalArguments', i]) })));
  for (const e of eps) {
    if (e.forwardedHeaders) continue;
    const key = `entrypoints.${e.name.toLowerCase()}.forwardedheaders`;
    const ips = argFlat.get(`${key}.trustedips`);
    const insecure = argFlat.get(`${key}.insecure`);
    const trustedIPs = ips ? listOf(ips.value) : [];
    if (!trustedIPs.length && !(insecure && truthy(insecure.value))) continue;
    const at = (ips ?? insecure) as { line: number };
    e.forwardedHeaders = {
      insecure: Boolean(insecure && truthy(insecure.value)),
      trustedIPs,
      ref: { file, line: at.line, snippet: `additionalArguments: --entryPoints.${e.name}.forwardedHeaders` },
      ...(insecure && truthy(insecure.value) ? { insecureRef: { file, line: insecure.line } } : {}),
    };
  }
  const r = traefikFromFlat(file, new Map());
  r.service = chartService(file, values, lineOf, eps);
  r.extra.entryPoints = eps;
  r.extra.customRequestHeaders = [];
  r.sites = sitesOf(file, eps);
  r.defaults = eps.filter((e) => e.name !== 'traefik' && e.name !== 'metrics').map((e) => e.name);
  return r;
}

/**
 * The Traefik chart's Service (templates/service.yaml): `service.type` (LoadBalancer by default), `service.annotations`
 * (where an ACM certificate makes the cloud balancer end TLS), one port per exposed entrypoint, `exposedPort` ->
 * `targetPort` (the entrypoint's own name unless `ports.<name>.targetPort` says another: `websecure.targetPort: web`
 * sends the balancer's decrypted 443 to the plain entrypoint). None when `service.enabled: false`.
 */
function chartService(
  file: string,
  values: Record<string, unknown>,
  lineOf: (path: Array<string | number>) => number,
  eps: TraefikEntryPoint[],
): KubeFacts['services'][number] | undefined {
  const svc = obj(values.service) ?? {};
  if (svc.enabled === false || String(svc.enabled) === 'false') return undefined;
  const ports = obj(values.ports) ?? {};
  const annotations: Record<string, { value: string; ref: Ref }> = {};
  for (const [k, v] of Object.entries(obj(svc.annotations) ?? {})) {
    const line = lineOf(['service', 'annotations', k]);
    annotations[k] = { value: String(v), ref: { file, line, snippet: `${k}: ${String(v)}` } };
  }
  const line = lineOf(['service']) || lineOf(['ports']) || 1;
  return {
    name: 'traefik (Helm values)',
    type: String(svc.type ?? 'LoadBalancer'),
    ref: { file, line, snippet: 'service' },
    annotations,
    ports: eps
      .filter((e) => e.exposed && e.port !== undefined)
      .map((e) => {
        const target = obj(ports[e.name])?.targetPort;
        const tline = lineOf(['ports', e.name, 'targetPort']);
        return {
          port: e.port as number,
          targetPort: target !== undefined && target !== null && target !== '' ? String(target) : e.name,
          ref: tline ? { file, line: tline, snippet: `targetPort: ${String(target)}` } : e.ref,
        };
      }),
    controller: 'traefik',
  };
}

/**
 * An IngressRoute (traefik.io / traefik.containo.us): each route's Host() rule and Services. The
 * entrypoints' static options live elsewhere: `websecure`/`web` get the ports of Traefik's conventions
 * (443 with `tls:`, else 80), and peer trust is Traefik's default (none) unless the static config says.
 */
function ingressRouteSite(
  file: string,
  doc: YDoc,
  v: Record<string, unknown>,
  middlewares: Map<string, Array<{ name: string; namespace?: string }>>,
): ProxySite | undefined {
  const name = String(get(v, ['metadata', 'name']) ?? '');
  const spec = obj(v.spec) ?? {};
  const tls = spec.tls !== undefined && spec.tls !== null;
  const ref: Ref = { file, line: at(doc, ['kind'])?.keyLine || 1, snippet: `IngressRoute ${name}` };
  const eps = Array.isArray(spec.entryPoints) ? spec.entryPoints.map(String) : [];
  const routesIn = Array.isArray(spec.routes) ? spec.routes : [];
  const names: string[] = [];
  const routes: ProxySite['routes'] = [];
  routesIn.forEach((r, i) => {
    const match = String(get(r, ['match']) ?? '');
    for (const h of match.matchAll(/Host\(([^)]*)\)/g))
      for (const n of (h[1] as string).split(',')) names.push(n.trim().replace(/^[`"']|[`"']$/g, ''));
    const rref: Ref = { file, line: at(doc, ['spec', 'routes', i, 'match'])?.keyLine ?? ref.line, snippet: match };
    const services = Array.isArray(get(r, ['services'])) ? (get(r, ['services']) as unknown[]) : [];
    const upstreams = services.flatMap((svc, j) => {
      const o = obj(svc);
      if (!o || (o.kind && o.kind !== 'Service')) return [];
      const port = Number(o.port);
      const sref: Ref = { file, line: at(doc, ['spec', 'routes', i, 'services', j, 'name'])?.keyLine ?? rref.line };
      return [
        {
          text: `${o.name}:${o.port ?? ''}`,
          address: Number.isFinite(port) ? ({ kind: 'tcp', host: String(o.name), port } as const) : null,
          ref: sref,
        },
      ];
    });
    if (upstreams.length === 0) return;
    const mws = Array.isArray(get(r, ['middlewares'])) ? (get(r, ['middlewares']) as unknown[]) : [];
    middlewares.set(
      `traefik:${file}:${rref.line}`,
      mws.flatMap((m) => {
        const o = obj(m);
        return o?.name ? [{ name: String(o.name), ...(o.namespace ? { namespace: String(o.namespace) } : {}) }] : [];
      }),
    );
    routes.push({
      id: `traefik:${file}:${rref.line}`,
      match,
      samplePath: /PathPrefix\(`([^`]*)`\)/.exec(match)?.[1] ?? '/',
      ...literalHost(/Host\(\s*[`"']([^`"']*)[`"']/.exec(match)?.[1]),
      ref: rref,
      protocol: /^https$/i.test(String(get(services[0], ['scheme']) ?? '')) ? 'https' : 'http',
      upstreams,
      headers: TRAEFIK_DEFAULT_HEADERS({ ...rref, origin: 'default' }),
    });
  });
  if (routes.length === 0) return undefined;
  const port = tls || eps.includes('websecure') ? 443 : 80;
  return {
    id: `traefik:${file}:${name}`,
    label: `traefik IngressRoute ${name} (${baseName(file)}:${ref.line})`,
    ref,
    names: [...new Set(names.filter(Boolean))],
    listeners: [{ port, tls: tls || port === 443, proxyProtocol: false, defaultServer: false, ref }],
    routes,
    siteHeaders: [],
    passesIncoming: true,
    stripsUntrusted: [...TRAEFIK_OVERWRITTEN_HEADERS],
    trust: { mode: 'none', list: [], ref: { ...ref, origin: 'default' } },
    mode: 'http',
    notes: [`entrypoints ${eps.join(', ') || '(all)'}: their static options (forwardedHeaders) are not in this file`],
  };
}

/**
 * 1.x's release code names, one per minor version (traefik/traefik's `CODENAME` in .travis.yml at v1.0.0 to v1.7.0:
 * reblochon 1.0, camembert 1.1, morbier 1.2, raclette 1.3, roquefort 1.4, cancoillotte 1.5, tetedemoine 1.6,
 * maroilles 1.7). The official image tags each 1.x release with its code name too (docker-library/official-images
 * `library/traefik`: `v1.7.34, 1.7.34, v1.7, 1.7, maroilles`, `maroilles-alpine`, `maroilles-windowsservercore-1809`).
 * 2.x and 3.x have code names of their own (montdor, cantal, ..., banon): not these.
 */
const V1_CODENAMES = 'reblochon|camembert|morbier|raclette|roquefort|cancoillotte|tetedemoine|maroilles';
const TRAEFIK_V1_IMAGE = new RegExp(`(^|/)traefik:(?:v?1(?:\\.|$|-)|(?:${V1_CODENAMES})(?:$|-))`, 'i');

/**
 * Flags whose root only 1.x has: its providers (`--docker`, `--kubernetes`, `--file`, `--consul`...), `--web`,
 * `--logLevel`, `--defaultEntryPoints`, `--acme`. 2.x/3.x's static configuration has other roots (`global`,
 * `entryPoints`, `providers`, `api`, `log`, ...: pkg/config/static `Configuration`) and stops at an unknown flag,
 * so a container started with one of these runs 1.x whatever its tag (`image: traefik`, the 1.x era's latest).
 */
const V1_ONLY_FLAG =
  /^--?(?:docker|kubernetes|web|loglevel|file|consul|consulcatalog|etcd|zookeeper|boltdb|marathon|mesos|rancher|ecs|eureka|servicefabric|defaultentrypoints|traefiklog|acme)(?:[.=]|$)/i;

/** `traefik:1.7`, `traefik:v1.7.34-alpine`, `traefik:maroilles`, `traefik:cancoillotte-alpine`. */
export function isTraefikV1Image(image: unknown): boolean {
  return typeof image === 'string' && TRAEFIK_V1_IMAGE.test(image);
}

function isTraefikImage(image: unknown): boolean {
  return typeof image === 'string' && /(^|\/)traefik(:|@|$)/i.test(image);
}

/** `a/./b/../c` -> `a/c`, for paths joined from a compose file's folder. */
function joinPath(dir: string, rel: string): string {
  const out: string[] = [];
  for (const part of `${dir}${rel}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/**
 * The COPY/ADD lines (not `--from` a stage) of the Dockerfile a compose service builds, each with whether its stage
 * is `FROM` a traefik image, and whether the final stage is (`runsTraefik`). Undefined for a service with no `build`.
 */
function builtImageCopies(
  ctx: CollectContext,
  dir: string,
  svc: Record<string, unknown>,
):
  | {
      dockerfile: string;
      /** The build context as a display-path prefix (`proxy/`, or `` for the tree's root). */
      context: string;
      runsTraefik: boolean;
      copies: Array<{ srcs: string[]; dest: string; line: number; traefikStage: boolean }>;
      /** The final stage's `FROM` image as written. */
      image?: string;
    }
  | undefined {
  const build = typeof svc.build === 'string' ? { context: svc.build } : obj(svc.build);
  if (!build) return undefined;
  const ctxDir = joinPath(dir, `${String(build.context ?? '.')}/`);
  const context = ctxDir ? `${ctxDir}/` : '';
  const dockerfile = joinPath(context, String(build.dockerfile ?? 'Dockerfile'));
  const f = ctx.files.find((x) => x.display === dockerfile);
  const text = f ? (ctx.readText?.(f) ?? ctx.read(f).toString('utf8')) : '';
  let stage = isTraefikImage(svc.image);
  let lastFrom: string | undefined;
  const copies: Array<{ srcs: string[]; dest: string; line: number; traefikStage: boolean }> = [];
  for (const [i, l] of text.split(/\r?\n/).entries()) {
    const from = /^\s*FROM\s+(?:--\S+\s+)*(\S+)/i.exec(l);
    if (from) {
      lastFrom = from[1];
      stage = isTraefikImage(from[1]);
    }
    const cp = /^\s*(?:COPY|ADD)\s+(?!--from)(?:--\S+\s+)*(.+)$/i.exec(l);
    if (!cp) continue;
    const words = (cp[1] as string).trim().split(/\s+/);
    copies.push({ srcs: words.slice(0, -1), dest: words[words.length - 1] ?? '', line: i + 1, traefikStage: stage });
  }
  return { dockerfile, context, runsTraefik: stage, copies, image: lastFrom };
}

/**
 * The image a compose service runs: its `image:`, or when it is built (`build: ./bin/traefik`) and its Dockerfile's
 * final stage is `FROM traefik:v2.0.0`, that base image (a wrapper Dockerfile runs Traefik with the base's version
 * and defaults; its `command:` flags are Traefik's). `image:` beside `build:` only names the built result.
 */
function composeServiceImage(ctx: CollectContext, composeFile: string, svc: Record<string, unknown>): unknown {
  if (isTraefikImage(svc.image)) return svc.image;
  const dir = composeFile.includes('/') ? composeFile.replace(/[^/]*$/, '') : '';
  const built = builtImageCopies(ctx, dir, svc);
  return built?.runsTraefik ? built.image : svc.image;
}

/**
 * The tree's files a compose service running Traefik loads: the sources of its bind-mounted volumes (`./traefik.toml:
 * /etc/traefik/traefik.toml`, `$PWD/...`, the long form's `source:`) and what the Dockerfile it is built from copies
 * (`COPY ./traefik.prod.toml /etc/traefik/traefik.toml`, when its `FROM` is a traefik image). Display paths.
 */
function traefikServiceLoads(ctx: CollectContext, composeFile: string, svc: Record<string, unknown>): string[] {
  const dir = composeFile.includes('/') ? composeFile.replace(/[^/]*$/, '') : '';
  const local = (src: string): string | undefined => {
    const m = /^(?:\$\{?PWD\}?\/|\.\/|\.\.\/)/.exec(src);
    if (!m) return undefined;
    return joinPath(dir, src.startsWith('..') ? src : src.slice(m[0].length));
  };
  const out: string[] = [];
  const built = builtImageCopies(ctx, dir, svc);
  const runsTraefik = built ? built.runsTraefik : isTraefikImage(svc.image);
  if (built && runsTraefik) for (const c of built.copies) for (const x of c.srcs) out.push(joinPath(built.context, x));
  if (!runsTraefik) return [];
  for (const vol of Array.isArray(svc.volumes) ? svc.volumes : []) {
    const src = typeof vol === 'string' ? vol.split(':')[0] : String(obj(vol)?.source ?? '');
    const p = src ? local(src) : undefined;
    if (p) out.push(p);
  }
  return out;
}

/** Where Traefik 2.x/3.x looks for its static configuration file (pkg/cli/loader_file.go; the image's cwd is `/`). */
const STATIC_FILE_TARGET = /^(?:\/etc\/traefik\/|\/|\/root\/\.config\/)traefik\.(?:toml|ya?ml)$/;

/**
 * The static configuration file a 2.x/3.x Traefik container finds (display path of the tree's file when known, and
 * the line that puts it there): a `--configFile` flag's path, else a bind mount or a COPY of its image onto a path
 * Traefik looks in (`/etc/traefik/traefik.yml`, `./traefik.yml` in the image's `/`, `$HOME/.config/traefik.yml`), or a
 * folder of the tree holding such a file mounted on `/etc/traefik`. Undefined when nothing shows one.
 */
function foundStaticFile(
  ctx: CollectContext,
  doc: YDoc,
  composeFile: string,
  path: Array<string | number>,
  svc: Record<string, unknown>,
  flags: Array<{ text: string; line: number }>,
): { target: string; where: string } | undefined {
  const cf = flags.findIndex((f) => /^--?configfile(?:=|$)/i.test(f.text.trim()));
  if (cf >= 0) {
    const f = flags[cf] as { text: string; line: number };
    const value = /=/.test(f.text) ? f.text.replace(/^[^=]*=/, '') : (flags[cf + 1]?.text ?? '');
    if (value) return { target: value.trim(), where: `${composeFile}:${f.line}` };
  }
  const dir = composeFile.includes('/') ? composeFile.replace(/[^/]*$/, '') : '';
  const volumes = Array.isArray(svc.volumes) ? svc.volumes : [];
  for (const [i, vol] of volumes.entries()) {
    const parts = typeof vol === 'string' ? vol.split(':') : [String(obj(vol)?.source ?? ''), String(obj(vol)?.target ?? '')];
    const source = parts[0] ?? '';
    const target = (parts[1] ?? '').replace(/\/+$/, '');
    const line = at(doc, [...path, 'volumes', i])?.line ?? 0;
    if (STATIC_FILE_TARGET.test(target)) return { target, where: `${composeFile}:${line}` };
    if (target === '/etc/traefik' && /^(?:\.\/|\.\.\/|\$\{?PWD\}?\/)/.test(source)) {
      const folder = joinPath(dir, source.replace(/^(?:\.\/|\$\{?PWD\}?\/)/, ''));
      const inside = ctx.files.find((x) => new RegExp(`^${escapeRe(folder)}/traefik\\.(?:toml|ya?ml)$`).test(x.display));
      if (inside) return { target: `/etc/traefik/${baseName(inside.display)}`, where: `${composeFile}:${line}` };
    }
  }
  // The image it is built from copies one there (`FROM traefik:v3` ... `COPY traefik.yml /etc/traefik/`).
  const built = builtImageCopies(ctx, dir, svc);
  for (const c of built?.copies ?? []) {
    if (!c.traefikStage) continue;
    const target = /\/$/.test(c.dest)
      ? c.srcs.map((x) => `${c.dest}${baseName(x)}`).find((t) => STATIC_FILE_TARGET.test(t))
      : c.dest;
    if (target && STATIC_FILE_TARGET.test(target)) return { target, where: `${built?.dockerfile}:${c.line}` };
  }
  return undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What one collector run gathered: static configurations (their sites) and dynamic ones, joined at the end. */
interface RunState {
  statics: Array<StaticSites & { read: TraefikRead }>;
  dyns: TraefikDynamic[];
  /**
   * Compose services with their labels (by `labelledKey`: file and name), for `exposedByDefault=false`: those
   * without `traefik.enable=true`.
   */
  labelled: Array<{ container: string; enabled?: boolean }>;
  /** IngressRoutes waiting for the Middleware CRDs their routes name (any file of the tree may hold them). */
  ingressRoutes: Array<{
    file: string;
    site: ProxySite;
    middlewares: Map<string, Array<{ name: string; namespace?: string }>>;
    /** The entrypoints the IngressRoute names (`spec.entryPoints`). */
    entryPoints: string[];
  }>;
  middlewareCrds: NonNullable<KubeFacts['traefikMiddlewares']>;
  /** Compose file -> the files its Traefik services load (volume sources, files their Dockerfile copies). */
  loads: Map<string, Set<string>>;
}

function hasDynamic(d: TraefikDynamic | undefined): d is TraefikDynamic {
  return Boolean(d && (d.routers.length || d.services.length || d.middlewares.length || d.tcpRouters?.length));
}

function record(ctx: CollectContext, file: string, r: TraefikRead, st?: RunState): void {
  if (st && hasDynamic(r.dynamic)) st.dyns.push(r.dynamic);
  if (r.service) {
    ctx.facts.kube ??= { ingressNginx: [], services: [] };
    ctx.facts.kube.services.push(r.service);
  }
  if (r.extra.entryPoints.length === 0 && !r.extra.apiInsecure && r.allowRanges.length === 0) return;
  if (st && r.extra.entryPoints.length)
    st.statics.push({
      file,
      read: r,
      sites: new Map(r.sites.map((s) => [s.id.slice(`traefik:${file}:`.length).toLowerCase(), s])),
      defaults: r.defaults,
      exposedByDefault: r.exposedByDefault,
    });
  addProxyFacts(ctx, {
    kind: 'traefik',
    file,
    sites: r.sites,
    assumedVersion: r.v1 ? '1.x' : '2.x/3.x',
    traefik: { ...r.extra, allowRanges: r.allowRanges } as TraefikExtra,
  });
}

function withSyntax(r: TraefikRead, syntax: TraefikEntryPoint['syntax']): TraefikRead {
  for (const ep of r.extra.entryPoints) ep.syntax ??= syntax;
  return r;
}

function fromToml(file: string, text: string, base: number): TraefikRead | undefined {
  let v: unknown;
  try {
    v = parseToml(text);
  } catch {
    return undefined;
  }
  const lines = tomlLines(text, base);
  const flat = flatFromObject(v, (p) => {
    for (let n = p.length; n > 0; n--) {
      const l = lines.get(p.slice(0, n).join('.').toLowerCase());
      if (l) return l;
    }
    return base;
  });
  const r = withSyntax(traefikOf(file, flat), 'toml');
  r.dynamic = dynamicFromFlat(file, r.v1 ? v1ToV2(flat).flat : flat);
  return r;
}

/**
 * The static configuration of a flat map, 1.x or 2.x by its keys (v1.ts). A 1.x entrypoint without `forwardedHeaders`
 * keeps X-Forwarded-* from any peer (1.4-1.7's `SetEffectiveConfiguration`): recorded as `insecure` at the
 * entrypoint's own line, with `origin: 'default'`, so the checks say it is the default and not a written option.
 */
export function traefikOf(file: string, flat: Flat, v1Anyway = false): TraefikRead {
  if (!v1Anyway && !isTraefikV1(flat)) return traefikFromFlat(file, flat);
  const v1 = v1ToV2(flat);
  const r = traefikFromFlat(file, v1.flat);
  for (const ep of r.extra.entryPoints)
    ep.forwardedHeaders ??= {
      insecure: true,
      trustedIPs: [],
      ref: {
        ...ep.ref,
        origin: 'default',
        snippet: `entryPoints.${ep.name} (no forwardedHeaders: Traefik 1.x trusts every peer)`,
      },
    };
  r.sites = sitesOf(file, r.extra.entryPoints);
  for (const ep of r.extra.entryPoints) {
    const site = r.sites.find((s) => s.id === `traefik:${file}:${ep.name}`);
    // 1.x's header rewriter tests `trustedIPs` against every X-Forwarded-For entry too (whitelist.NewIP(..., true)):
    // a client that names a listed address there is trusted, so a list keeps a forged X-Forwarded-Proto as well.
    if (site && site.trust.mode === 'list') {
      site.notes.push(
        `Traefik 1.x: trustedIPs ${site.trust.list.join(', ')} also match a client-sent X-Forwarded-For entry, so any client can be trusted`,
      );
      site.trust = { ...site.trust, mode: 'all' };
    }
    const to = v1.flat.get(`entrypoints.${ep.name.toLowerCase()}.http.redirections.entrypoint.to`);
    const scheme = v1.flat.get(`entrypoints.${ep.name.toLowerCase()}.http.redirections.entrypoint.scheme`);
    if (site && to && scheme?.value === 'https') {
      site.redirectsToHttps = { file, line: to.line, snippet: `redirect.entryPoint=${String(to.value)}` };
      site.redirectDecidedBy = 'forwarded-proto';
    }
  }
  r.defaults = v1.defaults;
  r.v1 = true;
  return r;
}

function fromYamlDoc(file: string, doc: YDoc, prefix: Array<string | number>, offset = 0): TraefikRead {
  const flat = flatFromObject(get(doc.value, prefix), (p) => {
    for (let n = p.length; n >= 0; n--) {
      const a = at(doc, [...prefix, ...p.slice(0, n)]);
      if (a) return a.keyLine + offset;
    }
    return 0;
  });
  const r = withSyntax(traefikOf(file, flat), 'yaml');
  r.dynamic = dynamicFromFlat(file, r.v1 ? v1ToV2(flat).flat : flat);
  return r;
}

function linesOfSeq(doc: YDoc, path: Array<string | number>, n: number): number[] {
  return Array.from({ length: n }, (_, i) => at(doc, [...path, i])?.line ?? 0);
}

/**
 * Ports the base images Traefik routes to most often expose (their `EXPOSE`, inherited by an image built FROM them):
 * docker-library/python and nodejs/docker-node (and the OS images under them) expose none; nginx's official image
 * `EXPOSE 80`; docker-library/php `EXPOSE 80` in its `-apache` variants and `EXPOSE 9000` in its `-fpm` ones, none in
 * the CLI ones. Undefined: not known here.
 */
function baseImageExposes(image: string): number[] | undefined {
  const m = /^(?:(?:docker\.io|index\.docker\.io)\/)?(?:library\/)?([a-z0-9._-]+)(?::([^@\s]+))?(?:@\S+)?$/i.exec(image.trim());
  if (!m) return undefined;
  const [name, tag = 'latest'] = [(m[1] as string).toLowerCase(), (m[2] ?? 'latest').toLowerCase()];
  if (/^(python|node|debian|ubuntu|alpine)$/.test(name)) return [];
  if (name === 'nginx') return [80];
  if (name === 'php')
    return /apache/.test(tag) ? [80] : /fpm/.test(tag) ? [9000] : /cli|zts|^\d+(\.\d+)*$/.test(tag) ? [] : undefined;
  return undefined;
}

/**
 * The ports a compose service's container exposes, as Docker lists them in `NetworkSettings.Ports`, where Traefik's
 * docker provider takes the lowest when no `loadbalancer.server.port` label names one (traefik/traefik
 * `pkg/provider/docker/shared.go` `getPort`, the same in v1.7): compose `expose:`, the container side of `ports:`, and
 * the image's `EXPOSE` (the Dockerfile of the tree it is built from, through its stages, and its base image when
 * `baseImageExposes` knows it). `complete`: the image's own part is known too (else an unknown base may add a lower
 * port, which the route then misses).
 */
function exposedPorts(
  ctx: CollectContext,
  file: string,
  name: string,
  raw: Record<string, unknown>,
): { ports: number[]; complete: boolean; tiedImage?: boolean } {
  const ports = containerPorts(raw);
  const svc = ctx.facts.compose?.files.find((f) => f.file === file)?.services.find((s) => s.name === name);
  let base = svc?.build ? undefined : svc?.image;
  if (svc?.build) {
    const built = builtDockerfile(ctx.facts, svc);
    if (!built) return { ports, complete: false };
    const df = parseDockerfile(built.lines.join('\n'), {
      ...(svc.build.target ? { target: svc.build.target } : {}),
      buildArgs: composeBuildArgs(get(raw, ['build', 'args'])),
    });
    ports.push(...df.expose.map((e) => e.port));
    base = df.from;
  }
  const fromBase = base ? baseImageExposes(base) : undefined;
  if (fromBase) ports.push(...fromBase);
  return {
    ports: [...new Set(ports)].sort((a, b) => a - b),
    complete: fromBase !== undefined,
    // A registry image tied to the tree's Dockerfile (svc.imageBuild: a build command, or assumed): what the registry
    // holds may expose more than that file says.
    ...(svc?.imageBuild ? { tiedImage: true } : {}),
  };
}

/** Container ports a compose service exposes (`expose:`, the container side of `ports:`). */
function containerPorts(s: Record<string, unknown>): number[] {
  const out: number[] = [];
  for (const x of Array.isArray(s.expose) ? s.expose : []) {
    const n = Number.parseInt(String(x), 10);
    if (Number.isInteger(n)) out.push(n);
  }
  for (const x of Array.isArray(s.ports) ? s.ports : []) {
    const o = obj(x);
    const n = o ? Number(o.target) : Number.parseInt(String(x).split('/')[0]?.split(':').pop() ?? '', 10);
    if (Number.isInteger(n) && n > 0) out.push(n);
  }
  return out;
}

/** Compose interpolation of a compose file's text, with the variables it could not resolve. */
interface ComposeEnv {
  fill: (t: string) => string;
  unresolved: Set<string>;
}

/**
 * The project `.env` beside a compose file (what compose reads for `${VAR}` in it): a variable it sets is filled, a
 * `${VAR:-default}` takes its default, any other stays `${VAR}` (the shell may set it: unknown, not invented).
 */
function composeEnv(ctx: CollectContext, f: DiscoveredFile): ComposeEnv {
  const envAbs = join(dirname(f.abs), '.env');
  const envFile = ctx.files.find((x) => x.abs === envAbs);
  const values = envFile ? parseEnvFile(readText(ctx, envFile) ?? '') : {};
  const unresolved = new Set<string>();
  return {
    unresolved,
    fill: (t) => {
      if (!t.includes('$')) return t;
      const r = interpolate(t, (n) => values[n]?.value, true);
      for (const n of r.unresolved) unresolved.add(n);
      return r.value;
    },
  };
}

/**
 * A compose service's `build.args` (`- PORT=8000` or `PORT: 8000`): literal values; one from an interpolation or
 * the shell (`- PORT`, `PORT: ${PORT}`) is not known here.
 */
function composeBuildArgs(args: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const put = (k: string, v: unknown) => {
    out[k] = (typeof v === 'string' || typeof v === 'number') && !String(v).includes('$') ? String(v) : undefined;
  };
  if (Array.isArray(args))
    for (const a of args) {
      const t = String(a);
      const eq = t.indexOf('=');
      put(eq > 0 ? t.slice(0, eq) : t, eq > 0 ? t.slice(eq + 1) : undefined);
    }
  else for (const [k, v] of Object.entries(obj(args) ?? {})) put(k, v);
  return out;
}

/**
 * `traefik.*` labels of a compose service (list `k=v` or map form), with their lines: the container's `labels`
 * (docker provider) and the service's `deploy.labels` (a Swarm stack: Traefik's swarm provider, or v2's
 * `providers.docker.swarmMode`, reads only these; a stack file usually has one set, so both are read).
 */
function traefikLabels(
  doc: YDoc,
  path: Array<string | number>,
  s: Record<string, unknown>,
  env: ComposeEnv,
): Array<{ key: string; value: string; line: number }> {
  const out: Array<{ key: string; value: string; line: number }> = [];
  // Compose interpolates a label's whole text (key and value) before the container gets it, so Traefik sees the
  // substituted key (`traefik.http.routers.${STACK_NAME?…}-web.rule` → `…routers.app-web.rule`).
  const fill = (t: string) => env.fill(t);
  const read = (labels: unknown, at0: Array<string | number>) => {
    if (Array.isArray(labels))
      labels.forEach((l, i) => {
        const m = /^\s*(traefik\.[^=\s]+)\s*=(.*)$/i.exec(fill(String(l)));
        if (m) out.push({ key: m[1] as string, value: (m[2] as string).trim(), line: at(doc, [...at0, i])?.line ?? 0 });
      });
    else if (obj(labels))
      for (const [k0, v] of Object.entries(obj(labels) ?? {})) {
        const k = fill(k0);
        if (/^traefik\./i.test(k)) out.push({ key: k, value: fill(String(v ?? '')), line: at(doc, [...at0, k0])?.keyLine ?? 0 });
      }
  };
  read(s.labels, [...path, 'labels']);
  read(get(s, ['deploy', 'labels']), [...path, 'deploy', 'labels']);
  return out;
}

function readYamlFile(ctx: CollectContext, f: DiscoveredFile, src: string, st: RunState): void {
  const docs = yamlDocs(src, (p) => ctx.skip(f, p.message, p.line));
  if (!docs) return;
  const file = f.display;
  // A template's rendered name (`traefik.yml.j2`, Ansible's `traefik.yml.tpl`) is the file Traefik reads.
  const name = configName(file);
  const env = composeEnv(ctx, f);
  for (const doc of docs) {
    const v = obj(doc.value);
    if (!v) continue;
    // A static config file of its own (traefik.yml).
    if (/^traefik.*\.ya?ml$/i.test(name) && (v.entryPoints || v.entrypoints || v.api || v.providers)) {
      record(ctx, file, fromYamlDoc(file, doc, []), st);
      continue;
    }
    // A file provider's dynamic configuration (routers, services, middlewares under `http:`).
    if (
      !v.kind &&
      ((obj(v.http) && ['routers', 'services', 'middlewares'].some((k) => obj(get(v, ['http', k])))) ||
        (obj(v.tcp) && obj(get(v, ['tcp', 'routers']))))
    ) {
      const r = fromYamlDoc(file, doc, []);
      if (hasDynamic(r.dynamic)) st.dyns.push(r.dynamic);
      continue;
    }
    // Traefik's Kubernetes CRD router: entrypoints, Host() rules, Services; its middlewares are joined at the end.
    if (v.kind === 'IngressRoute' && /traefik/.test(String(v.apiVersion ?? ''))) {
      const middlewares = new Map<string, Array<{ name: string; namespace?: string }>>();
      const site = ingressRouteSite(file, doc, v, middlewares);
      const eps = get(v, ['spec', 'entryPoints']);
      if (site) st.ingressRoutes.push({ file, site, middlewares, entryPoints: Array.isArray(eps) ? eps.map(String) : [] });
      continue;
    }
    if (v.kind === 'Middleware' && /traefik/.test(String(v.apiVersion ?? ''))) {
      st.middlewareCrds.push(middlewareCrd(file, doc, v));
      continue;
    }
    // k3s/RKE2 HelmChartConfig / HelmChart of the bundled Traefik: chart values in spec.valuesContent.
    if (
      (v.kind === 'HelmChartConfig' || v.kind === 'HelmChart') &&
      /traefik/i.test(String(get(v, ['metadata', 'name']) ?? '') + String(get(v, ['spec', 'chart']) ?? '')) &&
      typeof get(v, ['spec', 'valuesContent']) === 'string'
    ) {
      const keyLine = at(doc, ['spec', 'valuesContent'])?.keyLine ?? 0;
      const inner = yamlDocs(String(get(v, ['spec', 'valuesContent'])));
      const iv = obj(inner?.[0]?.value);
      if (inner?.[0] && iv)
        record(
          ctx,
          file,
          traefikFromHelmValues(file, iv, (p) => {
            const a = at(inner[0] as YDoc, p);
            return a ? a.keyLine + keyLine : 0;
          }),
          st,
        );
      continue;
    }
    // Helm values of a chart that has Traefik as its `traefik:` dependency.
    if (!v.kind && obj(v.traefik) && obj(get(v, ['traefik', 'ports']))) {
      record(
        ctx,
        file,
        traefikFromHelmValues(file, obj(v.traefik) as Record<string, unknown>, (p) => at(doc, ['traefik', ...p])?.keyLine ?? 0),
        st,
      );
      continue;
    }
    // ConfigMap with traefik.toml / traefik.yaml embedded.
    if (v.kind === 'ConfigMap' && obj(v.data)) {
      for (const [k, text] of Object.entries(obj(v.data) ?? {})) {
        if (typeof text !== 'string' || !/^traefik.*\.(toml|ya?ml)$/i.test(k)) continue;
        const keyLine = at(doc, ['data', k])?.keyLine ?? 0;
        if (/\.toml$/i.test(k)) {
          const r = fromToml(file, text, keyLine + 1);
          if (r) record(ctx, file, r, st);
        } else {
          const inner = yamlDocs(text);
          if (inner?.[0]) record(ctx, file, fromYamlDoc(file, inner[0], [], keyLine), st);
        }
      }
    }
    // compose services / k8s containers running a traefik image: flags and env.
    const containers: Array<{ c: Record<string, unknown>; path: Array<string | number> }> = [];
    for (const [sname, s] of Object.entries(obj(v.services) ?? {})) {
      const svc = obj(s);
      if (!svc) continue;
      const image = composeServiceImage(ctx, file, svc);
      containers.push({ c: image === svc.image ? svc : { ...svc, image }, path: ['services', sname] });
      const loads = traefikServiceLoads(ctx, file, svc);
      if (loads.length > 0) {
        const set = st.loads.get(file) ?? new Set<string>();
        for (const x of loads) set.add(x);
        st.loads.set(file, set);
      }
      // The docker provider: routers, services and middlewares in the labels of any other container.
      const written = isTraefikImage(image) ? [] : traefikLabels(doc, ['services', sname], svc, env);
      if (written.length === 0) continue;
      // 1.x labels (`traefik.frontend.rule`, `traefik.port`) as the 2.x router and service they declare, unless the
      // container also has 2.x router labels (a stack labelled for both: each Traefik reads only its own).
      const v2 = written.some((l) => /^traefik\.(?:http|tcp)\./i.test(l.key));
      const labels = hasV1Labels(written) && !v2 ? [...written, ...v1Labels(sname, written)] : written;
      const enable = labels.find((l) => l.key.toLowerCase() === 'traefik.enable');
      st.labelled.push({ container: labelledKey(file, sname), enabled: enable ? truthy(enable.value) : undefined });
      const d = dynamicFromLabels(file, sname, labels, exposedPorts(ctx, file, sname, svc));
      if (hasDynamic(d)) st.dyns.push(d);
    }
    if (env.unresolved.size > 0) {
      ctx.facts.diagnostics.push({
        level: 'note',
        file,
        message: `Traefik labels use ${[...env.unresolved].map((n) => `\${${n}}`).join(', ')}, which no .env beside the compose file sets: kept as written (its value comes from the shell that runs compose)`,
      });
      env.unresolved.clear();
    }
    const podSpec = obj(get(v, ['spec', 'template', 'spec'])) ?? obj(v.spec);
    const podContainers: unknown[] = Array.isArray(podSpec?.containers) ? (podSpec.containers as unknown[]) : [];
    for (const [i, c] of podContainers.entries())
      if (obj(c))
        containers.push({
          c: obj(c) as Record<string, unknown>,
          path: [...(obj(get(v, ['spec', 'template', 'spec'])) ? ['spec', 'template', 'spec'] : ['spec']), 'containers', i],
        });
    for (const { c, path } of containers) {
      if (!isTraefikImage(c.image)) continue;
      const flags: Array<{ text: string; line: number }> = [];
      for (const key of ['command', 'args']) {
        const list = c[key];
        if (Array.isArray(list)) {
          const lines = linesOfSeq(doc, [...path, key], list.length);
          for (const [i, x] of list.entries()) flags.push({ text: String(x), line: lines[i] ?? 0 });
        } else if (typeof list === 'string') {
          const line = at(doc, [...path, key])?.line ?? 0;
          for (const w of list.split(/\s+/)) flags.push({ text: w, line });
        }
      }
      const env: Array<{ name: string; value: string; line: number }> = [];
      const e = c.environment ?? c.env;
      if (Array.isArray(e))
        e.forEach((x, i) => {
          const line = at(doc, [...path, c.environment ? 'environment' : 'env', i])?.line ?? 0;
          if (typeof x === 'string') {
            const m = /^([^=]+)=(.*)$/.exec(x);
            if (m) env.push({ name: m[1] as string, value: m[2] as string, line });
          } else if (obj(x))
            env.push({
              name: String((x as Record<string, unknown>).name),
              value: String((x as Record<string, unknown>).value ?? ''),
              line,
            });
        });
      else if (obj(e))
        for (const [k, val] of Object.entries(obj(e) ?? {}))
          env.push({ name: k, value: String(val), line: at(doc, [...path, 'environment', k])?.keyLine ?? 0 });
      // 1.x's `--entryPoints=Name:http Address::80` form, a flag only 1.x has (any image: 2.x refuses to start with
      // it), or a 1.x image reads through v1FromFlags.
      const v1Only = flags.some((f) => V1_ONLY_FLAG.test(f.text.trim()));
      const v1Flags = isTraefikV1Image(c.image) || v1Only || flags.some((f) => /^--?entrypoints=\S*name:/i.test(f.text.trim()));
      // 2.x/3.x take their static configuration from ONE source, the first found: a file, else the flags, else the
      // TRAEFIK_* variables (cmd/traefik: FileLoader, FlagLoader, EnvLoader; paerser stops at the first that loads).
      // 1.x merged them, flags over the file.
      const realFlags = flags.filter((f) => /^-/.test(f.text.trim()));
      if (!v1Flags && path[0] === 'services') {
        const found = foundStaticFile(ctx, doc, file, path, c, flags);
        const dead = realFlags.filter((f) => !/^--?configfile(?:=|$)/i.test(f.text.trim()));
        const envDead = env.filter((e) => /^TRAEFIK_/i.test(e.name));
        if (found) {
          if (dead.length > 0 || envDead.length > 0)
            ctx.facts.diagnostics.push({
              level: 'warning',
              file,
              line: (dead[0] ?? envDead[0])?.line,
              message: `Traefik 2.x/3.x reads its static configuration from one source only: the file at ${found.target} (${found.where}) wins, so this service's ${dead.length > 0 ? `${dead.length} command flag(s)` : ''}${dead.length > 0 && envDead.length > 0 ? ' and ' : ''}${envDead.length > 0 ? 'TRAEFIK_* variables' : ''} are ignored (not read)`,
            });
          continue;
        }
      }
      const flat = v1Flags ? v1FromFlags(flags) : flatFromFlags(flags);
      // 2.x/3.x: the TRAEFIK_* variables only when no flag is given (1.x: below the flags).
      if (v1Flags || realFlags.length === 0) for (const [k, val] of flatFromEnv(env)) if (!flat.has(k)) flat.set(k, val);
      // A 1.x container started with flags and no configuration file (`--api --docker`): 1.x's own `http` :80
      // entrypoint. Not when a file may add entrypoints: `--configFile`, a mounted or copied file, k8s volumeMounts.
      const ownFile =
        flags.some((f) => /^(?:--?configfile|-c)(?:=|$)/i.test(f.text.trim())) ||
        traefikServiceLoads(ctx, file, c).length > 0 ||
        (Array.isArray(c.volumeMounts) && c.volumeMounts.length > 0);
      const defaulted =
        (isTraefikV1Image(c.image) || v1Only) &&
        flags.length > 0 &&
        !ownFile &&
        withV1DefaultEntryPoint(
          flat,
          at(doc, [...path, 'image'])?.line ?? at(doc, [...path, 'build'])?.line ?? flags[0]?.line ?? 0,
        );
      const read = withSyntax(traefikOf(file, flat, v1Flags), 'flags');
      if (defaulted)
        // The entrypoint is the image's default: its evidence is the image line as written.
        for (const ep of read.extra.entryPoints) ep.ref = { ...ep.ref, snippet: `image: ${String(c.image)}` };
      record(ctx, file, read, st);
    }
  }
}

export const traefikCollector: Collector = {
  name: 'traefik',
  collect(ctx) {
    const st: RunState = { statics: [], dyns: [], labelled: [], ingressRoutes: [], middlewareCrds: [], loads: new Map() };
    for (const f of ctx.files) {
      if (!mayBeTraefikFile(f)) continue;
      const name = configName(f.display);
      if (/^traefik.*\.toml$/i.test(name)) {
        if (ctx.claimed.has(f.abs)) continue;
        const src = readText(ctx, f);
        if (src === undefined) continue;
        const r = fromToml(f.display, src, 1);
        if (!r) {
          ctx.facts.diagnostics.push({ level: 'warning', file: f.display, message: 'Traefik TOML does not parse: not read' });
          continue;
        }
        ctx.claimed.add(f.abs);
        record(ctx, f.display, r, st);
        continue;
      }
      if (/\.toml$/i.test(name)) {
        // A file provider's dynamic TOML (`[http.routers.x]`; 1.x: `[frontends.x]`/`[backends.x]`), whatever its name.
        const src = readText(ctx, f);
        if (
          src === undefined ||
          !/^\s*\[+\s*(?:http\.(routers|services|middlewares)|tcp\.routers|frontends|backends)\b/m.test(src)
        )
          continue;
        const d = fromToml(f.display, src, 1)?.dynamic;
        if (hasDynamic(d)) st.dyns.push(d);
        continue;
      }
      if (!/\.ya?ml$/i.test(name)) continue;
      const src = readText(ctx, f);
      // A static config named traefik.yml need not say "traefik" inside (Traefik's own examples do not).
      if (src === undefined || !(/^traefik/i.test(name) || /traefik/i.test(src) || /^(?:http|tcp):\s*$/m.test(src))) continue;
      readYamlFile(ctx, f, src, st);
    }
    joinRoutes(ctx, st);
    joinIngressRoutes(ctx, st);
  },
};

/** A Traefik `Middleware` CRD: `headers.customRequestHeaders` (with their lines) and `redirectScheme`. */
function middlewareCrd(
  file: string,
  doc: YDoc,
  v: Record<string, unknown>,
): NonNullable<KubeFacts['traefikMiddlewares']>[number] {
  const name = String(get(v, ['metadata', 'name']) ?? '');
  const namespace = get(v, ['metadata', 'namespace']);
  const ref: Ref = { file, line: at(doc, ['kind'])?.keyLine || 1, snippet: `Middleware ${name}` };
  const headers = Object.entries(obj(get(v, ['spec', 'headers', 'customRequestHeaders'])) ?? {}).map(([h, val]) => {
    const line = at(doc, ['spec', 'headers', 'customRequestHeaders', h])?.keyLine ?? ref.line;
    return { name: h, value: String(val ?? ''), ref: { file, line, snippet: `${h}: ${String(val ?? '')}` } };
  });
  const redirect = obj(get(v, ['spec', 'redirectScheme']));
  const redirectScheme =
    redirect && /^https$/i.test(String(redirect.scheme ?? ''))
      ? { file, line: at(doc, ['spec', 'redirectScheme'])?.keyLine ?? ref.line, snippet: 'redirectScheme: https' }
      : undefined;
  return {
    name,
    ...(typeof namespace === 'string' ? { namespace } : {}),
    ref,
    headers,
    ...(redirectScheme ? { redirectScheme } : {}),
  };
}

export { findMiddlewareCrd } from './dynamic.js';

/**
 * IngressRoutes with the headers of the Middleware CRDs their routes name (applied after Traefik's own
 * X-Forwarded-*, as for any headers middleware; a redirectScheme on a plain route makes it a redirect). The CRDs go
 * into the Kubernetes facts too, for Ingresses that name them by annotation (chain/topology/kube.ts).
 */
function joinIngressRoutes(ctx: CollectContext, st: RunState): void {
  if (st.middlewareCrds.length) {
    ctx.facts.kube ??= { ingressNginx: [], services: [] };
    ctx.facts.kube.traefikMiddlewares = [...(ctx.facts.kube.traefikMiddlewares ?? []), ...st.middlewareCrds];
  }
  const custom: TraefikExtra['customRequestHeaders'] = [];
  for (const ir of st.ingressRoutes) {
    entryPointTrust(ir.site, ir.entryPoints, st);
    const tls = ir.site.listeners.some((l) => l.tls);
    for (const route of ir.site.routes)
      for (const ref of ir.middlewares.get(route.id) ?? []) {
        const m = findMiddlewareCrd(st.middlewareCrds, ref);
        if (!m) {
          ir.site.notes.push(`middleware ${ref.name} of ${route.match}: no Middleware of that name in these files`);
          continue;
        }
        if (m.redirectScheme && !tls && !ir.site.redirectsToHttps) {
          ir.site.redirectsToHttps = m.redirectScheme;
          ir.site.redirectDecidedBy = 'forwarded-proto';
        }
        for (const h of m.headers) {
          route.headers.push({ name: h.name, value: h.value === '' ? null : h.value, ref: h.ref, from: 'route' });
          custom.push(h);
        }
      }
    addProxyFacts(ctx, {
      kind: 'traefik',
      file: ir.file,
      sites: [ir.site],
      assumedVersion: '2.x/3.x',
      traefik: { entryPoints: [], customRequestHeaders: custom.splice(0) },
    });
  }
}

/**
 * An IngressRoute's peer trust from the static configuration of the entrypoint it names (a Deployment's
 * `--entryPoints.web.forwardedHeaders.trustedIPs`, the Helm chart's `ports.web.forwardedHeaders`, a traefik.yml in a
 * ConfigMap), when the tree holds it: Traefik keeps the incoming X-Forwarded-* only from those addresses (or from
 * anyone with `insecure`). The first static configuration that defines the entrypoint decides; with several
 * entrypoints named, only when they all say the same. Without one, the IngressRoute keeps Traefik's default (none).
 */
function entryPointTrust(site: ProxySite, names: string[], st: RunState): void {
  if (names.length === 0) return;
  const found = names.map((n) =>
    st.statics.flatMap((s) => s.read.extra.entryPoints).find((e) => e.name.toLowerCase() === n.toLowerCase()),
  );
  if (found.some((e) => !e)) return;
  const trusts = found.map((e) => {
    const fh = e?.forwardedHeaders;
    if (fh?.insecure) return { mode: 'all' as const, list: [], ref: fh.insecureRef ?? fh.ref };
    if (fh?.trustedIPs.length) return { mode: 'list' as const, list: fh.trustedIPs, ref: fh.ref };
    return undefined;
  });
  const first = trusts[0];
  if (!first || trusts.some((t) => t?.mode !== first.mode || t.list.join(',') !== first.list.join(','))) return;
  site.trust = first;
  site.notes = site.notes.filter((n) => !n.startsWith('entrypoints '));
  site.notes.push(
    `entrypoint ${names.join(', ')}: forwardedHeaders ${first.mode === 'all' ? 'insecure (keeps X-Forwarded-* from anyone)' : `trustedIPs ${first.list.join(', ')}`} (${first.ref.file}:${first.ref.line})`,
  );
}

/**
 * Routers of every file onto the entrypoint sites of the static configuration (the chain then follows Traefik to
 * the app). `exposedByDefault=false` leaves out labelled containers without `traefik.enable=true`.
 */
function joinRoutes(ctx: CollectContext, st: RunState): void {
  if (st.dyns.length === 0) return;
  const hidden = st.statics.length > 0 && st.statics.every((s) => !s.exposedByDefault);
  const disabled = new Set(
    st.labelled.filter((l) => l.enabled === false || (hidden && l.enabled !== true)).map((l) => l.container),
  );
  // A mounted folder (`./traefik:/etc/traefik`) loads the files under it.
  for (const s of st.statics)
    s.loadedBy = [...st.loads]
      .filter(([, paths]) => [...paths].some((p) => s.file === p || s.file.startsWith(`${p}/`)))
      .map(([compose]) => compose);
  const { made, notes } = attachRoutes(st.statics, st.dyns, disabled);
  for (const m of made)
    addProxyFacts(ctx, {
      kind: 'traefik',
      file: m.file,
      sites: [m.site],
      assumedVersion: '2.x/3.x',
      traefik: { entryPoints: [], customRequestHeaders: [] },
    });
  const first = st.statics[0]?.read.sites[0] ?? made[0]?.site;
  if (first) first.notes.push(...notes);
  // No entrypoint of the tree to hang them on (labels only, the routers refused): still said, as notes of the run.
  else
    for (const n of notes)
      ctx.facts.diagnostics.push({ level: 'note', file: st.dyns[0]?.file ?? '(traefik)', message: `Traefik: ${n}` });
}
