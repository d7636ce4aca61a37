/**
 * Shared pieces of the nginx checks: evidence from directive references, fix placement, and the
 * nginx.org reference URLs. Checks stay pure: everything comes from Facts.
 */

import { frontName } from '../../collectors/front/fronts.js';
import { proxyContainer } from '../../collectors/proxy/container.js';
import { isDockerfileName } from '../../collectors/sniff.js';
import {
  displayFile,
  frontProxyEvidence,
  HEADER_DIRECTIVE,
  headerSnippetScope,
  indentationAt,
  type NginxHeaderEntry,
  type NginxHeaderSet,
  type NginxListen,
  type NginxModel,
  type NginxPassKind,
  type NginxRedirect,
  type NginxRef,
  type NginxScope,
  type NginxServer,
  nginxModel,
  passingScopes,
  rewriteMatchesEveryUri,
  setOwner,
  sourceLine,
  sourceLines,
} from '../../facts/nginx/index.js';
import type { ComposeService } from '../../model/deploy.js';
import type { Facts } from '../../model/facts.js';
import type { Evidence, Fix, FixEdit } from '../../model/finding.js';
import { frontReachesProxy } from '../../model/proxy.js';

export const NGINX_DOCS = {
  proxySetHeader: 'https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header',
  proxyPass: 'https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass',
  proxyRedirect: 'https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_redirect',
  proxyAddXff: 'https://nginx.org/en/docs/http/ngx_http_proxy_module.html#var_proxy_add_x_forwarded_for',
  realip: 'https://nginx.org/en/docs/http/ngx_http_realip_module.html',
  realipRemoteAddr: 'https://nginx.org/en/docs/http/ngx_http_realip_module.html#var_realip_remote_addr',
  map: 'https://nginx.org/en/docs/http/ngx_http_map_module.html',
  geo: 'https://nginx.org/en/docs/http/ngx_http_geo_module.html',
  listen: 'https://nginx.org/en/docs/http/ngx_http_core_module.html#listen',
  varScheme: 'https://nginx.org/en/docs/http/ngx_http_core_module.html#var_scheme',
  varHost: 'https://nginx.org/en/docs/http/ngx_http_core_module.html#var_host',
  varHttps: 'https://nginx.org/en/docs/http/ngx_http_core_module.html#var_https',
  absoluteRedirect: 'https://nginx.org/en/docs/http/ngx_http_core_module.html#absolute_redirect',
  portInRedirect: 'https://nginx.org/en/docs/http/ngx_http_core_module.html#port_in_redirect',
  uwsgiParam: 'https://nginx.org/en/docs/http/ngx_http_uwsgi_module.html#uwsgi_param',
  uwsgiVars: 'https://uwsgi-docs.readthedocs.io/en/latest/Vars.html',
  fastcgiParam: 'https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_param',
  proxyProtocol: 'https://docs.nginx.com/nginx/admin-guide/load-balancer/using-proxy-protocol/',
  rfc7239: 'https://www.rfc-editor.org/rfc/rfc7239',
  rfc8555Http01: 'https://www.rfc-editor.org/rfc/rfc8555#section-8.3',
  rewriteReturn: 'https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return',
  djangoProxySsl: 'https://docs.djangoproject.com/en/stable/ref/settings/#secure-proxy-ssl-header',
  gunicornForwarded: 'https://docs.gunicorn.org/en/stable/settings.html#forwarded-allow-ips',
} as const;

const BASENAME = (f: string) => f.split('/').pop() ?? f;
const STOCK_PARAMS = new Set(['proxy_params', 'uwsgi_params', 'fastcgi_params', 'fastcgi.conf', 'scgi_params']);

/** "built-in copy of proxy_params (included at site:12)" style note for where a directive comes from. */
export function originNote(facts: Facts, ref: NginxRef): string | undefined {
  const inc = ref.includedVia[ref.includedVia.length - 1];
  if (!inc) return undefined;
  // A site file pulled in by nginx.conf's `include sites-enabled/*;` needs no note; a snippet or
  // stock params file included inside a server or location does: it is where the line comes from.
  if (ref.source !== 'builtin' && (inc.enclosing === 'http' || inc.enclosing === 'main')) return undefined;
  const at = `${displayFile(facts, inc.file)}:${inc.line}`;
  return ref.source === 'builtin'
    ? `from nginx's stock ${BASENAME(ref.file)} (built-in copy: the file was not found), included at ${at}`
    : `from ${displayFile(facts, ref.file)}, included at ${at}`;
}

/**
 * "in the template branch `{% if serve_docs %}` (line 16)": a directive of a template that only some renderings
 * contain says which (issue 12: template findings name their branch). Not repeated when the note already names it.
 */
export function branchNote(ref: NginxRef, note?: string): string | undefined {
  const b = ref.templateBranch;
  if (!b || note?.includes(b.tag)) return undefined;
  return `in the template branch \`${b.tag}\` (line ${b.line}): only renderings that take it have this line`;
}

/** Evidence for one directive: its own source line (or the re-serialised directive). */
export function refEvidence(facts: Facts, ref: NginxRef, note?: string): Evidence {
  const line = ref.source === 'builtin' ? undefined : sourceLine(facts, ref.file, ref.line);
  const e: Evidence = {
    file: displayFile(facts, ref.file),
    line: ref.line,
    snippet: line ?? ref.text,
    source: ref.source,
  };
  if (ref.column !== undefined) e.column = ref.column;
  // The non-empty notes joined by '; ' (no array per evidence: every nginx finding has several).
  const notes = joinNotes(joinNotes(note, originNote(facts, ref)), branchNote(ref, note));
  if (notes) e.note = notes;
  return e;
}

function joinNotes(a: string | undefined, b: string | undefined): string | undefined {
  return a && b ? `${a}; ${b}` : a || b;
}

/** File, then line: the order evidence lists directives in. */
const byRefOrder = (a: NginxRef, b: NginxRef): number => (a.file === b.file ? a.line - b.line : a.file.localeCompare(b.file));

