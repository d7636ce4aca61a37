import type { CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { tryUrl } from '../../model/url.js';
import { relevantLint } from '../../scan/attribution.js';
import { trustAdvice } from '../../scan/django.js';
import { finding, type ScanCheck } from './types.js';

const meta: CheckMeta = {
  id: 'scan/redirect-loop',
  severity: 'critical',
  title: 'Redirect loop (ERR_TOO_MANY_REDIRECTS)',
  summary: 'The redirect chain revisits a URL, or does not end within the redirect limit.',
  references: [
    'https://docs.djangoproject.com/en/stable/ref/settings/#secure-ssl-redirect',
    'https://docs.djangoproject.com/en/stable/ref/settings/#secure-proxy-ssl-header',
    'https://source.chromium.org/chromium/chromium/src/+/main:net/url_request/redirect_util.h',
  ],
};

export const redirectLoop: ScanCheck = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    const lint = relevantLint(facts);
    for (const p of facts.pages) {
      if (!p.redirectLoop) continue;
      const key = p.chain
        .map((h) => h.url)
        .sort()
        .join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
      const httpsToSelfOrHttps = p.chain.some(
        (h) => h.url.startsWith('https:') && h.location && tryUrl(h.location, h.url)?.protocol === 'https:',
      );
      const viaHttp = p.chain.some(
        (h) => h.url.startsWith('https:') && h.location && tryUrl(h.location, h.url)?.protocol === 'http:',
      );
      const cause = httpsToSelfOrHttps
        ? 'an https:// request is redirected to https:// again: the app redirects to https (SECURE_SSL_REDIRECT, force_ssl, a Flask-Talisman) because it believes the request is plain http — the scheme is lost at the proxy (no X-Forwarded-Proto, or not trusted)'
        : viaHttp
          ? 'https:// is redirected to http:// and http:// back to https://: the app and the proxy disagree about the scheme'
          : 'the chain does not end';
      const chainLines = p.chain.map((h) => `${h.url} -> ${h.status} ${h.location ?? ''}`);
      out.push(
        finding(meta, {
          message: `${p.url}: ${p.redirectLoop === 'revisit' ? 'the redirect chain revisits a URL' : `more than ${p.chain.length - 1} redirects`}\n${chainLines.join('\n')}\nlikely cause: ${cause}${lint.length ? `\nconsistent with ${lint.map((l) => `${l.id} at ${l.file}:${l.line}`).join(', ')}` : ''}`,
          evidence: [
            { file: p.url, line: 0, snippet: chainLines.slice(0, 12).join('\n'), source: 'live' },
            ...lint.map((l) => ({ file: l.file, line: l.line, note: l.id, source: 'file' as const })),
          ],
          why: 'The browser gives up with ERR_TOO_MANY_REDIRECTS: the page is down for every visitor.',
          fix: {
            description: `make the proxy send X-Forwarded-Proto (proxy_set_header X-Forwarded-Proto $scheme;) and the app trust it (${trustAdvice(facts.pages.flatMap((x) => x.cookies))})`,
          },
          data: { url: p.url, chain: p.chain, kind: p.redirectLoop },
        }),
      );
    }
    return out;
  },
};
