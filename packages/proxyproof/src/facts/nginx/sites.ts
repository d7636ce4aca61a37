/**
 * nginx -> neutral proxy facts (model/proxy.ts). The adapter that puts nginx on the same facts as Caddy, HAProxy,
 * Apache and Traefik: every server of the nginx facts model (facts/nginx: listeners, scopes with effective headers
 * and the drops that shaped them, real_ip, map/geo) becomes a `ProxySite` whose header values are written in the
 * chain's neutral template language, so the chain builder (`chain/topology/proxy.ts` `siteHop`) and the simulator
 * never read nginx syntax. Owner: issue 13.
 *
 * - one `ProxyConfigFacts` (kind `nginx`) per nginx config tree, one site per server (`nginx:<server index>`);
 * - a location (or the server level) that passes upstream is a route (`s<server>:<scope>`), a named location only
 *   when another location hands requests to it (`try_files ... @app`, `error_page ... = @app`);
 * - nginx passes the client's headers on unchanged (`trust.mode: 'passthrough'`); real_ip is `clientAddress`;
 * - `frontEvidence`: real_ip / proxy_protocol / a balancer's health check, or TLS only in a template branch;
 * - a server with no route is not a hop (`notAHop` says what it does: a redirect, static files), except a
 *   redirect-only server on plain listeners: the plain side of the TLS site of its names (`joinTlsSite`).
 */

import { listenerPortsText, parseAddress } from '../../chain/addr.js';
import type { HeaderRule, Listener, MapDef, ProxyRoute, RedirectDecidedBy, Ref, Template, Upstream } from '../../chain/model.js';
import { regexLocationSample } from '../../chain/topology/regex-sample.js';
import type { Facts } from '../../model/facts.js';
import type { ProxyConfigFacts, ProxySite } from '../../model/proxy.js';
import { joinTlsSite, type PlainRedirect } from '../redirect-sites.js';
import {
  displayFile,
  frontProxyEvidence,
  headerSnippetScope,
  includesThatMayChange,
  nginxModel,
  passingScopes,
} from './index.js';
import type { NginxHeaderEntry, NginxModel, NginxPass, NginxRef, NginxScope, NginxServer } from './types.js';

const VAR_MAP: Record<string, string> = {
  scheme: '{scheme}',
  https: '{https}',
  host: '{host}',
  http_host: '{http_host}',
  server_port: '{server_port}',
  remote_addr: '{remote_addr}',
  realip_remote_addr: '{peer_addr}',
  binary_remote_addr: '{remote_addr}',
  proxy_add_x_forwarded_for: '{xff_append}',
  proxy_host: '{proxy_host}',
  request_uri: '/',
  uri: '/',
  document_uri: '/',
};

/** The value of `key` in a cache, made (and kept) on the first ask. */
function memberOf<K extends object | string, V>(
  cache: { get(key: K): V | undefined; set(key: K, value: V): unknown },
  key: K,
  make: () => V,
): V {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    cache.set(key, v);
  }
  return v;
}

/**
 * One chain Ref per nginx ref and facts (a server's ref is asked for by its hop, routes and listeners), kept on the
 * nginx ref itself (its `chainRef`, with the sources it was made for): a ref the model no longer holds takes its
 * chain ref with it. ~700,000 calls at 10,000 servers; a WeakMap here held ~120,000 ephemeron entries.
 */
export function nginxRef(facts: Pick<Facts, 'sources'>, r: NginxRef | undefined, fallback?: Ref): Ref {
  if (!r) return fallback ?? { file: '(nginx)', line: 0 };
  if (r.chainRefOf === facts.sources) return r.chainRef as Ref;
  const ref: Ref = {
    file: displayFile(facts, r.file),
    line: r.line,
    snippet: r.text,
    origin: r.source === 'builtin' ? 'builtin' : 'literal',
  };
  r.chainRef = ref;
  r.chainRefOf = facts.sources;
  return ref;
}

