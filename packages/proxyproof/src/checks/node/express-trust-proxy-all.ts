/** express/trust-proxy-all: see docs/checks/express/trust-proxy-all.md and ./trust-pair.ts for the shared reasoning. */
import { allCheck } from './trust-pair.js';

export const expressTrustProxyAll = allCheck('express');
