/**
 * app/ssl-redirect-loop: an app end that redirects http to https (Rails force_ssl, WordPress
 * FORCE_SSL_ADMIN...) while the proxy in front sends none of the headers it reads the scheme from,
 * and nothing marks requests https (Rails assume_ssl): every proxied HTTPS request is redirected again.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { APP_REFS, type AppEndFramework, appEnds, ev, type ProxyFeed, schemeDelivery } from './common.js';

const meta: CheckMeta = {
  id: 'app/ssl-redirect-loop',
  severity: 'high',
  title: 'HTTPS redirect in the app, but the proxy never tells it the request was HTTPS',
  summary:
    'force_ssl (or another app-side redirect to https) behind a proxy that sends no scheme header the app reads: ERR_TOO_MANY_REDIRECTS.',
  references: [APP_REFS.railsSsl, APP_REFS.rackScheme, APP_REFS.railsAssumeSsl, APP_REFS.wordpressHttps, APP_REFS.plugSsl],
};

/**
 * The assume_ssl alternative for Rails, by the version the collector read (Gemfile.lock): on Rails < 7.1 the setting
 * does nothing (no ActionDispatch::AssumeSSL), so it is named as ignored, not offered.
 */
function railsAssumeSslAdvice(fw: AppEndFramework): string {
  const ignored = fw.settings.assume_ssl_ignored;
  if (!ignored) return ' Rails 7.1+: config.assume_ssl = true also works when every request reaches Rails through the TLS proxy.';
  const at = ignored.ref ? ` (${ignored.ref.file}:${ignored.ref.line})` : '';
  return ` config.assume_ssl${at} does nothing here: it needs Rails 7.1+ and Gemfile.lock has ${String(ignored.value)}.`;
}

export const sslRedirectLoop: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of appEnds(facts)) {
      const a = fw.appEnd;
      if (a.sslRedirect?.value !== true) continue;
      if (a.assumeHttps?.value === true) continue;
      const d = schemeDelivery(facts, fw);
      if (d.status !== 'missing') continue;
      // Plug.SSL never redirects requests whose Host is exempt (localhost, 127.0.0.1 by default): a proxy that
      // sends its own upstream name there (nginx's default Host $proxy_host) gets no redirect, hence no loop.
      const exempt = a.redirectExempt?.value ?? [];
      const feeds = d.feeds.filter((f) => !exempt.includes(f.hostSent));
      const feed = feeds[0];
      if (!feed) continue;
      const gated = a.sslRedirect.origin === 'env' ? ` (on when ${a.sslRedirect.envVar} is set)` : '';
      if (a.schemeHeaders.length === 0) {
        out.push(readsNothing(facts, fw, feed, feeds, gated));
        continue;
      }
      const reads = a.schemeHeaders.map((h) => h.replace(/(^|-)([a-z])/g, (_m, s, c) => s + c.toUpperCase())).join(', ');
      out.push(
        finding(meta, {
          message:
            `${a.name} redirects every request it believes is http to https${gated}, but ${feed.scope.note ?? 'the proxy'} ` +
            `without any of ${reads}: each HTTPS request reaches ${a.name} as http and is redirected to the same URL again (ERR_TOO_MANY_REDIRECTS).`,
          evidence: [
            ev(a.sslRedirect.ref, `${a.name} redirects http to https here`),
            { ...feed.scope, note: `${feed.scope.note}; sends no scheme header` },
            ...feeds.slice(1, 3).map((f) => f.scope),
          ],
          why:
            `${a.name} decides "is this https?" from the forwarded scheme headers (${reads}); behind a proxy that ends TLS and sends none of them, ` +
            'the request looks like plain http, so the app answers with a redirect to https, which comes back through the same proxy as http.',
          fix: {
            description: `Make the proxy send X-Forwarded-Proto (nginx: proxy_set_header X-Forwarded-Proto $scheme; in the TLS server).${a.name === 'Rails' ? railsAssumeSslAdvice(fw) : ''}`,
            file: feed.headerPlace.file,
            line: feed.headerPlace.line,
            lines: [`${feed.headerPlace.indent}proxy_set_header X-Forwarded-Proto $scheme;`],
            placement: 'after',
          },
          data: { app: a.name, feeds: feeds.length },
        }),
      );
    }
    return out;
  },
};

/**
 * The app's redirect reads no forwarded header at all (Phoenix force_ssl without rewrite_on): no proxy header
 * can help; the app must be told to read X-Forwarded-Proto (and the proxy must send it).
 */