/** The ref of one nginx default header in one file, shared by every route that gets it (read-only data). */
const defaultRefs = new Map<string, Ref>();
/** The same, by file and entry object (the model shares its default entries): no key string per route. */
const defaultRefsByEntry = new Map<string, Map<NginxHeaderEntry, Ref>>();
function defaultRef(file: string, e: NginxHeaderEntry): Ref {
  let byEntry = defaultRefsByEntry.get(file);
  let ref = byEntry?.get(e);
  if (ref) return ref;
  const key = `${file}\0${e.name}\0${e.value}`;
  ref = defaultRefs.get(key);
  if (!ref) {
    if (defaultRefs.size > 10_000) {
      defaultRefs.clear();
      defaultRefsByEntry.clear();
      byEntry = undefined;
    }
    ref = { file, line: 0, origin: 'default', snippet: `${e.name} ${e.value} (nginx default)` };
    defaultRefs.set(key, ref);
  }
  if (!byEntry) {
    byEntry = new Map();
    defaultRefsByEntry.set(file, byEntry);
  }
  if (byEntry.size > 10_000) byEntry.clear();
  byEntry.set(e, ref);
  return ref;
}

/**
 * Two `proxy_set_header` lines of one name (any case) in the level a route takes its headers from: nginx sends both
 * header lines, in the order written, and not the client's (checked on nginx 1.22.1: `X-Forwarded-Proto $scheme;`
 * then `X-Forwarded-Proto https;` reaches the backend as `X-Forwarded-Proto: http` and `X-Forwarded-Proto: https`;
 * an empty value is not sent and leaves the other). So a repeat with another value is appended, as HAProxy's
 * `add-header` is, and an empty repeat sends nothing (nor does an empty first line: the line after it is no repeat). A repeat of the same value stays a plain rule (the simulated
 * value is that one value): app servers that compare each header line (gunicorn's `secure_scheme_headers`,
 * http/message.py: every line must agree, else a 400) see one scheme; `proxy/forwarded-proto-appended` still
 * reports the repeat. Defaults never repeat (nginx adds them only for names not set). The rules are the route's own
 * (only defaults are shared, and they are not copied here).
 */
function repeatsAppended(rules: HeaderRule[]): HeaderRule[] {
  let out: HeaderRule[] | undefined;
  for (let i = 1; i < rules.length; i++) {
    const r = rules[i] as HeaderRule;
    let earlier: HeaderRule | undefined;
    for (let j = 0; j < i && earlier === undefined; j++) {
      const e = rules[j] as HeaderRule;
      // An earlier empty line sent nothing: the line after it is the only one of that name, not a repeat.
      if (e.value !== null && e.name.length === r.name.length && e.name.toLowerCase() === r.name.toLowerCase()) earlier = e;
    }
    if (earlier !== undefined && r.value !== earlier.value) {
      out ??= rules.slice(0, i);
      if (r.value !== null) out.push({ ...r, append: true });
    } else out?.push(r);
  }
  return out ?? rules;
}

/** The HTTPS variable Passenger's nginx module sets for the app, as a header rule of the route. */
function passengerHttpsRule(scopeRef: Ref): HeaderRule {
  return {
    name: 'HTTPS',
    value: '{https}',
    ref: { ...scopeRef, origin: 'default', snippet: 'Passenger (nginx): HTTPS=on only on a TLS connection' },
    from: 'default',
  };
}

/** `$host:$server_port` -> `{host}:{server_port}`; unknown variables become `{?$name}`. */
export function nginxToTemplate(value: string, maps: Set<string>, serverName?: string): Template {
  return value.replace(/\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_m, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b ?? '').toLowerCase();
    if (VAR_MAP[name] !== undefined) return VAR_MAP[name] as string;
    if (name === 'server_name' && serverName) return serverName;
    if (name.startsWith('http_')) return `{in:${name.slice(5).replace(/_/g, '-')}}`;
    if (maps.has(`$${name}`)) return `{map:$${name}}`;
    return `{?$${name}}`;
  });
}

/** The servers of an `upstream` block that take requests (not `down`). */
function upstreamBlockServers(facts: Pick<Facts, 'sources'>, upstream: NonNullable<NginxPass['upstream']>): Upstream[] {
  return upstream.servers
    .filter((s) => !s.params.includes('down'))
    .map((s) => ({
      text: s.address,
      address:
        s.unix !== undefined
          ? { kind: 'unix' as const, path: s.unix }
          : s.host !== undefined
            ? { kind: 'tcp' as const, host: s.host, port: s.port ?? 80 }
            : null,
      ref: nginxRef(facts, s.ref),
      group: upstream.name,
    }));
}

