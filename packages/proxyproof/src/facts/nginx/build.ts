/**
 * Builds the nginx semantic model (servers, listeners, scopes, effective upstream headers)
 * from the crossplane-shaped trees the nginx collector produces.
 *
 * The inheritance rules follow nginx's merge functions: for proxy_set_header, grpc_set_header,
 * uwsgi_param, fastcgi_param and scgi_param a level that writes any directive of the kind
 * inherits none of that kind from outer levels (ngx_conf_merge_ptr_value on the source array);
 * proxy_set_header additionally gets nginx's defaults `Host $proxy_host` and `Connection close`
 * for names the effective set does not contain. `if` and `limit_except` blocks are nameless
 * locations: they inherit the enclosing location's settings and its content handler.
 */
import { templatedListen } from '../../chain/addr.js';
import type { NginxConfigFile, NginxConfigTree, NginxDirective } from '../../collectors/nginx/ast.js';
import { appRootOfDocumentRoot, passengerSocket } from '../../collectors/ruby/passenger.js';
import type {
  NginxHeaderEntry,
  NginxHeaderSet,
  NginxHttp,
  NginxLevelKind,
  NginxListen,
  NginxModel,
  NginxPass,
  NginxPassKind,
  NginxRealIp,
  NginxRedirect,
  NginxRef,
  NginxResponseHeader,
  NginxScope,
  NginxServer,
  NginxUpstream,
  NginxUpstreamServer,
  NginxVariableDef,
} from './types.js';

export const PASS_KINDS: readonly NginxPassKind[] = ['proxy', 'grpc', 'uwsgi', 'fastcgi', 'scgi', 'passenger'];

/** The directive that sets upstream headers/params of each kind. */
export const HEADER_DIRECTIVE: Record<NginxPassKind, string> = {
  proxy: 'proxy_set_header',
  grpc: 'grpc_set_header',
  uwsgi: 'uwsgi_param',
  fastcgi: 'fastcgi_param',
  scgi: 'scgi_param',
  passenger: 'passenger_set_header',
};

/** The directive that passes a request upstream for each kind. */
export const PASS_DIRECTIVE: Record<NginxPassKind, string> = {
  proxy: 'proxy_pass',
  grpc: 'grpc_pass',
  uwsgi: 'uwsgi_pass',
  fastcgi: 'fastcgi_pass',
  scgi: 'scgi_pass',
  passenger: 'passenger_enabled',
};

/** The `*_pass` directives (passenger_enabled is a switch inherited by nested locations: `passengerPass`). */
const PASS_BY_DIRECTIVE = new Map<string, NginxPassKind>(
  PASS_KINDS.filter((k) => k !== 'passenger').map((k) => [PASS_DIRECTIVE[k], k]),
);
const KIND_BY_HEADER_DIRECTIVE = new Map<string, NginxPassKind>(PASS_KINDS.map((k) => [HEADER_DIRECTIVE[k], k]));

/**
 * nginx's built-in proxy headers (ngx_http_proxy_headers in nginx 1.22), added for every name the
 * effective set does not contain. Empty values are not sent but still stop the client's header of
 * that name (TE, Keep-Alive, Expect, Upgrade); Content-Length / Transfer-Encoding describe the body.
 * Pinned against the real nginx in test/nginx-facts/real-nginx.test.ts.
 */
export const PROXY_DEFAULT_HEADERS: readonly { name: string; value: string }[] = [
  { name: 'Host', value: '$proxy_host' },
  { name: 'Connection', value: 'close' },
  { name: 'Content-Length', value: '$proxy_internal_body_length' },
  { name: 'Transfer-Encoding', value: '$proxy_internal_chunked' },
  { name: 'TE', value: '' },
  { name: 'Keep-Alive', value: '' },
  { name: 'Expect', value: '' },
  { name: 'Upgrade', value: '' },
];

/** Defaults of proxy_redirect, absolute_redirect and port_in_redirect, shared by every scope (read-only data). */
const DEFAULT_PROXY_REDIRECT: NginxScope['proxyRedirect'] = Object.freeze([
  Object.freeze({ value: Object.freeze(['default']) }),
]) as never;
const DEFAULT_ON: { value: boolean } = Object.freeze({ value: true });

/** Include nesting is bounded even if the parser's own cycle detection were bypassed. */
const MAX_INCLUDE_DEPTH = 32;
/** Block nesting bound (nginx itself has no hard limit; real configs stay far below). */
const MAX_BLOCK_DEPTH = 64;

// ---------------------------------------------------------------------------------------------
// Walking the tree with includes inlined

/**
 * A directive with where it is written (its file and the include chain that reached it). Its `ref` is made on first
 * read: the model keeps refs only of the directives it records (headers, listens, passes, blocks...), and a ref with
 * its text for every other line (`expires`, `client_max_body_size`, comments of a 10,000-server config) was a
 * long-lived object the young-generation collector copied twice for nothing.
 */
class Located {
  private made: NginxRef | undefined;
  constructor(
    readonly d: NginxDirective,
    /** Shared by every directive of one block (one object per block, not four fields per directive). */
    readonly place: Place,
  ) {}
  get ref(): NginxRef {
    if (this.made === undefined) this.made = this.place.walker.ref(this.d, this.place);
    return this.made;
  }
}

/** Where the directives of one block are written: their file, the include chain that reached it, the block. */
interface Place {
  readonly file: NginxConfigFile;
  readonly via: NginxRef[];
  readonly enclosing: string;
  readonly walker: TreeWalker;
}

