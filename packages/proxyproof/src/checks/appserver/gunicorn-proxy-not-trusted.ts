/**
 * gunicorn/proxy-not-trusted: the proxy connects from another container or host and
 * forwarded_allow_ips keeps its loopback default, so gunicorn ignores X-Forwarded-Proto.
 */
import type { CheckMeta } from '../../model/check.js';
import { appSchemeSettings } from './app-trust-advice.js';
import { proxyNotTrusted, REFS } from './common.js';

const meta: CheckMeta = {
  id: 'gunicorn/proxy-not-trusted',
  severity: 'medium',
  title: "gunicorn ignores the proxy's X-Forwarded-Proto (forwarded_allow_ips does not include it)",
  summary: 'The proxy is on another host or container but forwarded_allow_ips is 127.0.0.1: wsgi.url_scheme stays http.',
  references: [REFS.gunicornForwarded, REFS.gunicornSchemeHeaders, REFS.djangoProxySsl],
};

export const gunicornProxyNotTrusted = proxyNotTrusted(
  meta,
  'gunicorn',
  (_s, kinds) => {
    const app = appSchemeSettings(kinds);
    return {
      description: `Add the proxy's address or network to forwarded_allow_ips${app.length > 0 ? ` (or let the app read the header itself: ${app.join('; ')}; and make sure only the proxy can reach gunicorn)` : ''}.`,
      lines: ['--forwarded-allow-ips=<proxy address or network>'],
    };
  },
  'gunicorn only applies secure_scheme_headers from forwarded_allow_ips peers (127.0.0.1 by default). When nginx runs in another container the peer is a container address, so every request looks like plain http: url_for/build_absolute_uri produce http:// links, SECURE_SSL_REDIRECT loops, and Secure-only logic misfires.',
);
