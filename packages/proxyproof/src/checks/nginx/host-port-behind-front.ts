/**
 * nginx/host-port-behind-front: `proxy_set_header Host $host:$server_port` (or `HTTP_HOST` with
 * `$server_port`) in a server that answers plain HTTP behind a front that ends TLS. `$server_port` is the port
 * of nginx's own listener that accepted the request (80, 8080), not the port the browser used at the front
 * (443), so the app builds `https://host:80/...` (or `http://host:80/...`) URLs and redirects.
 */
import { displayFile, frontProxyEvidence, type NginxRef, nginxModel, variablesIn } from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import {
  alsoEdits,
  entryEvidence,
  forEachHeaderUse,
  type HeaderUse,
  listJoin,
  NGINX_DOCS,
  refsEvidence,
  replaceDirectiveFix,
  scopeName,
  terminatorEvidence,
} from './common.js';

const meta: CheckMeta = {
  id: 'nginx/host-port-behind-front',
  severity: 'medium',
  title: "Host carries nginx's own port behind a TLS front",
  summary:
    "`Host $host:$server_port` behind a load balancer or ingress that ends TLS: $server_port is nginx's listener port, not the browser's.",
  references: [NGINX_DOCS.proxySetHeader, 'https://nginx.org/en/docs/http/ngx_http_core_module.html#var_server_port'],
};

const HOST_NAMES = new Set(['host', 'http_host']);

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  // A server whose TLS a template branch switches on is plain in the other rendering: not a TLS end for the tree.
  const anyNginxTls = model.servers.some((s) => s.tls && !s.tlsOnlyInBranch);
  const byServer = new Map<number, HeaderUse[]>();
  forEachHeaderUse(
    model,
    ['proxy', 'uwsgi', 'fastcgi', 'scgi'],
    // The value's text first: a value that names $server_port contains `server_port` (`${server_port}` too), and
    // almost none does, so most entries cost one substring test instead of a lower-cased name.
    (set) =>
      set.entries.filter(
        (e) =>
          e.value.includes('server_port') &&
          HOST_NAMES.has(e.name.toLowerCase()) &&
          variablesIn(e.value).includes('$server_port'),
      ),
    false,
    (use) => {
      if (use.server.tls && !use.server.tlsOnlyInBranch) return;
      // forEachHeaderUse refills one object: keep a copy.
      byServer.set(use.server.index, [...(byServer.get(use.server.index) ?? []), { ...use }]);
    },
  );
  for (const [index, uses] of byServer) {
    const server = model.servers[index];
    if (!server) continue;
    const direct = frontProxyEvidence(server);
    const term = direct.length > 0 ? undefined : terminatorEvidence(facts, server, anyNginxTls);
    if (direct.length === 0 && !term) continue;
    // The catch-all location leads (it is where most requests go); then the others in file order.
    const sorted = [...uses].sort(
      (a, b) =>
        Number(b.scope.match === '/') - Number(a.scope.match === '/') ||
        a.entry.ref.file.localeCompare(b.entry.ref.file) ||
        a.entry.ref.line - b.entry.ref.line,
    );
    const [first, ...rest] = sorted as [HeaderUse, ...HeaderUse[]];
    const ports = [...new Set(server.listens.filter((l) => !l.portUnknown).map((l) => l.port))].filter((p) => p !== undefined);
    const portText = ports.length > 0 ? ports.join(', ') : "nginx's own listener port";
    const directive = first.entry.ref.text.split(/\s+/)[0] ?? 'proxy_set_header';
    const others = rest.map((u) => `${displayFile(facts, u.entry.ref.file)}:${u.entry.ref.line}`);
    const fix = replaceDirectiveFix(
      facts,
      first.set,
      first.entry,
      `${directive} ${first.entry.name} $host;`,
      "the browser's host name as the front forwards it, without nginx's port",
    );
    if (others.length > 0) fix.description = `${fix.description} Change the same line at ${listJoin(others)} the same way.`;
    // Every place is changed in one run: a fix that changes one line per run is not idempotent.
    const also = alsoEdits(
      fix,
      rest.map((u) =>
        replaceDirectiveFix(facts, u.set, u.entry, `${u.entry.ref.text.split(/\s+/)[0] ?? directive} ${u.entry.name} $host;`, ''),
      ),
    );
    if (also) fix.also = also;
    out.push(
      finding(meta, {
        message:
          `${scopeName(facts, server, first.scope)}${rest.length > 0 ? ` (and ${rest.length} more location${rest.length > 1 ? 's' : ''})` : ''} sends ` +
          `\`${first.entry.name}: ${first.entry.value}\`, but this server answers plain HTTP behind ${term?.what || 'a load balancer (see the evidence)'}: ` +
          `$server_port is the port of nginx's own listener (${portText}), not the one the browser used at the front, so the app builds URLs ` +
          'and redirects such as https://host:80/ that point at a port the site does not serve.',
        evidence: [
          ...entryEvidence(facts, first.entry.ref as NginxRef, "nginx's listener port, not the browser's"),
          ...rest.flatMap((u) => entryEvidence(facts, u.entry.ref, `the same \`${u.entry.name}\` in ${u.scope.label}`)),
          ...refsEvidence(facts, direct, 'nginx sits behind a load balancer'),
          ...(term ? [...refsEvidence(facts, term.refs, 'nginx sits behind a load balancer'), ...term.evidence] : []),
        ],
        why:
          'Apps build absolute URLs (redirects, OAuth redirect_uri, links in mail, CSRF origin checks) from the Host they receive. Behind a front ' +
          'that ends TLS on 443, a Host with :80 makes every such URL point at the wrong port: the browser is sent to https://host:80/, which fails.',
        fix,
        data: {
          header: first.entry.name,
          ...(rest.length > 0 ? { alsoAt: others } : {}),
          ...(term?.branch ? { templateBranch: term.branch } : {}),
        },
      }),
    );
  }
  return out;
}

export const hostPortBehindFront: Check = { meta, run };
