/**
 * Caddy collector (Caddyfile): site addresses and automatic HTTPS, `reverse_proxy` (upstreams, `to`,
 * `header_up`, `header_down`, `trusted_proxies`, `transport http { tls }`), `php_fastcgi`, `handle`,
 * `handle_path`, `route`, matchers, snippets and `import`, and the global `servers { trusted_proxies }`.
 *
 * Caddy semantics by version (docs "reverse_proxy > Defaults", source modules/caddyhttp/reverseproxy/
 * reverseproxy.go `addForwardedHeaders`): since 2.5 reverse_proxy sets X-Forwarded-For/-Proto/-Host
 * itself and keeps incoming values only from trusted proxies (untrusted ones are replaced, so Caddy
 * behind another TLS terminator sends `http`); `header_up` runs after and can reopen spoofing;
 * `php_fastcgi` sets the CGI `HTTPS` param from Caddy's own connection (fastcgi/client.go
 * `buildEnv`), never from X-Forwarded-Proto. The global `servers { trusted_proxies static ... }` exists
 * from 2.6.3; the per-reverse_proxy `trusted_proxies` from 2.5.
 */
import { parseAddress } from '../../chain/addr.js';
import type {
  HeaderRule,
  Listener,
  ProxyRoute,
  RedirectDecidedBy,
  RedirectRewrite,
  Ref,
  Template,
  Upstream,
} from '../../chain/model.js';
import { readRe2 } from '../../chain/re2.js';
import { passThroughServer } from '../../model/appserver.js';
import type { CollectContext, Collector, DiscoveredFile } from '../../model/collector.js';
import type { AppServerFacts } from '../../model/facts.js';
import type { ProxyConfigFacts, ProxySite } from '../../model/proxy.js';
import { mayBeCaddyFile } from '../claims.js';
import { fencedOfFormat } from '../fenced.js';
import { addProxyFacts, baseName, configName, readText } from '../proxy/common.js';
import { fillCaddyEnv, proxyContainer, versionAtLeast } from '../proxy/container.js';
import { isCaddyfileName, sniffConfigFormat } from '../sniff.js';
import { caddySiteLabel, looksLikeCaddyJson, mayBeCaddyJson, readCaddyJson } from './json.js';
import { type CaddyNode, parseCaddyfile } from './parse.js';

const PLACEHOLDERS: Record<string, string> = {
  host: '{host}',
  'http.request.host': '{host}',
  hostport: '{http_host}',
  'http.request.hostport': '{http_host}',
  scheme: '{scheme}',
  'http.request.scheme': '{scheme}',
  remote_host: '{peer_addr}',
  'http.request.remote.host': '{peer_addr}',
  remote: '{peer_addr}',
  client_ip: '{remote_addr}',
  'http.vars.client_ip': '{remote_addr}',
  upstream_hostport: '{proxy_host}',
  'http.reverse_proxy.upstream.hostport': '{proxy_host}',
};

export function caddyToTemplate(v: string): Template {
  return v.replace(/\{([^{}]+)\}/g, (_m, name: string) => {
    if (PLACEHOLDERS[name]) return PLACEHOLDERS[name] as string;
    const h = /^(?:http\.request\.)?header\.(.+)$/.exec(name);
    if (h) return `{in:${(h[1] as string).toLowerCase()}}`;
    return `{?{${name}}}`;
  });
}

/** Caddy's `private_ranges` shorthand (caddyhttp/server.go). */
export const PRIVATE_RANGES = ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/8', '127.0.0.1/8', 'fd00::/8', '::1'];

function ranges(args: string[]): string[] {
  return args.flatMap((a) => (a === 'private_ranges' ? PRIVATE_RANGES : a === 'static' ? [] : [a]));
}

function isMatcher(t: string): boolean {
  return t.startsWith('/') || t.startsWith('@') || t === '*';
}

export { isCaddyfileName } from '../sniff.js';

/**
 * What reverse_proxy itself sets (reverseproxy.go `addForwardedHeaders`, 2.5+): X-Forwarded-For appended to
 * and X-Forwarded-Proto/-Host kept only from a trusted peer, else Caddy's own view. One list for the
 * Caddyfile and the JSON reader.
 */
export function caddyDefaultRules(file: string, line: number): HeaderRule[] {
  const dref: Ref = { file, line, origin: 'default' };
  return [
    { name: 'X-Forwarded-For', value: '{xff_append_if_trusted}', ref: dref, from: 'default' },
    {
      name: 'X-Forwarded-Proto',
      value: '{trusted:x-forwarded-proto|scheme}',
      ref: { ...dref, snippet: 'X-Forwarded-Proto {scheme} (Caddy default; the incoming value only from trusted_proxies)' },
      from: 'default',
    },
    { name: 'X-Forwarded-Host', value: '{trusted:x-forwarded-host|http_host}', ref: dref, from: 'default' },
  ];
}

/** The chain's socket of FrankenPHP's PHP inside Caddy, one per `php_server`/`php` directive. */
export function frankenphpSocket(file: string, line: number): string {
  return `frankenphp:${file}:${line}`;
}

