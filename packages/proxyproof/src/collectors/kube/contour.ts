/**
 * Contour `HTTPProxy` (projectcontour.io/v1) -> neutral proxy facts (model/proxy.ts), read by the kube collector.
 * Contour programs Envoy; what Envoy does with a request, per Contour's and Envoy's docs:
 * - a root HTTPProxy (`spec.virtualhost.fqdn`) with `virtualhost.tls.secretName` ends TLS at Envoy (Service port 443);
 *   Envoy also serves the name on the insecure listener (port 80), where every route answers with a 301 to https
 *   (Contour's HTTPS upgrade, an Envoy redirect route on that listener: decided by the connection) unless the route
 *   says `permitInsecure: true` (ignored when the Contour config says `disablePermitInsecure: true`);
 *   `tls.passthrough: true` hands the TLS stream to the Service (no HTTP hop here);
 * - Envoy (Contour's `use_remote_address: true`, `xff_num_trusted_hops` from the config's `network.num-trusted-hops`,
 *   default 0) writes X-Forwarded-Proto from its own connection and ignores the client's; with a non-zero
 *   num-trusted-hops it keeps the X-Forwarded-Proto it receives, from whoever sent it (Envoy trusts a hop count, not
 *   an address). It appends the peer to X-Forwarded-For and passes the other client headers on;
 * - `requestHeadersPolicy` `set`/`remove` on a route, or on one of its services, run after Envoy's own headers.
 * `includes` of child HTTPProxies (same namespace unless named) add the child's routes under the include's prefix.
 */
import type { HeaderRule, ProxyRoute, Ref } from '../../chain/model.js';
import type { ProxyConfigFacts, ProxySite } from '../../model/proxy.js';
import { at, get, obj, type YDoc, yamlDocs } from '../proxy/yaml.js';

/** One HTTPProxy document as read, joined into sites once every file is read (roots include children by name). */
export interface ContourProxyDoc {
  file: string;
  doc: YDoc;
  value: Record<string, unknown>;
  name: string;
  namespace?: string;
}

/** Contour's own configuration (the `contour` ConfigMap's `contour.yaml`, or a ContourConfiguration). */
export interface ContourSettings {
  numTrustedHops?: { value: number; ref: Ref };
  disablePermitInsecure?: { value: boolean; ref: Ref };
}

export function isHttpProxy(v: Record<string, unknown>): boolean {
  return v.kind === 'HTTPProxy' && /projectcontour\.io/.test(String(v.apiVersion ?? ''));
}

/**
 * Contour's settings from a ConfigMap whose `contour.yaml` holds its config file (`network: num-trusted-hops`,
 * `disablePermitInsecure`), or a ContourConfiguration / ContourDeployment (`spec.envoy.network.numTrustedHops`,
 * `spec.httpproxy.disablePermitInsecure`). Lines are the file's own (the embedded file's lines shifted).
 */
export function contourSettingsOf(doc: YDoc, file: string, v: Record<string, unknown>, into: ContourSettings): boolean {
  if (v.kind === 'ContourConfiguration' || v.kind === 'ContourDeployment') {
    const base = v.kind === 'ContourDeployment' ? ['spec', 'config'] : ['spec'];
    const hops = get(v, [...base, 'envoy', 'network', 'numTrustedHops']);
    const line = at(doc, [...base, 'envoy', 'network', 'numTrustedHops'])?.keyLine ?? 0;
    if (hops !== undefined)
      into.numTrustedHops = { value: Number(hops), ref: { file, line, snippet: `numTrustedHops: ${String(hops)}` } };
    const dpi = get(v, [...base, 'httpproxy', 'disablePermitInsecure']);
    if (dpi !== undefined)
      into.disablePermitInsecure = {
        value: String(dpi) === 'true',
        ref: { file, line: at(doc, [...base, 'httpproxy', 'disablePermitInsecure'])?.keyLine ?? 0 },
      };
    return true;
  }
  if (v.kind !== 'ConfigMap') return false;
  const text = get(v, ['data', 'contour.yaml']);
  if (typeof text !== 'string') return false;
  const keyLine = at(doc, ['data', 'contour.yaml'])?.keyLine ?? 0;
  const inner = yamlDocs(text)?.[0];
  const iv = inner ? obj(inner.value) : undefined;
  if (!inner || !iv) return true;
  // A block scalar starts on the line after its key.
  const lineOf = (path: string[]) => {
    const l = at(inner, path)?.keyLine;
    return l ? keyLine + l : keyLine;
  };
  const hops = get(iv, ['network', 'num-trusted-hops']);
  if (hops !== undefined)
    into.numTrustedHops = {
      value: Number(hops),
      ref: { file, line: lineOf(['network', 'num-trusted-hops']), snippet: `num-trusted-hops: ${String(hops)}` },
    };
  const dpi = iv.disablePermitInsecure;
  if (dpi !== undefined)
    into.disablePermitInsecure = {
      value: String(dpi) === 'true',
      ref: { file, line: lineOf(['disablePermitInsecure']), snippet: `disablePermitInsecure: ${String(dpi)}` },
    };
  return true;
}

