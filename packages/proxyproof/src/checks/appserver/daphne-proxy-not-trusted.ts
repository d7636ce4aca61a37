/**
 * daphne/proxy-not-trusted: daphne runs behind a proxy without --proxy-headers (off by default),
 * so the scheme and client address of every request are the proxy connection's.
 */
import type { CheckMeta } from '../../model/check.js';
import { proxyNotTrusted, REFS } from './common.js';

const meta: CheckMeta = {
  id: 'daphne/proxy-not-trusted',
  severity: 'medium',
  title: "daphne ignores the proxy's X-Forwarded-* (no --proxy-headers)",
  summary: 'daphne behind a reverse proxy without --proxy-headers: the ASGI scope says http and the proxy address.',
  references: [REFS.daphneReadme, REFS.djangoProxySsl],
};

export const daphneProxyNotTrusted = proxyNotTrusted(
  meta,
  'daphne',
  () => ({
    description:
      'Start daphne with --proxy-headers (and keep it reachable by the proxy only), or set SECURE_PROXY_SSL_HEADER in Django.',
    lines: ['--proxy-headers'],
  }),
  "Without --proxy-headers daphne never reads X-Forwarded-Proto: Django's request.scheme is http behind a TLS-terminating proxy unless SECURE_PROXY_SSL_HEADER is set.",
);
