/**
 * nginx/forwarded-proto-passthrough: a plain-HTTP server proxies without setting X-Forwarded-Proto, so the
 * client's own X-Forwarded-Proto reaches the app unchanged (nginx passes request headers it does not set) and a
 * plain-HTTP request can claim https. High when the same upstream is told the scheme by another server here (the
 * app reads the header); low otherwise.
 */
import {
  frontProxyEvidence,
  includesThatMayChange,
  type NginxPass,
  nginxModel,
  passingScopes,
  schemeHeaders,
} from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import {
  addLinesFix,
  blockEvidence,
  describePass,
  fixPlacement,
  headerLine,
  listenEvidence,
  NGINX_DOCS,
  refsEvidence,
  scopeName,
  terminatorEvidence,
} from './common.js';
import { guardedSchemeLines } from './forwarded-proto-client-controlled.js';

const meta: CheckMeta = {
  id: 'nginx/forwarded-proto-passthrough',
  severity: 'high',
  title: "A plain-HTTP server passes the client's own X-Forwarded-Proto to the app",
  summary:
    'A plain-HTTP location that sets no X-Forwarded-Proto forwards whatever the client sends: a plain-HTTP request with X-Forwarded-Proto: https is treated as secure by an app that reads the header.',
  references: [NGINX_DOCS.proxySetHeader, NGINX_DOCS.varScheme, NGINX_DOCS.proxyProtocol],
};

/** The upstream a pass reaches, as a key two passes share (`upstream containers`, `127.0.0.1:8000`). */
function upstreamKey(p: NginxPass): string | undefined {
  if (p.variable) return undefined;
  if (p.upstream) return `upstream:${p.upstream.name}`;
  if (p.unix) return `unix:${p.unix}`;
  return p.host ? `${p.host}:${p.port ?? ''}` : undefined;
}

const isCatchAll = (match: string): boolean => /^(?:\^~\s+|=\s*)?\/$/.test(match.trim());

