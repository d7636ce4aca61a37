/**
 * Per-layer findings refined by the chain verdict. A layer check sees one file; the chain knows
 * whether its finding matters here: a missing SECURE_PROXY_SSL_HEADER is harmless while gunicorn
 * on 127.0.0.1 trusts nginx's header, and the cause once the proxy sits in another container.
 * Refinement never deletes a finding: it adjusts severity and says why in `data.chain`.
 */
import type { Finding, Severity } from '../model/finding.js';
import type { ChainAnalysis } from './analyze.js';

/** Layer findings about the app not learning the scheme from the proxy. */
const SCHEME_SOURCE =
  /ssl-redirect-without-scheme-source|proxy-ssl-header-missing|proxy-not-trusted|proxy-headers-off|proxyfix-missing|trust-proxy-unset|forwarded-proto-missing|proxy-header-inheritance|scheme-behind-tls-terminator|uwsgi-scheme-missing|fastcgi-https-missing/;
/** Layer findings about trusting forwarded headers from anyone / exposing the backend. */
const SPOOF =
  /forwarded-allow-all|trust-proxy-all|backend-port-published|forwarded-proto-client-controlled|forwarded-host-trusted|proxy-headers-all/;

function lower(_s: Severity): Severity {
  return 'info';
}

export function refineFindings(findings: Finding[], a: ChainAnalysis): Finding[] {
  const routes = a.verdict.routes;
  const known = routes.filter((r) => r.scheme.status !== 'unknown');
  const allCorrect = known.length > 0 && known.every((r) => r.scheme.status === 'correct');
  const lostLabels = new Set(routes.flatMap((r) => (r.scheme.lostAt ? [r.scheme.lostAt.label] : [])));
  const anyLoop = routes.some((r) => r.redirect?.loop);
  const spoofs = [
    ...a.verdict.backends.flatMap((b) => (b.spoof ? [b.spoof] : [])),
    ...a.verdict.entrySpoofs,
    ...routes.flatMap((r) => r.spoofable),
  ];
  const robust = a.plan.fixes.some((f) => f.kind === 'robustness');
  return findings.map((f) => {
    if (f.id.startsWith('chain/')) return f;
    if (SCHEME_SOURCE.test(f.id)) {
      if (allCorrect) {
        const note = robust
          ? "harmless in this chain today: the app server trusts the proxy's header from loopback by default; it becomes the cause once the proxy moves to another host or container (see chain/fragile-trust)"
          : 'harmless in this chain: the chain verdict shows the app believes https';
        return {
          ...f,
          severity: lower(f.severity),
          message: `${f.message}\n(chain: ${note})`,
          data: { ...f.data, chain: 'harmless' },
        };
      }
      if (known.length > 0) {
        const cause = [...lostLabels].join(', ');
        const sev: Severity = /ssl-redirect/.test(f.id) && anyLoop ? 'critical' : f.severity;
        return {
          ...f,
          severity: sev,
          message: `${f.message}\n(chain: the scheme is lost at ${cause || 'a hop'}${anyLoop ? '; with SECURE_SSL_REDIRECT this is a redirect loop' : ''})`,
          data: { ...f.data, chain: 'confirmed' },
        };
      }
      return f;
    }
    if (SPOOF.test(f.id)) {
      if (spoofs.length > 0)
        return {
          ...f,
          message: `${f.message}\n(chain: confirmed — ${spoofs[0]?.what.join(', ')} spoofable from ${spoofs[0]?.from})`,
          data: { ...f.data, chain: 'confirmed' },
        };
      if (known.length > 0)
        return {
          ...f,
          message: `${f.message}\n(chain: no forged header was believed in the simulation)`,
          data: { ...f.data, chain: 'not-spoofable' },
        };
    }
    return f;
  });
}
