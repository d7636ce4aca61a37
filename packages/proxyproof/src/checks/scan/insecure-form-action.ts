import type { CheckMeta } from '../../model/check.js';
import { fixFor, mixedContentFindings, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/insecure-form-action',
  severity: 'high',
  title: 'Form submits to http://',
  summary: "A form (action or a button's formaction) on an https page targets an http:// URL.",
  references: [
    'https://www.w3.org/TR/mixed-content/#should-block-fetch',
    'https://blog.chromium.org/2020/08/protecting-google-chrome-users-from.html',
  ],
};

export const insecureFormAction: ScanCheck = {
  meta,
  run: (facts) =>
    mixedContentFindings(meta, facts, ['form'], (ref, a) => ({
      message: `a form on an https page submits to ${ref.url}`,
      why: 'Chromium warns on load ("contains a form that targets an insecure endpoint") and shows the full-page "The information you are about to submit is not secure" interstitial on submit; the data (passwords, CSRF tokens) travels in clear, and CSRF origin checks fail.',
      fix: fixFor(a, ref.url, facts),
    })),
};
