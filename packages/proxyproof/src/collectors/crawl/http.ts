/**
 * The crawler's HTTP client: undici with manual redirects (the chain is evidence), per-request and total
 * timeouts, a byte cap per response (counted after decompression, so a gzip bomb stops too), gzip/br/deflate,
 * `--resolve` host mappings, an extra CA, and `--insecure`.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { createSecureContext, rootCertificates } from 'node:tls';
import {
  brotliDecompressSync,
  createBrotliDecompress,
  createGunzip,
  createInflate,
  gunzipSync,
  inflateSync,
  constants as zlibConstants,
} from 'node:zlib';
import { Agent, request } from 'undici';
import { InputError } from '../../model/finding.js';
import type { RedirectHop } from '../../scan/types.js';
import type { ResolveEntry } from './resolve.js';

export { parseResolve, type ResolveEntry } from './resolve.js';

export interface HttpOptions {
  resolve?: ResolveEntry[];
  /** PEM file of an extra CA to trust. */
  caCert?: string;
  insecure?: boolean;
  /** Per request (headers and whole body), ms. */
  requestTimeoutMs?: number;
  maxRedirects?: number;
  /** Cap on the (decompressed) body bytes kept per response. */
  maxBytes?: number;
  /** Aborts everything (total scan time). */
  signal?: AbortSignal;
  userAgent?: string;
  connections?: number;
}

export interface FetchResult {
  /** As requested. */
  url: string;
  finalUrl: string;
  status: number;
  /** Header names lower-cased; repeated headers (set-cookie) kept as separate entries. */
  headers: Array<[string, string]>;
  body: Buffer;
  truncated: boolean;
  /** Responses before the final one. */
  chain: RedirectHop[];
  redirectLoop?: 'revisit' | 'limit';
  /** A redirect target that could not be fetched (the chain up to it is kept: it is the evidence). */
  error?: FetchError;
}

export class FetchError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

const TLS_HINT: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate issuer unknown',
  CERT_HAS_EXPIRED: 'certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not name this host',
  EPROTO: 'TLS protocol error (is this port speaking plain HTTP?)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS protocol error (is this port speaking plain HTTP?)',
};

/** Turns undici/Node errors into one line naming the URL and the error code. */
export function describeError(e: unknown, url: string, timeoutMs: number): FetchError {
  const err = e as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code;
  if (
    err.name === 'TimeoutError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return new FetchError(`timed out after ${timeoutMs} ms`, url, code ?? 'ETIMEDOUT');
  }
  if (err.name === 'AbortError' || code === 'UND_ERR_ABORTED')
    return new FetchError('aborted (total scan time reached)', url, 'ABORTED');
  if (code && TLS_HINT[code]) {
    const fix = /CERT|SIGNATURE|ISSUER/.test(code) ? ' (pass --insecure to accept it, or --ca-cert FILE to trust its CA)' : '';
    return new FetchError(`TLS error ${code}: ${TLS_HINT[code]}${fix}`, url, code);
  }
  const msg = err.cause?.message ?? err.message ?? String(e);
  return new FetchError(code ? `${code}: ${msg}` : msg, url, code);
}

export class HttpClient {
  readonly agent: Agent;
  readonly opts: Required<Pick<HttpOptions, 'requestTimeoutMs' | 'maxRedirects' | 'maxBytes' | 'userAgent'>> & HttpOptions;

