import type { CheckMeta } from '../../model/check.js';
import { fixFor, mixedContentFindings, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/mixed-content-blocked',
  severity: 'high',
  title: 'Mixed content blocked by the browser',
  summary:
    'An https page loads a script, stylesheet, frame, font, fetch, favicon, img with srcset or picture source over http://; Chromium blocks it.',
  references: [
    'https://www.w3.org/TR/mixed-content/',
    'https://developer.mozilla.org/en-US/docs/Web/Security/Mixed_content',
    'https://chromedevtools.github.io/devtools-protocol/tot/Audits/#type-MixedContentIssueDetails',
  ],
};

export const mixedContentBlocked: ScanCheck = {
  meta,
  run: (facts) =>
    mixedContentFindings(meta, facts, ['blocked'], (ref, a) => ({
      message: `${ref.url} (${ref.resourceType ?? ref.kind}${ref.viaBase ? ', relative URL made http:// by <base href>' : ''}) is blocked by Chromium on an https page`,
      why: 'The browser refuses to load it: the page loses its styles, scripts, fonts or frames ("Mixed Content: ... This request has been blocked" in the console).',
      fix: fixFor(a, ref.url, facts),
    })),
};
