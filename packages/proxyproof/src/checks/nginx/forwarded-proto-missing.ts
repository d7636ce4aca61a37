/**
 * nginx/forwarded-proto-missing: a location reached over TLS proxies upstream without
 * X-Forwarded-Proto (or Forwarded with proto=), so the application sees every request as http.
 */
import { includesThatMayChange, nginxModel, passingScopes, schemeHeaders, tlsListens } from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Evidence, Finding, Fix } from '../../model/finding.js';
import { appSchemeSettings, frameworkKinds } from '../appserver/app-trust-advice.js';
import {
  addLinesFix,
  blockEvidence,
  describePass,
  fixPlacement,
  headerLine,
  httpLevelAnchor,
  levelName,
  listenEvidence,
  listJoin,
  NGINX_DOCS,
  redirectLoopEvidence,
  refsEvidence,
  scopeName,
  terminatorEvidence,
  trustedRanges,
} from './common.js';
import { guardedSchemeLines } from './forwarded-proto-client-controlled.js';
import { underscoreSchemeHeader } from './scheme-header-value.js';

const meta: CheckMeta = {
  id: 'nginx/forwarded-proto-missing',
  severity: 'high',
  title: 'TLS ends at nginx but the upstream is not told the scheme',
  summary: 'A location reached over TLS proxies upstream without X-Forwarded-Proto or Forwarded: the app sees http.',
  references: [
    NGINX_DOCS.proxySetHeader,
    NGINX_DOCS.varScheme,
    NGINX_DOCS.rfc7239,
    NGINX_DOCS.djangoProxySsl,
    NGINX_DOCS.gunicornForwarded,
  ],
};

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  // The app-side setting named in the fix: the framework(s) found in the tree (a Flask app gets no Django text).
  const kinds = frameworkKinds(facts);
  // A server whose TLS a template branch switches on is plain in the other rendering (the same rule as
  // nginx/scheme-behind-tls-terminator, which would report a `$scheme` line there).
  const anyNginxTls = model.servers.some((s) => s.tls && !s.tlsOnlyInBranch);
  for (const server of model.servers) {
    if (!server.tls) continue;
    const term = server.tlsOnlyInBranch ? terminatorEvidence(facts, server, anyNginxTls) : undefined;
    const bothRenderings = term?.branch;
    // The front's address for the geo: set_real_ip_from as written, else `<proxy address>` (fix --proxy-address).
    const ranges = bothRenderings ? trustedRanges(facts, server) : [];
    const guarded = guardedSchemeLines(server, 'proxy_set_header', 'X-Forwarded-Proto', false, ranges);
    const anchor = bothRenderings ? httpLevelAnchor(facts, model, server) : undefined;
    for (const scope of passingScopes(server)) {
      if (scope.pass?.kind !== 'proxy') continue;
      const set = scope.headers.proxy;
      if (schemeHeaders(set).length > 0) continue;
      // A scheme header written with underscores (`X_Forwarded_Proto`): nginx/scheme-header-value names that line and
      // replaces it, where adding a line here would leave it.
      if (set.entries.some((e) => e.origin === 'directive' && e.value !== '' && underscoreSchemeHeader(e.name))) continue;
      // Dropped by inheritance: nginx/proxy-header-inheritance names the dropping line instead.
      if (set.drops.some((d) => schemeHeaders({ ...set, entries: d.dropped }).length > 0)) continue;
      // An include that could not be read may well set it.
      if (includesThatMayChange(server, scope, set).length > 0) continue;
      const tls = tlsListens(server);
      const place = fixPlacement(facts, server, scope, set);
      const written = set.entries.filter((e) => e.origin === 'directive');
      const sent = set.entries
        .filter((e) => e.value !== '' && (e.origin === 'directive' || e.name.toLowerCase() === 'host'))
        .map((e) => (e.origin === 'default' ? `${e.name} ${e.value} (nginx's default)` : e.name));
      const evidence = [blockEvidence(facts, scope, `proxies to ${describePass(scope)} without X-Forwarded-Proto`)];
      if (written.length > 0 && set.fromScope !== scope.index) {
        evidence.push(
          ...refsEvidence(
            facts,
            written.map((e) => e.ref).filter((r) => r !== undefined),
            `the headers it sends are set at ${levelName(server, set)}`,
          ),
        );
      }
      evidence.push(
        ...listenEvidence(
          facts,
          tls,
          scope.pass.scheme === 'https'
            ? 'TLS ends here; the upstream connection is TLS again (proxy_pass https://), with no X-Forwarded-Proto'
            : 'TLS ends here, so the upstream connection is plain HTTP',
        ),
      );
      const passthrough = scope.passRequestHeaders
        ? ' nginx also passes a client-sent X-Forwarded-Proto through unchanged, so a client can claim either scheme.'
        : '';
      const where =
        place.where === scope.label ? '' : ` (at ${place.where}, so every location that inherits those headers gets it)`;
      // What changes the weight of a missing header: no browser reaches the location, the upstream is reached
      // over TLS itself (an app that reads its own connection sees https), or the location deliberately blanks
      // the client's forwarding headers (this upstream is not meant to know about the client).
      const blanked = set.entries.filter(
        (e) => e.origin === 'directive' && e.value === '' && /^(x-forwarded-for|x-real-ip)$/i.test(e.name),
      );
      let severity: Finding['severity'] | undefined;
      let context = '';
      if (scope.restricted) {
        severity = 'info';
        context =
          scope.restricted.kind === 'internal'
            ? ' The location is `internal`: only nginx itself (subrequests, internal redirects) reaches it, so no browser depends on the scheme there.'
            : ' Only loopback clients may use the location (allow/deny), so no browser depends on the scheme there.';
        evidence.push(refsEvidence(facts, [scope.restricted.ref], 'browsers cannot reach this location')[0] as Evidence);
      } else if (scope.pass.scheme === 'https') {
        severity = 'info';
        context =
          ' The upstream is reached over TLS (proxy_pass https://): an app that takes the scheme from its own connection sees https; one that reads X-Forwarded-Proto gets nothing.';
      } else if (blanked.length > 0) {
        severity = 'low';
        context = ` The location blanks ${listJoin(blanked.map((e) => e.name))}: this upstream is deliberately told nothing about the client, so it probably does not build URLs from the request.`;
        evidence.push(
          ...refsEvidence(
            facts,
            blanked.map((e) => e.ref).filter((r) => r !== undefined),
            'blanked on purpose',
          ),
        );
      }
      // Where the loss shows as a redirect loop (the app's own HTTPS redirect), for a location browsers reach.
      if (!severity) evidence.push(...redirectLoopEvidence(facts));
      out.push(
        finding(meta, {
          ...(severity ? { severity } : {}),
          message:
            `${scopeName(facts, server, scope)} is reached over TLS but proxies to ${describePass(scope)} ` +
            `with only ${listJoin(sent)}: no X-Forwarded-Proto (or Forwarded), so ${scope.pass.scheme === 'https' ? 'an application that reads only that header' : 'the application'} believes every request is plain http.` +
            passthrough +
            context,
          evidence,
          why:
            (scope.pass.scheme === 'https'
              ? 'nginx ends TLS and opens a TLS connection of its own to the upstream. An app that reads X-Forwarded-Proto rather than its connection then '
              : 'nginx ends TLS and talks plain HTTP to the app. Without X-Forwarded-Proto the app (Django, Flask, Rails, Express...) ') +
            'builds http:// URLs ' +
            '(mixed content), redirects HTTPS requests to https again with SECURE_SSL_REDIRECT (ERR_TOO_MANY_REDIRECTS), ' +
            'fails CSRF origin checks and issues cookies without Secure.',
          fix: bothRenderings
            ? bothRenderingsFix(bothRenderings, place, where, guarded, ranges, anchor)
            : addLinesFix(
                `Add X-Forwarded-Proto next to the other proxy_set_header lines${where}, then let the app trust the header from nginx only ` +
                  `(${[...appSchemeSettings(kinds), 'gunicorn trusts it from 127.0.0.1 by default'].join('; ')}).`,
                place,
                [headerLine('proxy', 'X-Forwarded-Proto', '$scheme')],
              ),
          data: { server: server.index, scope: scope.index, sent: set.entries.map((e) => e.name) },
        }),
      );
    }
  }
  return out;
}

