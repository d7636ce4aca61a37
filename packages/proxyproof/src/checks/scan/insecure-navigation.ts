import type { CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { attribute } from '../../scan/attribution.js';
import { finding, groupByUrl, pageEvidence, pagesText, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/insecure-navigation',
  severity: 'info',
  title: 'Link or meta refresh to http://',
  summary: 'An https page links (a/area href, meta refresh) to an http:// URL. Not mixed content: following it leaves https.',
  references: [
    'https://www.w3.org/TR/mixed-content/#category-optionally-blockable',
    'https://html.spec.whatwg.org/multipage/semantics.html#attr-meta-http-equiv-refresh',
  ],
};

export const insecureNavigation: ScanCheck = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const occ of groupByUrl(
      facts,
      (r) => r.classification === 'navigation',
      (p) => p.insecure,
    ).values()) {
      const first = occ[0]!;
      const a = attribute(facts, first.page, first.ref);
      out.push(
        finding(meta, {
          message: `${first.ref.kind === 'meta-refresh' ? 'meta refresh' : 'link'} to ${first.ref.url}\npages: ${pagesText(occ)}\ncause: ${a.explanation}`,
          evidence: pageEvidence(occ),
          why: "The browser shows no mixed-content error, but the user leaves https (or takes a redirect round trip); same-host http:// links are the backend's scheme showing.",
          fix: { description: 'link with https:// or a relative URL' },
          data: { url: first.ref.url, cause: a.cause, pages: [...new Set(occ.map((o) => o.page.finalUrl))] },
        }),
      );
    }
    return out;
  },
};
