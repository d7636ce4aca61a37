import type { CheckMeta } from '../../model/check.js';
import { finding, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/http-not-redirected',
  severity: 'medium',
  title: 'Plain http:// is not redirected to https',
  summary: 'The site answers its http:// URL with content instead of a redirect to https://.',
  references: [
    'https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Strict-Transport-Security',
    'https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return',
  ],
};

export const httpNotRedirected: ScanCheck = {
  meta,
  run(facts) {
    const h = facts.httpEntry;
    if (!h || h.error || h.status === undefined) return [];
    const final = h.finalUrl ?? h.url;
    if (final.startsWith('https:')) return [];
    if (h.status >= 300 && h.status < 400) return [];
    return [
      finding(meta, {
        message: `${h.url} answers ${h.status}${h.chain.length ? ` after ${h.chain.length} redirect(s) to ${final}` : ''} without sending the visitor to https://`,
        evidence: [{ file: h.url, line: 0, snippet: `HTTP ${h.status}`, source: 'live' }],
        why: 'Visitors who type the name (and links to http://) stay on plain http: no encryption, and cookies without Secure travel in clear.',
        fix: {
          description: 'redirect every http:// request to https:// at the proxy',
          lines: ['server { listen 80; server_name _; return 301 https://$host$request_uri; }'],
        },
        data: { url: h.url, status: h.status, finalUrl: final },
      }),
    ];
  },
};
