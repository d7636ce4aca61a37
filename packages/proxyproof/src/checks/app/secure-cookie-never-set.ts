/**
 * app/secure-cookie-never-set: the session cookie of an app end (any ecosystem, over the neutral
 * AppEndFacts.secureCookies) goes out without Secure on an HTTPS site.
 *
 * Two ways, one finding each:
 *  - `auto`: the framework flags the cookie Secure only when it believes the request is https (Tomcat/Spring Boot
 *    `request.isSecure()`, ASP.NET Core `CookieSecurePolicy.SameAsRequest`, Symfony `cookie_secure: auto`, Plug's
 *    `put_resp_cookie`, Rails' force_ssl cookie flagging). Where the chain simulation says an HTTPS route reaches it
 *    as http, that cookie is sent without Secure; the finding names the hop where the scheme is lost and the fix is
 *    the chain's scheme fix (the cookie setting is right; the scheme is what is wrong).
 *  - `never`: the setting (or the framework's default: Laravel's `'secure' => null`, Rails without force_ssl or
 *    `secure: true`) leaves Secure off whatever the scheme, on a deployment served over HTTPS (any proxy or front
 *    that ends TLS: appserver/tls-front.ts siteHttpsEvidence).
 * `always` is not a finding: these frameworks write Secure whatever the request's scheme (express-session, which
 * instead drops the cookie, is node/secure-cookie-never-set). HSTS on every TLS route keeps a host-only cookie off
 * plain http (appserver/hsts-cover.ts): the finding is then info.
 */
import { SCHEME_FIX } from '../../chain/plan.js';
import { proxyConfigs } from '../../facts/proxy-configs.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import type { Ref } from '../../model/proxy.js';
import { coverSentence, hstsCover } from '../appserver/hsts-cover.js';
import { siteHttpsEvidence } from '../appserver/tls-front.js';
import { analysis, evidences, fixOf } from '../chain/common.js';
import { type AppEndFramework, appEnds, ev } from './common.js';

const meta: CheckMeta = {
  id: 'app/secure-cookie-never-set',
  severity: 'medium',
  title: 'Session cookie without Secure on an HTTPS site',
  summary:
    "The app's session cookie is flagged Secure only on requests it believes are https (and the proxy loses the scheme), or never: it also travels over plain http.",
  references: [
    'https://github.com/apache/tomcat/blob/10.1.x/java/org/apache/catalina/core/ApplicationSessionCookieConfig.java',
    'https://github.com/dotnet/aspnetcore/blob/v8.0.11/src/Http/Http.Abstractions/src/CookieBuilder.cs',
    'https://github.com/symfony/symfony/blob/v5.4.53/src/Symfony/Component/HttpKernel/EventListener/SessionListener.php',
    'https://github.com/laravel/framework/blob/v8.83.26/src/Illuminate/Session/Middleware/StartSession.php',
    'https://github.com/rails/rails/blob/v6.1.7/actionpack/lib/action_dispatch/middleware/ssl.rb',
    'https://github.com/elixir-plug/plug/blob/v1.19.1/lib/plug/conn.ex',
    'https://datatracker.ietf.org/doc/html/rfc6265#section-4.1.2.5',
  ],
};

function cookieName(a: AppEndFramework['appEnd']): string {
  return a.secureCookieName ?? 'the session cookie';
}

/**
 * The first chain route that ends at this app end and reaches it as http although the browser used https: the route,
 * "(lost at hop N, label: reason)", where it is lost, and the chain's scheme fix. Undefined when no such route.
 */
