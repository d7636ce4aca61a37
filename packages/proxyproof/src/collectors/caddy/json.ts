/**
 * Caddy's native JSON config (`caddy run --config caddy.json`, what `caddy adapt` prints, the admin API's
 * autosave.json) read into the same neutral proxy facts as a Caddyfile (collectors/caddy/collector.ts).
 *
 * Semantics read from Caddy 2.6.2 (modules/caddyhttp) and pinned against Debian's caddy in
 * test/proxy/caddy-json.test.ts:
 * - `apps.http.servers.<name>`: `listen` addresses; `listener_wrappers` `proxy_protocol`;
 * - TLS per server (autohttps.go): explicit `tls_connection_policies`, else automatic HTTPS unless
 *   `automatic_https.disable`, the server listens only on the HTTP port (`http_port`, 80), or no top-level host
 *   matcher qualifies (names in `automatic_https.skip` do not count). A server is TLS or not as a whole;
 * - routes, `subroute` handlers, `match` (host, path), `headers` handlers (`request_header`: they change the
 *   request before reverse_proxy, which then still replaces X-Forwarded-* from untrusted peers);
 * - `reverse_proxy`: `upstreams[].dial` (or `dynamic_upstreams` `a` name:port; `srv` unresolved), `transport` (`protocol: fastcgi` is php_fastcgi; `tls` is https),
 *   `headers.request` add/set/delete (header_up), `trusted_proxies` (2.5+);
 * - the server's `trusted_proxies` `{source: static, ranges}` (2.6.3+, the global Caddyfile option).
 * One site per distinct host list of a server's top-level routes (a Caddyfile site block becomes one such route);
 * a site without top-level hosts answers to the host matchers of its nested routes.
 */
import type { Node } from 'yaml';
import { parseAddress } from '../../chain/addr.js';
import type { HeaderRule, Listener, ProxyRoute, RedirectRewrite, Ref, Upstream } from '../../chain/model.js';
import { readRe2 } from '../../chain/re2.js';
import type { CaddyExtra, ProxyConfigFacts, ProxySite } from '../../model/proxy.js';
import { baseName, MAX_DEPTH } from '../proxy/common.js';
import { yaml } from '../proxy/yaml.js';
import { caddyDefaultRules, caddyFastcgiEnvHttps, caddyFastcgiHttps, caddyToTemplate, PRIVATE_RANGES } from './collector.js';

/** A JSON value with the line it starts on (objects keep each key's line). */
interface J {
  line: number;
  value: unknown;
  fields?: Map<string, { key: number; node: J }>;
  items?: J[];
}

function lined(node: Node | null | undefined, lines: { linePos(o: number): { line: number } }, depth: number): J | undefined {
  if (!node) return undefined;
  const line = node.range ? lines.linePos(node.range[0]).line : 0;
  const y = yaml();
  if (depth > MAX_DEPTH) return { line, value: undefined };
  if (y.isMap(node)) {
    const fields = new Map<string, { key: number; node: J }>();
    for (const p of node.items) {
      if (!y.isScalar(p.key)) continue;
      const child = lined(p.value as Node | null, lines, depth + 1);
      const k = p.key as Node;
      if (child) fields.set(String(p.key.value), { key: k.range ? lines.linePos(k.range[0]).line : line, node: child });
    }
    return { line, value: undefined, fields };
  }
  if (y.isSeq(node)) {
    const items: J[] = [];
    for (const it of node.items) {
      const child = lined(it as Node | null, lines, depth + 1);
      if (child) items.push(child);
    }
    return { line, value: undefined, items };
  }
  if (y.isScalar(node)) return { line, value: node.value };
  return { line, value: undefined };
}

function field(j: J | undefined, ...path: string[]): J | undefined {
  let cur = j;
  for (const k of path) cur = cur?.fields?.get(k)?.node;
  return cur;
}