function needsQuotes(arg: string): boolean {
  return arg === '' || /[\s;{}"'#]/.test(arg);
}

export function directiveText(d: NginxDirective): string {
  const args = d.args.map((a) => (needsQuotes(a) ? `"${a.replace(/(["\\])/g, '\\$1')}"` : a));
  return `${[d.directive, ...args].join(' ')}${d.block ? ' {' : ';'}`;
}

/**
 * The directive that turns TLS on for a server when every one that does is written in a template branch that does
 * not hold the whole server block (so some rendering of the template has the server without TLS).
 */
function tlsOnlyInBranch(server: NginxServer): NginxRef | undefined {
  if (!server.tls) return undefined;
  const refs: NginxRef[] = [];
  for (const l of server.listens) {
    if (!l.ssl) continue;
    const ref = l.sslFromLegacyDirective ? server.sslOn : l.ref;
    if (!ref) return undefined;
    refs.push(ref);
  }
  const inBranch = (r: NginxRef): boolean => {
    const b = r.templateBranch;
    if (!b) return false;
    // The whole server written inside the branch: without it there is no such server, not a plain one.
    return !(server.ref.file === r.file && server.ref.line >= b.line && server.ref.line <= b.endLine);
  };
  return refs.length > 0 && refs.every(inBranch) ? refs[0] : undefined;
}

/**
 * A node of TreeWalker's text cache: one level per word (the directive name, then each argument). The parser interns
 * every word, so a lookup by word is a lookup by the same string object, and a directive whose words were seen
 * before gets its text without building it (the text of 140,000 refs of the 10,000-server bench, each built from an
 * array of quoted arguments, a spread and a join, was the builder's largest allocation).
 */
interface TextNode {
  next?: Map<string, TextNode>;
  /** The text of the words down to here, ended by `;` (statement) or ` {` (block). */
  statement?: string;
  block?: string;
}

class TreeWalker {
  constructor(private readonly tree: NginxConfigTree) {}
  /** One string per distinct directive text (10,000 servers repeat `proxy_set_header Host $host;`). */
  private readonly texts: TextNode = {};

  /** directiveText(d), the same string for the same words. */
  private textOf(d: NginxDirective): string {
    let node = this.step(this.texts, d.directive);
    const args = d.args;
    for (let k = 0; k < args.length; k++) node = this.step(node, args[k] as string);
    if (d.block) {
      node.block ??= directiveText(d);
      return node.block;
    }
    node.statement ??= directiveText(d);
    return node.statement;
  }

  private step(node: TextNode, word: string): TextNode {
    node.next ??= new Map();
    let child = node.next.get(word);
    if (child === undefined) {
      child = {};
      node.next.set(word, child);
    }
    return child;
  }

  /** Directives of a block, with `include` replaced by the included files' directives. */
  expand(block: NginxDirective[] | undefined, file: NginxConfigFile, via: NginxRef[], enclosing: string, depth = 0): Located[] {
    const out: Located[] = [];
    if (!block) return out;
    const place: Place = { file, via, enclosing, walker: this };
    for (let k = 0; k < block.length; k++) {
      const d = block[k] as NginxDirective;
      if (d.directive === '#') continue;
      if (d.directive === 'include' && d.includes && d.includes.length > 0) {
        if (depth >= MAX_INCLUDE_DEPTH) continue;
        const ref = this.ref(d, place);
        for (const i of d.includes) {
          const inc = this.tree.config[i];
          if (!inc || via.some((v) => v.file === inc.file && v.line === d.line)) continue;
          out.push(...this.expand(inc.parsed, inc, [...via, ref], enclosing, depth + 1));
        }
        continue;
      }
      // An unresolved include (dangling, unreadable) or an empty glob is kept too, so levels can report it.
      out.push(new Located(d, place));
    }
    return out;
  }

  children(l: Located): Located[] {
    return this.expand(l.d.block, l.place.file, l.place.via, l.d.directive, l.place.via.length);
  }

  ref(d: NginxDirective, place: Place): NginxRef {
    const { file, via, enclosing } = place;
    const text = this.textOf(d);
    const source = file.source ?? 'file';
    // Every property in the literal: one added afterwards moves the object's properties out of line.
    // The chain's ref slots (facts/nginx/sites.ts nginxRef) too, empty until it is asked for.
    const r: NginxRef =
      d.column !== undefined
        ? {
            file: file.file,
            line: d.line,
            column: d.column,
            source,
            text,
            includedVia: via,
            enclosing,
            chainRef: undefined,
            chainRefOf: undefined,
          }
        : {
            file: file.file,
            line: d.line,
            source,
            text,
            includedVia: via,
            enclosing,
            chainRef: undefined,
            chainRefOf: undefined,
          };
    // Template branches are rare (only in templates): the one exception to the rule above.
    if (d.templateBranch) r.templateBranch = d.templateBranch;
    return r;
  }
}

// ---------------------------------------------------------------------------------------------
// Small parsers for directive arguments

const VAR_RE = /\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g;

/** Variables named in a value, with `$`: `"$host:$server_port"` -> ['$host', '$server_port']. */
export function variablesIn(value: string): string[] {
  const out: string[] = [];
  if (!value.includes('$')) return out;
  for (const m of value.matchAll(VAR_RE)) out.push(`$${m[1] ?? m[2]}`);
  return out;
}

/** A parameter after the address of a `listen` (no Set of them: two listens per server of a 10,000-server config). */
function hasParam(args: string[], param: string): boolean {
  return args.indexOf(param, 1) > 0;
}

export function parseListen(args: string[], ref: NginxRef): NginxListen {
  const spec = args[0] ?? '80';
  const l: NginxListen = {
    address: '*',
    ssl: hasParam(args, 'ssl'),
    http2: hasParam(args, 'http2'),
    quic: hasParam(args, 'quic'),
    proxyProtocol: hasParam(args, 'proxy_protocol'),
    defaultServer: hasParam(args, 'default_server') || hasParam(args, 'default'),
    defaulted: false,
    sslFromLegacyDirective: false,
    ref,
  };
  if (spec.startsWith('unix:')) {
    l.address = spec;
    l.unix = spec.slice(5);
    return l;
  }
  if (/^\d+$/.test(spec)) {
    l.port = Number(spec);
    return l;
  }
  if (/__tpl_|\$\{|\{\{/.test(spec)) {
    // A template placeholder (`{{ port }}`, `${PORT_PREFIX}442`, `[::]:{{ port }}`): the port is unknown unless
    // written after the last colon.
    const close = spec.startsWith('[') ? spec.indexOf(']') : -1;
    const colon = spec.lastIndexOf(':');
    const split = close >= 0 ? (spec[close + 1] === ':' ? close + 1 : -1) : colon;
    l.address = split > 0 ? spec.slice(0, split) : close >= 0 ? spec : '*';
    const portPart = split > 0 ? spec.slice(split + 1) : close >= 0 ? '' : spec;
    if (/^\d+$/.test(portPart)) {
      l.port = Number(portPart);
      return l;
    }
    l.port = 80;
    l.portUnknown = true;
    return l;
  }
  const v6 = /^(\[[^\]]*\])(?::(\d+))?$/.exec(spec);
  if (v6) {
    l.address = v6[1] as string;
    l.port = v6[2] ? Number(v6[2]) : 80;
    return l;
  }
  const colon = spec.lastIndexOf(':');
  if (colon >= 0 && /^\d+$/.test(spec.slice(colon + 1))) {
    l.address = spec.slice(0, colon) || '*';
    l.port = Number(spec.slice(colon + 1));
  } else {
    l.address = spec;
    l.port = 80;
  }
  return l;
}

/** host:port / unix: / [v6]:port into parts; `defaultPort` when no port is written. */
function parseAddress(addr: string, defaultPort?: number): { host?: string; port?: number; unix?: string } {
  if (addr.startsWith('unix:'))
    return {
      unix: addr
        .slice(5)
        .replace(/^\/\/(?=\/)/, '')
        .replace(/:$/, ''),
    };
  const v6 = /^(\[[^\]]*\])(?::(\d+))?$/.exec(addr);
  if (v6) return { host: v6[1] as string, ...(v6[2] ? { port: Number(v6[2]) } : defaultPort ? { port: defaultPort } : {}) };
  const colon = addr.lastIndexOf(':');
  if (colon >= 0 && /^\d+$/.test(addr.slice(colon + 1)))
    return { host: addr.slice(0, colon), port: Number(addr.slice(colon + 1)) };
  return { host: addr, ...(defaultPort ? { port: defaultPort } : {}) };
}

const DEFAULT_SCHEME: Record<NginxPassKind, string> = {
  proxy: 'http',
  grpc: 'grpc',
  uwsgi: 'uwsgi',
  fastcgi: 'fastcgi',
  scgi: 'scgi',
  passenger: 'http',
};
const SCHEME_PORT: Record<string, number> = { http: 80, https: 443, grpc: 80, grpcs: 443 };

export function parsePass(kind: NginxPassKind, target: string, ref: NginxRef, upstreams: NginxUpstream[]): NginxPass {
  const p: NginxPass = { kind, target, variable: target.includes('$'), ref };
  let rest = target;
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target);
  if (schemeMatch && !target.startsWith('unix:')) {
    p.scheme = (schemeMatch[1] as string).toLowerCase();
    rest = target.slice(schemeMatch[0].length);
  } else {
    p.scheme = DEFAULT_SCHEME[kind];
  }
  if (p.variable) {
    // `http://$backend` — the target is chosen per request; keep what is literal.
    return p;
  }
  let authority = rest;
  if (rest.startsWith('unix:')) {
    // proxy_pass http://unix:/run/app.sock:/uri — the socket path ends at the next ':'.
    const m = /^unix:([^:]*)(?::(.*))?$/.exec(rest);
    p.unix = m?.[1] ?? rest.slice(5);
    if (m?.[2]) p.uri = m[2];
    return p;
  }
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    authority = rest.slice(0, slash);
    p.uri = rest.slice(slash);
  }
  const named = upstreams.find((u) => u.name === authority);
  if (named) {
    p.upstream = named;
    return p;
  }
  // `proxy_pass http://127.0.0.1:{{ app_port }}` in a template: the port is set at render time, never the
  // scheme's default; the target stays unknown (the chain says it is a template value). A placeholder standing
  // for the whole authority (`proxy_pass {{ url }}`) is a host name, read as one.
  if (authority.includes(':') && templatedListen(authority)) return p;
  const a = parseAddress(authority, p.scheme ? SCHEME_PORT[p.scheme] : undefined);
  if (a.host !== undefined) p.host = a.host;
  if (a.port !== undefined) p.port = a.port;
  if (a.unix !== undefined) p.unix = a.unix;
  return p;
}

