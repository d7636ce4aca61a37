/** express/trust-proxy-unset: see docs/checks/express/trust-proxy-unset.md and ./trust-pair.ts for the shared reasoning. */
import { unsetCheck } from './trust-pair.js';

export const expressTrustProxyUnset = unsetCheck('express');