/** The last path segment (`split('/').pop()` without the array: asked once per server for its hop's label). */
function basenameOf(f: string): string {
  return f.slice(f.lastIndexOf('/') + 1);
}

/**
 * The location (or server) an `if` block with its own pass belongs to, when that block holds the level's only pass:
 * `location / { proxy_set_header ...; if (!-f $request_filename) { proxy_pass http://app; break; } }` (the old
 * Django/gunicorn guides' pattern) proxies every request its condition takes, with the location's headers (nginx gives
 * an `if` in a location a nested configuration that inherits the location's). Undefined when the location (or an
 * `if` between) passes on its own: the `if` is then a variant of that route.
 */
function ifOwner(server: NginxServer, scope: NginxScope): NginxScope | undefined {
  let at = scope.parent === undefined ? undefined : server.scopes[scope.parent];
  while (at?.kind === 'if') {
    if (at.pass && !at.passInherited) return undefined;
    at = at.parent === undefined ? undefined : server.scopes[at.parent];
  }
  if (!at || (at.kind !== 'location' && at.kind !== 'server') || (at.pass && !at.passInherited)) return undefined;
  return at;
}

function samplePathOf(scope: NginxScope): string | null {
  if (scope.kind === 'server') return '/';
  if (scope.kind !== 'location') return null;
  const m = scope.match.trim();
  if (m.startsWith('@')) return null;
  if (m.startsWith('=')) return m.slice(1).trim() || '/';
  if (m.startsWith('^~')) return m.slice(2).trim() || '/';
  if (m.startsWith('~')) return regexLocationSample(m);
  return m || '/';
}

/**
 * A named location is a route when another location hands requests to it (`try_files $uri @app`,
 * `error_page 404 = @app`): its sample path is that location's (a regex or named one: `/`).
 */
function namedSample(server: NginxServer, named: NginxScope): string | null {
  const name = named.match.trim();
  for (const s of server.scopes) {
    if (s === named || !s.fallbacks.some((f) => f.name === name)) continue;
    return samplePathOf(s) ?? '/';
  }
  return null;
}

function upstreamsOf(facts: Pick<Facts, 'sources'>, pass: NginxPass, block: HttpBlock): Upstream[] {
  if (pass.upstream) {
    // One list per upstream block, shared by every route that passes to it (read-only, like the rest of a site).
    let list = block.upstreams.get(pass.upstream);
    if (list === undefined) {
      list = upstreamBlockServers(facts, pass.upstream);
      block.upstreams.set(pass.upstream, list);
    }
    return list;
  }
  const ref = nginxRef(facts, pass.ref);
  if (pass.variable && !pass.setBy) return [{ text: pass.target, address: null, ref }];
  if (pass.unix !== undefined) return [{ text: pass.target, address: { kind: 'unix', path: pass.unix }, ref }];
  if (pass.host !== undefined) {
    const port = pass.port ?? (pass.scheme === 'https' || pass.scheme === 'grpcs' ? 443 : 80);
    return [{ text: pass.target, address: { kind: 'tcp', host: pass.host, port }, ref }];
  }
  return [{ text: pass.target, address: parseAddress(pass.target), ref }];
}

/**
 * nginxToTemplate's answers for the header values of one http block (its map names are fixed), shared by its servers:
 * only `$server_name` depends on the server, and a value naming it is not kept.
 */
type TemplateCache = Map<string, Template>;

function cachedTemplate(value: string, maps: Set<string>, serverName: string | undefined, cache: TemplateCache): Template {
  let t = cache.get(value);
  if (t === undefined) {
    t = nginxToTemplate(value, maps, serverName);
    if (!/server_name/i.test(value) && cache.size < 100_000) cache.set(value, t);
  }
  return t;
}

/**
 * The rule of one nginx default header (the model shares its default entries), per http block's template cache and
 * file: every route that gets the default gets this one read-only object (10,000 servers: ~140,000 rules fewer). Its
 * value, ref and `from` depend on nothing else (a default value names no `$server_name`).
 */
const defaultRules = new WeakMap<TemplateCache, Map<string, Map<NginxHeaderEntry, HeaderRule>>>();