/**
 * `set $backend admin:8080; proxy_pass http://$backend;`: a pass target whose every variable is given one literal
 * value by the `set` directives the scope sees is that target (nginx evaluates it per request, and with one literal
 * value every request gets the same one). Fills host/port/unix/upstream as `parsePass` would for the literal target
 * and records the `set` lines in `setBy`; `variable` stays true (`$proxy_host` and friends still come from the
 * evaluated URL, which the checks that read it treat as unknown). A variable set to two different values, to a value
 * with variables of its own, or not set in the scope at all (a map, a geo, `$http_...`) leaves the pass unresolved.
 */
export function resolveSetPass(pass: NginxPass, visible: NginxVariableDef[], upstreams: NginxUpstream[]): void {
  const setBy: NginxRef[] = [];
  let unresolved = false;
  // Only the address decides where requests go: the URI part may keep per-request variables (`$request_uri`).
  // The scheme may be a variable too (SWAG's `proxy_pass $upstream_proto://$upstream_app:$upstream_port;`).
  const sep = pass.target.indexOf('://');
  const scheme = sep >= 0 ? pass.target.slice(0, sep + 3) : '';
  const rest = pass.target.slice(scheme.length);
  const slash = rest.indexOf('/');
  const authority = slash >= 0 && !rest.startsWith('unix:') ? rest.slice(0, slash) : rest;
  const uri = authority.length < rest.length ? rest.slice(authority.length) : undefined;
  const target = (scheme + authority).replace(
    /\$(?:\{(\w+)\}|(\w+))/g,
    (whole, braced: string | undefined, bare: string | undefined) => {
      const name = `$${braced ?? bare}`;
      const defs = visible.filter((d) => d.name === name);
      const values = new Set(defs.map((d) => d.source));
      const value = defs[0]?.source;
      if (values.size !== 1 || value === undefined || value.includes('$')) {
        unresolved = true;
        return whole;
      }
      for (const d of defs) setBy.push(d.ref);
      return value;
    },
  );
  if (unresolved || setBy.length === 0) return;
  // A value may carry its own scheme (`set $app http://app:8000; proxy_pass $app;`).
  const literal = parsePass(pass.kind, target, pass.ref, upstreams);
  if (literal.variable) return;
  if (uri !== undefined) literal.uri = uri;
  for (const k of ['scheme', 'host', 'port', 'unix', 'uri', 'upstream'] as const) {
    if (literal[k] !== undefined) (pass as unknown as Record<string, unknown>)[k] = literal[k];
  }
  pass.setBy = setBy;
}

function parseUpstream(l: Located, walker: TreeWalker): NginxUpstream {
  const servers: NginxUpstreamServer[] = [];
  for (const c of walker.children(l)) {
    if (c.d.directive !== 'server' || c.d.block) continue;
    const address = c.d.args[0] ?? '';
    servers.push({ address, ...parseAddress(address, 80), params: c.d.args.slice(1), ref: c.ref });
  }
  return { name: l.d.args[0] ?? '', servers, ref: l.ref };
}

function parseMapLike(l: Located, walker: TreeWalker): NginxVariableDef {
  const kind = l.d.directive as 'map' | 'geo' | 'split_clients';
  const args = l.d.args;
  let source: string;
  let name: string;
  if (kind === 'geo' && args.length === 1) {
    source = '$remote_addr';
    name = args[0] ?? '';
  } else {
    source = args[0] ?? '';
    name = args[1] ?? '';
  }
  const def: NginxVariableDef = {
    kind,
    name,
    source,
    sourceVariables: variablesIn(source),
    entries: [],
    conditions: [],
    ref: l.ref,
  };
  const SPECIAL = new Set(['hostnames', 'volatile', 'ranges', 'proxy_recursive', 'proxy', 'delete']);
  for (const c of walker.children(l)) {
    if (c.d.directive === 'default' && c.d.args.length >= 1) {
      def.default = c.d.args[0] as string;
      continue;
    }
    if (SPECIAL.has(c.d.directive) && kind !== 'map') continue;
    if ((c.d.directive === 'hostnames' || c.d.directive === 'volatile') && c.d.args.length === 0) continue;
    def.entries.push({ key: c.d.directive, value: c.d.args[0] ?? '', ref: c.ref });
  }
  return def;
}

