/**
 * nginx/scheme-behind-tls-terminator: nginx listens only for plain HTTP behind a load balancer
 * (realip trusts it, or it speaks PROXY protocol) and forwards `$scheme` — which is then always
 * `http`, even for clients that used HTTPS at the balancer.
 */
import { frontName } from '../../collectors/front/fronts.js';
import {
  displayFile,
  type NginxHeaderEntry,
  type NginxHeaderSet,
  type NginxRef,
  type NginxScope,
  type NginxServer,
  nginxModel,
  passingScopes,
  schemeExpression,
  schemeHeaders,
  traceValue,
} from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { frontReachesProxy } from '../../model/proxy.js';
import {
  alsoEdits,
  blockEvidence,
  describePass,
  entryEvidence,
  frontRefsEvidence,
  httpLevelAnchor,
  isAcmeChallengeScope,
  listJoin,
  NGINX_DOCS,
  redirectLoopEvidence,
  refsEvidence,
  replaceDirectiveFix,
  scopeName,
  type TerminatorEvidence,
  terminatorEvidence,
  trustedRanges,
} from './common.js';
import { guardedSchemeLines } from './forwarded-proto-client-controlled.js';

const meta: CheckMeta = {
  id: 'nginx/scheme-behind-tls-terminator',
  severity: 'high',
  title: '$scheme is forwarded by a plain-HTTP nginx behind a load balancer',
  summary: '$scheme on a plain-HTTP server that is itself behind a TLS-terminating load balancer is always http.',
  references: [
    NGINX_DOCS.varScheme,
    NGINX_DOCS.realip,
    NGINX_DOCS.realipRemoteAddr,
    NGINX_DOCS.proxyProtocol,
    NGINX_DOCS.map,
    NGINX_DOCS.geo,
  ],
};

/** One header written with a `$scheme` value in one passing scope. */
interface Hit {
  scope: NginxScope;
  set: NginxHeaderSet;
  entry: NginxHeaderEntry;
  expr: string;
  /** A scheme header (or param); false for a URL-valued header such as `Origin: $scheme://$http_host`. */
  schemeHeader: boolean;
}

/**
 * The `$scheme`-valued headers and params each passing scope of a plain-HTTP server sends (scheme headers, the
 * params an app server reads the scheme from, and any other header whose value is built with `$scheme`, such as
 * `Origin $scheme://$http_host`).
 */