function inRefOrder(refs: readonly NginxRef[]): boolean {
  for (let k = 1; k < refs.length; k++) if (byRefOrder(refs[k - 1] as NginxRef, refs[k] as NginxRef) > 0) return false;
  return true;
}

/** Evidence for several directives: consecutive lines of one file are shown as one snippet. */
export function refsEvidence(facts: Facts, refs: NginxRef[], note?: string): Evidence[] {
  const out: Evidence[] = [];
  // Most callers pass refs in file order already (a server's listens, one ref): a stable sort would keep them so.
  const sorted = inRefOrder(refs) ? refs : [...refs].sort(byRefOrder);
  let run: NginxRef[] = [];
  const flush = () => {
    const first = run[0];
    if (!first) return;
    const e = refEvidence(facts, first, note);
    if (run.length > 1) {
      const last = run[run.length - 1] as NginxRef;
      const span = first.source !== 'builtin' ? sourceLines(facts, first.file, first.line, last.line) : undefined;
      e.snippet = span ? span.join('\n') : run.map((r) => r.text).join('\n');
    }
    out.push(e);
    run = [];
  };
  for (const r of sorted) {
    const prev = run[run.length - 1];
    if (prev && (prev.file !== r.file || r.line !== prev.line + 1)) flush();
    run.push(r);
  }
  flush();
  return out;
}