function parseRedirect(l: Located, conditional: boolean): NginxRedirect | undefined {
  const a = l.d.args;
  if (l.d.directive === 'return') {
    let code: number | undefined;
    let target = '';
    if (a.length >= 2) {
      code = Number(a[0]);
      target = a[1] as string;
    } else if (a.length === 1) {
      if (/^\d+$/.test(a[0] as string)) code = Number(a[0]);
      else {
        code = 302;
        target = a[0] as string;
      }
    }
    if (code === undefined || !(code >= 300 && code < 400) || !target) {
      // A plain `return 404;` or `return 200 "text";` is not a redirect but still ends the request.
      return undefined;
    }
    return { kind: 'return', code, target, ...schemeOf(target), unconditional: !conditional, ref: l.ref };
  }
  if (l.d.directive === 'rewrite' && a.length >= 2) {
    const pattern = a[0] as string;
    const target = a[1] as string;
    const flag = a[2];
    const absolute = /^(https?:\/\/|\$scheme:\/\/)/i.test(target);
    if (!absolute && flag !== 'redirect' && flag !== 'permanent') return undefined;
    const code = flag === 'permanent' ? 301 : 302;
    const catchAll = rewriteMatchesEveryUri(pattern);
    return {
      kind: 'rewrite',
      code,
      target,
      pattern,
      ...schemeOf(target),
      unconditional: !conditional && catchAll,
      ref: l.ref,
    };
  }
  return undefined;
}

/** A `rewrite` regex every request URI matches (`^`, `^/(.*)`, `^(.*)$`, `.*`): the rewrite applies to every path. */
export function rewriteMatchesEveryUri(pattern: string): boolean {
  return /^\^(\/?\(\.\*\)\$?|\/?\.\*\$?|\/?\(\.\*\)|)$/.test(pattern) || pattern === '.*' || pattern === '^';
}

function schemeOf(target: string): { targetScheme?: string } {
  const m = /^(https?|\$scheme):\/\//i.exec(target);
  return m ? { targetScheme: (m[1] as string).toLowerCase() } : {};
}

// ---------------------------------------------------------------------------------------------
// Levels and inheritance

/** What one level writes itself, for the inheritable settings the model tracks. */
interface LevelConf {
  kind: NginxLevelKind;
  unresolvedIncludes: NginxRef[];
  /** Index in server.scopes; -1 for http. */
  scope: number;
  own: Record<NginxPassKind, NginxHeaderEntry[]>;
  passRequestHeaders?: { value: boolean; ref: NginxRef };
  proxyRedirect: { value: string[]; ref: NginxRef }[];
  absoluteRedirect?: { value: boolean; ref: NginxRef };
  portInRedirect?: { value: boolean; ref: NginxRef };
  /** `internal;` written at this level (not inherited: nginx does not merge it into nested locations). */
  internal?: NginxRef;
  /** allow/deny rules of this level in order (nginx's access module inherits them when a level has none). */
  access: { allow: boolean; value: string; ref: NginxRef }[];
  /** `passenger_enabled on|off`, `passenger_app_root`, `root` written at this level (all inherited inward). */
  passengerEnabled?: { value: boolean; ref: NginxRef };
  /** Only their values are read (a Passenger route's app root): the directive's ref is not made for them. */
  passengerAppRoot?: { value: string };
  root?: { value: string };
  /** `add_header` lines of this level in order (nginx's headers module inherits them only into a level with none). */
  addHeaders: NginxResponseHeader[];
}

/**
 * The lists of a level that writes none of a kind (most levels write no headers of most kinds, no proxy_redirect, no
 * allow/deny): one frozen empty list shared by all of them instead of nine new arrays per level; a level gets its
 * own list when it writes the first item. Frozen, so a consumer that pushed into one would fail loudly.
 */
const NONE = Object.freeze([]) as unknown as never[];
const NO_OWN: Record<NginxPassKind, NginxHeaderEntry[]> = Object.freeze({
  proxy: NONE,
  grpc: NONE,
  uwsgi: NONE,
  fastcgi: NONE,
  scgi: NONE,
  passenger: NONE,
});