/**
 * FrankenPHP's PHP inside Caddy as the pass-through app server its `php_server`/`php` routes reach; in the compose
 * service that runs that Caddy (`service`), where the chain places the Caddy hop, so the route's socket links.
 */
function frankenphpServer(route: ProxyRoute, service?: string): AppServerFacts {
  const socket = frankenphpSocket(route.ref.file, route.ref.line);
  const ref = { file: route.ref.file, line: route.ref.line, snippet: route.ref.snippet };
  return passThroughServer({
    name: 'frankenphp',
    launch: { ...ref, via: 'config' },
    ...(service ? { service } : {}),
    binds: [{ kind: 'unix', path: socket, exposure: 'unix', ref, ...(service ? { container: true } : {}) }],
    configFiles: [route.ref.file],
    notes: [
      `FrankenPHP's PHP inside Caddy (${route.match}): $_SERVER['HTTPS'] is on only when Caddy's own connection is TLS, REMOTE_ADDR is Caddy's TCP peer (trusted_proxies does not change it); forwarded headers reach PHP unchanged and the framework decides (php/frankenphp cgi.go)`,
    ],
  });
}

/** The fastcgi transport sets the CGI `HTTPS` param from Caddy's own connection (fastcgi/client.go `buildEnv`). */
export function caddyFastcgiHttps(file: string, line: number): HeaderRule {
  return {
    name: 'HTTPS',
    value: '{https}',
    ref: { file, line, origin: 'default', snippet: 'php_fastcgi: HTTPS=on only when Caddy itself received TLS' },
    from: 'default',
  };
}

/**
 * The fastcgi transport's `env HTTPS on` (Caddyfile) / `"env": {"HTTPS": "on"}` (JSON): `buildEnv` copies the
 * configured env over the params it computed, so the value replaces the connection's (checked on Debian's caddy
 * 2.6.2 with php-fpm 8.2: test/chain/cloudflare-caddy-php.test.ts). Only `HTTPS` is modelled: it is the param PHP
 * and the frameworks read the scheme from (`$_SERVER['HTTPS']`); the name is case-sensitive, as CGI's is.
 */
export function caddyFastcgiEnvHttps(value: string, ref: Ref): HeaderRule {
  return { name: 'HTTPS', value: caddyToTemplate(value), ref, from: 'route', sendEmpty: true };
}

