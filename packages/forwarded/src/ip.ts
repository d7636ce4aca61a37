// Strict IPv4 / IPv6 parsing and CIDR matching, written here on purpose (see README "Why our own IP parser"):
// the package has zero runtime dependencies, and the usual parser (ipaddr.js, used by proxy-addr) accepts
// forms that different programs read differently — `1.2.3`, `127.1`, `2130706433`, `0x7f.0.0.1` and
// `010.0.0.1` (octal 8.0.0.1 for ipaddr.js, decimal 10.0.0.1 for others). A trust decision must not depend on
// which reading wins, so every such form is rejected here: IPv4 is exactly four decimal octets 0-255 without
// leading zeros; IPv6 is RFC 4291 text (hex groups of 1-4 digits, at most one `::`, optional dotted IPv4 tail).

/** A parsed address. IPv4 is one unsigned 32-bit number; IPv6 is eight 16-bit words. */
export type ParsedIP = { readonly v: 4; readonly n: number } | { readonly v: 6; readonly w: readonly number[] };

/** Parses `a.b.c.d` in s[start, end). Returns the unsigned 32-bit value or -1. */
export function parseIPv4Range(s: string, start: number, end: number): number {
  let value = 0;
  let octets = 0;
  let i = start;
  while (true) {
    const octetStart = i;
    let octet = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      i++;
      if (i - octetStart > 3) return -1;
    }
    const len = i - octetStart;
    if (len === 0 || octet > 255) return -1;
    if (len > 1 && s.charCodeAt(octetStart) === 48) return -1; // leading zero: octal or decimal? refuse
    value = value * 256 + octet;
    octets++;
    if (octets === 4) return i === end ? value : -1;
    if (i >= end || s.charCodeAt(i) !== 46 /* . */) return -1;
    i++;
  }
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses an IPv6 address (no brackets, no zone) in s[start, end). Returns 8 words or null. */
export function parseIPv6Range(s: string, start: number, end: number): number[] | null {
  if (end - start < 2 || end - start > 45) return null;
  const head: number[] = [];
  let tail: number[] | null = null; // words after '::'
  let i = start;
  if (s.charCodeAt(i) === 58 /* : */) {
    if (s.charCodeAt(i + 1) !== 58) return null;
    tail = [];
    i += 2;
    if (i === end) return [0, 0, 0, 0, 0, 0, 0, 0];
  }
  while (i < end) {
    const groupStart = i;
    let group = 0;
    while (i < end) {
      const h = hexVal(s.charCodeAt(i));
      if (h < 0) break;
      group = group * 16 + h;
      i++;
    }
    const len = i - groupStart;
    const target = tail ?? head;
    if (i < end && s.charCodeAt(i) === 46 /* . */) {
      // dotted IPv4 tail: must be the last thing
      const v4 = parseIPv4Range(s, groupStart, end);
      if (v4 < 0) return null;
      target.push(Math.floor(v4 / 65536), v4 % 65536);
      i = end;
      break;
    }
    if (len === 0 || len > 4) return null;
    target.push(group);
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return null;
    i++;
    if (i < end && s.charCodeAt(i) === 58) {
      if (tail !== null) return null; // second '::'
      tail = [];
      i++;
      if (i === end) break;
    } else if (i === end) {
      return null; // trailing single ':'
    }
  }
  if (tail === null) {
    return head.length === 8 ? head : null;
  }
  const total = head.length + tail.length;
  if (total > 7) return null; // '::' stands for at least one zero group
  const words = new Array<number>(8).fill(0);
  for (let k = 0; k < head.length; k++) words[k] = head[k] as number;
  for (let k = 0; k < tail.length; k++) words[8 - tail.length + k] = tail[k] as number;
  return words;
}

const ZONE_CHAR = /^[A-Za-z0-9._~-]+$/;

/**
 * Parses a textual IP address. `allowZone` permits an IPv6 zone suffix (`fe80::1%eth0`), which Node may report
 * for a link-local socket peer; the zone is ignored for matching.
 */
export function parseIP(s: string, allowZone = false): ParsedIP | null {
  const len = s.length;
  if (len === 0 || len > 64) return null;
  let colon = false;
  for (let i = 0; i < len; i++) {
    if (s.charCodeAt(i) === 58) {
      colon = true;
      break;
    }
  }
  if (!colon) {
    const n = parseIPv4Range(s, 0, len);
    return n < 0 ? null : { v: 4, n };
  }
  let end = len;
  const pct = s.indexOf('%');
  if (pct !== -1) {
    if (!allowZone || !ZONE_CHAR.test(s.slice(pct + 1))) return null;
    end = pct;
  }
  const w = parseIPv6Range(s, 0, end);
  return w === null ? null : { v: 6, w };
}

