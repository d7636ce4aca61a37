// The resolver: socket peer + request headers + policy -> what the client asked for and who it is.
//
// Model (the same for RFC 7239 and X-Forwarded-*): each proxy appends one entry ("set") to the right of each
// list it forwards. Walking from the right, entry i was written by the hop whose address we know at step i
// (step 0: the socket peer). An entry is used only if the hop that wrote it is trusted and the hop limit is
// not reached; the walk ends at the first untrusted address, so nothing an untrusted hop wrote is ever read.
// Lists are aligned from the right (ASP.NET Core's ForwardedHeadersMiddleware does the same), so a proxy that
// sets X-Forwarded-Proto without X-Forwarded-For still gets its scheme honoured for its own hop.
import { parseIP, parseIPv4Range } from './ip.js';
import { createPolicy, hostAllowed, type Policy, type PolicyOptions } from './policy.js';
import { parseForwardedColumns, parseNode } from './rfc7239.js';

/** Request headers in any of the shapes the runtimes give them. */
export type HeadersInput =
  | Readonly<Record<string, string | readonly string[] | number | undefined>>
  | Iterable<readonly [string, string]>
  | { get(name: string): string | null; forEach?: unknown };

export interface ResolveInput {
  /** Socket peer address (Node's `req.socket.remoteAddress`). Undefined when unknown or on a unix socket. */
  remoteAddress?: string | undefined;
  /** The connection arrived on a unix domain socket (only trusted with the `unix` policy entry). */
  unixSocket?: boolean;
  /** The connection to this server is TLS. */
  encrypted?: boolean;
  /** The request headers. */
  headers: HeadersInput;
}

export type ResolvedSource = 'socket' | 'forwarded' | 'x-forwarded';

/** One trusted proxy that was walked, nearest first. */
export interface Hop {
  /** The proxy's address (`unix:` for a unix-socket peer). */
  address: string;
  /** Which header supplied the next address. */
  via: 'forwarded' | 'x-forwarded-for' | 'x-real-ip' | 'none';
  /** The `by=` value of its Forwarded element, if any. */
  by?: string;
}

export interface Resolved {
  /** `http`, `https` (or `ws`/`wss`/another valid scheme a trusted proxy reported), lower case. */
  scheme: string;
  /** Host name or `[IPv6]`, lower case, without port; undefined if the request had no valid Host. */
  host: string | undefined;
  /** Effective port: explicit, else the scheme default (80/443); undefined for an unknown scheme without port. */
  port: number | undefined;
  /** The client address as the last trusted hop reported it (may be `unknown`, an `_obfuscated` id, or, for
   *  X-Forwarded-For, a non-IP token exactly as proxy-addr returns it); undefined if unknown. */
  clientAddress: string | undefined;
  /** Client port from RFC 7239 `for="1.2.3.4:5678"`, if given. */
  clientPort?: number | string;
  /** X-Forwarded-Prefix from a trusted hop (only if selected). */
  prefix?: string;
  /** proxy-addr's `all()`: socket peer first, then each address walked, ending with the client. */
  addresses: string[];
  /** The trusted proxies walked, nearest first. */
  proxies: Hop[];
  /** True if at least one trusted proxy's forwarded values were used. */
  trusted: boolean;
  /** Where scheme/host/client came from. */
  source: ResolvedSource;
  /** Why the result is what it is: untrusted peer, hop limit, malformed header, conflict... */
  reasons: string[];
}

// ---------------------------------------------------------------------------------------------------------
// header collection

// Header slots (plain numbers: a `const enum` is emitted as an object under isolatedModules).
const H = {
  Host: 0,
  Forwarded: 1,
  XFor: 2,
  XProto: 3,
  XHost: 4,
  XPort: 5,
  XPrefix: 6,
  XRealIp: 7,
  /** HTTP/2 `:authority` (Node's http2 compatibility API), used when there is no Host */
  Authority: 8,
} as const;