export function readCaddyfile(
  file: string,
  src: string,
  env: Record<string, string> = {},
  envComplete = false,
  unknownEnv: string[] = [],
): {
  config: ProxyConfigFacts;
  errors: Array<{ line: number; message: string }>;
  filled: string[];
  /** The first Caddy 1 directive of a site, when the file is Caddy 1's syntax. */
  caddy1?: { name: string; line: number };
} {
  // `{$VAR}` is replaced in the text before Caddy lexes it; an unknown one stays a placeholder.
  const { text, filled } = fillCaddyEnv(src, env, envComplete, unknownEnv);
  const parsed = parseCaddyfile(text);
  let globalTrusted: { list: string[]; ref: Ref } | undefined;
  let autoHttpsOff = false;
  // `auto_https disable_redirects` (or `off`) drops the automatic HTTP->HTTPS redirects; `http_port` moves them.
  let redirectsOff = false;
  let httpPort = 80;
  for (const g of parsed.global?.block ?? []) {
    const n = g.args[0]?.text;
    if (n === 'auto_https' && g.args[1]?.text === 'off') autoHttpsOff = true;
    if (n === 'auto_https' && (g.args[1]?.text === 'off' || g.args[1]?.text === 'disable_redirects')) redirectsOff = true;
    if (n === 'http_port' && /^\d+$/.test(g.args[1]?.text ?? '')) httpPort = Number(g.args[1]?.text);
    if (n === 'servers' && g.block)
      for (const s of g.block)
        if (s.args[0]?.text === 'trusted_proxies')
          globalTrusted = {
            list: ranges(s.args.slice(1).map((t) => t.text)),
            ref: { file, line: s.line, snippet: s.args.map((t) => t.text).join(' ') },
          };
  }
  const sites: ProxySite[] = [];
  // Host names some site serves on the HTTP port itself (`http://a.example`, `a.example:80`): Caddy's automatic
  // redirect for that name gives way to the site written for it.
  const servedPlain = new Set<string>();
  for (const site of parsed.sites)
    for (const a of site.addrs) {
      const m = /^(?:(https?):\/\/)?(\[[^\]]*\]|[^:/]*)(?::(\d+))?/.exec(a);
      if (m?.[1] === 'http' || Number(m?.[3]) === httpPort) servedPlain.add((m?.[2] ?? '').toLowerCase());
    }
  const refusals: Array<{ line: number; message: string }> = [];
  const proxyDirectives: NonNullable<ProxyConfigFacts['caddy']>['proxyDirectives'] = [];
  const forwardAuthCopies: NonNullable<NonNullable<ProxyConfigFacts['caddy']>['forwardAuthCopies']> = [];
  parsed.sites.forEach((site) => {
    const siteId = `caddy:${file}:${site.line}`;
    const ref: Ref = { file, line: site.line, snippet: site.addrs.join(', ') };
    const listeners: Listener[] = [];
    const names: string[] = [];
    const forceTls = site.body.some((d) => d.args[0]?.text === 'tls' && d.args[1]?.text !== 'off');
    // Automatic HTTPS (modules/caddyhttp/autohttps.go): every host name served over HTTPS by automatic HTTPS
    // also gets an HTTP->HTTPS redirect on the HTTP port, answered from the connection alone.
    let autoRedirect: Ref | undefined;
    for (const a of site.addrs) {
      const m = /^(?:(https?):\/\/)?(\[[^\]]*\]|[^:/]*)(?::(\d+|\{[^}]*\}))?/.exec(a);
      const scheme = m?.[1];
      const host = m?.[2] ?? '';
      const port = m?.[3] && /^\d+$/.test(m[3]) ? Number(m[3]) : undefined;
      if (host) names.push(host);
      const tls =
        scheme === 'https' ||
        (scheme !== 'http' && !autoHttpsOff && (host !== '' || forceTls) && port !== 80) ||
        (forceTls && scheme !== 'http');
      const p = port ?? (scheme === 'http' ? 80 : tls ? 443 : 80);
      if (!listeners.some((l) => l.port === p)) listeners.push({ port: p, tls, proxyProtocol: false, defaultServer: false, ref });
      if (tls && !redirectsOff && host !== '' && !host.startsWith('{') && !servedPlain.has(host.toLowerCase()))
        autoRedirect ??= {
          file,
          line: site.line,
          origin: 'default',
          snippet: `${a}: Caddy's automatic HTTPS redirects http://${host} to https on :${httpPort}`,
        };
    }
    if (autoRedirect && !listeners.some((l) => l.port === httpPort))
      listeners.push({ port: httpPort, tls: false, proxyProtocol: false, defaultServer: false, ref: autoRedirect });
    // `bind 127.0.0.1`: the site listens only there (a loopback bind admits only this host's processes).
    const bind = site.body.find((d) => d.args[0]?.text === 'bind' && d.args[1]);
    if (bind) for (const l of listeners) l.address = bind.args[1]?.text;
    const routes: ProxyRoute[] = [];
    const named = namedMatcherPaths(site.body);
    let hopTrusted: { list: string[]; ref: Ref } | undefined;
    const defaults = (line: number): HeaderRule[] => caddyDefaultRules(file, line);
    const upstream = (u: string, line: number): Upstream => {
      // Caddy's network address syntax: `unix//run/app.sock` is the unix socket /run/app.sock.
      const unix = /^unix\/(\/.+)$/.exec(u);
      if (unix) return { text: u, address: { kind: 'unix', path: unix[1] as string }, ref: { file, line } };
      const https = u.startsWith('https://');
      return { text: u, address: parseAddress(u.replace(/^(https?|h2c):\/\//, ''), https ? 443 : 80), ref: { file, line } };
    };
    const walk = (body: CaddyNode[], matcher: string | undefined, depth: number, outer: HeaderRule[]) => {
      // `request_header` sorts before reverse_proxy in Caddy's directive order, wherever it is written in the
      // block: it changes the request every proxy of this block (and the blocks inside) then sends on.
      const before = [...outer, ...body.flatMap((d) => requestHeaderRules(file, d))];
      for (const d of body) {
        const name = d.args[0]?.text;
        if (!name || depth > 16) continue;
        if (['handle', 'route', 'handle_path', 'handle_errors'].includes(name) && d.block) {
          const a = d.args[1]?.text;
          walk(d.block, a && isMatcher(a) ? a : matcher, depth + 1, before);
          continue;
        }
        if (name === 'forward_auth')
          for (const sub of d.block ?? [])
            if (sub.args[0]?.text === 'copy_headers') {
              // `copy_headers A B` or `copy_headers { A>Renamed ... }`: the names the backend then receives.
              const inline = sub.args.slice(1).map((t) => t.text);
              const listed = (sub.block ?? []).map((x) => x.args[0]?.text ?? '').filter(Boolean);
              const headers = [...inline, ...listed].map((h) => h.replace(/^.*>/, '')).filter((h) => h && h !== '{');
              if (headers.length > 0)
                forwardAuthCopies.push({
                  siteId,
                  headers,
                  ref: { file, line: sub.line, snippet: sub.args.map((t) => t.text).join(' ') },
                });
            }
        if (name === 'php_server' || name === 'php') {
          // FrankenPHP (Caddy with PHP built in): PHP runs inside this Caddy. Its $_SERVER comes from Caddy's own
          // request (php/frankenphp cgi.go addKnownVariablesToServer): HTTPS=on only when Caddy received TLS,
          // REMOTE_ADDR Caddy's TCP peer (not `trusted_proxies`' client IP), every header as received.
          const a = d.args[1]?.text;
          const m = a && isMatcher(a) ? a : matcher;
          const pathOf = m?.startsWith('@') ? named.get(m) : m;
          const socket = frankenphpSocket(file, d.line);
          const ref: Ref = { file, line: d.line, snippet: d.args.map((t) => t.text).join(' ') };
          routes.push({
            id: `caddy:${file}:${d.line}`,
            match: `${name}${m ? ` ${m}` : ''}`,
            samplePath: pathOf?.startsWith('/') ? pathOf.replace(/\*$/, '') || '/' : '/',
            ref,
            protocol: 'http',
            upstreams: [{ text: socket, address: { kind: 'unix', path: socket }, ref }],
            headers: [
              ...before,
              {
                name: 'HTTPS',
                value: '{https}',
                ref: {
                  ...ref,
                  origin: 'default',
                  snippet: `${name}: FrankenPHP sets HTTPS=on only when Caddy itself received TLS`,
                },
                from: 'default',
              },
            ],
            keepsIncoming: true,
          });
          continue;
        }
        if (name !== 'reverse_proxy' && name !== 'php_fastcgi') continue;
        let args = d.args.slice(1).map((t) => t.text);
        let m = matcher;
        if (args[0] && isMatcher(args[0])) {
          m = args[0];
          args = args.slice(1);
        }
        const ups: Upstream[] = args.map((u) => upstream(u, d.line));
        proxyDirectives.push({
          siteId,
          name,
          line: d.line,
          text: d.args.map((t) => t.text).join(' '),
          hasBlock: Boolean(d.block),
        });
        const headerUp: HeaderRule[] = [];
        const redirectRewrites: RedirectRewrite[] = [];
        const envHttps: HeaderRule[] = [];
        let tlsTransport = false;
        for (const sub of d.block ?? []) {
          const sn = sub.args[0]?.text;
          const sa = sub.args.slice(1).map((t) => t.text);
          const sref: Ref = { file, line: sub.line, snippet: sub.args.map((t) => t.text).join(' ') };
          if (sn === 'to') for (const u of sa) ups.push(upstream(u, sub.line));
          if (sn === 'trusted_proxies') hopTrusted = { list: ranges(sa), ref: sref };
          if (sn === 'transport' && (sub.block ?? []).some((t) => t.args[0]?.text === 'tls')) tlsTransport = true;
          // `header_down Location <regexp> <replacement>`: Caddy's headers handler `response.replace` with
          // `search_regexp` (`caddy adapt` 2.6.2), applied to the backend's redirect on its way back.
          // Any `header_up`/`header_down <field> <regexp> <replacement>` is compiled when Caddy loads the config
          // (headers.go Provision): one pattern RE2 rejects stops it, whatever the field.
          const pattern = (sn === 'header_down' || sn === 'header_up') && sa.length >= 3 ? readRe2(sa[1] as string) : undefined;
          if (pattern?.kind === 'refused')
            refusals.push({
              line: sub.line,
              message: `${sn} ${sa[0]} ${sa[1]}: not a Go (RE2) regular expression (${pattern.why}): Caddy refuses to load this config ("error parsing regexp": caddy adapt accepts it, caddy validate and caddy run do not)`,
            });
          if (pattern?.kind === 'opaque' && pattern.warning)
            refusals.push({ line: sub.line, message: `${sn} ${sa[0]} ${sa[1]}: ${pattern.warning}` });
          if (pattern && sn === 'header_down' && /^location$/i.test(sa[0] ?? ''))
            redirectRewrites.push({ kind: 'replace', search: sa[1] as string, replace: sa[2] as string, ref: sref, pattern });
          // `env HTTPS on` directly in php_fastcgi, or in its `transport fastcgi { env … }`.
          const envLines =
            sn === 'env'
              ? [sub]
              : sn === 'transport' && sa[0] === 'fastcgi'
                ? (sub.block ?? []).filter((t) => t.args[0]?.text === 'env')
                : [];
          for (const e of envLines)
            if (e.args[1]?.text === 'HTTPS' && e.args[2])
              envHttps.push(
                caddyFastcgiEnvHttps(e.args[2].text, {
                  file,
                  line: e.line,
                  snippet: e.args.map((t) => t.text).join(' '),
                }),
              );
          if (sn === 'header_up' && sa[0]) {
            const raw = sa[0];
            if (raw.startsWith('-')) headerUp.push({ name: raw.slice(1), value: null, ref: sref, from: 'route' });
            else if (sa.length >= 3)
              headerUp.push({
                name: raw.replace(/^[+]/, ''),
                value: `{?header_up ${sa.slice(1).join(' ')}}`,
                ref: sref,
                from: 'route',
              });
            else
              headerUp.push({
                name: raw.replace(/^[+]/, ''),
                value: caddyToTemplate(sa[1] ?? ''),
                ref: sref,
                from: 'route',
                sendEmpty: true,
                append: raw.startsWith('+'),
              });
          }
        }
        // Caddy's own X-Forwarded-* logic runs after request_header: an untrusted peer's values are replaced anyway.
        const rules = [...before, ...defaults(d.line)];
        if (name === 'php_fastcgi') rules.push(caddyFastcgiHttps(file, d.line), ...envHttps);
        rules.push(...headerUp);
        // A named matcher (`@api path /v1/*`) routes the path it matches, as an inline path matcher does.
        const pathOf = m?.startsWith('@') ? named.get(m) : m;
        const path = pathOf?.startsWith('/') ? pathOf.replace(/\*$/, '') || '/' : '/';
        const first = ups[0]?.text ?? '';
        routes.push({
          id: `caddy:${file}:${d.line}`,
          match: `${name}${m ? ` ${m}` : ''}`,
          samplePath: path,
          ref: { file, line: d.line, snippet: d.args.map((t) => t.text).join(' ') },
          protocol: name === 'php_fastcgi' ? 'fastcgi' : first.startsWith('https://') || tlsTransport ? 'https' : 'http',
          upstreams: ups,
          headers: rules,
          ...(redirectRewrites.length ? { redirectRewrites } : {}),
        });
      }
    };
    walk(site.body, undefined, 0, []);
    const trusted = hopTrusted ?? globalTrusted;
    // The site's own `redir` to https (its plain listeners answer with it), else the automatic one on :80.
    const redir = siteRedirect(file, site.body);
    const redirect = redir ?? (autoRedirect ? { ref: autoRedirect, by: 'connection' as const } : undefined);
    sites.push({
      id: siteId,
      label: caddySiteLabel(listeners, file, site.line),
      ref,
      names: names.filter((n) => n && n !== 'localhost' && !n.startsWith('{')),
      listeners,
      routes,
      siteHeaders: [],
      passesIncoming: true,
      stripsUntrusted: ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'],
      trust: trusted
        ? { mode: 'list', list: trusted.list, ref: trusted.ref }
        : {
            mode: 'none',
            list: [],
            ref: { file, line: parsed.global?.line ?? site.line, origin: 'default' },
            missingAt: { file, line: parsed.global?.line ?? 1 },
          },
      mode: 'http',
      notes: [],
      ...(redirect ? { redirectsToHttps: redirect.ref, redirectDecidedBy: redirect.by } : {}),
    });
  });
  const config: ProxyConfigFacts = {
    kind: 'caddy',
    file,
    sites,
    assumedVersion: '2.6.2',
    caddy: {
      globalTrusted,
      globalRef: { file, line: parsed.global?.line ?? 1 },
      hasGlobalBlock: Boolean(parsed.global),
      globalServersLine: parsed.global?.block?.find((g) => g.args[0]?.text === 'servers' && g.block)?.line,
      firstLine: firstDirectiveLine(src),
      proxyDirectives,
      ...(forwardAuthCopies.length ? { forwardAuthCopies } : {}),
    },
  };
  const caddy1 = firstCaddy1Directive(parsed.sites);
  return { config, errors: [...parsed.errors, ...refusals], filled, ...(caddy1 ? { caddy1 } : {}) };
}

