/**
 * The nginx facts API that checks and the chain simulator use.
 *
 *  - `nginxModel(facts)`: the memoized semantic model (types.ts): `https[]` (upstreams, map/geo
 *    variables) and `servers[]`, each with listeners (TLS, PROXY protocol, defaults), realip
 *    settings, redirects, `set` variables and `scopes[]` — scopes[0] is the server level, then every
 *    location / if / limit_except with `parent`, its `pass` (proxy/grpc/uwsgi/fastcgi/scgi, upstream
 *    resolved) and `headers[kind]`: the effective upstream headers/params after inheritance, with
 *    nginx's defaults, provenance (`ref`: file, line, built-in or not, include chain) and `drops`.
 *  - Queries: `passingScopes`, `headerEntry`, `sends`, `schemeHeaders`, `schemeExpression`,
 *    `frontProxyEvidence`, `traceValue` (client-controlled? guarded by a peer-address map/geo?),
 *    `selectServer` / `selectLocation` (which server and location answer a request).
 *  - Evidence helpers: `displayFile` (tree path -> facts.sources key), `sourceLines`, `indentationAt`.
 *  - `buildNginxFacts(configs)` fills NginxFacts' derived fields eagerly (same data).
 */
import type { NginxConfigTree } from '../../collectors/nginx/ast.js';
import type { Facts } from '../../model/facts.js';
import { buildNginxModel, variablesIn } from './build.js';
import type {
  NginxFacts,
  NginxHeaderEntry,
  NginxHeaderSet,
  NginxModel,
  NginxRef,
  NginxScope,
  NginxServer,
  NginxValueTrace,
  NginxVariableDef,
} from './types.js';

export {
  buildNginxModel,
  directiveText,
  HEADER_DIRECTIVE,
  PASS_DIRECTIVE,
  PASS_KINDS,
  PROXY_DEFAULT_HEADERS,
  parseListen,
  parsePass,
  rewriteMatchesEveryUri,
  variablesIn,
} from './build.js';
export { type RouteRequest, selectLocation, selectServer } from './route.js';
export type * from './types.js';

/** The collector's trees plus everything derived from them. */
export function buildNginxFacts(configs: NginxConfigTree[]): NginxFacts {
  const m = buildNginxModel(configs);
  return { configs, https: m.https, servers: m.servers };
}

const memo = new WeakMap<NginxConfigTree[], { count: number; model: NginxModel }>();

/**
 * The nginx model of these facts, computed once per set of configs. Checks call this instead of
 * walking trees; it needs no engine step (the collector only fills `facts.nginx.configs`).
 */
export function nginxModel(facts: Pick<Facts, 'nginx'>): NginxModel {
  const n = facts.nginx;
  if (n.https && n.servers) return { https: n.https, servers: n.servers };
  const hit = memo.get(n.configs);
  if (hit && hit.count === n.configs.length) return hit.model;
  const model = buildNginxModel(n.configs);
  memo.set(n.configs, { count: n.configs.length, model });
  return model;
}

// ---------------------------------------------------------------------------------------------
// Header queries

/** The first entry named `name` (case-insensitive) in an effective set, defaults included. */
export function headerEntry(set: NginxHeaderSet, name: string): NginxHeaderEntry | undefined {
  const lower = name.toLowerCase();
  return set.entries.find((e) => e.name.toLowerCase() === lower);
}

/** True when nginx sends the header/param: present with a non-empty value (or an `if_not_empty` value that can be set). */
export function sends(set: NginxHeaderSet, name: string): boolean {
  const e = headerEntry(set, name);
  return e !== undefined && e.value !== '';
}

/**
 * Headers an application can take the scheme from. X-Forwarded-Proto and RFC 7239 `Forwarded`
 * (with `proto=`) are the standard ones; the rest are read by gunicorn's default
 * secure_scheme_headers (X-Forwarded-Protocol, X-Forwarded-Ssl) or common middleware.
 */
export const SCHEME_HEADER_NAMES = [
  'X-Forwarded-Proto',
  'Forwarded',
  'X-Forwarded-Protocol',
  'X-Forwarded-Ssl',
  'X-Forwarded-Scheme',
  'X-Scheme',
  'X-Url-Scheme',
  'Front-End-Https',
] as const;

