/**
 * nginx/underscore-headers-pass: `underscores_in_headers on` (or `ignore_invalid_headers off`) keeps a client's
 * header names with an underscore, and proxy_pass sends them on verbatim beside the forwarding headers nginx sets:
 * `proxy_set_header X-Forwarded-For $remote_addr` does not replace a client's `X_Forwarded_For` (nginx matches the
 * set names against the client's lower-cased names, where `_` is not `-`). App servers that map both spellings to one
 * CGI name give the app the client's value too: gunicorn before 22.0 joins them (`HTTP_X_FORWARDED_FOR=127.0.0.1,
 * 6.6.6.6` on Debian's 20.1 behind real nginx 1.22, the client's value last, where an app counting from the right
 * reads), Puma before 5.6.9 / 6.4.3 lets it clobber the proxy's (CVE-2024-45614). The FastCGI/uWSGI/SCGI params are
 * built by nginx itself, which skips a client header whose `HTTP_` name a param sets: only proxy_pass carries it.
 * Low: it takes an app server of those versions and an app that reads the header from the right.
 */
import { type NginxRef, type NginxServer, nginxModel, passingScopes } from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Evidence, Finding } from '../../model/finding.js';
import { blockEvidence, NGINX_DOCS, refEvidence, scopeName } from './common.js';

const meta: CheckMeta = {
  id: 'nginx/underscore-headers-pass',
  severity: 'low',
  title: 'Client header names with underscores pass beside the forwarding headers nginx sets',
  summary:
    "`underscores_in_headers on` (or `ignore_invalid_headers off`) lets a client send `X_Forwarded_For`/`X_Forwarded_Proto`, which proxy_set_header does not replace; app servers that map `_` and `-` to one name (gunicorn < 22, Puma < 5.6.9/6.4.3) hand the client's value to the app.",
  references: [
    'https://nginx.org/en/docs/http/ngx_http_core_module.html#underscores_in_headers',
    'https://nginx.org/en/docs/http/ngx_http_core_module.html#ignore_invalid_headers',
    NGINX_DOCS.proxySetHeader,
    'https://github.com/puma/puma/security/advisories/GHSA-9hf4-67fc-4vf4',
    'https://docs.gunicorn.org/en/stable/settings.html#header-map',
  ],
};

/** Headers whose client-sent underscore variant an app may take for the proxy's (lower-case, `-` spelling). */
const FORWARDING = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-ssl',
  'x-forwarded-scheme',
  'x-real-ip',
  'x-client-ip',
  'client-ip',
  'forwarded',
]);

const underscored = (name: string) => name.replace(/-/g, '_');

interface Hit {
  ref: NginxRef;
  /** Per server: the proxying scopes and the forwarding headers they set. */
  places: { server: NginxServer; scope: Parameters<typeof blockEvidence>[1]; names: string[] }[];
  /** An http level with no server here whose include matched no file of the tree: that include. */
  serversElsewhere?: NginxRef;
}

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const hits = new Map<string, Hit>();
  const hitOf = (ref: NginxRef): Hit => {
    const key = `${ref.file}:${ref.line}:${ref.column ?? 0}`;
    let h = hits.get(key);
    if (!h) {
      h = { ref, places: [] };
      hits.set(key, h);
    }
    return h;
  };
  for (const server of model.servers) {
    const ref = server.underscoreHeaders;
    if (!ref) continue;
    for (const scope of passingScopes(server)) {
      if (scope.pass?.kind !== 'proxy' || !scope.passRequestHeaders) continue;
      const names = scope.headers.proxy.entries
        .filter((e) => e.origin === 'directive' && e.value !== '' && FORWARDING.has(e.name.toLowerCase()))
        .map((e) => e.name)
        .filter((n) => !scope.headers.proxy.entries.some((e) => e.name.toLowerCase() === underscored(n).toLowerCase()));
      if (names.length > 0) hitOf(ref).places.push({ server, scope, names });
    }
  }
  // The directive at an http level whose servers are all elsewhere (the main nginx.conf, its sites not in the tree).
  for (const http of model.https)
    if (http.underscoreHeaders && http.servers.length === 0 && http.includesElsewhere)
      hitOf(http.underscoreHeaders).serversElsewhere = http.includesElsewhere;

  const out: Finding[] = [];
  for (const h of hits.values()) {
    if (h.places.length === 0 && !h.serversElsewhere) continue;
    const directive = h.ref.text.replace(/;$/, '');
    const names = [...new Set(h.places.flatMap((p) => p.names))];
    const shown = h.places.slice(0, 3);
    const evidence: Evidence[] = [
      refEvidence(facts, h.ref, 'client header names with an underscore are kept and proxied as sent'),
      ...(h.places.length === 0 && h.serversElsewhere
        ? [refEvidence(facts, h.serversElsewhere, 'the servers it applies to are in these files, not in the tree')]
        : []),
      ...shown.map((p) =>
        blockEvidence(
          facts,
          p.scope,
          `sets ${p.names.join(', ')}; a client's ${p.names.map(underscored).join(', ')} still reaches the upstream`,
        ),
      ),
    ];
    const where =
      h.places.length > 0
        ? `${shown.map((p) => scopeName(facts, p.server, p.scope)).join(', ')}${h.places.length > shown.length ? ` and ${h.places.length - shown.length} more` : ''} set${h.places.length === 1 ? 's' : ''} ${names.join(', ')}, but a client's ${names.map(underscored).join(', ')} is not one of those names to nginx and is proxied beside it`
        : `it applies to the servers of \`${h.serversElsewhere?.text.replace(/;$/, '')}\`, which matches no file here; wherever they set X-Forwarded-For or X-Forwarded-Proto, a client's X_Forwarded_For or X_Forwarded_Proto is proxied beside it`;
    const drops = (names.length > 0 ? names : ['X-Forwarded-For', 'X-Forwarded-Proto'])
      .map((n) => `proxy_set_header ${underscored(n)} "";`)
      .join(' ');
    out.push(
      finding(meta, {
        message: `\`${directive}\`: ${where}. gunicorn before 22.0 joins both into one HTTP_ variable (nginx's value first, the client's last), Puma before 5.6.9/6.4.3 lets the client's replace it (CVE-2024-45614): an app reading the client address or scheme from there can get the client's own.`,
        evidence,
        why: "nginx drops header names with an underscore unless told otherwise because CGI-style servers fold `_` and `-` into the same name: a client's underscore variant then stands for the header the proxy set. An app that takes the right-most X-Forwarded-For entry (Werkzeug ProxyFix, Rails' remote_ip) believes the client's address.",
        fix: {
          description: `Remove \`${directive}\` unless a client needs an underscore header (nginx then drops such names). To keep it, drop the variants where nginx proxies: \`${drops}\` (an empty value removes the client's header whatever its case; checked on nginx 1.22).`,
        },
        data: { directive: h.ref.text, names, serversElsewhere: h.serversElsewhere !== undefined },
      }),
    );
  }
  return out;
}

export const underscoreHeadersPass: Check = { meta, run };