  constructor(opts: HttpOptions = {}) {
    this.opts = {
      requestTimeoutMs: 15_000,
      maxRedirects: 10,
      maxBytes: 5 * 1024 * 1024,
      userAgent: 'proxyproof-scan/0.1',
      ...opts,
    };
    const map = new Map<string, string>();
    for (const r of opts.resolve ?? []) {
      const prev = map.get(r.host);
      if (prev && prev !== r.address) throw new InputError(`--resolve: ${r.host} is mapped to both ${prev} and ${r.address}`);
      map.set(r.host, r.address);
    }
    let ca: string | undefined;
    if (opts.caCert) {
      try {
        ca = readFileSync(opts.caCert, 'utf8');
      } catch (e) {
        throw new InputError(
          `cannot read CA certificate: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          opts.caCert,
        );
      }
      if (!ca.includes('BEGIN CERTIFICATE')) throw new InputError('not a PEM certificate (no BEGIN CERTIFICATE)', opts.caCert);
    }
    const lookup = (hostname: string, options: { all?: boolean; family?: number }, cb: (...a: unknown[]) => void) => {
      const mapped = map.get(hostname.toLowerCase());
      if (!mapped) return dnsLookup(hostname, options as never, cb as never);
      const family = isIP(mapped);
      if (options.all) return cb(null, [{ address: mapped, family } satisfies LookupAddress]);
      return cb(null, mapped, family);
    };
    const t = this.opts.requestTimeoutMs;
    this.agent = new Agent({
      connect: {
        lookup: lookup as never,
        // Node's default CAs plus the extra one (`ca` replaces the list, so the bundled roots are added back),
        // in ONE secure context: passing `ca` per connection would parse ~150 certificates for every socket.
        secureContext: ca ? createSecureContext({ ca: [...rootCertificates, ca] }) : undefined,
        rejectUnauthorized: !opts.insecure,
        timeout: t,
      },
      headersTimeout: t,
      bodyTimeout: t,
      connections: opts.connections ?? 16,
    });
    opts.signal?.addEventListener(
      'abort',
      () => void this.agent.destroy(new FetchError('aborted (total scan time reached)', '', 'ABORTED')).catch(() => undefined),
      { once: true },
    );
  }

  async close(): Promise<void> {
    await this.agent.destroy().catch(() => undefined);
  }

  /** One request, no redirect following. Reads at most maxBytes of (decompressed) body. */
  async fetchOnce(url: string, init: { method?: 'GET' | 'HEAD'; headers?: Record<string, string>; readBody?: boolean } = {}) {
    const t = this.opts.requestTimeoutMs;
    // One timer per request (headers AND body); the total scan time aborts everything through agent.destroy()
    // (cheaper than AbortSignal.any per request, which tracks every dependent signal).
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(new DOMException(`timed out after ${t} ms`, 'TimeoutError')), t);
    timer.unref?.();
    const signal = ctl.signal;
    try {
      const res = await request(url, {
        method: init.method ?? 'GET',
        dispatcher: this.agent,
        signal,
        headers: { 'user-agent': this.opts.userAgent, 'accept-encoding': 'gzip, br, deflate', accept: '*/*', ...init.headers },
      });
      const headers: Array<[string, string]> = [];
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) for (const x of v) headers.push([k.toLowerCase(), x]);
        else if (v !== undefined) headers.push([k.toLowerCase(), v]);
      }
      let body: Buffer = Buffer.alloc(0);
      let truncated = false;
      const redirect = res.statusCode >= 300 && res.statusCode < 400 && headers.some(([k]) => k === 'location');
      // A destroyed body emits an abort error; nobody else listens, so swallow it here.
      res.body.on('error', () => undefined);
      if (init.readBody === false || init.method === 'HEAD' || redirect) {
        res.body.destroy();
      } else {
        const enc = headers
          .find(([k]) => k === 'content-encoding')?.[1]
          ?.trim()
          .toLowerCase();
        ({ body, truncated } = await readCapped(res.body as unknown as Readable, enc, this.opts.maxBytes, signal));
      }
      return { status: res.statusCode, headers, body, truncated };
    } catch (e) {
      if (this.opts.signal?.aborted) throw new FetchError('aborted (total scan time reached)', url, 'ABORTED');
      throw describeError(e, url, t);
    } finally {
      clearTimeout(timer);
    }
  }

  /** GET with manual redirects: records every hop, stops on a revisit or at the limit. */
  async fetch(url: string, init: { headers?: Record<string, string>; method?: 'GET' | 'HEAD' } = {}): Promise<FetchResult> {
    const chain: RedirectHop[] = [];
    const seen = new Set<string>();
    let current = url;
    for (let i = 0; ; i++) {
      seen.add(current);
      let r: Awaited<ReturnType<HttpClient['fetchOnce']>>;
      try {
        r = await this.fetchOnce(current, init);
      } catch (e) {
        if (chain.length === 0 || !(e instanceof FetchError)) throw e;
        const last = chain[chain.length - 1]!;
        return {
          url,
          finalUrl: current,
          status: last.status,
          headers: [],
          body: Buffer.alloc(0),
          truncated: false,
          chain,
          error: e,
        };
      }
      const location = r.headers.find(([k]) => k === 'location')?.[1];
      if (r.status >= 300 && r.status < 400 && location !== undefined) {
        const setCookie = headerValues(r.headers, 'set-cookie');
        chain.push({ url: current, status: r.status, location, ...(setCookie.length ? { setCookie } : {}) });
        let next: string;
        try {
          next = new URL(location, current).href;
        } catch {
          throw new FetchError(`redirect to an invalid Location '${location}'`, current, 'EBADLOCATION');
        }
        if (seen.has(next))
          return {
            url,
            finalUrl: next,
            status: r.status,
            headers: r.headers,
            body: r.body,
            truncated: false,
            chain,
            redirectLoop: 'revisit',
          };
        if (i + 1 > this.opts.maxRedirects)
          return {
            url,
            finalUrl: next,
            status: r.status,
            headers: r.headers,
            body: r.body,
            truncated: false,
            chain,
            redirectLoop: 'limit',
          };
        current = next;
        continue;
      }
      return { url, finalUrl: current, status: r.status, headers: r.headers, body: r.body, truncated: r.truncated, chain };
    }
  }
}

async function readCapped(body: Readable, encoding: string | undefined, maxBytes: number, signal: AbortSignal) {
  const kind =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? 'gzip'
      : encoding === 'br'
        ? 'br'
        : encoding === 'deflate'
          ? 'deflate'
          : undefined;
  // Read at most maxBytes from the wire (compressed or not)...
  const raw = await readRaw(body, maxBytes, signal);
  if (!kind) return raw;
  // ...then decompress at most maxBytes: in one synchronous call when it fits (most pages: cheaper than a
  // stream per response), else streaming the prefix (a compression bomb stops at the cap).
  const opts = { maxOutputLength: maxBytes, finishFlush: zlibConstants.Z_SYNC_FLUSH };
  try {
    const out =
      kind === 'gzip'
        ? gunzipSync(raw.body, opts)
        : kind === 'br'
          ? brotliDecompressSync(raw.body, { maxOutputLength: maxBytes, finishFlush: zlibConstants.BROTLI_OPERATION_FLUSH })
          : inflateSync(raw.body, opts);
    return { body: out, truncated: raw.truncated };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE')
      throw new FetchError(`cannot decode ${kind} body: ${(e as Error).message}`, '', 'EDECODE');
    const decomp = kind === 'gzip' ? createGunzip(opts) : kind === 'br' ? createBrotliDecompress() : createInflate(opts);
    decomp.on('error', () => undefined);
    decomp.end(raw.body);
    const prefix = await readRaw(decomp, maxBytes, signal);
    decomp.destroy();
    return { body: prefix.body, truncated: true };
  }
}

async function readRaw(stream: Readable, maxBytes: number, signal: AbortSignal) {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of stream) {
    if (signal.aborted) throw signal.reason;
    const b = chunk as Buffer;
    if (size + b.length > maxBytes) {
      chunks.push(b.subarray(0, maxBytes - size));
      size = maxBytes;
      truncated = true;
      break;
    }
    chunks.push(b);
    size += b.length;
  }
  if (truncated) stream.destroy();
  return { body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), truncated };
}

/** Header helper: all values of a (lower-case) header. */
export function headerValues(headers: Array<[string, string]>, name: string): string[] {
  return headers.filter(([k]) => k === name).map(([, v]) => v);
}