const SCHEME_HEADER_LOWER = new Set<string>(SCHEME_HEADER_NAMES.map((s) => s.toLowerCase()));

/**
 * Entries of a proxy/grpc set that carry the scheme (Forwarded only when it has a `proto=` element).
 * The model's sets are read-only and shared by the scopes that inherit them: each set's answer is computed once,
 * not once per scope and check (eight checks ask, 10,000 servers: ~300,000 lower-cased names per check).
 */
const schemeHeadersOf = new WeakMap<NginxHeaderSet, NginxHeaderEntry[]>();

export function schemeHeaders(set: NginxHeaderSet): NginxHeaderEntry[] {
  let found = schemeHeadersOf.get(set);
  if (found === undefined) {
    found = schemeHeadersIn(set);
    schemeHeadersOf.set(set, found);
  }
  return found;
}

function schemeHeadersIn(set: NginxHeaderSet): NginxHeaderEntry[] {
  return set.entries.filter((e) => {
    if (e.value === '') return false;
    const n = e.name.toLowerCase();
    if (n === 'forwarded') return /(^|[;,\s"])proto=/i.test(e.value);
    return SCHEME_HEADER_LOWER.has(n);
  });
}

/** The expression giving the scheme in a scheme header: the `proto=` part of Forwarded, else the whole value. */
export function schemeExpression(e: NginxHeaderEntry): string {
  if (e.name.toLowerCase() === 'forwarded') {
    const m = /(?:^|[;,\s"])proto=("?)([^;,"\s]*)\1/i.exec(e.value);
    return m?.[2] ?? e.value;
  }
  return e.value;
}

/** CGI-style params an application server reads the scheme from (uWSGI: UWSGI_SCHEME, HTTPS; PHP: HTTPS). */
// (`uwsgi_param wsgi.url_scheme ...` has no effect: uWSGI's Python plugin sets that key itself after the vars.)
export const UWSGI_SCHEME_PARAMS = ['UWSGI_SCHEME', 'HTTPS', 'HTTP_X_FORWARDED_PROTO'] as const;
export const FASTCGI_SCHEME_PARAMS = ['HTTPS', 'HTTP_X_FORWARDED_PROTO'] as const;

// ---------------------------------------------------------------------------------------------
// Scopes

/** The scope and its ancestors, outermost (the server scope) first. */
export function scopeChain(server: NginxServer, scope: NginxScope): NginxScope[] {
  const out: NginxScope[] = [];
  let s: NginxScope | undefined = scope;
  for (let guard = 0; s && guard < 128; guard++) {
    out.unshift(s);
    s = s.parent === undefined ? undefined : server.scopes[s.parent];
  }
  return out;
}

/** passingScopes' answer per server (a dozen checks and the chain ask for every server; callers only read it). */
const passingOf = new WeakMap<NginxServer, { scopes: readonly NginxScope[]; n: number; passing: readonly NginxScope[] }>();

/**
 * Scopes that pass requests upstream with their own configuration: a location (or `if`/`limit_except`
 * with its own *_pass) that does not `return` first. An `if` that only inherits its location's pass
 * sends the same headers (proxy_set_header is not allowed inside `if`), so it is not listed twice.
 */
export function passingScopes(server: NginxServer): readonly NginxScope[] {
  const hit = passingOf.get(server);
  if (hit && hit.scopes === server.scopes && hit.n === server.scopes.length) return hit.passing;
  const passing = server.scopes.filter((s) => s.pass !== undefined && !s.passInherited && !s.returns);
  passingOf.set(server, { scopes: server.scopes, n: server.scopes.length, passing });
  return passing;
}

/**
 * A headers snippet read as a server include (a file of `proxy_set_header` lines no file here includes:
 * NginxServer.fragment, no listen and no *_pass of its own): its server level, whose proxy headers every
 * `proxy_pass` of the block that includes it sends. Undefined for any other server.
 */
export function headerSnippetScope(server: NginxServer): NginxScope | undefined {
  if (!server.fragment || server.listens.length > 0) return undefined;
  const top = server.scopes[0];
  if (top?.headers.proxy.fromScope !== 0 || server.scopes.some((s) => s.pass !== undefined)) return undefined;
  return top;
}

/** The scope whose own directives define a set (or undefined: the http level, or no level). */
export function setOwner(server: NginxServer, set: NginxHeaderSet): NginxScope | undefined {
  return set.fromScope !== undefined && set.fromScope >= 0 ? server.scopes[set.fromScope] : undefined;
}

/**
 * The unresolved includes that could change a scope's effective set of one kind: those written at the level
 * that owns the set or deeper (a level that writes its own directives of a kind inherits none from outer
 * levels, so an unreadable include above the owner cannot add to it). With no owner (defaults only, or the
 * http level), every unresolved include on the way counts.
 */
export function includesThatMayChange(server: NginxServer, scope: NginxScope, set: NginxHeaderSet): NginxRef[] {
  // A scope's unresolvedIncludes are every level's own, http to itself: none there, none in any part of the chain (the
  // common case, answered without the chain's three arrays; asked per route by the chain and by checks).
  if (set.fromScope === undefined || set.fromScope < 0 || scope.unresolvedIncludes.length === 0) return scope.unresolvedIncludes;
  const chain = scopeChain(server, scope);
  const at = chain.findIndex((s) => s.index === set.fromScope);
  if (at < 0) return scope.unresolvedIncludes;
  return chain.slice(at).flatMap((s) => s.ownUnresolvedIncludes);
}

/** Listeners nginx accepts plain HTTP on / TLS on. */
export function plainListens(server: NginxServer) {
  return server.listens.filter((l) => !l.ssl);
}
export function tlsListens(server: NginxServer) {
  return server.listens.filter((l) => l.ssl);
}

/**
 * Evidence that a server sits behind another proxy or load balancer (which may end TLS):
 * realip trusting a source, or PROXY protocol on a listener.
 */
export function frontProxyEvidence(server: NginxServer): NginxRef[] {
  const refs: NginxRef[] = [];
  for (const l of server.listens) if (l.proxyProtocol && l.ref) refs.push(l.ref);
  if (server.realIp.from.length > 0) {
    if (server.realIp.header) refs.push(server.realIp.header.ref);
    refs.push(...server.realIp.from.map((f) => f.ref));
  }
  if (refs.length === 0 && !server.tls) refs.push(...balancerSigns(server));
  return refs;
}

/** A load balancer's own health checker, by the User-Agent it sends (AWS ELB/ALB, Google Cloud LB). */
const BALANCER_AGENT = /ELB-HealthChecker|GoogleHC|Amazon-Route53-Health-Check/i;
/** Elastic Beanstalk's nginx layout (`.platform/nginx/`, `.ebextensions/`): the instance's nginx behind the environment's balancer. */
const BEANSTALK_PATH = /(?:^|\/)(?:\.platform\/nginx|\.ebextensions)\//;

/**
 * Signs in a plain-HTTP server that a TLS-terminating balancer is in front: a condition on the balancer's
 * `X-Forwarded-Proto` (`if ($http_x_forwarded_proto != "https")`: it only exists behind one), a branch for the
 * balancer's health checker, or Elastic Beanstalk's nginx layout.
 */
export function balancerSigns(server: NginxServer): NginxRef[] {
  const refs: NginxRef[] = [];
  for (const s of server.scopes) {
    if (s.kind === 'if' && (/\$http_x_forwarded_proto\b/i.test(s.match) || BALANCER_AGENT.test(s.match))) refs.push(s.ref);
  }
  if (refs.length === 0 && BEANSTALK_PATH.test(server.ref.file)) refs.push(server.ref);
  return refs;
}

// ---------------------------------------------------------------------------------------------
// Following variables through map / geo / set

/** Variables whose value the client chooses freely. */
export function isClientVariable(v: string): boolean {
  return /^\$(http_|cookie_|arg_|sent_http_)/.test(v) || v === '$request_uri' || v === '$args' || v === '$query_string';
}

/** Variables that name the peer's address: a map/geo/if keyed on them can tell a trusted proxy apart. */
export function isPeerAddressVariable(v: string): boolean {
  return v === '$realip_remote_addr' || v === '$remote_addr' || v === '$binary_remote_addr' || v === '$proxy_protocol_addr';
}

const MAX_TRACE_DEPTH = 24;

/** The variable definitions a server sees (its http block's, then its own `set`s), by name: built once per server. */
const defsMemo = new WeakMap<
  NginxServer,
  { vars: readonly NginxVariableDef[] | undefined; n: number; sets: number; defs: Map<string, NginxVariableDef[]> }
>();

/**
 * The definitions of a server without `set`s are its http block's alone: such servers share one map per http block
 * (and with it the traces below), keyed by the block's variables array (NO_VARS for a block without any).
 */
const httpDefsMemo = new WeakMap<readonly NginxVariableDef[], { n: number; defs: Map<string, NginxVariableDef[]> }>();
const NO_VARS: readonly NginxVariableDef[] = [];

function variableDefs(model: NginxModel, server: NginxServer): Map<string, NginxVariableDef[]> {
  const vars = model.https[server.http]?.variables;
  if (server.sets.length === 0) {
    const key = vars ?? NO_VARS;
    const shared = httpDefsMemo.get(key);
    if (shared && shared.n === key.length) return shared.defs;
    const defs = defsFrom(key);
    httpDefsMemo.set(key, { n: key.length, defs });
    return defs;
  }
  const hit = defsMemo.get(server);
  if (hit && hit.vars === vars && hit.n === (vars?.length ?? 0) && hit.sets === server.sets.length) return hit.defs;
  const defs = defsFrom([...(vars ?? []), ...server.sets]);
  defsMemo.set(server, { vars, n: vars?.length ?? 0, sets: server.sets.length, defs });
  return defs;
}

function defsFrom(all: readonly NginxVariableDef[]): Map<string, NginxVariableDef[]> {
  const defs = new Map<string, NginxVariableDef[]>();
  for (const d of all) {
    const list = defs.get(d.name) ?? [];
    list.push(d);
    defs.set(d.name, list);
  }
  return defs;
}

/**
 * traceValue's answers by definitions map and value: a trace depends on nothing else, and five checks trace every
 * header value of every scope (10,000 servers: ~100,000 traces of a dozen distinct values). The answers are shared:
 * callers only read them.
 */
const tracesOf = new WeakMap<Map<string, NginxVariableDef[]>, Map<string, NginxValueTrace>>();
const MAX_TRACES_PER_DEFS = 10_000;

/**
 * Follows the variables of a header value through map/geo/split_clients (http level) and `set`
 * (this server), to tell whether the value depends on client-chosen variables and whether each
 * such dependency is guarded by a definition keyed on the peer address.
 */
export function traceValue(model: NginxModel, server: NginxServer, value: string): NginxValueTrace {
  const defs = variableDefs(model, server);
  let traces = tracesOf.get(defs);
  if (traces === undefined) {
    traces = new Map();
    tracesOf.set(defs, traces);
  }
  let trace = traces.get(value);
  if (trace === undefined) {
    trace = traceIn(defs, value);
    if (traces.size < MAX_TRACES_PER_DEFS) traces.set(value, trace);
  }
  return trace;
}

function traceIn(defs: Map<string, NginxVariableDef[]>, value: string): NginxValueTrace {
  const variables: string[] = [];
  const clientVariables = new Set<string>();
  const guards = new Map<NginxVariableDef, true>();
  let unguarded = false;

  /** Whether an expression reaches a client variable without a guard (also records what it reaches). */
  const visit = (expr: string, depth: number, guarded: boolean, seen: Set<string>): void => {
    for (const v of variablesIn(expr)) {
      if (!variables.includes(v)) variables.push(v);
      if (isClientVariable(v)) {
        clientVariables.add(v);
        if (!guarded) unguarded = true;
        continue;
      }
      const ds = defs.get(v);
      if (!ds || seen.has(v) || depth >= MAX_TRACE_DEPTH) continue;
      const nextSeen = new Set(seen).add(v);
      for (const d of ds) {
        const keyedOnPeer = isGuard(d, defs, 0);
        if (keyedOnPeer) guards.set(d, true);
        const g = guarded || keyedOnPeer;
        if (d.kind !== 'set') visit(d.source, depth + 1, g, nextSeen);
        for (const e of d.entries) visit(e.value, depth + 1, g, nextSeen);
        if (d.default !== undefined) visit(d.default, depth + 1, g, nextSeen);
      }
    }
  };
  visit(value, 0, false, new Set());
  return {
    variables,
    clientVariables: [...clientVariables],
    guarded: clientVariables.size > 0 && !unguarded,
    guards: [...guards.keys()],
    literals: literalValues(value, defs, 0),
  };
}

/** A definition decides by the peer address: a geo (always address-keyed), a map whose source involves one, an if on one. */
function isGuard(d: NginxVariableDef, defs: Map<string, NginxVariableDef[]>, depth: number): boolean {
  if (depth > MAX_TRACE_DEPTH) return false;
  if (d.kind === 'geo') return d.sourceVariables.some(isPeerAddressVariable) || d.sourceVariables.length === 0;
  if (d.kind === 'set')
    return d.conditions.some((c) => variablesIn(c).some((v) => isPeerAddressVariable(v) || derivesFromPeer(v, defs, depth + 1)));
  return d.sourceVariables.some((v) => isPeerAddressVariable(v) || derivesFromPeer(v, defs, depth + 1));
}

function derivesFromPeer(v: string, defs: Map<string, NginxVariableDef[]>, depth: number): boolean {
  const ds = defs.get(v);
  return (ds ?? []).some((d) => d.kind !== 'set' && isGuard(d, defs, depth));
}

/** The literal values an expression can take: itself when it has no variables, or a map's/geo's literal outcomes. */
function literalValues(expr: string, defs: Map<string, NginxVariableDef[]>, depth: number): string[] {
  const vars = variablesIn(expr);
  if (vars.length === 0) return [expr];
  if (vars.length !== 1 || expr.trim() !== vars[0] || depth > MAX_TRACE_DEPTH) return [];
  const ds = defs.get(vars[0] as string);
  if (!ds) return [];
  const out = new Set<string>();
  for (const d of ds) {
    for (const e of d.entries) for (const l of literalValues(e.value, defs, depth + 1)) out.add(l);
    if (d.default !== undefined) for (const l of literalValues(d.default, defs, depth + 1)) out.add(l);
  }
  return [...out];
}

// ---------------------------------------------------------------------------------------------
// Evidence: display paths and source lines

/**
 * The display path (as in facts.sources) for a file the parser named. Trees hold paths absolute or
 * as given; sources are keyed by path relative to the working directory. Pure: no process.cwd().
 */
export function displayFile(facts: Pick<Facts, 'sources'>, file: string): string {
  if (facts.sources.has(file)) return file;
  let best: string | undefined;
  for (const k of facts.sources.keys()) {
    if (k.startsWith('/')) continue;
    const tail = k.startsWith('./') ? k.slice(2) : k;
    if (file.endsWith(`/${tail}`) && (!best || tail.length > best.length)) best = k;
  }
  return best ?? file;
}

/** Source lines `from..to` (1-based, inclusive) of a file, or undefined when the file was not read. */
export function sourceLines(facts: Pick<Facts, 'sources'>, file: string, from: number, to = from): string[] | undefined {
  const lines = facts.sources.get(displayFile(facts, file));
  if (!lines || from < 1 || from > lines.length) return undefined;
  return lines.slice(from - 1, Math.min(to, lines.length));
}

/** Source line `n` (1-based) of a file, or undefined when the file was not read: sourceLines' first, with no array. */
export function sourceLine(facts: Pick<Facts, 'sources'>, file: string, n: number): string | undefined {
  const lines = facts.sources.get(displayFile(facts, file));
  return !lines || n < 1 || n > lines.length ? undefined : lines[n - 1];
}

/** Indentation of a source line (for fix lines that match the file's style): its leading spaces and tabs. */
export function indentationAt(facts: Pick<Facts, 'sources'>, file: string, line: number): string | undefined {
  const l = sourceLine(facts, file, line);
  if (l === undefined) return undefined;
  let end = 0;
  while (end < l.length && (l[end] === ' ' || l[end] === '\t')) end++;
  return l.slice(0, end);
}
