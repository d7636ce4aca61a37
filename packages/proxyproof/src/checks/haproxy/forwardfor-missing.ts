/**
 * haproxy/forwardfor-missing: an HTTP frontend forwards to a backend without `option forwardfor`
 * and without any X-Forwarded-For rule. HAProxy adds nothing by itself, so the app sees HAProxy's
 * address as the client, or — if it trusts X-Forwarded-For from HAProxy — the value the client sent.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { eachSite, ev, httpRoutes, PROXY_DOCS, rulesNamed } from '../proxy/common.js';

const meta: CheckMeta = {
  id: 'haproxy/forwardfor-missing',
  severity: 'medium',
  title: 'HAProxy forwards HTTP without telling the client address',
  summary:
    'No `option forwardfor` and no X-Forwarded-For rule: the app sees the proxy as the client, or trusts a client-sent X-Forwarded-For.',
  references: [PROXY_DOCS.haproxyForwardfor, PROXY_DOCS.haproxySetHeader],
};

export const haproxyForwardforMissing: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const { config, site } of eachSite(facts)) {
      if (config.kind !== 'haproxy' || site.mode !== 'http') continue;
      const routes = httpRoutes(site);
      const missing = routes.filter(
        (r) =>
          r.upstreams.length > 0 &&
          rulesNamed(r.headers, 'x-forwarded-for').length === 0 &&
          rulesNamed(r.headers, 'forwarded').length === 0,
      );
      if (missing.length === 0) continue;
      const r0 = missing[0];
      out.push(
        finding(meta, {
          message: `${site.label} forwards to ${missing.map((r) => r.match.replace(/^.*-> /, '')).join(', ')} without option forwardfor or an X-Forwarded-For rule: the app loses the client address (or, if it trusts X-Forwarded-For from HAProxy, takes the one the client sent)`,
          evidence: [ev(site.ref, 'no option forwardfor here, in its backend or defaults'), ev(r0?.ref, 'forwards here')],
          why: 'HAProxy passes client headers unchanged and adds X-Forwarded-For only with `option forwardfor`. An app configured to trust X-Forwarded-For from the proxy then reads whatever the client wrote; otherwise every request seems to come from the proxy (rate limits and bans hit everyone).',
          fix: {
            description:
              'Replace X-Forwarded-For with the connection address on the frontend (or add `option forwardfor` when an upstream proxy list must be kept).',
            file: site.ref.file,
            line: site.ref.line,
            lines: ['    http-request set-header X-Forwarded-For %[src]'],
            placement: 'after',
          },
        }),
      );
    }
    return out;
  },
};
