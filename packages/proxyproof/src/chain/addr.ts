/**
 * Addresses: parsing what proxies and app servers write (`127.0.0.1:8000`, `[::1]:8000`,
 * `unix:/run/app.sock`, `web:8000`), loopback semantics and trust-list matching.
 * `net.isIP` first, then ipaddr.js (ipaddr alone accepts `1.2.3`).
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { type ProxyAddrGeneration, proxyAddrIpv4Entries, proxyAddrSubnets, proxyAddrTrusts } from '../model/proxy-addr.js';
import type { Address, Peer, TrustSpec } from './model.js';

export function isLoopbackHost(host: string): boolean {
  const h = stripBrackets(host).toLowerCase();
  if (h === 'localhost' || h === 'ip6-localhost' || h === 'ip6-loopback') return true;
  const family = isIP(h);
  if (family === 0) return false;
  // An IPv4 address in node's strict dotted form (no leading zeros, each part 0-255) is in 127.0.0.0/8, ipaddr's
  // only IPv4 'loopback' range, exactly when its first part is 127: no parse (20,000 upstreams at 10,000 servers
  // made ipaddr's regex parser ~4% of a lint's CPU). IPv6, IPv4-mapped forms included, still goes through ipaddr.
  if (family === 4) return h.startsWith('127.');
  try {
    const a = ipaddr.process(h);
    return a.range() === 'loopback';
  } catch {
    return false;
  }
}

export function isWildcardHost(host: string): boolean {
  const h = stripBrackets(host);
  return h === '0.0.0.0' || h === '::' || h === '*' || h === '';
}

export function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/**
 * Parses `host:port`, `[v6]:port`, `:port`, `port`, `unix:/path` (nginx, gunicorn) or
 * `unix//path` (Caddy's `unix//`). `defaultPort` applies when no port is written.
 */
export function parseAddress(text: string, defaultPort?: number): Address | null {
  let t = text.trim();
  if (t === '') return null;
  if (t.startsWith('unix:')) {
    const path = t.slice(5).replace(/^\/\//, '/');
    const clean = path.replace(/:$/, '');
    return clean ? { kind: 'unix', path: clean } : null;
  }
  t = t.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (/^\d+$/.test(t)) return { kind: 'tcp', host: '0.0.0.0', port: Number(t) };
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (v6) {
    const port = v6[2] ? Number(v6[2]) : defaultPort;
    return port !== undefined ? { kind: 'tcp', host: v6[1] as string, port } : null;
  }
  const idx = t.lastIndexOf(':');
  if (idx >= 0 && t.indexOf(':') === idx) {
    const host = t.slice(0, idx) || '0.0.0.0';
    const port = Number(t.slice(idx + 1));
    return Number.isInteger(port) && port > 0 && port < 65536 ? { kind: 'tcp', host, port } : null;
  }
  if (isIP(t) === 6) return defaultPort !== undefined ? { kind: 'tcp', host: t, port: defaultPort } : null;
  return defaultPort !== undefined ? { kind: 'tcp', host: t, port: defaultPort } : null;
}

/** A template placeholder as the shared template reader renders it (collectors/template: `__tpl_<name>__`). */
const TEMPLATE_VALUE = /__tpl_[A-Za-z0-9_]*__/;

export function hasTemplateValue(text: string): boolean {
  return TEMPLATE_VALUE.test(text);
}

/**
 * A listen address whose port is a template value (`*:__tpl_port__`, `__tpl_port__`, `[::]:__tpl_port__`): the
 * host as written (`*` when none) and no port. Undefined when the port is not templated (parse it as usual).
 */
export function templatedListen(spec: string): { host: string } | undefined {
  const t = spec.trim();
  const close = t.startsWith('[') ? t.indexOf(']') : -1;
  const colon = close >= 0 ? (t[close + 1] === ':' ? close + 1 : -1) : t.lastIndexOf(':');
  const port = colon >= 0 ? t.slice(colon + 1) : t;
  if (!TEMPLATE_VALUE.test(port)) return undefined;
  return { host: colon > 0 ? t.slice(0, colon) : '*' };
}

/**
 * The ports part of a hop's label (`443`, `80,8080`, `?` for a templated port): the TLS listeners' ports when it
 * has any, else all of them.
 */
export function listenerPortsText(listeners: ReadonlyArray<{ port: number; tls: boolean; portUnknown?: boolean }>): string {
  const tls = listeners.filter((l) => l.tls);
  const shown = tls.length ? tls : listeners;
  return [...new Set(shown.map((l) => (l.portUnknown ? '?' : String(l.port))))].join(',');
}

export function addressText(a: Address): string {
  if (a.kind === 'unix') return `unix:${a.path}`;
  return `${isIP(a.host) === 6 ? `[${a.host}]` : a.host}:${a.port}`;
}

/**
 * Does a bind accept a connection to `target` from the same machine? `0.0.0.0` accepts
 * 127.0.0.1; `::` accepts ::1 and (dual stack, Linux default) 127.0.0.1; `localhost` resolves
 * to 127.0.0.1 first for nginx and for Python's socket binding.
 */
export function loopbackBindAccepts(bindHost: string, targetHost: string): boolean {
  const b = normLoopback(stripBrackets(bindHost));
  const t = normLoopback(stripBrackets(targetHost));
  if (b === '0.0.0.0') return t === '127.0.0.1';
  if (b === '::') return t === '127.0.0.1' || t === '::1';
  return b === t;
}

function normLoopback(h: string): string {
  const l = h.toLowerCase();
  if (l === 'localhost') return '127.0.0.1';
  if (l === 'ip6-localhost' || l === 'ip6-loopback') return '::1';
  if (l === '*' || l === '') return '0.0.0.0';
  if (isIP(l) === 4 && l.startsWith('127.')) return '127.0.0.1';
  return l;
}

/** The address a loopback connection to `targetHost` comes from. */
export function loopbackPeerIp(targetHost: string): string {
  return normLoopback(stripBrackets(targetHost)) === '::1' ? '::1' : '127.0.0.1';
}

function parseCidr(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  const [ip, bits] = entry.split('/');
  if (!ip || isIP(ip) === 0) return null;
  try {
    const a = ipaddr.process(ip);
    const max = a.kind() === 'ipv4' ? 32 : 128;
    const n = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(n) || n < 0 || n > max) return null;
    return [a, n];
  } catch {
    return null;
  }
}