function headerIndex(name: string): number {
  // Cheap length switch before lower-casing: most request headers are not ours.
  switch (name.length) {
    case 4:
      return name.toLowerCase() === 'host' ? H.Host : -1;
    case 9: {
      const l = name.toLowerCase();
      return l === 'forwarded' ? H.Forwarded : l === 'x-real-ip' ? H.XRealIp : -1;
    }
    case 15:
      return name.toLowerCase() === 'x-forwarded-for' ? H.XFor : -1;
    case 16: {
      const l = name.toLowerCase();
      return l === 'x-forwarded-host' ? H.XHost : l === 'x-forwarded-port' ? H.XPort : -1;
    }
    case 17:
      return name.toLowerCase() === 'x-forwarded-proto' ? H.XProto : -1;
    case 18:
      return name.toLowerCase() === 'x-forwarded-prefix' ? H.XPrefix : -1;
    case 10:
      return name === ':authority' ? H.Authority : -1;
    default:
      return -1;
  }
}

const NAMES = [
  'host',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-real-ip',
  ':authority',
];

interface Collected {
  values: (string | undefined)[];
  /** number of field lines seen per header (for Host: more than one is malformed) */
  lines: number[];
}

function add(c: Collected, idx: number, v: unknown): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) {
    for (const x of v) add(c, idx, x);
    return;
  }
  const s = typeof v === 'string' ? v : String(v);
  const prev = c.values[idx];
  // Several lines of a list header are one list (RFC 9110 5.3), joined as Node joins them.
  c.values[idx] = prev === undefined ? s : `${prev}, ${s}`;
  c.lines[idx] = (c.lines[idx] as number) + 1;
}

function collect(headers: HeadersInput): Collected {
  const c: Collected = {
    values: [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined],
    lines: [0, 0, 0, 0, 0, 0, 0, 0, 0],
  };
  if (headers === null || typeof headers !== 'object') return c;
  const h = headers as { get?: unknown };
  if (typeof h.get === 'function' && !Array.isArray(headers)) {
    // WHATWG Headers: already combined (", "), names case-insensitive.
    const get = h.get as (n: string) => string | null;
    for (let k = 0; k < H.Authority; k++) {
      const v = get.call(headers, NAMES[k] as string);
      if (v !== null && v !== undefined) add(c, k, v);
    }
    return c;
  }
  if (Symbol.iterator in (headers as object) && !isPlainRecord(headers)) {
    let count = 0;
    for (const pair of headers as Iterable<readonly [string, string]>) {
      if (++count > 1000) break; // bounded
      if (!Array.isArray(pair)) continue;
      const idx = headerIndex(String(pair[0]));
      if (idx >= 0) add(c, idx, pair[1]);
    }
    return c;
  }
  const rec = headers as Record<string, unknown>;
  for (const key in rec) {
    const idx = headerIndex(key);
    if (idx >= 0) add(c, idx, rec[key]);
  }
  return c;
}

function isPlainRecord(o: object): boolean {
  const p = Object.getPrototypeOf(o);
  return p === Object.prototype || p === null;
}

// ---------------------------------------------------------------------------------------------------------
// value syntax

/** Splits a comma list, trimming SP/HTAB, dropping empty members (as Node's `forwarded` module does). */
export function splitList(value: string, max: number): string[] | null {
  const n = value.length;
  if (n > 0 && value.indexOf(',') === -1) {
    // one member (the common case): trim only if needed
    const f = value.charCodeAt(0);
    const l = value.charCodeAt(n - 1);
    if (f !== 32 && f !== 9 && l !== 32 && l !== 9) return [value];
  }
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= n; i++) {
    if (i === n || value.charCodeAt(i) === 44) {
      let a = start;
      let b = i;
      while (a < b && (value.charCodeAt(a) === 32 || value.charCodeAt(a) === 9)) a++;
      while (b > a && (value.charCodeAt(b - 1) === 32 || value.charCodeAt(b - 1) === 9)) b--;
      if (b > a) {
        if (out.length >= max) return null;
        out.push(value.slice(a, b));
      }
      start = i + 1;
    }
  }
  return out;
}