/**
 * Directives of Caddy 1 that Caddy 2 has under no name (v1 docs' directive list minus every directive Caddy 2
 * registers up to 2.11, `caddyconfig/httpcaddyfile`): a Caddyfile that uses one is Caddy 1's, whose `proxy`
 * takes `header_upstream` and sends no X-Forwarded-Proto unless told. Caddy 2 rejects such a file with
 * "unrecognized directive" (checked with Debian's caddy 2.6.2 `caddy adapt`).
 */
const CADDY1_ONLY = new Set([
  'proxy',
  'gzip',
  'errors',
  'ext',
  'fastcgi',
  'internal',
  'browse',
  'expvar',
  'limits',
  'mime',
  'status',
  'websocket',
  'request_id',
]);

function firstCaddy1Directive(sites: Array<{ body: CaddyNode[] }>): { name: string; line: number } | undefined {
  for (const site of sites)
    for (const d of site.body) {
      const name = d.args[0]?.text;
      if (name && !d.args[0]?.quoted && CADDY1_ONLY.has(name)) return { name, line: d.line };
    }
  return undefined;
}

/**
 * A site-wide `redir [<matcher>] https://...`: unconditioned (or `*`) it answers every request from the
 * connection; behind a named matcher that tests `header X-Forwarded-Proto http` it reads that header from any peer
 * (a `header` matcher never asks who sent it) and redirects only a request that has it (`forwarded-proto-http`); behind `protocol http` it is the connection again. A path-scoped
 * redir is not a site-wide redirect and is left out.
 */
