import { appByLabel, proxyById } from '../../chain/model.js';
import { fixForRoute, type PlannedFix, REDIRECT_FIX, SCHEME_FIX } from '../../chain/plan.js';
import type { Redirect } from '../../chain/simulate.js';
import type { Check, CheckMeta } from '../../model/check.js';
import { finding } from '../../model/check.js';
import type { Finding, Fix } from '../../model/finding.js';
import { analysis, evidences, fixOf, path, refText } from './common.js';

export const meta: CheckMeta = {
  id: 'chain/scheme-lost',
  severity: 'high',
  title: 'The app believes an HTTPS request is plain HTTP',
  summary:
    'Simulating an HTTPS request through the whole chain, the framework ends up with scheme http: the hop where the scheme is lost is named.',
  references: [
    'https://docs.djangoproject.com/en/stable/ref/settings/#secure-proxy-ssl-header',
    'https://docs.gunicorn.org/en/stable/settings.html#forwarded-allow-ips',
    'https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header',
    'https://expressjs.com/en/guide/behind-proxies.html',
  ],
};

/** What makes the app's redirect, from the app end's facts (not one framework's wording). */
export function redirectSetting(r: Redirect | undefined): string {
  return r?.setting ?? "the app's https redirect";
}

/** `(only /wp-admin/ and /wp-login.php; other pages load)` for a redirect of some paths. */
export function redirectScope(r: Redirect | undefined): string {
  return r?.paths ? ` (only ${r.paths.join(' and ')} redirect; other pages load)` : '';
}

/** The Go app ends (collectors/golang): net/http underneath, no framework-wide request scheme unless the end reads one. */
const GO_ENDS = ['Gin', 'Echo', 'chi'];

