import type { CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { attribute } from '../../scan/attribution.js';
import { finding, fixFor, groupByUrl, pageEvidence, pagesText, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/insecure-base-href',
  severity: 'high',
  title: '<base href> on http://',
  summary: 'An https page has `<base href="http://...">`: every relative URL on it resolves to http://.',
  references: ['https://html.spec.whatwg.org/multipage/semantics.html#the-base-element', 'https://www.w3.org/TR/mixed-content/'],
};

export const insecureBaseHref: ScanCheck = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const occ of groupByUrl(
      facts,
      (r) => r.classification === 'base',
      (p) => p.insecure,
    ).values()) {
      const first = occ[0]!;
      const a = attribute(facts, first.page, first.ref);
      const inherited = first.page.insecure.filter((r) => r.viaBase).length;
      out.push(
        finding(meta, {
          message: `<base href="${first.ref.url}"> makes ${inherited} relative URL${inherited === 1 ? '' : 's'} on the page http://\npages: ${pagesText(occ)}\ncause: ${a.explanation}`,
          evidence: pageEvidence(occ),
          why: 'Relative scripts and stylesheets become blocked mixed content, images are upgraded, links leave https: one tag breaks the whole page.',
          fix: {
            description:
              a.cause === 'backend-generated'
                ? fixFor(a, first.ref.url, facts)
                : 'write the base as https:// or a path (`<base href="/">`)',
          },
          data: { url: first.ref.url, cause: a.cause, pages: [...new Set(occ.map((o) => o.page.finalUrl))] },
        }),
      );
    }
    return out;
  },
};