/**
 * The fix of a server whose TLS a template branch switches on: `$scheme` is right only in the rendering that ends TLS
 * here; in the other one a proxy in front ends it and `$scheme` is always http (nginx/scheme-behind-tls-terminator
 * would report the line). The value right in both takes the front's X-Forwarded-Proto from the front's address only,
 * else `$scheme`: the geo and map above the file's first server (the http level, shared by every fix of the file,
 * as nginx/scheme-behind-tls-terminator writes them) and the header line in the scope. Mechanical once the address
 * is known (set_real_ip_from, or `fix --proxy-address` filling `<proxy address>`); advice when no plain
 * `server {` line of a readable file gives the http level.
 */
function bothRenderingsFix(
  branch: string,
  place: { file: string; line: number; indent: string },
  where: string,
  guarded: { http: string[]; scope: string[] },
  ranges: string[],
  anchor: { file: string; line: number; text: string } | undefined,
): Fix {
  const fromWhere = ranges.includes('<proxy address>')
    ? "the front's address (give it with --proxy-address: the address nginx sees the front connect from)"
    : `the addresses in set_real_ip_from (${ranges.join(', ')})`;
  const lead =
    `TLS ends here only when the template is rendered with \`${branch}\`; rendered without it a proxy in front ends TLS ` +
    `and $scheme is always http. Send the scheme that is right in both: the front's X-Forwarded-Proto believed only from ${fromWhere}, else $scheme.`;
  const header = `${place.indent}${guarded.scope[0]}`;
  if (anchor) {
    const indent = /^[ \t]*/.exec(anchor.text)?.[0] ?? '';
    return {
      description: `${lead} A geo and a map at the http level (above the first server block of ${anchor.file}), and X-Forwarded-Proto built from $forwarded_proto${where}.`,
      file: place.file,
      line: place.line,
      placement: 'after',
      lines: [header],
      also: [
        {
          file: anchor.file,
          line: anchor.line,
          placement: 'replace',
          lines: [...guarded.http.map((l) => `${indent}${l}`), '', anchor.text],
        },
      ],
    };
  }
  return {
    description: `${lead} Add the geo and map at the http level (outside any server block), then add the last line below next to the other proxy_set_header lines${where}.`,
    file: place.file,
    line: place.line,
    lines: [...guarded.http, '', header],
  };
}

export const forwardedProtoMissing: Check = { meta, run };
