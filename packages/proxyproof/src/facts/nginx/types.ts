/**
 * nginx facts: the parsed configurations and, per server and location, the effective upstream
 * request headers after nginx's inheritance rules. Owned by facts/nginx (see ARCHITECTURE.md).
 *
 * `configs` is filled by the nginx collector. Everything else is derived from it by
 * `buildNginxFacts()` and reached through the memoized accessor `nginxModel(facts)` in
 * facts/nginx/index.ts, which checks and the chain simulator call (no engine step needed).
 */
import type { NginxConfigTree } from '../../collectors/nginx/ast.js';

export interface NginxFacts {
  /** One entry per linted entry file, with its includes resolved. */
  configs: NginxConfigTree[];
  /** Derived by buildNginxFacts(): http contexts (upstreams, map/geo). Read through nginxModel(facts). */
  https?: NginxHttp[];
  /** Derived by buildNginxFacts(): every http server with listeners, scopes and effective headers. */
  servers?: NginxServer[];
}

/** Where a directive is written. `file` is the path as the parser gave it (absolute or as given). */
export interface NginxRef {
  file: string;
  line: number;
  column?: number;
  /** 'builtin' when the file is a stock params file known from built-in content, not read from disk. */
  source: 'file' | 'builtin';
  /** The directive re-serialised (`proxy_set_header Host $host;`), for when the file's lines are unavailable. */
  text: string;
  /** The `include` directives that brought this file in, outermost first (empty for the entry file). */
  includedVia: NginxRef[];
  /** The block the directive is written in (`http`, `server`, `location`, `if`, ...; `main` at top level). */
  enclosing: string;
  /** Templates: the innermost template branch the directive is written in (`{% if tls %}` at its line). */
  templateBranch?: { line: number; endLine: number; tag: string };
  /**
   * The chain's ref of this directive, made by `nginxRef` (facts/nginx/sites.ts) for the facts' sources in
   * `chainRefOf` (its display path depends on them): one per directive, kept here rather than in a WeakMap of
   * ~120,000 ephemeron entries at 10,000 servers, which every scavenge traces. Undefined until asked for.
   */
  chainRef?: unknown;
  chainRefOf?: unknown;
}

/** The configuration levels whose directives nginx merges outer-to-inner. */
export type NginxLevelKind = 'http' | 'server' | 'location' | 'if' | 'limit_except';

/** One `listen` of a server (or the default `*:80` when a server has none). */
export interface NginxListen {
  /** `*` for all IPv4 addresses, `[::]` for IPv6, a host or address, or `unix:` path. */
  address: string;
  /** TCP port; absent for unix sockets. */
  port?: number;
  /** The port is a template placeholder (`listen {{ port }}`, `listen ${PORT_PREFIX}442`): `port` is nginx's
   * default 80 only nominally, so no check may judge the number. */
  portUnknown?: boolean;
  unix?: string;
  ssl: boolean;
  http2: boolean;
  quic: boolean;
  proxyProtocol: boolean;
  defaultServer: boolean;
  /** Absent `listen`: nginx's default `*:80` (when it runs as root, as packaged). */
  defaulted: boolean;
  /** True when TLS comes from the legacy `ssl on;` directive (removed in nginx 1.25.1) rather than `listen ... ssl`. */
  sslFromLegacyDirective: boolean;
  ref?: NginxRef;
}

/** The realip module's effective settings for a server (merged from http into server). */
export interface NginxRealIp {
  /** set_real_ip_from entries (addresses, CIDRs, `unix:`). */
  from: { value: string; ref: NginxRef }[];
  header?: { value: string; ref: NginxRef };
  recursive?: { value: boolean; ref: NginxRef };
}

/** A `return` or `rewrite` that sends the client elsewhere. */
export interface NginxRedirect {
  kind: 'return' | 'rewrite';
  /** HTTP status (301, 302, 307, 308) — for `rewrite ... permanent` 301, `redirect` 302. */
  code?: number;
  /** The target URL or text as written (`https://$host$request_uri`). */
  target: string;
  /** Scheme of the target when it is an absolute URL literal (`https`, `http`), or `$scheme`. */
  targetScheme?: string;
  /** For `rewrite`: the regex it applies to. */
  pattern?: string;
  /** True when the directive is unconditional at its level (not inside an `if`, rewrite pattern `^` or `^/(.*)` ...). */
  unconditional: boolean;
  ref: NginxRef;
}

/**
 * `passenger`: Phusion Passenger's nginx module (`passenger_enabled on`, inherited by nested locations; its headers are
 * `passenger_set_header`, inherited like proxy_set_header, no defaults). Its target is the app root.
 */
export type NginxPassKind = 'proxy' | 'grpc' | 'uwsgi' | 'fastcgi' | 'scgi' | 'passenger';

export interface NginxUpstreamServer {
  /** As written: `127.0.0.1:8000`, `unix:/run/app.sock`, `app:8000`. */
  address: string;
  host?: string;
  port?: number;
  unix?: string;
  /** Flags such as `backup`, `down`, and parameters `weight=2`. */
  params: string[];
  ref: NginxRef;
}

