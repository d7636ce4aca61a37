/**
 * proxy/forwarded-proto-missing: a site that terminates TLS and proxies over HTTP but tells the
 * upstream nothing about the scheme. HAProxy and Apache mod_proxy never add X-Forwarded-Proto
 * themselves (Caddy and Traefik do, and are not flagged); the app then sees every request as http.
 * Runs on every site (`everySite`: nginx's and Ingresses' too); on nginx it is the same finding as
 * nginx/forwarded-proto-missing, which stays the headline (checks/proxy/twins.ts).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { underscoreSchemeHeader } from '../nginx/scheme-header-value.js';
import { ev, everySite, httpRoutes, PROXY_DOCS, schemeRules, setSchemeLine, tlsListeners, valueFor } from './common.js';

const meta: CheckMeta = {
  id: 'proxy/forwarded-proto-missing',
  severity: 'high',
  title: 'A TLS-terminating proxy does not tell the app the scheme',
  summary:
    'The site ends TLS and forwards plain HTTP without X-Forwarded-Proto (or Forwarded): the app builds http:// URLs, redirects and insecure cookies.',
  references: [PROXY_DOCS.apacheProxyHeaders, PROXY_DOCS.haproxyForwardfor, PROXY_DOCS.mdnXfp],
};

export const proxyForwardedProtoMissing: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const { config, site } of everySite(facts)) {
      const tls = tlsListeners(site);
      if (tls.length === 0) continue;
      for (const route of httpRoutes(site)) {
        // An include outside the tree may set the header: say nothing rather than guess.
        if (route.headersMayChange?.length) continue;
        const scheme = schemeRules(route.headers);
        // A scheme header copied from the request's own: proxy/client-header-copied is that root cause.
        if (scheme.some((r) => r.value?.includes('{in:'))) continue;
        // The route's own header rules cut an outer level's scheme header (nginx inheritance): the cutting line is
        // the root cause, which nginx/proxy-header-inheritance names.
        if (schemeRules(route.dropped ?? []).length > 0) continue;
        // nginx with a scheme header written with underscores (`X_Forwarded_Proto`): nginx/scheme-header-value names
        // that line and replaces it with the dashed name, where adding a line here would leave it beside the new one.
        if (config.kind === 'nginx' && route.headers.some((r) => r.value !== null && underscoreSchemeHeader(r.name))) continue;
        // Any rule that sends https on a TLS request tells the scheme (a wrong value is another check's job).
        if (scheme.some((r) => r.value !== null && !r.ifPresent && r.when !== 'plain' && valueFor(r, true) !== '')) continue;
        const kind = config.kind;
        // A route written in an included file (an Apache partial shared by the :80 and :443 vhosts): the header
        // goes into this site, where only its TLS requests get it, not into the shared file.
        const shared = route.ref.file !== site.ref.file;
        const at = shared ? site.ref : route.ref;
        const forwards = ev(route.ref, 'forwards here without a scheme header');
        const tlsEnds = ev(tls[0]?.ref, 'TLS ends here');
        out.push(
          finding(meta, {
            message: `${site.label} ends TLS on port ${tls.map((l) => l.port).join(', ')} and forwards ${route.match} to ${route.upstreams[0]?.text ?? 'its upstream'} without X-Forwarded-Proto: ${kind === 'apache' ? 'mod_proxy never adds it' : kind === 'haproxy' ? 'HAProxy never adds it' : 'nothing adds it'}, so the app sees http`,
            // The finding is where the header belongs: the TLS site itself when its route comes from a shared file.
            evidence: shared ? [tlsEnds, forwards] : [forwards, tlsEnds],
            why: 'Behind a TLS-terminating proxy the app only learns the original scheme from a header the proxy sets. Without it, frameworks build http:// absolute URLs and redirects (mixed content, redirect loops with an https redirect) and mark cookies insecure.',
            fix: {
              description: `Set the scheme header on this site (${setSchemeLine(kind, true)}), and make the app trust it from this proxy only.`,
              file: at.file,
              line: at.line,
              lines: [setSchemeLine(kind, true)],
              placement: 'after',
            },
            data: { proxy: kind, site: site.id, route: route.id },
          }),
        );
        break;
      }
    }
    return out;
  },
};
