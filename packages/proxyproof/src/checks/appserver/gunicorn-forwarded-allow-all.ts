/**
 * gunicorn/forwarded-allow-all: forwarded_allow_ips = '*' (flag, config file or FORWARDED_ALLOW_IPS)
 * while the bind is reachable by more than the proxy: anyone can set X-Forwarded-Proto: https.
 */
import type { CheckMeta } from '../../model/check.js';
import { forwardedAllowAll, REFS } from './common.js';
import { trustsAll } from './context.js';

const meta: CheckMeta = {
  id: 'gunicorn/forwarded-allow-all',
  severity: 'high',
  title: "gunicorn trusts X-Forwarded-* from every address ('*') on a reachable port",
  summary: "forwarded_allow_ips = '*' while gunicorn's bind is reachable beyond the proxy: scheme headers are spoofable.",
  references: [REFS.gunicornForwarded, REFS.gunicornSchemeHeaders, REFS.gunicornDeploy],
};

export const gunicornForwardedAllowAll = forwardedAllowAll(
  meta,
  'gunicorn',
  trustsAll,
  () => ({
    description:
      "Trust only the proxy's address (forwarded_allow_ips), or bind gunicorn to a unix socket / 127.0.0.1 that only the proxy reaches.",
    lines: ['--forwarded-allow-ips=<proxy address or network>'],
  }),
  "A client that connects to gunicorn directly can send X-Forwarded-Proto: https (or X-Forwarded-Ssl: on) and Django's request.is_secure(), secure cookies and redirects will believe it; with a uvicorn worker the client IP is forgeable too.",
  {
    trust:
      "Trust only the proxy's network in forwarded_allow_ips (a network range from gunicorn 24.1.0; before, the proxy container's own address)",
    lines: ['--forwarded-allow-ips=<proxy network or address>'],
  },
);