/** What the header rules of one route are made in: built once per route, shared by each of its rules. */
interface RuleContext {
  facts: Pick<Facts, 'sources'>;
  scope: NginxScope;
  /** The http block's map and geo variable names. */
  maps: Set<string>;
  serverName: string | undefined;
  scopeRef: Ref;
  cache: TemplateCache;
  /** The shared default rules of this http block and file: looked up on the route's first default entry. */
  defaults: Map<NginxHeaderEntry, HeaderRule> | undefined;
}

function ruleOf(e: NginxHeaderEntry, ctx: RuleContext): HeaderRule {
  if (e.origin !== 'default') return makeRule(e, ctx);
  let byEntry = ctx.defaults;
  if (byEntry === undefined) {
    const byFile = memberOf(defaultRules, ctx.cache, () => new Map<string, Map<NginxHeaderEntry, HeaderRule>>());
    byEntry = memberOf(byFile, ctx.scopeRef.file, () => new Map<NginxHeaderEntry, HeaderRule>());
    ctx.defaults = byEntry;
  }
  // Asked for by every route that gets the default: no closure per ask.
  let rule = byEntry.get(e);
  if (rule === undefined) {
    rule = makeRule(e, ctx);
    byEntry.set(e, rule);
  }
  return rule;
}

function makeRule(e: NginxHeaderEntry, ctx: RuleContext): HeaderRule {
  const { facts, scope, maps, serverName, scopeRef, cache } = ctx;
  const from: HeaderRule['from'] =
    e.origin === 'default'
      ? 'default'
      : e.ref?.source === 'builtin' || (e.ref?.includedVia.length ?? 0) > scope.ref.includedVia.length
        ? // Written in a file included inside the scope (proxy_params), not in the scope's own file: a server
          // file that nginx.conf includes (sites-enabled/*) is the scope's own file for every line in it.
          'builtin-include'
        : e.level === scope.kind
          ? 'route'
          : 'inherited';
  return {
    name: e.name,
    value: e.value === '' ? null : cachedTemplate(e.value, maps, serverName, cache),
    ref: e.origin === 'default' ? defaultRef(scopeRef.file, e) : nginxRef(facts, e.ref, scopeRef),
    from: from === 'builtin-include' && e.level !== scope.kind && e.origin !== 'default' ? 'inherited' : from,
  };
}

/**
 * Built once per analysis: the chain and every generic proxy check ask for the same sites (10,000 nginx servers
 * were built five times over, a third of a 10k lint's CPU). Keyed by the facts, valid while the model is the same
 * (the model is rebuilt when configs are added). Callers only read the sites; the planner deep-clones what it edits.
 */
const sitesOf = new WeakMap<Facts, { model: NginxModel; configs: ProxyConfigFacts[] }>();

/**
 * The nginx servers of the facts as neutral proxy configs (one per config tree that has servers). A model that
 * cannot be built is a warning diagnostic and no sites.
 */

export function nginxProxyConfigs(facts: Facts): ProxyConfigFacts[] {
  let model: NginxModel;
  try {
    model = nginxModel(facts);
  } catch (e) {
    facts.diagnostics.push({
      level: 'warning',
      message: `nginx model could not be built: ${(e as Error).message}`,
      file: '(nginx)',
    });
    return [];
  }
  const hit = sitesOf.get(facts);
  if (hit && hit.model === model) return hit.configs;
  const byConfig = new Map<number, ProxyConfigFacts>();
  const blocks = new Map<number, HttpBlock>();
  const anyRealTls = model.servers.some((x) => x.tls && !x.tlsOnlyInBranch);
  const pending: PlainRedirect[] = [];
  const servers = model.servers;
  for (let k = 0; k < servers.length; k++) {
    const server = servers[k] as NginxServer;
    // A headers snippet nothing includes proxies nothing by itself and listens nowhere: its lines are judged by the
    // layer checks, and no chain hop stands for it.
    if (headerSnippetScope(server)) continue;
    let block = blocks.get(server.http);
    if (!block) {
      block = httpBlockOf(model, server.http);
      blocks.set(server.http, block);
    }
    const configIndex = model.https[server.http]?.config ?? 0;
    let config = byConfig.get(configIndex);
    if (!config) {
      const tree = facts.nginx.configs[configIndex];
      const entry = tree?.config[0]?.file;
      config = { kind: 'nginx', file: entry ? displayFile(facts, entry) : nginxRef(facts, server.ref).file, sites: [] };
      byConfig.set(configIndex, config);
    }
    const site = siteOf(facts, model, server, block, anyRealTls);
    config.sites.push(site);
    const plain = redirectOnly(facts, server);
    if (plain) pending.push({ config, site, ...plain, decidedBy: 'connection' });
  }
  for (const p of pending) joinTlsSite(p);
  const configs = [...byConfig.values()];
  sitesOf.set(facts, { model, configs });
  return configs;
}