/** Evidence for a whole block (`location / { ... }`): its lines up to the closing brace, when short. */
export function blockEvidence(facts: Facts, scope: NginxScope, note?: string): Evidence {
  const e = refEvidence(facts, scope.ref, note);
  const end = scope.lastLine;
  const all = sourceLines(facts, scope.ref.file, scope.ref.line, end + 1);
  if (all && end - scope.ref.line < 30) {
    const lines = all.slice(0, end - scope.ref.line + 1);
    const closing = all[end - scope.ref.line + 1];
    if (closing !== undefined && /^\s*}\s*(#.*)?$/.test(closing)) lines.push(closing);
    e.snippet = lines.join('\n');
  }
  return e;
}

/** `listen 443 ssl` evidence for the listeners that matter. */
export function listenEvidence(facts: Facts, listens: NginxListen[], note: string): Evidence[] {
  const refs = listens.map((l) => l.ref).filter((r): r is NginxRef => r !== undefined);
  return refs.length > 0 ? refsEvidence(facts, refs, note) : [];
}

export function describeListen(l: NginxListen): string {
  if (l.defaulted) return '*:80 (no listen: the default)';
  const where = l.unix ? l.address : `${l.address === '*' ? '' : `${l.address}:`}${l.port}`;
  const flags = [l.ssl ? 'ssl' : '', l.proxyProtocol ? 'proxy_protocol' : ''].filter(Boolean).join(' ');
  return flags ? `${where} ${flags}` : where;
}

/** "`location /api/` (server example.com)" — the file:line is in the evidence. */
export function scopeName(facts: Facts, server: NginxServer, scope: NginxScope): string {
  if (scope === headerSnippetScope(server)) return `the headers snippet ${displayFile(facts, server.ref.file)}`;
  const name = server.serverNames.find((n) => n && n !== '_') ?? server.serverNames[0] ?? '_';
  return scope.kind === 'server' ? `server ${name}` : `\`${scope.label}\` (server ${name})`;
}

/**
 * A server include read on its own (NginxServer.fragment) that says nothing of its listen: whether the server that
 * includes it ends TLS is not in the linted files.
 */
export function listenUnknown(server: NginxServer): boolean {
  return server.fragment === true && server.listens.length === 0;
}

/** What a fragment's header means where the listen is unknown (listenUnknown), for messages. */
export const INCLUDED_SOMEWHERE =
  'this file is a server include that no linted file includes, so whether the server that includes it ends TLS is not in these files';

/** The directive (in a real file) after which new lines of a set belong: the last entry, or the include that brought it. */
export function anchorForEntry(entry: NginxHeaderEntry, owner: NginxRef | undefined): NginxRef | undefined {
  const ref = entry.ref;
  if (!ref) return undefined;
  // The include written in the owning block is the one at the owner's include depth; an entry written in
  // the owner's own file (a site file that nginx.conf includes, say) is its own anchor.
  const depth = owner ? owner.includedVia.length : 0;
  if (ref.includedVia.length <= depth) return ref;
  return ref.includedVia[depth] ?? ref.includedVia[0];
}

/**
 * Where to add a directive of a set so that it reaches `scope`: in the level that owns the
 * effective set (adding it anywhere deeper would drop the rest), after its last directive.
 * With no set anywhere, in the passing scope itself, after its *_pass line.
 */
export function fixPlacement(
  facts: Facts,
  server: NginxServer,
  scope: NginxScope,
  set: NginxHeaderSet,
): { file: string; line: number; indent: string; where: string } {
  const owner = setOwner(server, set);
  const directives = set.entries.filter((e) => e.origin === 'directive');
  const last = directives[directives.length - 1];
  let anchor: NginxRef | undefined;
  let where: string;
  /** The anchor opens the block the line goes into (`location / {`): one level deeper than it. */
  let opening = false;
  if (last) {
    anchor = anchorForEntry(last, owner?.ref);
    where = owner ? (owner.kind === 'server' ? 'the server block' : owner.label) : 'the http level';
  } else {
    // A header directive is not allowed in `if` or `limit_except` (nginx 1.22 -t: "directive is not allowed here"):
    // such a block inherits the sets of the location that holds it, so the line goes there.
    const host = settableScope(server, scope);
    anchor = host === scope ? (scope.pass?.ref ?? scope.ref) : host.pass && !host.passInherited ? host.pass.ref : host.ref;
    opening = host !== scope && anchor === host.ref;
    where = host.kind === 'server' ? 'the server block' : host.label;
    // Nothing of this kind is written anywhere: with several locations passing upstream, the server level reaches
    // them all — and every check that adds a line here agrees on the place, so two fixes never split the set.
    const first = serverBodyAnchor(server);
    if (first && !server.fragment) {
      const siblings = server.scopes.filter(
        (s) => s.pass?.kind === set.kind && !s.passInherited && !s.returns && s.headers[set.kind].fromScope === undefined,
      );
      if (siblings.length > 1) {
        anchor = first;
        opening = false;
        where = 'the server block';
      }
    }
  }
  const a = anchor ?? scope.ref;
  const at = indentationAt(facts, a.file, a.line);
  const indent =
    (opening && at !== undefined ? `${at}    ` : at) ??
    indentationAt(facts, scope.ref.file, scope.ref.line)?.concat('    ') ??
    '    ';
  return { file: displayFile(facts, a.file), line: a.line, indent, where };
}

/** The nearest scope from `scope` outwards where header directives may be written (not an `if`/`limit_except`). */
function settableScope(server: NginxServer, scope: NginxScope): NginxScope {
  let cur: NginxScope | undefined = scope;
  for (let guard = 0; cur && (cur.kind === 'if' || cur.kind === 'limit_except') && guard < 64; guard++)
    cur = cur.parent === undefined ? undefined : server.scopes[cur.parent];
  return cur ?? scope;
}

/** The server's first `listen` written in its own file: new server-level lines go after it. */
export function serverBodyAnchor(server: NginxServer): NginxRef | undefined {
  return server.listens.find(
    (l) => l.ref && l.ref.includedVia.length === server.ref.includedVia.length && l.ref.file === server.ref.file,
  )?.ref;
}

/** A fix that adds lines after a given line. */
export function addLinesFix(description: string, place: { file: string; line: number; indent: string }, lines: string[]): Fix {
  return {
    description,
    file: place.file,
    line: place.line,
    placement: 'after',
    lines: lines.map((l) => (l ? place.indent + l : l)),
  };
}

/** The header directive for a kind, written out: `proxy_set_header X-Forwarded-Proto $scheme;`. */
export function headerLine(kind: NginxHeaderSet['kind'], name: string, value: string, extra = ''): string {
  return `${HEADER_DIRECTIVE[kind]} ${name} ${value}${extra ? ` ${extra}` : ''};`;
}

/**
 * A location that hands the ACME HTTP-01 challenge to a certificate client (certbot, acme.sh, lego): the CA always
 * fetches it over plain HTTP on port 80 (RFC 8555 section 8.3) and the responder answers the token file whatever
 * forwarded headers it gets, so the scheme headers sent there cannot mislead an app.
 */
export function isAcmeChallengeScope(scope: NginxScope): boolean {
  return scope.kind === 'location' && /\/\.well-known\/acme-challenge/.test(scope.match);
}

/** One header (or param) a passing scope sends from a config line. */
export interface HeaderUse {
  server: NginxServer;
  scope: NginxScope;
  set: NginxHeaderSet;
  entry: NginxHeaderEntry & { ref: NginxRef };
}

/**
 * The loop the header-value checks share (scheme-header-value, forwarded-host-client-controlled, forwarded-proto-client-controlled, forwarded-proto-hardcoded, host-port-behind-front, variable-always-empty): every entry written in a config line that a scope passing upstream with
 * one of `kinds` sends (`entries` picks which: all, or only the scheme headers), once per server and line — a line
 * inherited by several locations is one mistake. Scopes for the ACME challenge are left out when `skipAcme`.
 * `visit` gets the same object each time with new contents: destructure it, or copy it to keep it. A callback, not a
 * generator: six checks walk every entry of the config (10,000 servers: ~600,000 visits), and a generator's resumption
 * per entry cost more than the checks' own work on most of them.
 */
export function forEachHeaderUse(
  model: NginxModel,
  kinds: readonly NginxPassKind[],
  entries: ((set: NginxHeaderSet) => NginxHeaderEntry[]) | undefined,
  skipAcme: boolean,
  visit: (use: HeaderUse) => void,
): void {
  // One object, refilled for each entry: a caller that keeps a use past its visit copies it.
  const use = {} as HeaderUse;
  // The entries visited in the current server (a line is one mistake per server), compared on line, name and file:
  // one array reused for every server, scanned while it is short (a server sends a dozen entries or so), and a map
  // by line number once it is long. A map per server was 60,000 maps for six checks at 10,000 servers.
  const visited: NginxHeaderEntry[] = [];
  let byLine: Map<number, NginxHeaderEntry[]> | undefined;
  for (const server of model.servers) {
    visited.length = 0;
    byLine = undefined;
    // A headers snippet no file includes: its proxy headers are what the including block's proxy_pass sends.
    const snippet = kinds.includes('proxy') ? headerSnippetScope(server) : undefined;
    for (const scope of snippet ? [snippet] : passingScopes(server)) {
      const kind = scope === snippet ? 'proxy' : scope.pass?.kind;
      if (!kind || !kinds.includes(kind) || (skipAcme && isAcmeChallengeScope(scope))) continue;
      const set = scope.headers[kind];
      for (const entry of entries ? entries(set) : set.entries) {
        const ref = entry.ref;
        if (!ref) continue;
        if (seenInServer(entry, ref, visited, byLine)) continue;
        visited.push(entry);
        if (byLine) addByLine(byLine, entry, ref);
        else if (visited.length > VISITED_SCAN) {
          byLine = new Map();
          for (const e of visited) addByLine(byLine, e, e.ref as NginxRef);
        }
        use.server = server;
        use.scope = scope;
        use.set = set;
        use.entry = entry as NginxHeaderEntry & { ref: NginxRef };
        visit(use);
      }
    }
  }
}

/** How many visited entries forEachHeaderUse scans before it indexes them by line. */
const VISITED_SCAN = 32;

/** An entry of the same line, name and file was visited already in this server. */
function seenInServer(
  entry: NginxHeaderEntry,
  ref: NginxRef,
  visited: readonly NginxHeaderEntry[],
  byLine: Map<number, NginxHeaderEntry[]> | undefined,
): boolean {
  const same = byLine ? byLine.get(ref.line) : visited;
  if (!same) return false;
  for (let k = 0; k < same.length; k++) {
    const e = same[k] as NginxHeaderEntry;
    if (e.ref?.line === ref.line && e.name === entry.name && e.ref.file === ref.file) return true;
  }
  return false;
}

function addByLine(byLine: Map<number, NginxHeaderEntry[]>, entry: NginxHeaderEntry, ref: NginxRef): void {
  const list = byLine.get(ref.line);
  if (list) list.push(entry);
  else byLine.set(ref.line, [entry]);
}

/** Whether plain-HTTP requests to this server are all redirected to https before any location runs. */
export function plainRedirectedToHttps(server: NginxServer): boolean {
  const top = server.scopes[0];
  if (!top) return false;
  // `return 301 https://…`, or `rewrite ^ https://… permanent` (a rewrite to an absolute URL redirects: nginx stops
  // and answers 301/302) whose regex every URI matches (a rewrite of `^/admin` leaves the other paths plain).
  const everyUri = (r: NginxRedirect) =>
    r.targetScheme === 'https' && (r.kind === 'return' || (r.pattern !== undefined && rewriteMatchesEveryUri(r.pattern)));
  if (top.redirects.some((r) => r.unconditional && everyUri(r))) return true;
  // `if ($scheme = http) { return 301 https://...; }` (or `$https = ''`, `$scheme != https`; real nginx 1.22 answers
  // 301 for every path with `rewrite ^/(.*) https://$host/$1 permanent;` there too, before any location runs)
  return server.scopes.some(
    (s) => s.kind === 'if' && s.parent === 0 && /\$(scheme|https)\b/.test(s.match) && s.redirects.some(everyUri),
  );
}

/** "the server level" / "location /api/" for messages about where a set is written. */
export function levelName(server: NginxServer, set: NginxHeaderSet): string {
  const owner = setOwner(server, set);
  if (!owner) return set.fromLevel === 'http' ? 'the http level' : 'no level';
  return owner.kind === 'server' ? 'the server level' : owner.label;
}

export function listJoin(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Upstream as a person reads it: `http://127.0.0.1:8000` or `upstream app (127.0.0.1:8000)`. */
export function describePass(scope: NginxScope): string {
  const p = scope.pass;
  if (!p) return 'nothing';
  if (p.upstream) {
    const s = p.upstream.servers.map((x) => x.address).join(', ');
    return `upstream ${p.upstream.name}${s ? ` (${s})` : ''}`;
  }
  return p.target;
}

/** Indentation of the line a directive is on ('    ' when the file's lines are unavailable). */
export function indentOf(facts: Facts, ref: NginxRef): string {
  return (ref.source === 'builtin' ? undefined : indentationAt(facts, ref.file, ref.line)) ?? '    ';
}

/**
 * Evidence for a directive that may come from a stock file known only from built-in content: the
 * include line in the user's own file comes first (a person can open it), then the built-in line.
 */
export function entryEvidence(facts: Facts, ref: NginxRef, note: string): Evidence[] {
  const inc = ref.includedVia[ref.includedVia.length - 1];
  const stock = ref.source === 'builtin' || STOCK_PARAMS.has(BASENAME(ref.file));
  if (!stock || !inc) return [refEvidence(facts, ref, note)];
  const origin =
    ref.source === 'builtin'
      ? `nginx's stock ${BASENAME(ref.file)} (not found on disk: using its built-in copy)`
      : `the stock ${ref.file}`;
  return [refEvidence(facts, inc, `includes ${origin}, which sends \`${ref.text}\``), refEvidence(facts, ref, note)];
}

/**
 * A fix that changes one directive. When the directive comes from an included file (a stock params
 * file, a snippet), adding a second line for the same header would send it twice, so the fix
 * replaces the include (in the user's block) with the included lines, the one directive changed.
 */
export function replaceDirectiveFix(
  facts: Facts,
  set: NginxHeaderSet,
  entry: NginxHeaderEntry,
  replacement: string,
  why: string,
): Fix {
  const ref = entry.ref as NginxRef;
  const inc = ref.includedVia[ref.includedVia.length - 1];
  // A line in the user's own snippet is changed where it is; a distribution's stock params file
  // (or our built-in copy of one) is not edited: package upgrades own it and every site shares it.
  const stock = ref.source === 'builtin' || STOCK_PARAMS.has(BASENAME(ref.file));
  if (!inc || !stock) {
    return {
      description: why ? `${why.charAt(0).toUpperCase()}${why.slice(1)}.` : `Change the ${HEADER_DIRECTIVE[set.kind]} line.`,
      file: displayFile(facts, ref.file),
      line: ref.line,
      placement: 'replace',
      lines: [`${indentOf(facts, ref)}${replacement}`],
    };
  }
  const indent = indentOf(facts, inc);
  const sameFile = set.entries.filter((e) => e.ref && e.ref.file === ref.file);
  return {
    description:
      `Replace \`${inc.text}\` with the lines it provides, one changed${why ? ` ${why}` : ''} ` +
      `(${BASENAME(ref.file)} is a stock file; adding a second ${HEADER_DIRECTIVE[set.kind]} for the same name after the include would send the header twice).`,
    file: displayFile(facts, inc.file),
    line: inc.line,
    placement: 'replace',
    lines: sameFile.map((e) => `${indent}${e === entry ? replacement : (e.ref as NginxRef).text}`),
  };
}

/**
 * The same change at the other places of a mistake reported once (Fix.also): the placed edits of `others`,
 * without a second edit of a line the main fix (or an earlier one) already changes.
 */
export function alsoEdits(main: Fix, others: Fix[]): FixEdit[] | undefined {
  const seen = new Set([`${main.file}:${main.line}`]);
  const out: FixEdit[] = [];
  for (const o of others) {
    if (!o.file || !o.line || !o.lines?.length || !o.placement || seen.has(`${o.file}:${o.line}`)) continue;
    seen.add(`${o.file}:${o.line}`);
    out.push({ file: o.file, line: o.line, lines: o.lines, placement: o.placement });
  }
  return out.length > 0 ? out : undefined;
}

// ---------------------------------------------------------------------------------------------
// Is TLS ended in front of a plain-HTTP server? (nginx/scheme-behind-tls-terminator)

/** What shows that something in front of a plain-HTTP nginx server ends TLS. */
export interface TerminatorEvidence {
  /** 'direct': the server itself says so (realip, PROXY protocol, a balancer's header or health checker) or a front is declared/inferred; 'inferred': the tree implies it. */
  strength: 'direct' | 'inferred';
  /** The nginx directives that show it (direct evidence). */
  refs: NginxRef[];
  /** Other files that show it (a front, a compose service, a Dockerfile). */
  evidence: Evidence[];
  /** The words for the message: "a load balancer (see the evidence)". */
  what: string;
  /** The server is plain only when the template is rendered without this branch (its tag). */
  branch?: string;
}

/** A Kubernetes entry that ends TLS (an Ingress with `tls:`, a Route/IngressRoute/Gateway listener with TLS). */
function kubeTlsEntry(facts: Facts): { what: string; ref: Evidence } | undefined {
  for (const i of facts.kube?.ingresses ?? []) {
    if (!i.tls) continue;
    return {
      what: `${i.fromHelmValues ? 'the Ingress of the Helm values' : 'Ingress'} ${i.name}`,
      ref: { file: i.tls.file, line: i.tls.line, snippet: i.tls.snippet ?? 'tls:' },
    };
  }
  for (const e of facts.workloads?.entries ?? []) {
    if (!e.tls) continue;
    return {
      what: `${e.kind} ${e.name}`,
      ref: { file: e.tls.file, line: e.tls.line, snippet: e.tls.snippet ?? 'tls:' },
    };
  }
  return undefined;
}

/** Reverse proxies that end TLS when they publish 443 (images named in compose). */
const PROXY_IMAGE =
  /(?:^|\/)(?:nginx-proxy|nginx|traefik|caddy|haproxy|envoy|httpd|apache|swag|nginx-proxy-manager|jc21\/nginx-proxy-manager)(?::|$|-)/i;
/** Names that are never a public site: local, reserved for tests and docs, or internal. */
const PRIVATE_NAME = /(?:^|\.)(?:localhost|local|localdomain|test|example|invalid|internal|lan|home|intranet|corp|docker)$/i;

/** A server_name that is a public DNS name (a dot, a letter TLD, no wildcard-only, not an address or placeholder). */
export function publicServerNames(server: NginxServer): string[] {
  // The documentation domains (example.com and every name under it, `*.example.com` included) first: the cheapest
  // test, and the one that rejects generated and documented configs.
  return server.serverNames.filter(
    (n) =>
      !/(?:^|\.)example\.(?:com|org|net)$/i.test(n) &&
      /^(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}$/i.test(n) &&
      !PRIVATE_NAME.test(n),
  );
}

/**
 * Evidence that TLS ends in front of a server that only answers plain HTTP, strongest first:
 *  - direct: realip/PROXY protocol/balancer signs in the server (`frontProxyEvidence`), or a TLS-ending front
 *    declared with `--front` or inferred from the tree (`facts.fronts`);
 *  - inferred, only when no nginx server and no other proxy in the files ends TLS: a compose service running a
 *    reverse proxy image publishes port 443; the server answers a public host name on plain HTTP only; or the
 *    nginx runs in a container image built here (a Dockerfile installs nginx or starts from its image) — a
 *    public site's container answers behind whatever ends TLS for it.
 */
/** A front's own evidence (its flag, config line or manifest), each with `note`. */
export function frontRefsEvidence(front: NonNullable<Facts['fronts']>[number], note: string): Evidence[] {
  return front.evidence.map((r) => ({ file: r.file, line: r.line, snippet: r.snippet ?? frontName(front), note }));
}

export function terminatorEvidence(facts: Facts, server: NginxServer, anyNginxTls: boolean): TerminatorEvidence | undefined {
  if (server.tls && !server.tlsOnlyInBranch) return undefined;
  const direct = frontProxyEvidence(server);
  if (direct.length > 0) return { strength: 'direct', refs: direct, evidence: [], what: '' };
  const deployment = deploymentTlsEnds(facts);
  if (deployment.tlsFronts.length > 0 && !anyNginxTls) {
    const ports = server.listens.flatMap((l) => (l.port === undefined ? [] : [l.port]));
    const front = deployment.tlsFronts.find((f) => frontReachesProxy(f, 'nginx', ports));
    if (front) {
      return {
        strength: 'direct',
        refs: [],
        evidence: frontRefsEvidence(
          front,
          `${frontName(front)} ends TLS in front (${front.origin === 'declared' ? 'declared' : front.why})`,
        ),
        what: `${frontName(front)}, which ends TLS`,
      };
    }
  }
  if (anyNginxTls) return undefined;
  // Another proxy of the files that ends TLS is in the chain itself (deploymentTlsEnds).
  if (deployment.otherProxyEndsTls) return undefined;
  for (const { svc, p443, ownNginx } of deployment.composeProxies) {
    // The one compose service that runs nginx, publishing a port this server listens on, runs this nginx (the chain
    // places the hop in it too): publishing 443 without a TLS listener does not make it a proxy in front of itself.
    if (ownNginx && svc.ports.some((p) => server.listens.some((l) => l.port === p.containerPort))) continue;
    // The service publishes a port this very server listens on (TLS in a template branch): it runs this nginx,
    // it is not a proxy in front of it.
    if (server.listens.some((l) => l.port !== undefined && l.port === p443.containerPort)) continue;
    return {
      strength: 'inferred',
      refs: [],
      evidence: [
        {
          file: p443.ref.file,
          line: p443.ref.line,
          snippet: p443.ref.snippet ?? p443.raw,
          note: `service ${svc.name} (${svc.image}) publishes 443: a proxy that ends TLS in front`,
        },
      ],
      what: `a TLS-ending proxy (compose service ${svc.name}, ${svc.image})`,
    };
  }
  const entry = deployment.kubeEntry;
  if (entry) {
    return {
      strength: 'inferred',
      refs: [],
      evidence: [
        {
          ...entry.ref,
          note: `${entry.what} ends TLS in the cluster and no nginx server here does: this nginx answers behind it`,
        },
      ],
      what: `${entry.what}, which ends TLS (${entry.ref.file}:${entry.ref.line})`,
    };
  }
  const branch = server.tlsOnlyInBranch;
  if (branch?.templateBranch) {
    const tag = branch.templateBranch.tag;
    return {
      strength: 'inferred',
      refs: [],
      evidence: [
        refEvidence(
          facts,
          branch,
          `TLS is on only in the template branch \`${tag}\`: rendered without it this server answers plain HTTP for a site the ` +
            'template also serves over HTTPS, so its HTTPS then ends in front of nginx',
        ),
      ],
      what:
        `whatever ends TLS when the template is rendered without \`${tag}\` ` +
        `(${displayFile(facts, branch.file)}:${branch.line}: TLS is on only in that branch)`,
      branch: tag,
    };
  }
  const names = publicServerNames(server);
  if (names.length > 0) {
    const ref = server.scopes[0]?.ref;
    return {
      strength: 'inferred',
      refs: [],
      evidence: ref
        ? [refEvidence(facts, ref, `answers ${names.join(', ')} on plain HTTP only, and nothing in these files ends TLS for it`)]
        : [],
      what: `whatever ends TLS for ${names[0]} (this server answers the public name on plain HTTP only)`,
    };
  }
  const install = nginxInstall(facts, deployment.dockerfiles);
  if (install) {
    return {
      strength: 'inferred',
      refs: [],
      evidence: [
        {
          ...install,
          note: 'nginx runs in a container image built here and nothing in these files ends TLS: the container sits behind whatever ends it',
        },
      ],
      what: 'whatever ends TLS in front of this container (nothing in these files does)',
    };
  }
  return undefined;
}

/**
 * The parts of terminatorEvidence that are the same for every server of a deployment: the TLS-ending fronts, whether
 * another proxy of the files ends TLS, the compose services running a proxy image that publish 443, a Kubernetes
 * entry that ends TLS, a Dockerfile that installs nginx. Five checks ask for every plain server (10,000 servers:
 * tens of thousands of walks over the compose files and every source file's name); these are computed once per
 * facts and stay valid while the facts' members they come from are the same objects.
 */
interface DeploymentTlsEnds {
  inputs: readonly unknown[];
  /** Fronts (declared or inferred) that end TLS; whether one reaches a server depends on its ports. */
  tlsFronts: NonNullable<Facts['fronts']>;
  /** Another proxy of the files ends TLS (it is in the chain itself); nginx-proxy's compose service is judged below. */
  otherProxyEndsTls: boolean;
  /** Compose services running a reverse proxy image that publish 443 (`ownNginx`: the one service that runs nginx). */
  composeProxies: Array<{ svc: ComposeService; p443: ComposeService['ports'][number]; ownNginx: boolean }>;
  kubeEntry: { what: string; ref: Evidence } | undefined;
  /** The sources named like a Dockerfile, in the sources' order (their lines are read at each ask: nginxInstall). */
  dockerfiles: string[];
}

const deploymentTlsMemo = new WeakMap<Facts, DeploymentTlsEnds>();

function deploymentTlsEnds(facts: Facts): DeploymentTlsEnds {
  // The members it is computed from, and their sizes (a list a test or a later step adds to in place).
  const inputs = [
    facts.fronts,
    facts.fronts?.length,
    facts.proxies,
    facts.proxies?.length,
    facts.compose,
    facts.compose?.files.length,
    facts.kube,
    facts.kube?.ingresses?.length,
    facts.workloads,
    facts.workloads?.entries?.length,
    facts.sources,
    facts.sources.size,
  ] as const;
  const hit = deploymentTlsMemo.get(facts);
  if (hit?.inputs.every((v, i) => v === inputs[i])) return hit;
  // nginx-proxy (jwilder, nginx-proxy-manager) writes its own config from container labels: never this file.
  const ownContainer = proxyContainer(facts, 'nginx')?.service;
  const composeProxies: DeploymentTlsEnds['composeProxies'] = [];
  for (const file of facts.compose?.files ?? []) {
    for (const svc of file.services) {
      if (!svc.image || !PROXY_IMAGE.test(svc.image)) continue;
      const p443 = svc.ports.find((p) => p.containerPort === 443 || p.hostPort === 443);
      if (!p443) continue;
      composeProxies.push({ svc, p443, ownNginx: svc.name === ownContainer && !/nginx-proxy/i.test(svc.image) });
    }
  }
  const dockerfiles = [...facts.sources.keys()].filter((file) => isDockerfileName(file.slice(file.lastIndexOf('/') + 1)));
  const found: DeploymentTlsEnds = {
    inputs,
    tlsFronts: (facts.fronts ?? []).filter((f) => f.terminatesTls && f.name !== 'none'),
    otherProxyEndsTls: (facts.proxies ?? []).some(
      (p) => p.container?.runtime !== 'compose' && p.sites?.some((s) => s.listeners?.some((l) => l.tls)),
    ),
    composeProxies,
    kubeEntry: kubeTlsEntry(facts),
    dockerfiles,
  };
  deploymentTlsMemo.set(facts, found);
  return found;
}

/** The 0-based install line of each Dockerfile's lines (as read: a file read again is a new array). */
const installLines = new WeakMap<string[], number>();

/** The first of these Dockerfiles that installs nginx, with that line. */
function nginxInstall(facts: Facts, dockerfiles: string[]): { file: string; line: number; snippet: string } | undefined {
  for (const file of dockerfiles) {
    const lines = facts.sources.get(file);
    if (!lines) continue;
    let cont = installLines.get(lines);
    if (cont === undefined) {
      cont = nginxInstallLine(lines);
      installLines.set(lines, cont);
    }
    if (cont >= 0) return { file, line: cont + 1, snippet: (lines[cont] ?? '').trim() };
  }
  return undefined;
}

/** The 0-based line of a Dockerfile that installs nginx (`FROM nginx`, a package manager's install of it), or -1. */
function nginxInstallLine(lines: string[]): number {
  const PKG = /^(?:nginx|nginx-light|nginx-full|nginx-extras|nginx-core|nginx-mod-[\w-]+)$/;
  for (let i = 0; i < lines.length && i < 5000; i++) {
    const l = lines[i] ?? '';
    if (/^\s*FROM\s+(?:--\S+\s+)?(?:\S*\/)?nginx(?::\S*)?(?:\s|$)/i.test(l)) return i;
    if (!/^\s*RUN\b/i.test(l)) continue;
    // One RUN instruction with its continuation lines; a package word after an install/add command.
    let installing = false;
    let found = -1;
    for (let k = i; k < lines.length && k < i + 200; k++) {
      const line = (lines[k] ?? '').replace(/#.*$/, '');
      line.split(/&&|;|\|\|/).forEach((part, n) => {
        if (n > 0) installing = false; // a new command
        if (/\b(?:apt-get|apt|apk|yum|dnf|microdnf|zypper)\b[^\n]*\b(?:install|add)\b/.test(part)) installing = true;
        if (installing && part.split(/[\s\\]+/).some((w) => PKG.test(w))) found = k;
      });
      if (found >= 0) return found;
      if (!/\\\s*$/.test(lines[k] ?? '')) break;
    }
  }
  return -1;
}

/**
 * The server's config is embedded in a Kubernetes ConfigMap (its nginx runs in a pod) and the tree routes
 * HTTP to pods through an L7 entry (an Ingress, Route, IngressRoute or HTTPRoute) while no LoadBalancer or
 * NodePort Service other than an ingress controller's publishes a pod directly. A pod is reachable only through
 * a Service, so such an nginx receives its forwarded headers from the entry's controller (ingress-nginx, Traefik,
 * cloud L7 balancers all replace the client's X-Forwarded-Proto by default), not from the client. Returns the
 * entry that says so, or undefined.
 */
export function podBehindL7Entry(facts: Facts, server: NginxServer): Evidence | undefined {
  const http = nginxModel(facts).https[server.http];
  const tree = http ? facts.nginx.configs[http.config] : undefined;
  if (!tree?.embedded?.kubernetes) return undefined;
  const publicService = (facts.kube?.services ?? []).find(
    (s) =>
      (s.type === 'LoadBalancer' || s.type === 'NodePort') &&
      s.controller !== 'ingress-nginx' &&
      s.controller !== 'traefik' &&
      s.controller !== 'contour',
  );
  if (publicService) return undefined;
  // ingress-nginx told to keep incoming X-Forwarded-* passes the client's header on.
  const keeps = (facts.kube?.ingressNginx ?? []).some((c) =>
    /^["']?true/i.test(c.settings['use-forwarded-headers']?.value ?? ''),
  );
  if (keeps) return undefined;
  const entry = (facts.workloads?.entries ?? []).find((e) => /^(?:Ingress|Route|IngressRoute|HTTPRoute)$/.test(e.kind));
  const found = entry
    ? { ref: entry.ref, what: `${entry.kind} ${entry.name}` }
    : facts.kube?.ingresses?.[0]
      ? { ref: facts.kube.ingresses[0].ref, what: `Ingress ${facts.kube.ingresses[0].name}` }
      : undefined;
  if (!found) return undefined;
  const ev: Evidence = {
    file: found.ref.file,
    line: found.ref.line,
    note: `${found.what}: the L7 entry that routes to the pods`,
  };
  if (found.ref.snippet) ev.snippet = found.ref.snippet;
  return ev;
}

/**
 * Where the lost scheme turns into a redirect loop: the framework's own HTTPS redirect (Django
 * SECURE_SSL_REDIRECT, Rails force_ssl...) redirects every request that arrives as http to https, which arrives
 * as http again. Named only when the tree's apps are all of one framework (the proxy's upstream is then that
 * app); each settings line that turns the redirect on.
 */
export function redirectLoopEvidence(facts: Facts): Evidence[] {
  const frameworks = facts.frameworks ?? [];
  const kinds = new Set(frameworks.map((f) => (f.appEnd ? f.appEnd.name : f.kind)));
  if (kinds.size !== 1) return [];
  const out: Evidence[] = [];
  for (const r of frameworks.map((f) => f.sslRedirect ?? f.appEnd?.sslRedirect)) {
    // On, or decided by the deployment's environment (`env.bool('DJANGO_SECURE_SSL_REDIRECT', default=True)`,
    // `= is_prod`): written to be on in production.
    if (!r?.ref || r.origin === 'default' || (r.value !== true && r.origin !== 'env' && r.origin !== 'unknown')) continue;
    if (out.some((e) => e.file === r.ref?.file && e.line === r.ref?.line)) continue;
    const e: Evidence = {
      file: r.ref.file,
      line: r.ref.line,
      note: `the app redirects what arrives as http to https${r.value === true ? '' : ' (when its environment turns this on, as in production)'}: with the scheme lost here, every https request loops (ERR_TOO_MANY_REDIRECTS)`,
    };
    if (r.ref.snippet) e.snippet = r.ref.snippet;
    out.push(e);
  }
  return out.slice(0, 2);
}

/**
 * The addresses the geo trusts for the balancer's X-Forwarded-Proto: the server's set_real_ip_from as written in
 * its file (a template's own `${VAR}`, never our opaque placeholder), else `<proxy address>`, which
 * `fix --proxy-address` fills (without it the fix stays advice).
 */
export function trustedRanges(facts: Facts, server: NginxServer): string[] {
  const out: string[] = [];
  for (const f of server.realIp.from) {
    if (f.value.startsWith('unix:')) continue;
    if (!f.value.includes('__tpl_')) {
      out.push(f.value);
      continue;
    }
    const raw = sourceLines(facts, f.ref.file, f.ref.line)?.[0] ?? '';
    const arg = /^\s*set_real_ip_from\s+([^\s;]+)\s*;/.exec(raw)?.[1];
    out.push(arg && !arg.includes('__tpl_') ? arg : '<proxy address>');
  }
  return out.length > 0 ? [...new Set(out)] : ['<proxy address>'];
}

/**
 * Where the geo and map go: just above the first `server {` of the server's own file at the same indentation (the
 * http level; one place per file, so several servers share one geo), written as a replacement of that line that
 * ends with the line itself. Undefined when the server line is not a plain `server {` of a readable file.
 */
export function httpLevelAnchor(
  facts: Facts,
  model: ReturnType<typeof nginxModel>,
  server: NginxServer,
): { file: string; line: number; text: string } | undefined {
  if (server.ref.source === 'builtin' || server.fragment) return undefined;
  const own = sourceLines(facts, server.ref.file, server.ref.line)?.[0];
  if (own === undefined || !/^\s*server\s*\{\s*$/.test(own)) return undefined;
  const indent = /^[ \t]*/.exec(own)?.[0] ?? '';
  let first = server.ref.line;
  for (const s of model.servers) {
    if (s.ref.file !== server.ref.file || s.ref.line >= first || s.fragment) continue;
    const t = sourceLines(facts, s.ref.file, s.ref.line)?.[0];
    if (t !== undefined && /^\s*server\s*\{\s*$/.test(t) && (/^[ \t]*/.exec(t)?.[0] ?? '') === indent) first = s.ref.line;
  }
  const text = sourceLines(facts, server.ref.file, first)?.[0] as string;
  return { file: displayFile(facts, server.ref.file), line: first, text };
}

const LOOPBACK_LISTEN = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/i;

/** A server whose every listen is on a loopback address or a unix socket: only this machine's processes connect. */
function loopbackOnly(server: NginxServer): boolean {
  return (
    server.listens.length > 0 &&
    server.listens.every((l) => !l.defaulted && !l.portUnknown && (l.unix !== undefined || LOOPBACK_LISTEN.test(l.address)))
  );
}

/** Listen keys a pass target or a listen stands for: `unix:PATH`, or `lo:PORT` for any loopback address. */
function passKeys(p: NginxScope['pass']): string[] {
  if (p?.kind !== 'proxy' || p.variable) return [];
  const targets =
    p.upstream?.servers.map((s) => ({ host: s.host, port: s.port, unix: s.unix })) ??
    (p.host || p.unix ? [{ host: p.host, port: p.port ?? (p.scheme === 'https' ? 443 : 80), unix: p.unix }] : []);
  return targets.flatMap((t) =>
    t.unix !== undefined ? [`unix:${t.unix}`] : t.host !== undefined && LOOPBACK_LISTEN.test(t.host) ? [`lo:${t.port}`] : [],
  );
}

/** Per model: each loopback-only server's outer servers and the scopes of theirs that reach it (one pass, memoised). */
const outerIndex = new WeakMap<NginxModel, Map<NginxServer, Array<{ server: NginxServer; scope: NginxScope }>>>();

function outersOf(model: NginxModel, server: NginxServer): Array<{ server: NginxServer; scope: NginxScope }> {
  let idx = outerIndex.get(model);
  if (!idx) {
    idx = new Map();
    const byKey = new Map<string, NginxServer[]>();
    for (const s of model.servers) {
      if (!loopbackOnly(s)) continue;
      for (const l of s.listens) {
        const k = `${s.http}|${l.unix !== undefined ? `unix:${l.unix}` : `lo:${l.port}`}`;
        byKey.set(k, [...(byKey.get(k) ?? []), s]);
      }
    }
    if (byKey.size > 0)
      for (const o of model.servers)
        for (const scope of o.scopes)
          for (const k of passKeys(scope.pass))
            for (const inner of byKey.get(`${o.http}|${k}`) ?? [])
              if (inner !== o) idx.set(inner, [...(idx.get(inner) ?? []), { server: o, scope }]);
    outerIndex.set(model, idx);
  }
  return idx.get(server) ?? [];
}

/**
 * The servers of this nginx that proxy to `server` when it listens only on loopback (or a unix socket): an inner
 * server of a two-level config (an outer TLS server → `proxy_pass http://127.0.0.1:8080` → this one). Its requests
 * come from those servers, not from clients: `$http_x_forwarded_proto` and `$host` there are what the outer server
 * sent. Empty when the server is reachable otherwise (any non-loopback listen) or no server of the tree proxies to it.
 */
export function outerServersOf(model: NginxModel, server: NginxServer): NginxServer[] {
  return [...new Set(outersOf(model, server).map((x) => x.server))];
}

/** The loopback-only servers of this nginx a scope proxies to (the reverse of outerServersOf). */
export function innerServersOf(model: NginxModel, server: NginxServer, scope: NginxScope): NginxServer[] {
  const keys = new Set(passKeys(scope.pass));
  if (keys.size === 0) return [];
  return model.servers.filter(
    (s) =>
      s !== server &&
      s.http === server.http &&
      loopbackOnly(s) &&
      s.listens.some((l) => keys.has(l.unix !== undefined ? `unix:${l.unix}` : `lo:${l.port}`)),
  );
}

/**
 * The inner server's requests all come from outer servers of this nginx (outerServersOf), and every outer location
 * that proxies to it sets `name` itself (any case; written with underscores counts when the inner server keeps such
 * names, `underscores_in_headers on`): the value the inner server reads is the outer server's, not a client's.
 */
export function outerServersSet(model: NginxModel, server: NginxServer, name: string): boolean {
  const outers = outersOf(model, server);
  const want = name.toLowerCase();
  return (
    outers.length > 0 &&
    outers.every(({ scope }) =>
      (scope.headers.proxy?.entries ?? []).some((e) => {
        const n = e.name.toLowerCase();
        return e.value !== '' && (n === want || (server.underscoreHeaders !== undefined && n.replace(/_/g, '-') === want));
      }),
    )
  );
}
