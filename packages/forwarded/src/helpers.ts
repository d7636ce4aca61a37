// Django's is_secure(), build_absolute_uri() and SECURE_SSL_REDIRECT, on top of a Resolved.

import { fromNodeRequest } from './input.js';
import { createPolicy, type Policy, type PolicyOptions } from './policy.js';
import { type Resolved, resolve } from './resolve.js';

/**
 * Something that carries a resolution: a Resolved itself, an Express/Fastify request (`req.forwarded`), a Koa
 * context (`ctx.state.forwarded`) or a Hono context (`c.var.forwarded`).
 */
export type ResolvedCarrier = Resolved | object;

function isResolved(x: unknown): x is Resolved {
  return (
    typeof x === 'object' && x !== null && typeof (x as Resolved).scheme === 'string' && Array.isArray((x as Resolved).addresses)
  );
}

/** Finds the Resolved on a carrier. Throws TypeError if the middleware did not run (a programming error). */
export function resolvedOf(target: ResolvedCarrier): Resolved {
  if (isResolved(target)) return target;
  const t = target as { forwarded?: unknown; state?: { forwarded?: unknown }; var?: { forwarded?: unknown } };
  if (isResolved(t.forwarded)) return t.forwarded;
  if (isResolved(t.state?.forwarded)) return t.state.forwarded;
  if (isResolved(t.var?.forwarded)) return t.var.forwarded;
  throw new TypeError('no forwarded resolution on this object: add the @proxyproof/forwarded middleware before this handler');
}

/** True if the client reached the site over HTTPS (or WSS), as resolved. */
export function isSecure(target: ResolvedCarrier): boolean {
  const s = resolvedOf(target).scheme;
  return s === 'https' || s === 'wss';
}

function defaultPort(scheme: string): number | undefined {
  return scheme === 'https' || scheme === 'wss' ? 443 : scheme === 'http' || scheme === 'ws' ? 80 : undefined;
}

/** `host[:port]` as the client addressed the site, the port omitted when it is the scheme's default. */
export function authorityOf(r: Resolved): string | undefined {
  if (r.host === undefined) return undefined;
  return r.port === undefined || r.port === defaultPort(r.scheme) ? r.host : `${r.host}:${r.port}`;
}

export interface AbsoluteUrlOptions {
  /** Host to use when the request had no valid Host (HTTP/1.0, or a malformed one). Without it the path is returned. */
  fallbackHost?: string;
}

/**
 * The absolute URL of `path` on this site as the client sees it (Django's `build_absolute_uri`): scheme, host and
 * port from the resolution, X-Forwarded-Prefix (if selected and sent by a trusted proxy) before the path.
 * A `path` that is already absolute (`https://...`, `//host/...`) is returned unchanged.
 */
export function absoluteUrl(target: ResolvedCarrier, path = '/', options: AbsoluteUrlOptions = {}): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path) || path.startsWith('//')) return path;
  const r = resolvedOf(target);
  const p = path.startsWith('/') ? path : `/${path}`;
  const prefix = r.prefix !== undefined && r.prefix !== '/' ? r.prefix.replace(/\/$/, '') : '';
  const authority = authorityOf(r) ?? options.fallbackHost;
  if (authority === undefined) return prefix + p;
  return `${r.scheme}://${authority}${prefix}${p}`;
}

/**
 * Where a plain-HTTP request should be redirected (https://host[:port]/path?query), or undefined if the request is
 * already secure or has no usable host. The port is dropped when it is http's default, kept otherwise.
 */
export function httpsLocation(target: ResolvedCarrier, pathAndQuery: string): string | undefined {
  const r = resolvedOf(target);
  if (r.scheme === 'https' || r.scheme === 'wss' || r.host === undefined) return undefined;
  const port = r.port === undefined || r.port === 80 ? '' : `:${r.port}`;
  const path = pathAndQuery.startsWith('/') && !pathAndQuery.startsWith('//') ? pathAndQuery : '/';
  return `https://${r.host}${port}${path}`;
}

interface NodeReqLike {
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  socket?: { remoteAddress?: string | undefined; encrypted?: boolean } | null;
  url?: string | undefined;
  method?: string | undefined;
  forwarded?: Resolved | null;
}
interface NodeResLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/**
 * Express / Connect / node:http middleware that redirects plain-HTTP requests to https:// (SECURE_SSL_REDIRECT):
 * 301 for GET/HEAD, 308 for other methods. Uses `req.forwarded` when the resolver middleware ran; otherwise resolves
 * with the given policy (default: trust nothing — then only the socket's own TLS counts).
 */
export function redirectToHttps(
  options: PolicyOptions & { policy?: Policy } = {},
): (req: NodeReqLike, res: NodeResLike, next: (err?: unknown) => void) => void {
  const { policy: given, ...rest } = options;
  const policy = given ?? createPolicy(rest);
  return (req, res, next) => {
    let r = req.forwarded ?? undefined;
    if (!r) {
      r = resolve(fromNodeRequest(req), policy);
      req.forwarded = r;
    }
    const loc = httpsLocation(r, req.url ?? '/');
    if (loc === undefined) {
      next();
      return;
    }
    res.statusCode = req.method === 'GET' || req.method === 'HEAD' || req.method === undefined ? 301 : 308;
    res.setHeader('Location', loc);
    res.end();
  };
}
