import type { CookieFacts } from './types.js';

/**
 * Django's default cookie lifetimes (django/conf/global_settings.py): CSRF_COOKIE_AGE = 60*60*24*7*52 and
 * SESSION_COOKIE_AGE = 60*60*24*7*2. CsrfViewMiddleware and SessionMiddleware pass them as `max_age`, so a default
 * Django sends `Max-Age=31449600` on csrftoken and `Max-Age=1209600` on sessionid.
 */
const DJANGO_DEFAULT_AGE: Readonly<Record<string, number>> = { csrftoken: 31_449_600, sessionid: 1_209_600 };

/**
 * Why these cookies show a Django site, or undefined. A cookie name alone is no evidence (`sessionid` is a common
 * name in any framework): it takes Django's default name with Django's default Max-Age, or both of Django's default
 * cookie names (csrftoken and sessionid) on the same site.
 */
export function djangoCookieEvidence(cookies: Iterable<CookieFacts>): string | undefined {
  const names = new Set<string>();
  for (const c of cookies) {
    const age = DJANGO_DEFAULT_AGE[c.name];
    if (age !== undefined && c.lifetime === age) return `a ${c.name} cookie with Django's default Max-Age=${age}`;
    names.add(c.name);
  }
  return names.has('csrftoken') && names.has('sessionid') ? 'both csrftoken and sessionid cookies' : undefined;
}

/**
 * How to make the app trust the proxy's X-Forwarded-Proto, for a scan finding's fix: Django's setting only where the
 * site's cookies show Django (djangoCookieEvidence), otherwise the settings of the app servers and frameworks alike
 * (a live site does not say which one answers).
 */
export function trustAdvice(cookies: Iterable<CookieFacts>): string {
  return djangoCookieEvidence(cookies) !== undefined
    ? 'Django: SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")'
    : "the app server's or framework's trusted-proxy setting: gunicorn/uvicorn --forwarded-allow-ips, Express `trust proxy`, Werkzeug's ProxyFix, Rails' trusted proxies";
}
