/**
 * The crawler's HTTP client: undici with manual redirects (the chain is evidence), per-request and total
 * timeouts, a byte cap per response (counted after decompression, so a gzip bomb stops too), gzip/br/deflate,
 * `--resolve` host mappings, the scan's trust (scan/trust.ts), and `--insecure`.
 */
import type { LookupAddress } from 'node:dns';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { createBrotliDecompress, createGunzip, createInflate, constants as zlibConstants } from 'node:zlib';
import type { Dispatcher, Agent as UndiciAgent } from 'undici';
import { BUNDLED } from '../../bundled.js';
import { InputError } from '../../model/finding.js';
import { bundledRootBodies, loadTrust, pemBody, type Trust } from '../../scan/trust.js';
import type { RedirectHop } from '../../scan/types.js';
import type { ResolveEntry } from './resolve.js';
import { type BodyEncoding, bodyEncoding, inflateWhole } from './wire.js';

export { parseResolve, type ResolveEntry } from './resolve.js';

// undici's package index loads all of undici (fetch, WebSocket, caches, mocks: 112 modules, about a quarter of a
// second of CPU at every scan's start); the crawler uses its Agent's dispatch() only, so only the Agent is loaded.
//
// undici parses HTTP/1.1 with llhttp compiled to WebAssembly. V8 starts it on Liftoff (its baseline compiler) and,
// with dynamic tiering, recompiles the hot parser function with TurboFan on a background thread: llhttp's
// state machine is one huge function, and that one recompilation cost about 0.2 s of CPU in every scan (the
// largest item of a one-page scan, seen with `perf record`), on a 2-core machine shared with the crawl's own two
// threads. Liftoff's code parses a response in microseconds, so wasm tier-up is turned off before llhttp is
// compiled. It concerns WebAssembly only (llhttp is the only wasm this process runs); JavaScript tiering is
// unchanged. PROXYPROOF_WASM_TIER_UP=1 keeps V8's default (to measure both).
// Set when the first client is made (llhttp is compiled at its first connection), not when this module loads: any
// V8 flag changed at run time makes V8 reject Node's built-in code cache for every built-in module compiled after
// (commands/tier-up.ts), and the Node built-ins this client needs (tls, net, zlib, undici's) load with this module.
let liftoffSet = false;
function liftoffOnly(): void {
  if (liftoffSet || process.env.PROXYPROOF_WASM_TIER_UP === '1') return;
  liftoffSet = true;
  setFlagsFromString('--liftoff-only');
}
// In the bundled CLI the Agent and the undici files it needs are one CommonJS file (scripts/bundle.mjs): 1 file
// instead of 23, about 20 ms less CPU on the main thread before the first request.
const requireHere = createRequire(import.meta.url);
const Agent = requireHere(BUNDLED ? '../../bundle/undici-agent.cjs' : 'undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
// node:dns on first use: a crawl of an IP address (or of names all given by --resolve) never looks a name up, and
// net/tls do not load it for an IP; loading it at every scan's start was ~3 ms of main-thread CPU.
let dns: typeof import('node:dns') | undefined;
function dnsLookup(hostname: string, options: object, cb: (...a: unknown[]) => void): void {
  dns ??= requireHere('node:dns') as typeof import('node:dns');
  dns.lookup(hostname, options as never, cb as never);
}

export interface HttpOptions {
  resolve?: ResolveEntry[];
  /** PEM files of extra CAs to trust (used when `trust` is not given). */
  caCert?: string | string[];
  insecure?: boolean;
  /** The scan's trust, shared with the browser engine (scan/trust.ts); read from caCert/insecure when absent. */
  trust?: Trust;
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
  /**
   * `body` is still compressed this way (fetched with `deferDecode`): the parse worker decompresses it, or
   * `HttpClient.decoded()` on this thread. Absent: `body` is the decoded body.
   */
  encoding?: BodyEncoding;
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
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
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
    // An unknown issuer is fixed by trusting its CA; a wrong name or date only by accepting any certificate.
    const fix = /SELF_SIGNED|SIGNATURE|ISSUER/.test(code)
      ? ' (pass --ca-cert FILE to trust its CA, or --insecure to accept any certificate)'
      : /CERT/.test(code)
        ? ' (pass --insecure to accept it anyway)'
        : '';
    return new FetchError(`TLS error ${code}: ${TLS_HINT[code]}${fix}`, url, code);
  }
  const msg = err.cause?.message ?? err.message ?? String(e);
  return new FetchError(code ? `${code}: ${msg}` : msg, url, code);
}

/** The error fetch() throws for a body it cannot decompress (`message` from wire.ts inflateWhole), at `url`. */
export function decodeFailure(message: string, url: string): FetchError {
  return describeError(new FetchError(message, '', 'EDECODE'), url, 0);
}

export class HttpClient {
  readonly agent: UndiciAgent;
  readonly opts: Required<Pick<HttpOptions, 'requestTimeoutMs' | 'maxRedirects' | 'maxBytes' | 'userAgent'>> & HttpOptions;

