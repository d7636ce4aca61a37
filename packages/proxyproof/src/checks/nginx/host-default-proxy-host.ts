/**
 * nginx/host-default-proxy-host: no `proxy_set_header Host` reaches a location, so nginx sends its default
 * `Host: $proxy_host` — the `upstream` block's name (`sentry`), a container name (`web:9000`), or an address
 * (`127.0.0.1:8000`) — instead of the name the browser asked for.
 */
import { headerEntry, type NginxScope, type NginxServer, nginxModel, passingScopes } from '../../facts/nginx/index.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { addLinesFix, blockEvidence, describePass, fixPlacement, headerLine, NGINX_DOCS, scopeName } from './common.js';

const meta: CheckMeta = {
  id: 'nginx/host-default-proxy-host',
  severity: 'medium',
  title: 'The upstream receives Host: $proxy_host (the upstream name), not the site name',
  summary:
    'With no proxy_set_header Host, nginx sends Host: $proxy_host: the upstream block name or the address in proxy_pass, which the app then uses for URLs, ALLOWED_HOSTS and CSRF checks.',
  references: [NGINX_DOCS.proxySetHeader, NGINX_DOCS.proxyPass, NGINX_DOCS.varHost],
};

/** What `$proxy_host` is for this pass, or undefined when it is a real site name (an external DNS host) or unknown. */
function proxyHostValue(scope: NginxScope): string | undefined {
  const p = scope.pass;
  if (!p || p.variable) return undefined;
  if (p.upstream) return p.upstream.name;
  if (p.unix) return 'localhost';
  const host = p.host;
  if (!host) return undefined;
  // A dotted DNS name is somebody's real host name (an external API, another site): $proxy_host is then right.
  const address = /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || host.startsWith('[');
  if (!address && host.includes('.')) return undefined;
  const defaultPort = p.scheme === 'https' ? 443 : 80;
  return p.port !== undefined && p.port !== defaultPort ? `${host}:${p.port}` : host;
}

/** The location that serves the site's pages (`location /`), preferred as the finding's lead. */
function isCatchAll(s: NginxScope): boolean {
  return s.kind === 'location' && /^(?:\^~\s+)?\/$/.test(s.match.trim());
}

/** `location /` or a named location the server level falls back to (`try_files ... @app`). */
function mainRoute(server: NginxServer, scope: NginxScope): boolean {
  if (isCatchAll(scope) || scope.kind === 'server') return true;
  if (!scope.match.startsWith('@')) return false;
  return server.scopes.some((s) => (s.kind === 'server' || isCatchAll(s)) && s.fallbacks.some((f) => f.name === scope.match));
}

function run(facts: Facts): Finding[] {
  const model = nginxModel(facts);
  const out: Finding[] = [];
  for (const server of model.servers) {
    // Grouped by the level whose proxy_set_header lines the locations use: one fix per level.
    const groups = new Map<number | undefined, { scope: NginxScope; value: string }[]>();
    for (const scope of passingScopes(server)) {
      if (scope.pass?.kind !== 'proxy' || scope.restricted) continue;
      // The ACME challenge path serves the CA's validator (certbot's standalone server), not the site's pages.
      if (/\/\.well-known\/acme-challenge/.test(scope.match)) continue;
      const host = headerEntry(scope.headers.proxy, 'Host');
      if (host?.origin !== 'default') continue;
      // Dropped by the location's own lines: nginx/proxy-header-inheritance names the dropping line.
      if (scope.headers.proxy.drops.some((d) => d.dropped.some((x) => x.name.toLowerCase() === 'host'))) continue;
      const value = proxyHostValue(scope);
      if (value === undefined) continue;
      const key = scope.headers.proxy.fromScope;
      const list = groups.get(key) ?? [];
      list.push({ scope, value });
      groups.set(key, list);
    }
    for (const list of groups.values()) {
      const lead = list.find((x) => isCatchAll(x.scope)) ?? list[0];
      if (!lead) continue;
      list.splice(list.indexOf(lead), 1);
      list.unshift(lead);
      const set = lead.scope.headers.proxy;
      // Where every check that adds a proxy_set_header line puts it (common.ts fixPlacement): the server level
      // when several locations set nothing, the location itself when it is the only one.
      const place = fixPlacement(facts, server, lead.scope, set);
      // $host has no port: on a non-standard port the browser's Host header ($http_host) keeps it.
      const hostValue = server.listens.some((l) => l.port !== undefined && l.port !== 80 && l.port !== 443)
        ? '$http_host'
        : '$host';
      const atServer = place.where === 'the server block';
      const names = list.map((x) => `${scopeName(facts, server, x.scope)} -> Host: ${x.value}`);
      const where = atServer
        ? 'at the server level, which every location without its own proxy_set_header lines inherits'
        : `in ${place.where}${set.fromScope !== undefined ? ', next to its other proxy_set_header lines' : ''}`;
      // X-Forwarded-Host carries the name: apps that read it (Rails by default, Django USE_X_FORWARDED_HOST,
      // Werkzeug ProxyFix x_host, Express behind trust proxy) do not use Host for it.
      const xfh = headerEntry(set, 'X-Forwarded-Host');
      const viaXfh = xfh !== undefined && xfh.value !== '';
      out.push(
        finding(meta, {
          // The site's pages (location /, or a named location the server falls back to) carry the weight; a
          // sub-path proxied elsewhere (a payment daemon, an ingestion service) rarely builds URLs from Host.
          ...(viaXfh || !mainRoute(server, lead.scope) ? { severity: 'low' as const } : {}),
          message:
            `${scopeName(facts, server, lead.scope)} proxies to ${describePass(lead.scope)} without \`proxy_set_header Host\`: nginx sends its default ` +
            `Host: $proxy_host, i.e. \`${lead.value}\`, not the name the browser asked for.` +
            (list.length > 1
              ? ` The same for ${list.length - 1} more location${list.length > 2 ? 's' : ''} (${names.slice(1).join('; ')}).`
              : '') +
            (viaXfh
              ? ` X-Forwarded-Host (${xfh?.value}) carries the real name, so an app that reads it (Rails by default, Django with USE_X_FORWARDED_HOST, ProxyFix x_host) is not affected; one that reads only Host is.`
              : ' The app builds absolute URLs and redirects with that name, and Django (ALLOWED_HOSTS, the CSRF Referer check on https) or Rails host authorization reject or mismatch it.'),
          evidence: list.map((x, i) =>
            blockEvidence(
              facts,
              x.scope,
              i === 0 ? `sends Host: ${x.value} (nginx's default $proxy_host)` : `also Host: ${x.value}`,
            ),
          ),
          why:
            "nginx's built-in default for the upstream Host header is $proxy_host, the host part of proxy_pass (an upstream block's name, a container name or an address). " +
            'Applications take the site name from Host: links, redirects and OAuth callbacks point at the upstream name, host validation fails, and the CSRF Referer check on https requests rejects every form.',
          fix: addLinesFix(
            `Send the browser's host ${where}${hostValue === '$host' ? ' ($host drops the port; use $http_host when the site is on a non-standard port)' : ' ($http_host keeps the non-standard port this server listens on)'}.`,
            place,
            [headerLine('proxy', 'Host', hostValue)],
          ),
          data: { server: server.index, hosts: list.map((x) => x.value) },
        }),
      );
    }
  }
  return out;
}

export const hostDefaultProxyHost: Check = { meta, run };