export const schemeLost: Check = {
  meta,
  run(facts) {
    const a = analysis(facts);
    const out: Finding[] = [];
    for (const r of a.verdict.routes) {
      // A route to an app the chain could not link is reported by chain/link-unresolved (what arrives there) and by
      // the proxy's own layer checks at the line that loses it.
      if (r.scheme.status !== 'lost' || r.trace.unresolved) continue;
      const lost = r.scheme.lostAt;
      const fw = r.trace.steps[r.trace.steps.length - 1];
      const entry = r.trace.steps[1];
      const loop = r.redirect?.loop;
      // A loop at a proxy's own redirect is fixed at that redirect (`caddy-serve-plain`); the planned changes of the
      // same hop that the set needs with it (Caddy's trusted_proxies) are written with it (Fix.also).
      const atRedirect = loop && r.redirect?.by === 'proxy' ? a.plan.fixes.find((f) => REDIRECT_FIX.test(f.id)) : undefined;
      // This route's own fix (its location's line), not the first route's of the plan.
      const fix =
        atRedirect ??
        fixForRoute(a.plan.fixes, a.verdict.routes, r, (f) => f.kind === 'required' && SCHEME_FIX.test(f.id)) ??
        fixForRoute(a.plan.fixes, a.verdict.routes, r, (f) => f.kind === 'required');
      // Hono has no trust setting: only code that uses the scheme (`c.req.url`, hono/csrf's default origin check)
      // sees the lost https (collectors/node/request-reads.ts). Where no file of the app read here uses it, the loss
      // is a lead, not a fault of this deployment.
      // The app server's hop comes before the framework's (the trace's last step).
      const appFw = appByLabel(a.topology, r.trace.steps[r.trace.steps.length - 2]?.label)?.framework;
      // The chain keeps Node kinds beyond Express/Fastify/Koa as 'other': Hono by its label.
      const hono = appFw?.kind === 'other' && /^hono$/i.test(appFw.label);
      const unused =
        !loop &&
        hono &&
        appFw?.requestReads !== undefined &&
        appFw.requestReads.files > 0 &&
        appFw.requestReads.scheme.length === 0;
      const used = hono ? appFw?.requestReads?.scheme.find((x) => x.via === 'connection') : undefined;
      // Gin, chi, and Echo without c.Scheme()/HTTPSRedirect() have no request scheme of their own: net/http's
      // r.TLS is nil behind any proxy, whatever arrives. Only the app's own code reading it would build http:// URLs
      // (collectors/golang): a lead, not a fault the files show.
      const goNoScheme =
        !loop &&
        appFw?.appEnd !== undefined &&
        GO_ENDS.includes(appFw.appEnd.name) &&
        appFw.appEnd.schemeHeaders.length === 0 &&
        !appFw.sslRedirect?.value;
      // The entry route no browser reaches (nginx `internal`, allow/deny of loopback only): the layer check
      // (nginx/forwarded-proto-missing) says info there for the same reason, and so does the chain.
      const restricted = proxyById(a.topology, r.hopId)?.routes.find((x) => x.id === r.routeId)?.restricted;
      out.push(
        finding(meta, {
          severity: loop ? 'critical' : restricted ? 'info' : unused || goNoScheme ? 'low' : 'high',
          message:
            `${r.url} (${r.route}) reaches ${fw?.label ?? 'the app'} as ${r.scheme.believed}` +
            (lost
              ? `: lost at hop ${lost.step} (${lost.label}) because ${lost.reason}${lost.ref && lost.ref.line > 0 && !lost.reason.includes(refText(lost.ref)) ? ` (${refText(lost.ref)})` : ''}`
              : '') +
            (loop && r.redirect?.by === 'proxy'
              ? `. ${fw?.label ?? 'The proxy'} answers with its own redirect to ${r.redirect.location} again and again: ERR_TOO_MANY_REDIRECTS`
              : loop
                ? `. With ${redirectSetting(r.redirect)} ${fw?.label ?? 'the app'} redirects ${r.redirect?.location} to itself again and again: ERR_TOO_MANY_REDIRECTS${redirectScope(r.redirect)}`
                : r.redirect
                  ? `. ${redirectSetting(r.redirect)} sends the browser to ${r.redirect.location}${redirectScope(r.redirect)}`
                  : '') +
            (unused
              ? `. No code in the ${appFw?.requestReads?.files} source file(s) of the app read here uses the scheme (c.req.url, hono/csrf's csrf()): nothing it builds is affected until it does`
              : '') +
            (goNoScheme
              ? `. ${appFw?.appEnd?.name} itself reads no scheme (net/http's r.TLS is nil behind a proxy): only the app's own code that builds absolute URLs from the request is affected`
              : '') +
            (restricted && !loop
              ? restricted.kind === 'internal'
                ? '. The location is `internal`: only nginx itself (subrequests, internal redirects) reaches it, so no browser depends on the scheme there'
                : '. Only loopback clients may use the location (allow/deny), so no browser depends on the scheme there'
              : '') +
            `.\nchain: ${path(r.trace)}`,
          evidence: evidences(facts, [
            [lost?.ref, `scheme lost here: ${lost?.reason ?? ''}`],
            [lost?.trustRef, "does not trust its peer's X-Forwarded-Proto: decided here"],
            [entry?.schemeRef, 'TLS ends here'],
            [r.redirect?.ref, 'redirects http to https'],
            [used?.ref, `the app uses the scheme here (${used?.what}): it gets http`],
            [restricted?.ref, 'browsers cannot reach this location'],
          ]),
          why: loop
            ? r.redirect?.paths
              ? `Every page under ${r.redirect.paths.join(' and ')} answers with a redirect to itself: the browser stops with ERR_TOO_MANY_REDIRECTS there.`
              : 'Every page answers with a redirect to itself: the browser stops with ERR_TOO_MANY_REDIRECTS.'
            : 'The app builds http:// URLs (stylesheets, form actions, redirects, OAuth redirect_uri): the browser blocks them as mixed content or leaves HTTPS; request.is_secure() is False, so Secure cookies and CSRF origin checks misbehave.',
          fix: atRedirect ? withSameHop(fixOf(atRedirect), atRedirect, a.plan.fixes) : fixOf(fix),
          data: { route: r.id, url: r.url, believed: r.scheme.believed, lostAt: lost, redirectLoop: Boolean(loop) },
        }),
      );
    }
    return out;
  },
};

/** The planned fix plus the other required changes of the same hop, written with it (`<kind>:<hop>` ids). */
function withSameHop(fix: Fix | undefined, planned: PlannedFix, all: PlannedFix[]): Fix | undefined {
  const target = (id: string) => id.slice(id.indexOf(':') + 1);
  const also = all
    .filter((f) => f !== planned && f.kind === 'required' && target(f.id) === target(planned.id) && f.placement && f.line > 0)
    .map((f) => ({ file: f.file, line: f.line, lines: f.lines, placement: f.placement as 'after' | 'replace' }));
  return fix && also.length > 0 ? { ...fix, also } : fix;
}
