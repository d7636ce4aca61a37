/** fastify/trust-proxy-all: see docs/checks/fastify/trust-proxy-all.md and ./trust-pair.ts for the shared reasoning. */
import { allCheck } from './trust-pair.js';

export const fastifyTrustProxyAll = allCheck('fastify');
