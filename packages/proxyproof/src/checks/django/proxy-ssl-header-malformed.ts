/**
 * django/proxy-ssl-header-malformed: SECURE_PROXY_SSL_HEADER written in a form Django never matches
 * (raw header name with dashes, missing HTTP_ prefix, 'HTTPS' upper case) or cannot unpack (a string).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { REFS } from '../appserver/common.js';
import { ev } from '../appserver/context.js';
import { djangoApps, metaName, sslHeaderProblems } from './common.js';

const meta: CheckMeta = {
  id: 'django/proxy-ssl-header-malformed',
  severity: 'high',
  title: 'SECURE_PROXY_SSL_HEADER is written in a form Django never matches',
  summary: "SECURE_PROXY_SSL_HEADER must be ('HTTP_X_FORWARDED_PROTO', 'https'): a request.META name and the exact value.",
  references: [REFS.djangoProxySsl],
};

export const proxySslHeaderMalformed: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of djangoApps(facts)) {
      const s = fw.settings.SECURE_PROXY_SSL_HEADER;
      if (!s || s.origin === 'unknown') continue;
      const problems = sslHeaderProblems(s.value);
      if (problems.length === 0) continue;
      const header = Array.isArray(s.value) && typeof s.value[0] === 'string' ? s.value[0] : 'X-Forwarded-Proto';
      const string = typeof s.value === 'string';
      out.push(
        finding(meta, {
          severity: string ? 'critical' : 'high',
          message: `SECURE_PROXY_SSL_HEADER is malformed: ${problems.join('; ')}`,
          evidence: [ev(s.ref, 'SECURE_PROXY_SSL_HEADER set here')],
          why: string
            ? 'Django unpacks the setting into (header, value) on every request.scheme access; a string raises ImproperlyConfigured (500 errors) or, for a two-character string, compares nonsense.'
            : "Django compares request.META[header] == value exactly. A name that is not a META key is never found, so Django falls back to the server's wsgi.url_scheme; a wrong value makes every proxied request http. Either way SECURE_SSL_REDIRECT can loop and Secure cookies and CSRF checks misbehave.",
          fix: {
            description: 'Use the request.META name and the exact value the proxy sends.',
            file: s.ref?.file,
            line: s.ref?.line,
            lines: [`SECURE_PROXY_SSL_HEADER = ("${metaName(header)}", "https")`],
            ...(s.origin === 'literal' && s.ref ? { placement: 'replace' as const } : {}),
          },
          data: { value: s.value },
        }),
      );
    }
    return out;
  },
};
