/**
 * app/origin-check-fails: the app compares the browser's Origin (https://site) with its own idea of the
 * request's base URL (Rails forgery_protection_origin_check, on with load_defaults 5.0+), and the proxy in
 * front sends no scheme header it reads: every form POST fails ("HTTP Origin header didn't match request.base_url").
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { APP_REFS, appEnds, ev, schemeDelivery } from './common.js';

const meta: CheckMeta = {
  id: 'app/origin-check-fails',
  severity: 'medium',
  title: 'CSRF origin check compares https Origin with an http base URL',
  summary:
    'The app checks Origin against its own scheme+host, but the proxy never tells it the request was HTTPS: POSTs are rejected.',
  references: [APP_REFS.railsLoadDefaults, APP_REFS.rackScheme],
};

export const originCheckFails: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of appEnds(facts)) {
      const a = fw.appEnd;
      if (a.originCheck?.value !== true || a.assumeHttps?.value === true) continue;
      const d = schemeDelivery(facts, fw);
      const feed = d.feeds[0];
      if (d.status !== 'missing' || !feed) continue;
      out.push(
        finding(meta, {
          message:
            `${a.name} checks the Origin header of form posts against request.base_url${a.originCheck.note ? ` (${a.originCheck.note})` : ''}, ` +
            `but ${feed.scope.note ?? 'the proxy'} without a scheme header: the browser sends Origin https://..., ${a.name} computes http://... and rejects the POST (InvalidAuthenticityToken).`,
          evidence: [
            ev(a.originCheck.ref, 'origin check on'),
            { ...feed.scope, note: `${feed.scope.note}; sends no scheme header` },
          ],
          why: 'The CSRF origin check compares scheme, host and port. Behind a TLS-terminating proxy that does not forward the scheme, the app believes every request is http, so every https Origin differs.',
          fix: {
            description:
              'Forward the scheme from the proxy (the same fix as app/ssl-redirect-loop); do not turn the origin check off.',
            file: feed.pass.file,
            line: feed.pass.line,
            lines: ['    proxy_set_header X-Forwarded-Proto $scheme;'],
            placement: 'after',
          },
        }),
      );
    }
    return out;
  },
};
