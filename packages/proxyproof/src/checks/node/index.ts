import type { Check } from '../../model/check.js';
import { expressTrustProxyAll } from './express-trust-proxy-all.js';
import { expressTrustProxyUnset } from './express-trust-proxy-unset.js';
import { fastifyTrustProxyAll } from './fastify-trust-proxy-all.js';
import { fastifyTrustProxyUnset } from './fastify-trust-proxy-unset.js';
import { koaProxyAll } from './koa-proxy-all.js';
import { koaProxyUnset } from './koa-proxy-unset.js';
import { sveltekitProtocolHeaderUnset } from './sveltekit-protocol-header-unset.js';

export const NODE_CHECKS: Check[] = [
  expressTrustProxyUnset,
  expressTrustProxyAll,
  fastifyTrustProxyUnset,
  fastifyTrustProxyAll,
  koaProxyUnset,
  koaProxyAll,
  sveltekitProtocolHeaderUnset,
];
