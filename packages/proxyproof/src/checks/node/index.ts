import type { Check } from '../../model/check.js';
import { authjsUntrustedHost } from './authjs-untrusted-host.js';
import { clientIpHeaderTrusted } from './client-ip-header-trusted.js';
import { expressTrustProxyAll } from './express-trust-proxy-all.js';
import { expressTrustProxyUnset } from './express-trust-proxy-unset.js';
import { fastifyTrustProxyAdvisory } from './fastify-trust-proxy-advisory.js';
import { fastifyTrustProxyAll } from './fastify-trust-proxy-all.js';
import { fastifyTrustProxyUnset } from './fastify-trust-proxy-unset.js';
import { koaProxyAll } from './koa-proxy-all.js';
import { koaProxyUnset } from './koa-proxy-unset.js';
import { nextServerActionOrigin } from './next-server-action-origin.js';
import { proxyAddrAdvisory } from './proxy-addr-advisory.js';
import { secureCookieNeverSetCheck } from './secure-cookie-never-set.js';
import { sessionCookieInsecure } from './session-cookie-insecure.js';
import { sveltekitAdapterAutoNodeBuild } from './sveltekit-adapter-auto-node-build.js';
import { sveltekitAddressHeaderWrong } from './sveltekit-address-header-wrong.js';
import { sveltekitOriginHttp } from './sveltekit-origin-http.js';

export const NODE_CHECKS: Check[] = [
  expressTrustProxyUnset,
  expressTrustProxyAll,
  fastifyTrustProxyUnset,
  fastifyTrustProxyAll,
  fastifyTrustProxyAdvisory,
  proxyAddrAdvisory,
  koaProxyUnset,
  koaProxyAll,
  sveltekitOriginHttp,
  sveltekitAdapterAutoNodeBuild,
  sveltekitAddressHeaderWrong,
  secureCookieNeverSetCheck,
  sessionCookieInsecure,
  authjsUntrustedHost,
  nextServerActionOrigin,
  clientIpHeaderTrusted,
];
