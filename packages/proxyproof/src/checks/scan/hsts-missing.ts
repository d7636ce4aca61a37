import type { CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { parseHsts } from '../../scan/cookies.js';
import { djangoCookieEvidence } from '../../scan/django.js';
import { finding, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/hsts-missing',
  severity: 'low',
  title: 'Strict-Transport-Security missing or weak',
  summary: 'The https entry page sends no usable Strict-Transport-Security header, or one with a short max-age.',
  references: [
    'https://www.rfc-editor.org/rfc/rfc6797',
    'https://hstspreload.org/#deployment-recommendations',
    'https://docs.djangoproject.com/en/stable/ref/middleware/#http-strict-transport-security',
  ],
};

/** Below this, HSTS protects returning visitors only briefly (hstspreload.org asks for one year). */
export const MIN_MAX_AGE = 15_552_000; // 180 days

export const hstsMissing: ScanCheck = {
  meta,
  run(facts) {
    const page = facts.pages.find((p) => p.finalUrl.startsWith('https:') && !p.redirectLoop && p.status < 400);
    if (!page) return [];
    const evidence = djangoCookieEvidence(facts.pages.flatMap((p) => p.cookies));
    const django = evidence !== undefined;
    const djangoNote = django
      ? ` This looks like a Django site (${evidence}): Django's SecurityMiddleware sends HSTS only when request.is_secure(), so its absence is itself evidence that the app believes the request is plain http.`
      : '';
    const out: Finding[] = [];
    if (!page.hsts) {
      out.push(
        finding(meta, {
          message: `${page.finalUrl} sends no Strict-Transport-Security header.${djangoNote}`,
          evidence: [{ file: page.finalUrl, line: 0, snippet: 'Strict-Transport-Security: (absent)', source: 'live' }],
          why: 'Without HSTS the first request of every visit can go over plain http and be intercepted (SSL stripping).',
          fix: {
            description: django
              ? 'send HSTS from the proxy (or, for Django, set SECURE_HSTS_SECONDS once the app sees https)'
              : 'send HSTS from the proxy (or from the app, once it sees https)',
            lines: ['add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;'],
          },
          data: { url: page.finalUrl, djangoHint: django },
        }),
      );
      return out;
    }
    const h = parseHsts(page.hsts);
    const weak =
      h.invalid ??
      (h.maxAge !== undefined && h.maxAge < MIN_MAX_AGE
        ? `max-age=${h.maxAge} is under 180 days${h.maxAge === 0 ? ' (0 removes the policy)' : ''}`
        : undefined);
    if (weak) {
      out.push(
        finding(meta, {
          message: `${page.finalUrl} sends a weak Strict-Transport-Security header: ${weak}`,
          evidence: [{ file: page.finalUrl, line: 0, snippet: `Strict-Transport-Security: ${page.hsts}`, source: 'live' }],
          why: 'The browser forgets (or ignores) the policy quickly, so plain-http first requests come back.',
          fix: {
            description: 'use max-age of at least one year',
            lines: ['Strict-Transport-Security: max-age=31536000; includeSubDomains'],
          },
          data: { url: page.finalUrl, header: page.hsts, weak },
        }),
      );
    }
    return out;
  },
};