/**
 * A server with no route whose every listener is plain and which sends every request to `https://...` (a
 * server-level or `location /` `return 3xx https://...` or catch-all `rewrite ... https://... permanent`, not inside
 * an `if`): the
 * plain side of the TLS site of its names. nginx answers every request there with the redirect whatever its
 * headers say (checked on nginx 1.22: `X-Forwarded-Proto: https` changes nothing), so it is decided by the
 * connection.
 */
function redirectOnly(facts: Facts, server: NginxServer): { listeners: Listener[]; redirect: Ref } | undefined {
  // (A loop, not `some` with a closure: asked once per server.)
  for (let k = 0; k < server.scopes.length; k++) if ((server.scopes[k] as NginxScope).pass) return undefined;
  // The server level's, else `location / { return 301 https://...; }` (every path no other location takes:
  // the other locations of such a server serve files, an ACME challenge folder).
  const r =
    server.redirects.find((x) => x.unconditional) ??
    server.scopes
      .find((s) => s.kind === 'location' && s.parent === 0 && s.match.trim() === '/')
      ?.redirects.find((x) => x.unconditional);
  if (r?.targetScheme?.toLowerCase() !== 'https') return undefined;
  const listeners: Listener[] = [];
  for (const l of server.listens) {
    if (l.ssl || l.portUnknown || l.unix !== undefined) return undefined;
    if (l.port === undefined || listeners.some((x) => x.port === l.port)) continue;
    listeners.push({
      port: l.port,
      address: l.address === '*' || l.address === '[::]' ? undefined : l.address,
      tls: false,
      proxyProtocol: l.proxyProtocol,
      defaultServer: l.defaultServer,
      ref: l.ref
        ? nginxRef(facts, l.ref)
        : { ...nginxRef(facts, server.ref), origin: 'default', snippet: 'listen 80 (nginx default: no listen directive)' },
    });
  }
  return listeners.length ? { listeners, redirect: nginxRef(facts, r.ref) } : undefined;
}

/** What every server of one http block shares: its template cache and its map and geo variable names. */
interface HttpBlock {
  cache: TemplateCache;
  mapNames: Set<string>;
  /** upstreamsOf's answer per `upstream` block of this http block. */
  upstreams: Map<NonNullable<NginxPass['upstream']>, Upstream[]>;
}

function httpBlockOf(model: NginxModel, index: number): HttpBlock {
  const mapNames = new Set<string>();
  for (const v of model.https[index]?.variables ?? []) if (v.kind === 'map' || v.kind === 'geo') mapNames.add(v.name);
  return { cache: new Map(), mapNames, upstreams: new Map() };
}

