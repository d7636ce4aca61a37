import type { CheckMeta } from '../../model/check.js';
import { finding, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/hsts-over-http',
  severity: 'low',
  title: 'Strict-Transport-Security sent only over http (ignored)',
  summary:
    'The plain http:// response carries Strict-Transport-Security while the https:// one does not; browsers ignore HSTS received over http.',
  references: ['https://www.rfc-editor.org/rfc/rfc6797#section-8.1', 'https://www.rfc-editor.org/rfc/rfc6797#section-7.2'],
};

export const hstsOverHttp: ScanCheck = {
  meta,
  run(facts) {
    const h = facts.httpEntry;
    if (!h?.hsts) return [];
    const httpsPage = facts.pages.find((p) => p.finalUrl.startsWith('https:') && !p.redirectLoop);
    if (httpsPage?.hsts) return [];
    return [
      finding(meta, {
        message: `${h.url} sends Strict-Transport-Security: ${h.hsts}, but ${httpsPage ? `${httpsPage.finalUrl} does not` : 'no https page answered'}: the header is ignored`,
        evidence: [{ file: h.url, line: 0, snippet: `Strict-Transport-Security: ${h.hsts}`, source: 'live' }],
        why: 'RFC 6797 8.1: a user agent must ignore STS received over insecure transport. Typical of an nginx `add_header` in the port-80 server only, or an app that sends it when it (wrongly) believes the request is https.',
        fix: { description: 'send the header on the https:// server (add_header ... always; in the `listen 443 ssl` server)' },
        data: { url: h.url, header: h.hsts },
      }),
    ];
  },
};