function siteRedirect(file: string, body: CaddyNode[]): { ref: Ref; by: RedirectDecidedBy } | undefined {
  for (const d of body) {
    if (d.args[0]?.text !== 'redir') continue;
    let args = d.args.slice(1).map((t) => t.text);
    let by: RedirectDecidedBy = 'connection';
    if (args[0] === '*') args = args.slice(1);
    else if (args[0]?.startsWith('@')) {
      const def = matcherLines(body, args[0]);
      const forwarded = def.some(
        (l) => l[0] === 'header' && /^x-forwarded-proto$/i.test(l[1] ?? '') && /^http\b/i.test(l[2] ?? ''),
      );
      const protocol = def.some((l) => l[0] === 'protocol' && l[1] === 'http');
      if (!forwarded && !protocol) continue;
      // `header X-Forwarded-Proto http` matches only a request that has the header with that value: one without it
      // is not redirected. Another pattern (`http*`) is read as before.
      const exact = def.some((l) => l[0] === 'header' && /^x-forwarded-proto$/i.test(l[1] ?? '') && /^http$/i.test(l[2] ?? ''));
      if (forwarded) by = exact ? 'forwarded-proto-http' : 'forwarded-proto-any';
      args = args.slice(1);
    } else if (args[0]?.startsWith('/')) continue;
    if (!args[0]?.startsWith('https://')) continue;
    return { ref: { file, line: d.line, snippet: d.args.map((t) => t.text).join(' ') }, by };
  }
  return undefined;
}

