import type { CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { finding, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/forwarded-proto-spoofable',
  severity: 'high',
  title: 'X-Forwarded-Proto from the client changes the page',
  summary:
    '--confirm-cause: a request with X-Forwarded-Proto: https added by the client produced different URLs, so the header crosses the proxy unchecked and the app trusts it.',
  references: [
    'https://docs.djangoproject.com/en/stable/ref/settings/#secure-proxy-ssl-header',
    'https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header',
    'https://expressjs.com/en/guide/behind-proxies.html',
  ],
};

export const forwardedProtoSpoofable: ScanCheck = {
  meta,
  run(facts) {
    const changed = facts.confirm.filter((c) => c.before.some((u) => !c.after.includes(u)));
    if (!changed.length) return [];
    const out: Finding[] = [
      finding(meta, {
        message: `sending X-Forwarded-Proto: https from the client changed ${changed.length} page(s): ${changed
          .slice(0, 3)
          .map((c) => `${c.page} (${c.before.filter((u) => !c.after.includes(u)).length} http:// URL(s) became https://)`)
          .join(
            ', ',
          )}. This proves the backend builds URLs from the scheme it believes, and shows that a client-supplied header reaches the app and is trusted.`,
        evidence: changed.slice(0, 20).map((c) => ({
          file: c.page,
          line: 0,
          snippet: `before: ${c.before.slice(0, 3).join(' ')}\nafter:  ${c.after.slice(0, 3).join(' ') || '(none)'}`,
          source: 'live' as const,
        })),
        why: 'Whoever reaches the proxy can claim https (or, with the same trust, any client address): the proxy must overwrite the header (proxy_set_header X-Forwarded-Proto $scheme) and the app must trust it only from the proxy.',
        fix: {
          description: "set the header at the proxy, overwriting the client's value",
          lines: ['proxy_set_header X-Forwarded-Proto $scheme;'],
        },
        data: { pages: changed.map((c) => c.page) },
      }),
    ];
    return out;
  },
};
