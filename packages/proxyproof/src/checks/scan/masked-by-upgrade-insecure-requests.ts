import type { CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { attribute } from '../../scan/attribution.js';
import { MIXED_CONTENT } from '../../scan/types.js';
import { finding, groupByUrl, hasUpgradeInsecureRequests, pageEvidence, pagesText, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/masked-by-upgrade-insecure-requests',
  severity: 'medium',
  title: 'http:// URLs hidden by CSP upgrade-insecure-requests',
  summary:
    'The page has CSP upgrade-insecure-requests, so Chromium reports nothing, but its raw HTML/CSS still contains http:// subresource URLs.',
  references: [
    'https://www.w3.org/TR/upgrade-insecure-requests/',
    'https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy/upgrade-insecure-requests',
  ],
};

export const maskedByUpgradeInsecureRequests: ScanCheck = {
  meta,
  run(facts) {
    const groups = groupByUrl(
      facts,
      (r) => MIXED_CONTENT.includes(r.classification) || r.classification === 'base',
      (p) => (hasUpgradeInsecureRequests(p) ? p.insecure : []),
    );
    if (groups.size === 0) return [];
    const occ = [...groups.values()].flat();
    const causes = occ.map((o) => attribute(facts, o.page, o.ref));
    const backend = causes.filter((c) => c.cause === 'backend-generated');
    const urls = [...groups.values()].map((g) => g[0]!.ref.url);
    const out: Finding[] = [
      finding(meta, {
        message: `CSP upgrade-insecure-requests hides ${urls.length} http:// URL(s) from the browser: ${urls.slice(0, 5).join(', ')}${urls.length > 5 ? ', ...' : ''}\npages: ${pagesText(occ)}\nhidden cause: ${(backend[0] ?? causes[0])!.explanation}`,
        evidence: pageEvidence(occ),
        why: 'Chromium upgrades every request before its mixed-content check, so the console is clean; but the backend still builds http:// URLs (redirects, canonical links, emails, OAuth redirect_uri, API responses are not rescued by the header).',
        fix: {
          description: backend.length
            ? 'fix the scheme at its source (X-Forwarded-Proto from the proxy, trusted by the app); keep the CSP header as a safety net'
            : 'write the URLs as https:// or relative',
        },
        data: { urls, cause: (backend[0] ?? causes[0])!.cause, pages: [...new Set(occ.map((o) => o.page.finalUrl))] },
      }),
    ];
    return out;
  },
};