function validScheme(s: string): boolean {
  // RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  const n = s.length;
  if (n === 0 || n > 32) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) | 0x20;
    const alpha = c >= 97 && c <= 122;
    if (
      i === 0
        ? !alpha
        : !(
            alpha ||
            (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) ||
            s.charCodeAt(i) === 43 ||
            s.charCodeAt(i) === 45 ||
            s.charCodeAt(i) === 46
          )
    )
      return false;
  }
  return true;
}

interface HostPort {
  host: string;
  port: number | undefined;
}

/** Parses `host[:port]`: a DNS-style name (letters, digits, `-`, `.`, `_`, `~`), IPv4, or `[IPv6]`. */
export function parseHostHeader(s: string): HostPort | null {
  const n = s.length;
  if (n === 0 || n > 255) return null;
  let hostEnd: number;
  let host: string;
  if (s.charCodeAt(0) === 91) {
    const close = s.indexOf(']');
    if (close === -1) return null;
    const inner = s.slice(1, close);
    const ip = parseIP(inner);
    if (ip === null || ip.v !== 6) return null;
    host = `[${inner.toLowerCase()}]`;
    hostEnd = close + 1;
  } else {
    let i = 0;
    let hasUpper = false;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 58) break;
      if (c >= 65 && c <= 90) hasUpper = true;
      if (
        !((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95 || c === 126)
      )
        return null;
    }
    if (i === 0) return null;
    host = i === n ? s : s.slice(0, i);
    if (hasUpper) host = host.toLowerCase();
    hostEnd = i;
  }
  if (hostEnd === n) return { host, port: undefined };
  if (s.charCodeAt(hostEnd) !== 58) return null;
  const port = parsePortText(s.slice(hostEnd + 1));
  if (port === null) return null;
  return { host, port };
}

function parsePortText(p: string): number | null {
  if (p.length === 0 || p.length > 5 || (p.length > 1 && p.charCodeAt(0) === 48)) return null;
  let v = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    v = v * 10 + c - 48;
  }
  return v >= 1 && v <= 65535 ? v : null;
}

