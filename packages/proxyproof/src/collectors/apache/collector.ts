/**
 * Apache httpd collector: `<VirtualHost>` blocks and fragments meant to be included into one
 * (a file of ProxyPass/RequestHeader lines without `<VirtualHost>`), `<Location>` scopes,
 * `<IfModule>` transparently, `ProxyPass` (with `balancer://NAME` resolved to the `BalancerMember`s of
 * `<Proxy balancer://NAME>`), `ProxyPreserveHost`, `ProxyAddHeaders`, `RequestHeader
 * set|append|add|merge|setifempty|unset` including `expr=` values, `SSLEngine`, and mod_remoteip.
 *
 * mod_proxy_http semantics (httpd 2.4 docs, "mod_proxy > Reverse Proxy Request Headers"): it appends
 * X-Forwarded-For, X-Forwarded-Host and X-Forwarded-Server, never sets X-Forwarded-Proto, and passes
 * every client header on (including a client's own X-Forwarded-Proto). The Host sent upstream is the
 * backend's unless `ProxyPreserveHost On`. In an `expr=` value, `%{REQUEST_SCHEME}` is the variable and
 * any character after the closing brace is literal (`%{REQUEST_SCHEME}s` gives `https` + `s`).
 */

import { parseAddress, templatedListen } from '../../chain/addr.js';
import type { HeaderRule, Listener, ProxyRoute, RedirectDecidedBy, Ref, Template, Upstream } from '../../chain/model.js';
import { regexLocationSample } from '../../chain/topology/regex-sample.js';
import { joinTlsSite } from '../../facts/redirect-sites.js';
import type { Collector } from '../../model/collector.js';
import { globToRegExp } from '../../model/glob.js';
import type { ApacheExtra, ProxyConfigFacts, ProxySite } from '../../model/proxy.js';
import { APACHE_NAME, isDocumentation, VIRTUAL_HOST_LINE } from '../claims.js';
import { fencedOfFormat } from '../fenced.js';
import { apacheModPhpServer, modPhpSocket, type PhpHandler, phpHandler } from '../php/mod-php.js';
import { addProxyFacts, baseName, configName, readText } from '../proxy/common.js';
import { applyWsgiDirective, modWsgiServer, modWsgiSocket, type WsgiScope } from '../python/mod-wsgi.js';
import { appRootOfDocumentRoot, passengerServer, passengerSocket } from '../ruby/passenger.js';
import { sniffConfigFormat } from '../sniff.js';
import { type ApacheNode, parseApache, walkApache } from './parse.js';

// The server config (apache2.conf, httpd.conf) shows itself by `ServerRoot`, `IncludeOptional` (Apache's word) or an
// `Include` of the enabled sites/confs (without nginx's `;`): the files it includes are read inside it.
const APACHE_HINT =
  /^\s*(<VirtualHost\b|ProxyPass(Match)?\s|RequestHeader\s|RemoteIPHeader\s|SSLEngine\s|ProxyPreserveHost\s|<Proxy\s+balancer:|Passenger(AppRoot|Enabled)\s|WSGIScriptAlias\s|ServerRoot\s|IncludeOptional\s|Include\s+[^;\n]*(?:sites|conf)-enabled\/[^;\n]*$)/im;
