/**
 * app/origin-check-fails: the app compares the browser's Origin (https://site) with its own idea of the
 * request's base URL (Rails forgery_protection_origin_check, on with load_defaults 5.0+), and the proxy in
 * front sends no scheme header it reads: every form POST fails ("HTTP Origin header didn't match request.base_url").
 * Django 4.0+ does the same (CsrfViewMiddleware's Origin check) where the chain says an HTTPS route reaches it as http.
 */
import { fixForRoute, SCHEME_FIX } from '../../chain/plan.js';
import { versionAtLeast } from '../../collectors/python/versions.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts, FrameworkFacts, SourceRef } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { analysis, evidences, fixOf } from '../chain/common.js';
import { APP_REFS, appEnds, ev, schemeDelivery } from './common.js';

const meta: CheckMeta = {
  id: 'app/origin-check-fails',
  severity: 'medium',
  title: 'CSRF origin check compares https Origin with an http base URL',
  summary:
    'The app checks Origin against its own scheme+host, but the proxy never tells it the request was HTTPS: POSTs are rejected.',
  references: [
    APP_REFS.railsLoadDefaults,
    APP_REFS.rackScheme,
    'https://github.com/django/django/blob/4.0/django/middleware/csrf.py',
    'https://docs.djangoproject.com/en/4.0/releases/4.0/#csrf',
    APP_REFS.symfonySameOriginCsrf,
    'https://github.com/phoenixframework/phoenix/blob/v1.7.14/lib/phoenix/socket/transport.ex',
    'https://github.com/phoenixframework/phoenix/blob/v1.7.14/lib/phoenix/endpoint.ex',
  ],
};

export const originCheckFails: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of appEnds(facts)) {
      const a = fw.appEnd;
      if (fw.kind !== 'rails' || a.originCheck?.value !== true || a.assumeHttps?.value === true) continue;
      const d = schemeDelivery(facts, fw);
      const feed = d.feeds[0];
      if (d.status !== 'missing' || !feed) continue;
      out.push(
        finding(meta, {
          message:
            `${a.name} checks the Origin header of form posts against request.base_url${a.originCheck.note ? ` (${a.originCheck.note})` : ''}, ` +
            `but ${feed.scope.note ?? 'the proxy'} without a scheme header: the browser sends Origin https://..., ${a.name} computes http://... and rejects the POST (InvalidAuthenticityToken).`,
          evidence: [
            ev(a.originCheck.ref, 'origin check on'),
            { ...feed.scope, note: `${feed.scope.note}; sends no scheme header` },
          ],
          why: 'The CSRF origin check compares scheme, host and port. Behind a TLS-terminating proxy that does not forward the scheme, the app believes every request is http, so every https Origin differs.',
          fix: {
            description:
              'Forward the scheme from the proxy (the same fix as app/ssl-redirect-loop); do not turn the origin check off.',
            file: feed.headerPlace.file,
            line: feed.headerPlace.line,
            lines: [`${feed.headerPlace.indent}proxy_set_header X-Forwarded-Proto $scheme;`],
            placement: 'after',
          },
        }),
      );
    }
    out.push(...djangoOriginChecks(facts));
    out.push(...appEndOriginChecks(facts));
    return out;
  },
};