/** The lines of a named matcher's definition (`@x header A b`, or `@x { ... }`), as token texts. */
function matcherLines(body: CaddyNode[], name: string): string[][] {
  const d = body.find((n) => n.args[0]?.text === name);
  if (!d) return [];
  return d.block ? d.block.map((b) => b.args.map((t) => t.text)) : [d.args.slice(1).map((t) => t.text)];
}

/**
 * Named matchers of a site (`@api path /v1/*`, or `@api { path /v1/* }`): the first path each one matches, so a
 * route behind one is simulated with a path it serves. Matchers that test anything else than a path are left out.
 */
function namedMatcherPaths(body: CaddyNode[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of body) {
    const name = d.args[0]?.text;
    if (!name?.startsWith('@')) continue;
    const lines = d.block ? d.block.map((b) => b.args.map((t) => t.text)) : [d.args.slice(1).map((t) => t.text)];
    const path = lines.find((l) => l[0] === 'path' && l[1])?.[1];
    if (path) out.set(name, path);
  }
  return out;
}

/**
 * `request_header [<matcher>] [+|-]<field> [<value>]` (the `headers` handler's request ops): set, add (`+`),
 * delete (`-`); a find/replace form is opaque.
 */
function requestHeaderRules(file: string, d: CaddyNode): HeaderRule[] {
  if (d.args[0]?.text !== 'request_header') return [];
  let args = d.args.slice(1).map((t) => t.text);
  if (args[0] && isMatcher(args[0])) args = args.slice(1);
  const ref: Ref = { file, line: d.line, snippet: d.args.map((t) => t.text).join(' ') };
  const raw = args[0];
  if (!raw) return [];
  if (raw.startsWith('-')) return [{ name: raw.slice(1), value: null, ref, from: 'route' }];
  if (args.length >= 3) return [{ name: raw, value: `{?replace ${raw}}`, ref, from: 'route' }];
  return [
    {
      name: raw.replace(/^\+/, ''),
      value: caddyToTemplate(args[1] ?? ''),
      ref,
      from: 'route',
      sendEmpty: true,
      ...(raw.startsWith('+') ? { append: true } : {}),
    },
  ];
}

function firstDirectiveLine(src: string): { line: number; text: string } | undefined {
  const lines = src.split(/\r?\n/);
  const i = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  return i < 0 ? undefined : { line: i + 1, text: lines[i] as string };
}

/**
 * A JSON file that is a Caddy config (`apps.http.servers`): `caddy run --config caddy.json`, `caddy adapt`'s
 * output, the admin API's autosave.json. Other JSON (package.json, a lock file) is left alone unread.
 */
function collectJson(ctx: CollectContext, f: DiscoveredFile, container: ReturnType<typeof proxyContainer>): void {
  const src = readText(ctx, f);
  if (src === undefined || !mayBeCaddyJson(src)) return;
  let value: unknown;
  try {
    value = JSON.parse(src);
  } catch {
    // Not valid JSON: a Caddy config only if it was named as one (then its error is reported below).
    if (!/caddy/i.test(baseName(f.display)) && !f.explicit) return;
  }
  if (value !== undefined && !looksLikeCaddyJson(value)) return;
  ctx.claimed.add(f.abs);
  const { config, errors } = readCaddyJson(f.display, src);
  for (const e of errors)
    ctx.facts.diagnostics.push({ level: 'warning', file: f.display, line: e.line, message: `Caddy JSON: ${e.message}` });
  if (!config) return;
  if (container)
    config.container = {
      service: container.service,
      ref: container.ref,
      published: container.published,
      why: container.why,
      filled: [],
      ...(container.version ? { version: container.version } : {}),
    };
  for (const e of applyCaddyVersion(config))
    ctx.facts.diagnostics.push({ level: 'warning', file: f.display, line: e.line, message: `Caddy JSON: ${e.message}` });
  addProxyFacts(ctx, config);
}

/**
 * The server-wide `trusted_proxies` (the Caddyfile's global `servers { trusted_proxies static ... }`, the JSON
 * server's `"trusted_proxies": {"source": "static", ...}`) exists from Caddy 2.6.3: 2.6.2 (Debian's) answers
 * "unrecognized servers option 'trusted_proxies'" / `json: unknown field "trusted_proxies"` (checked with its
 * `caddy validate`). A floating tag (`caddy:2`, `latest`, `2.6`) is the newest release of that line.
 */
export function hasGlobalTrustedProxies(version: string | undefined): boolean {
  if (!version) return false;
  if (version === 'latest') return true;
  const [major = 0, minor, patch] = version.split('.').map(Number);
  if (major !== 2) return major > 2;
  if (minor === undefined) return true;
  if (minor !== 6) return minor > 6;
  return patch === undefined || patch >= 3;
}

/**
 * Caddy 2.5.0–2.6.2 named by the deployment, with the server-wide `trusted_proxies`: that Caddy refuses the config.
 * Said like the before-2.5 refusal, with the per-`reverse_proxy` form (2.5+) as the way; the sites that took their
 * trust from the server-wide line are read without it (what that Caddy could run), so the fix offered is the
 * per-handler one, never the global form again.
 */