/** The pass reaches a backend of this deployment rather than another site. */
function ownBackend(p: NginxPass): boolean {
  if (p.variable) return false;
  if (p.upstream || p.unix) return true;
  const h = p.host ?? '';
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(h) || h.startsWith('[') || (h !== '' && !h.includes('.'));
}

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  // Upstreams another location tells the scheme (the app behind them reads the header), with that line.
  const told = new Map<string, { ref: NonNullable<ReturnType<typeof schemeHeaders>[number]['ref']> }>();
  for (const server of model.servers)
    for (const scope of passingScopes(server)) {
      if (scope.pass?.kind !== 'proxy') continue;
      const key = upstreamKey(scope.pass);
      const sent = schemeHeaders(scope.headers.proxy).find((e) => e.ref);
      if (key && sent?.ref && !told.has(key)) told.set(key, { ref: sent.ref });
    }
  const anyTls = model.servers.some((s) => s.tls);
  // Once per run, not per server (it was 100 million visits on the 10,000-server bench's plain variant).
  const tlsOutsideBranch = model.servers.some((s) => s.tls && !s.tlsOnlyInBranch);
  for (const server of model.servers) {
    if (server.tls || server.fragment) continue;
    // An L7 balancer in front (realip from an HTTP proxy, its X-Forwarded-Proto tested) sets the header itself;
    // PROXY protocol is L4: nothing in front touches the client's headers.
    const front = frontProxyEvidence(server);
    const l4Only = server.listens.some((l) => l.proxyProtocol);
    if (front.length > 0 && !l4Only) continue;
    // A TCP balancer with no TLS server in nginx may end TLS itself: the scheme is then unknown here (and a
    // $scheme fix would be wrong: nginx/scheme-behind-tls-terminator).
    if (l4Only && !anyTls) continue;
    // What nginx/scheme-behind-tls-terminator takes for a TLS end in front of this plain server (not PROXY protocol,
    // whose fix is the literal `http` above).
    const term = l4Only ? undefined : terminatorEvidence(facts, server, tlsOutsideBranch);
    const behindTerminator = term ? term.what || 'see nginx/scheme-behind-tls-terminator' : undefined;
    // Per server, on its first finding: whether the site itself is redirected to https.
    let siteRedirected: boolean | undefined;
    for (const scope of passingScopes(server)) {
      if (scope.pass?.kind !== 'proxy' || scope.restricted || !scope.passRequestHeaders) continue;
      const set = scope.headers.proxy;
      if (schemeHeaders(set).length > 0) continue;
      // Dropped by a location's own lines: nginx/proxy-header-inheritance.
      if (set.drops.some((d) => schemeHeaders({ ...set, entries: d.dropped }).length > 0)) continue;
      if (includesThatMayChange(server, scope, set).length > 0) continue;
      const key = upstreamKey(scope.pass);
      const other = key ? told.get(key) : undefined;
      // Without another server showing that the app reads the header, only an app of this deployment counts
      // (an upstream block, a socket, an address, a container name), not another site's DNS name.
      if (!other && !ownBackend(scope.pass)) continue;
      const place = fixPlacement(facts, server, scope, set);
      const target = describePass(scope);
      const evidence = [blockEvidence(facts, scope, `proxies to ${target} without setting X-Forwarded-Proto`)];
      evidence.push(...listenEvidence(facts, server.listens, 'plain HTTP: the client talks to nginx directly'));
      if (other)
        evidence.push(
          ...refsEvidence(facts, [other.ref], 'another server tells the same upstream the scheme: the app reads this header'),
        );
      // The site itself is redirected to https (location / or the server level returns to https): only this
      // path (a health check, an ACME hook) answers plain HTTP, so little depends on a forged scheme there.
      siteRedirected ??= server.scopes.some(
        (s) =>
          (s.kind === 'server' || isCatchAll(s.match)) &&
          s.returns &&
          s.redirects.some((r) => r.unconditional && r.targetScheme === 'https'),
      );
      out.push(
        finding(meta, {
          ...(other && !siteRedirected ? {} : { severity: 'low' as const }),
          message:
            `${scopeName(facts, server, scope)} answers plain HTTP and proxies to ${target} without setting X-Forwarded-Proto: ` +
            "nginx passes the client's own X-Forwarded-Proto through unchanged, so a plain-HTTP request that says `X-Forwarded-Proto: https` is treated as secure" +
            (other
              ? ' by the app, which reads the header (another server here sends it to the same upstream).'
              : ' by an app that reads the header.') +
            (l4Only ? ' The PROXY-protocol balancer in front works at the TCP level and does not set it either.' : ''),
          evidence,
          why:
            'An app that believes a forged https skips its http->https redirect (force_ssl, SECURE_SSL_REDIRECT), issues Secure cookies over plain http and builds https URLs for a plain-HTTP page; ' +
            'nginx forwards every request header it does not set itself (proxy_pass_request_headers on).',
          fix: behindTerminator
            ? {
                // A proxy in front ends TLS (an Ingress, a balancer the tree shows): `$scheme` is always http here and
                // nginx/scheme-behind-tls-terminator would report it. The value right here is the front's header believed
                // from the front's address only, else $scheme: the geo needs that address, so this is advice.
                description:
                  `Replace the client's value with the scheme the proxy in front saw (${behindTerminator}): its X-Forwarded-Proto believed only ` +
                  `from its address, else $scheme. Add the geo and map at the http level (put the front's address in the geo), then add the ` +
                  `last line below${place.where === scope.label ? '' : ` at ${place.where}`}.`,
                file: place.file,
                line: place.line,
                lines: [
                  ...guardedSchemeLines(server, 'proxy_set_header', 'X-Forwarded-Proto').http,
                  '',
                  `${place.indent}${guardedSchemeLines(server, 'proxy_set_header', 'X-Forwarded-Proto').scope[0]}`,
                ],
              }
            : addLinesFix(
                `Set the header on this server too, so the client's value is replaced${place.where === scope.label ? '' : ` (at ${place.where})`}.`,
                place,
                // Behind PROXY protocol, $scheme looks like a balancer-ended scheme to nginx/scheme-behind-tls-terminator;
                // when nginx ends TLS on another server here, this port's traffic is plain HTTP all the way: say so.
                [headerLine('proxy', 'X-Forwarded-Proto', l4Only ? 'http' : '$scheme')],
              ),
          data: other
            ? { server: server.index, scope: scope.index, toldBy: `${other.ref.file}:${other.ref.line}` }
            : { server: server.index, scope: scope.index },
        }),
      );
    }
  }
  return out;
}

export const forwardedProtoPassthrough: Check = { meta, run };