  constructor(opts: HttpOptions = {}) {
    liftoffOnly();
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
    // The scan's trust (system store + NODE_EXTRA_CA_CERTS + --ca-cert, see scan/trust.ts), read once per scan.
    const trust = opts.trust ?? loadTrust({ caCerts: opts.caCert, insecure: opts.insecure });
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
        // Node's bundled roots plus the scan's anchors in ONE secure context (per connection, ~170 certificates
        // would be parsed for every socket).
        secureContext: trust.insecure ? undefined : trustContext(trust),
        rejectUnauthorized: !trust.insecure,
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

  /**
   * One request, no redirect following. Reads at most maxBytes of (decompressed) body. With `deferDecode`, a
   * compressed body is returned as it came (`encoding` says how), for the parse worker to decompress.
   */
  async fetchOnce(
    url: string,
    init: { method?: 'GET' | 'HEAD'; headers?: Record<string, string>; readBody?: boolean; deferDecode?: boolean } = {},
  ): Promise<{ status: number; headers: Array<[string, string]>; body: Buffer; truncated: boolean; encoding?: BodyEncoding }> {
    const t = this.opts.requestTimeoutMs;
    let raw: RawResponse;
    try {
      raw = await this.dispatchOnce(url, init);
    } catch (e) {
      if (this.opts.signal?.aborted) throw new FetchError('aborted (total scan time reached)', url, 'ABORTED');
      throw describeError(e, url, t);
    }
    if (raw.chunks === undefined) return { status: raw.status, headers: raw.headers, body: Buffer.alloc(0), truncated: false };
    const enc = bodyEncoding(raw.headers.find(([k]) => k === 'content-encoding')?.[1]);
    const body = raw.chunks.length === 1 ? raw.chunks[0]! : Buffer.concat(raw.chunks, raw.size);
    if (enc && init.deferDecode)
      return { status: raw.status, headers: raw.headers, body, truncated: raw.truncated, encoding: enc };
    try {
      return { status: raw.status, headers: raw.headers, ...(await decode(body, raw.truncated, enc, this.opts.maxBytes)) };
    } catch (e) {
      throw describeError(e, url, t);
    }
  }

  /**
   * A result fetched with `deferDecode`, decompressed on this thread as fetch() would have (at most maxBytes,
   * streaming a prefix of a larger body). A body that cannot be decompressed throws the FetchError fetch() would
   * have thrown for the same response.
   */
  async decoded(r: FetchResult): Promise<FetchResult> {
    if (!r.encoding) return r;
    const { encoding, ...rest } = r;
    try {
      return { ...rest, ...(await decode(r.body, r.truncated, encoding, this.opts.maxBytes)) };
    } catch (e) {
      throw describeError(e, r.finalUrl, this.opts.requestTimeoutMs);
    }
  }

  /**
   * The request itself, on undici's dispatcher API: the body arrives as chunks collected into an array (no
   * Readable stream, async iterator or AbortController per request). One timer covers headers AND body; the
   * total scan time aborts everything through agent.destroy(). At most maxBytes of the wire body are kept:
   * beyond that the request is aborted and the prefix returned as truncated.
   */
  private dispatchOnce(url: string, init: { method?: 'GET' | 'HEAD'; headers?: Record<string, string>; readBody?: boolean }) {
    const t = this.opts.requestTimeoutMs;
    const maxBytes = this.opts.maxBytes;
    const method = init.method ?? 'GET';
    const u = new URL(url);
    return new Promise<RawResponse>((resolve, reject) => {
      let settled = false;
      let closed = false;
      let status = 0;
      let headers: Array<[string, string]> = [];
      let chunks: Buffer[] | undefined;
      let size = 0;
      let drained = 0;
      let controller: Dispatcher.DispatchController | undefined;
      let timedOut: Error | undefined;
      const timer = setTimeout(() => {
        timedOut = new DOMException(`timed out after ${t} ms`, 'TimeoutError');
        if (controller) controller.abort(timedOut);
        else finish(timedOut); // still queued: aborted as soon as it is dispatched (onRequestStart)
      }, t);
      timer.unref?.();
      const close = () => {
        closed = true;
        clearTimeout(timer);
      };
      const finish = (err?: Error, truncated = false) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve({ status, headers, chunks, size, truncated });
      };
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c;
          if (timedOut) c.abort(timedOut);
        },
        onResponseStart(_c, statusCode, h) {
          if (statusCode < 200) return; // 1xx informational: the real response follows
          status = statusCode;
          headers = toPairs(h);
          const redirect = statusCode >= 300 && statusCode < 400 && h.location !== undefined;
          // Headers are all we need: settle now; the (usually tiny) rest is drained so the connection stays
          // reusable, within the same timer and at most DRAIN_BYTES.
          if (init.readBody === false || method === 'HEAD' || redirect) finish();
          else chunks = [];
        },
        onResponseData(c, chunk) {
          if (closed) return;
          if (settled) {
            drained += chunk.length;
            if (drained > DRAIN_BYTES) {
              close();
              c.abort(new FetchError('body not needed', url, 'ABORTED'));
            }
            return;
          }
          if (!chunks) return;
          if (size + chunk.length > maxBytes) {
            chunks.push(chunk.subarray(0, maxBytes - size));
            size = maxBytes;
            finish(undefined, true);
            close();
            c.abort(new FetchError(`response larger than ${maxBytes} bytes`, url, 'ETOOBIG'));
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        },
        onResponseEnd() {
          close();
          finish();
        },
        onResponseError(_c, err) {
          close();
          finish(timedOut ?? err);
        },
      };
      this.agent.dispatch(
        {
          origin: u.origin,
          path: u.pathname + u.search,
          method,
          headers: { 'user-agent': this.opts.userAgent, 'accept-encoding': 'gzip, br, deflate', accept: '*/*', ...init.headers },
        },
        handler,
      );
    });
  }

  /** GET with manual redirects: records every hop, stops on a revisit or at the limit. */
  async fetch(
    url: string,
    init: { headers?: Record<string, string>; method?: 'GET' | 'HEAD'; deferDecode?: boolean } = {},
  ): Promise<FetchResult> {
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
      const done: FetchResult = {
        url,
        finalUrl: current,
        status: r.status,
        headers: r.headers,
        body: r.body,
        truncated: r.truncated,
        chain,
      };
      if (r.encoding) done.encoding = r.encoding;
      return done;
    }
  }
}

