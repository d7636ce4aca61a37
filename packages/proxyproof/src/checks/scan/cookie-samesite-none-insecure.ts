import type { CheckMeta } from '../../model/check.js';
import { byName } from './cookie-not-secure.js';
import { finding, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/cookie-samesite-none-insecure',
  severity: 'medium',
  title: 'SameSite=None cookie without Secure (dropped by Chromium)',
  summary: 'A cookie is set with SameSite=None but without Secure; Chromium rejects it.',
  references: [
    'https://www.chromium.org/updates/same-site/',
    'https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-the-samesite-attribute',
  ],
};

export const cookieSameSiteNoneInsecure: ScanCheck = {
  meta,
  run: (facts) =>
    [...byName(facts.pages.flatMap((p) => p.cookies).filter((c) => c.sameSite === 'none' && !c.secure))].map(([name, occ]) =>
      finding(meta, {
        message: `cookie ${name} has SameSite=None without Secure: Chromium drops it (set on ${occ
          .map((c) => c.url)
          .slice(0, 3)
          .join(', ')})`,
        evidence: occ
          .slice(0, 20)
          .map((c) => ({ file: c.url, line: 0, snippet: `Set-Cookie: ${c.raw}`, source: 'live' as const })),
        why: "The cookie never reaches the browser's jar: embedded/cross-site logins and sessions silently fail. Frameworks add Secure only when they believe the request is https, so a lost X-Forwarded-Proto produces exactly this.",
        fix: {
          description:
            'add Secure (and make sure the app knows the request is https: X-Forwarded-Proto from the proxy, trusted by the app)',
        },
        data: { cookie: name, urls: occ.map((c) => c.url) },
      }),
    ),
};