function siteOf(facts: Facts, model: NginxModel, server: NginxServer, block: HttpBlock, anyRealTls: boolean): ProxySite {
  const sref = nginxRef(facts, server.ref);
  const http = model.https[server.http];
  const { cache, mapNames } = block;
  const names = server.serverNames.filter((n) => n && n !== '_' && !n.startsWith('~') && n !== '""');
  const serverName = names[0];
  const routes: ProxyRoute[] = [];
  const routeRedirects = locationIfRedirects(facts, server);
  // Indexed loops in this function and the per-server helpers below: it runs once per server (10,000 in a mass-hosting
  // config) in code V8 leaves unoptimised (commands/tier-up.ts), where `for...of`, `map` and `filter` with a closure
  // allocate an iterator, a result or a closure per step.
  const passing = passingScopes(server);
  for (let k = 0; k < passing.length; k++) {
    const scope = passing[k] as NginxScope;
    const pass = scope.pass;
    if (!pass) continue;
    // An `if` that holds its location's only pass is that location's route (see ifOwner): the location's path, the
    // headers the `if` inherits from it (proxy_set_header is not allowed in `if`), the `if` as the place it proxies.
    const owner = scope.kind === 'if' ? ifOwner(server, scope) : scope;
    if (!owner) continue;
    const sample =
      owner.kind === 'location' && owner.match.trim().startsWith('@') ? namedSample(server, owner) : samplePathOf(owner);
    if (sample === null) continue;
    const kind = pass.kind;
    const sset = scope.headers[kind];
    const scopeRef = nginxRef(facts, scope.ref);
    const ruleContext: RuleContext = { facts, scope, maps: mapNames, serverName, scopeRef, cache, defaults: undefined };
    // Only HTTP headers go out twice: a repeated fastcgi/uwsgi/scgi param is a table entry the app server overwrites
    // (php-fpm keeps the last `SERVER_PORT`), which the rules' order already gives.
    const written: HeaderRule[] = [];
    for (let i = 0; i < sset.entries.length; i++) written.push(ruleOf(sset.entries[i] as NginxHeaderEntry, ruleContext));
    const rules = kind === 'proxy' ? repeatsAppended(written) : written;
    // Passenger's nginx module hands the app HTTPS=on only when nginx's own connection is TLS (the request's `S`
    // flag, ContentHandler.c); a client's `HTTPS:` header reaches Rack as HTTP_HTTPS, not HTTPS.
    if (kind === 'passenger') rules.unshift(passengerHttpsRule(nginxRef(facts, pass.ref)));
    const innermost = sset.drops[0];
    const unread = includesThatMayChange(server, scope, sset);
    const dropped = innermost
      ? innermost.dropped.map((e) => ({
          ...ruleOf(e, ruleContext),
          from: 'inherited' as const,
        }))
      : undefined;
    routes.push({
      id: `s${server.index}:${scope.index}`,
      match: `${owner.kind === 'server' ? 'server' : `location ${owner.match}`}${owner === scope ? '' : ` if (${scope.match})`}`,
      samplePath: sample,
      ref: scopeRef,
      protocol:
        kind === 'proxy'
          ? pass.scheme === 'https'
            ? 'https'
            : 'http'
          : kind === 'grpc'
            ? 'grpc'
            : kind === 'passenger'
              ? 'http'
              : kind,
      ...(kind === 'passenger' ? { headerDirective: 'passenger_set_header' } : {}),
      upstreams: upstreamsOf(facts, pass, block),
      headers: rules,
      dropped,
      ownHeadersRef: innermost ? nginxRef(facts, innermost.by) : undefined,
      ...(unread.length > 0 ? { headersMayChange: unread.map((r) => nginxRef(facts, r)) } : {}),
      ...routeRedirects.get(scope),
      ...(scope.restricted ? { restricted: { kind: scope.restricted.kind, ref: nginxRef(facts, scope.restricted.ref) } } : {}),
    });
  }
  const trust = { mode: 'passthrough' as const, list: [], ref: sref };
  if (routes.length === 0) {
    // Not a hop: what the doctor lists under the other servers it found.
    const ports = [...new Set(server.listens.map((l) => l.port).filter((p): p is number => p !== undefined))];
    const redirect =
      server.redirects.find((r) => r.unconditional) ??
      server.scopes.flatMap((s) => s.redirects).find((r) => r.unconditional && r.targetScheme === 'https');
    return {
      id: `nginx:${server.index}`,
      label: `nginx :${ports.join(',')} (${basenameOf(sref.file)}:${sref.line})`,
      ref: sref,
      names,
      listeners: [],
      routes,
      siteHeaders: [],
      passesIncoming: true,
      trust,
      mode: 'http',
      notes: [],
      notAHop: redirect ? `redirects to ${redirect.target}` : 'proxies nothing (static files or return only)',
    };
  }
  const maps: Record<string, MapDef> = {};
  let anyMap = false;
  for (const v of http?.variables ?? []) {
    if (v.kind === 'geo') {
      // The address before real_ip ($realip_remote_addr) is the TCP peer; $remote_addr is real_ip's answer.
      const src = v.source.trim().toLowerCase();
      const source = src === '$realip_remote_addr' ? '{peer_addr}' : src === '$remote_addr' ? '{remote_addr}' : null;
      if (!source) continue;
      maps[v.name] = {
        source,
        entries: v.entries.map((e) => ({ key: e.key, value: nginxToTemplate(e.value, mapNames, serverName) })),
        default: nginxToTemplate(v.default ?? '', mapNames, serverName),
        ref: nginxRef(facts, v.ref),
        geo: true,
      };
      anyMap = true;
      continue;
    }
    if (v.kind !== 'map') continue;
    maps[v.name] = {
      source: nginxToTemplate(v.source, mapNames, serverName),
      entries: v.entries.map((e) => ({ key: e.key, value: nginxToTemplate(e.value, mapNames, serverName) })),
      default: nginxToTemplate(v.default ?? '', mapNames, serverName),
      ref: nginxRef(facts, v.ref),
    };
    anyMap = true;
  }
  const listeners: Listener[] = [];
  // TLS only in a template branch (`listen 80{% if tls %} ssl{% endif %}`): simulated as rendered without it, as the
  // nginx checks judge it (terminatorEvidence): plain listeners, TLS ended by whatever is in front (frontEvidence).
  // Listeners written only inside the branch do not exist in that rendering, unless every listener is.
  const branch = server.tlsOnlyInBranch?.templateBranch;
  const unbranched = branch ? server.listens.filter((l) => !l.ref?.templateBranch) : server.listens;
  const listens = branch && unbranched.length > 0 ? unbranched : server.listens;
  for (let k = 0; k < listens.length; k++) {
    const l = listens[k] as (typeof listens)[number];
    if (l.port === undefined) continue;
    const tls = l.ssl && !branch;
    if (hasListener(listeners, l.port, tls)) continue;
    listeners.push({
      port: l.port,
      address: l.address === '*' || l.address === '[::]' ? undefined : l.address,
      tls,
      proxyProtocol: l.proxyProtocol,
      defaultServer: l.defaultServer,
      ref: l.ref
        ? nginxRef(facts, l.ref)
        : { ...sref, origin: 'default', snippet: 'listen 80 (nginx default: no listen directive)' },
      ...(l.portUnknown ? { portUnknown: true } : {}),
    });
  }
  const ri = server.realIp;
  const front = frontProxyEvidence(server);
  if (server.tlsOnlyInBranch?.templateBranch && !anyRealTls) front.push(server.tlsOnlyInBranch);
  const schemeRedirect = ifSchemeRedirect(server);
  return {
    id: `nginx:${server.index}`,
    label: `nginx :${listenerPortsText(listeners)} (${basenameOf(sref.file)}:${sref.line})`,
    ref: sref,
    names,
    listeners,
    routes,
    siteHeaders: [],
    passesIncoming: everyPassesRequestHeaders(passing),
    underscoreNames: server.underscoreHeaders ? 'keep' : 'drop',
    trust,
    clientAddress:
      ri.from.length > 0
        ? {
            trustedFrom: ri.from.map((f) => f.value),
            header: ri.header?.value ?? 'X-Real-IP',
            recursive: ri.recursive?.value ?? false,
            ref: nginxRef(facts, ri.header?.ref ?? ri.from[0]?.ref),
          }
        : undefined,
    ...(anyMap ? { maps } : {}),
    ...(front.length ? { frontEvidence: front.map((r) => nginxRef(facts, r)) } : {}),
    ...(listeners.length === 0 ? { listenersUnknown: true } : {}),
    ...(schemeRedirect
      ? { redirectsToHttps: nginxRef(facts, schemeRedirect.ref), redirectDecidedBy: schemeRedirect.decidedBy }
      : {}),
    mode: 'http',
    notes: [],
  };
}