function schemeHits(facts: Facts, model: ReturnType<typeof nginxModel>, server: NginxServer, inferred: boolean): Hit[] {
  const hits: Hit[] = [];
  const seen = new Set<string>();
  for (const scope of passingScopes(server)) {
    const kind = scope.pass?.kind;
    if ((kind !== 'proxy' && kind !== 'uwsgi' && kind !== 'fastcgi' && kind !== 'passenger') || isAcmeChallengeScope(scope))
      continue;
    const set = scope.headers[kind];
    // proxy/passenger: the scheme headers (passenger_set_header replaces the client's header of that name, as
    // proxy_set_header does); uwsgi/fastcgi: the params the app server reads the scheme from.
    // (`HTTP_X_FORWARDED_PROTO` as a param replaces the request header of that name: nginx skips the client's.)
    const headerKind = kind === 'proxy' || kind === 'passenger';
    const schemeOnes = headerKind
      ? schemeHeaders(set)
      : set.entries.filter((x) => /^(HTTPS|UWSGI_SCHEME|HTTP_X_FORWARDED_PROTO)$/i.test(x.name) && x.value !== '');
    const urlOnes = headerKind
      ? set.entries.filter(
          (x) => !schemeOnes.includes(x) && x.origin === 'directive' && /\$(?:scheme\b|\{scheme\})/.test(x.value),
        )
      : [];
    // A param that is always sent carries the scheme; an `if_not_empty` one beside it is not the app's source.
    const alwaysSent = schemeOnes.some((x) => !x.ifNotEmpty);
    for (const e of [...schemeOnes, ...urlOnes]) {
      if (!e.ref) continue;
      const schemeHeader = schemeOnes.includes(e);
      if (e.ifNotEmpty && alwaysSent) continue;
      // A URL-valued header is judged by its scheme part (its host part is another check's business).
      const expr = schemeHeader ? schemeExpression(e) : '$scheme';
      const trace = traceValue(model, server, expr);
      if (!trace.variables.includes('$scheme') && !trace.variables.includes('$https')) continue;
      // A guarded map with `default $scheme` is the correct pattern (header from the balancer, else $scheme).
      if (trace.guards.length > 0 || trace.clientVariables.length > 0) continue;
      // `HTTPS $https if_not_empty` (the stock params) is not sent here, so it overwrites nothing: the front's
      // X-Forwarded-Proto still reaches the app as HTTP_X_FORWARDED_PROTO. With only inferred evidence of a front,
      // it matters when no app here is known to read that header (a PHP app that reads only $_SERVER['HTTPS']).
      if (
        inferred &&
        !headerKind &&
        e.ifNotEmpty &&
        facts.frameworks.some((f) => f.appEnd?.schemeHeaders.includes('x-forwarded-proto'))
      )
        continue;
      const key = `${e.ref.file}|${e.ref.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      hits.push({ scope, set, entry: e, expr, schemeHeader });
    }
  }
  return hits;
}

/**
 * A server that ends TLS itself and also listens for plain HTTP, behind an L7 front the person declared (`--front`,
 * `.proxyproof.json`) that sends X-Forwarded-Proto: the chain puts the front before the plain listeners
 * (chain/topology/index.ts), where `$scheme` is http for every request the front took over https. One header line
 * cannot be right on both listeners as they are; the guarded geo and map can (the front's header from the front's
 * address, else `$scheme`: https on the server's own TLS port, http from a client on the plain one).
 */
function mixedBehindDeclaredFront(
  facts: Facts,
  server: NginxServer,
): (TerminatorEvidence & { plainPorts: number[]; front: string }) | undefined {
  if (!server.tls || server.tlsOnlyInBranch) return undefined;
  const plainPorts = server.listens.flatMap((l) => (!l.ssl && !l.unix && l.port !== undefined && !l.portUnknown ? [l.port] : []));
  if (plainPorts.length === 0) return undefined;
  const front = (facts.fronts ?? []).find(
    (f) =>
      f.origin !== 'inferred' &&
      f.terminatesTls &&
      f.sends.some((h) => h.toLowerCase() === 'x-forwarded-proto') &&
      frontReachesProxy(f, 'nginx', plainPorts),
  );
  if (!front) return undefined;
  return {
    strength: 'direct',
    refs: [],
    evidence: frontRefsEvidence(
      front,
      `${frontName(front)} ends TLS in front and sends its plain HTTP to port ${plainPorts.join(', ')} (${front.origin === 'config' ? 'in .proxyproof.json' : 'declared'})`,
    ),
    what: `${frontName(front)}, which ends TLS`,
    plainPorts,
    front: frontName(front),
  };
}

/** The scope that answers `/` leads a group (the request the chain follows); else document order. */
function leadFirst(hits: Hit[]): Hit[] {
  const root = hits.findIndex((h) => h.scope.kind === 'location' && /^(?:=\s*)?\/$/.test(h.scope.match.trim()));
  if (root <= 0) return hits;
  return [hits[root] as Hit, ...hits.filter((_, i) => i !== root)];
}

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  // A server whose TLS a template branch switches on is plain in the other rendering: not a TLS end for the tree.
  const anyNginxTls = model.servers.some((s) => s.tls && !s.tlsOnlyInBranch);
  for (const server of model.servers) {
    const mixed = mixedBehindDeclaredFront(facts, server);
    if (server.tls && !server.tlsOnlyInBranch && !mixed) continue;
    const term = mixed ?? terminatorEvidence(facts, server, anyNginxTls);
    if (!term) continue;
    const front = term.refs;
    const viaProxyProtocol = server.listens.some((l) => l.proxyProtocol);
    const hits = schemeHits(facts, model, server, term.strength === 'inferred');
    // The same header with the same value written in several locations is one mistake with one fix (the geo/map,
    // or behind PROXY protocol the literal, plus the changed line in each place, Fix.also): one finding listing
    // every place, fixed everywhere in one run.
    const groups = new Map<string, Hit[]>();
    for (const h of hits) {
      const key = `${h.set.kind}|${h.entry.name.toLowerCase()}|${h.entry.value}`;
      const g = groups.get(key) ?? [];
      g.push(h);
      groups.set(key, g);
    }
    for (const group of groups.values()) {
      const [lead, ...rest] = leadFirst(group) as [Hit, ...Hit[]];
      const { scope, set, entry: e, expr, schemeHeader } = lead;
      const kind = set.kind;
      const ref = e.ref as NginxRef;
      const httpsParam = kind !== 'proxy' && e.name.toUpperCase() === 'HTTPS';
      const directive = ref.text.split(' ')[0] ?? 'proxy_set_header';
      const lines = guardedSchemeLines(server, directive, e.name, httpsParam);
      // A URL-valued header keeps its shape: only `$scheme` becomes the balancer's scheme.
      const scopeLine = schemeHeader
        ? (lines.scope[0] as string)
        : `${directive} ${e.name} ${quoteArg(e.value.replace(/\$(?:scheme\b|\{scheme\})/g, '$forwarded_proto'))};`;
      const where = term.branch ? ` (when the template is rendered without \`${term.branch}\`)` : '';
      const more =
        rest.length > 0
          ? ` (and ${rest.length} more location${rest.length > 1 ? 's' : ''}: ${listJoin(rest.map((h) => h.scope.label))})`
          : '';
      const consequence = schemeHeader
        ? 'so the app sees http even when the browser used https at the balancer'
        : `so \`${e.name}\` says http:// while the browser's page is https:// (an origin check compares the two and fails)`;
      out.push(
        finding(meta, {
          // Inferred from the tree rather than written in the server: still wrong whenever TLS ends in front.
          ...(term.strength === 'inferred' ? { severity: 'medium' as const } : {}),
          message: mixed
            ? `${scopeName(facts, server, scope)}${more} forwards \`${e.name}: ${e.value}\`: this server ends TLS itself but also takes ` +
              `${mixed.front}'s plain HTTP on port ${mixed.plainPorts.join(', ')}, where ` +
              `${expr.includes('$https') ? '$https is empty' : '$scheme is http'} for the requests ${mixed.front} received over https, ${consequence}.`
            : `${scopeName(facts, server, scope)}${more} forwards \`${e.name}: ${e.value}\`, but this server only listens for plain HTTP${where} behind ` +
              `${viaProxyProtocol ? 'a PROXY-protocol load balancer' : server.realIp.from.length > 0 ? 'a proxy it trusts for the client address (set_real_ip_from)' : term.what || 'a load balancer (see the evidence)'}: ` +
              `${expr.includes('$https') ? '$https is always empty' : '$scheme is always http'} here, ${consequence}.`,
          evidence: [
            // `HTTPS $https if_not_empty` is never sent here: the param is missing for this location, which leads.
            ...(e.ifNotEmpty
              ? [
                  blockEvidence(
                    facts,
                    scope,
                    `passes to ${describePass(scope)}; ${e.name} is never set here (\`${e.value}\` is empty on plain HTTP)`,
                  ),
                ]
              : []),
            ...entryEvidence(facts, ref, 'the scheme of the connection to nginx, not to the balancer'),
            ...rest.flatMap((h) =>
              entryEvidence(facts, h.entry.ref as NginxRef, `the same \`${h.entry.name}\` in ${h.scope.label}`),
            ),
            ...refsEvidence(facts, front, 'nginx sits behind a load balancer'),
            ...term.evidence,
            // The scheme header decides the app's scheme: its own HTTPS redirect then loops.
            ...(schemeHeader ? redirectLoopEvidence(facts) : []),
          ],
          why: schemeHeader
            ? 'When the balancer ends TLS the app is told http for every request: SECURE_SSL_REDIRECT loops ' +
              '(ERR_TOO_MANY_REDIRECTS), URLs are built with http:// (mixed content), cookies lose Secure.'
            : `When the balancer ends TLS the app receives \`${e.name}: http://...\` for pages the browser loaded over https: ` +
              'a same-origin check (CSRF, WebSocket/Socket.IO origin) rejects the request, or links are built with http://.',
          fix: viaProxyProtocol
            ? (() => {
                const literal = schemeHeader
                  ? `${directive} ${e.name} ${httpsParam ? 'on' : 'https'};`
                  : `${directive} ${e.name} ${quoteArg(e.value.replace(/\$(?:scheme\b|\{scheme\})/g, 'https'))};`;
                const why = "for a listener that only receives the balancer's HTTPS traffic";
                const f = replaceDirectiveFix(facts, set, e, literal, why);
                const also = alsoEdits(
                  f,
                  rest.map((h) => replaceDirectiveFix(facts, h.set, h.entry, literal, why)),
                );
                if (also) f.also = also;
                f.description =
                  "With PROXY protocol nginx cannot see the balancer's scheme (nginx 1.22 has no $proxy_protocol_tlv_ssl): give the balancer's " +
                  `HTTPS traffic its own listener and send a literal there. ${f.description}`;
                return f;
              })()
            : (() => {
                const f = replaceDirectiveFix(facts, set, e, scopeLine, '');
                const ranges = trustedRanges(facts, server);
                const guarded = guardedSchemeLines(server, directive, e.name, httpsParam, ranges);
                const anchor = httpLevelAnchor(facts, model, server);
                const indent = anchor ? (/^[ \t]*/.exec(anchor.text)?.[0] ?? '') : '';
                const others = rest.map((h) => replaceDirectiveFix(facts, h.set, h.entry, scopeLine, ''));
                const fromWhere = ranges.includes('<proxy address>')
                  ? "the balancer's address (give it with --proxy-address: the address nginx sees the balancer connect from)"
                  : `the addresses in set_real_ip_from (${ranges.join(', ')})`;
                if (anchor && f.file && f.line && f.placement && f.lines?.length) {
                  // Mechanical: the geo and map above the file's first server (http level), the header line changed
                  // here and at every other place of the same mistake (Fix.also), in one run.
                  const http = guarded.http.map((l) => `${indent}${l}`);
                  return {
                    description:
                      `Take the scheme from the balancer's X-Forwarded-Proto, believed only from ${fromWhere}: a geo and a map at the http level ` +
                      `(above the first server block of ${anchor.file}), and the header built from $forwarded_proto${rest.length > 0 ? ' in every location that sends it' : ''}.`,
                    file: f.file,
                    line: f.line,
                    placement: f.placement,
                    lines: f.lines,
                    also: [
                      { file: anchor.file, line: anchor.line, placement: 'replace' as const, lines: [...http, '', anchor.text] },
                      ...(alsoEdits(f, others) ?? []),
                    ],
                  };
                }
                f.description =
                  `Take the scheme from the balancer's X-Forwarded-Proto, believed only from ${fromWhere}: add the geo ` +
                  'and map at the http level (outside any server block).';
                const n = f.lines?.length ?? 0;
                const otherPlaces = rest.map(
                  (h) => `${displayFile(facts, (h.entry.ref as NginxRef).file)}:${(h.entry.ref as NginxRef).line}`,
                );
                f.description +=
                  ` Then, in ${f.file}, replace line ${f.line} with the last ${n === 1 ? 'line' : `${n} lines`} below` +
                  (n > 1
                    ? ' (the stock include, spelled out with the scheme line changed, so the header is not sent twice)'
                    : '') +
                  (otherPlaces.length > 0 ? `, and change the same line at ${listJoin(otherPlaces)} the same way.` : '.');
                f.lines = [...guarded.http, '', ...(f.lines ?? [])];
                delete f.placement;
                return f;
              })(),
          data: {
            header: e.name,
            evidence: viaProxyProtocol ? 'proxy_protocol' : term.refs.length > 0 ? 'realip' : 'inferred',
            ...(term.branch ? { templateBranch: term.branch } : {}),
            ...(rest.length > 0
              ? {
                  alsoAt: rest.map(
                    (h) => `${displayFile(facts, (h.entry.ref as NginxRef).file)}:${(h.entry.ref as NginxRef).line}`,
                  ),
                }
              : {}),
          },
        }),
      );
    }
  }
  return out;
}

/** An nginx argument, quoted when it holds a space, a quote or a semicolon. */
function quoteArg(v: string): string {
  return /[\s;'"{}]/.test(v) ? `"${v.replace(/["\\]/g, '\\$&')}"` : v;
}

export const schemeBehindTlsTerminator: Check = { meta, run };