function keyLine(j: J | undefined, k: string): number | undefined {
  return j?.fields?.get(k)?.key;
}

function str(j: J | undefined): string | undefined {
  return typeof j?.value === 'string' ? j.value : typeof j?.value === 'number' ? String(j.value) : undefined;
}

function strs(j: J | undefined): string[] {
  return (j?.items ?? []).map(str).filter((s): s is string => s !== undefined);
}

/** Is this parsed JSON a Caddy config? (`apps.http.servers` is an object.) */
/**
 * A Caddy site's hop label: every port it listens on, TLS ones first (`caddy :443,80 (Caddyfile:6)`: the plain
 * :80 of automatic HTTPS is a listener too, and the one a plain request or a plain proxy in front reaches).
 */
export function caddySiteLabel(listeners: { port: number; tls: boolean }[], file: string, line: number): string {
  const ports = [...new Set([...listeners.filter((l) => l.tls), ...listeners.filter((l) => !l.tls)].map((l) => l.port))];
  return `caddy :${ports.join(',')} (${baseName(file)}:${line})`;
}

export function looksLikeCaddyJson(value: unknown): boolean {
  const apps = (value as { apps?: { http?: { servers?: unknown } } } | null)?.apps;
  const servers = apps?.http?.servers;
  return servers !== null && typeof servers === 'object' && !Array.isArray(servers);
}

/** A cheap look at the text before parsing: every Caddy JSON config names its apps and servers. */
export function mayBeCaddyJson(text: string): boolean {
  return /^\s*\{/.test(text) && text.includes('"apps"') && text.includes('"servers"');
}

/** Caddy's network address (`:443`, `127.0.0.1:8080`, `tcp/[::1]:80`, `:8000-8010`); unix sockets are left out. */
function listenAddress(a: string): { host?: string; port: number } | undefined {
  const m = /^(?:(tcp[46]?|udp[46]?|unix(?:gram|packet)?)\/)?(.*)$/.exec(a.trim());
  if (!m || m[1]?.startsWith('unix') || m[1]?.startsWith('udp')) return undefined;
  const rest = m[2] ?? '';
  const hp = /^(\[[^\]]*\]|[^:]*):(\d+)(?:-\d+)?$/.exec(rest);
  if (!hp) return undefined;
  const host = (hp[1] ?? '').replace(/^\[|\]$/g, '');
  return { host: host || undefined, port: Number(hp[2]) };
}

/** A name that gets a certificate (certmagic SubjectQualifiesForCert, placeholders excluded). */
function qualifies(name: string): boolean {
  return name !== '' && !/[\s{}]/.test(name) && !name.startsWith('.') && !name.endsWith('.') && !name.includes('*.*');
}

function ranges(list: string[]): string[] {
  return list.flatMap((a) => (a === 'private_ranges' ? PRIVATE_RANGES : [a]));
}

interface Walk {
  file: string;
  lineText: (line: number) => string;
  routes: ProxyRoute[];
  directives: NonNullable<CaddyExtra['proxyDirectives']>;
  siteId: string;
  hopTrusted?: { list: string[]; ref: Ref };
  redirect?: Ref;
  /** Host matchers of nested routes (a subroute's `match: [{host: [...]}]`): names the site answers to. */
  nestedHosts: string[];
}

/** `headers.request` of a handler: add, set, delete in Caddy's order (headers.go `HeaderOps.ApplyTo`). */
function headerOps(w: Walk, ops: J | undefined, from: HeaderRule['from']): HeaderRule[] {
  const out: HeaderRule[] = [];
  if (!ops) return out;
  const ref = (line: number): Ref => ({ file: w.file, line, snippet: w.lineText(line).trim() });
  for (const [verb, append] of [
    ['add', true],
    ['set', false],
  ] as const)
    for (const [name, v] of field(ops, verb)?.fields ?? [])
      out.push({
        name,
        value: caddyToTemplate(strs(v.node).join(', ')),
        ref: ref(v.key),
        from,
        sendEmpty: true,
        ...(append ? { append: true } : {}),
      });
  for (const d of field(ops, 'delete')?.items ?? []) {
    const name = str(d);
    if (name) out.push({ name, value: null, ref: ref(d.line), from });
  }
  for (const [name, v] of field(ops, 'replace')?.fields ?? [])
    out.push({ name, value: `{?replace ${name}}`, ref: ref(v.key), from });
  return out;
}