export interface NginxUpstream {
  name: string;
  servers: NginxUpstreamServer[];
  ref: NginxRef;
}

/** A `*_pass` directive and what it points at. */
export interface NginxPass {
  kind: NginxPassKind;
  /** The argument as written. */
  target: string;
  /** `http`, `https`, `grpc`, `grpcs`, `suwsgi`... when written; the module's default otherwise. */
  scheme?: string;
  /** A TCP host (name or address) when written literally and not an upstream name. */
  host?: string;
  port?: number;
  unix?: string;
  /** URI part of a proxy_pass URL (`/app/` in `http://h:1/app/`). */
  uri?: string;
  /** The `upstream` block it names, resolved within the same http context. */
  upstream?: NginxUpstream;
  /** The target contains variables; it is resolved per request. */
  variable: boolean;
  /**
   * For a target with variables that `set` directives give one literal value each (`set $b admin; proxy_pass
   * http://$b;`): the `set` lines; host/port/unix/upstream/uri are then those of the literal target.
   */
  setBy?: NginxRef[];
  ref: NginxRef;
}

/** One upstream request header (proxy/grpc) or parameter (uwsgi/fastcgi/scgi) nginx sends. */
export interface NginxHeaderEntry {
  name: string;
  /** Value as written; '' means "do not send" (proxy/grpc) — nginx drops headers whose value is empty. */
  value: string;
  /** For *_param: `if_not_empty` was given (nginx then omits the param when the value is empty). */
  ifNotEmpty: boolean;
  /**
   * 'directive' from a config line; 'default' from nginx's built-in defaults (Host $proxy_host,
   * Connection close, and empty TE/Keep-Alive/Expect/Upgrade that stop the client's headers).
   */
  origin: 'directive' | 'default';
  /** Level the directive is written at (for defaults: the level the effective set came from). */
  level: NginxLevelKind;
  ref?: NginxRef;
}

/** Outer headers a level's own directives replaced (nginx inherits none when a level sets any). */
export interface NginxDroppedHeaders {
  /** The level whose own directives dropped them. */
  byLevel: NginxLevelKind;
  /** The first own directive of that level (where the drop happens). */
  by: NginxRef;
  /** The scope index (in NginxServer.scopes) of the dropping level, or -1 for the http level. */
  byScope: number;
  /** What the dropping level would have inherited but does not send. */
  dropped: NginxHeaderEntry[];
  /** The level the dropped headers were written at. */
  fromLevel: NginxLevelKind;
}

/** The effective set of one kind (proxy headers, uwsgi params, ...) at one scope. */
export interface NginxHeaderSet {
  kind: NginxPassKind;
  /** Level whose own directives are in effect; undefined when no level sets any (defaults only). */
  fromLevel?: NginxLevelKind;
  /** Scope index of that level in NginxServer.scopes, -1 for http; undefined when none. */
  fromScope?: number;
  /** Effective entries in order, including nginx defaults for proxy (Host, Connection) when not set. */
  entries: NginxHeaderEntry[];
  /** Drops that shaped this set: at the effective level and any level above it, innermost first. */
  drops: NginxDroppedHeaders[];
}

/**
 * A place a request can end up in: the server level itself (requests no location matches),
 * a location (nested or named), an `if` block or a `limit_except` block.
 */
export interface NginxScope {
  index: number;
  kind: 'server' | 'location' | 'if' | 'limit_except';
  /** Index of the enclosing scope in NginxServer.scopes (undefined for the server scope). */
  parent?: number;
  /** Location match (`/`, `= /x`, `~ \.php$`, `@app`), the if condition or the limit_except methods. */
  match: string;
  /** Human label: `location /api/` inside `location /`. */
  label: string;
  ref: NginxRef;
  /** Line of the last directive inside the block, in the block's own file (its `}` follows). */
  lastLine: number;
  /** The pass directive written here; for `if`/`limit_except` without one, the enclosing location's. */
  pass?: NginxPass;
  /** True when `pass` is the enclosing location's (if/limit_except inherit the content handler). */
  passInherited: boolean;
  /** return/rewrite written directly at this level. */
  redirects: NginxRedirect[];
  /**
   * `include` directives (not globs) in this scope, its ancestors or the http level that pulled in
   * nothing: the effective sets may then be incomplete, so "missing header" checks stay silent.
   */
  unresolvedIncludes: NginxRef[];
  /** The unresolved includes written in this level itself (a subset of `unresolvedIncludes`). */
  ownUnresolvedIncludes: NginxRef[];
  /** True when the scope ends every request with `return` before proxying. */
  returns: boolean;
  /** Named locations this scope hands requests to (`try_files ... @app`, `error_page 404 = @app`), with the directive. */
  fallbacks: { name: string; ref: NginxRef }[];
  /** Effective sets per kind. Always present for all five kinds. */
  headers: Record<NginxPassKind, NginxHeaderSet>;
  /**
   * Set when browsers cannot reach the scope: `internal;` (only internal redirects, subrequests, error_page,
   * try_files and X-Accel-Redirect reach it), or access rules (effective allow/deny, inherited like nginx's
   * access module) that end in `deny all` and allow only loopback addresses or unix sockets.
   */
  restricted?: { kind: 'internal' | 'loopback-only'; ref: NginxRef };
  /** Effective `proxy_pass_request_headers` (default on): client headers pass to the upstream. */
  passRequestHeaders: boolean;
  /** Effective `proxy_redirect` values (default `default`). */
  proxyRedirect: { value: string[]; ref?: NginxRef }[];
  /** Effective absolute_redirect / port_in_redirect (defaults on). */
  absoluteRedirect: { value: boolean; ref?: NginxRef };
  portInRedirect: { value: boolean; ref?: NginxRef };
  /**
   * Effective `add_header` lines (response headers nginx adds), absent when no level writes one. nginx's headers
   * module (1.22) inherits the outer level's list only into a level that writes none, like proxy_set_header.
   */
  addHeaders?: NginxResponseHeader[];
}

