/**
 * app/ssl-redirect-loop: an app end that redirects http to https (Rails force_ssl, WordPress
 * FORCE_SSL_ADMIN...) while the proxy in front sends none of the headers it reads the scheme from,
 * and nothing marks requests https (Rails assume_ssl): every proxied HTTPS request is redirected again.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { APP_REFS, appEnds, ev, schemeDelivery } from './common.js';

const meta: CheckMeta = {
  id: 'app/ssl-redirect-loop',
  severity: 'high',
  title: 'HTTPS redirect in the app, but the proxy never tells it the request was HTTPS',
  summary:
    'force_ssl (or another app-side redirect to https) behind a proxy that sends no scheme header the app reads: ERR_TOO_MANY_REDIRECTS.',
  references: [APP_REFS.railsSsl, APP_REFS.rackScheme, APP_REFS.railsAssumeSsl, APP_REFS.wordpressHttps],
};

export const sslRedirectLoop: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of appEnds(facts)) {
      const a = fw.appEnd;
      if (a.sslRedirect?.value !== true) continue;
      if (a.assumeHttps?.value === true) continue;
      const d = schemeDelivery(facts, fw);
      if (d.status !== 'missing') continue;
      const feed = d.feeds[0];
      if (!feed) continue;
      const gated = a.sslRedirect.origin === 'env' ? ` (on when ${a.sslRedirect.envVar} is set)` : '';
      const reads = a.schemeHeaders.map((h) => h.replace(/(^|-)([a-z])/g, (_m, s, c) => s + c.toUpperCase())).join(', ');
      out.push(
        finding(meta, {
          message:
            `${a.name} redirects every request it believes is http to https${gated}, but ${feed.scope.note ?? 'the proxy'} ` +
            `without any of ${reads}: each HTTPS request reaches ${a.name} as http and is redirected to the same URL again (ERR_TOO_MANY_REDIRECTS).`,
          evidence: [
            ev(a.sslRedirect.ref, `${a.name} redirects http to https here`),
            { ...feed.scope, note: `${feed.scope.note}; sends no scheme header` },
            ...d.feeds.slice(1, 3).map((f) => f.scope),
          ],
          why:
            `${a.name} decides "is this https?" from the forwarded scheme headers (${reads}); behind a proxy that ends TLS and sends none of them, ` +
            'the request looks like plain http, so the app answers with a redirect to https, which comes back through the same proxy as http.',
          fix: {
            description: `Make the proxy send X-Forwarded-Proto (nginx: proxy_set_header X-Forwarded-Proto $scheme; in the TLS server).${a.name === 'Rails' ? ' Rails 7.1+: config.assume_ssl = true also works when every request reaches Rails through the TLS proxy.' : ''}`,
            file: feed.pass.file,
            line: feed.pass.line,
            lines: ['    proxy_set_header X-Forwarded-Proto $scheme;'],
            placement: 'after',
          },
          data: { app: a.name, feeds: d.feeds.length },
        }),
      );
    }
    return out;
  },
};
