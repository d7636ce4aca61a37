import type { CheckMeta } from '../../model/check.js';
import { byName } from './cookie-not-secure.js';
import { finding, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/secure-prefix-cookie-insecure',
  severity: 'medium',
  title: '__Secure-/__Host- cookie without Secure (dropped)',
  summary: 'A cookie whose name starts with __Secure- or __Host- is set without Secure; browsers reject it.',
  references: [
    'https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-cookie-name-prefixes',
    'https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie#cookie_prefixes',
  ],
};

export const securePrefixCookieInsecure: ScanCheck = {
  meta,
  run: (facts) =>
    [...byName(facts.pages.flatMap((p) => p.cookies).filter((c) => /^__(?:Secure|Host)-/i.test(c.name) && !c.secure))].map(
      ([name, occ]) =>
        finding(meta, {
          message: `cookie ${name} has the ${name.slice(0, name.indexOf('-') + 1)} prefix but no Secure attribute: the browser drops it (set on ${occ
            .map((c) => c.url)
            .slice(0, 3)
            .join(', ')})`,
          evidence: occ
            .slice(0, 20)
            .map((c) => ({ file: c.url, line: 0, snippet: `Set-Cookie: ${c.raw}`, source: 'live' as const })),
          why: 'The cookie is never stored: sessions or CSRF tokens that rely on it fail on every request.',
          fix: { description: 'set the cookie with Secure (the app must know the request is https)' },
          data: { cookie: name, urls: occ.map((c) => c.url) },
        }),
    ),
};
