// Adapters from runtime request objects to ResolveInput, and framework middleware. The framework types are
// minimal structural interfaces so that the package has no runtime (or type) dependency on any framework.

import { httpsLocation } from './helpers.js';
import { type FetchRequestLike, fromFetchRequest, fromNodeRequest, type NodeRequestLike, type PeerInfo } from './input.js';
import type { Policy, PolicyOptions } from './policy.js';
import { createPolicy } from './policy.js';
import { type Resolved, resolve } from './resolve.js';

export interface MiddlewareOptions extends PolicyOptions {
  /** A compiled policy (takes precedence over the inline policy options). */
  policy?: Policy;
  /**
   * Redirect requests that did not arrive over HTTPS (after resolution) to https://, like Django's
   * SECURE_SSL_REDIRECT: 301 for GET/HEAD, 308 otherwise. Default false.
   */
  redirectToHttps?: boolean;
}

function policyOf(options: MiddlewareOptions): Policy {
  if (options.policy) return options.policy;
  const { policy: _p, redirectToHttps: _r, ...rest } = options;
  return createPolicy(rest);
}

function redirectStatus(method: string | undefined): 301 | 308 {
  return method === 'GET' || method === 'HEAD' || method === undefined ? 301 : 308;
}

// -------------------------------------------------------------------------------------------- Express / Connect

interface ExpressResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** What the Express middleware adds to `req`. */
export interface ForwardedRequestFields {
  /** The resolution of this request. */
  forwarded: Resolved;
}

/**
 * Express / Connect / plain `node:http` middleware: sets `req.forwarded` (a Resolved). Use `absoluteUrl(req, path)`
 * and `isSecure(req)` in handlers. With `redirectToHttps: true`, plain-HTTP requests are redirected.
 * Compiles the policy once, here; throws PolicyError at start-up if it is wrong.
 */
export function expressForwarded(
  options: MiddlewareOptions = {},
): (req: NodeRequestLike, res: ExpressResponseLike, next: (err?: unknown) => void) => void {
  const policy = policyOf(options);
  const redirect = options.redirectToHttps === true;
  return (req, res, next) => {
    const r = resolve(fromNodeRequest(req), policy);
    (req as NodeRequestLike & ForwardedRequestFields).forwarded = r;
    if (redirect) {
      const loc = httpsLocation(r, req.url ?? '/');
      if (loc !== undefined) {
        res.statusCode = redirectStatus(req.method);
        res.setHeader('Location', loc);
        res.end();
        return;
      }
    }
    next();
  };
}

// -------------------------------------------------------------------------------------------- Fastify

interface FastifyRequestLike {
  raw: NodeRequestLike;
  url: string;
  method: string;
  forwarded?: Resolved;
}
interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(payload?: unknown): unknown;
}
interface FastifyInstanceLike {
  decorateRequest(name: string, value: unknown): unknown;
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: (err?: Error) => void) => void,
  ): unknown;
}

/**
 * Fastify plugin (v4 and v5): `app.register(fastifyForwarded, { trust: ['10.0.0.2'] })`. Decorates
 * `request.forwarded`. Registered without encapsulation (like fastify-plugin) so every route sees it.
 */
export function fastifyForwarded(instance: FastifyInstanceLike, options: MiddlewareOptions, done: (err?: Error) => void): void {
  let policy: Policy;
  try {
    policy = policyOf(options ?? {});
  } catch (err) {
    done(err as Error);
    return;
  }
  const redirect = options?.redirectToHttps === true;
  instance.decorateRequest('forwarded', null);
  instance.addHook('onRequest', (request, reply, hookDone) => {
    const r = resolve(fromNodeRequest(request.raw), policy);
    request.forwarded = r;
    if (redirect) {
      const loc = httpsLocation(r, request.raw.url ?? request.url);
      if (loc !== undefined) {
        reply.code(redirectStatus(request.method)).header('location', loc).send();
        return;
      }
    }
    hookDone();
  });
  done();
}
// Same effect as wrapping with fastify-plugin: do not encapsulate, so the decoration reaches sibling routes.
(fastifyForwarded as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true;
(fastifyForwarded as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = '@proxyproof/forwarded';

// -------------------------------------------------------------------------------------------- Koa

interface KoaContextLike {
  req: NodeRequestLike;
  method: string;
  url: string;
  state: Record<string, unknown>;
  status: number;
  body: unknown;
  set(name: string, value: string): void;
}

/** Koa middleware: sets `ctx.state.forwarded`. */
export function koaForwarded(
  options: MiddlewareOptions = {},
): (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void> {
  const policy = policyOf(options);
  const redirect = options.redirectToHttps === true;
  return async (ctx, next) => {
    const r = resolve(fromNodeRequest(ctx.req), policy);
    ctx.state.forwarded = r;
    if (redirect) {
      const loc = httpsLocation(r, ctx.req.url ?? ctx.url);
      if (loc !== undefined) {
        ctx.status = redirectStatus(ctx.method);
        ctx.set('Location', loc);
        ctx.body = '';
        return;
      }
    }
    await next();
  };
}

// -------------------------------------------------------------------------------------------- Hono

interface HonoContextLike {
  req: { raw: FetchRequestLike; method: string; url: string };
  env?: unknown;
  set(key: 'forwarded', value: Resolved): void;
  redirect(location: string, status?: number): Response;
}

export interface HonoOptions extends MiddlewareOptions {
  /** How to find the socket peer. Default: @hono/node-server's `c.env.incoming.socket` (Node); else unknown. */
  peer?: (c: HonoContextLike) => PeerInfo;
}

function defaultHonoPeer(c: HonoContextLike): PeerInfo {
  const env = c.env as { incoming?: NodeRequestLike } | undefined;
  const incoming = env?.incoming;
  if (incoming && typeof incoming === 'object' && incoming.socket) {
    const i = fromNodeRequest(incoming);
    return { address: i.remoteAddress, unixSocket: i.unixSocket === true, encrypted: i.encrypted === true };
  }
  return undefined;
}

/** Hono middleware: sets `c.var.forwarded` (`c.get('forwarded')`). */
export function honoForwarded(
  options: HonoOptions = {},
): (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | undefined> {
  const policy = policyOf(options);
  const redirect = options.redirectToHttps === true;
  const peerOf = options.peer ?? defaultHonoPeer;
  return async (c, next) => {
    const r = resolve(fromFetchRequest(c.req.raw, peerOf(c)), policy);
    c.set('forwarded', r);
    if (redirect) {
      const u = new URL(c.req.url);
      const loc = httpsLocation(r, u.pathname + u.search);
      if (loc !== undefined) return c.redirect(loc, redirectStatus(c.req.method));
    }
    await next();
    return undefined;
  };
}
