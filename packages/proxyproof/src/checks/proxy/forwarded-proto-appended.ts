/**
 * proxy/forwarded-proto-appended: X-Forwarded-Proto is appended (HAProxy `add-header`/`reqadd`,
 * Apache `RequestHeader append|add|merge`, Caddy `header_up +X-Forwarded-Proto`) instead of set, or set only when
 * absent (Apache `setifempty`: the client's value is kept alone). A value the client (or a load balancer in front) sent survives next to this one: the app reads
 * the first line or a list such as `https, http` — a spoofing path on the edge, a contradiction behind
 * a TLS load balancer (redirect loops).
 *
 * nginx has no append directive, but a name set by two `proxy_set_header` lines of one level is sent twice, both
 * values in the order written, and the client's value is not (facts/nginx/sites.ts marks the repeat as appended):
 * the app gets a list whose value depends on which end the framework reads. One finding per repeated line, with
 * the lines it repeats; the fix keeps the last line and comments out the earlier ones (the other nginx checks judge
 * the value that stays).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding, Severity } from '../../model/finding.js';
import type { HeaderRule, ProxySite } from '../../model/proxy.js';
import { ev, everySite, PROXY_DOCS, plainListeners, valueFor } from './common.js';
import { earlierOfName, nginxRepeatFinding } from './repeated-line.js';

const meta: CheckMeta = {
  id: 'proxy/forwarded-proto-appended',
  severity: 'high',
  title: 'The proxy appends X-Forwarded-Proto instead of replacing it',
  summary:
    'An appended scheme header keeps the value the client or a load balancer sent: two contradictory values reach the app, or a forged https survives.',
  references: [PROXY_DOCS.haproxySetHeader, PROXY_DOCS.apacheRequestHeader, PROXY_DOCS.mdnXfp],
};

function replaceLine(kind: string, raw: string, value: string): string {
  if (kind === 'haproxy')
    return raw.startsWith('reqadd')
      ? `http-request set-header X-Forwarded-Proto ${value}`
      : raw.replace('add-header', 'set-header');
  if (kind === 'apache') return raw.replace(/RequestHeader\s+(append|add|merge|setifempty)/i, 'RequestHeader set');
  if (kind === 'caddy') return raw.replace('+X-Forwarded-Proto', 'X-Forwarded-Proto');
  return raw;
}

// The length first: most rules name another header, and lower-casing each name was a string per rule.
const isXfp = (h: HeaderRule) => h.name.length === 17 && h.name.toLowerCase() === 'x-forwarded-proto';

const NGINX_REPEAT_WHY =
  'nginx adds one header line per proxy_set_header, duplicates included, in the order written (checked on nginx 1.22.1). Frameworks read such a list differently (Django and Express the first value, a proxy-fix that counts hops the last), so the scheme the app believes depends on the framework, not on the config.';

/**
 * An nginx `proxy_set_header X-Forwarded-Proto` that repeats earlier lines of the same level: both go out. Medium
 * when the values differ (or one is not known: the client's own header, a map), low when they are the same (a list
 * of one value twice, which a framework that wants one value may still refuse).
 */
function nginxRepeat(site: ProxySite, before: HeaderRule[], r: HeaderRule, tls: boolean): Finding {
  return nginxRepeatFinding(
    meta,
    site,
    earlierOfName(before, r),
    r,
    tls,
    'X-Forwarded-Proto',
    NGINX_REPEAT_WHY,
    (values, same) => ({
      severity: same ? 'low' : 'medium',
      consequence: `the app gets "${values.join(', ')}" and reads ${same ? 'a list of one value repeated' : 'whichever end its framework takes (the first value or the last)'}`,
    }),
  );
}

