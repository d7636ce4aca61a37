/**
 * nginx-proxy (nginxproxy/nginx-proxy, formerly jwilder/nginx-proxy): a compose service running that image writes its
 * own nginx config from the other containers' environment (`VIRTUAL_HOST`, `VIRTUAL_PORT`, `VIRTUAL_PROTO`,
 * `VIRTUAL_PATH`, `HTTPS_METHOD`) through docker-gen, so no nginx file in the tree describes it. This collector turns
 * that service and the containers it routes to into neutral proxy facts (model/proxy.ts), read from compose facts
 * (collectors/deploy runs first).
 *
 * What the generated config does, read from nginx-proxy's `nginx.tmpl` and docs (nginx-proxy/nginx-proxy 584073d):
 * - every proxied location sends `Host $host$host_port`, `X-Real-IP $remote_addr`, `X-Forwarded-For
 *   $proxy_x_forwarded_for`, `X-Forwarded-Host $proxy_x_forwarded_host`, `X-Forwarded-Proto $proxy_x_forwarded_proto`,
 *   `X-Forwarded-Ssl`, `X-Forwarded-Port`;
 * - with `TRUST_DOWNSTREAM_PROXY` true (the default: "for legacy compatibility reasons") those maps keep the
 *   client's own X-Forwarded-Proto/-Host/-Port when present and append to its X-Forwarded-For; with `false` they are
 *   nginx's own `$scheme`, `$host`, `$server_port` and `$remote_addr`;
 * - the port is `VIRTUAL_PORT`, else the one port the container exposes (80 when it exposes several);
 * - `HTTPS_METHOD` (per container, or the proxy's default `redirect`): `redirect` answers plain HTTP with a 301 to
 *   https when the host has a certificate, `noredirect` serves both, `nohttp` serves only https, `nohttps` only http.
 * Only containers of the tree are routed (docker-gen sees every container of the Docker host; the others are not
 * here). `VIRTUAL_PROTO` uwsgi/fastcgi/grpc routes carry params, not headers: they are listed as not modelled.
 */
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { parseAddress } from '../../chain/addr.js';
import type { HeaderRule, Listener, ProxyRoute, Ref, Upstream } from '../../chain/model.js';
import { nginxToTemplate } from '../../facts/nginx/sites.js';
import type { CollectContext, Collector, DiscoveredFile } from '../../model/collector.js';
import type { ComposeService } from '../../model/deploy.js';
import type { ProxyConfigFacts, ProxySite } from '../../model/proxy.js';
import { builtCopies } from '../deploy/built-from.js';
import type { NginxDirective } from '../nginx/ast.js';
import { parseNginxText } from '../nginx/parser.js';
import { addProxyFacts } from '../proxy/common.js';
import { obj, yamlDocs } from '../proxy/yaml.js';
import { type DockerGenPair, dockerGenPairs, NGINX_PROXY_MANAGER_IMAGE, nginxProxyImage } from './image.js';

type HttpsMethod = 'redirect' | 'noredirect' | 'nohttp' | 'nohttps';

function httpsMethod(v: string | undefined): HttpsMethod | undefined {
  const m = v?.trim().toLowerCase();
  return m === 'redirect' || m === 'noredirect' || m === 'nohttp' || m === 'nohttps' ? m : undefined;
}

/** The container's variable: `environment:`, else its env_file (or that file's committed template). */
function envEntry(s: ComposeService, name: string): { value: string; ref: Ref; unresolved?: boolean } | undefined {
  return s.environment[name] ?? s.envFileValues?.[name];
}

function envRef(s: ComposeService, name: string): Ref | undefined {
  const e = envEntry(s, name);
  return e ? { file: e.ref.file, line: e.ref.line, ...(e.ref.snippet ? { snippet: e.ref.snippet } : {}) } : undefined;
}

/** A literal value of the container's environment (an unresolved `${VAR}` is not known). */
function envValue(s: ComposeService, name: string): string | undefined {
  const e = envEntry(s, name);
  return e && !e.unresolved ? e.value : undefined;
}

/** The container sets VIRTUAL_HOST: a literal, or a compose `${VAR}` the files leave to the deploy's environment. */
function hasVirtualHost(s: ComposeService): boolean {
  if (envValue(s, 'VIRTUAL_HOST_MULTIPORTS')?.trim()) return true;
  const e = envEntry(s, 'VIRTUAL_HOST');
  if (!e) return false;
  return e.unresolved ? 'envVar' in e && Boolean(e.envVar) : e.value.trim() !== '';
}

/** nginx-proxy's header rules (nginx.tmpl), the same on every route. */
function headerRules(trustDownstream: boolean, r: Ref): HeaderRule[] {
  const d = (name: string, value: string): HeaderRule => ({ name, value, ref: r, from: 'default' });
  return [
    d('Host', '{host}'),
    d('X-Real-IP', '{remote_addr}'),
    d('X-Forwarded-For', trustDownstream ? '{xff_append}' : '{remote_addr}'),
    d('X-Forwarded-Host', trustDownstream ? '{trusted:x-forwarded-host|host}' : '{host}'),
    d('X-Forwarded-Proto', trustDownstream ? '{trusted:x-forwarded-proto|scheme}' : '{scheme}'),
    d('X-Forwarded-Port', trustDownstream ? '{trusted:x-forwarded-port|server_port}' : '{server_port}'),
  ];
}