/** `https://*.example.com` covers `app.example.com` (Django's allowed_origin_subdomains); exact entries match exactly. */
function originListed(entries: string[], origin: string): boolean {
  const host = origin.replace(/^https:\/\//, '');
  return entries.some((e) => {
    if (e === origin) return true;
    const w = /^https:\/\/\*(\.[^/]+)$/.exec(e);
    return w !== null && (host.endsWith(w[1] as string) || host === (w[1] as string).slice(1));
  });
}

/** The line of `'django.middleware.csrf.CsrfViewMiddleware'` in the settings file (the MIDDLEWARE assignment's when not found). */
function csrfMiddlewareRef(facts: Facts, fw: FrameworkFacts): SourceRef | undefined {
  const m = fw.settings.MIDDLEWARE;
  const lines = facts.sources.get(fw.file);
  const from = m?.ref?.file === fw.file ? m.ref.line - 1 : 0;
  const i = lines ? lines.findIndex((l, n) => n >= from && l.includes('CsrfViewMiddleware')) : -1;
  if (lines && i >= 0) return { file: fw.file, line: i + 1, snippet: (lines[i] as string).trim() };
  return m?.ref;
}

/**
 * Django 4.0+'s CsrfViewMiddleware compares the Origin of every unsafe request with
 * `('https' if request.is_secure() else 'http') + '://' + request.get_host()`, then with CSRF_TRUSTED_ORIGINS
 * (django/middleware/csrf.py `_origin_verified`). Where the chain simulation says an HTTPS route reaches Django as
 * http, the browser's `Origin: https://host` matches neither unless CSRF_TRUSTED_ORIGINS lists it: the admin login
 * and every form POST answer 403 "Origin checking failed". Before 4.0 Django checked no Origin (and the Referer only
 * on requests it believed secure), so the same loss breaks no POST there.
 */
function djangoOriginChecks(facts: Facts): Finding[] {
  const djangos = facts.frameworks.filter((f) => f.kind === 'django' && versionAtLeast(f.assumedVersion, 4, 0) === true);
  if (djangos.length === 0) return [];
  const out: Finding[] = [];
  const a = analysis(facts);
  const seen = new Set<string>();
  for (const fw of djangos) {
    const mw = fw.settings.MIDDLEWARE;
    // Django's own default MIDDLEWARE is empty: only a readable list naming CsrfViewMiddleware turns the check on.
    if (
      !mw ||
      !Array.isArray(mw.value) ||
      !(mw.value as unknown[]).some((x) => typeof x === 'string' && x.endsWith('.CsrfViewMiddleware'))
    )
      continue;
    const trusted = fw.csrfTrustedOrigins;
    if (trusted?.origin === 'unknown' || trusted?.value.some((x) => x === '<unknown>')) continue;
    const entries = trusted?.value ?? [];
    for (const r of a.verdict.routes) {
      if (r.scheme.status !== 'lost' || r.trace.unresolved) continue;
      const last = r.trace.steps[r.trace.steps.length - 1];
      if (last?.kind !== 'framework' || last.ref?.file !== fw.file) continue;
      const host = /^https:\/\/([^/?#]+)/.exec(r.url)?.[1];
      // A host the chain had to invent (a route without a name) is not an Origin a browser sends.
      if (!host || /[<>{}$*]/.test(host)) continue;
      const origin = `https://${host}`;
      if (originListed(entries, origin) || seen.has(`${fw.file}|${origin}`)) continue;
      seen.add(`${fw.file}|${origin}`);
      const lost = r.scheme.lostAt;
      const planned =
        fixForRoute(a.plan.fixes, a.verdict.routes, r, (f) => f.kind === 'required' && SCHEME_FIX.test(f.id)) ??
        fixForRoute(a.plan.fixes, a.verdict.routes, r, (f) => f.kind === 'required');
      const version = fw.settings.__versionNote;
      out.push(
        finding(meta, {
          message:
            `Django ${fw.assumedVersion} checks the Origin of every POST (CsrfViewMiddleware), and ${r.url} reaches it as http` +
            `${lost ? ` (lost at hop ${lost.step}, ${lost.label})` : ''}: the browser sends Origin ${origin}, Django expects http://${host}` +
            `${entries.length > 0 ? ' and CSRF_TRUSTED_ORIGINS does not list it' : ' and CSRF_TRUSTED_ORIGINS is empty'}, ` +
            'so the admin login and every form POST answer 403 "Origin checking failed".',
          evidence: evidences(facts, [
            [csrfMiddlewareRef(facts, fw), 'CsrfViewMiddleware: Origin checked against the request scheme (Django 4.0+)'],
            [lost?.ref, `scheme lost here: ${lost?.reason ?? ''}`],
            [version?.origin === 'literal' ? version.ref : undefined, String(version?.value ?? '')],
            [trusted?.origin !== 'default' ? trusted?.ref : undefined, `CSRF_TRUSTED_ORIGINS: ${origin} not listed`],
          ]),
          why: "Django 4.0+ accepts an unsafe request only when its Origin equals the request's own scheme://host or is in CSRF_TRUSTED_ORIGINS. Behind a TLS proxy whose scheme Django does not read, request.is_secure() is False, so the browser's https Origin never equals http://host.",
          fix: fixOf(planned),
          data: { route: r.id, origin, framework: 'django' },
        }),
      );
    }
  }
  return out;
}

/** What each app end (other than Rails, above) does on a failed origin check, for the message. */
const ORIGIN_CHECK_TEXT: Partial<Record<FrameworkFacts['kind'], { compares: string; refuses: string }>> = {
  symfony: {
    compares:
      'the Origin (else Referer) of each request carrying a stateless CSRF token with getSchemeAndHttpHost() (SameOriginCsrfTokenManager, Symfony 7.2+)',
    refuses: 'refuses the form or login ("The CSRF token is invalid", "Invalid CSRF token.")',
  },
  phoenix: {
    compares: "the Origin of each socket connection (LiveView, channels) with the conn's own scheme, host and port",
    refuses: 'answers the socket 403 ("Could not check origin for Phoenix.Socket transport"): LiveView pages never connect',
  },
};

/**
 * App ends other than Rails whose origin check the collectors found (`AppEndFacts.originCheck`: Symfony 7.2+'s stateless
 * CSRF tokens, Phoenix sockets with `check_origin: :conn` — the default `true` compares the host only): where the
 * chain simulation says an HTTPS route reaches that app end as http, the browser's https Origin never starts with the
 * app's http://host (for Phoenix also where only the router, not the sockets, reads the scheme: `socketBlind`). The scheme can be lost anywhere on the way (the proxy sends
 * no header, the app trusts no proxy), so the chain's verdict decides, as for Django.
 */
function appEndOriginChecks(facts: Facts): Finding[] {
  const ends = appEnds(facts).filter(
    (fw) => fw.kind !== 'rails' && fw.appEnd.originCheck?.value === true && fw.appEnd.assumeHttps?.value !== true,
  );
  if (ends.length === 0) return [];
  const out: Finding[] = [];
  const a = analysis(facts);
  for (const fw of ends) {
    const end = fw.appEnd;
    const check = end.originCheck as NonNullable<typeof end.originCheck>;
    const text = ORIGIN_CHECK_TEXT[fw.kind] ?? {
      compares: "the Origin of each form post with the request's own scheme and host",
      refuses: 'refuses the post',
    };
    const blind = socketBlind(fw);
    const hits: Array<{ r: (typeof a.verdict.routes)[number]; host: string }> = [];
    for (const r of a.verdict.routes) {
      if (r.trace.unresolved) continue;
      // A Phoenix socket whose conn no forwarded header reaches is http behind any proxy, whatever the router believes.
      const socketLost =
        blind &&
        r.scheme.status === 'correct' &&
        r.scheme.expected === 'https' &&
        r.trace.steps.some((s) => s.kind === 'proxy' || s.kind === 'lb');
      if (r.scheme.status !== 'lost' && !socketLost) continue;
      const last = r.trace.steps[r.trace.steps.length - 1];
      if (last?.kind !== 'framework' || last.ref?.file !== end.ref.file || last.ref.line !== end.ref.line) continue;
      const host = /^https:\/\/([^/?#]+)/.exec(r.url)?.[1];
      if (!host || /[<>{}$*]/.test(host) || hits.some((h) => h.host === host)) continue;
      hits.push({ r, host });
    }
    const hosts = hits.map((h) => `https://${h.host}`);
    for (const { r, host } of hits) {
      const lost = r.scheme.status === 'lost' ? r.scheme.lostAt : undefined;
      const planned =
        a.plan.fixes.find((f) => f.kind === 'required' && SCHEME_FIX.test(f.id)) ??
        a.plan.fixes.find((f) => f.kind === 'required');
      const how =
        r.scheme.status === 'lost'
          ? ` reaches it as http${lost ? ` (lost at hop ${lost.step}, ${lost.label})` : ''}`
          : ` reaches its router as https, but its sockets are dispatched before the endpoint module's own plugs (use Phoenix.Endpoint plugs :socket_dispatch first) and only force_ssl's rewrite_on rewrites their conn: a socket's conn is http`;
      out.push(
        finding(meta, {
          message: `${end.name} compares ${text.compares}${check.note ? ` (${check.note})` : ''}, and ${r.url}${how}: the browser sends Origin https://${host}, ${end.name} expects http://${host} and ${text.refuses}.`,
          evidence: evidences(facts, [
            [check.ref, `origin check on: ${check.note ?? ''}`],
            [lost?.ref, `scheme lost here: ${lost?.reason ?? ''}`],
          ]),
          why: "The origin check compares the browser's https Origin with the scheme the app believes. Behind a TLS proxy whose scheme the app does not read (or does not trust), the app believes http, so no https Origin matches.",
          fix: (fw.kind === 'phoenix' ? phoenixOriginFix(facts, check.ref, hosts) : undefined) ?? fixOf(planned),
          data: { route: r.id, origin: `https://${host}`, framework: fw.kind },
        }),
      );
    }
  }
  return out;
}

/**
 * A Phoenix socket's conn reads no forwarded scheme (force_ssl has no rewrite_on scheme header) and Phoenix ends no TLS
 * itself: behind a TLS proxy every socket conn is http, even where `plug Plug.RewriteOn` makes the router's https.
 */
function socketBlind(fw: FrameworkFacts): boolean {
  const h = fw.settings['socket.schemeHeaders'];
  return h !== undefined && Array.isArray(h.value) && h.value.length === 0 && !fw.settings.https;
}

/**
 * `check_origin: :conn` -> `check_origin: ["https://host"]` on a one-line value: the list compares the Origin with
 * fixed origins (scheme, host, port), so no proxy header matters; undefined when the line is not that simple.
 */
function phoenixOriginFix(facts: Facts, ref: SourceRef | undefined, origins: string[]): Finding['fix'] {
  const line = ref ? facts.sources.get(ref.file)?.[ref.line - 1] : undefined;
  if (!ref || !line || origins.length === 0 || (line.match(/:conn\b/g) ?? []).length !== 1) return undefined;
  return {
    description:
      "List the site's origins in check_origin (compared with fixed scheme, host and port, whatever the proxy sends), or rewrite the socket conn's scheme with force_ssl: [rewrite_on: [:x_forwarded_proto]] (an endpoint's own plug Plug.RewriteOn runs after the sockets).",
    file: ref.file,
    line: ref.line,
    lines: [line.replace(/:conn\b/, `[${origins.map((o) => JSON.stringify(o)).join(', ')}]`)],
    placement: 'replace',
  };
}