export const proxyForwardedProtoAppended: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const { config, site } of everySite(facts)) {
      if (site.mode !== 'http') continue;
      // Asked only for a site with an appended or repeated scheme header (the rare case: 10,000 nginx sites lint
      // with none), and once per site.
      let plainSite: boolean | undefined;
      const plainOnlySite = () => {
        plainSite ??= plainListeners(site).length > 0 && site.listeners.every((l) => !l.tls);
        return plainSite;
      };
      for (const route of site.routes) {
        const headers = route.headers;
        for (let k = 0; k < headers.length; k++) {
          const r = headers[k] as HeaderRule;
          if (r.value === null || r.from === 'default' || !isXfp(r)) continue;
          // nginx: a repeated line (sites.ts appends a repeat with another value and keeps one of the same value).
          let repeat = false;
          for (let j = 0; j < k && config.kind === 'nginx' && !repeat; j++) {
            const h = headers[j] as HeaderRule;
            repeat = h.value !== null && isXfp(h);
          }
          // `ifAbsent` (Apache `setifempty`): not appended, but a client's value is kept in its place, the same risk.
          if (!r.append && !r.ifAbsent && !repeat) continue;
          const plainOnly = plainOnlySite();
          // A plain-only site whose route answers every request with its own redirect to https, decided by the
          // connection (HAProxy `redirect scheme https if !{ ssl_fc }` in the frontend or the backend): nothing it
          // appends is ever forwarded.
          const by = route.redirectsToHttps
            ? route.redirectDecidedBy
            : site.redirectsToHttps
              ? site.redirectDecidedBy
              : undefined;
          if (plainOnly && (by === 'connection' || (by === undefined && (route.redirectsToHttps ?? site.redirectsToHttps))))
            break;
          const key = `${r.ref.file}:${r.ref.line}`;
          if (seen.has(key)) continue;
          seen.add(key);
          if (config.kind === 'nginx') {
            out.push(nginxRepeat(site, route.headers.slice(0, k), r, !plainOnly));
            continue;
          }
          const plain = plainOnly;
          const value = valueFor(r, !plain) ?? '';
          // A plain listener that appends "http": behind a TLS load balancer the LB's https and this http
          // both reach the app. A TLS listener appending "https" only lets a forged client value survive.
          const severity: Severity = plain && value === 'http' && !r.ifAbsent ? 'high' : value === 'https' ? 'low' : 'medium';
          out.push(
            finding(meta, {
              severity,
              message: r.ifAbsent
                ? `${site.label} sets "X-Forwarded-Proto: ${value}" only when the request has none: a value the client sent reaches the app instead${plain && value === 'http' ? ', so a client on plain HTTP can claim https (behind a TLS load balancer its https is kept, as it should be)' : ''}`
                : plain
                  ? `${site.label} appends "X-Forwarded-Proto: ${value}" on plain HTTP: an https sent by a TLS load balancer in front survives next to it, and the app sees two contradictory schemes`
                  : `${site.label} appends "X-Forwarded-Proto: ${value}": a value the client sent survives in front of it`,
              // The site whose requests carry both values: on a plain listener it is the hop a TLS balancer in
              // front forwards to, where the scheme becomes ambiguous.
              evidence: [
                ev(r.ref, r.ifAbsent ? 'sets only when absent, does not replace' : 'appends, does not replace'),
                ...(plain && value === 'http' && !r.ifAbsent
                  ? [
                      ev(
                        site.ref,
                        `${site.label}: plain HTTP, the hop a TLS load balancer forwards to; both values reach the app`,
                      ),
                    ]
                  : []),
              ],
              why: r.ifAbsent
                ? "A header set only when the request has none (Apache `setifempty`) leaves whatever the client sent in its place: the app reads the client value, not the proxy's. Behind a TLS load balancer that sends the header itself this keeps the balancer's value, which is right; on the edge the client decides."
                : 'Appending adds a second header line (or a comma-separated item). Apps read the first value or fail on a list: behind a TLS load balancer that already sent https this yields https,http and redirect loops; on the edge a client can put its own value first.',
              fix: {
                description: 'Replace the header instead of appending to it (set-header / RequestHeader set).',
                file: r.ref.file,
                line: r.ref.line,
                lines: [replaceLine(config.kind, r.ref.snippet ?? '', value)],
                placement: 'replace',
              },
              data: { proxy: config.kind, site: site.id },
            }),
          );
        }
      }
    }
    return out;
  },
};
