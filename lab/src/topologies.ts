// Common topologies for scenario.ts files.
import type { NetworkSpec, ProcessSpec } from './types.js';

/** client (this machine, Chromium) -> proxy host -> app host [<- outside host]. */
export function proxyAndAppHosts(opts: { outside?: boolean } = {}): NetworkSpec {
  return {
    hosts: ['proxy', 'app', ...(opts.outside ? ['outside'] : [])],
    links: [
      { a: 'client', b: 'proxy', net: '192.0.2.0/24', aVar: 'CLIENT_ADDR', bVar: 'PROXY_ADDR' },
      { a: 'proxy', b: 'app', net: '198.51.100.0/24', aVar: 'PROXY_INNER_ADDR', bVar: 'APP_ADDR' },
      ...(opts.outside
        ? [{ a: 'outside', b: 'app', net: '203.0.113.0/24', aVar: 'OUTSIDE_ADDR', bVar: 'APP_OUTSIDE_ADDR' } as const]
        : []),
    ],
  };
}

/** client (this machine) -> one server host running both the proxy and the app (on its loopback). */
export function singleServerHost(): NetworkSpec {
  return {
    hosts: ['server'],
    links: [{ a: 'client', b: 'server', net: '192.0.2.0/24', aVar: 'CLIENT_ADDR', bVar: 'PROXY_ADDR' }],
  };
}

export function appProcess(kind: string, file: string, host?: string): ProcessSpec {
  return { name: 'app', kind, file, ...(host ? { host } : {}), listen: { addressVar: 'APP_ADDR', portVar: 'APP_PORT' } };
}

export function nginxProcess(host?: string, file = 'nginx/nginx.conf'): ProcessSpec {
  return {
    name: 'proxy',
    kind: 'nginx',
    file,
    ...(host ? { host } : {}),
    listen: { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' },
  };
}

export const ENTRY = { addressVar: 'PROXY_ADDR', portVar: 'PROXY_PORT' } as const;
export const BACKEND = { addressVar: 'APP_ADDR', portVar: 'APP_PORT' } as const;
