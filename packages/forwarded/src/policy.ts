// The trust policy: which peers may speak for the client, how far, through which headers.
import { type Network, networkContains, type ParsedIP, parseIP, parseIPv4Range, parseNetwork, unmapIPv4 } from './ip.js';

/** Headers the resolver can read. */
export type ForwardedHeaderName =
  | 'forwarded'
  | 'x-forwarded-for'
  | 'x-forwarded-proto'
  | 'x-forwarded-host'
  | 'x-forwarded-port'
  | 'x-forwarded-prefix'
  | 'x-real-ip';

export const ALL_HEADERS: readonly ForwardedHeaderName[] = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-real-ip',
];

/**
 * Default header selection: X-Forwarded-For and X-Forwarded-Proto, the two headers every common proxy writes itself
 * (nginx's proxy_params, Caddy, Traefik, HAProxy option forwardfor + set-header, cloud load balancers). A header the
 * proxy does not write is passed through from the client and would be read as the proxy's own: so `Forwarded`,
 * X-Forwarded-Host/-Port/-Prefix and X-Real-IP are opt-in, chosen to match what the proxy really sends (ASP.NET
 * Core likewise processes no header until ForwardedHeaders names them).
 */
export const DEFAULT_HEADERS: readonly ForwardedHeaderName[] = ['x-forwarded-for', 'x-forwarded-proto'];

/** Named address ranges, the same sets as proxy-addr's. */
export const PRESETS: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

export interface PolicyOptions {
  /**
   * Trusted proxies: IP addresses, CIDR networks (`10.0.0.0/8`, `fd00::/8`, IPv4 netmask `10.0.0.0/255.0.0.0`),
   * IPv4-mapped IPv6 (`::ffff:10.0.0.1`), presets `loopback`, `linklocal`, `uniquelocal`, and `unix` (a peer on a
   * unix domain socket). A string may hold several, comma-separated. Default: nothing is trusted.
   */
  trust?: string | readonly string[];
  /** Maximum number of trusted proxies walked from the socket peer outwards. Default 1 (ASP.NET Core's ForwardLimit). */
  hops?: number;
  /** Which headers to read. Default: x-forwarded-for and x-forwarded-proto (see DEFAULT_HEADERS). */
  headers?: readonly ForwardedHeaderName[];
  /**
   * When both `Forwarded` and X-Forwarded-* are present and resolve to different values:
   * `reject` (default) — use neither (untrusted result with a reason); `forwarded` or `x-forwarded` — prefer one.
   */
  onConflict?: 'reject' | 'forwarded' | 'x-forwarded';
  /**
   * Host names a forwarded host may take (exact, case-insensitive, or `*.example.com` for subdomains), like ASP.NET
   * Core's AllowedHosts. Empty or absent: any syntactically valid host.
   */
  allowedHosts?: readonly string[];
  /** A header value longer than this (in characters) is refused without parsing. Default 8192. */
  maxHeaderLength?: number;
  /** At most this many list members / elements are considered per header. Default 64. */
  maxEntries?: number;
}

/** A compiled policy. Build it once (at start-up) with `createPolicy`; `resolve` uses it per request. */
export interface Policy {
  readonly kind: 'proxyproof-forwarded-policy';
  readonly trustUnix: boolean;
  readonly trustsAnything: boolean;
  readonly hops: number;
  readonly headers: ReadonlySet<ForwardedHeaderName>;
  readonly onConflict: 'reject' | 'forwarded' | 'x-forwarded';
  readonly allowedHosts: readonly string[];
  readonly maxHeaderLength: number;
  readonly maxEntries: number;
  /** True if the (already parsed) address is a trusted proxy. */
  trustsIP(ip: ParsedIP): boolean;
  /** True if the textual address is a trusted proxy (false for anything that is not a strict IP). */
  trusts(address: string, allowZone?: boolean): boolean;
  /** True if the IPv4 address given as an unsigned 32-bit number is trusted. */
  trustsIPv4(n: number): boolean;
  /** @internal header selection by resolver index (host, forwarded, x-forwarded-for, -proto, -host, -port, -prefix, x-real-ip) */
  readonly selected: readonly boolean[];
  /** The normalised trust list, for messages. */
  readonly trustList: readonly string[];
}

/** Thrown by createPolicy for a configuration mistake (never by resolve). */
export class PolicyError extends TypeError {
  override readonly name = 'PolicyError';
}

function expandTrust(trust: string | readonly string[] | undefined): string[] {
  if (trust === undefined) return [];
  if (typeof trust !== 'string' && !Array.isArray(trust)) {
    throw new PolicyError(`unsupported trust argument: expected a string or an array of strings, got ${typeof trust}`);
  }
  const raw: unknown[] = typeof trust === 'string' ? [trust] : [...trust];
  const out: string[] = [];
  for (const item of raw) {
    if (typeof item !== 'string') throw new PolicyError(`trust entries must be strings, got ${typeof item}`);
    for (const part of item.split(',')) {
      const t = part.trim();
      if (t === '') continue;
      out.push(t);
    }
  }
  return out;
}