/** The one port a service's container exposes (compose `expose:`/`ports:` targets), when it is one. */
function onlyPort(s: ComposeService): number | undefined {
  const ports = new Set([...s.expose.map((e) => e.port), ...s.ports.map((p) => p.containerPort)]);
  return ports.size === 1 ? [...ports][0] : undefined;
}

/**
 * How the nginx of a proxy writes X-Forwarded-Proto. `env`: as nginx-proxy's template does today
 * (TRUST_DOWNSTREAM_PROXY of the container that renders it, default true); `always`: a template of before that
 * variable (nginx-proxy < 1.1) whose map keeps the client's value whatever the environment; `never`: a template that
 * sends nginx's own `$scheme`.
 */
type TrustSource = { kind: 'env' } | { kind: 'always' | 'never'; ref: Ref };

/** What generates the config: nginx-proxy's image, or docker-gen with a template beside a plain nginx. */
interface Generator {
  /** Its image text and where it is said. */
  image: string;
  ref: Ref;
  /** Why this service is nginx-proxy (`ProxyConfigFacts.container.why`). */
  why: string;
  /** The container whose environment the template reads (`$.Env`): nginx-proxy's own, or docker-gen's. */
  env: ComposeService;
  trust: TrustSource;
  /** The template file of the tree docker-gen renders. */
  template?: Ref;
}

/** A docker-gen template's X-Forwarded-Proto (see TrustSource), from its text; undefined when it is not recognised. */
export function templateTrust(text: string, file: string): TrustSource | undefined {
  if (/\bTRUST_DOWNSTREAM_PROXY\b/.test(text)) return { kind: 'env' };
  const lineOf = (i: number): number => text.slice(0, i).split('\n').length;
  const map = /map\s+\$http_x_forwarded_proto\s+\$proxy_x_forwarded_proto\s*\{[^}]*\bdefault\s+\$http_x_forwarded_proto\s*;/.exec(
    text,
  );
  if (map)
    return {
      kind: 'always',
      ref: {
        file,
        line: lineOf(map.index),
        snippet: 'map $http_x_forwarded_proto $proxy_x_forwarded_proto { default $http_x_forwarded_proto; ... }',
      },
    };
  const own = /proxy_set_header\s+X-Forwarded-Proto\s+\$scheme\s*;/i.exec(text);
  if (own) return { kind: 'never', ref: { file, line: lineOf(own.index), snippet: own[0] } };
  return undefined;
}

/**
 * One level of a `vhost.d` snippet (the file itself, or a `location` block at its top): its own `proxy_set_header`
 * lines, a `return` and a `proxy_pass` written at that level (not inside a nested `if`/`location`, which applies only
 * to some requests).
 */
interface SnippetLevel {
  rules: HeaderRule[];
  /** A `return` at this level: nginx answers every request that reaches it itself (rewrite phase, before proxying). */
  returns?: Ref;
  proxyPass?: { target: string; ref: Ref };
  /** A `fastcgi_pass`/`uwsgi_pass`/`scgi_pass`/`grpc_pass` at this level (params, not headers: not modelled). */
  otherPass?: string;
}

interface Snippet extends SnippetLevel {
  file: string;
  /** The `location` blocks at its top level (what a `_location_override` file holds), with their arguments. */
  locations: Array<SnippetLevel & { args: string[] }>;
}

function snippetLevel(dirs: NginxDirective[], file: string, lines: string[]): SnippetLevel {
  const ref = (d: NginxDirective): Ref => ({ file, line: d.line, snippet: (lines[d.line - 1] ?? '').trim() });
  const out: SnippetLevel = { rules: [] };
  for (const d of dirs) {
    if (d.directive === 'proxy_set_header' && d.args.length === 2) {
      const value = d.args[1] as string;
      out.rules.push({
        name: d.args[0] as string,
        value: value === '' ? null : nginxToTemplate(value, new Set()),
        ref: ref(d),
        from: 'route',
      });
    } else if (d.directive === 'return') out.returns ??= ref(d);
    else if (d.directive === 'proxy_pass' && d.args[0]) out.proxyPass ??= { target: d.args[0], ref: ref(d) };
    else if (/^(?:fastcgi|uwsgi|scgi|grpc)_pass$/.test(d.directive) && d.args[0]) out.otherPass ??= `${d.directive} ${d.args[0]}`;
  }
  return out;
}

/**
 * nginx-proxy's `vhost.d` snippets of the tree (files in a folder named `vhost.d`, by file name), read with the nginx
 * parser. nginx.tmpl writes the proxy headers at the http level and includes `vhost.d/<host>` (else `default`) in the
 * host's server, and in each location `vhost.d/<host>_<sha1(path)>_location` (else `<host>_location`, else
 * `default_location`) — unless `vhost.d/<host>_<sha1(path)>_location_override` (for `/` also
 * `<host>_location_override`) exists, which is included at the server level instead of the whole location block.
 * `<host>` is the VIRTUAL_HOST as written (a `*` in it is a literal file name), or its sha1 when it is a regex (`~`).
 */
function vhostSnippets(ctx: CollectContext): Map<string, Snippet> {
  const out = new Map<string, Snippet>();
  for (const f of ctx.files) {
    if (basename(dirname(f.abs)) !== 'vhost.d') continue;
    const snippet = readSnippet(ctx, f, basename(f.abs));
    if (snippet) out.set(basename(f.abs), snippet);
  }
  return out;
}