/** Whether a listener of that port and TLS is in the list already. */
function hasListener(listeners: readonly Listener[], port: number, tls: boolean): boolean {
  for (let i = 0; i < listeners.length; i++) {
    const x = listeners[i] as Listener;
    if (x.port === port && x.tls === tls) return true;
  }
  return false;
}

function everyPassesRequestHeaders(scopes: readonly NginxScope[]): boolean {
  for (let i = 0; i < scopes.length; i++) if (!(scopes[i] as NginxScope).passRequestHeaders) return false;
  return true;
}

/**
 * The `if (...) { return 301 https://... }` written directly in each location other than `location /` (nginx runs it
 * only for the requests that location handles): that route's own redirect. One pass over the server's scopes.
 */
function locationIfRedirects(facts: Facts, server: NginxServer): ReadonlyMap<NginxScope, LocationIfRedirect> {
  // Made on the first such redirect: most servers have none (10,000 servers: 10,000 empty maps otherwise).
  let out: Map<NginxScope, LocationIfRedirect> | undefined;
  const scopes = server.scopes;
  for (let k = 0; k < scopes.length; k++) {
    const s = scopes[k] as NginxScope;
    if (s.kind !== 'if' || s.parent === undefined) continue;
    const parent = server.scopes[s.parent];
    if (parent?.kind !== 'location' || everyPath(parent) || out?.has(parent)) continue;
    const r = ifRedirect(s);
    if (r) {
      out ??= new Map();
      out.set(parent, { redirectsToHttps: nginxRef(facts, r.ref), redirectDecidedBy: r.decidedBy });
    }
  }
  return out ?? NO_LOCATION_IF_REDIRECTS;
}

