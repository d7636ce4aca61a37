import type { CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { hostnameOf } from '../../model/url.js';
import { relevantLint } from '../../scan/attribution.js';
import { finding, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/redirect-to-http',
  severity: 'high',
  title: 'HTTPS request redirected to http://',
  summary: 'An https:// request is answered with a Location on http://.',
  references: [
    'https://docs.djangoproject.com/en/stable/ref/request-response/#django.http.HttpRequest.build_absolute_uri',
    'https://docs.djangoproject.com/en/stable/ref/settings/#secure-proxy-ssl-header',
    'https://nginx.org/en/docs/http/ngx_http_core_module.html#absolute_redirect',
    'https://nginx.org/en/docs/http/ngx_http_core_module.html#port_in_redirect',
  ],
};

export const redirectToHttp: ScanCheck = {
  meta,
  run(facts) {
    const byPair = new Map<string, { from: string; to: string; status: number; pages: string[] }>();
    for (const p of facts.pages) {
      for (const hop of p.chain) {
        if (!hop.url.startsWith('https:') || !hop.location) continue;
        let to: URL;
        try {
          to = new URL(hop.location, hop.url);
        } catch {
          continue;
        }
        if (to.protocol !== 'http:') continue;
        const key = `${hop.url} ${to.href}`;
        const e = byPair.get(key) ?? { from: hop.url, to: hop.location, status: hop.status, pages: [] };
        if (!e.pages.includes(p.url)) e.pages.push(p.url);
        byPair.set(key, e);
      }
    }
    const lint = relevantLint(facts);
    const out: Finding[] = [];
    for (const e of byPair.values()) {
      const fromHost = hostnameOf(e.from);
      const sameHost = fromHost !== undefined && fromHost === hostnameOf(e.to, e.from);
      out.push(
        finding(meta, {
          message: `${e.from} answers ${e.status} Location: ${e.to}${sameHost ? "\ncause: an absolute redirect built from the scheme the backend believes (the framework's absolute-URL helper, a www or trailing-slash redirect, a login's return URL taken from the request, or nginx's own absolute_redirect/port_in_redirect on a plain-http listener); the proxy is not passing, or the app not trusting, X-Forwarded-Proto" : ''}${lint.length && sameHost ? `\nconsistent with ${lint.map((l) => `${l.id} at ${l.file}:${l.line}`).join(', ')}` : ''}`,
          evidence: [
            { file: e.from, line: 0, snippet: `HTTP ${e.status}  Location: ${e.to}`, source: 'live' },
            ...lint.map((l) => ({ file: l.file, line: l.line, note: l.id, source: 'file' as const })),
          ],
          why: 'The browser leaves https: cookies marked Secure are not sent, an HSTS browser bounces back (a loop), POST bodies are lost, and the user sees "not secure". A Location without a scheme (a relative path, a trailing-slash redirect written as `/path/`) is not a cause.',
          fix: {
            description: sameHost
              ? "pass X-Forwarded-Proto from the proxy and trust it in the app; for nginx's own redirects use `absolute_redirect off;`"
              : 'redirect to the https:// URL',
          },
          data: { from: e.from, location: e.to, status: e.status, pages: e.pages },
        }),
      );
    }
    return out;
  },
};
