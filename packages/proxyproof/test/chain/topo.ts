/** Hand-built topologies for the chain unit tests (no parser involved). */
import type { AppServer, Entry, Framework, HeaderRule, Link, ProxyHop, ProxyRoute, Topology } from '../../src/chain/model.js';

export const ref = (file: string, line: number) => ({ file, line });

export function rule(name: string, value: string | null, line = 20, from: HeaderRule['from'] = 'route'): HeaderRule {
  return { name, value, ref: ref('site.conf', line), from };
}

export function route(headers: HeaderRule[], extra: Partial<ProxyRoute> = {}): ProxyRoute {
  return {
    id: 'loc1',
    match: 'location /',
    samplePath: '/',
    ref: ref('site.conf', 18),
    protocol: 'http',
    upstreams: [
      { text: 'http://127.0.0.1:8000', address: { kind: 'tcp', host: '127.0.0.1', port: 8000 }, ref: ref('site.conf', 19) },
    ],
    headers: [{ name: 'Host', value: '{proxy_host}', ref: ref('site.conf', 0), from: 'default' }, ...headers],
    ...extra,
  };
}

export function nginx(
  routes: ProxyRoute[],
  opts: { tls?: boolean; port?: number; name?: string; extra?: Partial<ProxyHop> } = {},
): ProxyHop {
  const tls = opts.tls ?? true;
  const port = opts.port ?? (tls ? 443 : 80);
  return {
    type: 'proxy',
    id: 'nginx1',
    kind: 'nginx',
    label: `nginx :${port} (site.conf:10)`,
    ref: ref('site.conf', 10),
    placement: { kind: 'host' },
    names: [opts.name ?? 'example.com'],
    listeners: [{ port, tls, proxyProtocol: false, defaultServer: false, ref: ref('site.conf', 11) }],
    routes,
    passesIncoming: true,
    notes: [],
    ...opts.extra,
  };
}

export function gunicorn(extra: Partial<AppServer> = {}): AppServer {
  return {
    type: 'app',
    id: 'app1',
    kind: 'gunicorn',
    label: 'gunicorn 127.0.0.1:8000',
    ref: ref('gunicorn.service', 9),
    placement: { kind: 'host' },
    binds: [{ address: { kind: 'tcp', host: '127.0.0.1', port: 8000 }, exposure: 'loopback', ref: ref('gunicorn.service', 9) }],
    proxyHeaders: { value: true, origin: 'default' },
    trusted: { value: ['127.0.0.1'], origin: 'default' },
    schemeHeaders: {
      value: { 'x-forwarded-protocol': 'ssl', 'x-forwarded-proto': 'https', 'x-forwarded-ssl': 'on' },
      origin: 'default',
    },
    notes: [],
    ...extra,
  };
}

export function django(extra: Partial<Framework> = {}): Framework {
  return {
    kind: 'django',
    label: 'Django',
    ref: ref('settings.py', 1),
    schemeHeader: { value: null, origin: 'default' },
    version: '3.2',
    ...extra,
  };
}

export function topo(hops: ProxyHop[], apps: AppServer[], links: Link[], entries?: Entry[]): Topology {
  const es =
    entries ??
    hops.slice(0, 1).flatMap((h) =>
      h.listeners.map((l, i) => ({
        id: `${h.id}:${i}`,
        url: `${l.tls ? 'https' : 'http'}://${h.names[0]}${(l.tls && l.port === 443) || (!l.tls && l.port === 80) ? '' : `:${l.port}`}/`,
        hopId: h.id,
        listener: i,
        name: h.names[0] as string,
        port: l.port,
        tls: l.tls,
      })),
    );
  return { entries: es, proxies: hops, apps, links, unmodelled: [], orphanFrameworks: [], notes: [] };
}

export function link(peer: Link['peer'], extra: Partial<Link> = {}): Link {
  return {
    fromHop: 'nginx1',
    routeId: 'loc1',
    upstream: 0,
    target: { kind: 'app', appId: 'app1', bind: 0 },
    peer,
    how: 'test',
    ...extra,
  };
}