function upstreamOf(w: Walk, dial: string, line: number, tls: boolean): Upstream {
  const unix = /^unix\/(\/.+)$/.exec(dial);
  if (unix) return { text: dial, address: { kind: 'unix', path: unix[1] as string }, ref: { file: w.file, line } };
  return { text: dial, address: parseAddress(dial, tls ? 443 : 80), ref: { file: w.file, line } };
}

function matcherOf(route: J): { label?: string; path?: string } {
  for (const set of field(route, 'match')?.items ?? []) {
    const path = strs(field(set, 'path'))[0];
    if (path) return { label: path, path: path.startsWith('/') ? path.replace(/\*$/, '') || '/' : '/' };
  }
  return {};
}

function walkRoutes(
  w: Walk,
  routes: J | undefined,
  before: HeaderRule[],
  inherited: { label?: string; path?: string },
  depth: number,
): void {
  // Handlers of one route list form one middleware chain: a `headers` handler changes the request for every
  // later handler of the list and its subroutes.
  const pending = [...before];
  for (const route of routes?.items ?? []) {
    if (depth > 16) return;
    const own = matcherOf(route);
    const m = own.label ? own : inherited;
    // A nested route's host matcher narrows the hosts it serves (top-level ones make the site: readCaddyJson).
    if (depth > 0)
      for (const set of field(route, 'match')?.items ?? [])
        for (const h of strs(field(set, 'host'))) if (!w.nestedHosts.includes(h)) w.nestedHosts.push(h);
    for (const h of field(route, 'handle')?.items ?? []) {
      const kind = str(field(h, 'handler'));
      if (kind === 'subroute') walkRoutes(w, field(h, 'routes'), pending, m, depth + 1);
      else if (kind === 'headers') pending.push(...headerOps(w, field(h, 'request'), 'route'));
      else if (kind === 'static_response') {
        const status = Number(str(field(h, 'status_code')) ?? 0);
        const loc = strs(field(h, 'headers', 'Location'))[0] ?? '';
        if (status >= 300 && status < 400 && /^https:\/\//.test(loc))
          w.redirect ??= { file: w.file, line: h.line, snippet: `redirect to ${loc}` };
      } else if (kind === 'reverse_proxy') proxyRoute(w, h, pending, m);
    }
  }
}

function proxyRoute(w: Walk, h: J, before: HeaderRule[], m: { label?: string; path?: string }): void {
  const handlerLine = keyLine(h, 'handler') ?? h.line;
  const transport = field(h, 'transport');
  const fastcgi = str(field(transport, 'protocol')) === 'fastcgi';
  const tls = Boolean(field(transport, 'tls'));
  const ups = (field(h, 'upstreams')?.items ?? [])
    .map((u) => ({ dial: str(field(u, 'dial')), line: keyLine(u, 'dial') ?? u.line }))
    .filter((u): u is { dial: string; line: number } => Boolean(u.dial))
    .map((u) => upstreamOf(w, u.dial, u.line, tls));
  // `dynamic_upstreams` (Caddy 2.6+): `a` looks up `name` (A/AAAA) and dials `port`; `srv` and others are known only
  // at run time.
  const dyn = field(h, 'dynamic_upstreams');
  if (ups.length === 0 && dyn) {
    const line = keyLine(h, 'dynamic_upstreams') ?? dyn.line;
    const source = str(field(dyn, 'source')) ?? '';
    const name = str(field(dyn, 'name'));
    if (source === 'a' && name) {
      const port = str(field(dyn, 'port')) || (tls ? '443' : '80');
      ups.push({ ...upstreamOf(w, `${name}:${port}`, line, tls), text: `dynamic a ${name}:${port}` });
    } else
      ups.push({
        text: `dynamic ${source || 'upstreams'}${name ? ` ${name}` : ''}`,
        address: null,
        ref: { file: w.file, line, snippet: w.lineText(line).trim() },
      });
  }
  const trusted = field(h, 'trusted_proxies');
  if (trusted) {
    const line = keyLine(h, 'trusted_proxies') ?? trusted.line;
    w.hopTrusted = { list: ranges(strs(trusted)), ref: { file: w.file, line, snippet: w.lineText(line).trim() } };
  }
  const rules: HeaderRule[] = [...before, ...caddyDefaultRules(w.file, handlerLine)];
  if (fastcgi) {
    rules.push(caddyFastcgiHttps(w.file, handlerLine));
    const https = str(field(transport, 'env', 'HTTPS'));
    const envs = field(transport, 'env');
    if (https !== undefined) {
      const line = keyLine(envs, 'HTTPS') ?? handlerLine;
      rules.push(caddyFastcgiEnvHttps(https, { file: w.file, line, snippet: w.lineText(line).trim() }));
    }
  }
  rules.push(...headerOps(w, field(h, 'headers', 'request'), 'route'));
  const name = fastcgi ? 'reverse_proxy (fastcgi)' : 'reverse_proxy';
  w.directives.push({
    siteId: w.siteId,
    name,
    line: handlerLine,
    text: w.lineText(handlerLine),
    hasBlock: true,
    syntax: 'json',
  });
  // `headers.response.replace.Location` (what a Caddyfile's `header_down Location <regexp> <replacement>` adapts to).
  const redirectRewrites: RedirectRewrite[] = [];
  for (const [name, v] of field(h, 'headers', 'response', 'replace')?.fields ?? [])
    if (/^location$/i.test(name))
      for (const r of v.node?.items ?? []) {
        const search = str(field(r, 'search_regexp')) ?? str(field(r, 'search'));
        const replace = str(field(r, 'replace'));
        if (search !== undefined && replace !== undefined) {
          const regexp = str(field(r, 'search_regexp')) !== undefined;
          // A plain `search` is a substring: as a pattern, every character literal (and the replacement literal too).
          const literal = search.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          redirectRewrites.push({
            kind: 'replace',
            search: regexp ? search : literal,
            replace: regexp ? replace : replace.replace(/\$/g, '$$$$'),
            ref: { file: w.file, line: r.line, snippet: w.lineText(r.line).trim() },
            pattern: regexp ? readRe2(search) : { kind: 'ok', source: literal, flags: '' },
          });
        }
      }
  w.routes.push({
    id: `caddy:${w.file}:${handlerLine}`,
    match: `${name}${m.label ? ` ${m.label}` : ''}`,
    samplePath: m.path ?? '/',
    ref: { file: w.file, line: handlerLine, snippet: w.lineText(handlerLine).trim() },
    protocol: fastcgi ? 'fastcgi' : tls ? 'https' : 'http',
    upstreams: ups,
    headers: rules,
    ...(redirectRewrites.length ? { redirectRewrites } : {}),
  });
}

export function readCaddyJson(
  file: string,
  src: string,
): { config?: ProxyConfigFacts; errors: Array<{ line: number; message: string }> } {
  try {
    JSON.parse(src);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? src.slice(0, Number(pos[1])).split('\n').length : 1;
    return { errors: [{ line, message: `not valid JSON: ${msg.split('\n')[0]?.replace(/ in JSON at position \d+.*$/, '')}` }] };
  }
  const y = yaml();
  const lines = new y.LineCounter();
  const doc = y.parseDocument(src, { lineCounter: lines, uniqueKeys: false });
  const root = lined(doc.contents as Node | null, lines, 0);
  const http = field(root, 'apps', 'http');
  const servers = field(http, 'servers');
  if (!servers?.fields) return { errors: [] };
  const text = src.split(/\r?\n/);
  const lineText = (n: number) => text[n - 1] ?? '';
  const httpPort = Number(str(field(http, 'http_port')) ?? 80);
  const sites: ProxySite[] = [];
  const directives: NonNullable<CaddyExtra['proxyDirectives']> = [];
  let globalTrusted: CaddyExtra['globalTrusted'];
  // Host names a server of their own serves on the HTTP port: automatic HTTPS adds no redirect for them.
  const servedPlain = new Set<string>();
  for (const [, { node: srv }] of servers.fields) {
    const ports = (field(srv, 'listen')?.items ?? []).map((l) => listenAddress(str(l) ?? '')?.port);
    if (ports.length && ports.every((p) => p === httpPort))
      for (const r of field(srv, 'routes')?.items ?? [])
        for (const m of field(r, 'match')?.items ?? []) for (const h of strs(field(m, 'host'))) servedPlain.add(h.toLowerCase());
  }
  for (const [name, { key, node: srv }] of servers.fields) {
    const srvRef: Ref = { file, line: key, snippet: `server ${name}` };
    const wrappers = (field(srv, 'listener_wrappers')?.items ?? []).map((x) => str(field(x, 'wrapper')));
    const proxyProtocol = wrappers.includes('proxy_protocol');
    const listen = (field(srv, 'listen')?.items ?? [])
      .map((l) => ({ a: listenAddress(str(l) ?? ''), line: l.line }))
      .filter((l): l is { a: { host?: string; port: number }; line: number } => Boolean(l.a));
    const auto = field(srv, 'automatic_https');
    const skip = new Set(strs(field(auto, 'skip')));
    const topRoutes = field(srv, 'routes')?.items ?? [];
    const hostsOf = (r: J): string[] => {
      const sets = field(r, 'match')?.items ?? [];
      // A matcher set without a host matcher matches every host.
      if (sets.length === 0 || sets.some((s) => !field(s, 'host'))) return [];
      return sets.flatMap((s) => strs(field(s, 'host')));
    };
    const qualifying = topRoutes.flatMap(hostsOf).filter((h) => qualifies(h) && !skip.has(h));
    const policies = (field(srv, 'tls_connection_policies')?.items ?? []).length > 0;
    const onlyHttpPort = listen.length > 0 && listen.every((l) => l.a.port === httpPort);
    const disabled = field(auto, 'disable')?.value === true;
    const redirectsOff = disabled || field(auto, 'disable_redirects')?.value === true;
    const tls = policies || (!disabled && !onlyHttpPort && qualifying.length > 0);
    const serverTrusted = field(srv, 'trusted_proxies');
    let srvTrusted: { list: string[]; ref: Ref } | undefined;
    if (serverTrusted) {
      const line = keyLine(srv, 'trusted_proxies') ?? serverTrusted.line;
      srvTrusted = {
        list: ranges(strs(field(serverTrusted, 'ranges'))),
        ref: { file, line, snippet: `server ${name}: trusted_proxies ${strs(field(serverTrusted, 'ranges')).join(' ')}` },
      };
      globalTrusted ??= srvTrusted;
    }
    // One site per distinct host list, in the order the routes come (a Caddyfile site block is one such route).
    const groups = new Map<string, { hosts: string[]; routes: J[]; line: number }>();
    for (const r of topRoutes) {
      const hosts = hostsOf(r);
      const k = hosts.join(',');
      const g = groups.get(k) ?? { hosts, routes: [], line: r.line };
      g.routes.push(r);
      groups.set(k, g);
    }
    if (groups.size === 0) groups.set('', { hosts: [], routes: [], line: key });
    for (const g of groups.values()) {
      const siteId = `caddy:${file}:${g.line}`;
      const ref: Ref = { file, line: g.line, snippet: g.hosts.length ? g.hosts.join(', ') : `server ${name}` };
      const listeners: Listener[] = listen.map((l) => ({
        port: l.a.port,
        ...(l.a.host ? { address: l.a.host } : {}),
        tls,
        proxyProtocol,
        defaultServer: false,
        ref: { file, line: l.line, snippet: lineText(l.line).trim() },
      }));
      // Automatic HTTPS's HTTP->HTTPS redirect (autohttps.go): the site's qualifying names are also answered on the
      // HTTP port with a redirect decided by the connection alone.
      const autoRedirect =
        tls && !disabled && !redirectsOff && !listeners.some((l) => l.port === httpPort)
          ? g.hosts.find((h) => qualifies(h) && !skip.has(h) && !servedPlain.has(h.toLowerCase()))
          : undefined;
      if (autoRedirect)
        listeners.push({
          port: httpPort,
          tls: false,
          proxyProtocol: false,
          defaultServer: false,
          ref: {
            file,
            line: g.line,
            origin: 'default',
            snippet: `${autoRedirect}: Caddy's automatic HTTPS redirects http://${autoRedirect} to https on :${httpPort}`,
          },
        });
      const w: Walk = { file, lineText, routes: [], directives, siteId, nestedHosts: [] };
      walkRoutes(w, { line: g.line, value: undefined, items: g.routes }, [], {}, 0);
      const trusted = w.hopTrusted ?? srvTrusted;
      sites.push({
        id: siteId,
        label: caddySiteLabel(listeners, file, g.line),
        ref,
        // Without top-level host matchers, the hosts of nested routes are what the site answers to (a catch-all
        // server with `match: host` inside its subroute; they do not count for automatic HTTPS, which reads only
        // top-level host matchers).
        names: (g.hosts.length ? g.hosts : w.nestedHosts).filter((n) => n && n !== 'localhost' && !n.includes('{')),
        listeners,
        routes: w.routes,
        siteHeaders: [],
        passesIncoming: true,
        stripsUntrusted: ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'],
        trust: trusted
          ? { mode: 'list', list: trusted.list, ref: trusted.ref }
          : {
              mode: 'none',
              list: [],
              ref: { ...srvRef, origin: 'default' },
              missingAt: { file, line: keyLine(root, 'apps') ?? 1 },
            },
        ...(w.redirect
          ? { redirectsToHttps: w.redirect }
          : autoRedirect
            ? { redirectsToHttps: listeners[listeners.length - 1]?.ref as Ref, redirectDecidedBy: 'connection' as const }
            : {}),
        mode: 'http',
        notes: [],
      });
    }
  }
  const appsLine = keyLine(root, 'apps') ?? 1;
  const config: ProxyConfigFacts = {
    kind: 'caddy',
    file,
    sites,
    assumedVersion: '2.6.2',
    caddy: {
      format: 'json',
      ...(globalTrusted ? { globalTrusted } : {}),
      globalRef: { file, line: appsLine },
      hasGlobalBlock: false,
      proxyDirectives: directives,
    },
  };
  // Caddy compiles each search_regexp when it loads the config (headers.go Provision): one RE2 rejects stops it.
  const errors = sites.flatMap((site) =>
    site.routes.flatMap((r) =>
      (r.redirectRewrites ?? []).flatMap((rw) =>
        rw.kind === 'replace' && rw.pattern.kind === 'refused'
          ? [
              {
                line: rw.ref.line,
                message: `search_regexp ${JSON.stringify(rw.search)}: not a Go (RE2) regular expression (${rw.pattern.why}): Caddy refuses to load this config ("error parsing regexp": caddy adapt accepts it, caddy validate and caddy run do not)`,
              },
            ]
          : [],
      ),
    ),
  );
  return { config, errors };
}