export function ipInList(ip: string, list: string[]): boolean {
  if (isIP(ip) === 0) return false;
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    a = ipaddr.process(ip);
  } catch {
    return false;
  }
  for (const raw of list) {
    const e = raw.trim();
    if (e === '*') return true;
    if (e === 'loopback' && a.range() === 'loopback') return true;
    if (e === 'uniquelocal' && (a.range() === 'private' || a.range() === 'uniqueLocal')) return true;
    if (e === 'linklocal' && a.range() === 'linkLocal') return true;
    const c = parseCidr(e);
    if (c && c[0].kind() === a.kind() && a.match(c[0] as never, c[1])) return true;
  }
  return false;
}

/**
 * The trust-list entry that believes every peer: `*`, or a CIDR of prefix length 0 (`0.0.0.0/0` holds every IPv4
 * address, `::/0` every IPv6 one; Symfony's IpUtils, Gin's net.ParseCIDR and proxy-addr all match them so).
 * Undefined when no entry does.
 */
export function everyPeerEntry(list: string[]): string | undefined {
  return list.find((raw) => {
    const e = raw.trim();
    if (e === '*') return true;
    const c = parseCidr(e);
    return c !== null && c[1] === 0;
  });
}

export type TrustAnswer = 'yes' | 'no' | 'assumed';

/**
 * Whether a trust list covers a whole range (IPv4 or IPv6; Cloudflare publishes both): the list holds its first and
 * last address. A bare address or a text ipaddr.js cannot read stands for itself.
 */
export function rangeCovered(cidr: string, list: string[]): boolean {
  let ends: string[];
  try {
    const [addr] = ipaddr.parseCIDR(cidr);
    const kind = addr.kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6;
    ends = [kind.networkAddressFromCIDR(cidr).toString(), kind.broadcastAddressFromCIDR(cidr).toString()];
  } catch {
    ends = [cidr];
  }
  return ends.every((ip) => ipInList(ip, list));
}

/**
 * Does a trust list (gunicorn/uvicorn forwarded_allow_ips, nginx set_real_ip_from, Caddy
 * trusted_proxies) cover this peer? For peers whose address the files do not say (another
 * container, another host), a list with a concrete non-loopback entry is *assumed* to name the
 * proxy: the answer says so instead of guessing silently.
 */
export function trustsPeer(list: string[], peer: Peer, unixTrusted: boolean): TrustAnswer {
  if (list.some((e) => e.trim() === '*')) return 'yes';
  // Every IPv4 (or IPv6) address: whoever the peer is, a browser on the internet included.
  if (list.some((e) => /^(0\.0\.0\.0\/0|::\/0)$/.test(e.trim()))) return 'yes';
  switch (peer.kind) {
    case 'unix':
      return unixTrusted ? 'yes' : 'no';
    case 'loopback':
      return ipInList(peer.ip, list) ? 'yes' : 'no';
    case 'container':
    case 'remote': {
      if (peer.ip) return ipInList(peer.ip, list) ? 'yes' : 'no';
      // Only an address, a network or a named range can ever match a peer: gunicorn and uvicorn compare entries
      // with the peer's IP, so a host name or a quoted `"*"` (exec-form quoting) trusts nobody.
      const concrete = list.filter((e) => {
        const t = e.trim();
        const x = t.split('/')[0] ?? '';
        if (x === '' || isLoopbackHost(x) || x === 'loopback') return false;
        return parseCidr(t) !== null || ['uniquelocal', 'linklocal', 'private'].includes(t);
      });
      if (concrete.length === 0) return 'no';
      // Private ranges and named ranges cover container networks.
      return 'assumed';
    }
    default:
      return 'no';
  }
}

/**
 * Express / Fastify trust (proxy-addr): may the address at hop `i` (0 = the socket peer, else the X-Forwarded-For
 * entries walked from the right) be trusted? A list is matched as the pinned proxy-addr generation matches it
 * (model/proxy-addr.ts: `::ffff:10.0.0.0/8` trusts every IPv4 address up to 2.0.7 and none from 2.0.8); a socket
 * peer whose address the files do not say is taken as IPv4 (Docker's networks, a host's) and judged by `trustsPeer`
 * on the IPv4 ranges the list matches under that generation.
 */
export function proxyAddrTrust(
  spec: TrustSpec,
  addr: string | undefined,
  i: number,
  peer: Peer,
  gen: ProxyAddrGeneration,
): TrustAnswer {
  if (spec === true) return 'yes';
  if (spec === false) return 'no';
  if (typeof spec === 'number') return i < spec ? 'yes' : 'no';
  const ip = i === 0 ? ('ip' in peer ? peer.ip : undefined) : addr;
  if (ip !== undefined && isIP(ip) !== 0) return proxyAddrTrusts(proxyAddrSubnets(spec), ip, gen) ? 'yes' : 'no';
  if (i > 0) return 'no';
  return trustsPeer(proxyAddrIpv4Entries(spec, gen), peer, false);
}
