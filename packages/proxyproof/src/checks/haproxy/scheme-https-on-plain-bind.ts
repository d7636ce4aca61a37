/**
 * haproxy/scheme-https-on-plain-bind: a frontend (or listen) that binds a plain-HTTP port and a TLS port and sends
 * the app `X-Forwarded-Proto: https` (or `X-Forwarded-Ssl: on`...) on every request, the plain ones included: an
 * unconditional `http-request set-header X-Forwarded-Proto https` / `reqadd X-Forwarded-Proto:\ https` meant for the
 * `ssl` bind. The app believes a plain-HTTP request is https: it never redirects it to https, and serves login
 * pages, session cookies and HSTS-less pages over plain HTTP while it thinks they are protected. A frontend that
 * redirects its plain requests to https first (`redirect scheme https if !{ ssl_fc }`) is not reported: no plain
 * request reaches the backend. A rule under a condition other than `ssl_fc` (a header, a path) is not judged.
 */
import type { HeaderRule } from '../../chain/model.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { eachSite, ev, httpRoutes, PROXY_DOCS, plainListeners, tlsListeners, valueFor } from '../proxy/common.js';

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

/** Scheme headers and the value that means https. */
const HTTPS_VALUE: Record<string, RegExp> = {
  'x-forwarded-proto': /^https$/i,
  'x-forwarded-protocol': /^https$/i,
  'x-forwarded-scheme': /^https$/i,
  'x-scheme': /^https$/i,
  'x-url-scheme': /^https$/i,
  'x-forwarded-ssl': /^on$/i,
  'front-end-https': /^on$/i,
};

/**
 * What a plain request with no such incoming header carries in `name` after the rules, in order (HAProxy runs the
 * frontend's rules, then the backend's), and the rule that wrote the last value. A rule with a condition the
 * collector could not model (anything but ssl_fc) makes the answer unknown.
 */
function plainValue(rules: HeaderRule[], name: string): { values: string[]; by?: HeaderRule } | 'unknown' {
  let values: string[] = [];
  let by: HeaderRule | undefined;
  for (const r of rules) {
    if (r.name.toLowerCase() !== name) continue;
    if (r.when === 'tls') continue;
    if (r.when === undefined && /\s(if|unless)\s/.test(` ${r.ref.snippet ?? ''} `)) return 'unknown';
    if (r.ifPresent) {
      if (values.length > 0) return 'unknown';
      continue;
    }
    if (r.value === null) {
      values = [];
      by = undefined;
      continue;
    }
    const v = valueFor(r, false);
    if (v === undefined) return 'unknown';
    values = r.append ? [...values, v] : [v];
    by = r;
  }
  return { values, by };
}

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
          const v = plainValue(route.headers, name);
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
