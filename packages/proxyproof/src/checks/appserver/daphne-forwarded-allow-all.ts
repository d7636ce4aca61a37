/**
 * daphne/forwarded-allow-all: --proxy-headers makes daphne believe X-Forwarded-For/-Port/-Proto
 * from EVERY peer (it has no allow-list), so the bind must be reachable by the proxy only.
 */
import type { CheckMeta } from '../../model/check.js';
import { forwardedAllowAll, REFS } from './common.js';

const meta: CheckMeta = {
  id: 'daphne/forwarded-allow-all',
  severity: 'high',
  title: 'daphne --proxy-headers on a port others can reach',
  summary: 'daphne trusts X-Forwarded-* from every peer when --proxy-headers is on; its bind is reachable beyond the proxy.',
  references: [REFS.daphneReadme],
};

export const daphneForwardedAllowAll = forwardedAllowAll(
  meta,
  'daphne',
  (s) => s.proxyHeaders.value,
  () => ({
    description:
      'Bind daphne to 127.0.0.1 or a unix socket (-u) that only the proxy reaches; daphne cannot restrict which peers it believes.',
    lines: ['daphne -u /run/daphne/daphne.sock --proxy-headers ...'],
  }),
  'daphne has no trusted-proxy list: with --proxy-headers any client that connects directly can set X-Forwarded-Proto: https and X-Forwarded-For to any address.',
  { trust: 'daphne has no trust list (with --proxy-headers it believes every peer), so what reaches it must be only the proxy' },
);