type LocationIfRedirect = Pick<ProxyRoute, 'redirectsToHttps' | 'redirectDecidedBy'>;
/** locationIfRedirects' answer for a server without any (shared, never written to). */
const NO_LOCATION_IF_REDIRECTS: ReadonlyMap<NginxScope, LocationIfRedirect> = new Map();

/** The server level, or `location /` directly in it: the scopes whose `if`s every request runs. */
function everyPath(scope: NginxScope | undefined): boolean {
  return scope?.kind === 'server' || (scope?.kind === 'location' && scope.parent === 0 && scope.match.trim() === '/');
}

/**
 * A server that proxies and also redirects plain HTTP to https under an `if` that tests the scheme, at the server
 * level or in `location /` (every path): `if ($scheme = http)`, `if ($https = "")` decide by nginx's own connection
 * (behind a TLS load balancer always http: a loop); `if ($http_x_forwarded_proto != "https")` by the request's
 * header, whoever sent it (nginx's `$http_*` is the raw header); `if ($http_x_forwarded_proto = http)` by the header's
 * own `http` only (a request without it is not redirected).
 */
function ifSchemeRedirect(server: NginxServer): { ref: NginxServer['ref']; decidedBy: RedirectDecidedBy } | undefined {
  const scopes = server.scopes;
  for (let k = 0; k < scopes.length; k++) {
    const s = scopes[k] as NginxScope;
    if (s.kind !== 'if' || s.parent === undefined || !everyPath(server.scopes[s.parent])) continue;
    const r = ifRedirect(s);
    if (r) return r;
  }
  return undefined;
}

/** An `if` scope's redirect to https under a scheme test. */
function ifRedirect(s: NginxScope): { ref: NginxServer['ref']; decidedBy: RedirectDecidedBy } | undefined {
  // Written inside a template branch (`{% if tls %}`): it exists only in the renderings that keep the branch,
  // which are not the one simulated when the branch also holds the TLS listener (tlsOnlyInBranch).
  if (s.ref.templateBranch) return undefined;
  const r = s.redirects.find((x) => x.targetScheme?.toLowerCase() === 'https' && !x.ref.templateBranch);
  const decidedBy = r ? schemeTestOf(s.match) : undefined;
  return r && decidedBy ? { ref: r.ref, decidedBy } : undefined;
}

/**
 * What an `if` condition that is true for plain HTTP reads: the connection's scheme, X-Forwarded-Proto when it is
 * not `https` (true without the header), or X-Forwarded-Proto when it is `http` (false without the header: nginx's
 * `$http_x_forwarded_proto` is then empty).
 */
export function schemeTestOf(condition: string): RedirectDecidedBy | undefined {
  const c = condition
    .trim()
    .replace(/^\(\s*|\s*\)$/g, '')
    .replace(/["']/g, '')
    .trim();
  if (/^\$scheme\s*=\s*http$/i.test(c) || /^\$scheme\s*!=\s*https$/i.test(c)) return 'connection';
  if (/^\$https\s*=$/.test(c) || /^\$https\s*!=\s*on$/i.test(c)) return 'connection';
  if (/^\$http_x_forwarded_proto\s*!=\s*https$/i.test(c) || /^\$http_x_forwarded_proto\s*!~\*?\s*\^?https\$?$/i.test(c))
    return 'forwarded-proto-any';
  // `~ ^http$` (anchored both ends; `~ http` would also match "https").
  if (/^\$http_x_forwarded_proto\s*=\s*http$/i.test(c) || /^\$http_x_forwarded_proto\s*~\*?\s*\^http\$$/i.test(c))
    return 'forwarded-proto-http';
  return undefined;
}
