/**
 * proxy-addr's address matching, which Express's `trust proxy` and Fastify's `trustProxy` compile their address lists
 * with, by the proxy-addr generation a lockfile pins. Read in its source (github:jshttp/proxy-addr, v2.0.7's index.js,
 * and the published 2.0.8, the version installed here; `compile`, `parseipNotation`, `trustMulti`/`trustSingle`):
 * - names expand to ranges: loopback 127.0.0.1/8 ::1/128, linklocal 169.254.0.0/16 fe80::/10, uniquelocal 10.0.0.0/8
 *   172.16.0.0/12 192.168.0.0/16 fc00::/7; an entry without a prefix is a host (/32, /128), and an IPv4-mapped
 *   address without a prefix is stored as IPv4;
 * - up to 2.0.7 an IPv4 peer meets an IPv6 entry as `::ffff:a.b.c.d`, so an IPv6 prefix shorter than /96 that covers
 *   `::ffff:0:0` (`::ffff:10.0.0.0/8`, `::/64`) matches EVERY IPv4 address (GHSA-jqcg-44mw-7w3h);
 * - 2.0.8 first turns a mapped peer into IPv4, lets an IPv6 entry match IPv4 only when it is a mapped subnet of /96
 *   or longer, and never matches a native IPv6 peer against a mapped subnet.
 * An IPv4 peer and its mapped form (`::ffff:a.b.c.d`, what a dual-stack listener reports) are matched alike by both.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { parseVersion, versionBelow } from './npm-version.js';

/** 'before-2.0.8': 1.1.0-2.0.7 (the advisory's range); '2.0.8': 2.0.8 and later, and what npm installs today. */
export type ProxyAddrGeneration = 'before-2.0.8' | '2.0.8';

const FIXED = [2, 0, 8] as const;
const FIRST_AFFECTED = [1, 1, 0] as const;

/** Is this installed proxy-addr version inside the advisory's range (>=1.1.0 <2.0.8)? undefined: not a version. */
export function proxyAddrAffected(version: string): boolean | undefined {
  const v = parseVersion(version);
  return v ? !versionBelow(v, FIRST_AFFECTED) && versionBelow(v, FIXED) : undefined;
}

/**
 * The generation that decides, from the versions a lockfile pins (every copy): an affected copy wins, as in the
 * advisory check (the copy Express resolves is not known when several are pinned). None pinned, or none readable:
 * undefined (the caller says what it assumes).
 */
export function proxyAddrGeneration(versions: readonly string[]): ProxyAddrGeneration | undefined {
  const known = versions.map(proxyAddrAffected).filter((x) => x !== undefined);
  if (known.length === 0) return undefined;
  return known.includes(true) ? 'before-2.0.8' : '2.0.8';
}

const MAPPED_BLOCK = ipaddr.parse('::ffff:0:0') as ipaddr.IPv6;

/**
 * A trust entry an affected proxy-addr matches against every IPv4 address: IPv6, a prefix shorter than /96, and a
 * network that holds `::ffff:0:0`. `ipv4` is the IPv4 form the writer meant when the entry is an IPv4 address on the
 * mapped notation with a prefix that fits IPv4 (`::ffff:10.0.0.0/8` -> `10.0.0.0/8`); presets and IPv4 entries never
 * span it, nor does a prefix-less mapped address (proxy-addr stores it as IPv4).
 */
export function spansMappedBlock(entry: string): { ipv4?: string } | undefined {
  const slash = entry.lastIndexOf('/');
  if (slash === -1) return undefined;
  const addr = entry.slice(0, slash).trim();
  const bits = entry.slice(slash + 1).trim();
  if (isIP(addr) !== 6 || !/^\d+$/.test(bits)) return undefined;
  const n = Number(bits);
  if (n <= 0 || n >= 96) return undefined;
  const ip = ipaddr.parse(addr) as ipaddr.IPv6;
  if (!MAPPED_BLOCK.match(ip, n)) return undefined;
  return ip.isIPv4MappedAddress() && n <= 32 ? { ipv4: `${ip.toIPv4Address().toString()}/${n}` } : {};
}

