// RFC 7239 `Forwarded` header parsing (section 4 grammar) and node syntax (section 6).
//
//   Forwarded         = 1#forwarded-element
//   forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
//   forwarded-pair    = token "=" value
//   value             = token / quoted-string
//
// Acceptance follows forwarded-parse 2.2.0 (the corpus' peer): optional whitespace is allowed after "," and
// ";" and before them after a value, never around "=", never at the very start or end of the field value;
// empty list elements and empty pairs are rejected. One deliberate difference: a parameter repeated inside
// one element is rejected (RFC 7239 section 4: "Each parameter MUST NOT occur more than once per
// forwarded-element"); forwarded-parse keeps the last one.

import { parseIPv4Range, parseIPv6Range } from './ip.js';

/** One forwarded-element: lower-cased parameter names to unescaped values. */
export type ForwardedElement = Record<string, string>;

export type ForwardedParseResult = { ok: true; elements: ForwardedElement[] } | { ok: false; error: string; index: number };

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TCHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c))
  ) {
    TCHAR[c] = 1;
  }
}

function isTchar(c: number): boolean {
  return c < 128 && TCHAR[c] === 1;
}

function fail(header: string, i: number): ForwardedParseResult {
  if (i >= header.length) return { ok: false, error: 'Unexpected end of input', index: i };
  return { ok: false, error: `Unexpected character '${header.charAt(i)}' at index ${i}`, index: i };
}

/** Parses a `Forwarded` field value (several header lines joined with ", "). Never throws. */
export function parseForwarded(header: string): ForwardedParseResult {
  const elements: ForwardedElement[] = [];
  const err = scan(header, elements, undefined);
  return err === undefined ? { ok: true, elements } : err;
}

/** The four RFC 7239 parameters of each element, in order (undefined where absent). */
export interface ForwardedColumns {
  for: (string | undefined)[];
  by: (string | undefined)[];
  host: (string | undefined)[];
  proto: (string | undefined)[];
}

/** Same grammar as parseForwarded, but only collects for/by/host/proto into columns (no per-element objects). */
export function parseForwardedColumns(
  header: string,
  maxElements: number,
): ForwardedColumns | { ok: false; error: string; index: number } {
  const cols: ForwardedColumns = { for: [], by: [], host: [], proto: [] };
  const err = scan(header, undefined, cols, maxElements);
  return err === undefined ? cols : err;
}

// Known parameter slots: 0 for, 1 by, 2 host, 3 proto, -1 extension.
function known(h: string, start: number, end: number): number {
  const len = end - start;
  if (len === 3) {
    return (h.charCodeAt(start) | 0x20) === 102 &&
      (h.charCodeAt(start + 1) | 0x20) === 111 &&
      (h.charCodeAt(start + 2) | 0x20) === 114
      ? 0
      : -1;
  }
  if (len === 2) return (h.charCodeAt(start) | 0x20) === 98 && (h.charCodeAt(start + 1) | 0x20) === 121 ? 1 : -1;
  if (len === 4) return eqLower(h, start, 'host') ? 2 : -1;
  if (len === 5) return eqLower(h, start, 'proto') ? 3 : -1;
  return -1;
}

/** ASCII case-insensitive comparison of h[start, start + lit.length) with a lower-case literal (letters only). */
function eqLower(h: string, start: number, lit: string): boolean {
  for (let k = 0; k < lit.length; k++) if ((h.charCodeAt(start + k) | 0x20) !== lit.charCodeAt(k)) return false;
  return true;
}