function readLevel(kind: NginxLevelKind, scope: number, directives: Located[]): LevelConf {
  const conf: LevelConf = {
    kind,
    scope,
    own: NO_OWN,
    proxyRedirect: NONE,
    unresolvedIncludes: NONE,
    access: NONE,
    addHeaders: NONE,
  };
  for (let k = 0; k < directives.length; k++) {
    const l = directives[k] as Located;
    const d = l.d;
    if (d.directive === 'include') {
      if (!/[*?[]/.test(d.args[0] ?? '')) {
        if (conf.unresolvedIncludes === NONE) conf.unresolvedIncludes = [];
        conf.unresolvedIncludes.push(l.ref);
      }
      continue;
    }
    const headerKind = KIND_BY_HEADER_DIRECTIVE.get(d.directive);
    if (headerKind && d.args.length >= 1) {
      if (conf.own === NO_OWN) conf.own = { ...NO_OWN };
      if (conf.own[headerKind] === NONE) conf.own[headerKind] = [];
      conf.own[headerKind].push({
        name: d.args[0] as string,
        value: d.args[1] ?? '',
        ifNotEmpty: d.args[2] === 'if_not_empty',
        origin: 'directive',
        level: kind,
        ref: l.ref,
      });
      continue;
    }
    switch (d.directive) {
      case 'proxy_pass_request_headers':
        conf.passRequestHeaders = { value: d.args[0] !== 'off', ref: l.ref };
        break;
      case 'proxy_redirect':
        if (conf.proxyRedirect === NONE) conf.proxyRedirect = [];
        conf.proxyRedirect.push({ value: d.args, ref: l.ref });
        break;
      case 'absolute_redirect':
        conf.absoluteRedirect = { value: d.args[0] !== 'off', ref: l.ref };
        break;
      case 'port_in_redirect':
        conf.portInRedirect = { value: d.args[0] !== 'off', ref: l.ref };
        break;
      case 'internal':
        conf.internal = l.ref;
        break;
      case 'passenger_enabled':
        if (d.args[0]) conf.passengerEnabled = { value: d.args[0].toLowerCase() === 'on', ref: l.ref };
        break;
      case 'passenger_app_root':
        if (d.args[0]) conf.passengerAppRoot = { value: d.args[0] };
        break;
      case 'root':
        if (d.args[0]) conf.root = { value: d.args[0] };
        break;
      case 'add_header':
        if (d.args.length < 2) break;
        if (conf.addHeaders === NONE) conf.addHeaders = [];
        conf.addHeaders.push({
          name: d.args[0] as string,
          value: d.args[1] as string,
          always: d.args[2] === 'always',
          level: kind,
          ref: l.ref,
        });
        break;
      case 'allow':
      case 'deny':
        if (!d.args[0]) break;
        if (conf.access === NONE) conf.access = [];
        conf.access.push({ allow: d.directive === 'allow', value: d.args[0], ref: l.ref });
        break;
    }
  }
  return conf;
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** PROXY_DEFAULT_HEADERS' names, lowercased, in the same order. */
const DEFAULT_NAMES_LOWER: readonly string[] = PROXY_DEFAULT_HEADERS.map((h) => h.name.toLowerCase());

/** nginx's default proxy headers as entries of a level, shared by every set of that level (read-only data). */
const DEFAULT_ENTRIES = new Map<NginxLevelKind, readonly NginxHeaderEntry[]>();
function defaultEntries(level: NginxLevelKind): readonly NginxHeaderEntry[] {
  let list = DEFAULT_ENTRIES.get(level);
  if (!list) {
    list = PROXY_DEFAULT_HEADERS.map((def) =>
      Object.freeze({ name: def.name, value: def.value, ifNotEmpty: false, origin: 'default' as const, level }),
    );
    DEFAULT_ENTRIES.set(level, list);
  }
  return list;
}

/** Whether `entries` set the header named `lower` (lowercase). */
function writes(entries: readonly NginxHeaderEntry[], lower: string): boolean {
  for (let j = 0; j < entries.length; j++) {
    const name = (entries[j] as NginxHeaderEntry).name;
    if (name.length === lower.length && name.toLowerCase() === lower) return true;
  }
  return false;
}

/** The effective set of `kind` for a chain of levels (outermost first). */
function effectiveSet(kind: NginxPassKind, chain: LevelConf[]): NginxHeaderSet {
  let eff = -1;
  for (let i = chain.length - 1; i >= 0; i--) {
    if ((chain[i] as LevelConf).own[kind].length > 0) {
      eff = i;
      break;
    }
  }
  const set: NginxHeaderSet = { kind, entries: [], drops: [] };
  if (eff >= 0) {
    const level = chain[eff] as LevelConf;
    set.fromLevel = level.kind;
    set.fromScope = level.scope;
    // Copied only where nginx's default proxy headers are appended; the other kinds share the level's list.
    // The other kinds share the level's list; proxy's gets nginx's default headers appended (below).
    set.entries = level.own[kind];
  }
  if (kind === 'proxy') {
    const lvl = chain[eff >= 0 ? eff : chain.length - 1] as LevelConf;
    // Names are lowercased only where the lengths match (a lowercased copy of every name per default compared
    // was most of what building 20,000 sets allocated).
    const own = set.entries;
    const written = own.length;
    const defaults = defaultEntries(lvl.kind);
    let missing = 0;
    for (let k = 0; k < defaults.length; k++) if (!writes(own, DEFAULT_NAMES_LOWER[k] as string)) missing |= 1 << k;
    // One array of exactly the entries' length (the written ones, then the defaults they leave), not a copy that
    // grows by push to about twice that: 20,000 sets of the 10,000-server bench live as long as the analysis.
    let size = written;
    for (let m = missing; m !== 0; m &= m - 1) size++;
    const entries = new Array<NginxHeaderEntry>(size);
    for (let j = 0; j < written; j++) entries[j] = own[j] as NginxHeaderEntry;
    let at = written;
    for (let k = 0; k < defaults.length; k++) if (missing & (1 << k)) entries[at++] = defaults[k] as NginxHeaderEntry;
    set.entries = entries;
  }
  // Drops: every level at or above the effective one that writes its own set, compared with the
  // next outer level that writes one (which is what it would otherwise have inherited).
  for (let i = eff; i >= 0; i--) {
    const level = chain[i] as LevelConf;
    if (level.own[kind].length === 0) continue;
    let outer = -1;
    for (let j = i - 1; j >= 0; j--) {
      if ((chain[j] as LevelConf).own[kind].length > 0) {
        outer = j;
        break;
      }
    }
    if (outer < 0) break;
    const outerLevel = chain[outer] as LevelConf;
    const dropped = outerLevel.own[kind].filter((o) => !level.own[kind].some((e) => sameName(e.name, o.name)));
    if (dropped.length > 0) {
      set.drops.push({
        byLevel: level.kind,
        by: (level.own[kind][0] as NginxHeaderEntry).ref as NginxRef,
        byScope: level.scope,
        dropped,
        fromLevel: outerLevel.kind,
      });
    }
  }
  return set;
}

/**
 * The effective set of `kind` for the innermost level of `chain` (outermost first, the http level first). A level
 * without directives of this kind has exactly its parent's set (shared); a server level without any, the set every
 * such server of its http context has (computed once per http context, in `inherited`).
 */
function headerSetOf(
  kind: NginxPassKind,
  chain: LevelConf[],
  parent: NginxScope | undefined,
  inherited: Partial<Record<NginxPassKind, NginxHeaderSet>>,
): NginxHeaderSet {
  if ((chain[chain.length - 1] as LevelConf).own[kind].length > 0) return effectiveSet(kind, chain);
  if (parent) return parent.headers[kind];
  inherited[kind] ??= effectiveSet(kind, chain);
  return inherited[kind];
}

/** Loopback addresses and unix sockets: a peer there is on the same host, never a browser on the network. */
function loopbackSource(v: string): boolean {
  return /^127\.(?:\d{1,3}\.){2}\d{1,3}(?:\/(?:[89]|[12]\d|3[0-2]))?$/.test(v) || v === '::1' || v === '::1/128' || v === 'unix:';
}

/** Why browsers cannot reach a level (see NginxScope.restricted), from its own `internal` and the effective access rules. */
function restriction(level: LevelConf, chain: LevelConf[]): NginxScope['restricted'] {
  if (level.internal) return { kind: 'internal', ref: level.internal };
  const rules = innermost(chain, accessOf);
  const last = rules?.[rules.length - 1];
  if (!rules || !last || last.allow || last.value !== 'all') return undefined;
  // nginx applies the first rule that matches: every allow before the final `deny all` must be loopback.
  const allows = rules.filter((r) => r.allow);
  if (allows.length === 0 || !allows.every((r) => loopbackSource(r.value))) return undefined;
  return { kind: 'loopback-only', ref: last.ref };
}

// What each level writes of the settings scopes inherit (undefined: nothing, look outward).
const passRequestHeadersOf = (c: LevelConf): boolean | undefined => c.passRequestHeaders?.value;
const proxyRedirectOf = (c: LevelConf): LevelConf['proxyRedirect'] | undefined =>
  c.proxyRedirect.length > 0 ? c.proxyRedirect : undefined;
const absoluteRedirectOf = (c: LevelConf): LevelConf['absoluteRedirect'] => c.absoluteRedirect;
const portInRedirectOf = (c: LevelConf): LevelConf['portInRedirect'] => c.portInRedirect;
const addHeadersOf = (c: LevelConf): LevelConf['addHeaders'] | undefined => (c.addHeaders.length > 0 ? c.addHeaders : undefined);
const accessOf = (c: LevelConf): LevelConf['access'] | undefined => (c.access.length > 0 ? c.access : undefined);

function innermost<T>(chain: LevelConf[], pick: (l: LevelConf) => T | undefined): T | undefined {
  for (let i = chain.length - 1; i >= 0; i--) {
    const v = pick(chain[i] as LevelConf);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * The Passenger route of a level where `passenger_enabled on` is in effect (written here or at an outer level; a
 * level with its own `*_pass` keeps that handler). Passenger serves what is not a file under `root`; its app root is
 * `passenger_app_root`, else the parent of `root` (nginx's default root is `html` under its prefix).
 * Source: Passenger 6.0.17 ngx_http_passenger_module (Configuration.c `passenger_enabled`, ContentHandler.c).
 */
function passengerPass(chain: LevelConf[]): NginxPass | undefined {
  const enabled = innermost(chain, (c) => c.passengerEnabled);
  if (!enabled?.value) return undefined;
  const appRoot = innermost(chain, (c) => c.passengerAppRoot);
  const root = innermost(chain, (c) => c.root);
  const target = appRoot?.value.replace(/^["']|["']$/g, '') ?? appRootOfDocumentRoot(root?.value ?? '/usr/share/nginx/html');
  return { kind: 'passenger', target, scheme: 'http', unix: passengerSocket(target), variable: false, ref: enabled.ref };
}

// ---------------------------------------------------------------------------------------------
// The builder

/** The value of `key` in `cache`, made (and kept) on the first ask. */
function memberOf<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    cache.set(key, v);
  }
  return v;
}

/**
 * Last line of a block's contents written in the block's own file (includes are other files). A block's directives
 * are in the order they are written, each on or after its block's line, so the last line is that of the last
 * directive of the last directive's block, and so on down: one path, not a walk of the whole block (a server's
 * scope and each of its locations' walked the same directives again). Comments are passed over: a comment written
 * among a directive's arguments is put after that directive, with its line.
 */
function lastLineOf(d: NginxDirective): number {
  let max = d.line;
  let at: NginxDirective | undefined = d;
  for (let depth = 0; at?.block && depth < MAX_BLOCK_DEPTH; depth++) {
    const block: NginxDirective[] = at.block;
    let k = block.length - 1;
    while (k > 0 && (block[k] as NginxDirective).directive === '#') {
      const line = (block[k] as NginxDirective).line;
      if (line > max) max = line;
      k--;
    }
    at = block[k];
    if (at && at.line > max) max = at.line;
  }
  return max;
}

interface HttpCtx {
  http: NginxHttp;
  level: LevelConf;
  /** Effective sets of a server level that writes none of the kind (computed once per http context). */
  inherited: Partial<Record<NginxPassKind, NginxHeaderSet>>;
  realIp: NginxRealIp;
  sslOn?: NginxRef;
  http2On?: NginxRef;
  underscoreSwitches: UnderscoreSwitches;
}

/**
 * The two switches that let a client's underscore header names through, each set or cleared by its own directive
 * (`underscores_in_headers on`; `ignore_invalid_headers off` keeps every invalid name): a level inherits each from
 * the level above unless it writes that directive itself.
 */
interface UnderscoreSwitches {
  underscores?: NginxRef;
  invalidKept?: NginxRef;
}

function readUnderscoreSwitch(l: Located, into: UnderscoreSwitches): void {
  const d = l.d.directive;
  if (d === 'underscores_in_headers') into.underscores = l.d.args[0] === 'on' ? l.ref : undefined;
  else if (d === 'ignore_invalid_headers') into.invalidKept = l.d.args[0] === 'off' ? l.ref : undefined;
}

function readRealIp(directives: Located[]): NginxRealIp {
  const r: NginxRealIp = { from: [] };
  for (let k = 0; k < directives.length; k++) {
    const l = directives[k] as Located;
    if (l.d.directive === 'set_real_ip_from' && l.d.args[0]) r.from.push({ value: l.d.args[0], ref: l.ref });
    else if (l.d.directive === 'real_ip_header' && l.d.args[0]) r.header = { value: l.d.args[0], ref: l.ref };
    else if (l.d.directive === 'real_ip_recursive' && l.d.args[0]) r.recursive = { value: l.d.args[0] === 'on', ref: l.ref };
  }
  return r;
}

/** Directives that only a server (or location) holds: a file with these at its top level is a server include. */
function serverOnly(l: Located): boolean {
  const d = l.d.directive;
  return (
    (d === 'location' && !!l.d.block) ||
    d === 'listen' ||
    d === 'server_name' ||
    PASS_BY_DIRECTIVE.has(d) ||
    (d === 'if' && !!l.d.block)
  );
}
/** A `proxy_set_header` line: a file of nothing else is a headers snippet, included in a server or location. */
function setsProxyHeader(l: Located): boolean {
  return l.d.directive === 'proxy_set_header';
}
/** Blocks of the http level that a server include may carry beside its locations. */
const HTTP_ONLY = new Set(['upstream', 'map', 'geo', 'split_clients']);

class ModelBuilder {
  readonly model: NginxModel = { https: [], servers: [] };
  /** Servers added, by file, line and the columns of that line (a server reached twice is added once). */
  private readonly seenServers = new Map<string, Map<number, number[]>>();
  /** Synthetic `server` blocks around server includes (their listen is not known). */
  private readonly fragments = new WeakSet<NginxDirective>();
  /** `location <match>` and `limit_except <match>` labels, one string per match (read-only data). */
  private readonly locationLabels = new Map<string, string>();
  private readonly limitLabels = new Map<string, string>();

  addTree(tree: NginxConfigTree, configIndex: number): void {
    const entry = tree.config[0];
    if (!entry) return;
    const walker = new TreeWalker(tree);
    const top = walker.expand(entry.parsed, entry, [], 'main');
    const https = top.filter((l) => l.d.directive === 'http' && l.d.block);
    if (https.length > 0) {
      for (const h of https) this.addHttp(walker, walker.children(h), configIndex, h.ref);
    } else if (
      !top.some((l) => l.d.directive === 'server' && l.d.block) &&
      (top.some(serverOnly) || (!top.some((l) => HTTP_ONLY.has(l.d.directive)) && top.some(setsProxyHeader)))
    ) {
      // A server include (a file of `location` blocks, `set`/`if` and proxy lines, as Elastic Beanstalk's
      // conf.d/elasticbeanstalk/*.conf or a snippet no file here includes, or only `proxy_set_header` lines): analysed
      // inside a server, its directives keeping their own file:line; its listen is the including server's, unknown.
      const first = entry.parsed.find((d) => d.directive !== '#');
      const server: NginxDirective = { directive: 'server', args: [], line: first?.line ?? 1, block: entry.parsed };
      const at = new Located(server, { file: entry, via: [], enclosing: 'main', walker });
      this.fragments.add(server);
      at.ref.text = `${entry.file} (read as the body of a server block)`;
      this.addHttp(walker, [...top.filter((l) => HTTP_ONLY.has(l.d.directive)), at], configIndex, undefined);
    } else {
      // A site file or conf.d snippet: its top level is (part of) the http context.
      this.addHttp(walker, top, configIndex, undefined);
    }
  }

  private addHttp(walker: TreeWalker, directives: Located[], configIndex: number, ref: NginxRef | undefined): void {
    const http: NginxHttp = { index: this.model.https.length, config: configIndex, upstreams: [], variables: [], servers: [] };
    if (ref) http.ref = ref;
    this.model.https.push(http);
    for (let k = 0; k < directives.length; k++) {
      const l = directives[k] as Located;
      if (l.d.directive === 'upstream' && l.d.block) http.upstreams.push(parseUpstream(l, walker));
      else if ((l.d.directive === 'map' || l.d.directive === 'geo' || l.d.directive === 'split_clients') && l.d.block) {
        http.variables.push(parseMapLike(l, walker));
      }
    }
    const ctx: HttpCtx = {
      http,
      level: readLevel('http', -1, directives),
      realIp: readRealIp(directives),
      inherited: {},
      underscoreSwitches: {},
    };
    for (let k = 0; k < directives.length; k++) {
      const l = directives[k] as Located;
      if (l.d.directive === 'ssl' && l.d.args[0] === 'on') ctx.sslOn = l.ref;
      if (l.d.directive === 'http2' && l.d.args[0] === 'on') ctx.http2On = l.ref;
      readUnderscoreSwitch(l, ctx.underscoreSwitches);
      // An include still in the expanded list matched no file of the tree (TreeWalker.expand splices the found ones).
      if (l.d.directive === 'include' && !http.includesElsewhere) http.includesElsewhere = l.ref;
    }
    const passed = ctx.underscoreSwitches.underscores ?? ctx.underscoreSwitches.invalidKept;
    if (passed) http.underscoreHeaders = passed;
    for (let k = 0; k < directives.length; k++) {
      const l = directives[k] as Located;
      if (l.d.directive === 'server' && l.d.block) this.addServer(walker, l, ctx);
    }
  }

  /** False when a server written at this place was added already (no string key per server: 10,000 of them). */
  private firstVisit(ref: NginxRef): boolean {
    let lines = this.seenServers.get(ref.file);
    if (lines === undefined) {
      lines = new Map();
      this.seenServers.set(ref.file, lines);
    }
    const column = ref.column ?? 0;
    const columns = lines.get(ref.line);
    if (columns === undefined) {
      lines.set(ref.line, [column]);
      return true;
    }
    if (columns.includes(column)) return false;
    columns.push(column);
    return true;
  }

  private addServer(walker: TreeWalker, l: Located, ctx: HttpCtx): void {
    if (!this.firstVisit(l.ref)) return;
    const directives = walker.children(l);
    const server: NginxServer = {
      index: this.model.servers.length,
      http: ctx.http.index,
      ref: l.ref,
      listens: [],
      serverNames: [],
      tls: false,
      plain: false,
      realIp: { from: [] },
      redirects: [],
      scopes: [],
      sets: [],
    };
    let sslOn = ctx.sslOn;
    let http2On = ctx.http2On;
    // Two locals, not a copy of the switches per server (10,000 servers on the lint bench).
    let underscores = ctx.underscoreSwitches.underscores;
    let invalidKept = ctx.underscoreSwitches.invalidKept;
    for (let k = 0; k < directives.length; k++) {
      const c = directives[k] as Located;
      switch (c.d.directive) {
        case 'listen':
          server.listens.push(parseListen(c.d.args, c.ref));
          break;
        case 'server_name':
          server.serverNames.push(...c.d.args);
          break;
        case 'ssl':
          sslOn = c.d.args[0] === 'on' ? c.ref : undefined;
          break;
        case 'http2':
          http2On = c.d.args[0] === 'on' ? c.ref : undefined;
          break;
        case 'underscores_in_headers':
          underscores = c.d.args[0] === 'on' ? c.ref : undefined;
          break;
        case 'ignore_invalid_headers':
          invalidKept = c.d.args[0] === 'off' ? c.ref : undefined;
          break;
      }
    }
    const fragment = this.fragments.has(l.d);
    if (fragment) server.fragment = true;
    // A server include's listen is the including server's, unknown here; Elastic Beanstalk documents its
    // own: `.platform/nginx/conf.d/elasticbeanstalk/*.conf` is included in the default server on port 80.
    if (server.listens.length === 0 && (!fragment || /(?:^|\/)\.platform\/nginx\/conf\.d\/elasticbeanstalk\//.test(l.ref.file))) {
      server.listens.push({
        address: '*',
        port: 80,
        ssl: false,
        http2: false,
        quic: false,
        proxyProtocol: false,
        defaultServer: false,
        defaulted: true,
        sslFromLegacyDirective: false,
      });
    }
    for (let k = 0; k < server.listens.length; k++) {
      const listen = server.listens[k] as NginxListen;
      if (sslOn && !listen.ssl && !listen.quic) {
        listen.ssl = true;
        listen.sslFromLegacyDirective = true;
      }
      if (http2On) listen.http2 = true;
      if (listen.quic) listen.ssl = true;
    }
    if (sslOn) server.sslOn = sslOn;
    const underscoreHeaders = underscores ?? invalidKept;
    if (underscoreHeaders) server.underscoreHeaders = underscoreHeaders;
    server.tls = server.listens.some((x) => x.ssl);
    server.plain = server.listens.some((x) => !x.ssl);
    const tlsBy = tlsOnlyInBranch(server);
    if (tlsBy) server.tlsOnlyInBranch = tlsBy;
    const own = readRealIp(directives);
    server.realIp = {
      from: own.from.length > 0 ? own.from : ctx.realIp.from,
      ...((own.header ?? ctx.realIp.header) ? { header: own.header ?? ctx.realIp.header } : {}),
      ...((own.recursive ?? ctx.realIp.recursive) ? { recursive: own.recursive ?? ctx.realIp.recursive } : {}),
    } as NginxRealIp;

    const upstreams = ctx.http.upstreams;
    // `set $x value` per scope index: a scope sees its own and its ancestors' (nginx's rewrite phase of the server,
    // then of the location), never a sibling location's.
    const setsByScope = new Map<number, NginxVariableDef[]>();
    const addScope = (
      kind: NginxScope['kind'],
      at: Located,
      body: Located[],
      parent: NginxScope | undefined,
      chain: LevelConf[],
      conditions: string[],
      depth: number,
    ) => {
      const index = server.scopes.length;
      const levelKind: NginxLevelKind = kind;
      const level = readLevel(levelKind, index, body);
      // Outermost first, the http level included.
      const fullChain = [...chain, level];
      const args = at.d.args;
      const match = kind === 'server' ? '' : args.length === 1 ? (args[0] as string) : args.join(' ');
      const label =
        kind === 'server'
          ? `server ${server.serverNames[0] ?? '_'}`
          : kind === 'if'
            ? `if (${match})`
            : memberOf(kind === 'location' ? this.locationLabels : this.limitLabels, match, () => `${kind} ${match}`);
      const scope: NginxScope = {
        index,
        kind,
        match,
        label: parent && parent.kind !== 'server' ? `${label} in ${parent.label}` : label,
        ref: at.ref,
        lastLine: lastLineOf(at.d),
        passInherited: false,
        // Shared with the parent when this level adds none (scopes are read-only data).
        // (A server level where no level writes one: the shared empty list, not a new one per server.)
        unresolvedIncludes:
          parent && level.unresolvedIncludes.length === 0
            ? parent.unresolvedIncludes
            : fullChain.every((c) => c.unresolvedIncludes.length === 0)
              ? NONE
              : fullChain.flatMap((c) => c.unresolvedIncludes),
        ownUnresolvedIncludes: level.unresolvedIncludes,
        // Shared (frozen) empty lists until the scope has one (most scopes have neither).
        redirects: NONE,
        returns: false,
        fallbacks: NONE,
        headers:
          level.own === NO_OWN && parent
            ? // A level without header directives has exactly its parent's effective sets: share them (10,000
              // servers x several locations would otherwise rebuild identical sets).
              parent.headers
            : {
                proxy: headerSetOf('proxy', fullChain, parent, ctx.inherited),
                grpc: headerSetOf('grpc', fullChain, parent, ctx.inherited),
                uwsgi: headerSetOf('uwsgi', fullChain, parent, ctx.inherited),
                fastcgi: headerSetOf('fastcgi', fullChain, parent, ctx.inherited),
                scgi: headerSetOf('scgi', fullChain, parent, ctx.inherited),
                passenger: headerSetOf('passenger', fullChain, parent, ctx.inherited),
              },
        // Each is inherited from the http level too (all four are allowed in http, server and location), then
        // nginx's defaults, one shared (read-only) value for every scope where no level writes one.
        passRequestHeaders: innermost(fullChain, passRequestHeadersOf) ?? true,
        proxyRedirect: innermost(fullChain, proxyRedirectOf) ?? DEFAULT_PROXY_REDIRECT,
        absoluteRedirect: innermost(fullChain, absoluteRedirectOf) ?? DEFAULT_ON,
        portInRedirect: innermost(fullChain, portInRedirectOf) ?? DEFAULT_ON,
      };
      // O(1) per scope: a level that writes none has its parent's effective list (the server scope: the http level's).
      const addHeaders =
        level.addHeaders.length > 0 ? level.addHeaders : parent ? parent.addHeaders : innermost(chain, addHeadersOf);
      if (addHeaders) scope.addHeaders = addHeaders;
      if (parent) scope.parent = parent.index;
      // `if`/`limit_except` are parts of their location: they share its reachability.
      const restricted =
        (kind === 'if' || kind === 'limit_except') && parent?.restricted ? parent.restricted : restriction(level, fullChain);
      if (restricted) scope.restricted = restricted;
      server.scopes.push(scope);

      for (let k = 0; k < body.length; k++) {
        const c = body[k] as Located;
        const passKind = PASS_BY_DIRECTIVE.get(c.d.directive);
        if (passKind && !scope.pass && c.d.args[0] !== undefined) {
          scope.pass = parsePass(passKind, c.d.args[0], c.ref, upstreams);
        }
        // A `return` inside a template conditional ends requests only in the renderings that keep it.
        if (c.d.directive === 'return' && !c.d.templateConditional) scope.returns = true;
        if (c.d.directive === 'try_files' || c.d.directive === 'error_page') {
          const to = c.d.args[c.d.args.length - 1];
          if (to?.startsWith('@')) {
            if (scope.fallbacks === NONE) scope.fallbacks = [];
            scope.fallbacks.push({ name: to, ref: c.ref });
          }
        }
        const r = parseRedirect(c, false);
        if (r) {
          if (scope.redirects === NONE) scope.redirects = [];
          scope.redirects.push(r);
        }
        if (c.d.directive === 'set' && c.d.args.length >= 2) {
          const def: NginxVariableDef = {
            kind: 'set',
            name: c.d.args[0] as string,
            source: c.d.args[1] as string,
            sourceVariables: variablesIn(c.d.args[1] as string),
            entries: [{ key: '', value: c.d.args[1] as string, ref: c.ref }],
            conditions,
            ref: c.ref,
          };
          server.sets.push(def);
          setsByScope.set(index, [...(setsByScope.get(index) ?? []), def]);
        }
      }
      if (!scope.pass && !scope.returns && (kind === 'location' || kind === 'server')) {
        // Requests the server level answers itself reach it only when no `location /` takes every path.
        const everyPathInLocation =
          kind === 'server' && body.some((c) => c.d.directive === 'location' && c.d.block && c.d.args.join(' ') === '/');
        const p = everyPathInLocation ? undefined : passengerPass(fullChain);
        if (p) scope.pass = p;
      }
      if (!scope.pass && parent && (kind === 'if' || kind === 'limit_except') && parent.pass) {
        scope.pass = parent.pass;
        scope.passInherited = true;
      }
      if (depth >= MAX_BLOCK_DEPTH) return;
      for (let k = 0; k < body.length; k++) {
        const c = body[k] as Located;
        if (!c.d.block) continue;
        if (c.d.directive === 'location') {
          addScope('location', c, walker.children(c), scope, fullChain, conditions, depth + 1);
        } else if (c.d.directive === 'if') {
          const cond = c.d.args.join(' ');
          addScope('if', c, walker.children(c), scope, fullChain, [...conditions, cond], depth + 1);
        } else if (c.d.directive === 'limit_except') {
          addScope('limit_except', c, walker.children(c), scope, fullChain, conditions, depth + 1);
        }
      }
    };
    addScope('server', l, directives, undefined, [ctx.level], [], 0);
    const scopes = server.scopes;
    for (let k = 0; k < scopes.length; k++) {
      const scope = scopes[k] as NginxScope;
      if (!scope.pass?.variable || scope.passInherited || scope.pass.setBy) continue;
      // Its own and its ancestors' sets, and those of the `if` blocks inside them (an `if` runs in its level's
      // rewrite phase: a server-level `if (...) { set $b x; }` applies to every location).
      const chain = new Set<number>();
      for (let s: NginxScope | undefined = scope; s; s = s.parent === undefined ? undefined : server.scopes[s.parent])
        chain.add(s.index);
      const visible: NginxVariableDef[] = [];
      for (const s of server.scopes) {
        let at: NginxScope | undefined = s;
        while (at && at.kind === 'if' && !chain.has(at.index))
          at = at.parent === undefined ? undefined : server.scopes[at.parent];
        if (at && chain.has(at.index)) visible.push(...(setsByScope.get(s.index) ?? []));
      }
      resolveSetPass(scope.pass, visible, upstreams);
    }
    // The server's list is its scope's (one array: the server-level `if` redirects below are in both).
    const serverScope = server.scopes[0] as NginxScope;
    server.redirects = serverScope.redirects;
    // Redirects inside a server-level `if` are conditional; record them on the server too.
    for (let k = 0; k < scopes.length; k++) {
      const s = scopes[k] as NginxScope;
      if (s.kind === 'if' && s.parent === 0) {
        for (const r of s.redirects) {
          if (server.redirects === NONE) {
            server.redirects = [];
            serverScope.redirects = server.redirects;
          }
          server.redirects.push({ ...r, unconditional: false });
        }
      }
    }
    this.model.servers.push(server);
    ctx.http.servers.push(server.index);
  }
}

/** Builds the model for every linted entry file. Pure: reads only the trees. */
export function buildNginxModel(configs: NginxConfigTree[]): NginxModel {
  const b = new ModelBuilder();
  configs.forEach((tree, i) => {
    b.addTree(tree, i);
  });
  return b.model;
}
