/** fastify/trust-proxy-unset: see docs/checks/fastify/trust-proxy-unset.md and ./trust-pair.ts for the shared reasoning. */
import { unsetCheck } from './trust-pair.js';

export const fastifyTrustProxyUnset = unsetCheck('fastify');
