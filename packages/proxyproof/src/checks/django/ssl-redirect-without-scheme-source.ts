/**
 * django/ssl-redirect-without-scheme-source: SECURE_SSL_REDIRECT = True with no (working)
 * SECURE_PROXY_SSL_HEADER, so the scheme comes from the app server's wsgi.url_scheme. Severity
 * depends on whether that server believes the proxy's X-Forwarded-Proto (gunicorn does by default
 * from 127.0.0.1): low when it does over loopback, high when it cannot (redirect loop).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding, Severity } from '../../model/finding.js';
import { REFS } from '../appserver/common.js';
import { ev, reachableBeyondLoopback, schemeFromProxy, serversFor } from '../appserver/context.js';
import { djangoApps, sslHeaderProblems } from './common.js';

const meta: CheckMeta = {
  id: 'django/ssl-redirect-without-scheme-source',
  severity: 'high',
  title: 'SECURE_SSL_REDIRECT without a way for Django to learn the original scheme',
  summary: 'SECURE_SSL_REDIRECT = True, no SECURE_PROXY_SSL_HEADER, and the app server may not set https: redirect loop.',
  references: [REFS.djangoSslRedirect, REFS.djangoProxySsl, REFS.gunicornForwarded, REFS.djangoDeployChecklist],
};

export const sslRedirectWithoutSchemeSource: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of djangoApps(facts)) {
      if (fw.sslRedirect?.value !== true) continue;
      const sph = fw.settings.SECURE_PROXY_SSL_HEADER;
      const headerOk =
        fw.schemeHeader?.value && sslHeaderProblems([fw.schemeHeader.value.header, fw.schemeHeader.value.value]).length === 0;
      if (headerOk || (sph && sph.origin === 'unknown')) continue;
      const servers = serversFor(facts, fw);
      const evidence: Evidence[] = [ev(fw.sslRedirect.ref, 'SECURE_SSL_REDIRECT = True')];
      if (sph) evidence.push(ev(sph.ref, 'SECURE_PROXY_SSL_HEADER is malformed (see django/proxy-ssl-header-malformed)'));
      let severity: Severity;
      let message: string;
      const verdicts = servers.map((s) => ({ s, v: schemeFromProxy(facts, s) }));
      const no = verdicts.find((x) => x.v.believed === 'no');
      const unknown = verdicts.find((x) => x.v.believed === 'unknown');
      const yes = verdicts.find((x) => x.v.believed === 'yes');
      if (servers.length === 0) {
        severity = 'medium';
        message =
          'SECURE_SSL_REDIRECT is on without SECURE_PROXY_SSL_HEADER, and no app server was found in the linted files: behind a TLS-terminating proxy Django sees http unless the server sets wsgi.url_scheme';
      } else if (no) {
        severity = 'high';
        message = `SECURE_SSL_REDIRECT is on, SECURE_PROXY_SSL_HEADER is not set, and ${no.v.reason}: every proxied HTTPS request looks like http and is redirected to https again (ERR_TOO_MANY_REDIRECTS)`;
        evidence.push(
          ev(no.s.trustedProxies.ref ?? no.s.launch, `${no.s.kind} started here`),
          ...no.v.peers.slice(0, 1).map((p) => p.evidence),
        );
      } else if (unknown) {
        severity = 'medium';
        message = `SECURE_SSL_REDIRECT is on without SECURE_PROXY_SSL_HEADER; whether ${unknown.s.kind} turns X-Forwarded-Proto into https is not known statically (${unknown.v.reason})`;
        evidence.push(ev(unknown.s.launch, `${unknown.s.kind} started here`));
      } else if (yes?.v.viaLoopbackDefault) {
        severity = 'low';
        message = `SECURE_SSL_REDIRECT works only because ${yes.v.reason} (its default): it loops as soon as the proxy moves to another host or container`;
        evidence.push(ev(yes.s.launch, `${yes.s.kind} started here`), ...yes.v.peers.slice(0, 1).map((p) => p.evidence));
      } else {
        severity = 'info';
        message = `SECURE_SSL_REDIRECT relies on ${yes?.s.kind ?? 'the app server'} for the scheme (${yes?.v.reason ?? ''}); SECURE_PROXY_SSL_HEADER would make Django independent of it`;
        if (yes) evidence.push(ev(yes.s.launch, `${yes.s.kind} started here`));
      }
      // Mechanical only where trusting the header is safe: a literal SECURE_SSL_REDIRECT line to write after, no
      // (malformed) SECURE_PROXY_SSL_HEADER to fix instead, and every app server reachable by nothing but the proxy.
      const mechanical =
        !sph &&
        fw.sslRedirect.origin === 'literal' &&
        fw.sslRedirect.ref !== undefined &&
        servers.length > 0 &&
        servers.every((s) => s.binds.length > 0 && s.binds.every((b) => !reachableBeyondLoopback(b)));
      out.push(
        finding(meta, {
          severity,
          message,
          evidence,
          why: "SecurityMiddleware redirects every request that is not request.is_secure(). Behind a proxy that ends TLS, is_secure() is true only if SECURE_PROXY_SSL_HEADER matches the proxy's header or the app server set wsgi.url_scheme to https; otherwise the proxied HTTPS request is redirected to the same HTTPS URL forever.",
          fix: {
            description:
              'Tell Django which header carries the scheme (and make sure the proxy sets it and only the proxy can reach the app).',
            file: fw.sslRedirect.ref?.file,
            line: fw.sslRedirect.ref?.line,
            lines: ['SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")'],
            ...(mechanical ? { placement: 'after' as const } : {}),
          },
          data: {
            servers: verdicts.map((x) => ({
              kind: x.s.kind,
              believed: x.v.believed,
              viaLoopbackDefault: x.v.viaLoopbackDefault,
            })),
          },
        }),
      );
    }
    return out;
  },
};
