/**
 * uvicorn/forwarded-allow-all: --forwarded-allow-ips='*' with --proxy-headers (the default) on a
 * TCP bind others can reach. Over a unix socket '*' is the documented setting and is not flagged.
 */
import type { CheckMeta } from '../../model/check.js';
import { forwardedAllowAll, REFS } from './common.js';
import { trustsAll } from './context.js';

const meta: CheckMeta = {
  id: 'uvicorn/forwarded-allow-all',
  severity: 'high',
  title: "uvicorn trusts X-Forwarded-* from every address ('*') on a reachable port",
  summary: "--forwarded-allow-ips='*' with proxy headers on while uvicorn's TCP bind is reachable beyond the proxy.",
  references: [REFS.uvicornProxies, REFS.uvicornSettings],
};

export const uvicornForwardedAllowAll = forwardedAllowAll(
  meta,
  'uvicorn',
  (s) => s.proxyHeaders.value && trustsAll(s),
  () => ({
    description:
      "Give --forwarded-allow-ips the proxy's address (or a unix socket with '*'), or keep uvicorn off every interface but the proxy's.",
    lines: ['--forwarded-allow-ips=<proxy address>'],
  }),
  "With '*' uvicorn's ProxyHeadersMiddleware takes X-Forwarded-Proto and the first X-Forwarded-For entry from any client: request.url.scheme, url_for() and request.client.host are whatever a direct client says.",
  {
    trust:
      "Trust only the proxy's network in --forwarded-allow-ips (a network range from uvicorn 0.31.0; before, the proxy container's own address)",
    lines: ['--forwarded-allow-ips=<proxy network or address>'],
  },
);