function defaultPort(scheme: string): number | undefined {
  return scheme === 'https' || scheme === 'wss' ? 443 : scheme === 'http' || scheme === 'ws' ? 80 : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// the walk

interface Walk {
  ok: boolean;
  /** number of entries used */
  used: number;
  scheme?: string;
  host?: HostPort;
  port?: number;
  prefix?: string;
  client: string | undefined;
  clientPort?: number | string | undefined;
  addresses: string[];
  proxies: Hop[];
  reasons: string[];
}

interface Peer {
  label: string | undefined;
  trusted: boolean;
}

function malformed(peer: Peer, reason: string): Walk {
  return {
    ok: false,
    used: 0,
    client: peer.label,
    addresses: peer.label === undefined ? [] : [peer.label],
    proxies: [],
    reasons: [reason],
  };
}

/** Lists of one source, aligned from the right: entry i of the walk is list[list.length - 1 - i]. */
interface Lists {
  fors: (string | undefined)[] | undefined;
  protos: (string | undefined)[] | undefined;
  hosts: (string | undefined)[] | undefined;
  ports: (string | undefined)[] | undefined;
  prefixes: (string | undefined)[] | undefined;
  bys: (string | undefined)[] | undefined;
}

function fromRight(l: (string | undefined)[] | undefined, i: number): string | undefined {
  return l === undefined ? undefined : l[l.length - 1 - i];
}

function walkX(c: Collected, policy: Policy, peer: Peer): Walk {
  const max = policy.maxEntries;
  const sel = policy.selected;
  const lists: Lists = {
    fors: undefined,
    protos: undefined,
    hosts: undefined,
    ports: undefined,
    prefixes: undefined,
    bys: undefined,
  };
  let n = 0;
  for (let k = H.XFor; k <= H.XPrefix; k++) {
    const v = c.values[k];
    if (v === undefined || !sel[k]) continue;
    const l = splitList(v, max);
    if (l === null) return malformed(peer, `${NAMES[k]} has more than ${max} entries`);
    if (l.length > n) n = l.length;
    if (k === H.XFor) lists.fors = l;
    else if (k === H.XProto) lists.protos = l;
    else if (k === H.XHost) lists.hosts = l;
    else if (k === H.XPort) lists.ports = l;
    else lists.prefixes = l;
  }
  let via: Hop['via'] = 'x-forwarded-for';
  if ((lists.fors === undefined || lists.fors.length === 0) && sel[H.XRealIp] && c.values[H.XRealIp] !== undefined) {
    const v = (c.values[H.XRealIp] as string).trim();
    if (c.lines[H.XRealIp] !== 1 || v.includes(',')) return malformed(peer, 'X-Real-IP must hold exactly one address');
    lists.fors = [v];
    if (n < 1) n = 1;
    via = 'x-real-ip';
  }
  return walk(n, policy, peer, lists, via, 'x-forwarded');
}

function walk(n: number, policy: Policy, peer: Peer, lists: Lists, via: Hop['via'], kind: 'x-forwarded' | 'forwarded'): Walk {
  const w: Walk = {
    ok: true,
    used: 0,
    client: peer.label,
    addresses: peer.label === undefined ? [] : [peer.label],
    proxies: [],
    reasons: [],
  };
  let current = peer.label;
  let currentTrusted = peer.trusted;
  for (let i = 0; i < n; i++) {
    if (!currentTrusted) {
      w.reasons.push(`${current ?? 'the peer'} is not a trusted proxy: values it forwarded are ignored`);
      break;
    }
    if (i >= policy.hops) {
      w.reasons.push(`hop limit ${policy.hops} reached: ${n - i} more ${kind} entr${n - i === 1 ? 'y' : 'ies'} ignored`);
      break;
    }
    const eFor = fromRight(lists.fors, i);
    const eProto = fromRight(lists.protos, i);
    const eHost = fromRight(lists.hosts, i);
    const ePort = fromRight(lists.ports, i);
    const ePrefix = fromRight(lists.prefixes, i);
    const eBy = fromRight(lists.bys, i);
    const hop: Hop = { address: current as string, via: eFor === undefined ? 'none' : via };
    if (eBy !== undefined) hop.by = eBy;
    if (eProto !== undefined) {
      if (eProto === 'https' || eProto === 'http') w.scheme = eProto;
      else if (!validScheme(eProto))
        return malformed(peer, `invalid forwarded scheme ${JSON.stringify(eProto.slice(0, 40))} from ${current}`);
      else w.scheme = eProto.toLowerCase();
    }
    if (eHost !== undefined) {
      const hp = parseHostHeader(eHost);
      if (hp === null) return malformed(peer, `invalid forwarded host ${JSON.stringify(eHost.slice(0, 80))} from ${current}`);
      if (!hostAllowed(policy.allowedHosts, hp.host)) return malformed(peer, `forwarded host ${hp.host} is not in allowedHosts`);
      w.host = hp;
      w.port = undefined;
    }
    if (ePort !== undefined) {
      const p = parsePortText(ePort);
      if (p === null) return malformed(peer, `invalid X-Forwarded-Port ${JSON.stringify(ePort.slice(0, 20))} from ${current}`);
      w.port = p;
    }
    if (ePrefix !== undefined) {
      if (!/^\/[\x21-\x7e]*$/.test(ePrefix) || ePrefix.startsWith('//'))
        return malformed(peer, `invalid X-Forwarded-Prefix from ${current}`);
      w.prefix = ePrefix;
    }
    w.proxies.push(hop);
    w.used++;
    if (eFor === undefined) {
      if (i + 1 < n) w.reasons.push(`the entry from ${current} names no client address: the walk stops there`);
      break;
    }
    let next = eFor;
    let nextTrusted = false;
    const v4 = next.length <= 15 ? parseIPv4Range(next, 0, next.length) : -1;
    if (v4 >= 0) {
      // a plain IPv4 address (the common case for both header families): no further parsing
      nextTrusted = policy.trustsAnything && policy.trustsIPv4(v4);
      w.clientPort = undefined;
    } else if (kind === 'forwarded') {
      const node = parseNode(next);
      if (node === null) return malformed(peer, `invalid Forwarded for= node ${JSON.stringify(next.slice(0, 80))}`);
      next = node.address;
      if (node.port !== undefined) w.clientPort = node.port;
      else w.clientPort = undefined;
      if (node.kind === 'ip') nextTrusted = policy.trusts(next);
    } else {
      nextTrusted = policy.trusts(next);
      w.clientPort = undefined;
    }
    w.addresses.push(next);
    current = next;
    currentTrusted = nextTrusted;
  }
  w.client = current;
  return w;
}

function walkForwarded(c: Collected, policy: Policy, peer: Peer): Walk {
  const cols = parseForwardedColumns(c.values[H.Forwarded] as string, policy.maxEntries);
  if ('ok' in cols) {
    return malformed(
      peer,
      cols.error.startsWith('more than') ? `Forwarded has ${cols.error}` : `malformed Forwarded header: ${cols.error}`,
    );
  }
  return walk(
    cols.for.length,
    policy,
    peer,
    { fors: cols.for, protos: cols.proto, hosts: cols.host, ports: undefined, prefixes: undefined, bys: cols.by },
    'forwarded',
    'forwarded',
  );
}

// ---------------------------------------------------------------------------------------------------------

const compiledCache = new WeakMap<object, Policy>();

function toPolicy(p: Policy | PolicyOptions | undefined): Policy {
  if (p === undefined) return DEFAULT_POLICY;
  if ((p as Policy).kind === 'proxyproof-forwarded-policy') return p as Policy;
  let c = compiledCache.get(p);
  if (c === undefined) {
    c = createPolicy(p as PolicyOptions);
    compiledCache.set(p, c);
  }
  return c;
}

const DEFAULT_POLICY = createPolicy({});

/**
 * Resolves scheme, host, port and client address. Never throws for any request input: malformed or
 * oversized headers give an untrusted result (the socket's own values) with a reason. (A malformed *policy*
 * throws PolicyError — compile it once at start-up with createPolicy.)
 */
export function resolve(input: ResolveInput, policyOrOptions?: Policy | PolicyOptions): Resolved {
  const policy = toPolicy(policyOrOptions);
  try {
    return resolveWith(input, policy);
  } catch (err) {
    // Defensive: resolve must not throw on request input (e.g. a throwing getter in a foreign headers object).
    const label = typeof input?.remoteAddress === 'string' ? input.remoteAddress : undefined;
    return {
      scheme: input?.encrypted === true ? 'https' : 'http',
      host: undefined,
      port: undefined,
      clientAddress: label,
      addresses: label === undefined ? [] : [label],
      proxies: [],
      trusted: false,
      source: 'socket',
      reasons: [`request could not be read: ${err instanceof Error ? err.message : String(err)}`],
    };
  }
}

function resolveWith(input: ResolveInput, policy: Policy): Resolved {
  const c = collect(input.headers);
  const reasons: string[] = [];
  const encrypted = input.encrypted === true;
  let scheme = encrypted ? 'https' : 'http';

  // Oversized selected header: refuse before any parsing (bounded time whatever the input).
  for (let k = 0; k <= H.Authority; k++) {
    const v = c.values[k];
    if (v !== undefined && v.length > policy.maxHeaderLength && policy.selected[k]) {
      const label = input.unixSocket ? 'unix:' : input.remoteAddress || undefined;
      return {
        scheme,
        host: undefined,
        port: defaultPort(scheme),
        clientAddress: label,
        addresses: label === undefined ? [] : [label],
        proxies: [],
        trusted: false,
        source: 'socket',
        reasons: [`${NAMES[k]} header is longer than ${policy.maxHeaderLength} characters: forwarded headers ignored`],
      };
    }
  }

  // The request's own Host.
  let hostPort: HostPort | undefined;
  const hostSlot = c.values[H.Host] !== undefined ? H.Host : H.Authority;
  const rawHost = c.values[hostSlot];
  if (rawHost !== undefined) {
    const hp = c.lines[hostSlot] === 1 ? parseHostHeader(rawHost) : null;
    if (hp === null)
      reasons.push(
        c.lines[hostSlot] === 1 ? `invalid Host header ${JSON.stringify(rawHost.slice(0, 80))}` : 'several Host headers',
      );
    else hostPort = hp;
  }

  // The socket peer.
  let peer: Peer;
  if (input.unixSocket === true) {
    peer = { label: 'unix:', trusted: policy.trustUnix };
  } else if (typeof input.remoteAddress === 'string' && input.remoteAddress !== '') {
    peer = { label: input.remoteAddress, trusted: policy.trusts(input.remoteAddress, true) };
  } else {
    peer = { label: undefined, trusted: false };
  }

  const sel = policy.selected;
  const hasForwarded = sel[H.Forwarded] === true && c.values[H.Forwarded] !== undefined;
  let hasX = false;
  for (let k = H.XFor; k <= H.XRealIp; k++) if (c.values[k] !== undefined && sel[k]) hasX = true;

  let chosen: Walk | undefined;
  let source: ResolvedSource = 'socket';
  if (hasForwarded || hasX) {
    if (!peer.trusted) {
      reasons.push(
        peer.label === undefined
          ? 'the socket peer address is unknown: forwarded headers ignored'
          : `peer ${peer.label} is not a trusted proxy: forwarded headers ignored`,
      );
    } else {
      const fw = hasForwarded ? walkForwarded(c, policy, peer) : undefined;
      const xw = hasX ? walkX(c, policy, peer) : undefined;
      if (fw && xw) {
        const conflict = !fw.ok || !xw.ok || !sameOutcome(fw, xw);
        if (!conflict) {
          chosen = fw;
          source = 'forwarded';
        } else if (policy.onConflict === 'forwarded') {
          chosen = fw;
          source = 'forwarded';
          reasons.push('Forwarded and X-Forwarded-* disagree: Forwarded preferred by policy');
        } else if (policy.onConflict === 'x-forwarded') {
          chosen = xw;
          source = 'x-forwarded';
          reasons.push('Forwarded and X-Forwarded-* disagree: X-Forwarded-* preferred by policy');
        } else {
          reasons.push('Forwarded and X-Forwarded-* disagree: both ignored (policy onConflict: reject)');
          for (const r of [...fw.reasons, ...xw.reasons]) reasons.push(r);
        }
      } else {
        chosen = fw ?? xw;
        source = fw ? 'forwarded' : 'x-forwarded';
      }
      if (chosen && !chosen.ok) {
        for (const r of chosen.reasons) reasons.push(r);
        chosen = undefined;
        source = 'socket';
      }
    }
  }

  if (chosen === undefined || chosen.used === 0) {
    if (chosen) for (const r of chosen.reasons) reasons.push(r);
    const port = hostPort?.port ?? defaultPort(scheme);
    return {
      scheme,
      host: hostPort?.host,
      port,
      clientAddress: peer.label,
      addresses: peer.label === undefined ? [] : [peer.label],
      proxies: [],
      trusted: false,
      source: 'socket',
      reasons,
    };
  }
  for (const r of chosen.reasons) reasons.push(r);
  if (chosen.scheme !== undefined) scheme = chosen.scheme;
  let host = hostPort?.host;
  let explicitPort = hostPort?.port;
  if (chosen.host !== undefined) {
    host = chosen.host.host;
    explicitPort = chosen.host.port;
  }
  if (chosen.port !== undefined) explicitPort = chosen.port;
  const out: Resolved = {
    scheme,
    host,
    port: explicitPort ?? defaultPort(scheme),
    clientAddress: chosen.client,
    addresses: chosen.addresses,
    proxies: chosen.proxies,
    trusted: true,
    source,
    reasons,
  };
  if (chosen.clientPort !== undefined) out.clientPort = chosen.clientPort;
  if (chosen.prefix !== undefined) out.prefix = chosen.prefix;
  return out;
}

function sameOutcome(a: Walk, b: Walk): boolean {
  return (
    a.scheme === b.scheme &&
    a.host?.host === b.host?.host &&
    (a.port ?? a.host?.port) === (b.port ?? b.host?.port) &&
    a.client === b.client
  );
}
