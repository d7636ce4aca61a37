/**
 * proxy/scheme-https-on-plain-listener: a site that answers plain HTTP (and does not redirect it) sends the app a
 * literal `X-Forwarded-Proto: https` (or `X-Forwarded-Ssl: on`...) on every request, the plain ones included: HAProxy's
 * unconditional `http-request set-header X-Forwarded-Proto https`, Caddy's `header_up X-Forwarded-Proto https`,
 * Apache's `RequestHeader set X-Forwarded-Proto https` in a `*:80` vhost, a Traefik `customRequestHeaders` entry,
 * nginx's `proxy_set_header X-Forwarded-Proto https`. The value is the proxy's own, not the client's: the chain does
 * not call it a forgery (chain/verdict.ts compares the forged request with a plain one), this check names it.
 *
 * Runs on every proxy's sites (`everySite`). Where a proxy has its own check for this mistake (nginx, HAProxy,
 * Traefik: they were written first and know their proxy's details), checks/proxy/twins.ts keeps theirs as the
 * headline. A site with only plain listeners is reported at low: TLS may end at a load balancer the files do not
 * show, where the literal is the deliberate setup; a sign of such a front (nginx real_ip / PROXY protocol, a TLS
 * front declared or inferred) silences it.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import type { HeaderRule } from '../../model/proxy.js';
import {
  ev,
  everySite,
  HTTPS_VALUE,
  httpRoutes,
  PROXY_DOCS,
  plainListeners,
  plainRequestValue,
  setSchemeLine,
  tlsListeners,
} from './common.js';

const meta: CheckMeta = {
  id: 'proxy/scheme-https-on-plain-listener',
  severity: 'medium',
  title: 'A proxy tells the app https on plain-HTTP requests too',
  summary:
    'A site that answers plain HTTP without redirecting it sets X-Forwarded-Proto https (or X-Forwarded-Ssl on) unconditionally: a plain-HTTP request is believed to be https.',
  references: [PROXY_DOCS.haproxySetHeader, PROXY_DOCS.caddyHeaderUp, PROXY_DOCS.apacheRequestHeader, PROXY_DOCS.mdnXfp],
};

/**
 * A TLS-ending front declared or inferred (`--front`, .proxyproof.json, a fly.toml, an ALB in Terraform): in front of
 * a site with only plain listeners, the literal says what that front knows (an L4 one sends no scheme header at all);
 * whether the front redirects its own plain requests is not in these files.
 */
function tlsFront(facts: Facts): boolean {
  return (facts.fronts ?? []).some((f) => f.terminatesTls);
}

/** The line that sends the connection's scheme instead, in the proxy's syntax, where the header is X-Forwarded-Proto. */
function connectionLine(kind: string, rule: HeaderRule): string | undefined {
  if (rule.name.toLowerCase() !== 'x-forwarded-proto') return undefined;
  // Caddy and Traefik send the connection's scheme themselves: the fix removes the line (no replacement).
  if (kind === 'caddy' || kind === 'traefik') return undefined;
  return setSchemeLine(kind, false);
}

function removeAdvice(kind: string, header: string): string {
  switch (kind) {
    case 'caddy':
      return `remove the \`header_up ${header}\` line: Caddy's reverse_proxy sends the connection's scheme itself`;
    case 'traefik':
      return `remove the ${header} entry from the middleware's customRequestHeaders: Traefik sends the connection's scheme itself`;
    case 'apache':
      return 'set it only in the TLS vhost (`SSLEngine on`), or from the connection';
    default:
      return 'send it only on the TLS listener, or from the connection';
  }
}

export const proxySchemeHttpsOnPlainListener: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    const fronted = tlsFront(facts);
    for (const { config, site } of everySite(facts)) {
      if (site.mode !== 'http' || site.redirectsToHttps || site.listenersUnknown) continue;
      const plain = plainListeners(site);
      if (plain.length === 0) continue;
      const tls = tlsListeners(site);
      // Only plain listeners, with a sign of a TLS front before them: the literal is what that front cannot say itself.
      if (tls.length === 0 && (fronted || (site.frontEvidence?.length ?? 0) > 0)) continue;
      for (const route of httpRoutes(site)) {
        // A route that redirects plain requests sends none of them on; an internal or loopback-only one serves no browser.
        if (route.redirectsToHttps || route.restricted || route.upstreams.length === 0) continue;
        // An ACME challenge is answered over plain HTTP by design, whatever the header says.
        if (/acme-challenge/i.test(route.match)) continue;
        for (const [name, https] of Object.entries(HTTPS_VALUE)) {
          const v = plainRequestValue(config.kind, route.headers, name);
          if (v === 'unknown' || !v.by || v.by.from === 'default') continue;
          // The first value is what most apps read (Django, Rails, Express take the leftmost or only one).
          if (!https.test(v.values[0] ?? '')) continue;
          const rule = v.by;
          const key = `${rule.ref.file}:${rule.ref.line}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const kind = config.kind;
          const written = rule.ref.snippet?.trim() || `${rule.name}: ${v.values[0]}`;
          const plainPorts = plain.map((l) => l.port).join(', ');
          const onlyPlain = tls.length === 0;
          const line = connectionLine(kind, rule);
          const remove = removeAdvice(kind, rule.name);
          out.push(
            finding(meta, {
              severity: onlyPlain ? 'low' : meta.severity,
              message: `${site.label} answers plain HTTP on port ${plainPorts}${onlyPlain ? '' : ` besides TLS on port ${tls.map((l) => l.port).join(', ')}`} and does not redirect it, but \`${written}\` sends ${rule.name}: ${v.values[0]} on every request of ${route.match}: a plain-HTTP request reaches ${route.upstreams[0]?.text ?? 'the backend'} claiming https, and the app believes it${onlyPlain ? ' (unless TLS ends at a load balancer in front that these files do not show)' : ''}`,
              evidence: [
                ev(rule.ref, `${rule.name}: ${v.values[0]} on every request, plain HTTP included`),
                ev(plain[0]?.ref, 'plain HTTP arrives here'),
                ...(tls[0] ? [ev(tls[0].ref, 'TLS ends here')] : []),
              ],
              why: "The value is the proxy's literal, not the request's scheme. An app told https for a plain-HTTP request never redirects it to https (Django SECURE_SSL_REDIRECT, Rails force_ssl, Express req.secure read this header), sets Secure cookies the browser will not send back over http, and serves login forms over plain HTTP while believing them protected.",
              fix: {
                description: onlyPlain
                  ? `If TLS ends at a load balancer in front, declare it (\`--front NAME\`, or "front" in .proxyproof.json); otherwise ${line ? `send the connection's scheme (\`${line}\`)` : remove}.`
                  : `Tell the app the scheme the request came in on: ${line ? `\`${line}\` in place of the literal` : remove}; or redirect plain requests to https before they are proxied.`,
                file: rule.ref.file,
                line: rule.ref.line,
                ...(line ? { lines: [line], placement: 'replace' as const } : {}),
              },
              data: { proxy: kind, site: site.id, route: route.id, header: rule.name, plainOnly: onlyPlain },
            }),
          );
        }
      }
    }
    return out;
  },
};
