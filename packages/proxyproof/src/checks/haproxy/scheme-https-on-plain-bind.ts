/**
 * haproxy/scheme-https-on-plain-bind: a frontend (or listen) that binds a plain-HTTP port and a TLS port and sends
 * the app `X-Forwarded-Proto: https` (or `X-Forwarded-Ssl: on`...) on every request, the plain ones included: an
 * unconditional `http-request set-header X-Forwarded-Proto https` / `reqadd X-Forwarded-Proto:\ https` meant for the
 * `ssl` bind. The app believes a plain-HTTP request is https: it never redirects it to https, and serves login
 * pages, session cookies and HSTS-less pages over plain HTTP while it thinks they are protected. A frontend that
 * redirects its plain requests to https first (`redirect scheme https if !{ ssl_fc }`) is not reported: no plain
 * request reaches the backend. A rule under a condition other than `ssl_fc` (a header, a path) is not judged.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import {
  eachSite,
  ev,
  HTTPS_VALUE,
  httpRoutes,
  PROXY_DOCS,
  plainListeners,
  plainRequestValue,
  tlsListeners,
  valueFor,
} from '../proxy/common.js';

const meta: CheckMeta = {
  id: 'haproxy/scheme-https-on-plain-bind',
  severity: 'medium',
  title: 'HAProxy tells the app https on its plain-HTTP bind too',
  summary:
    'The frontend binds a plain and a TLS port but sets X-Forwarded-Proto https unconditionally: a plain-HTTP request is believed to be https (no redirect to https, secure pages over http).',
  references: [
    PROXY_DOCS.haproxySetHeader,
    'https://docs.haproxy.org/2.6/configuration.html#7.3.4-ssl_fc',
    'https://docs.haproxy.org/2.6/configuration.html#4.2-bind',
    PROXY_DOCS.mdnXfp,
  ],
};

export const haproxySchemeHttpsOnPlainBind: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const { config, site } of eachSite(facts)) {
      if (config.kind !== 'haproxy' || site.mode !== 'http' || site.redirectsToHttps) continue;
      const plain = plainListeners(site);
      const tls = tlsListeners(site);
      if (plain.length === 0 || tls.length === 0) continue;
      const seen = new Set<string>();
      for (const route of httpRoutes(site)) {
        if (route.upstreams.length === 0) continue;
        for (const [name, https] of Object.entries(HTTPS_VALUE)) {
          const v = plainRequestValue(config.kind, route.headers, name);
          if (v === 'unknown' || !v.by) continue;
          // The first value is what most apps read (Django, Rails, Express take the leftmost or only one).
          if (!https.test(v.values[0] ?? '')) continue;
          const rule = v.by;
          const key = `${rule.ref.file}:${rule.ref.line}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const header = rule.name;
          const value = valueFor(rule, true) ?? 'https';
          const plainLine = /^https$/i.test(value)
            ? `http-request set-header ${header} http if !{ ssl_fc }`
            : `http-request del-header ${header} if !{ ssl_fc }`;
          out.push(
            finding(meta, {
              message: `${site.label} binds plain HTTP on port ${plain.map((l) => l.port).join(', ')} and TLS on port ${tls.map((l) => l.port).join(', ')}, but \`${rule.ref.snippet ?? `${header}: ${value}`}\` has no \`if { ssl_fc }\`: a plain-HTTP request reaches ${route.upstreams[0]?.text ?? 'the backend'} with ${header}: ${v.values[0]}, and the app believes it is https`,
              evidence: [
                ev(rule.ref, `${header}: ${v.values[0]} on every request`),
                ev(plain[0]?.ref, 'plain HTTP arrives here'),
                ev(tls[0]?.ref, 'TLS ends here'),
              ],
              why: 'Only requests on the `ssl` bind are https. Telling the app https on the plain bind too means it never redirects a plain-HTTP visitor to https and serves login forms and session cookies over plain HTTP while believing they are protected (Django SECURE_SSL_REDIRECT, Rails force_ssl, Express req.secure all read this header).',
              fix: {
                description: `Send ${header} by the connection: ${value} when TLS ended here (\`if { ssl_fc }\`), ${/^https$/i.test(value) ? 'http' : 'nothing'} otherwise (\`http-request\` rules, HAProxy 1.5+). Or redirect plain requests first: \`http-request redirect scheme https unless { ssl_fc }\`.`,
                file: rule.ref.file,
                line: rule.ref.line,
                lines: [`http-request set-header ${header} ${value} if { ssl_fc }`, plainLine],
                placement: 'replace',
              },
              data: { proxy: 'haproxy', site: site.id, route: route.id, header },
            }),
          );
        }
      }
    }
    return out;
  },
};