const PRESETS: Record<string, string[]> = {
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  loopback: ['127.0.0.1/8', '::1/128'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

export type Subnet = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** parseipNotation: undefined where proxy-addr throws at start-up (reported by the trust checks, not matched here). */
function subnetOf(note: string): Subnet | undefined {
  const pos = note.lastIndexOf('/');
  const str = pos === -1 ? note : note.slice(0, pos);
  if (isIP(str) === 0) return undefined;
  let ip: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(str);
  if (pos === -1 && ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const max = ip.kind() === 'ipv6' ? 128 : 32;
  const range = pos === -1 ? String(max) : note.slice(pos + 1);
  let n: number | undefined;
  if (/^\d+$/.test(range)) n = Number(range);
  else if (ip.kind() === 'ipv4' && isIP(range) === 4) n = (ipaddr.parse(range) as ipaddr.IPv4).prefixLengthFromSubnetMask() ?? 0;
  if (n === undefined || n <= 0 || n > max) return undefined;
  return [ip, n];
}

/** The subnets a trust list compiles to (names expanded, unparsable entries left out). */
export function proxyAddrSubnets(list: readonly string[]): Subnet[] {
  const out: Subnet[] = [];
  for (const e of list)
    for (const x of PRESETS[e.trim()] ?? [e.trim()]) {
      const sub = subnetOf(x);
      if (sub) out.push(sub);
    }
  return out;
}

/** proxy-addr's `trust(addr)` for one compiled list, as the given generation answers it. */
export function proxyAddrTrusts(subnets: readonly Subnet[], addr: string, gen: ProxyAddrGeneration): boolean {
  if (isIP(addr) === 0) return false;
  let ip: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(addr);
  const mapped = (x: ipaddr.IPv4 | ipaddr.IPv6): x is ipaddr.IPv6 =>
    x.kind() === 'ipv6' && (x as ipaddr.IPv6).isIPv4MappedAddress();
  if (gen === '2.0.8' && mapped(ip)) ip = ip.toIPv4Address();
  for (const [sub, n] of subnets) {
    let candidate: ipaddr.IPv4 | ipaddr.IPv6 = ip;
    if (ip.kind() !== sub.kind()) {
      if (sub.kind() === 'ipv4' && !mapped(ip)) continue;
      if (gen === '2.0.8' && sub.kind() === 'ipv6' && !(n >= 96 && mapped(sub))) continue;
      candidate = sub.kind() === 'ipv4' ? (ip as ipaddr.IPv6).toIPv4Address() : (ip as ipaddr.IPv4).toIPv4MappedAddress();
    } else if (gen === '2.0.8' && ip.kind() === 'ipv6' && mapped(sub)) continue;
    if (candidate.match(sub as never, n)) return true;
  }
  return false;
}

/**
 * What a list means for an IPv4 peer whose address the files do not say (a container, another host): each entry as
 * the IPv4 range it matches under the generation — '0.0.0.0/0' for an entry that matches every IPv4 address, the
 * IPv4 form of a mapped subnet that proxy-addr matches as IPv4, nothing for an entry that matches no IPv4 address —
 * so the chain's "assumed to name the proxy" reading works on what proxy-addr will do, not on what was meant.
 */
export function proxyAddrIpv4Entries(list: readonly string[], gen: ProxyAddrGeneration): string[] {
  const out: string[] = [];
  for (const raw of list) {
    const e = raw.trim();
    if (PRESETS[e]) {
      out.push(e);
      continue;
    }
    const sub = subnetOf(e);
    if (!sub) {
      out.push(e);
      continue;
    }
    const [ip, n] = sub;
    if (ip.kind() === 'ipv4') out.push(`${ip.toString()}/${n}`);
    else if (gen === 'before-2.0.8' && spansMappedBlock(e)) out.push('0.0.0.0/0');
    else if (n >= 96 && (ip as ipaddr.IPv6).isIPv4MappedAddress())
      out.push(n === 96 ? '0.0.0.0/0' : `${(ip as ipaddr.IPv6).toIPv4Address().toString()}/${n - 96}`);
    // Otherwise an IPv6 range that holds no IPv4-mapped address (or, from 2.0.8, any shorter than /96): never an
    // IPv4 peer.
  }
  return out;
}