/** Compiles and validates a policy. Throws PolicyError with the offending entry on bad configuration. */
export function createPolicy(options: PolicyOptions = {}): Policy {
  if (options === null || typeof options !== 'object') throw new PolicyError('policy options must be an object');
  const entries = expandTrust(options.trust);
  const v4: { net: number; bits: number }[] = [];
  const v6: Network[] = [];
  let trustUnix = false;
  const trustList: string[] = [];
  for (const entry of entries) {
    if (entry === 'unix') {
      trustUnix = true;
      trustList.push('unix');
      continue;
    }
    const preset = PRESETS[entry];
    const items = preset ?? [entry];
    for (const item of items) {
      const net = parseNetwork(item);
      if (typeof net === 'string') {
        throw new PolicyError(
          `${net}${preset ? '' : ' (expected an IP address, a CIDR network, loopback, linklocal, uniquelocal or unix)'}`,
        );
      }
      if (net.v === 4) v4.push({ net: net.net, bits: net.bits });
      else v6.push(net);
      trustList.push(item);
    }
  }
  const hops = options.hops ?? 1;
  if (!(hops === Number.POSITIVE_INFINITY || (Number.isInteger(hops) && hops >= 1))) {
    throw new PolicyError(`hops must be a positive integer or Infinity, got ${String(hops)}`);
  }
  const headerList = options.headers ?? DEFAULT_HEADERS;
  for (const h of headerList) {
    if (!ALL_HEADERS.includes(h)) throw new PolicyError(`unknown header '${String(h)}' (known: ${ALL_HEADERS.join(', ')})`);
  }
  const onConflict = options.onConflict ?? 'reject';
  if (!['reject', 'forwarded', 'x-forwarded'].includes(onConflict)) {
    throw new PolicyError(`onConflict must be 'reject', 'forwarded' or 'x-forwarded', got ${String(onConflict)}`);
  }
  const allowedHosts = (options.allowedHosts ?? []).map((h) => {
    if (typeof h !== 'string' || !/^(\*\.)?[A-Za-z0-9._~-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(h)) {
      throw new PolicyError(`allowedHosts entry is not a host name: ${String(h)}`);
    }
    return h.toLowerCase();
  });
  const maxHeaderLength = options.maxHeaderLength ?? 8192;
  const maxEntries = options.maxEntries ?? 64;
  if (!(Number.isInteger(maxHeaderLength) && maxHeaderLength > 0))
    throw new PolicyError('maxHeaderLength must be a positive integer');
  if (!(Number.isInteger(maxEntries) && maxEntries > 0)) throw new PolicyError('maxEntries must be a positive integer');

  // A single IPv4 address is by far the most common policy (the proxy on the same host): give it a fast path.
  const single =
    v4.length === 1 && v6.length === 0 && (v4[0] as { bits: number }).bits === 32 ? (v4[0] as { net: number }).net : -1;
  const trustsV4 = (n: number): boolean => {
    if (single !== -1) return n === single;
    for (let k = 0; k < v4.length; k++) {
      const r = v4[k] as { net: number; bits: number };
      if (r.bits === 0) return true;
      if (r.bits === 32 ? n === r.net : n >>> (32 - r.bits) === r.net >>> (32 - r.bits)) return true;
    }
    return false;
  };
  const trustsIP = (candidate: ParsedIP): boolean => {
    const ip = unmapIPv4(candidate);
    if (ip.v === 4) return trustsV4(ip.n);
    for (let k = 0; k < v6.length; k++) if (networkContains(v6[k] as Network, ip)) return true;
    return false;
  };
  const trustsAnything = v4.length > 0 || v6.length > 0;
  return {
    kind: 'proxyproof-forwarded-policy',
    trustUnix,
    trustsAnything,
    hops,
    headers: new Set(headerList),
    selected: [true, ...ALL_HEADERS.map((h) => headerList.includes(h)), true],
    onConflict,
    allowedHosts,
    maxHeaderLength,
    maxEntries,
    trustsIP,
    trustsIPv4: trustsV4,
    trusts(address: string, allowZone = false): boolean {
      if (!trustsAnything) return false;
      if (address.indexOf(':') === -1) {
        // IPv4 fast path: no allocation
        const n = parseIPv4Range(address, 0, address.length);
        return n >= 0 && trustsV4(n);
      }
      const ip = parseIP(address, allowZone);
      return ip !== null && trustsIP(ip);
    },
    trustList,
  };
}

/** True if `host` (lower-case, no port) is allowed by the list. */
export function hostAllowed(allowed: readonly string[], host: string): boolean {
  if (allowed.length === 0) return true;
  for (const a of allowed) {
    if (a === host) return true;
    if (a.startsWith('*.') && host.endsWith(a.slice(1)) && host.length > a.length - 1) return true;
  }
  return false;
}
