/**
 * gunicorn/forwarded-allow-all: forwarded_allow_ips = '*' (flag, config file or FORWARDED_ALLOW_IPS)
 * while the bind is reachable by more than the proxy: anyone can set X-Forwarded-Proto: https.
 */
import type { CheckMeta } from '../../model/check.js';
import type { FrameworkKind } from '../../model/facts.js';
import { forwardedAllowAll, REFS } from './common.js';
import { trustsAll } from './context.js';

const meta: CheckMeta = {
  id: 'gunicorn/forwarded-allow-all',
  severity: 'high',
  title: "gunicorn trusts X-Forwarded-* from every address ('*') on a reachable port",
  summary: "forwarded_allow_ips = '*' while gunicorn's bind is reachable beyond the proxy: scheme headers are spoofable.",
  references: [REFS.gunicornForwarded, REFS.gunicornSchemeHeaders, REFS.gunicornDeploy],
};

/**
 * What reads the scheme gunicorn sets (wsgi.url_scheme / the ASGI scope's scheme), named for the frameworks found;
 * with none found Django stays the example, as in the app-side settings (app-trust-advice.ts).
 */
const READS: Partial<Record<FrameworkKind, string>> = {
  django: "Django's request.is_secure()",
  flask: "Flask's request.is_secure and url_for(_external=True)",
  fastapi: "FastAPI's request.url.scheme and url_for()",
  starlette: "Starlette's request.url.scheme and url_for()",
};

function believers(kinds: ReadonlySet<FrameworkKind>): string {
  if (kinds.size === 0) return READS.django as string;
  const named = [...kinds].flatMap((k) => (READS[k] ? [READS[k] as string] : []));
  return named.length > 0 && named.length === kinds.size ? named.join(', ') : "the app's own https checks";
}

export const gunicornForwardedAllowAll = forwardedAllowAll(
  meta,
  'gunicorn',
  trustsAll,
  () => ({
    description:
      "Trust only the proxy's address (forwarded_allow_ips), or bind gunicorn to a unix socket / 127.0.0.1 that only the proxy reaches.",
    lines: ['--forwarded-allow-ips=<proxy address or network>'],
  }),
  (kinds) =>
    `A client that connects to gunicorn directly can send X-Forwarded-Proto: https (or X-Forwarded-Ssl: on) and ${believers(kinds)}, secure cookies and redirects will believe it; with a uvicorn worker the client IP is forgeable too.`,
  {
    trust:
      "Trust only the proxy's network in forwarded_allow_ips (a network range from gunicorn 24.1.0; before, the proxy container's own address)",
    lines: ['--forwarded-allow-ips=<proxy network or address>'],
  },
);