function scan(
  header: string,
  records: ForwardedElement[] | undefined,
  cols: ForwardedColumns | undefined,
  maxElements = Number.POSITIVE_INFINITY,
): { ok: false; error: string; index: number } | undefined {
  const n = header.length;
  let record: ForwardedElement | undefined = records ? {} : undefined;
  let seen = 0; // bitmask of known parameters in this element
  let extNames: string[] | undefined;
  let f: string | undefined;
  let b: string | undefined;
  let ho: string | undefined;
  let p: string | undefined;
  let count = 0;
  let i = 0;
  if (n === 0) return fail(header, 0) as { ok: false; error: string; index: number };
  while (true) {
    // token
    const nameStart = i;
    while (i < n && isTchar(header.charCodeAt(i))) i++;
    if (i === nameStart || i >= n || header.charCodeAt(i) !== 61 /* = */)
      return fail(header, i) as { ok: false; error: string; index: number };
    const nameEnd = i;
    i++;
    // value
    let value: string;
    if (i < n && header.charCodeAt(i) === 34 /* " */) {
      i++;
      let out = '';
      let chunk = i;
      while (true) {
        if (i >= n) return fail(header, i) as { ok: false; error: string; index: number };
        const c = header.charCodeAt(i);
        if (c === 34) break;
        if (c === 92 /* \ */) {
          // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
          const e = i + 1 < n ? header.charCodeAt(i + 1) : -1;
          if (!(e === 9 || (e >= 32 && e <= 126) || (e >= 128 && e <= 255)))
            return fail(header, i + 1) as { ok: false; error: string; index: number };
          out += header.slice(chunk, i) + header.charAt(i + 1);
          i += 2;
          chunk = i;
          continue;
        }
        // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
        if (!(c === 9 || (c >= 32 && c <= 126) || (c >= 128 && c <= 255)))
          return fail(header, i) as { ok: false; error: string; index: number };
        i++;
      }
      value = out + header.slice(chunk, i);
      i++; // closing quote
    } else {
      const valueStart = i;
      while (i < n && isTchar(header.charCodeAt(i))) i++;
      if (i === valueStart) return fail(header, i) as { ok: false; error: string; index: number };
      value = header.slice(valueStart, i);
    }
    // RFC 7239 section 4: a parameter MUST NOT occur more than once per element
    const k = known(header, nameStart, nameEnd);
    let repeated = false;
    if (k >= 0) {
      repeated = (seen & (1 << k)) !== 0;
      seen |= 1 << k;
      if (k === 0) f = value;
      else if (k === 1) b = value;
      else if (k === 2) ho = value;
      else p = value;
    } else {
      const lower = header.slice(nameStart, nameEnd).toLowerCase();
      if (extNames === undefined) extNames = [lower];
      else if (extNames.includes(lower)) repeated = true;
      else extNames.push(lower);
    }
    if (repeated) {
      const name = header.slice(nameStart, nameEnd).toLowerCase();
      return { ok: false, error: `Parameter '${name}' repeated in one element at index ${nameStart}`, index: nameStart };
    }
    if (record !== undefined) record[header.slice(nameStart, nameEnd).toLowerCase()] = value;
    // OWS then ";" / "," / end
    let endOfElement = i === n;
    if (!endOfElement) {
      while (i < n && (header.charCodeAt(i) === 32 || header.charCodeAt(i) === 9)) i++;
      if (i === n) return fail(header, i) as { ok: false; error: string; index: number };
      const sep = header.charCodeAt(i);
      if (sep === 44 /* , */) endOfElement = true;
      else if (sep !== 59 /* ; */) return fail(header, i) as { ok: false; error: string; index: number };
    }
    if (endOfElement) {
      if (++count > maxElements) return { ok: false, error: `more than ${maxElements} elements`, index: i };
      if (records !== undefined && record !== undefined) {
        records.push(record);
        record = {};
      }
      if (cols !== undefined) {
        cols.for.push(f);
        cols.by.push(b);
        cols.host.push(ho);
        cols.proto.push(p);
      }
      f = b = ho = p = undefined;
      seen = 0;
      extNames = undefined;
      if (i === n) return undefined;
    }
    i++;
    while (i < n && (header.charCodeAt(i) === 32 || header.charCodeAt(i) === 9)) i++;
  }
}

/** A parsed RFC 7239 node (`for=` / `by=` value). */
export type ForwardedNode =
  | { kind: 'ip'; address: string; port?: number | string }
  | { kind: 'unknown'; address: 'unknown'; port?: number | string }
  | { kind: 'obfuscated'; address: string; port?: number | string };

function isObfChars(s: string, start: number, end: number): boolean {
  // obfnode / obfport = "_" 1*( ALPHA / DIGIT / "." / "_" / "-" )
  if (end - start < 2 || s.charCodeAt(start) !== 95) return false;
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 95 || c === 45))
      return false;
  }
  return true;
}

function parsePort(s: string, start: number, end: number): number | string | null {
  // node-port = port / obfport ; port = 1*5DIGIT
  if (start >= end) return null;
  if (s.charCodeAt(start) === 95) return isObfChars(s, start, end) ? s.slice(start, end) : null;
  if (end - start > 5) return null;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    v = v * 10 + (c - 48);
  }
  return v <= 65535 ? v : null;
}

/**
 * Parses an RFC 7239 node: `IPv4[:port]`, `"[IPv6][:port]"`, `unknown[:port]`, `_obfuscated[:port]`.
 * IPv6 without brackets is rejected (section 6: "IPv6 addresses MUST be enclosed in brackets").
 */
export function parseNode(value: string): ForwardedNode | null {
  const n = value.length;
  if (n === 0 || n > 128) return null;
  let nameEnd: number;
  let portStart = -1;
  if (value.charCodeAt(0) === 91 /* [ */) {
    const close = value.indexOf(']');
    if (close === -1) return null;
    if (close + 1 < n) {
      if (value.charCodeAt(close + 1) !== 58) return null;
      portStart = close + 2;
    }
    const w = parseIPv6Range(value, 1, close);
    if (w === null) return null;
    const port = portStart === -1 ? undefined : parsePort(value, portStart, n);
    if (port === null) return null;
    const node: ForwardedNode = { kind: 'ip', address: value.slice(1, close) };
    if (port !== undefined) node.port = port;
    return node;
  }
  const colon = value.indexOf(':');
  if (colon !== -1) {
    if (value.indexOf(':', colon + 1) !== -1) return null; // bare IPv6
    nameEnd = colon;
    portStart = colon + 1;
  } else {
    nameEnd = n;
  }
  const port = portStart === -1 ? undefined : parsePort(value, portStart, n);
  if (port === null) return null;
  let node: ForwardedNode;
  if (nameEnd === 7 && value.slice(0, 7).toLowerCase() === 'unknown') {
    node = { kind: 'unknown', address: 'unknown' };
  } else if (isObfChars(value, 0, nameEnd)) {
    node = { kind: 'obfuscated', address: value.slice(0, nameEnd) };
  } else if (parseIPv4Range(value, 0, nameEnd) >= 0) {
    node = { kind: 'ip', address: value.slice(0, nameEnd) };
  } else {
    return null;
  }
  if (port !== undefined) node.port = port;
  return node;
}