function lostRoute(facts: Facts, fw: AppEndFramework) {
  const a = analysis(facts);
  const r = a.verdict.routes.find((x) => {
    if (x.scheme.status !== 'lost' || x.trace.unresolved) return false;
    const last = x.trace.steps[x.trace.steps.length - 1];
    return last?.kind === 'framework' && last.ref?.file === fw.file;
  });
  if (!r) return undefined;
  const lost = r.scheme.lostAt;
  const planned =
    a.plan.fixes.find((f) => f.kind === 'required' && SCHEME_FIX.test(f.id)) ?? a.plan.fixes.find((f) => f.kind === 'required');
  const hop = lost ? ` (lost at hop ${lost.step}, ${lost.label}: ${lost.reason})` : '';
  return { r, lost, hop, fix: fixOf(planned) };
}

/**
 * `always` on a framework that then skips writing the cookie on a request it believes is http (Rails): behind a proxy
 * that loses the scheme no Set-Cookie goes out, so no login survives the next request.
 */
function skippedFinding(facts: Facts, fw: AppEndFramework): Finding | undefined {
  const a = fw.appEnd;
  const c = a.secureCookies;
  const at = lostRoute(facts, fw);
  if (!at || !c) return undefined;
  const { r, lost, hop } = at;
  return finding(meta, {
    severity: 'high',
    message:
      `${a.name} marks ${cookieName(a)} Secure and skips writing a Secure cookie on a request it believes is http, ` +
      `and ${r.url} reaches it as http${hop}: no Set-Cookie goes out, so no session (and no login) survives the next request.`,
    evidence: evidences(facts, [
      [c.ref, `${cookieName(a)}: always Secure`],
      [lost?.ref, `scheme lost here: ${lost?.reason ?? ''}`],
    ]),
    why: `${a.name} writes a Secure cookie only on a request it believes is https (ActionDispatch::Cookies write_cookie?: request.ssl?). Behind a proxy that ends TLS and loses the scheme, every request looks like http.`,
    fix: at.fix ?? { description: `Make ${a.name} learn the scheme from the proxy (send X-Forwarded-Proto).` },
    data: { app: a.name, mode: 'skipped', route: r.id },
  });
}

/**
 * A site that serves plain http without redirecting to https and forwards to an upstream a TLS site of the same tree
 * also forwards to (a `<VirtualHost *:80>` and a `*:443` one including the same ProxyPass; an nginx server listening
 * on 80 and 443 ssl): the deployment serves the app over both schemes by design, so a cookie flagged Secure would not
 * come back on the plain-http side and its sessions would break. The `never` finding is then info, with that said.
 */
function plainTwin(facts: Facts): { label: string; ref: Ref } | undefined {
  let configs: ReturnType<typeof proxyConfigs>;
  try {
    configs = proxyConfigs(facts);
  } catch {
    return undefined; // no readable proxy sites: nothing to compare
  }
  const sites = configs.flatMap((c) => c.sites).filter((s) => s.mode === 'http' && !s.notAHop && s.routes.length > 0);
  const upstreamsOf = (s: (typeof sites)[number]) => new Set(s.routes.flatMap((r) => r.upstreams.map((u) => u.text)));
  const tlsUpstreams = new Set(sites.filter((s) => s.listeners.some((l) => l.tls)).flatMap((s) => [...upstreamsOf(s)]));
  for (const s of sites) {
    if (s.redirectsToHttps || !s.listeners.some((l) => !l.tls)) continue;
    if ([...upstreamsOf(s)].some((u) => tlsUpstreams.has(u))) return { label: s.label, ref: s.ref };
  }
  return undefined;
}