interface HeadersPolicy {
  set: Array<{ name: string; value: string; ref: Ref }>;
  remove: Array<{ name: string; ref: Ref }>;
}

function headersPolicy(p: ContourProxyDoc, path: Array<string | number>): HeadersPolicy {
  const out: HeadersPolicy = { set: [], remove: [] };
  const set = get(p.value, [...path, 'requestHeadersPolicy', 'set']);
  if (Array.isArray(set))
    set.forEach((s, i) => {
      const o = obj(s);
      if (!o || typeof o.name !== 'string') return;
      const line = at(p.doc, [...path, 'requestHeadersPolicy', 'set', i, 'name'])?.keyLine ?? 0;
      out.set.push({
        name: o.name,
        value: String(o.value ?? ''),
        ref: { file: p.file, line, snippet: `set ${o.name}: ${String(o.value ?? '')}` },
      });
    });
  const remove = get(p.value, [...path, 'requestHeadersPolicy', 'remove']);
  if (Array.isArray(remove))
    remove.forEach((n, i) => {
      const line = at(p.doc, [...path, 'requestHeadersPolicy', 'remove', i])?.line ?? 0;
      out.remove.push({ name: String(n), ref: { file: p.file, line, snippet: `remove ${String(n)}` } });
    });
  return out;
}

/** Envoy's %...% command operators are per request; the model does not evaluate them. */
function envoyValue(v: string): string {
  return v.replace(/%([A-Z_]+(?:\([^)]*\))?)%/g, (_m, op: string) => `{?%${op}%}`);
}

/** A route's prefix: the `prefix` condition, under the prefix of the include that brought it in. */
function prefixOf(conditions: unknown, under: string): string {
  const list = Array.isArray(conditions) ? conditions : [];
  const own = list.map((c) => obj(c)?.prefix).find((x): x is string => typeof x === 'string') ?? '';
  const joined = `${under.replace(/\/$/, '')}${own.startsWith('/') || own === '' ? own : `/${own}`}`;
  return joined || '/';
}

function routesOf(
  p: ContourProxyDoc,
  all: ContourProxyDoc[],
  under: string,
  depth: number,
  envoyRules: (ref: Ref) => HeaderRule[],
): Array<{ route: ProxyRoute; insecure: boolean }> {
  const out: Array<{ route: ProxyRoute; insecure: boolean }> = [];
  const routes = get(p.value, ['spec', 'routes']);
  if (Array.isArray(routes))
    routes.forEach((r, i) => {
      const o = obj(r);
      const services = Array.isArray(o?.services) ? (o?.services as unknown[]) : [];
      if (!o || services.length === 0) return;
      const path = prefixOf(o.conditions, under);
      const rref: Ref = {
        file: p.file,
        line: at(p.doc, ['spec', 'routes', i])?.line ?? at(p.doc, ['spec', 'routes'])?.keyLine ?? 0,
        snippet: `route ${path}`,
      };
      const upstreams = services.flatMap((s, j) => {
        const so = obj(s);
        if (!so || typeof so.name !== 'string') return [];
        const port = Number(so.port);
        const sref: Ref = { file: p.file, line: at(p.doc, ['spec', 'routes', i, 'services', j, 'name'])?.keyLine ?? rref.line };
        return [
          {
            text: `Service ${so.name}:${String(so.port ?? '')}`,
            address: Number.isInteger(port) && port > 0 ? ({ kind: 'tcp', host: so.name, port } as const) : null,
            ref: sref,
          },
        ];
      });
      if (upstreams.length === 0) return;
      const headers = envoyRules({ ...rref, origin: 'default' });
      // The route's policy, then the first service's (Envoy applies the route's, then the cluster's).
      for (const pol of [headersPolicy(p, ['spec', 'routes', i]), headersPolicy(p, ['spec', 'routes', i, 'services', 0])]) {
        for (const s of pol.set) headers.push({ name: s.name, value: envoyValue(s.value), ref: s.ref, from: 'route' });
        for (const x of pol.remove) headers.push({ name: x.name, value: null, ref: x.ref, from: 'route' });
      }
      const protocol = String(obj(services[0])?.protocol ?? '');
      out.push({
        route: {
          id: `contour:${p.file}:${rref.line}`,
          match: `prefix ${path}`,
          samplePath: /^\/[\w./-]*$/.test(path) ? path : '/',
          ref: rref,
          protocol: protocol === 'tls' ? 'https' : protocol === 'h2' ? 'https' : 'http',
          upstreams,
          headers,
        },
        insecure: o.permitInsecure === true || String(o.permitInsecure) === 'true',
      });
    });
  const includes = get(p.value, ['spec', 'includes']);
  if (Array.isArray(includes) && depth < 8)
    for (const inc of includes) {
      const io = obj(inc);
      if (!io || typeof io.name !== 'string') continue;
      const ns = typeof io.namespace === 'string' ? io.namespace : p.namespace;
      const child = all.find((c) => c.name === io.name && (ns === undefined || c.namespace === undefined || c.namespace === ns));
      if (!child || child === p) continue;
      out.push(...routesOf(child, all, prefixOf(io.conditions, under), depth + 1, envoyRules));
    }
  return out;
}