/** One file read as the vhost.d snippet `name`; undefined when it holds a server block (an nginx config, not a snippet). */
function readSnippet(ctx: CollectContext, f: DiscoveredFile, name: string): Snippet | undefined {
  const text = ctx.readText?.(f) ?? ctx.read(f).toString('utf8');
  // A file with a server block of its own is an nginx config (the nginx collector's), not a snippet.
  if (/^\s*(?:server|http)\s*\{/m.test(text)) return undefined;
  const inLocation = /_location$/.test(name);
  const tree = parseNginxText(text, f.display, {
    single: true,
    analyze: false,
    builtinStock: false,
    context: inLocation ? ['http', 'server', 'location'] : ['http', 'server'],
  });
  const parsed = tree.config[0]?.parsed ?? [];
  const lines = text.split(/\r?\n/);
  const locations = parsed
    .filter((d) => d.directive === 'location' && d.block)
    .map((d) => ({ args: d.args, ...snippetLevel(d.block ?? [], f.display, lines) }));
  return { file: f.display, ...snippetLevel(parsed, f.display, lines), locations };
}

const VHOST_DIR = '/etc/nginx/vhost.d';

/**
 * The vhost.d snippets the nginx of proxy service `p` sees: a folder bind-mounted on /etc/nginx/vhost.d replaces the
 * image's (its files by name, whatever the folder is called), else the tree's `vhost.d` folders (copied in by a
 * Dockerfile, or mounted); a file mounted on /etc/nginx/vhost.d/NAME is the snippet NAME. Mounted files outside a
 * `vhost.d` folder that no collector read are listed under "Not read" with what they are.
 */
function proxySnippets(ctx: CollectContext, p: ComposeService, tree: Map<string, Snippet>): Map<string, Snippet> {
  const binds = (p.binds ?? []).filter((b) => b.target.replace(/\/+$/, '') === VHOST_DIR || b.target.startsWith(`${VHOST_DIR}/`));
  if (binds.length === 0) return tree;
  const dirBind = binds.find((b) => b.target.replace(/\/+$/, '') === VHOST_DIR);
  const out = dirBind ? new Map<string, Snippet>() : new Map(tree);
  const add = (f: DiscoveredFile, name: string) => {
    const snippet = readSnippet(ctx, f, name);
    if (!snippet) return;
    out.set(name, snippet);
    if (basename(dirname(f.abs)) !== 'vhost.d' && !ctx.claimed.has(f.abs)) {
      ctx.claimed.add(f.abs);
      ctx.skip(
        f,
        `nginx-proxy's vhost.d snippet ${name} (mounted on ${VHOST_DIR}/${name} in compose service ${p.name}): only its proxy_set_header, return, location and proxy_pass lines are simulated, on nginx-proxy's routes`,
      );
    }
  };
  if (dirBind) for (const f of ctx.files) if (dirname(f.abs) === dirBind.source.replace(/\/+$/, '')) add(f, basename(f.abs));
  for (const b of binds) {
    if (b === dirBind) continue;
    const f = ctx.files.find((x) => x.abs === b.source);
    if (f) add(f, basename(b.target));
  }
  return out;
}

/**
 * The `location` block of a snippet written for the template's `location <path>` itself (same match text, or `^~` and
 * the same prefix): in an override file, the location that replaces it; in a location snippet, a nested location that
 * takes every request of the outer one (checked on nginx 1.22: `location / { proxy_pass ...; location / { root ...; } }`
 * serves every path from the nested block, never proxied).
 */
function sameLocation(ov: Snippet, path: string): (SnippetLevel & { args: string[] }) | undefined {
  const want = path.replace(/\s+/g, '');
  return ov.locations.find((l) => l.args.join('') === want || (l.args.length === 2 && l.args[0] === '^~' && l.args[1] === path));
}

/** What nginx-proxy's generated config does with requests of one host and path, once its vhost.d snippets apply. */
type SnippetOutcome =
  | { proxied: true; headers: HeaderRule[]; proxyPass?: { target: string; ref: Ref }; files: string[] }
  | { proxied: false; why: string; files: string[] };

/** A snippet's own header lines replace every inherited one; nginx adds its default `Host $proxy_host` without one. */
function ownHeaders(rules: HeaderRule[]): HeaderRule[] {
  const out = [...rules];
  if (!out.some((r) => r.name.toLowerCase() === 'host'))
    out.push({
      name: 'Host',
      value: '{proxy_host}',
      ref: { ...(rules[0]?.ref as Ref), origin: 'default', snippet: "nginx's default Host $proxy_host" },
      from: 'default',
    });
  return out;
}

/**
 * The headers (or the answer) of a route of `host` (as written; undefined when it is left to the deploy's
 * environment) and `path`: the template's (`template`) unless a snippet changes them — a `return` at the server
 * snippet's top level answers every request of the host; an override replaces the location (its own
 * `proxy_set_header`, `proxy_pass` and `return` count; no location for the path, or one without `proxy_pass`, is
 * not a proxied route); else a location snippet's `return` answers, and its (or, with none, the server snippet's)
 * `proxy_set_header` lines replace the template's at that level (nginx's inheritance).
 */
function withSnippets(
  template: HeaderRule[],
  snippets: Map<string, Snippet>,
  host: string | undefined,
  path: string,
): SnippetOutcome {
  if (snippets.size === 0) return { proxied: true, headers: template, files: [] };
  const fileHost = host === undefined ? undefined : host.startsWith('~') ? createHash('sha1').update(host).digest('hex') : host;
  const sha = createHash('sha1').update(path).digest('hex');
  const pick = (...names: string[]) => {
    for (const n of names) {
      const s = snippets.get(n) ?? snippets.get(n.toLowerCase());
      if (s) return s;
    }
    return undefined;
  };
  const srv = pick(...(fileHost ? [fileHost] : []), 'default');
  const files = srv ? [srv.file] : [];
  if (srv?.returns)
    return {
      proxied: false,
      why: `${srv.file}:${srv.returns.line} answers every request of the host (${srv.returns.snippet})`,
      files,
    };
  const ov = fileHost
    ? pick(`${fileHost}_${sha}_location_override`, ...(path === '/' ? [`${fileHost}_location_override`] : []))
    : undefined;
  if (ov) {
    files.push(ov.file);
    const loc = sameLocation(ov, path);
    if (!loc) return { proxied: false, why: `${ov.file} replaces location ${path} and holds no location ${path}`, files };
    if (loc.returns)
      return {
        proxied: false,
        why: `${ov.file}:${loc.returns.line} replaces location ${path} with ${loc.returns.snippet}`,
        files,
      };
    if (!loc.proxyPass)
      return { proxied: false, why: `${ov.file} replaces location ${path} with one that proxies nothing`, files };
    const own = loc.rules.length ? loc.rules : srv?.rules.length ? srv.rules : undefined;
    return { proxied: true, headers: own ? ownHeaders(own) : template, proxyPass: loc.proxyPass, files };
  }
  const loc = pick(...(fileHost ? [`${fileHost}_${sha}_location`, `${fileHost}_location`] : []), 'default_location');
  if (loc) files.push(loc.file);
  if (loc?.returns)
    return {
      proxied: false,
      why: `${loc.file}:${loc.returns.line} answers location ${path} itself (${loc.returns.snippet})`,
      files,
    };
  const inner = loc ? sameLocation(loc, path) : undefined;
  if (inner?.returns)
    return {
      proxied: false,
      why: `${loc?.file}:${inner.returns.line} answers location ${path} itself (${inner.returns.snippet})`,
      files,
    };
  if (inner && !inner.proxyPass) {
    // What its other nested locations pass on (a PHP app behind `location ~ \.php$ { fastcgi_pass ... }`) is said.
    const passes = (loc?.locations ?? []).filter((l) => l.otherPass).map((l) => `location ${l.args.join(' ')}: ${l.otherPass}`);
    return {
      proxied: false,
      why: `${loc?.file} nests a location ${inner.args.join(' ')} that takes every request of location ${path} and proxies none${passes.length ? ` (passed on, not modelled: ${passes.join('; ')})` : ''}`,
      files,
    };
  }
  const own = inner?.rules.length ? inner.rules : loc?.rules.length ? loc.rules : srv?.rules.length ? srv.rules : undefined;
  return {
    proxied: true,
    headers: own ? ownHeaders(own) : template,
    ...(inner?.proxyPass ? { proxyPass: inner.proxyPass } : {}),
    files,
  };
}

/** One virtual host and path a container is routed on, with its port and protocol. */
interface VHost {
  hosts: string[];
  /** The same host names as written (nginx-proxy names its vhost.d files after them, or their sha1 for a regex). */
  rawHosts: string[];
  hostsRaw: string;
  path: string;
  port: number | undefined;
  portRef: Ref;
  proto: string;
  ref: Ref;
  /** The route's match text when it is not `VIRTUAL_HOST=...` (a VIRTUAL_HOST_MULTIPORTS entry). */
  match?: string;
  /** Part of the route id that keeps several hosts of one container apart ('' for VIRTUAL_HOST). */
  idHost: string;
  /** The vhost's own listening ports (MULTIPORTS `external_http(s)_port`, EXTERNAL_HTTP(S)_PORT), else the proxy's. */
  extHttp?: number;
  extHttps?: number;
  /** What replaces the matched path in the upstream request (MULTIPORTS `dest`, VIRTUAL_DEST): nginx.tmpl's proxy_pass URI. */
  dest?: string;
}

function portNumber(v: unknown): number | undefined {
  const n = Number.parseInt(String(v ?? ''), 10);
  return n > 0 && n < 65536 ? n : undefined;
}

/**
 * The virtual hosts of a routed container. `VIRTUAL_HOST_MULTIPORTS` (nginx-proxy 1.6+, docs/README.md "Multiple
 * ports"; nginx.tmpl groups containers by it and drops their VIRTUAL_HOST) is YAML or JSON `host: {path: {port,
 * proto, dest}}` and overrides VIRTUAL_HOST/PORT/PROTO/PATH: a host with no paths is `/`, a path with no port the
 * default port (the one exposed port, else 80: nginx.tmpl `$default_port`), proto `http`. A value that does not parse is
 * a note (nginx-proxy writes a warning into its config and routes nothing for it). Otherwise VIRTUAL_HOST (comma
 * separated), VIRTUAL_PORT, VIRTUAL_PATH, VIRTUAL_PROTO.
 */
function vhostsOf(s: ComposeService, notes: string[]): VHost[] {
  const multi = envValue(s, 'VIRTUAL_HOST_MULTIPORTS');
  if (multi?.trim()) {
    const mref = envRef(s, 'VIRTUAL_HOST_MULTIPORTS') as Ref;
    const docs = yamlDocs(multi);
    const top = docs?.length === 1 ? obj(docs[0]?.value) : undefined;
    if (!top) {
      notes.push(
        `${s.name} (${mref.file}:${mref.line}): VIRTUAL_HOST_MULTIPORTS is not a YAML/JSON mapping: nginx-proxy routes nothing for it`,
      );
      return [];
    }
    const out: VHost[] = [];
    for (const [host, v] of Object.entries(top)) {
      // nginx.tmpl: an empty host entry is `/`; of a host's keys only those starting with `/` are paths (the
      // others are its external ports), so a host with only external ports has no location.
      const entry = obj(v) ?? {};
      const empty = Object.keys(entry).length === 0;
      const paths = empty ? [['/', {}] as [string, unknown]] : Object.entries(entry).filter(([k]) => k.startsWith('/'));
      if (paths.length === 0)
        notes.push(
          `${s.name} (${mref.file}:${mref.line}): VIRTUAL_HOST_MULTIPORTS ${host} has no path (a key starting with /): nginx-proxy routes nothing for it`,
        );
      const extHttp = portNumber(entry.external_http_port);
      const extHttps = portNumber(entry.external_https_port);
      for (const [path, pv] of paths) {
        const o = obj(pv) ?? {};
        const port = Number.parseInt(String(o.port ?? ''), 10) || onlyPort(s);
        const dest = o.dest === undefined || o.dest === null ? '' : String(o.dest).trim();
        out.push({
          hosts: [host.trim().toLowerCase()].filter(Boolean),
          rawHosts: [host.trim()].filter(Boolean),
          hostsRaw: host,
          ...(extHttp ? { extHttp } : {}),
          ...(extHttps ? { extHttps } : {}),
          ...(dest ? { dest } : {}),
          path,
          port,
          portRef: mref,
          proto: String(o.proto ?? 'http')
            .trim()
            .toLowerCase(),
          ref: mref,
          match: `VIRTUAL_HOST_MULTIPORTS ${host}${path === '/' ? '' : ` ${path}`}${o.port !== undefined ? ` port ${String(o.port)}` : ''}${dest ? ` dest ${dest}` : ''}`,
          idHost: `${host.toLowerCase()}:`,
        });
      }
    }
    return out;
  }
  // `VIRTUAL_HOST=${DOMAIN}` from a .env the tree does not hold still routes the container (the host is unknown).
  const vh = envEntry(s, 'VIRTUAL_HOST');
  const hostsRaw = envValue(s, 'VIRTUAL_HOST') ?? (vh && 'envVar' in vh && vh.envVar ? `\${${vh.envVar}}` : '');
  const rawHosts = (envValue(s, 'VIRTUAL_HOST') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const hosts = rawHosts.map((h) => h.toLowerCase());
  const extHttp = portNumber(envValue(s, 'EXTERNAL_HTTP_PORT'));
  const extHttps = portNumber(envValue(s, 'EXTERNAL_HTTPS_PORT'));
  const dest = envValue(s, 'VIRTUAL_DEST')?.trim();
  const vhRef = envRef(s, 'VIRTUAL_HOST') as Ref;
  const portText = envValue(s, 'VIRTUAL_PORT');
  return [
    {
      hosts,
      rawHosts,
      hostsRaw,
      ...(extHttp ? { extHttp } : {}),
      ...(extHttps ? { extHttps } : {}),
      ...(dest ? { dest } : {}),
      path: envValue(s, 'VIRTUAL_PATH')?.trim() || '/',
      port: Number.parseInt(portText ?? '', 10) || onlyPort(s),
      portRef: envRef(s, 'VIRTUAL_PORT') ?? vhRef,
      proto: (envValue(s, 'VIRTUAL_PROTO') ?? 'http').trim().toLowerCase(),
      ref: vhRef,
      idHost: '',
    },
  ];
}

function siteOf(
  proxy: ComposeService,
  gen: Generator,
  routed: ComposeService[],
  notes: string[],
  snippets: Map<string, Snippet> = new Map(),
): ProxyConfigFacts | undefined {
  const file = proxy.file;
  const image = gen;
  const built = image.ref.file !== proxy.ref.file || image.ref.line !== proxy.ref.line;
  const site: Ref = {
    file,
    line: proxy.ref.line,
    snippet: `${proxy.name}: ${gen.env === proxy ? 'image ' : ''}${image.image}${built ? ` (${image.ref.file}:${image.ref.line})` : ''}`,
  };
  const trustRaw = gen.trust.kind === 'env' ? envValue(gen.env, 'TRUST_DOWNSTREAM_PROXY') : undefined;
  const trustDownstream =
    gen.trust.kind === 'env' ? !/^(false|0|no|off)$/i.test(trustRaw?.trim() ?? '') : gen.trust.kind === 'always';
  const trustRef: Ref =
    gen.trust.kind !== 'env'
      ? gen.trust.ref
      : (envRef(gen.env, 'TRUST_DOWNSTREAM_PROXY') ?? {
          ...site,
          origin: 'default',
          snippet: `TRUST_DOWNSTREAM_PROXY not set: nginx-proxy's default true keeps the client's X-Forwarded-Proto/-Host/-Port`,
        });
  const httpPort = Number.parseInt(envValue(gen.env, 'HTTP_PORT') ?? '', 10) || 80;
  const httpsPort = Number.parseInt(envValue(gen.env, 'HTTPS_PORT') ?? '', 10) || 443;
  const published = proxy.ports
    .filter((p) => p.protocol === 'tcp' && p.hostPort !== undefined)
    .map((p) => ({
      hostIp: p.hostIp,
      hostPort: p.hostPort as number,
      containerPort: p.containerPort,
      ref: { file: p.ref.file, line: p.ref.line, ...(p.ref.snippet ? { snippet: p.ref.snippet } : {}) } as Ref,
    }));
  // TLS on a port when the service publishes it (nginx-proxy serves https only for hosts with a certificate,
  // which its certs volume or the acme companion holds at run time: the published port is what the files show).
  const pubOf = (port: number) => published.find((p) => p.containerPort === port);
  const defaultMethod = httpsMethod(envValue(gen.env, 'HTTPS_METHOD')) ?? 'redirect';
  // nginx.tmpl names a host's upstream after it, or its sha1 (a regex host, SHA1_UPSTREAM_NAME true), `-<sha1(path)>`
  // added for another path than `/`: an override's `proxy_pass http://<that name>` is the container.
  const sha1Names = /^(1|t|true)$/i.test(envValue(gen.env, 'SHA1_UPSTREAM_NAME')?.trim() ?? '');
  const sha1 = (t: string) => createHash('sha1').update(t).digest('hex');
  const upstreamName = (host: string, path: string) => {
    const base = host.startsWith('~') || sha1Names ? sha1(host) : host;
    return path === '/' ? base : `${base}-${sha1(path)}`;
  };
  const rules = headerRules(trustDownstream, trustRef);
  /** A route with the listening ports of its vhost and how its plain-HTTP side behaves. */
  const placed: Array<{ route: ProxyRoute; http: number; https: number; tls: boolean; method: HttpsMethod; redirect?: Ref }> = [];
  const names: string[] = [];
  for (const s of routed)
    for (const v of vhostsOf(s, notes)) {
      const { hosts, hostsRaw, path, port, portRef, proto, ref: vhRef } = v;
      if (proto !== 'http' && proto !== 'https') {
        notes.push(`${s.name} (${vhRef.file}:${vhRef.line}): VIRTUAL_PROTO=${proto} carries params, not headers: not modelled`);
        continue;
      }
      const method = httpsMethod(envValue(s, 'HTTPS_METHOD')) ?? defaultMethod;
      for (const h of hosts) if (!names.includes(h)) names.push(h);
      const http = v.extHttp ?? httpPort;
      const https = v.extHttps ?? httpsPort;
      const tls = pubOf(https) !== undefined;
      const redirect =
        tls && (method === 'redirect' || method === 'nohttp')
          ? (envRef(s, 'HTTPS_METHOD') ??
            envRef(gen.env, 'HTTPS_METHOD') ?? {
              ...vhRef,
              origin: 'default',
              snippet: `HTTPS_METHOD=redirect (nginx-proxy's default): plain HTTP is redirected to https`,
            })
          : undefined;
      const templateUpstream: Upstream =
        port !== undefined
          ? { text: `${s.name}:${port}`, address: { kind: 'tcp', host: s.name, port }, ref: portRef }
          : { text: s.name, address: null, ref: vhRef, exposedPortOf: s.name };
      // nginx-proxy writes one server per host name: hosts whose vhost.d files differ are routes of their own.
      const groups: Array<{ hosts: string[]; raw: string[]; outcome: SnippetOutcome }> = [];
      const raws: Array<string | undefined> = v.rawHosts.length ? v.rawHosts : [undefined];
      raws.forEach((raw, i) => {
        const outcome = withSnippets(rules, snippets, raw, path);
        const g = groups.find((x) => x.outcome.files.join('\n') === outcome.files.join('\n'));
        const host = hosts[i];
        if (g) {
          if (host !== undefined) g.hosts.push(host);
          if (raw !== undefined) g.raw.push(raw);
        } else groups.push({ hosts: host !== undefined ? [host] : [], raw: raw !== undefined ? [raw] : [], outcome });
      });
      const split = groups.length > 1;
      for (const g of groups) {
        const { outcome } = g;
        const which = `${split ? g.raw.join(',') : hostsRaw}${path === '/' ? '' : path}`;
        if (!outcome.proxied) {
          notes.push(`${s.name} (${vhRef.file}:${vhRef.line}): ${which} is not proxied to it: ${outcome.why}`);
          continue;
        }
        let upstream = templateUpstream;
        let protocol: 'http' | 'https' = proto;
        const pp = outcome.proxyPass;
        if (pp) {
          const scheme = /^(https?):\/\//i.exec(pp.target)?.[1]?.toLowerCase();
          const hostPart = pp.target.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
          if (scheme === 'http' || scheme === 'https') protocol = scheme;
          if (!g.raw.some((h) => upstreamName(h, path) === hostPart)) {
            const address = scheme && !hostPart.includes('$') ? parseAddress(hostPart, scheme === 'https' ? 443 : 80) : null;
            upstream = { text: pp.target, address, ref: pp.ref };
          }
        }
        const sampleHost = g.hosts[0];
        const dest = v.dest ? (v.match ? '' : ` VIRTUAL_DEST=${v.dest}`) : '';
        const route: ProxyRoute = {
          id: `nginx-proxy:${file}:${s.name}:${split ? `${sampleHost}:` : v.idHost}${path}`,
          match: `${v.match ?? `VIRTUAL_HOST=${hostsRaw}${path === '/' ? '' : ` VIRTUAL_PATH=${path}`}${dest}`}${split ? ` (${g.raw.join(', ')})` : ''}`,
          samplePath: path,
          ...(sampleHost && /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(sampleHost) ? { sampleHost } : {}),
          ref: vhRef,
          protocol,
          upstreams: [upstream],
          headers: outcome.headers,
        };
        placed.push({ route, http, https, tls, method, ...(redirect ? { redirect } : {}) });
      }
    }
  if (placed.length === 0) return undefined;
  const common = {
    names,
    siteHeaders: [],
    passesIncoming: true,
    trust: trustDownstream
      ? { mode: 'all' as const, list: [], ref: trustRef }
      : { mode: 'none' as const, list: [], ref: trustRef },
    ...(trustDownstream ? {} : { stripsUntrusted: ['x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'] }),
    mode: 'http' as const,
  };
  const trustNote =
    gen.trust.kind === 'always'
      ? `its template keeps the client's own X-Forwarded-Proto (${gen.trust.ref.file}:${gen.trust.ref.line}, a template without TRUST_DOWNSTREAM_PROXY)`
      : gen.trust.kind === 'never'
        ? `its template sends nginx's own scheme (${gen.trust.ref.file}:${gen.trust.ref.line})`
        : trustDownstream
          ? `TRUST_DOWNSTREAM_PROXY ${trustRaw === undefined ? 'not set (default true)' : `=${trustRaw}`}: the client's own X-Forwarded-Proto/-Host/-Port are passed on unchanged`
          : 'TRUST_DOWNSTREAM_PROXY=false: nginx-proxy writes X-Forwarded-Proto/-Host/-Port itself';
  const siteNotes = () => [`nginx-proxy generates its nginx config from the routed containers' VIRTUAL_HOST`, trustNote];
  const sites: ProxySite[] = [];
  // The proxy's own ports first (as before), then the vhosts' external ports in the order routes name them.
  const httpsPorts = [...new Set([httpsPort, ...placed.map((p) => p.https)])].filter((p) => pubOf(p) !== undefined);
  const httpPorts = [...new Set([httpPort, ...placed.map((p) => p.http)])];
  for (const port of httpsPorts) {
    const pub = pubOf(port) as { ref: Ref };
    const l: Listener = { port, tls: true, proxyProtocol: false, defaultServer: false, ref: pub.ref };
    sites.push({
      ...common,
      id: `nginx-proxy:${file}:${proxy.name}:https${port === httpsPort ? '' : `:${port}`}`,
      label: `nginx-proxy :${port} (compose service ${proxy.name})`,
      ref: site,
      listeners: [l],
      routes: placed.filter((p) => p.tls && p.https === port && p.method !== 'nohttps').map((p) => p.route),
      notes: siteNotes(),
    });
  }
  for (const port of httpPorts) {
    const mine = placed.filter((p) => p.http === port);
    if (port !== httpPort && mine.length === 0) continue;
    const plainRoutes = mine.filter((p) => !p.tls || p.method === 'noredirect' || p.method === 'nohttps').map((p) => p.route);
    const redirect = mine.find((p) => p.redirect)?.redirect;
    const plainRef = pubOf(port)?.ref ?? { ...site, origin: 'default' as const };
    sites.push({
      ...common,
      id: `nginx-proxy:${file}:${proxy.name}:http${port === httpPort ? '' : `:${port}`}`,
      label: `nginx-proxy :${port} (compose service ${proxy.name})`,
      ref: site,
      listeners: [{ port, tls: false, proxyProtocol: false, defaultServer: false, ref: plainRef }],
      routes: plainRoutes,
      ...(plainRoutes.length === 0 && redirect
        ? { notAHop: 'redirects plain HTTP to https (HTTPS_METHOD redirect)', redirectsToHttps: redirect }
        : {}),
      notes: siteNotes(),
    });
  }
  return {
    kind: 'other',
    file,
    sites,
    container: {
      service: proxy.name,
      ref: site,
      published,
      why: gen.why,
      filled: [],
      runtime: 'compose',
      ...(gen.template ? { template: gen.template } : {}),
      ...(gen.env !== proxy ? { envService: gen.env.name } : {}),
    },
  };
}

/** The generator of a service that runs nginx-proxy's image (its own environment, TRUST_DOWNSTREAM_PROXY). */
function imageGenerator(ctx: CollectContext, s: ComposeService): Generator | undefined {
  const image = nginxProxyImage(ctx.facts, s);
  if (!image) return undefined;
  const built = image.ref.file !== s.ref.file || image.ref.line !== s.ref.line;
  return {
    image: image.image,
    ref: image.ref,
    why: built ? `built FROM ${image.image} (${image.ref.file}:${image.ref.line})` : `image ${image.image}`,
    env: s,
    trust: { kind: 'env' },
  };
}

/**
 * The generator of an nginx fed by docker-gen: the template docker-gen renders, found in the tree through the
 * service's bind mounts (`./nginx.tmpl:/etc/docker-gen/templates/nginx.tmpl`, or a mounted folder holding it).
 */
function dockerGenGenerator(ctx: CollectContext, pair: DockerGenPair, notes: string[]): Generator {
  const { gen, args } = pair;
  const template = args.template;
  const bind = template
    ? (gen.binds ?? []).find((b) => b.target === template || template.startsWith(`${b.target.replace(/\/+$/, '')}/`))
    : undefined;
  const abs =
    bind && template
      ? bind.target === template
        ? bind.source
        : join(bind.source, template.slice(bind.target.replace(/\/+$/, '').length + 1))
      : undefined;
  // Else what the Dockerfile docker-gen is built from copies there (`COPY nginx.tmpl /etc/docker-gen/templates/`).
  const copied = template
    ? builtCopies(ctx.facts, gen).find(
        (c) => c.dest === template || (c.dest.endsWith('/') && template === `${c.dest}${c.source.replace(/^.*\//, '')}`),
      )
    : undefined;
  const found = abs
    ? ctx.files.find((f) => f.abs === abs)
    : copied
      ? ctx.files.find((f) => f.display === copied.source || f.display === `./${copied.source}`)
      : undefined;
  const ref: Ref = {
    file: gen.file,
    line: (gen.command ?? gen).ref.line,
    snippet: `${gen.name}: docker-gen ${template ?? '(no template argument)'}`,
  };
  let trust: TrustSource | undefined;
  let image = `nginx + docker-gen (${gen.name})`;
  if (found) {
    let text = '';
    try {
      // As written (sources): `read`/`readText` give a template's rendering, without its `{{ }}`.
      ctx.read(found);
      text = ctx.facts.sources.get(found.display)?.join('\n') ?? '';
    } catch {
      text = '';
    }
    trust = templateTrust(text, found.display);
    image = `nginx + docker-gen (${gen.name})`;
    if (!trust)
      notes.push(
        `${found.display}: this template's X-Forwarded-Proto was not recognised; read as nginx-proxy's (TRUST_DOWNSTREAM_PROXY)`,
      );
  } else {
    notes.push(
      `docker-gen's template ${template ?? '(none named)'}${args.config ? ` (or those of -config ${args.config})` : ''} is not in the linted files: read as nginx-proxy's current nginx.tmpl (TRUST_DOWNSTREAM_PROXY)`,
    );
  }
  return {
    image,
    ref,
    ...(found ? { template: { file: found.display, line: 1, snippet: `the template docker-gen (${gen.name}) renders` } } : {}),
    why: `${pair.why}; its config is written by docker-gen${found ? ` from ${found.display}` : ''}`,
    env: gen,
    trust: trust ?? { kind: 'env' },
  };
}

export const nginxProxyCollector: Collector = {
  name: 'nginx-proxy',
  collect(ctx: CollectContext) {
    const files = ctx.facts.compose?.files ?? [];
    const pairs = new Map<ComposeService, DockerGenPair>();
    for (const f of files) for (const p of dockerGenPairs(ctx.facts, f.services)) if (!pairs.has(p.nginx)) pairs.set(p.nginx, p);
    const helpers = new Set([...pairs.values()].map((p) => p.gen));
    const runsNginxProxy = (s: ComposeService) => nginxProxyImage(ctx.facts, s) !== undefined || pairs.has(s);
    const routes = (s: ComposeService) => !runsNginxProxy(s) && !helpers.has(s) && hasVirtualHost(s);
    // nginx-proxy-manager: its proxy hosts are rows of its database (SQLite in /data, or MySQL), made in its web UI;
    // the nginx files it writes from them (/data/nginx/proxy_host/N.conf) are generated at run time. Said, not guessed.
    for (const f of files)
      for (const s of f.services)
        if (s.image && NGINX_PROXY_MANAGER_IMAGE.test(s.image))
          ctx.facts.diagnostics.push({
            level: 'note',
            file: s.file,
            line: s.ref.line,
            message: `nginx-proxy-manager (compose service ${s.name}, image ${s.image}) not read: its proxy hosts live in its database (/data/database.sqlite or MySQL), made in its web UI, so no file here says what it routes or which headers it sends; lint its generated /data/nginx/proxy_host/*.conf to check that hop`,
          });
    const proxies = files.flatMap((f) => f.services.filter(runsNginxProxy));
    if (proxies.length === 0) return;
    const routed = (f: string) => files.filter((cf) => cf.file === f).flatMap((cf) => cf.services.filter(routes));
    // Containers of compose files without an nginx-proxy of their own go to the tree's one nginx-proxy (its usual
    // setup: the proxy started once per host, each app's stack joining its network); with several, to none.
    const orphans = files.filter((cf) => !cf.services.some(runsNginxProxy)).flatMap((cf) => cf.services.filter(routes));
    const snippets = vhostSnippets(ctx);
    for (const p of proxies) {
      const notes: string[] = [];
      const pair = pairs.get(p);
      const gen = pair ? dockerGenGenerator(ctx, pair, notes) : imageGenerator(ctx, p);
      if (!gen) continue;
      const config = siteOf(
        p,
        gen,
        [...routed(p.file), ...(proxies.length === 1 ? orphans : [])],
        notes,
        proxySnippets(ctx, p, snippets),
      );
      if (!config) {
        // No route at all: what was left out (a vhost.d `return`, a params protocol) is said at the proxy service.
        for (const message of notes) ctx.facts.diagnostics.push({ level: 'note', file: p.file, line: p.ref.line, message });
        continue;
      }
      for (const s of config.sites) s.notes.push(...notes);
      addProxyFacts(ctx, config);
    }
  },
};