export const secureCookieNeverSet: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of appEnds(facts)) {
      const a = fw.appEnd;
      const c = a.secureCookies;
      if (!c || c.origin === 'unknown') continue;
      // An app that takes every request as https (Rails assume_ssl, OCTANE_HTTPS) flags an `auto` cookie and writes an
      // `always` one; a `never` cookie stays plain whatever it believes (Laravel's URL::forceScheme changes URLs only).
      const believesHttps = a.assumeHttps?.value === true;
      if (believesHttps && c.value !== 'never') continue;
      const name = cookieName(a);
      if (c.value === 'always') {
        const skipped = a.secureCookieSkippedOnHttp ? skippedFinding(facts, fw) : undefined;
        if (skipped) out.push(skipped);
        continue;
      }
      const cover = hstsCover(facts, [{ name, lifetime: a.secureCookieLifetime ?? 'unknown' }]);
      const gated = c.origin === 'env' && c.envVar && !c.note?.includes(c.envVar) ? ` (from ${c.envVar})` : '';
      if (c.value === 'auto') {
        const at = lostRoute(facts, fw);
        if (!at) continue;
        const { r, lost, hop } = at;
        out.push(
          finding(meta, {
            severity: cover.covered ? 'info' : 'medium',
            message:
              `${a.name} flags ${name} Secure only on requests it believes are https${c.note ? ` (${c.note})` : ''}${gated}, ` +
              `and ${r.url} reaches it as http${hop}: the cookie is sent without Secure on an HTTPS site` +
              `${cover.covered ? `; ${coverSentence(cover)}` : ', so a browser also sends it on any plain http:// request to the host'}.`,
            evidence: [
              ...evidences(facts, [
                [c.ref, `${name}: Secure follows the request's scheme`],
                [lost?.ref, `scheme lost here: ${lost?.reason ?? ''}`],
              ]),
              ...(cover.covered ? cover.evidence : []),
            ],
            why: `${a.name} decides the cookie's Secure flag from its own idea of the request's scheme. Behind a proxy that ends TLS, that idea comes only from a forwarded scheme header the app reads and trusts; where the chain loses it, every https page sets the cookie without Secure.`,
            fix: at.fix ?? {
              description: `Make ${a.name} learn the scheme from the proxy (send X-Forwarded-Proto and trust the proxy), or set ${a.secureCookieFix ?? 'the cookie to always Secure'}.`,
            },
            data: { app: a.name, mode: 'auto', route: r.id, ...(cover.covered ? { mitigatedBy: 'hsts' } : {}) },
          }),
        );
        continue;
      }
      // Any front that ends TLS counts (nginx `ssl`, a Caddy site under automatic HTTPS, Apache `SSLEngine on`, a
      // Traefik TLS router, a TLS-ending cloud front), not only nginx and a compose proxy publishing 443.
      const https = siteHttpsEvidence(facts);
      if (!https) continue;
      const unset = c.origin === 'default';
      const twin = cover.covered ? undefined : plainTwin(facts);
      out.push(
        finding(meta, {
          severity: cover.covered || twin ? 'info' : 'medium',
          message:
            `${a.name} never flags ${name} Secure${c.note ? ` (${c.note})` : ''}${gated} on a site served over HTTPS` +
            `${cover.covered ? `; ${coverSentence(cover)}` : `: the cookie is also sent over plain http${cover.evidence ? ` (HSTS does not prevent it: ${cover.reason})` : ''}`}` +
            `${twin ? `. ${twin.label} serves the same upstream over plain http without redirecting to https, so http is served by design and a Secure cookie would not come back there (its sessions would break): redirect http to https first, then flag the cookie Secure` : ''}.`,
          evidence: [
            ev(c.ref, unset ? `not set: ${a.name}'s default leaves Secure off` : 'Secure off here'),
            https,
            ...(cover.covered ? cover.evidence : cover.evidence ? [cover.evidence] : []),
            ...(twin ? [ev(twin.ref, 'serves the same upstream over plain http, no redirect')] : []),
          ],
          why: 'A cookie without the Secure flag is also sent on any http:// request to the site (a typed URL, an http link, a hostile network rewriting one), where it can be read or replaced.',
          fix: {
            description: `Flag the session cookie Secure in production: ${a.secureCookieFix ?? 'its secure setting'}.`,
            file: c.ref?.file,
            line: c.ref?.line,
          },
          data: {
            app: a.name,
            mode: 'never',
            ...(cover.covered ? { mitigatedBy: 'hsts' } : {}),
            ...(twin ? { plainHttpServed: true } : {}),
          },
        }),
      );
    }
    return out;
  },
};