/** The root HTTPProxies (those with `spec.virtualhost.fqdn`) as one proxy config of sites, one per root. */
export function contourProxyConfigs(docs: ContourProxyDoc[], settings: ContourSettings): ProxyConfigFacts[] {
  const out: ProxyConfigFacts[] = [];
  const trustHops = (settings.numTrustedHops?.value ?? 0) > 0;
  const scheme = trustHops ? '{trusted:x-forwarded-proto|scheme}' : '{scheme}';
  const envoyRules = (ref: Ref): HeaderRule[] => [
    { name: 'X-Forwarded-Proto', value: scheme, ref: settings.numTrustedHops?.ref ?? ref, from: 'default' },
    { name: 'X-Forwarded-For', value: '{xff_append}', ref, from: 'default' },
  ];
  for (const p of docs) {
    const fqdn = get(p.value, ['spec', 'virtualhost', 'fqdn']);
    if (typeof fqdn !== 'string') continue;
    const tlsPath = ['spec', 'virtualhost', 'tls'];
    const tlsObj = obj(get(p.value, tlsPath));
    if (tlsObj && String(tlsObj.passthrough) === 'true') continue;
    const ref: Ref = { file: p.file, line: at(p.doc, ['kind'])?.keyLine || 1, snippet: `HTTPProxy ${p.name}` };
    const tls = Boolean(tlsObj && (tlsObj.secretName !== undefined || tlsObj.clientValidation !== undefined));
    const tlsRef: Ref = { file: p.file, line: at(p.doc, tlsPath)?.keyLine ?? ref.line, snippet: 'virtualhost.tls' };
    const found = routesOf(p, docs, '', 0, envoyRules);
    if (found.length === 0) continue;
    const disable = settings.disablePermitInsecure?.value === true;
    const redirect: Ref = {
      ...tlsRef,
      origin: 'default',
      snippet: 'virtualhost.tls: Contour answers plain HTTP with a 301 to https (no permitInsecure on the route)',
    };
    const routes = found.map(({ route, insecure }) =>
      tls && (!insecure || disable) ? { ...route, redirectsToHttps: redirect, redirectDecidedBy: 'connection' as const } : route,
    );
    const trustRef = settings.numTrustedHops?.ref ?? { ...ref, origin: 'default' as const };
    const site: ProxySite = {
      id: `contour:${p.file}:${p.name}`,
      label: `Contour HTTPProxy ${p.name} (${p.file.split('/').pop()}:${ref.line})`,
      ref,
      names: [fqdn],
      listeners: [
        ...(tls ? [{ port: 443, tls: true, proxyProtocol: false, defaultServer: false, ref: tlsRef }] : []),
        { port: 80, tls: false, proxyProtocol: false, defaultServer: false, ref },
      ],
      routes: routes.map((r) => (tls && routes.every((x) => x.redirectsToHttps) ? { ...r, redirectsToHttps: undefined } : r)),
      siteHeaders: [],
      passesIncoming: true,
      trust: trustHops ? { mode: 'all', list: [], ref: trustRef } : { mode: 'none', list: [], ref: trustRef },
      // Every route redirects: the site's plain side does (the one shape of nginx/Caddy/ingress-nginx).
      ...(tls && routes.every((x) => x.redirectsToHttps)
        ? { redirectsToHttps: redirect, redirectDecidedBy: 'connection' as const }
        : {}),
      runsOn: 'Contour (Envoy)',
      mode: 'http',
      notes: [
        tls
          ? `TLS ends at Envoy (${tlsRef.file}:${tlsRef.line}); plain HTTP to the Services`
          : 'no virtualhost.tls: Envoy serves this name over plain HTTP',
        trustHops
          ? `Envoy keeps the X-Forwarded-Proto it receives (num-trusted-hops ${settings.numTrustedHops?.value}, ${trustRef.file}:${trustRef.line})`
          : 'Envoy writes X-Forwarded-Proto from its own connection (num-trusted-hops 0, the default)',
      ],
    };
    out.push({ kind: 'other', file: p.file, sites: [site] });
  }
  return out;
}
