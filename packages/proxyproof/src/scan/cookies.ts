/** Set-Cookie and Strict-Transport-Security parsing (RFC 6265bis attributes, RFC 6797 directives). */
import type { CookieFacts } from './types.js';

export function parseSetCookie(line: string, url: string): CookieFacts | undefined {
  const parts = line.split(';');
  const first = parts.shift() ?? '';
  const eq = first.indexOf('=');
  if (eq <= 0) return undefined;
  const name = first.slice(0, eq).trim();
  let secure = false;
  let httpOnly = false;
  let sameSite: string | undefined;
  let maxAge: number | undefined;
  let expires = false;
  let domain: string | undefined;
  for (const p of parts) {
    const [k, ...v] = p.split('=');
    const key = (k ?? '').trim().toLowerCase();
    if (key === 'secure') secure = true;
    else if (key === 'httponly') httpOnly = true;
    else if (key === 'samesite') sameSite = v.join('=').trim().toLowerCase();
    else if (key === 'max-age' && /^-?\d+$/.test(v.join('=').trim())) maxAge = Number(v.join('=').trim());
    else if (key === 'expires') expires = true;
    else if (key === 'domain' && v.join('=').trim()) domain = v.join('=').trim().replace(/^\./, '').toLowerCase();
  }
  const raw = `${name}=…${parts.length ? `;${parts.join(';')}` : ''}`;
  // RFC 6265 5.3 step 3: Max-Age wins over Expires; with neither the cookie ends with the browser session.
  const lifetime: CookieFacts['lifetime'] = maxAge !== undefined ? Math.max(maxAge, 0) : expires ? 'unknown' : 'session';
  return { name, secure, httpOnly, sameSite, raw, url, lifetime, ...(domain ? { domain } : {}) };
}

/** The least max-age that counts as keeping a cookie off plain http: a day (a browser session's stand-in). */
export const STS_MIN_AGE_S = 86_400;

/**
 * The max-age an HSTS policy needs to outlive a cookie of this lifetime (a browser-session cookie: a day), or
 * undefined when the lifetime is not known. One rule for the live scan's cookies and the settings' cookies
 * (checks/scan/cookie-not-secure.ts, checks/appserver/hsts-cover.ts).
 */
export function stsAgeNeeded(lifetime: number | 'session' | 'unknown' | undefined): number | undefined {
  if (lifetime === 'session') return STS_MIN_AGE_S;
  return typeof lifetime === 'number' ? Math.max(lifetime, STS_MIN_AGE_S) : undefined;
}

export interface Hsts {
  maxAge?: number;
  includeSubDomains: boolean;
  preload: boolean;
  /** Why the header is not usable, when it is malformed. */
  invalid?: string;
}

export function parseHsts(value: string): Hsts {
  const out: Hsts = { includeSubDomains: false, preload: false };
  const seen = new Set<string>();
  for (const d of value.split(';')) {
    const [k, ...v] = d.split('=');
    const key = (k ?? '').trim().toLowerCase();
    if (!key) continue;
    if (seen.has(key)) out.invalid = `directive '${key}' repeated (RFC 6797 6.1: the header is then ignored)`;
    seen.add(key);
    const val = v
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (key === 'max-age') {
      if (!/^\d+$/.test(val)) out.invalid = `max-age '${val}' is not a number`;
      else out.maxAge = Number(val);
    } else if (key === 'includesubdomains') out.includeSubDomains = true;
    else if (key === 'preload') out.preload = true;
  }
  if (out.maxAge === undefined && !out.invalid) out.invalid = 'no max-age directive (required)';
  return out;
}
