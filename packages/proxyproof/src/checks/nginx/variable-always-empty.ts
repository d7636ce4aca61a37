/**
 * nginx/variable-always-empty: a variable that is empty for every request of the server that uses it.
 *  - `$proxy_protocol_addr` (and every `$proxy_protocol_*`) where no listen of the server's sockets has
 *    `proxy_protocol`: a header set from it is not sent at all (nginx drops a header whose value is empty, and the
 *    client's own header of that name with it), `real_ip_header proxy_protocol` never replaces the address.
 *  - `$http_x_forwarded_proto` (and the other scheme headers a front would send) where nginx is the TLS edge: browsers
 *    never send it, so a redirect built from it says `Location: ://host/...`, and `if ($http_x_forwarded_proto !=
 *    "https") { return 301 https://...; }` redirects every request, for ever.
 *  - the same header as a redirect's scheme on a plain server that shows no front: empty when the request comes
 *    without it, chosen by the client when it comes with it.
 * Checked with Debian's nginx 1.22.1 (docs/checks/nginx/variable-always-empty.md). A fix never copies such a value.
 */
import {
  displayFile,
  frontProxyEvidence,
  type NginxListen,
  type NginxModel,
  type NginxRedirect,
  type NginxRef,
  type NginxServer,
  nginxModel,
  PASS_KINDS,
  traceValue,
  variablesIn,
} from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { forEachHeaderUse, indentOf, NGINX_DOCS, refEvidence, scopeName } from './common.js';

const meta: CheckMeta = {
  id: 'nginx/variable-always-empty',
  severity: 'medium',
  title: 'A variable that is always empty in this server',
  summary:
    'A header, address or redirect is built from a variable that is empty for every request here: $proxy_protocol_* without ' +
    "`listen ... proxy_protocol`, or a front's X-Forwarded-Proto where nothing is in front.",
  references: [
    'https://nginx.org/en/docs/http/ngx_http_core_module.html#var_proxy_protocol_addr',
    NGINX_DOCS.listen,
    NGINX_DOCS.proxySetHeader,
    NGINX_DOCS.realip,
    NGINX_DOCS.rewriteReturn,
  ],
};

const PROXY_PROTOCOL_VAR = /^\$proxy_protocol_/;
/** Request headers only a front (a balancer, a CDN, another proxy) sends: no browser does. */
const FRONT_SCHEME_VAR = /^\$http_(?:x_forwarded_proto|x_forwarded_scheme|x_forwarded_ssl|x_url_scheme|front_end_https)$/;

/** Whether one of the server's sockets has `proxy_protocol` (a socket option: any server on that address:port sets
 * it). `ppSockets`: the `proxy_protocol` listens of each http block, gathered once (per server it was quadratic). */
function speaksProxyProtocol(ppSockets: Map<number, NginxListen[]>, server: NginxServer): boolean {
  const pp = ppSockets.get(server.http) ?? [];
  const same = (a: NginxListen, b: NginxListen): boolean =>
    a.unix !== undefined || b.unix !== undefined
      ? a.unix === b.unix
      : a.port === b.port && (a.address === b.address || a.address === '*' || b.address === '*');
  return server.listens.some((l) => l.proxyProtocol || pp.some((p) => same(p, l)));
}

/** The `proxy_protocol` listens of every server, by the server's http block. */
function proxyProtocolSockets(model: NginxModel): Map<number, NginxListen[]> {
  const out = new Map<number, NginxListen[]>();
  for (const s of model.servers)
    for (const l of s.listens) {
      if (!l.proxyProtocol) continue;
      const list = out.get(s.http);
      if (list) list.push(l);
      else out.set(s.http, [l]);
    }
  return out;
}

/** The server ends TLS on every listener and nothing shows a front: no browser request carries a front's headers. */
function tlsEdge(facts: Facts, server: NginxServer): boolean {
  if (!server.tls || server.plain || server.tlsOnlyInBranch || server.fragment) return false;
  if (frontProxyEvidence(server).length > 0) return false;
  return !(facts.fronts ?? []).some((f) => f.name !== 'none');
}