function readsNothing(facts: Facts, fw: AppEndFramework, feed: ProxyFeed, feeds: ProxyFeed[], gated: string): Finding {
  const a = fw.appEnd;
  if (fw.kind === 'aspnet') return aspnetReadsNothing(fw, feed, feeds, gated);
  const ref = a.sslRedirect?.ref;
  const line = ref ? facts.sources.get(ref.file)?.[ref.line - 1] : undefined;
  // `force_ssl: [hsts: true]` -> `force_ssl: [rewrite_on: [:x_forwarded_proto], hsts: true]` (one-line lists only).
  const m = line ? /^(.*\bforce_ssl:\s*\[)(.*)$/.exec(line) : null;
  const oneLine = m && !/rewrite_on/.test(line ?? '') && (line?.split('[').length ?? 0) === (line?.split(']').length ?? 0);
  const patched =
    m && oneLine ? `${m[1]}rewrite_on: [:x_forwarded_proto]${/^\s*\]/.test(m[2] as string) ? '' : ', '}${m[2]}` : undefined;
  return finding(meta, {
    message:
      `${a.name} redirects every request it believes is http to https${gated}, but it reads no forwarded scheme header ` +
      `(force_ssl without rewrite_on) and ${feed.scope.note ?? 'the proxy'} over plain HTTP: each HTTPS request reaches ${a.name} as http and is redirected to the same URL again (ERR_TOO_MANY_REDIRECTS).`,
    evidence: [
      ev(ref, `${a.name} redirects http to https here; rewrite_on is not set`),
      { ...feed.scope, note: `${feed.scope.note} over plain HTTP` },
      ...feeds.slice(1, 3).map((f) => f.scope),
    ],
    why: 'Plug.SSL redirects whenever conn.scheme is http and reads X-Forwarded-Proto only when rewrite_on lists :x_forwarded_proto (its default is []); behind a proxy that ends TLS every request arrives as http.',
    fix: patched
      ? {
          description:
            'Let Plug.SSL read X-Forwarded-Proto (rewrite_on: [:x_forwarded_proto]) and make the proxy send it; rewrite_on believes the header from any peer, so keep the app port reachable by the proxy only.',
          file: ref?.file,
          line: ref?.line,
          lines: [patched],
          placement: 'replace',
        }
      : {
          description:
            'Add rewrite_on: [:x_forwarded_proto] to force_ssl (or plug Plug.RewriteOn, [:x_forwarded_proto] before it) and make the proxy send X-Forwarded-Proto.',
        },
    data: { app: a.name, feeds: feeds.length, readsNoHeader: true },
  });
}

/**
 * ASP.NET Core with UseHttpsRedirection (and an https port it can redirect to) but no ForwardedHeadersMiddleware:
 * Request.Scheme is the connection's, so behind a TLS proxy every request is redirected again.
 */
function aspnetReadsNothing(fw: AppEndFramework, feed: ProxyFeed, feeds: ProxyFeed[], gated: string): Finding {
  const a = fw.appEnd;
  return finding(meta, {
    message:
      `${a.name} redirects every request it believes is http to https${gated} (UseHttpsRedirection), but it reads no forwarded ` +
      `scheme header (no UseForwardedHeaders, no ASPNETCORE_FORWARDEDHEADERS_ENABLED) and ${feed.scope.note ?? 'the proxy'} over plain HTTP: ` +
      `each HTTPS request reaches ${a.name} as http and is redirected to the same URL again (ERR_TOO_MANY_REDIRECTS).`,
    evidence: [
      ev(a.sslRedirect?.ref, `${a.name} redirects http to https here; ForwardedHeadersMiddleware is not used`),
      { ...feed.scope, note: `${feed.scope.note} over plain HTTP` },
      ...feeds.slice(1, 3).map((f) => f.scope),
    ],
    why: 'HttpsRedirectionMiddleware redirects whenever Request.IsHttps is false and it knows an https port; Request.Scheme follows X-Forwarded-Proto only through ForwardedHeadersMiddleware, which nothing here registers, so behind a proxy that ends TLS every request arrives as http.',
    fix: {
      description:
        'Register the forwarded-headers middleware before UseHttpsRedirection: `app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto });` ' +
        '(using Microsoft.AspNetCore.HttpOverrides); it trusts only loopback by default, so add the proxy to KnownProxies/KnownNetworks when it connects from another host or container. ' +
        'ASPNETCORE_FORWARDEDHEADERS_ENABLED=true does the same but trusts every peer: only where nothing but the proxy reaches the app.',
    },
    data: { app: a.name, feeds: feeds.length, readsNoHeader: true },
  });
}