function withoutServerTrust(
  config: ProxyConfigFacts,
  v: NonNullable<NonNullable<ProxyConfigFacts['container']>['version']>,
): Array<{ line: number; message: string }> {
  const global = config.caddy?.globalTrusted;
  if (!global || hasGlobalTrustedProxies(v.value)) return [];
  const json = config.caddy?.format === 'json';
  const runs = `Caddy ${v.value} runs here (${v.ref.file}:${v.ref.line}${v.ref.snippet ? `: ${v.ref.snippet}` : ''})`;
  config.assumedVersion = v.value;
  // JSON: every server's own `trusted_proxies` (the reader keeps the first as `globalTrusted`).
  const serverWide = (r: Ref) => r === global.ref || (json && /^server [^:]*: trusted_proxies/.test(r.snippet ?? ''));
  const lines = new Set<number>([global.ref.line]);
  for (const site of config.sites)
    if (site.trust.mode === 'list' && serverWide(site.trust.ref)) {
      lines.add(site.trust.ref.line);
      site.trust = {
        mode: 'none',
        list: [],
        ref: { ...site.trust.ref, origin: 'default' },
        missingAt: { file: site.trust.ref.file, line: site.trust.ref.line },
      };
    }
  return [...lines].map((line) => ({
    line,
    message: json
      ? `the server's "trusted_proxies" needs Caddy 2.6.3+, but ${runs}: it refuses this config (json: unknown field "trusted_proxies"); put "trusted_proxies": [...] on each reverse_proxy handler instead (2.5+), or upgrade Caddy`
      : `servers { trusted_proxies } needs Caddy 2.6.3+, but ${runs}: it refuses this config ("unrecognized servers option 'trusted_proxies'"); write trusted_proxies inside each reverse_proxy block instead (2.5+), or upgrade Caddy`,
  }));
}

/** Is a Caddy version read from an image tag or a build pin (`2.4.6`, `2.4`, `2`, `latest`) older than 2.5? */
export function caddyBefore25(version: string | undefined): boolean {
  return version !== undefined && /^2(\.|$)/.test(version) && !versionAtLeast(version, 2, 5);
}

/**
 * Caddy before 2.5, by the version the deployment names (`config.container.version`: the compose image, a Dockerfile
 * `FROM caddy:…`, an `xcaddy build` pin). reverse_proxy then had no `trusted_proxies` (2.5.0 added it; caddyfile.go
 * of 2.4.6 answers "unrecognized subdirective") and trusted every peer: X-Forwarded-For is appended to whatever
 * arrived, X-Forwarded-Proto kept when the request has one (2.1.0–2.4.6; 2.0.x always wrote its own scheme), and no
 * X-Forwarded-Host is set (reverseproxy.go `prepareRequest` at v2.0.0, v2.1.0, v2.4.6). The sites are rewritten to
 * that behaviour; a `trusted_proxies` line is reported as what makes that Caddy refuse the config. An unknown version
 * stays 2.5+ (the readers' default), which the check that offers `trusted_proxies` says.
 */
export function applyCaddyVersion(config: ProxyConfigFacts): Array<{ line: number; message: string }> {
  const v = config.container?.version;
  if (!v) return [];
  if (!caddyBefore25(v.value)) return withoutServerTrust(config, v);
  const errors: Array<{ line: number; message: string }> = [];
  const vref: Ref = { file: v.ref.file, line: v.ref.line, ...(v.ref.snippet ? { snippet: v.ref.snippet } : {}) };
  const keepsProto = !/^2\.0(\.|$)/.test(v.value);
  const runs = `Caddy ${v.value} runs here (${v.ref.file}:${v.ref.line}${v.ref.snippet ? `: ${v.ref.snippet}` : ''})`;
  config.assumedVersion = v.value;
  const global = config.caddy?.globalTrusted;
  if (global)
    errors.push({
      line: global.ref.line,
      message: `servers { trusted_proxies } needs Caddy 2.6.3+, but ${runs}: it refuses this config`,
    });
  for (const site of config.sites) {
    if (site.trust.mode === 'list' && site.trust.ref !== global?.ref)
      errors.push({
        line: site.trust.ref.line,
        message: `trusted_proxies needs Caddy 2.5+, but ${runs}: it refuses this config (${config.caddy?.format === 'json' ? 'json: unknown field "trusted_proxies"' : '"unrecognized subdirective trusted_proxies"'}); upgrade Caddy (2.5+ keeps X-Forwarded-* only from trusted_proxies)`,
      });
    site.trust = {
      mode: 'all',
      list: ['0.0.0.0/0', '::/0'],
      ref: {
        ...vref,
        snippet: `Caddy ${v.value} (${v.ref.snippet ?? 'its image'}): before 2.5 reverse_proxy keeps X-Forwarded-* from every peer`,
      },
    };
    site.stripsUntrusted = [];
    for (const r of site.routes)
      r.headers = r.headers.flatMap((h) => {
        if (h.from !== 'default') return [h];
        const n = h.name.toLowerCase();
        if (n === 'x-forwarded-host') return [];
        if (n === 'x-forwarded-proto')
          return [
            {
              ...h,
              value: keepsProto ? '{trusted:x-forwarded-proto|scheme}' : '{scheme}',
              ref: {
                ...h.ref,
                snippet: keepsProto
                  ? `X-Forwarded-Proto: the incoming value from any peer, else {scheme} (Caddy ${v.value}, before 2.5)`
                  : `X-Forwarded-Proto {scheme} (Caddy ${v.value}: always its own connection's scheme)`,
              },
            },
          ];
        return [h];
      });
  }
  return errors;
}