/**
 * Node's default context (its bundled roots and NODE_EXTRA_CA_CERTS, parsed once per process in C++ and shared)
 * with the scan's other anchors added to its own copy of that store. `ca: [...rootCertificates, ...anchors]`
 * trusts the same certificates but re-parses the ~146 bundled roots one call each (about 25 ms of CPU on a quiet
 * machine, 175 ms at load 20: the largest single item of a one-page scan's profile).
 */
export function trustContext(trust: Trust): SecureContext {
  const extra = extraAnchors(trust);
  const ctx = createSecureContext();
  const native = (ctx as { context?: { addCACert?: (pem: string) => void } }).context;
  if (typeof native?.addCACert !== 'function') return createSecureContext({ ca: [...rootCertificates, ...extra] });
  for (const pem of extra) native.addCACert(pem);
  return ctx;
}

/** The scan's anchors that Node's bundled roots do not already hold (most of a system store does). */
function extraAnchors(trust: Trust): string[] {
  const bundled = bundledRootBodies();
  return trust.anchors.map((a) => a.pem).filter((p) => !bundled.has(pemBody(p)));
}

/** Bytes of an unneeded body (redirect, HEAD) read to keep the connection alive before giving it up. */
const DRAIN_BYTES = 64 * 1024;

interface RawResponse {
  status: number;
  headers: Array<[string, string]>;
  /** Undefined when the body was not read (HEAD, redirects, readBody: false). */
  chunks: Buffer[] | undefined;
  size: number;
  /** The wire body was cut at maxBytes. */
  truncated: boolean;
}

/** Header names lower-cased (undici already does); repeated headers (set-cookie) kept as separate entries. */
function toPairs(h: Record<string, string | string[] | undefined>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const k in h) {
    const v = h[k];
    if (Array.isArray(v)) for (const x of v) out.push([k.toLowerCase(), x]);
    else if (v !== undefined) out.push([k.toLowerCase(), v]);
  }
  return out;
}

/** Decompresses at most maxBytes of a (possibly truncated) wire body. */
async function decode(raw: Buffer, truncated: boolean, kind: BodyEncoding | undefined, maxBytes: number) {
  if (!kind) return { body: raw, truncated };
  // In one synchronous call when it fits (most pages: cheaper than a stream per response), else streaming the
  // prefix (a compression bomb stops at the cap).
  let out: Buffer | undefined;
  try {
    out = inflateWhole(raw, kind, maxBytes);
  } catch (e) {
    throw new FetchError((e as Error).message, '', 'EDECODE');
  }
  if (out) return { body: out, truncated };
  // Over maxBytes: the prefix, streamed.
  const opts = { maxOutputLength: maxBytes, finishFlush: zlibConstants.Z_SYNC_FLUSH };
  const decomp = kind === 'gzip' ? createGunzip(opts) : kind === 'br' ? createBrotliDecompress() : createInflate(opts);
  decomp.on('error', () => undefined);
  decomp.end(raw);
  const prefix = await readPrefix(decomp, maxBytes);
  decomp.destroy();
  return { body: prefix, truncated: true };
}

/** The first maxBytes of a stream. */
async function readPrefix(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    if (size + b.length > maxBytes) {
      chunks.push(b.subarray(0, maxBytes - size));
      size = maxBytes;
      break;
    }
    chunks.push(b);
    size += b.length;
  }
  return Buffer.concat(chunks, size);
}

/** Header helper: all values of a (lower-case) header. */
export function headerValues(headers: Array<[string, string]>, name: string): string[] {
  return headers.filter(([k]) => k === name).map(([, v]) => v);
}
