/**
 * proxy/forwarded-proto-invalid: a scheme header whose value is neither `http` nor `https` — e.g.
 * Apache's `RequestHeader set X-Forwarded-Proto expr=%{REQUEST_SCHEME}s`, where the trailing `s` is
 * literal in an ap_expr string and the header becomes `httpss` (and `https` on plain HTTP).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import type { ProxySite } from '../../model/proxy.js';
import { ev, everySite, PROXY_DOCS, setSchemeLine, valueFor } from './common.js';

const meta: CheckMeta = {
  id: 'proxy/forwarded-proto-invalid',
  severity: 'high',
  title: 'The proxy sends a scheme header that is neither http nor https',
  summary:
    'X-Forwarded-Proto evaluates to something like `httpss`: apps compare it to `https` and treat every request as http (or a plain one as https).',
  references: [PROXY_DOCS.apacheExpr, PROXY_DOCS.apacheRequestHeader, PROXY_DOCS.mdnXfp],
};

/**
 * Each header's own values. X-Forwarded-Protocol is gunicorn's, and gunicorn's default secure_scheme_headers want
 * `ssl` there for https (config.py `{"X-FORWARDED-PROTOCOL": "ssl", ...}`; real gunicorn 20.1 answers https for
 * `X-Forwarded-Protocol: ssl`), so `ssl` is a right value, not an invalid one. `https` in it is another header's
 * word: nginx/scheme-header-value reports that one (gunicorn reads it as http).
 */
const VALUES: Record<string, RegExp> = {
  'x-forwarded-proto': /^https?$/i,
  'x-forwarded-scheme': /^https?$/i,
  'x-scheme': /^https?$/i,
  'x-forwarded-protocol': /^(?:ssl|https?)$/i,
};
const NAMES = new Set(Object.keys(VALUES));
const OWN_WORDS: Record<string, string> = { 'x-forwarded-protocol': '"ssl" (https) and "http"' };

/** A value outside the header's own words (`httpss`, `htps`): undefined and empty are not values. */
function invalidFor(name: string, v: string | undefined): v is string {
  return v !== undefined && v !== '' && !(VALUES[name] as RegExp).test(v);
}

type HeaderRule = Parameters<typeof valueFor>[0];

/**
 * A scheme header rule whose value is neither http nor https on some connection (what this check reports). Other
 * checks that copy a rule elsewhere (apache/vhost-never-used) copy the corrected line instead of the broken one.
 */
export function sendsInvalidScheme(r: HeaderRule): boolean {
  if (!NAMES.has(r.name.toLowerCase()) || r.value === null) return false;
  const name = r.name.toLowerCase();
  return [valueFor(r, true), valueFor(r, false)].some((v) => invalidFor(name, v));
}

/** Name lengths of NAMES: a rule of another length is no scheme header, with no lower-cased copy of its name. */
const NAME_LENGTHS = new Set([...NAMES].map((n) => n.length));

/** The site's own header rules, then each route's (lists, not a generator: no iterator result per rule). */
function ruleListsOf(site: ProxySite): HeaderRule[][] {
  const lists = [site.siteHeaders];
  for (const route of site.routes) lists.push(route.headers);
  return lists;
}

export const proxyForwardedProtoInvalid: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const { config, site } of everySite(facts)) {
      for (const list of ruleListsOf(site))
        for (const r of list) {
          // The cheap tests first: most rules of an nginx route are its defaults (no lower-cased name for them).
          if (r.from === 'default' || r.value === null || !NAME_LENGTHS.has(r.name.length) || !NAMES.has(r.name.toLowerCase()))
            continue;
          const key = `${r.ref.file}:${r.ref.line}`;
          if (seen.has(key)) continue;
          const onTls = valueFor(r, true);
          const onPlain = valueFor(r, false);
          const name = r.name.toLowerCase();
          const bad = [onTls, onPlain].filter((v): v is string => invalidFor(name, v));
          if (bad.length === 0) continue;
          seen.add(key);
          out.push(
            finding(meta, {
              message: `${r.name} is sent as ${[onTls !== undefined ? `"${onTls}" on https` : '', onPlain !== undefined ? `"${onPlain}" on http` : ''].filter(Boolean).join(' and ')}: only ${OWN_WORDS[name] ?? '"http" and "https"'} mean anything to the app`,
              evidence: [ev(r.ref, `evaluates to "${bad[0]}"`)],
              why: 'Apps compare the header to the exact string https (Django SECURE_PROXY_SSL_HEADER, ASP.NET ForwardedHeaders, Rails, Express). A value such as httpss matches nothing, and a plain request sent as https is a false claim of TLS.',
              fix: {
                description: 'Send the connection scheme itself.',
                file: r.ref.file,
                line: r.ref.line,
                lines: [setSchemeLine(config.kind, false)],
                placement: 'replace',
              },
              data: { proxy: config.kind, site: site.id, values: { tls: onTls, plain: onPlain } },
            }),
          );
        }
    }
    return out;
  },
};
