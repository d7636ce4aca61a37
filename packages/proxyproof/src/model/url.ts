/**
 * URLs built from or parsed out of user input (a server name from a config, a Location header from a site, a
 * `--url` option). `new URL()` throws on anything the WHATWG parser rejects (`<your-domain>`, `{$DOMAIN}:{$PORT}`,
 * `http://[bad`), and an uncaught throw surfaces as "internal error: Invalid URL": every such parse goes through
 * here and gets an answer instead of an exception.
 */

/** The parsed URL, or undefined when it is not one. */
export function tryUrl(raw: string, base?: string): URL | undefined {
  try {
    return base === undefined ? new URL(raw) : new URL(raw, base);
  } catch {
    return undefined;
  }
}

/** The host name of a URL, lower-cased, or undefined when it is not a URL. */
export function hostnameOf(raw: string, base?: string): string | undefined {
  return tryUrl(raw, base)?.hostname.toLowerCase();
}

export interface SiteUrl {
  url: string;
  /** The host actually used in `url` (differs from the name when the name is no host name). */
  host: string;
  /** Set when the name (or port) could not be used as written, saying what was used instead. */
  note?: string;
}

/**
 * The URL a browser would use for a site named `name` (a server name from a config) on `port`. A name that is
 * no host name (a template placeholder such as `<your-domain>` or `{$NC_DOMAIN}`, a regex server_name) is
 * simulated under a host made of its letters, digits, dots and dashes, with a note saying so; a port that is
 * not 1-65535 is left out. Never throws.
 */
export function siteUrl(tls: boolean, name: string, port: number): SiteUrl {
  const scheme = tls ? 'https' : 'http';
  const portOk = Number.isInteger(port) && port > 0 && port < 65536;
  const portPart = !portOk || (tls && port === 443) || (!tls && port === 80) ? '' : `:${port}`;
  // The common case, a lower-case DNS name, is its own URL host: no parse (one URL per site was ~2% of a
  // 10,000-server lint's CPU). Anything else goes through the WHATWG parser below.
  if (plainHostName(name))
    return { url: `${scheme}://${name}${portPart}/`, host: name, ...(portOk ? {} : { note: badPort(port) }) };
  const asHost = name.includes(':') && /^[0-9a-f:]+$/i.test(name) ? `[${name}]` : name;
  const direct = tryUrl(`${scheme}://${asHost}${portPart}/`);
  // The WHATWG parser accepts `{`, `$` or `*` in a host; a host that survives but changes (percent-encoding,
  // IDNA) is fine, as the URL names the same site.
  if (direct && !hasPlaceholderChar(name) && asHost !== '') {
    return { url: direct.toString(), host: direct.hostname, ...(portOk ? {} : { note: badPort(port) }) };
  }
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9.*_-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  const host = cleaned && tryUrl(`${scheme}://${cleaned}/`) ? cleaned : 'localhost';
  const url = tryUrl(`${scheme}://${host}${portPart}/`)?.toString() ?? `${scheme}://localhost/`;
  const notes = [`server name "${name}" is not a host name (a placeholder?): simulated as "${host}"`];
  if (!portOk) notes.push(badPort(port));
  return { url, host, note: notes.join('; ') };
}

/**
 * Whether the WHATWG URL parser keeps `name` as the host unchanged: lower-case letters, digits and dashes in
 * non-empty dot-separated labels, the last starting with a letter (a last label of digits or `0x...` makes the
 * parser read the host as an IPv4 number), and no `xn--` label (IDNA checks and may change or refuse it).
 */
function plainHostName(name: string): boolean {
  if (name.length === 0) return false;
  let labelStart = 0;
  for (let i = 0; i <= name.length; i++) {
    const c = i < name.length ? name.charCodeAt(i) : 46;
    if (c === 46) {
      if (i === labelStart) return false;
      labelStart = i + 1;
      continue;
    }
    const letter = c >= 97 && c <= 122;
    if (!letter && !(c >= 48 && c <= 57) && c !== 45) return false;
  }
  const last = name.slice(name.lastIndexOf('.') + 1);
  const first = last.charCodeAt(0);
  return first >= 97 && first <= 122 && !name.includes('xn--');
}

/** Whether `s` holds `{`, `}`, `$`, `<` or `>` (a loop: the regex was ~2% of a 10,000-server lint's CPU). */
function hasPlaceholderChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 123 || c === 125 || c === 36 || c === 60 || c === 62) return true;
  }
  return false;
}

function badPort(port: number): string {
  return `port ${String(port)} is not a TCP port: simulated on the scheme's default port`;
}
