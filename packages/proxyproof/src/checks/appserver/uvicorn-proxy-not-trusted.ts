/**
 * uvicorn/proxy-not-trusted: --no-proxy-headers, or the proxy connects from another host/container
 * (or over a unix socket) while --forwarded-allow-ips keeps 127.0.0.1.
 */
import type { CheckMeta } from '../../model/check.js';
import { proxyNotTrusted, REFS } from './common.js';

const meta: CheckMeta = {
  id: 'uvicorn/proxy-not-trusted',
  severity: 'medium',
  title: "uvicorn ignores the proxy's X-Forwarded-Proto",
  summary: 'Proxy headers are off, or the proxy is not in --forwarded-allow-ips (127.0.0.1 by default; unix sockets need *).',
  references: [REFS.uvicornProxies, REFS.uvicornSettings],
};

export const uvicornProxyNotTrusted = proxyNotTrusted(
  meta,
  'uvicorn',
  (s) => ({
    description: s.binds.some((b) => b.kind === 'unix')
      ? "On a unix socket uvicorn sees no peer address: pass --forwarded-allow-ips='*' (only the proxy can open the socket)."
      : "Pass --proxy-headers and --forwarded-allow-ips=<the proxy's address or network>.",
    lines: s.binds.some((b) => b.kind === 'unix')
      ? ["--forwarded-allow-ips='*'"]
      : ['--proxy-headers --forwarded-allow-ips=<proxy address>'],
  }),
  "uvicorn rewrites scope['scheme'] and the client address only for peers in --forwarded-allow-ips. From any other peer the app sees http and the proxy's IP: FastAPI/Starlette url_for() builds http:// URLs and HTTPS redirect middleware loops.",
);