/** True if the text is a valid strict IP address (IPv4 or IPv6, no zone). */
export function isIP(s: string): boolean {
  return parseIP(s) !== null;
}

/** If `ip` is an IPv4-mapped IPv6 address (::ffff:a.b.c.d), its IPv4 form; else `ip` itself. */
export function unmapIPv4(ip: ParsedIP): ParsedIP {
  if (ip.v === 6) {
    const w = ip.w;
    if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) {
      return { v: 4, n: (w[6] as number) * 65536 + (w[7] as number) };
    }
  }
  return ip;
}

/** A network: IPv4 `net`/`bits`, or IPv6 words/`bits`. */
export type Network =
  | { readonly v: 4; readonly net: number; readonly bits: number }
  | { readonly v: 6; readonly w: readonly number[]; readonly bits: number };

function maskV4(n: number, bits: number): number {
  if (bits === 0) return 0;
  const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
  return (n & mask) >>> 0;
}

function netmaskToBits(n: number): number {
  // contiguous ones then zeros only
  let bits = 0;
  let seenZero = false;
  for (let b = 31; b >= 0; b--) {
    const one = Math.floor(n / 2 ** b) % 2 === 1;
    if (one) {
      if (seenZero) return -1;
      bits++;
    } else seenZero = true;
  }
  return bits;
}

/**
 * Parses `addr`, `addr/len` or IPv4 `addr/netmask`. IPv4-mapped IPv6 forms become IPv4 networks (a bare
 * mapped address, or a mapped network with a prefix of 96 or more), as proxy-addr does. A prefix of 0 is
 * accepted (0.0.0.0/0 trusts every IPv4 peer), unlike proxy-addr. Returns an error message on failure.
 */
export function parseNetwork(text: string): Network | string {
  const slash = text.lastIndexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIP(addrText);
  if (ip === null) return `invalid IP address: ${addrText}`;
  const max = ip.v === 4 ? 32 : 128;
  let bits = max;
  if (slash !== -1) {
    const r = text.slice(slash + 1);
    if (/^(0|[1-9][0-9]{0,2})$/.test(r)) {
      bits = Number(r);
    } else if (ip.v === 4 && !r.includes(':')) {
      const mask = parseIP(r);
      bits = mask !== null && mask.v === 4 ? netmaskToBits(mask.n) : -1;
    } else {
      bits = -1;
    }
    if (bits < 0 || bits > max) return `invalid range on address: ${text}`;
  }
  if (ip.v === 4) return { v: 4, net: maskV4(ip.n, bits), bits };
  const mapped = unmapIPv4(ip);
  if (mapped.v === 4 && bits >= 96) return { v: 4, net: maskV4(mapped.n, bits - 96), bits: bits - 96 };
  const w = ip.w.slice();
  for (let k = 0; k < 8; k++) {
    const keep = Math.max(0, Math.min(16, bits - k * 16));
    w[k] = keep === 0 ? 0 : keep === 16 ? (w[k] as number) : (w[k] as number) & ((0xffff << (16 - keep)) & 0xffff);
  }
  return { v: 6, w, bits };
}

/** True if `ip` (already unmapped with unmapIPv4) lies in `network`. */
export function networkContains(network: Network, ip: ParsedIP): boolean {
  if (network.v === 4) {
    return ip.v === 4 && maskV4(ip.n, network.bits) === network.net;
  }
  if (ip.v !== 6) return false;
  let bits = network.bits;
  for (let k = 0; k < 8 && bits > 0; k++) {
    const a = ip.w[k] as number;
    const b = network.w[k] as number;
    if (bits >= 16) {
      if (a !== b) return false;
      bits -= 16;
    } else {
      const m = (0xffff << (16 - bits)) & 0xffff;
      return (a & m) === b;
    }
  }
  return true;
}

/** Canonical text of an IP (RFC 5952 for IPv6), used in reasons and tests. */
export function formatIP(ip: ParsedIP): string {
  if (ip.v === 4) {
    const n = ip.n;
    return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
  }
  const w = ip.w;
  let bestStart = -1;
  let bestLen = 0;
  for (let k = 0; k < 8; ) {
    if (w[k] === 0) {
      let j = k;
      while (j < 8 && w[j] === 0) j++;
      if (j - k > bestLen && j - k > 1) {
        bestStart = k;
        bestLen = j - k;
      }
      k = j;
    } else k++;
  }
  const hex = (a: number, b: number) =>
    w
      .slice(a, b)
      .map((x) => x.toString(16))
      .join(':');
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}
