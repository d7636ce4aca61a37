/**
 * nginx/forwarded-proto-client-controlled: the scheme header is taken from the client's own
 * X-Forwarded-Proto (`$http_x_forwarded_proto`, directly or through a map) with no map/geo keyed on
 * the peer address deciding whether to believe it, so any client can claim https (or http).
 */
import {
  frontProxyEvidence,
  type NginxServer,
  nginxModel,
  schemeExpression,
  schemeHeaders,
  traceValue,
} from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import {
  entryEvidence,
  forEachHeaderUse,
  listJoin,
  NGINX_DOCS,
  outerServersSet,
  podBehindL7Entry,
  refEvidence,
  replaceDirectiveFix,
  scopeName,
} from './common.js';

const meta: CheckMeta = {
  id: 'nginx/forwarded-proto-client-controlled',
  severity: 'high',
  title: 'The forwarded scheme comes from the client without a trusted-source guard',
  summary:
    'X-Forwarded-Proto is passed on from $http_x_forwarded_proto without a map/geo on $realip_remote_addr, so any client sets it.',
  references: [NGINX_DOCS.proxySetHeader, NGINX_DOCS.map, NGINX_DOCS.geo, NGINX_DOCS.realipRemoteAddr, NGINX_DOCS.varScheme],
};

/** The guarded replacement: trust the client's header only from the balancer's addresses. */
export function guardedSchemeLines(
  server: NginxServer,
  headerDirective: string,
  headerName: string,
  /** For a CGI `HTTPS` param: a variable that is `on` for HTTPS and empty otherwise. */
  httpsParam = false,
  /** The addresses to trust, when the caller knows them better (as written in a template, or `<proxy address>`). */
  given?: string[],
): { http: string[]; scope: string[] } {
  const trusted = given ?? server.realIp.from.map((f) => f.value).filter((v) => !v.startsWith('unix:'));
  const ranges = trusted.length > 0 ? trusted : ['192.0.2.10'];
  return {
    http: [
      `geo $realip_remote_addr $from_trusted_proxy {`,
      `    default 0;`,
      ...ranges.map((r, i) => `    ${r} 1;${i === 0 && trusted.length === 0 ? "  # your load balancer's address" : ''}`),
      `}`,
      ...(httpsParam
        ? [
            `map "$from_trusted_proxy:$http_x_forwarded_proto" $forwarded_https {`,
            `    default $https;`,
            `    "1:https" on;`,
            `    "1:http" "";`,
            `}`,
          ]
        : [
            `map "$from_trusted_proxy:$http_x_forwarded_proto" $forwarded_proto {`,
            `    default $scheme;`,
            `    "1:https" https;`,
            `    "1:http" http;`,
            `}`,
          ]),
    ],
    scope: [
      httpsParam
        ? `${headerDirective} ${headerName} $forwarded_https if_not_empty;`
        : `${headerDirective} ${headerName} $forwarded_proto;`,
    ],
  };
}

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  forEachHeaderUse(model, ['proxy'], schemeHeaders, false, ({ server, scope, entry: e }) => {
    const trace = traceValue(model, server, schemeExpression(e));
    if (trace.clientVariables.length === 0 || trace.guarded) return;
    // An inner server on loopback that only this nginx's own servers reach, each setting the header the variable
    // reads: the value is the outer server's, not a client's (issue 12: a tree fixed as advised goes clean).
    const readNames = trace.clientVariables.map((v) => /^\$?http_(.+)$/.exec(v)?.[1]?.replace(/_/g, '-'));
    if (readNames.every((n) => n !== undefined && outerServersSet(model, server, n))) return;
    const ref = e.ref;
    const http = model.https[server.http];
    const defs = (http?.variables ?? []).filter((d) => trace.variables.includes(d.name));
    const edge = server.tls && frontProxyEvidence(server).length === 0;
    // In a pod behind an Ingress the header arrives from the ingress controller, which replaces the client's.
    const behind = edge ? undefined : podBehindL7Entry(facts, server);
    const lines = guardedSchemeLines(server, ref.text.split(' ')[0] ?? 'proxy_set_header', e.name);
    out.push(
      finding(meta, {
        message:
          `${scopeName(facts, server, scope)} sends \`${e.name}: ${e.value}\`, which comes from the client's own ${listJoin(trace.clientVariables)} ` +
          `with no map/geo on $realip_remote_addr deciding whom to believe: any client can send \`X-Forwarded-Proto: https\` over plain HTTP` +
          (edge
            ? ', and nginx ends TLS itself, so it knows the scheme already.'
            : behind
              ? ". This nginx runs in a pod that only the Ingress reaches, and ingress controllers replace the client's X-Forwarded-Proto by default, so the value is the controller's; it is the client's again if a Service publishes this pod directly or the controller is told to keep forwarded headers (ingress-nginx `use-forwarded-headers`)."
              : '.'),
        ...(behind ? { severity: 'info' as const } : {}),
        evidence: [
          ...entryEvidence(facts, ref, 'value chosen by the client'),
          ...defs.map((d) => refEvidence(facts, d.ref, `${d.kind} ${d.name} follows ${d.source}, not the peer address`)),
          ...(behind ? [behind] : []),
        ],
        why:
          'The app trusts this header for the scheme: a client that claims https skips the HTTPS redirect, gets Secure cookies on ' +
          'plain HTTP and passes checks meant for TLS; one that claims http triggers redirect loops. Only a proxy you run may set it.',
        fix: edge
          ? replaceDirectiveFix(
              facts,
              scope.headers.proxy,
              e,
              `${ref.text.split(' ')[0]} ${e.name} $scheme;`,
              'with the scheme nginx itself saw (it ends TLS here)',
            )
          : (() => {
              const f = replaceDirectiveFix(facts, scope.headers.proxy, e, lines.scope[0] as string, '');
              f.description =
                'Believe the incoming header only from your load balancer: add the geo and map at the http level (outside any server block).';
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
        data: { clientVariables: trace.clientVariables, header: e.name },
      }),
    );
  });
  return out;
}

export const forwardedProtoClientControlled: Check = { meta, run };
