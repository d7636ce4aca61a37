// Adapters from runtime request objects (Node IncomingMessage, WHATWG Request) to ResolveInput.
import type { ResolveInput } from './resolve.js';

/** The parts of Node's IncomingMessage the resolver reads. */
export interface NodeRequestLike {
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  socket?: { remoteAddress?: string | undefined; encrypted?: boolean; remoteFamily?: string | undefined } | null;
  url?: string | undefined;
  method?: string | undefined;
}

/** ResolveInput from a Node `http.IncomingMessage` (also Express's, Koa's `ctx.req` and Fastify's `request.raw`). */
export function fromNodeRequest(req: NodeRequestLike): ResolveInput {
  const socket = req.socket ?? undefined;
  const remoteAddress = socket?.remoteAddress;
  const input: ResolveInput = {
    remoteAddress,
    // A unix-socket connection has no remote address and no remote family (an IP socket always has both).
    unixSocket: socket != null && remoteAddress === undefined && socket.remoteFamily === undefined && isUnixSocket(socket),
    encrypted: socket?.encrypted === true,
    headers: req.headers,
  };
  return input;
}

function isUnixSocket(socket: object): boolean {
  const s = socket as { _handle?: { constructor?: { name?: string } }; server?: { address?: () => unknown } };
  if (s._handle?.constructor?.name === 'Pipe') return true;
  try {
    return typeof s.server?.address?.() === 'string';
  } catch {
    return false;
  }
}

/** The parts of a WHATWG Request the resolver reads. */
export interface FetchRequestLike {
  url: string;
  headers: { get(name: string): string | null };
}

/** Peer details for a fetch-style handler: an address string, or an object. */
export type PeerInfo = string | { address?: string | undefined; unixSocket?: boolean; encrypted?: boolean } | undefined;

/**
 * ResolveInput from a WHATWG `Request` (Hono, Next.js route handlers, SvelteKit, Bun/Deno handlers). The peer
 * address is not part of a Request: pass what the runtime gives (`server.requestIP(req)?.address` in Bun,
 * `info.remoteAddr.hostname` in Deno, `getClientAddress()` is NOT it in SvelteKit — use `platform.req.socket`).
 * Whether the connection is TLS defaults to the request URL's scheme, which the runtime built from its own socket.
 */
export function fromFetchRequest(request: FetchRequestLike, peer?: PeerInfo): ResolveInput {
  const p = typeof peer === 'string' ? { address: peer } : (peer ?? {});
  let encrypted = p.encrypted;
  if (encrypted === undefined) encrypted = typeof request.url === 'string' && request.url.startsWith('https:');
  let headers: FetchRequestLike['headers'] = request.headers;
  if (headers.get('host') === null && typeof request.url === 'string') {
    // Runtimes that build the Request from the socket may leave Host out of the headers: take it from the URL.
    let urlHost: string | null = null;
    try {
      urlHost = new URL(request.url).host || null;
    } catch {
      urlHost = null;
    }
    const inner = headers;
    headers = { get: (name: string) => (name.toLowerCase() === 'host' ? urlHost : inner.get(name)) };
  }
  return { remoteAddress: p.address, unixSocket: p.unixSocket === true, encrypted, headers };
}