export const caddyCollector: Collector = {
  name: 'caddy',
  collect(ctx) {
    // The compose service that runs Caddy (collected before this collector): its environment fills `{$VAR}`.
    const container = proxyContainer(ctx.facts, 'caddy');
    const caddyfileTexts: string[] = [];
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs) || !mayBeCaddyFile(f)) continue;
      const name = configName(f.display);
      if (/\.json$/i.test(name)) {
        collectJson(ctx, f, container);
        continue;
      }
      const src = readText(ctx, f);
      if (src === undefined) continue;
      // Named on the command line under another name, the content decides.
      if (!isCaddyfileName(name) && sniffConfigFormat(src) !== 'caddy') continue;
      ctx.claimed.add(f.abs);
      const { config, errors, filled, caddy1 } = readCaddyfile(
        f.display,
        src,
        container?.env,
        container?.envComplete,
        container?.unknownEnv,
      );
      if (caddy1) {
        // Caddy 2 refuses the whole file at the first Caddy 1 directive, so nothing in it describes what runs.
        ctx.skip(
          f,
          `Caddy 1 syntax (\`${caddy1.name}\` at line ${caddy1.line}): Caddy 2 stops at it ("unrecognized directive: ${caddy1.name}"), and Caddy 1 (end of life) is not modelled; Caddy 2's proxy directive is \`reverse_proxy\``,
          caddy1.line,
        );
        continue;
      }
      if (container)
        config.container = {
          service: container.service,
          ref: container.ref,
          published: container.published,
          why: container.why,
          filled,
          ...(container.version ? { version: container.version } : {}),
        };
      for (const e of [...errors, ...applyCaddyVersion(config)])
        ctx.facts.diagnostics.push({ level: 'warning', file: f.display, line: e.line, message: `Caddyfile: ${e.message}` });
      addCaddyfileFacts(ctx, config);
      caddyfileTexts.push(src);
    }
    collectFenced(ctx, caddyfileTexts);
  },
};

function addCaddyfileFacts(ctx: CollectContext, config: ProxyConfigFacts): void {
  addProxyFacts(ctx, config);
  for (const site of config.sites)
    for (const r of site.routes)
      if (r.upstreams[0]?.address?.kind === 'unix' && r.upstreams[0].address.path.startsWith('frankenphp:'))
        ctx.facts.appServers.push(frankenphpServer(r, config.container?.service));
}

/**
 * Caddyfiles shown in Markdown/MDX code fences (collectors/fenced.ts): a guide's "add this to your Caddyfile" is
 * the Caddy its users run, on their host (no compose service of the tree mounts a document), so it is read with
 * no container and no environment. Each fence is a Caddyfile of its own, at the document's lines; one that
 * quotes a Caddyfile of the tree is that file, already read. The document is never claimed.
 */
/** A directive that sends requests on: a fenced site without one (a static `file_server`) is no hop of a chain. */
const CADDY_PROXYING = /^\s*(?:reverse_proxy|php_fastcgi|php_server)\b/m;

function collectFenced(ctx: CollectContext, caddyfileTexts: string[]): void {
  for (const { f, block: b } of fencedOfFormat(ctx, 'caddy', caddyfileTexts)) {
    if (!CADDY_PROXYING.test(b.body)) continue;
    const { config, errors, caddy1 } = readCaddyfile(f.display, b.text);
    // Caddy 1 syntax in an old guide: Caddy 2 refuses it, and it describes nothing that runs today.
    if (caddy1 || config.sites.length === 0) continue;
    for (const e of errors) {
      // A fence is an excerpt: `import proxy_headers` names a snippet of the Caddyfile it is an excerpt of. One the
      // tree's own Caddyfile defines is no problem of the document; one nowhere in the tree is a note, not a warning.
      const snippet = /^import (\S+): not a snippet of this file/.exec(e.message)?.[1];
      if (snippet && caddyfileTexts.some((t) => snippetDefined(t, snippet))) continue;
      ctx.facts.diagnostics.push({
        level: snippet ? 'note' : 'warning',
        file: f.display,
        line: e.line,
        message: `Caddyfile: ${e.message}${snippet ? ' (a fenced excerpt: its snippets are in a Caddyfile the document does not show)' : ''}`,
      });
    }
    addCaddyfileFacts(ctx, config);
  }
}

/** True when a Caddyfile text defines the snippet `(name) {` at the top level. */
function snippetDefined(text: string, name: string): boolean {
  return text.split(/\r?\n/).some((l) => l.trim().startsWith(`(${name})`) && /^\(\S+\)\s*\{/.test(l.trim()));
}
