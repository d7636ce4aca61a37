/**
 * nginx/scheme-behind-tls-terminator: nginx listens only for plain HTTP behind a load balancer
 * (realip trusts it, or it speaks PROXY protocol) and forwards `$scheme` — which is then always
 * `http`, even for clients that used HTTPS at the balancer.
 */
import {
  type NginxRef,
  nginxModel,
  passingScopes,
  schemeExpression,
  schemeHeaders,
  traceValue,
} from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import {
  blockEvidence,
  describePass,
  entryEvidence,
  NGINX_DOCS,
  refsEvidence,
  replaceDirectiveFix,
  scopeName,
  terminatorEvidence,
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

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  const seen = new Set<string>();
  const anyNginxTls = model.servers.some((s) => s.tls);
  for (const server of model.servers) {
    if (server.tls) continue;
    const term = terminatorEvidence(facts, server, anyNginxTls);
    if (!term) continue;
    const front = term.refs;
    const viaProxyProtocol = server.listens.some((l) => l.proxyProtocol);
    for (const scope of passingScopes(server)) {
      const kind = scope.pass?.kind;
      if (kind !== 'proxy' && kind !== 'uwsgi' && kind !== 'fastcgi') continue;
      const set = scope.headers[kind];
      // proxy: the scheme headers; uwsgi/fastcgi: the params the app server reads the scheme from.
      // (`HTTP_X_FORWARDED_PROTO` as a param replaces the request header of that name: nginx skips the client's.)
      const candidates =
        kind === 'proxy'
          ? schemeHeaders(set)
          : set.entries.filter((x) => /^(HTTPS|UWSGI_SCHEME|HTTP_X_FORWARDED_PROTO)$/i.test(x.name) && x.value !== '');
      // A param that is always sent carries the scheme; an `if_not_empty` one beside it is not the app's source.
      const alwaysSent = candidates.some((x) => !x.ifNotEmpty);
      for (const e of candidates) {
        if (!e.ref) continue;
        if (e.ifNotEmpty && alwaysSent) continue;
        const httpsParam = kind !== 'proxy' && e.name.toUpperCase() === 'HTTPS';
        const expr = schemeExpression(e);
        const trace = traceValue(model, server, expr);
        if (!trace.variables.includes('$scheme') && !trace.variables.includes('$https')) continue;
        // A guarded map with `default $scheme` is the correct pattern (header from the balancer, else $scheme).
        if (trace.guards.length > 0 || trace.clientVariables.length > 0) continue;
        // `HTTPS $https if_not_empty` (the stock params) is not sent here, so it overwrites nothing: the front's
        // X-Forwarded-Proto still reaches the app as HTTP_X_FORWARDED_PROTO. With only inferred evidence of a front,
        // it matters when no app here is known to read that header (a PHP app that reads only $_SERVER['HTTPS']).
        if (
          term.strength === 'inferred' &&
          kind !== 'proxy' &&
          e.ifNotEmpty &&
          facts.frameworks.some((f) => f.appEnd?.schemeHeaders.includes('x-forwarded-proto'))
        )
          continue;
        const key = `${server.index}|${e.ref.file}|${e.ref.line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const ref = e.ref as NginxRef;
        const directive = ref.text.split(' ')[0] ?? 'proxy_set_header';
        const lines = guardedSchemeLines(server, directive, e.name, httpsParam);
        out.push(
          finding(meta, {
            // Inferred from the tree rather than written in the server: still wrong whenever TLS ends in front.
            ...(term.strength === 'inferred' ? { severity: 'medium' as const } : {}),
            message:
              `${scopeName(facts, server, scope)} forwards \`${e.name}: ${e.value}\`, but this server only listens for plain HTTP behind ` +
              `${viaProxyProtocol ? 'a PROXY-protocol load balancer' : server.realIp.from.length > 0 ? 'a proxy it trusts for the client address (set_real_ip_from)' : term.what || 'a load balancer (see the evidence)'}: ` +
              `${expr.includes('$https') ? '$https is always empty' : '$scheme is always http'} here, so the app sees http even when the browser used https at the balancer.`,
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
              ...refsEvidence(facts, front, 'nginx sits behind a load balancer'),
              ...term.evidence,
            ],
            why:
              'When the balancer ends TLS the app is told http for every request: SECURE_SSL_REDIRECT loops ' +
              '(ERR_TOO_MANY_REDIRECTS), URLs are built with http:// (mixed content), cookies lose Secure.',
            fix: viaProxyProtocol
              ? (() => {
                  const f = replaceDirectiveFix(
                    facts,
                    set,
                    e,
                    `${directive} ${e.name} ${httpsParam ? 'on' : 'https'};`,
                    "for a listener that only receives the balancer's HTTPS traffic",
                  );
                  f.description =
                    "With PROXY protocol nginx cannot see the balancer's scheme (nginx 1.22 has no $proxy_protocol_tlv_ssl): give the balancer's " +
                    `HTTPS traffic its own listener and send a literal there. ${f.description}`;
                  return f;
                })()
              : (() => {
                  const f = replaceDirectiveFix(facts, set, e, lines.scope[0] as string, '');
                  f.description =
                    "Take the scheme from the balancer's X-Forwarded-Proto, believed only from the addresses in set_real_ip_from: add the geo " +
                    'and map at the http level (outside any server block).';
                  const n = f.lines?.length ?? 0;
                  f.description +=
                    ` Then, in ${f.file}, replace line ${f.line} with the last ${n === 1 ? 'line' : `${n} lines`} below` +
                    (n > 1
                      ? ' (the stock include, spelled out with the scheme line changed, so the header is not sent twice).'
                      : '.');
                  f.lines = [...lines.http, '', ...(f.lines ?? [])];
                  delete f.placement;
                  return f;
                })(),
            data: { header: e.name, evidence: viaProxyProtocol ? 'proxy_protocol' : 'realip' },
          }),
        );
      }
    }
  }
  return out;
}

export const schemeBehindTlsTerminator: Check = { meta, run };