/** One `add_header` line: nginx adds it to responses with status 200, 201, 204, 206, 301, 302, 303, 304, 307,
 * 308 only, unless `always` is given (then to every response). */
export interface NginxResponseHeader {
  name: string;
  value: string;
  always: boolean;
  level: NginxLevelKind;
  ref: NginxRef;
}

export interface NginxServer {
  /** Index in NginxModel.servers. */
  index: number;
  /** Index in NginxModel.https. */
  http: number;
  ref: NginxRef;
  listens: NginxListen[];
  serverNames: string[];
  /**
   * A server include read on its own (a file of `location` blocks no file here includes): the including
   * server's listen and names are unknown, so `listens` holds only what the file itself says.
   */
  fragment?: boolean;
  /** The legacy `ssl on;` that applies (the server's own or the http level's), when there is one. */
  sslOn?: NginxRef;
  /**
   * The directive that lets client header names with an underscore through to the upstream (`underscores_in_headers
   * on`, or `ignore_invalid_headers off`, which keeps every invalid name), the server's own or the http level's.
   * Without either nginx drops such a header (ngx_http_request.c marks it invalid).
   */
  underscoreHeaders?: NginxRef;
  /** Any listener has TLS. */
  tls: boolean;
  /**
   * Templates: TLS is switched on only inside a template branch (`listen 80{% if tls %} ssl{% endif %};`,
   * `{% if use_ssl %} listen 443 ssl; {% endif %}` in a server written outside it): rendered without that branch
   * the server answers plain HTTP. The directive that turns TLS on (its `templateBranch` names the branch).
   */
  tlsOnlyInBranch?: NginxRef;
  /** Any listener is plain HTTP. */
  plain: boolean;
  realIp: NginxRealIp;
  /** Server-level return/rewrite (also in scopes[0].redirects). */
  redirects: NginxRedirect[];
  /** scopes[0] is the server level; the rest in document order. */
  scopes: NginxScope[];
  /** Variables set with `set` anywhere in the server, with the `if` conditions that guard each. */
  sets: NginxVariableDef[];
}

/** A variable defined by map, geo, split_clients or set. */
export interface NginxVariableDef {
  kind: 'map' | 'geo' | 'split_clients' | 'set';
  /** With the `$`: `$forwarded_proto`. */
  name: string;
  /** map: the source string (`$http_x_forwarded_proto`, `$a:$b`); geo: the address variable (default `$remote_addr`). */
  source: string;
  /** Variables named in `source`, with `$`. */
  sourceVariables: string[];
  /** map/geo entries: key -> value; set: one entry with key ''. */
  entries: { key: string; value: string; ref: NginxRef }[];
  default?: string;
  /** For `set`: the conditions of the enclosing `if` blocks (`$realip_remote_addr = 10.0.0.1`). */
  conditions: string[];
  ref: NginxRef;
}

export interface NginxHttp {
  index: number;
  /** Index in NginxFacts.configs. */
  config: number;
  /** The `http` directive; absent when the entry file is a site file (top level acts as http). */
  ref?: NginxRef;
  upstreams: NginxUpstream[];
  variables: NginxVariableDef[];
  /** Servers in this http context (indexes in NginxModel.servers). */
  servers: number[];
  /** The http level's `underscores_in_headers on` / `ignore_invalid_headers off` (NginxServer.underscoreHeaders). */
  underscoreHeaders?: NginxRef;
  /** The http level's first include that matched no file of the tree: it may hold servers not in `servers`. */
  includesElsewhere?: NginxRef;
}

export interface NginxModel {
  https: NginxHttp[];
  servers: NginxServer[];
}

/** How a header value depends on the client: the outcome of following variables through map/geo/set. */
export interface NginxValueTrace {
  /** Every variable reached, with `$`, outermost first. */
  variables: string[];
  /** Client-request variables reached (`$http_x_forwarded_proto`, `$http_x_forwarded_host`...). */
  clientVariables: string[];
  /** True when each path to a client variable goes through a map/geo/if keyed on the peer address. */
  guarded: boolean;
  /** The guards found (map/geo/set definitions keyed on `$realip_remote_addr` / `$remote_addr`). */
  guards: NginxVariableDef[];
  /** Literal values the expression can take, when it is a literal or a map/geo of literals. */
  literals: string[];
}