const NGINX_HINT = /^\s*(server\s*\{|location\s+\S+\s*\{|proxy_pass\s|upstream\s+\S+\s*\{|http\s*\{)/m;

export function looksLikeApache(name: string, src: string): boolean {
  if (!APACHE_NAME.test(name) && !VIRTUAL_HOST_LINE.test(src)) return false;
  return APACHE_HINT.test(src) && !NGINX_HINT.test(src);
}

/** `expr=` values (ap_expr string) and classic format strings -> the chain's template language. */
export function apacheValueToTemplate(raw: string): Template {
  if (/^expr=/i.test(raw)) {
    return raw.slice(5).replace(/%\{([^}]*)\}/g, (_m, v: string) => {
      const n = v.trim();
      const u = n.toUpperCase();
      if (u === 'REQUEST_SCHEME') return '{scheme}';
      if (u === 'HTTPS') return '{https}';
      if (u === 'HTTP_HOST') return '{http_host}';
      if (u === 'SERVER_NAME') return '{host}';
      if (u === 'SERVER_PORT') return '{server_port}';
      if (u === 'REMOTE_ADDR') return '{remote_addr}';
      const h = /^(?:HTTP|req|http|req_novary):(.+)$/i.exec(n);
      if (h) return `{in:${(h[1] as string).toLowerCase()}}`;
      return `{?%{${n}}}`;
    });
  }
  return raw.replace(/%\{([^}]*)\}([a-zA-Z])/g, (_m, v: string, kind: string) => {
    if (kind === 's' && v.toUpperCase() === 'HTTPS') return '{https}';
    return `{?%{${v}}${kind}}`;
  });
}

interface Scope {
  preserveHost?: { on: boolean; ref: Ref };
  addHeaders?: { on: boolean; ref: Ref };
  headers: HeaderRule[];
  tls?: Ref;
  names: string[];
  remoteIp?: { header: string; ref: Ref };
  remoteTrusted: string[];
  /** mod_passenger (collectors/ruby/passenger.ts): `PassengerAppRoot`, `PassengerEnabled`, `DocumentRoot`, other Passenger* lines. */
  passenger?: { root?: string; enabled?: boolean; docRoot?: string; ref?: Ref };
  /** The handler of `.php` files (collectors/php/mod-php.ts `phpHandler`): mod_php in this Apache, or php-fpm through mod_proxy_fcgi. */
  php?: PhpHandler;
  docRoot?: string;
  /** mod_wsgi (collectors/python/mod-wsgi.ts): WSGIScriptAlias, WSGITrustedProxyHeaders/-Proxies, a SetEnvIf HTTPS. */
  wsgi: WsgiScope;
  /** `ProxyPassReverse [path] url` lines of this scope (ProxyRoute.redirectRewrites): the backend URL and the front path. */
  reverse: Array<{ url: string; path: string; ref: Ref }>;
}

/** Passenger directives that say a vhost runs an app under mod_passenger (besides PassengerAppRoot/PassengerEnabled). */
const PASSENGER_SIGN =
  /^(passenger(apptype|startupfile|appenv|ruby|python|nodejs|user|group|friendlyerrorpages|baseuri|minInstances|maxpoolsize)|rackenv|railsenv|rackbaseuri|railsbaseuri)$/i;

function requestHeaderRule(file: string, n: ApacheNode, notes: string[]): HeaderRule | undefined {
  const act = n.args[0]?.toLowerCase();
  const name = n.args[1];
  if (!act || !name) return undefined;
  const ref: Ref = { file, line: n.line, snippet: n.raw };
  const cond = n.args.slice(act === 'unset' ? 2 : 3).find((a) => /^(env|expr)=/i.test(a));
  let when: HeaderRule['when'];
  if (cond) {
    if (/^env=HTTPS$/i.test(cond) || /^expr=%\{HTTPS\}\s*==\s*'on'$/i.test(cond)) when = 'tls';
    else notes.push(`${file}:${n.line}: condition ${cond} is not modelled; the rule is taken as unconditional`);
  }
  if (act === 'unset') return { name, value: null, ref, from: 'route', when };
  if (!['set', 'append', 'add', 'merge', 'setifempty'].includes(act)) return undefined;
  const value = apacheValueToTemplate(n.args[2] ?? '');
  if (act === 'setifempty') notes.push(`${file}:${n.line}: setifempty keeps a value the client sent`);
  // `setifempty` (2.4.7+) sets the header only when the request has none: a client's value is kept alone, nothing
  // is appended to it (real apache2 2.4: test/proxy/apache-balancer-setifempty.test.ts).
  const rule: HeaderRule =
    act === 'setifempty'
      ? { name, value, ref, from: 'route', ifAbsent: true, when, sendEmpty: true }
      : { name, value, ref, from: 'route', append: act !== 'set', when, sendEmpty: true };
  // `add` writes a line of its own; `append`/`merge` join the value into the existing line (Apache 2.4, Debian).
  if (act === 'add') rule.newLine = true;
  return rule;
}

function apply(scope: Scope, file: string, n: ApacheNode, notes: string[]): void {
  const key = n.name.toLowerCase();
  const on = (n.args[0] ?? '').toLowerCase() === 'on';
  const ref: Ref = { file, line: n.line, snippet: n.raw };
  if (key === 'proxypreservehost') scope.preserveHost = { on, ref };
  else if (key === 'proxyaddheaders') scope.addHeaders = { on, ref };
  else if (key === 'sslengine' && on) scope.tls = ref;
  else if (key === 'servername' || key === 'serveralias')
    scope.names.push(...n.args.map((a) => a.replace(/^[a-z]+:\/\//i, '').replace(/:\d+$/, '')));
  else if (applyWsgiDirective(scope.wsgi, key, n.args, ref)) return;
  else if (key === 'proxypassreverse') {
    // `ProxyPassReverse /path url` outside <Location>, `ProxyPassReverse url` inside it (the Location's path: the
    // caller's scope path is not known here, so `/` stands for it and only the URL is matched); `interpolate` is a flag.
    const args = n.args.filter((a) => a.toLowerCase() !== 'interpolate');
    const [path, url] = args.length >= 2 ? [args[0] as string, args[1] as string] : ['/', args[0]];
    if (url && url !== '!') scope.reverse.push({ url, path, ref });
  } else if (key === 'requestheader') {
    const r = requestHeaderRule(file, n, notes);
    if (r) scope.headers.push(r);
  } else if (key === 'remoteipheader') scope.remoteIp = { header: n.args[0] ?? 'X-Forwarded-For', ref };
  else if (key === 'remoteiptrustedproxy' || key === 'remoteipinternalproxy') scope.remoteTrusted.push(...n.args);
  else if (key === 'remoteiptrustedproxylist' || key === 'remoteipinternalproxylist')
    scope.remoteTrusted.push(`file:${n.args[0] ?? ''}`);
  else if (key === 'passengerapproot' && n.args[0])
    scope.passenger = { ...scope.passenger, root: n.args[0].replace(/^["']|["']$/g, ''), ref };
  else if (key === 'passengerenabled') scope.passenger = { ...scope.passenger, enabled: on, ref: scope.passenger?.ref ?? ref };
  else if (key === 'documentroot' && n.args[0]) {
    scope.passenger = { ...scope.passenger, docRoot: n.args[0] };
    scope.docRoot = n.args[0].replace(/^["']|["']$/g, '');
  } else if (key === 'sethandler' || key === 'addhandler' || key === 'addtype') {
    const h = phpHandler(n.name, n.args, ref);
    if (h) scope.php = h;
  } else if (PASSENGER_SIGN.test(key)) scope.passenger = { ...scope.passenger, ref: scope.passenger?.ref ?? ref };
}

/**
 * The app root a vhost serves through mod_passenger: `PassengerAppRoot`, else (with a Passenger directive or
 * `PassengerEnabled on` showing Passenger is meant) the DocumentRoot's parent, Passenger's default. `PassengerEnabled
 * off` turns it off.
 */
function passengerApp(scope: Scope): { root: string; ref: Ref } | undefined {
  const p = scope.passenger;
  if (!p?.ref || p.enabled === false) return undefined;
  const root = p.root ?? (p.docRoot ? appRootOfDocumentRoot(p.docRoot) : undefined);
  return root ? { root, ref: p.ref } : undefined;
}

/**
 * The route of a vhost whose requests an Apache module handles in-process (mod_passenger, mod_php or a FastCGI
 * handler, mod_wsgi): `HTTPS={https}` (mod_ssl sets it on the vhost's own TLS connection only; `snippet` says whose
 * variable it is), then the vhost's RequestHeader rules (mod_headers' fixups run before the handler).
 */
function moduleRoute(
  scope: Scope,
  kind: string,
  match: string,
  samplePath: string,
  at: Ref,
  protocol: ProxyRoute['protocol'],
  upstream: Upstream,
  snippet: string,
): ProxyRoute {
  return {
    id: `apache:${at.file}:${at.line}:${kind}`,
    match,
    samplePath,
    ref: at,
    protocol,
    upstreams: [upstream],
    headers: [{ name: 'HTTPS', value: '{https}', ref: { ...at, origin: 'default', snippet }, from: 'default' }, ...scope.headers],
  };
}

function inherit(outer: Scope): Scope {
  return {
    ...outer,
    headers: [...outer.headers],
    names: [],
    remoteTrusted: [...outer.remoteTrusted],
    reverse: [...outer.reverse],
    wsgi: { ...outer.wsgi, trustedHeaders: [...outer.wsgi.trustedHeaders] },
    ...(outer.passenger ? { passenger: { ...outer.passenger } } : {}),
  };
}

/**
 * A route's ProxyPassReverse lines as neutral rewrites. A `balancer://NAME` URL stands for each of its members' URLs
 * (mod_proxy compares the Location with every BalancerMember).
 */
function reverseRewrites(
  reverse: Scope['reverse'],
  balancers: Map<string, Upstream[]>,
): { redirectRewrites?: ProxyRoute['redirectRewrites'] } {
  if (reverse.length === 0) return {};
  const out: NonNullable<ProxyRoute['redirectRewrites']> = [];
  for (const r of reverse) {
    const members = /^balancer:\/\//i.test(r.url) ? balancers.get(r.url.replace(/\/+$/, '').toLowerCase()) : undefined;
    for (const from of members?.length ? members.map((m) => m.text) : [r.url])
      out.push({ kind: 'to-front', from, path: r.path, ref: r.ref });
  }
  return { redirectRewrites: out };
}

/** Blocks that scope handlers by file or folder (`<FilesMatch "\.php$"> SetHandler ...`): read for the PHP handler only. */
const FILE_SCOPES = new Set(['files', 'filesmatch', 'directory', 'directorymatch']);

/** The PHP handler set inside a file/folder scope (bounded depth): a vhost's `.php` files run through it. */
function applyFileScope(scope: Scope, file: string, list: ApacheNode[], depth: number): void {
  if (depth > 8) return;
  for (const n of list) {
    const k = n.name.toLowerCase();
    if (n.block) {
      if (FILE_SCOPES.has(k) || k === 'ifmodule' || k === 'ifdefine' || k === 'ifversion')
        applyFileScope(scope, file, n.block, depth + 1);
      continue;
    }
    if (k !== 'sethandler' && k !== 'addhandler' && k !== 'addtype') continue;
    const h = phpHandler(n.name, n.args, { file: n.file ?? file, line: n.line, snippet: n.raw });
    if (h) scope.php = h;
  }
}

function vhostAddrs(args: string[]): Array<{ host: string; port: number | '*' | 'templated' }> {
  return args.map((a) => {
    // `<VirtualHost *:{{ https_port }}>` in a template: a real vhost on a port set at render time.
    const templated = templatedListen(a);
    if (templated) return { host: templated.host, port: 'templated' as const };
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+|\*))?$/.exec(a);
    const host = m?.[1] ?? a;
    const p = m?.[2];
    return { host, port: p === undefined || p === '*' ? '*' : Number(p) };
  });
}

/**
 * Finds the files of the tree an `Include`/`IncludeOptional` argument names (collectors/apache: `includeResolver`),
 * given the file that includes it. `assumed` says why a file was taken that the argument does not name.
 */
export type IncludeResolver = (
  pattern: string,
  from: string,
  optional: boolean,
) => Array<{ file: string; src: string; assumed?: string }>;

/** An `Include` whose file is not in the tree: the vhost is read without it. */
export interface MissingInclude {
  ref: Ref;
  directive: string;
  pattern: string;
}

const MAX_INCLUDE_DEPTH = 8;

/** Marks an included file's directives (and their blocks') with the file they are written in. */
function markFile(list: ApacheNode[], file: string): void {
  for (const c of list) {
    c.file = file;
    if (c.block) markFile(c.block, file);
  }
}

/**
 * `Include` / `IncludeOptional` (core): the named files' directives take the directive's place, in their own
 * file's lines. Bounded in depth; a file never includes itself again on the same path.
 */
function expandIncludes(
  nodes: ApacheNode[],
  resolve: IncludeResolver | undefined,
  stack: string[],
  notes: string[],
  errors: Array<{ line: number; message: string }>,
  missing: MissingInclude[],
): ApacheNode[] {
  const out: ApacheNode[] = [];
  for (const n of nodes) {
    const k = n.name.toLowerCase();
    if ((k === 'include' || k === 'includeoptional') && resolve && n.args[0]) {
      const from = n.file ?? (stack[stack.length - 1] as string);
      const found = resolve(n.args[0], from, k === 'includeoptional').filter((f) => !stack.includes(f.file));
      if (found.length === 0) {
        missing.push({ ref: { file: from, line: n.line, snippet: n.raw }, directive: n.name, pattern: n.args[0] });
        out.push(n);
        continue;
      }
      if (stack.length >= MAX_INCLUDE_DEPTH) {
        notes.push(`${n.file ?? stack[0]}:${n.line}: includes nested deeper than ${MAX_INCLUDE_DEPTH}: not followed`);
        out.push(n);
        continue;
      }
      for (const f of found) {
        const parsed = parseApache(f.src);
        for (const e of parsed.errors) errors.push({ line: n.line, message: `${f.file}:${e.line}: ${e.message}` });
        markFile(parsed.nodes, f.file);
        notes.push(`${from}:${n.line}: ${n.name} ${n.args[0]} -> ${f.file}${f.assumed ? ` (assumed: ${f.assumed})` : ''}`);
        out.push(...expandIncludes(parsed.nodes, resolve, [...stack, f.file], notes, errors, missing));
      }
      continue;
    }
    if (n.block) n.block = expandIncludes(n.block, resolve, stack, notes, errors, missing);
    out.push(n);
  }
  return out;
}

/**
 * Server-level fragments the file is read after, though no file of the tree includes them: Debian's apache2.conf
 * (not in the tree) has `IncludeOptional conf-enabled/*.conf` and `IncludeOptional sites-enabled/*.conf`, so a
 * `conf-enabled/` fragment's RequestHeader / RemoteIP* rules are the main server's, which every vhost inherits
 * (mod_headers merges the server's rules before the vhost's, whatever the order of the two includes: checked on
 * Debian's apache2 2.4 with a real request). `why` is said in the include note.
 */
export interface ApachePrelude {
  file: string;
  src: string;
  why: string;
}

export function readApache(
  file: string,
  src: string,
  resolve?: IncludeResolver,
  prelude: ApachePrelude[] = [],
): {
  config: ProxyConfigFacts;
  errors: Array<{ line: number; message: string }>;
  included: string[];
  missing: MissingInclude[];
  passenger: Array<{ root: string; ref: Ref }>;
  php: Array<{ root: string; ref: Ref }>;
  wsgi: Array<WsgiScope & { alias: NonNullable<WsgiScope['alias']> }>;
  /** A ProxyPass outside any `<VirtualHost>`: where the file (or what includes it) puts it is unknown. */
  fragment?: Ref;
} {
  const notes: string[] = [];
  const parsed = parseApache(src);
  const errors = parsed.errors;
  const includeNotes: string[] = [];
  const missing: MissingInclude[] = [];
  const before: ApacheNode[] = [];
  for (const p of prelude) {
    const pre = parseApache(p.src);
    for (const e of pre.errors) errors.push({ line: 1, message: `${p.file}:${e.line}: ${e.message}` });
    markFile(pre.nodes, p.file);
    notes.push(`${file}: read after ${p.file} (assumed: ${p.why})`);
    before.push(...expandIncludes(pre.nodes, resolve, [file, p.file], includeNotes, errors, missing));
  }
  const nodes = [...before, ...expandIncludes(parsed.nodes, resolve, [file], includeNotes, errors, missing)];
  const included = [
    ...new Set(
      includeNotes.map(
        (x) =>
          x
            .split(' -> ')
            .pop()
            ?.replace(/ \(assumed: .*$/, '') as string,
      ),
    ),
  ];
  for (const p of prelude) if (!included.includes(p.file)) included.push(p.file);
  notes.push(...includeNotes);
  // Balancers: <Proxy balancer://NAME> BalancerMember URL ...
  const balancers = new Map<string, Upstream[]>();
  for (const { node } of walkApache(nodes)) {
    if (node.name.toLowerCase() === 'proxy' && /^balancer:\/\//i.test(node.args[0] ?? '')) {
      const key = (node.args[0] as string).replace(/\/+$/, '').toLowerCase();
      const members: Upstream[] = [];
      for (const c of node.block ?? [])
        if (c.name.toLowerCase() === 'balancermember' && c.args[0])
          members.push({
            text: c.args[0],
            address: urlAddress(c.args[0]),
            ref: { file: c.file ?? file, line: c.line },
            group: key,
          });
      balancers.set(key, members);
    }
  }
  const main: Scope = { headers: [], names: [], remoteTrusted: [], wsgi: { trustedHeaders: [] }, reverse: [] };
  const vhostNodes: ApacheNode[] = [];
  const mainProxies: Array<{ node: ApacheNode; path?: string; scope: Scope }> = [];
  /** `Listen [addr:]port [protocol]` lines: where the main server (no `<VirtualHost>`) answers. */
  const listens: string[] = [];
  // Server-level directives (outside <VirtualHost>) set defaults every vhost inherits.
  const visitMain = (list: ApacheNode[], scope: Scope, path: string | undefined) => {
    for (const n of list) {
      const k = n.name.toLowerCase();
      if (k === 'virtualhost') vhostNodes.push(n);
      else if (k === 'ifmodule' || k === 'ifdefine' || k === 'ifversion' || k === 'if' || k === 'else')
        visitMain(n.block ?? [], scope, path);
      else if (k === 'location' || k === 'locationmatch') {
        const inner = inherit(scope);
        visitMain(n.block ?? [], inner, n.args[0] ?? '/');
      } else if (FILE_SCOPES.has(k)) applyFileScope(scope, n.file ?? file, n.block ?? [], 0);
      else if (n.block) continue;
      else if (k === 'proxypass' || k === 'proxypassmatch') mainProxies.push({ node: n, path, scope });
      else if (k === 'listen' && n.args[0] && path === undefined) listens.push(n.args[0]);
      else apply(scope, n.file ?? file, n, notes);
    }
  };
  visitMain(nodes, main, undefined);
  const sites: ProxySite[] = [];
  let fragment: Ref | undefined;
  const passenger: Array<{ root: string; ref: Ref }> = [];
  const php: Array<{ root: string; ref: Ref }> = [];
  const wsgi: Array<WsgiScope & { alias: NonNullable<WsgiScope['alias']> }> = [];
  const extra: ApacheExtra = { vhosts: [], remoteIp: [] };
  const build = (
    label: string,
    ref: Ref,
    addrs: ReturnType<typeof vhostAddrs>,
    scope: Scope,
    proxies: Array<{ node: ApacheNode; path?: string; scope: Scope }>,
  ): ProxySite => {
    const tls = Boolean(scope.tls);
    const listeners: Listener[] = [];
    for (const a of addrs) {
      // `<VirtualHost *>` / `*:*` answers on every `Listen` port, and a templated port is set at render time:
      // either way a real listener whose number is not known here.
      const unknownPort = a.port === '*' || a.port === 'templated';
      const wildcard = a.host === '*' || a.host === '_default_' || a.host === '0.0.0.0';
      listeners.push({
        port: typeof a.port === 'number' ? a.port : tls ? 443 : 80,
        address: wildcard ? undefined : a.host.replace(/^\[|\]$/g, ''),
        tls,
        proxyProtocol: false,
        defaultServer: false,
        ref,
        ...(unknownPort ? { portUnknown: true } : {}),
      });
    }
    const routes: ProxyRoute[] = [];
    for (const p of proxies) {
      const args = p.node.args;
      // ProxyPassMatch REGEX URL (or URL alone inside <LocationMatch>): the route of the paths the regex matches,
      // its sample one it matches (chain/topology/regex-sample.ts, as for an nginx `location ~`).
      const regex = p.node.name.toLowerCase() === 'proxypassmatch';
      const path = p.path ?? args[0] ?? '/';
      const url = p.path !== undefined ? args[0] : args[1];
      if (!url || url === '!') continue;
      const pref: Ref = { file: p.node.file ?? file, line: p.node.line, snippet: p.node.raw };
      // mod_proxy's add_pass: outside <Location> the first word is the path, the second the URL, which must be
      // absolute (`scheme://`, or `unix:/sock|http://`; `app:5000/` is refused too), else Apache refuses the whole configuration (2.4: AH00526 "ProxyPass URL must be
      // absolute!"). The one-word form (`ProxyPass http://app:8000/ keepalive=On`) belongs inside <Location>. A URL
      // with a variable (`${BACKEND}`, Define'd) is left to the upstream resolution.
      if (!/^(?:[a-z][a-z0-9+.-]*:\/\/|unix:)/i.test(url) && !/[$%]\{/.test(url)) {
        const where = p.node.file && p.node.file !== file ? `${p.node.file}:${p.node.line}: ` : '';
        errors.push({
          line: p.node.line,
          message: `${where}${p.node.name} ${args.join(' ')}: the URL \`${url}\` is not absolute; Apache refuses to start ("ProxyPass URL must be absolute!")${p.path === undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(path) ? ': outside <Location> the path comes first' : ''}. This ProxyPass is not read`,
        });
        continue;
      }
      const s = p.scope;
      const match = `${regex ? 'ProxyPassMatch' : 'ProxyPass'} ${path}`;
      const samplePath = regex
        ? (regexLocationSample(`~ ${path}`) ?? '/')
        : path.startsWith('/')
          ? path.replace(/[$^]/g, '') || '/'
          : '/';
      if (/^fcgi:\/\//i.test(url)) {
        // mod_proxy_fcgi (ProxyPass/ProxyPassMatch to fcgi://, php-fpm) sends the request's CGI environment
        // (r->subprocess_env: mod_ssl's HTTPS=on on a TLS connection only, the client's headers as HTTP_*, its Host
        // unchanged); the X-Forwarded-* headers are mod_proxy_http's (ap_proxy_create_hdrbrgd), not sent here.
        routes.push({
          id: `apache:${pref.file}:${p.node.line}`,
          match,
          samplePath,
          ref: pref,
          protocol: 'fastcgi',
          upstreams: [{ text: url, address: urlAddress(url), ref: pref }],
          headers: [
            {
              name: 'HTTPS',
              value: '{https}',
              ref: { ...pref, origin: 'default', snippet: "mod_ssl: $_SERVER['HTTPS']=on only on a TLS connection" },
              from: 'default',
            },
            ...s.headers,
          ],
        });
        continue;
      }
      const rules: HeaderRule[] = [
        {
          name: 'Host',
          value: s.preserveHost?.on ? '{http_host}' : '{proxy_host}',
          ref: s.preserveHost?.ref ?? { ...pref, origin: 'default' },
          from: s.preserveHost ? 'route' : 'default',
        },
      ];
      if (s.addHeaders?.on !== false || s.addHeaders === undefined) {
        const dref: Ref = {
          ...pref,
          origin: 'default',
          snippet: 'mod_proxy_http appends X-Forwarded-For/-Host/-Server (never X-Forwarded-Proto)',
        };
        if (!(s.addHeaders && !s.addHeaders.on)) {
          rules.push({ name: 'X-Forwarded-For', value: '{remote_addr}', append: true, ref: dref, from: 'default' });
          rules.push({ name: 'X-Forwarded-Host', value: '{http_host}', append: true, ref: dref, from: 'default' });
          rules.push({
            name: 'X-Forwarded-Server',
            value: scope.names[0] ?? 'localhost',
            append: true,
            ref: dref,
            from: 'default',
          });
        }
      }
      rules.push(...s.headers);
      const key = url.replace(/\/+$/, '').toLowerCase();
      // `balancer://app/x` is balancer `app`; `balancer://app2/` is not (a whole name, not a prefix).
      const bal = /^balancer:\/\//i.test(url)
        ? [...balancers.entries()].find(([k]) => key === k || key.startsWith(`${k}/`))?.[1]
        : undefined;
      const ups: Upstream[] = bal?.length ? bal : [{ text: url, address: urlAddress(url), ref: pref }];
      const target = ups[0]?.text ?? url;
      routes.push({
        id: `apache:${pref.file}:${p.node.line}`,
        match,
        samplePath,
        ref: pref,
        protocol: /^https:|^wss:/i.test(target.replace(/^unix:[^|]*\|/i, ''))
          ? 'https'
          : /^fcgi:/i.test(target)
            ? 'fastcgi'
            : 'http',
        upstreams: ups,
        headers: rules,
        ...reverseRewrites(s.reverse, balancers),
      });
    }
    const app = passengerApp(scope);
    if (app && !routes.some((r) => r.samplePath === '/')) {
      // mod_passenger serves the vhost: client headers pass on, RequestHeader rules apply (mod_headers runs in the
      // fixups before Passenger's handler), and HTTPS=on is set only on this vhost's own TLS connection.
      passenger.push(app);
      routes.push(
        moduleRoute(
          scope,
          'passenger',
          `Passenger ${app.root}`,
          '/',
          app.ref,
          'http',
          {
            text: passengerSocket(app.root),
            address: { kind: 'unix', path: passengerSocket(app.root) },
            ref: app.ref,
          },
          'mod_passenger: HTTPS=on only on a TLS connection',
        ),
      );
    }
    if (scope.php && !app && !routes.some((r) => r.samplePath === '/')) {
      // The vhost runs its `.php` files itself (mod_php) or hands them to php-fpm (mod_proxy_fcgi): PHP's
      // $_SERVER['HTTPS'] is `on` only on this vhost's own TLS connection (mod_ssl's fixup sets it; on a plain one it
      // is unset, and a client's `HTTPS:` header becomes HTTP_HTTPS), RequestHeader rules apply first (mod_headers).
      const h = scope.php;
      const root = scope.docRoot ?? `${baseName(ref.file)}:${ref.line}`;
      const upstream: Upstream =
        h.kind === 'mod_php'
          ? { text: modPhpSocket(root), address: { kind: 'unix', path: modPhpSocket(root) }, ref: h.ref }
          : { text: h.target, address: urlAddress(h.target.replace(/^proxy:/i, '')), ref: h.ref };
      if (h.kind === 'mod_php') php.push({ root, ref: h.ref });
      routes.push(
        moduleRoute(
          scope,
          'php',
          h.kind === 'mod_php' ? `mod_php ${root}` : `SetHandler ${h.target}`,
          '/',
          h.ref,
          h.kind === 'mod_php' ? 'http' : 'fastcgi',
          upstream,
          "mod_ssl: $_SERVER['HTTPS']=on only on a TLS connection",
        ),
      );
    }
    const w = scope.wsgi;
    const wsgiPath = w.alias?.url.startsWith('/') ? w.alias.url : '/';
    if (w.alias && !app && !scope.php && !routes.some((r) => r.samplePath === '/' || r.samplePath === wsgiPath)) {
      // mod_wsgi runs the Python app inside this Apache: wsgi.url_scheme follows Apache's HTTPS variable (on only on
      // this vhost's own TLS connection, or set by SetEnvIf / WSGITrustedProxyHeaders: the app server's facts), and
      // RequestHeader rules apply first (mod_headers' fixups run before mod_wsgi's handler). A ProxyPass of `/` wins
      // over it (mod_proxy translates names first).
      const alias = w.alias;
      const socket = modWsgiSocket(alias.script);
      wsgi.push({ ...w, alias });
      routes.push(
        moduleRoute(
          scope,
          'wsgi',
          `WSGIScriptAlias ${alias.url}`,
          wsgiPath,
          alias.ref,
          'http',
          {
            text: socket,
            address: { kind: 'unix', path: socket },
            ref: alias.ref,
          },
          'mod_ssl: HTTPS=on only on a TLS connection',
        ),
      );
    }
    const trusted = scope.remoteTrusted;
    const clientAddress = scope.remoteIp
      ? { trustedFrom: trusted.length ? trusted : ['*'], header: scope.remoteIp.header, recursive: true, ref: scope.remoteIp.ref }
      : undefined;
    if (scope.remoteIp) extra.remoteIp.push({ header: scope.remoteIp.header, trusted, ref: scope.remoteIp.ref });
    const ports = listeners.map((l) => l.port);
    return {
      id: `apache:${ref.file}:${ref.line}`,
      label: listeners.length
        ? `apache :${[...new Set(listeners.map((l) => (l.portUnknown ? '?' : l.port)))].join(',')} (${baseName(ref.file)}:${ref.line})`
        : `${label} (${baseName(ref.file)}:${ref.line})`,
      ref,
      names: [...new Set(scope.names)],
      listeners: ports.length ? listeners : [],
      routes,
      siteHeaders: scope.headers,
      passesIncoming: true,
      trust: { mode: 'passthrough', list: [], ref: { ...ref, origin: 'default' } },
      clientAddress,
      mode: 'http',
      notes,
    };
  };
  for (const vh of vhostNodes) {
    const scope = inherit(main);
    const proxies: Array<{ node: ApacheNode; path?: string; scope: Scope }> = [];
    const vhostLevel: ApacheNode[] = [];
    const visit = (list: ApacheNode[], sc: Scope, path: string | undefined, depth: number) => {
      for (const n of list) {
        const k = n.name.toLowerCase();
        if (depth > 16) break;
        if (path === undefined && !n.block) vhostLevel.push(n);
        if (k === 'ifmodule' || k === 'ifdefine' || k === 'ifversion' || k === 'if' || k === 'else')
          visit(n.block ?? [], sc, path, depth + 1);
        else if (k === 'location' || k === 'locationmatch') visit(n.block ?? [], inherit(sc), n.args[0] ?? '/', depth + 1);
        else if (FILE_SCOPES.has(k) && path === undefined) applyFileScope(sc, n.file ?? file, n.block ?? [], 0);
        else if (n.block) continue;
        else if (k === 'proxypass' || k === 'proxypassmatch') proxies.push({ node: n, path, scope: sc });
        else apply(sc, n.file ?? file, n, notes);
      }
    };
    visit(vh.block ?? [], scope, undefined, 0);
    // Location-scoped headers were collected into their own scope; vhost-level rules apply to all.
    const ref: Ref = { file: vh.file ?? file, line: vh.line, snippet: `<VirtualHost ${vh.args.join(' ')}>` };
    const site = build(`apache <VirtualHost ${vh.args.join(' ')}>`, ref, vhostAddrs(vh.args), scope, proxies);
    const redirect = httpsRedirect(vhostLevel, file, notes);
    if (redirect && !scope.tls) {
      site.redirectsToHttps = redirect.ref;
      site.redirectDecidedBy = redirect.decidedBy;
    }
    sites.push(site);
    extra.vhosts.push({ addrs: vh.args, ref, proxies: site.routes.length > 0, headerRules: scope.headers });
  }
  // A :80 vhost that only redirects to https is the plain side of the TLS vhost of its names (facts/redirect-sites.ts).
  // Only a redirect by the connection: on a plain listener it answers every request, while one conditioned on
  // X-Forwarded-Proto lets the others through to the vhost's own content, not to the TLS vhost's ProxyPass.
  const config: ProxyConfigFacts = { kind: 'apache', file, sites, assumedVersion: '2.4', apache: extra };
  for (const site of [...sites])
    if (
      site.routes.length === 0 &&
      site.redirectsToHttps &&
      (site.redirectDecidedBy ?? 'connection') === 'connection' &&
      site.listeners.length > 0 &&
      site.listeners.every((l) => !l.tls)
    )
      joinTlsSite({
        config,
        site,
        listeners: site.listeners,
        redirect: site.redirectsToHttps,
        decidedBy: site.redirectDecidedBy ?? 'connection',
      });
  if (mainProxies.length > 0) {
    // A fragment (or server-level ProxyPass): included into a vhost the file does not show.
    const ref: Ref = { file: mainProxies[0]?.node.file ?? file, line: mainProxies[0]?.node.line ?? 1 };
    const site = build('apache (included fragment)', ref, [], main, mainProxies);
    site.notes.push('server-level or fragment ProxyPass: the including <VirtualHost> (port, SSLEngine) is not in this file');
    sites.push(site);
    fragment = ref;
  } else if (vhostNodes.length === 0 && main.wsgi.alias) {
    // A server-level WSGIScriptAlias with no <VirtualHost>: the main server runs the app itself, on every `Listen`
    // address (a port alone: every interface); with none in this file, on a port set elsewhere (Debian's ports.conf).
    // Checked on Debian's apache2 with mod_wsgi 4.9.4 (test/python/mod-wsgi.test.ts).
    const addrs = listens.length > 0 ? vhostAddrs(listens.map((l) => (/^\d+$/.test(l) ? `*:${l}` : l))) : vhostAddrs(['*']);
    sites.push(build('apache (server config)', { file, line: 1 }, addrs, main, []));
  } else if (vhostNodes.length === 0 && main.remoteIp) {
    sites.push(build('apache (server config)', { file, line: 1 }, [], main, []));
  }
  return { config, errors, included, missing, passenger, php, wsgi, fragment };
}

const DEBIAN_LAYOUT =
  "Debian's apache2.conf includes conf-enabled/*.conf and sites-enabled/*.conf: a server-level rule there applies to every vhost";
const CONF_D_LAYOUT =
  "RHEL/Fedora's httpd.conf (IncludeOptional conf.d/*.conf; Debian's apache2.conf before 2.4 too) includes every conf.d/*.conf at server level: a server-level rule there applies to every vhost";

/** Where a distribution's main config includes server-level fragments and the vhost files that inherit them. */
const LAYOUTS: Array<{ fragments: string; vhosts: string[]; why: string }> = [
  { fragments: 'conf-enabled', vhosts: ['sites-enabled'], why: DEBIAN_LAYOUT },
  // RHEL/Fedora (/etc/httpd/conf.d) and Debian's 2.2 layout: fragments and vhosts side by side in conf.d/.
  { fragments: 'conf.d', vhosts: ['conf.d', 'sites-enabled'], why: CONF_D_LAYOUT },
];

/**
 * A distribution's layout when its main config (apache2.conf, httpd.conf) is not in the tree: for each vhost file of
 * `X/sites-enabled/` (Debian) or `X/conf.d/` (RHEL/Fedora), the server-level fragments of the sibling
 * `X/conf-enabled/` or `X/conf.d/` (no `<VirtualHost>`, no ProxyPass: their RequestHeader and RemoteIP* rules are the
 * main server's; real apache2 2.4, test/proxy/apache-server-level.test.ts and apache-rhel-layout.test.ts). Only files
 * no file of the tree includes (a main config in the tree says itself what it includes). Keyed by the vhost file.
 */
export function layoutPreludes(files: Array<{ file: string; src: string }>): Map<string, ApachePrelude[]> {
  const split = (file: string) => {
    const segs = file.split('/');
    return { dir: segs[segs.length - 2] ?? '', parent: segs.slice(0, -2).join('/') };
  };
  const byPlace = new Map<string, ApachePrelude[]>();
  for (const x of files) {
    const { dir, parent } = split(x.file);
    const layout = LAYOUTS.find((l) => l.fragments === dir);
    if (!layout || VIRTUAL_HOST_LINE.test(x.src) || /^\s*ProxyPass(Match)?\s/im.test(x.src)) continue;
    const key = `${dir}\0${parent}`;
    const list = byPlace.get(key) ?? [];
    list.push({ file: x.file, src: x.src, why: layout.why });
    byPlace.set(key, list);
  }
  const out = new Map<string, ApachePrelude[]>();
  for (const x of files) {
    const { dir, parent } = split(x.file);
    const pre = LAYOUTS.filter((l) => l.vhosts.includes(dir)).flatMap((l) => byPlace.get(`${l.fragments}\0${parent}`) ?? []);
    if (pre.length > 0 && !pre.some((p) => p.file === x.file))
      out.set(
        x.file,
        [...pre].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
      );
  }
  return out;
}

export const apacheCollector: Collector = {
  name: 'apache',
  collect(ctx) {
    const candidates: Array<{ f: (typeof ctx.files)[number]; text: string; fenced?: true }> = [];
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs)) continue;
      // A README's `<VirtualHost>` example is prose; a file named on the command line is read whatever its name.
      if (!f.explicit && isDocumentation(baseName(f.display))) continue;
      const name = configName(f.display);
      const head = readText(ctx, f);
      if (head === undefined) continue;
      // Named on the command line, the content decides (the name of `site.conf` says nothing).
      if (!(f.explicit ? sniffConfigFormat(head) === 'apache' || looksLikeApache(name, head) : looksLikeApache(name, head)))
        continue;
      candidates.push({ f, text: head });
    }
    // A `<VirtualHost>` shown in a Markdown/MDX code fence (collectors/fenced.ts) is the guide's Apache, read at the
    // document's lines; a fence quoting a file of the tree is that file. The document stays unclaimed.
    for (const { f, block } of fencedOfFormat(
      ctx,
      'apache',
      candidates.map((c) => c.text),
    ))
      candidates.push({ f, text: block.text, fenced: true });
    const named = includeResolver(ctx);
    // A file another Apache file includes is read where it is included (its vhost's port and SSLEngine), not alone.
    const includersOf = (resolve: IncludeResolver) => {
      const by = new Map<string, string>();
      let missingInclude = false;
      for (const c of candidates) {
        const read = readApache(c.f.display, c.text, resolve);
        for (const inc of read.included) if (inc !== c.f.display && !by.has(inc)) by.set(inc, c.f.display);
        missingInclude ||= read.missing.some((m) => m.directive.toLowerCase() === 'include');
      }
      return { by, missingInclude };
    };
    const byName = includersOf(named);
    // Fragments (no <VirtualHost>) that no file of the tree includes by name: an Include whose file is not in the
    // tree may be one of them, rendered or packaged under another name (below). Only then is every file read again.
    const orphans = byName.missingInclude
      ? candidates.filter((c) => !byName.by.has(c.f.display) && !/^\s*<VirtualHost\b/im.test(c.text))
      : [];
    const resolve = orphans.length > 0 ? withOrphanFragments(named, orphans) : named;
    const includedBy = orphans.length > 0 ? includersOf(resolve).by : byName.by;
    const preludes = layoutPreludes(
      candidates.filter((c) => !c.fenced && !includedBy.has(c.f.display)).map((c) => ({ file: c.f.display, src: c.text })),
    );
    const usedPrelude = new Set([...preludes.values()].flat().map((p) => p.file));
    for (const { f, text, fenced } of candidates) {
      if (!fenced) ctx.claimed.add(f.abs);
      if (!fenced && includedBy.has(f.display)) continue;
      // A conf-enabled fragment is read as part of the sites-enabled vhosts that inherit it, not alone.
      if (!fenced && usedPrelude.has(f.display)) continue;
      const { config, errors, included, missing, passenger, php, wsgi, fragment } = readApache(
        f.display,
        text,
        resolve,
        fenced ? [] : (preludes.get(f.display) ?? []),
      );
      if (fragment && !fenced)
        // No file of the tree includes it (else it would be read there): its routes reach the chain without a
        // listener, so nothing judges the scheme they forward. Said, not silent.
        ctx.facts.diagnostics.push({
          level: 'note',
          file: fragment.file,
          line: fragment.line,
          message:
            'Apache config: a ProxyPass outside any <VirtualHost>, in a file no file of the tree includes: the vhost or server config that includes it (its port, SSLEngine) is not here, so what reaches these routes is unknown',
        });
      for (const e of errors)
        ctx.facts.diagnostics.push({ level: 'warning', file: f.display, line: e.line, message: `Apache config: ${e.message}` });
      for (const m of missing) {
        // Include of a missing file stops Apache; IncludeOptional (or a wildcard) skips it. Either way what it would
        // add (ProxyPass, RequestHeader) is unknown here.
        const optional = m.directive.toLowerCase() === 'includeoptional' || /[*?[]/.test(m.pattern);
        ctx.facts.diagnostics.push({
          level: optional ? 'note' : 'warning',
          file: m.ref.file,
          line: m.ref.line,
          message: `Apache config: ${m.directive} ${m.pattern}: not in the tree, so the config was read without it (what it adds, a ProxyPass or a RequestHeader, is unknown)`,
        });
      }
      for (const inc of included) {
        const g = ctx.files.find((x) => x.display === inc);
        if (g) ctx.claimed.add(g.abs);
      }
      addProxyFacts(ctx, config);
      for (const p of passenger) {
        const path = passengerSocket(p.root);
        if (ctx.facts.appServers.some((a) => a.name === 'passenger' && a.binds.some((b) => b.path === path))) continue;
        ctx.facts.appServers.push(passengerServer(p.root, p.ref, 'apache'));
      }
      for (const p of php) {
        const path = modPhpSocket(p.root);
        if (ctx.facts.appServers.some((a) => a.name === 'mod_php' && a.binds.some((b) => b.path === path))) continue;
        ctx.facts.appServers.push(apacheModPhpServer(p.root, p.ref));
      }
      for (const w of wsgi) {
        const path = modWsgiSocket(w.alias.script);
        if (ctx.facts.appServers.some((a) => a.name === 'mod_wsgi' && a.binds.some((b) => b.path === path))) continue;
        ctx.facts.appServers.push(modWsgiServer(w));
      }
    }
  },
};

/**
 * Resolves an Include argument against the files of the tree: the server's path (`/etc/apache2/conf.d/x.conf`,
 * or relative to ServerRoot) is not where the repository keeps the file, so the path is matched from its end —
 * the file name (a glob, templates by the name they render to) and as many folders above it as match. The files
 * that match most segments win; a match on the file name alone counts only when one file has that name.
 */
/** A path pattern that matches every request path (`/` unanchored; `^`, `^/?(.*)$`, `(.*)`, `^/(.*)`, `.*` ...). */
function allPaths(pattern: string | undefined): boolean {
  if (pattern === undefined) return false;
  const rest = pattern.replace(/^\^/, '').replace(/^\/\??/, '');
  return ['', '(.*)', '.*', '(.*)$', '.*$'].includes(rest);
}

/**
 * A vhost's redirect of every request to https (mod_alias, mod_rewrite), and what decides "the request is http":
 * - `Redirect [status] / https://...`, `RedirectMatch [status] ^/?(.*)$ https://...`, `RedirectPermanent / https://`:
 *   unconditional on that vhost (mod_alias; a plain vhost: the connection);
 * - `RewriteEngine On` and a `RewriteRule` over every path to `https://...` with `[R]`, whose `RewriteCond`s are only
 *   about the connection (`%{HTTPS} off`/`!=on`, `%{SERVER_PORT} 80`/`!443`, `%{REQUEST_SCHEME} http`/`!https`, or
 *   none): the connection; `%{HTTP:X-Forwarded-Proto} !https` reads the header from whoever sent it (mod_rewrite
 *   trusts no list): `forwarded-proto-any`; `=http` or `^http$` redirects only a request whose header says http:
 *   `forwarded-proto-http`. Any other condition (a host, a path) makes it partial: not modelled.
 * mod_rewrite's vhost rules run without `RewriteOptions Inherit` from the server config only when the vhost has its
 * own `RewriteEngine On` (mod_rewrite docs), so the engine switch is read from the vhost level.
 */
export function httpsRedirect(
  nodes: ApacheNode[],
  file: string,
  notes: string[],
): { ref: Ref; decidedBy: RedirectDecidedBy } | undefined {
  let engine = false;
  let conds: ApacheNode[] = [];
  for (const n of nodes) {
    const k = n.name.toLowerCase();
    const ref: Ref = { file: n.file ?? file, line: n.line, snippet: n.raw };
    if (k === 'redirect' || k === 'redirectmatch' || k === 'redirectpermanent' || k === 'redirecttemp') {
      const a = [...n.args];
      // `Redirect [status] URL-path URL`: a third argument is the status (permanent, temp, seeother, 301...).
      if (a.length >= 3) a.shift();
      const [path, url] = a;
      const all = k === 'redirectmatch' ? allPaths(path) : path === '/';
      if (all && /^https:\/\//i.test(url ?? '')) return { ref, decidedBy: 'connection' };
      continue;
    }
    if (k === 'rewriteengine') {
      engine = /^on$/i.test(n.args[0] ?? '');
      continue;
    }
    if (k === 'rewritecond') {
      conds.push(n);
      continue;
    }
    if (k !== 'rewriterule') continue;
    const these = conds;
    conds = [];
    if (!engine) continue;
    const [pattern, target, flags = ''] = n.args;
    if (!allPaths(pattern) || !/^https:\/\//i.test(target ?? '') || !/\bR\b|\bR=|redirect/i.test(flags)) continue;
    let decidedBy: RedirectDecidedBy = 'connection';
    let partial = false;
    for (const c of these) {
      const [test, cond = '', cflags = ''] = c.args;
      const t = (test ?? '').toLowerCase();
      const v = cond
        .toLowerCase()
        .replace(/^=/, '')
        .replace(/^\^(.*)\$$/, '$1');
      if (/\bOR\b/i.test(cflags)) partial = true;
      else if (t === '%{https}' && (v === 'off' || v === '!on' || v === '!=on' || v === '!^on$')) continue;
      else if (t === '%{server_port}' && (v === '80' || v === '!443' || v === '!=443')) continue;
      else if (t === '%{request_scheme}' && (v === 'http' || v === '!https' || v === '!=https')) continue;
      else if (t === '%{http:x-forwarded-proto}' && (v === '!https' || v === '!=https')) decidedBy = 'forwarded-proto-any';
      // `=http` and `^http$` hold only for a request whose header says http (without it, no redirect); a bare `http`
      // is an unanchored regex that "https" matches too: not modelled.
      else if (t === '%{http:x-forwarded-proto}' && v === 'http' && /^(=|\^)/.test(cond)) decidedBy = 'forwarded-proto-http';
      else partial = true;
    }
    if (partial) {
      notes.push(
        `${ref.file}:${n.line}: a RewriteRule to https under conditions other than the connection's scheme is not modelled as a redirect`,
      );
      continue;
    }
    return { ref: { file: n.file ?? file, line: n.line, snippet: n.raw }, decidedBy };
  }
  return undefined;
}

export function includeResolver(ctx: Parameters<Collector['collect']>[0]): IncludeResolver {
  const files = ctx.files.map((f) => {
    const segs = f.display.split('/');
    segs[segs.length - 1] = configName(f.display);
    return { f, segs };
  });
  const cache = new Map<string, Array<{ file: string; src: string }>>();
  return (pattern) => {
    const hit = cache.get(pattern);
    if (hit) return hit;
    const want = pattern.split('/').filter((s) => s !== '' && s !== '.');
    let best = 0;
    let matches: typeof files = [];
    for (const x of files) {
      let n = 0;
      while (
        n < want.length &&
        n < x.segs.length &&
        globToRegExp(want[want.length - 1 - n] as string).test(x.segs[x.segs.length - 1 - n] as string)
      )
        n++;
      if (n === 0) continue;
      if (n > best) {
        best = n;
        matches = [x];
      } else if (n === best) matches.push(x);
    }
    const glob = /[*?[]/.test(want[want.length - 1] ?? '');
    const ok = best >= 2 || (best === 1 && matches.length === 1 && !glob);
    const out: Array<{ file: string; src: string }> = [];
    if (ok)
      for (const { f } of matches.slice(0, 64)) {
        const src = readText(ctx, f);
        if (src !== undefined) out.push({ file: f.display, src });
      }
    cache.set(pattern, out);
    return out;
  };
}

/**
 * The name's endings after its first dot (`crowbar.conf.partial` -> `.conf.partial`; a template by the name it
 * renders to). Two files with the same endings are the same kind of fragment.
 */
function endings(name: string): string {
  const base = configName(name);
  const dot = base.indexOf('.', 1);
  return dot < 0 ? '' : base.slice(dot).toLowerCase();
}

/**
 * An Include the tree has no file for, resolved to a fragment beside the including file: a deployment tool renders
 * or packages the fragment under the name the Include uses (Chef's `template "conf.d/x.partial"` from `y.partial.erb`),
 * which the tree does not show. Taken only when exactly one fragment in the including file's folder has the same
 * endings as the Include's file name (more than `.conf`) and no file includes it by name; the include note says
 * it was assumed. Only for `Include`, which stops Apache when its file is missing (so it exists where Apache runs);
 * an absent `IncludeOptional` file is as likely absent there too.
 */
function withOrphanFragments(named: IncludeResolver, orphans: Array<{ f: { display: string }; text: string }>): IncludeResolver {
  return (pattern, from, optional) => {
    const found = named(pattern, from, optional);
    if (optional) return found;
    // `x.partia[l]` (IncludeOptional's idiom for "this file if present") names one file; a real wildcard does not.
    const literal = pattern.replace(/\[([^\]^!])\]/g, '$1');
    if (found.length > 0 || /[*?[]/.test(literal)) return found;
    const want = endings(literal.split('/').pop() ?? '');
    if (want.split('.').length < 3) return found;
    const dir = from.slice(0, from.lastIndexOf('/') + 1);
    const beside = orphans.filter(
      (o) =>
        o.f.display !== from && o.f.display.slice(0, o.f.display.lastIndexOf('/') + 1) === dir && endings(o.f.display) === want,
    );
    if (beside.length !== 1) return found;
    const o = beside[0] as (typeof beside)[number];
    return [
      {
        file: o.f.display,
        src: o.text,
        assumed: `${pattern} is not in the tree; ${baseName(o.f.display)} is the only ${want} fragment beside it that nothing includes`,
      },
    ];
  };
}

function urlAddress(url: string) {
  const u = url.replace(/^unix:([^|]*)\|.*$/i, 'unix:$1');
  if (u.toLowerCase().startsWith('unix:')) return { kind: 'unix' as const, path: u.slice(5) };
  const m = /^([a-z]+):\/\/([^/]+)/i.exec(url);
  if (!m) return null;
  const scheme = (m[1] as string).toLowerCase();
  return parseAddress(m[2] as string, scheme === 'https' || scheme === 'wss' ? 443 : 80);
}
