/**
 * nginx/host-port-lost: the upstream Host is `$host` (or `$server_name`), which never carries a
 * port, on a server that listens on a non-default port: absolute URLs and redirects the app
 * builds point at port 80/443 instead.
 */
import {
  frontProxyEvidence,
  type NginxHeaderEntry,
  type NginxRef,
  nginxModel,
  passingScopes,
  variablesIn,
} from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import {
  describeListen,
  entryEvidence,
  listenEvidence,
  NGINX_DOCS,
  outerServersOf,
  replaceDirectiveFix,
  scopeName,
  terminatorEvidence,
} from './common.js';

const meta: CheckMeta = {
  id: 'nginx/host-port-lost',
  severity: 'medium',
  title: 'The upstream Host loses a non-default port',
  summary: '`Host $host` on a listener with a non-default port: absolute URLs and redirects the app builds lose the port.',
  references: [NGINX_DOCS.varHost, NGINX_DOCS.proxySetHeader, NGINX_DOCS.listen, NGINX_DOCS.uwsgiParam],
};

/** Values that are a host name without any port. */
const PORTLESS = new Set(['$host', '$server_name', ['$', '{host}'].join('')]);
function portless(value: string): boolean {
  return PORTLESS.has(value);
}

/** Another header that carries the port the client used (X-Forwarded-Port, X-Forwarded-Host with a port). */
function portCarried(entries: NginxHeaderEntry[]): boolean {
  return entries.some((e) => {
    const n = e.name.toLowerCase();
    if (e.value === '') return false;
    if (n === 'x-forwarded-port') return true;
    if (n === 'x-forwarded-host' || n === 'forwarded')
      return variablesIn(e.value).some((v) => v === '$server_port' || v === '$http_host');
    return false;
  });
}

const HOST_NAME = {
  proxy: 'Host',
  grpc: 'Host',
  uwsgi: 'HTTP_HOST',
  fastcgi: 'HTTP_HOST',
  scgi: 'HTTP_HOST',
  passenger: 'Host',
} as const;

/** A neutral-facts proxy (collectors/{haproxy,apache,caddy,traefik}) with a route to this port on a local address. */
function frontedByProxy(facts: Facts, port: number): boolean {
  return (facts.proxies ?? []).some((p) =>
    p.sites.some((site) =>
      site.routes.some((r) =>
        r.upstreams.some(
          (u) => u.address?.kind === 'tcp' && u.address.port === port && /^(127\.|localhost$|::1$)/.test(u.address.host),
        ),
      ),
    ),
  );
}

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  const seen = new Set<string>();
  const anyNginxTls = model.servers.some((s) => s.tls && !s.tlsOnlyInBranch);
  for (const server of model.servers) {
    // Behind a load balancer the public port is the balancer's, not nginx's own listener port (written in the
    // server, or inferred from the tree: then nginx/host-port-behind-front reports the opposite mistake).
    if (frontProxyEvidence(server).length > 0) continue;
    if ((!server.tls || server.tlsOnlyInBranch) && terminatorEvidence(facts, server, anyNginxTls)) continue;
    const odd = server.listens.filter((l) => l.port !== undefined && !l.portUnknown && l.port !== (l.ssl ? 443 : 80));
    if (odd.length === 0) continue;
    // Behind another proxy of the tree (HAProxy, Apache, Caddy... forwarding to this listener) the port the
    // browser used is that proxy's: adding nginx's own port would put it into every URL (lab scenario 44).
    if (odd.some((l) => frontedByProxy(facts, l.port as number))) continue;
    // An inner server on loopback reached only through this nginx's own servers: its Host is the one the outer
    // server sent (the public name, the outer's own findings judge it), never its own port.
    if (outerServersOf(model, server).length > 0) continue;
    for (const scope of passingScopes(server)) {
      const kind = scope.pass?.kind;
      if (!kind || kind === 'grpc') continue;
      const set = scope.headers[kind];
      const name = HOST_NAME[kind];
      const e = set.entries.find((x) => x.name.toLowerCase() === name.toLowerCase() && x.origin === 'directive');
      if (!e?.ref || !portless(e.value) || portCarried(set.entries)) continue;
      const key = `${server.index}|${e.ref.file}|${e.ref.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const ref = e.ref as NginxRef;
      const ports = odd.map(describeListen).join(', ');
      const directive = ref.text.split(' ')[0] ?? 'proxy_set_header';
      out.push(
        finding(meta, {
          message:
            `${scopeName(facts, server, scope)} sends \`${name}: ${e.value}\` to the app, but the server listens on ${ports}: ` +
            `${e.value} never carries a port, so URLs and redirects the app builds from the host point at the default port.`,
          evidence: [...entryEvidence(facts, ref, `${e.value} has no port`), ...listenEvidence(facts, odd, 'non-default port')],
          why:
            'Django build_absolute_uri(), login redirects, OAuth redirect_uri and CSRF origin checks all use the Host the app receives: ' +
            `a browser on https://example.com:${odd[0]?.port ?? 8443}/ is sent to https://example.com/ instead.`,
          fix: (() => {
            const f = replaceDirectiveFix(
              facts,
              set,
              e,
              `${directive} ${name} $host:$server_port;`,
              'to send the port the client connected to',
            );
            f.description +=
              ' $server_port is the port of the listener that took the request; avoid $http_host, the raw client header.';
            return f;
          })(),
          data: { ports: odd.map((l) => l.port) },
        }),
      );
    }
  }
  return out;
}

export const hostPortLost: Check = { meta, run };