/** The variables a redirect's scheme is taken from (`$http_x_forwarded_proto://$host...`). */
function schemeVariables(r: NginxRedirect): string[] {
  const m = /^((?:\$\{?\w+\}?)+):\/\//.exec(r.target);
  return m ? variablesIn(m[1] as string) : [];
}

/** `$http_x_forwarded_proto` -> `X-Forwarded-Proto`. */
function headerName(variable: string): string {
  return variable
    .replace(/^\$http_/, '')
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('-');
}

/** The variable of the connection that stands for a PROXY-protocol one: `$proxy_protocol_addr` -> `$remote_addr`. */
function equivalent(server: string | undefined, what: string): string {
  return server ? `$server_${what}` : `$remote_${what}`;
}

/** A redirect built from a front's scheme header, with the server and scope it is written in. */
interface RedirectPlace {
  server: NginxServer;
  scope: NginxServer['scopes'][number];
  r: NginxRedirect;
}

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];

  // 1. $proxy_protocol_* without proxy_protocol on the socket.
  const ppOff = new Map<number, boolean>();
  let ppSockets: Map<number, NginxListen[]> | undefined;
  const noPp = (server: NginxServer): boolean => {
    if (server.fragment) return false; // the including server's listen is unknown
    let v = ppOff.get(server.index);
    if (v === undefined) {
      ppSockets ??= proxyProtocolSockets(model);
      v = !speaksProxyProtocol(ppSockets, server);
      ppOff.set(server.index, v);
    }
    return v;
  };
  const listenOf = (server: NginxServer): string => {
    const l = server.listens.find((x) => x.ref);
    return l?.ref ? `\`${l.ref.text}\`` : 'its default `listen 80`';
  };
  forEachHeaderUse(model, PASS_KINDS, undefined, false, ({ server, scope, entry }) => {
    if (entry.origin !== 'directive' || entry.value === '' || !noPp(server)) return;
    const trace = traceValue(model, server, entry.value);
    const empty = trace.variables.filter((v) => PROXY_PROTOCOL_VAR.test(v));
    if (empty.length === 0) return;
    const ref = entry.ref;
    const directive = ref.text.split(' ')[0] ?? 'proxy_set_header';
    const param = !/_set_header$/.test(directive);
    const replacement = entry.value.replace(/\$\{?proxy_protocol_(server_)?(addr|port)\}?/g, (_m, srv, what) =>
      equivalent(srv, what),
    );
    const mechanical = replacement !== entry.value && !/\$\{?proxy_protocol_/.test(replacement);
    out.push(
      finding(meta, {
        message:
          `${scopeName(facts, server, scope)} sends \`${entry.name}\` from ${empty.map((v) => `\`${v}\``).join(', ')}, but no listen of this server ` +
          `(${listenOf(server)}) has \`proxy_protocol\`: the variable is empty for every request, so ` +
          (param
            ? `${entry.name} reaches the app empty${entry.ifNotEmpty ? ' (if_not_empty: not at all)' : ''}.`
            : `nginx does not send ${entry.name} at all (a header whose value is empty is dropped, and the client's own ${entry.name} with it).`),
        evidence: [
          refEvidence(facts, ref, `${empty[0]} is set only by a listener with proxy_protocol`),
          ...server.listens
            .filter((l) => l.ref)
            .map((l) => refEvidence(facts, l.ref as NginxRef, 'no proxy_protocol on this socket')),
        ],
        why:
          "The app gets no client address (or the one it falls back to: the proxy's), so logs, rate limits and allow-lists see " +
          'every client as one; if a balancer really sends PROXY protocol, nginx without `proxy_protocol` cannot even parse the request.',
        fix: mechanical
          ? {
              description:
                'Without PROXY protocol the client address is `$remote_addr` (the address realip recovered, when set_real_ip_from names ' +
                'your balancer). If the balancer does send PROXY protocol, add `proxy_protocol` to the listen instead and keep the variable.',
              file: displayFile(facts, ref.file),
              line: ref.line,
              placement: 'replace',
              lines: [
                `${indentOf(facts, ref)}${directive} ${entry.name} ${replacement}${entry.ifNotEmpty ? ' if_not_empty' : ''};`,
              ],
            }
          : {
              description:
                `Add \`proxy_protocol\` to the listen when the balancer sends PROXY protocol; otherwise send a variable that is set here ` +
                `(\`$remote_addr\`, \`$server_port\`) instead of \`${entry.value}\` (it is defined from ${empty.join(', ')}).`,
              file: displayFile(facts, ref.file),
              line: ref.line,
              lines: [
                `${indentOf(facts, ref)}${directive} ${entry.name} ${(empty[0] ?? '').replace(/^\$proxy_protocol_(server_)?(addr|port)$/, (_m, srv, what) => equivalent(srv, what)).replace(/^\$proxy_protocol_.*/, '$remote_addr')};`,
              ],
            },
        data: { variables: empty, header: entry.name },
      }),
    );
  });
  for (const server of model.servers) {
    const h = server.realIp.header;
    if (h?.value !== 'proxy_protocol' || server.realIp.from.length === 0 || !noPp(server)) continue;
    out.push(
      finding(meta, {
        message:
          `\`real_ip_header proxy_protocol\` takes the client address from \`$proxy_protocol_addr\`, but no listen of server ` +
          `${server.serverNames[0] ?? '_'} (${listenOf(server)}) has \`proxy_protocol\`: realip never replaces the address, so ` +
          '$remote_addr stays the peer (the balancer) for every request.',
        evidence: [
          refEvidence(facts, h.ref, '$proxy_protocol_addr is empty without proxy_protocol on the listen'),
          ...server.listens
            .filter((l) => l.ref)
            .map((l) => refEvidence(facts, l.ref as NginxRef, 'no proxy_protocol on this socket')),
        ],
        why: 'Every client looks like the balancer: logs, limit_req/limit_conn, allow/deny and the X-Real-IP/X-Forwarded-For sent upstream carry its address.',
        fix: {
          description:
            'Add `proxy_protocol` to the listen when the balancer sends PROXY protocol; when it sends X-Forwarded-For instead, read that header.',
          file: displayFile(facts, h.ref.file),
          line: h.ref.line,
          lines: [`${indentOf(facts, h.ref)}real_ip_header X-Forwarded-For;`],
        },
        data: { variables: ['$proxy_protocol_addr'], header: 'real_ip_header' },
      }),
    );
  }

  // 2. A front's scheme header where no front is: the TLS edge (always empty) or a plain server that shows none.
  const copies = new Map<string, { edge: boolean; vars: string[]; places: RedirectPlace[] }>();
  for (const server of model.servers) {
    if (server.fragment) continue;
    const edge = tlsEdge(facts, server);
    const plainNoFront = !server.tls && frontProxyEvidence(server).length === 0;
    if (!edge && !plainNoFront) continue;
    for (const scope of server.scopes) {
      // `if ($http_x_forwarded_proto != "https") { return 301 https://...; }` at the TLS edge: every request.
      if (edge && scope.kind === 'if') {
        const cond = /^\(?\s*(\$\w+)\s*(!=|!~\*?)\s*["']?\^?https\$?["']?\s*\)?$/.exec(scope.match.trim());
        const toHttps = scope.redirects.find((r) => r.targetScheme === 'https');
        if (cond && FRONT_SCHEME_VAR.test(cond[1] as string) && toHttps) {
          out.push(
            finding(meta, {
              severity: 'high',
              message:
                `\`if (${scope.match.replace(/^\(|\)$/g, '').trim()})\` in server ${server.serverNames[0] ?? '_'} redirects to https, but this server ends TLS ` +
                `itself and nothing is in front of it: no browser sends ${headerName(cond[1] as string)}, so the condition holds for every request and ` +
                'every HTTPS request is redirected to itself (ERR_TOO_MANY_REDIRECTS).',
              evidence: [
                refEvidence(facts, scope.ref, `${cond[1]} is empty: only a balancer in front would send it`),
                refEvidence(facts, toHttps.ref, 'answers every request'),
                ...server.listens
                  .filter((l) => l.ref && l.ssl)
                  .map((l) => refEvidence(facts, l.ref as NginxRef, 'nginx ends TLS here')),
              ],
              why: "A balancer's redirect snippet (Elastic Beanstalk, ELB docs) copied into a server that ends TLS itself: the site never loads.",
              fix: {
                description:
                  `This server ends TLS, so it needs no redirect of its own: remove the \`if\` block at ${displayFile(facts, scope.ref.file)}:${scope.ref.line}-${scope.lastLine + 1} ` +
                  '(plain HTTP is redirected by the port-80 server). Keep it only on a plain listener behind a balancer.',
              },
              data: { variables: [cond[1]], header: 'if' },
            }),
          );
          continue;
        }
      }
      for (const r of scope.redirects) {
        const vars = schemeVariables(r).filter((v) => FRONT_SCHEME_VAR.test(v));
        if (vars.length === 0) continue;
        // One redirect copied into several servers of one file is one mistake: one finding, every place in it.
        const key = `${r.ref.file}\0${edge}\0${r.ref.text.trim()}`;
        const same = copies.get(key);
        if (same) same.places.push({ server, scope, r });
        else copies.set(key, { edge, vars, places: [{ server, scope, r }] });
      }
    }
  }
  for (const { edge, vars, places } of copies.values()) {
    // The place every rendering of a template has comes first: a copy inside a template branch (`{% if docs %}`)
    // exists only in the renderings that take it.
    places.sort((a, b) => Number(Boolean(a.r.ref.templateBranch)) - Number(Boolean(b.r.ref.templateBranch)));
    const [first, ...rest] = places as [RedirectPlace, ...RedirectPlace[]];
    const { server, scope, r } = first;
    const header = headerName(vars[0] as string);
    const rewritten = (x: NginxRedirect): string =>
      `${indentOf(facts, x.ref)}${x.ref.text.replace(x.target, x.target.replace(/^(?:\$\{?\w+\}?)+:\/\//, 'https://'))}`;
    const elsewhere =
      rest.length > 0
        ? ` The same redirect is written at ${rest.map((p) => `${displayFile(facts, p.r.ref.file)}:${p.r.ref.line}`).join(', ')}: change every copy.`
        : '';
    out.push(
      finding(meta, {
        message:
          (edge
            ? `${scopeName(facts, server, scope)} builds its redirect's scheme from ${vars[0]}, but this server ends TLS and nothing is in front: ` +
              `no browser sends ${header}, so every redirect says \`Location: ://...\` (no scheme), and a client that sends one chooses it.`
            : `${scopeName(facts, server, scope)} builds its redirect's scheme from ${vars[0]}, and nothing in this server shows a proxy in front ` +
              `that always sets ${header}: a request without it is redirected to \`://...\` (no scheme), a client that sends one chooses the scheme ` +
              '(`http`, or anything at all).') +
          (rest.length > 0 ? ` The same redirect is in ${rest.length + 1} servers of this file.` : ''),
        evidence: places.map((p) =>
          refEvidence(
            facts,
            p.r.ref,
            p === first
              ? `${vars[0]} is the client's (or nobody's) ${header}`
              : `the same redirect in ${scopeName(facts, p.server, p.scope)}`,
          ),
        ),
        why:
          'Browsers cannot follow `Location: ://host/path` (it is a relative path), and a scheme the client picks is a downgrade or an ' +
          'open redirect to another scheme.',
        fix: {
          description:
            (edge
              ? 'The server ends TLS: write the scheme (`https://`).'
              : 'Write the scheme the site is served with: `https://` when every client comes through a TLS front, `$scheme` when clients reach this server directly.') +
            elsewhere,
          file: displayFile(facts, r.ref.file),
          line: r.ref.line,
          ...(edge ? { placement: 'replace' as const } : {}),
          lines: [rewritten(r)],
          ...(edge && rest.length > 0
            ? {
                also: rest.map((p) => ({
                  file: displayFile(facts, p.r.ref.file),
                  line: p.r.ref.line,
                  lines: [rewritten(p.r)],
                  placement: 'replace' as const,
                })),
              }
            : {}),
        },
        data: { variables: vars, header: r.kind },
      }),
    );
  }
  return out;
}

export const variableAlwaysEmpty: Check = { meta, run };
