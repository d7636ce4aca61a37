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
import type { HeaderRule, Listener, ProxyRoute, Ref } from '../../chain/model.js';
import { nginxToTemplate } from '../../facts/nginx/sites.js';
import type { CollectContext, Collector } from '../../model/collector.js';
import type { ComposeService } from '../../model/deploy.js';
import type { ProxyConfigFacts, ProxySite } from '../../model/proxy.js';
import { builtCopies } from '../deploy/built-from.js';
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

/** The `proxy_set_header` lines of one nginx-proxy `vhost.d` snippet, at its own level (not inside a nested block). */
interface Snippet {
  file: string;
  rules: HeaderRule[];
}

/**
 * nginx-proxy's `vhost.d` snippets of the tree (files in a folder named `vhost.d`, by file name), with the
 * `proxy_set_header` lines each sets at its top level. nginx.tmpl writes the proxy headers at the http level and
 * includes `vhost.d/<host>` (else `default`) in the host's server and `vhost.d/<host>_<sha1(path)>_location` (else
 * `<host>_location`, else `default_location`) in each location: a snippet that sets any `proxy_set_header` makes that
 * level inherit none of the template's (nginx's rule), so only its own lines (and nginx's `Host $proxy_host`) are sent.
 */
function vhostSnippets(ctx: CollectContext): Map<string, Snippet> {
  const out = new Map<string, Snippet>();
  for (const f of ctx.files) {
    if (basename(dirname(f.abs)) !== 'vhost.d') continue;
    const text = ctx.readText?.(f) ?? ctx.read(f).toString('utf8');
    // A file with a server block of its own is an nginx config (the nginx collector's), not a snippet.
    if (/^\s*(?:server|http)\s*\{/m.test(text)) continue;
    const rules: HeaderRule[] = [];
    let depth = 0;
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.replace(/#.*$/, '');
      const m = depth === 0 ? /^\s*proxy_set_header\s+(\S+)\s+("[^"]*"|'[^']*'|[^;\s]+)\s*;/.exec(line) : null;
      if (m) {
        const value = (m[2] as string).replace(/^(["'])(.*)\1$/, '$2');
        rules.push({
          name: m[1] as string,
          value: value === '' ? null : nginxToTemplate(value, new Set()),
          ref: { file: f.display, line: i + 1, snippet: raw.trim() },
          from: 'route',
        });
      }
      depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    });
    out.set(basename(f.abs), { file: f.display, rules });
  }
  return out;
}

/**
 * The headers a route of `host` and `path` sends: the template's (`template`), unless the location snippet (or, with
 * none that sets headers, the server snippet) sets its own `proxy_set_header` lines, which then replace them all.
 */
function withSnippets(
  template: HeaderRule[],
  snippets: Map<string, Snippet>,
  host: string | undefined,
  path: string,
): HeaderRule[] {
  if (snippets.size === 0) return template;
  const sha = createHash('sha1').update(path).digest('hex');
  const pick = (...names: string[]) => names.map((n) => snippets.get(n)).find((x) => x !== undefined);
  const loc = pick(...(host ? [`${host}_${sha}_location`, `${host}_location`] : []), 'default_location');
  const srv = pick(...(host ? [host] : []), 'default');
  const own = loc?.rules.length ? loc : srv?.rules.length ? srv : undefined;
  if (!own) return template;
  const rules = [...own.rules];
  if (!rules.some((r) => r.name.toLowerCase() === 'host'))
    rules.push({
      name: 'Host',
      value: '{proxy_host}',
      ref: { ...(own.rules[0]?.ref as Ref), origin: 'default', snippet: "nginx's default Host $proxy_host" },
      from: 'default',
    });
  return rules;
}

/** One virtual host and path a container is routed on, with its port and protocol. */
interface VHost {
  hosts: string[];
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
      const paths = Object.entries(obj(v) ?? {}).filter(([k]) => k !== 'external_http_port' && k !== 'external_https_port');
      for (const [path, pv] of paths.length ? paths : [['/', {}] as [string, unknown]]) {
        const o = obj(pv) ?? {};
        const port = Number.parseInt(String(o.port ?? ''), 10) || onlyPort(s);
        out.push({
          hosts: [host.trim().toLowerCase()].filter(Boolean),
          hostsRaw: host,
          path,
          port,
          portRef: mref,
          proto: String(o.proto ?? 'http')
            .trim()
            .toLowerCase(),
          ref: mref,
          match: `VIRTUAL_HOST_MULTIPORTS ${host}${path === '/' ? '' : ` ${path}`}${o.port !== undefined ? ` port ${String(o.port)}` : ''}`,
          idHost: `${host.toLowerCase()}:`,
        });
      }
    }
    return out;
  }
  // `VIRTUAL_HOST=${DOMAIN}` from a .env the tree does not hold still routes the container (the host is unknown).
  const vh = envEntry(s, 'VIRTUAL_HOST');
  const hostsRaw = envValue(s, 'VIRTUAL_HOST') ?? (vh && 'envVar' in vh && vh.envVar ? `\${${vh.envVar}}` : '');
  const hosts = (envValue(s, 'VIRTUAL_HOST') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const vhRef = envRef(s, 'VIRTUAL_HOST') as Ref;
  const portText = envValue(s, 'VIRTUAL_PORT');
  return [
    {
      hosts,
      hostsRaw,
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
  // TLS when the service publishes its HTTPS port (nginx-proxy serves https only for hosts with a certificate,
  // which its certs volume or the acme companion holds at run time: the published port is what the files show).
  const tlsPub = published.find((p) => p.containerPort === httpsPort);
  const defaultMethod = httpsMethod(envValue(gen.env, 'HTTPS_METHOD')) ?? 'redirect';
  const rules = headerRules(trustDownstream, trustRef);
  const routes: ProxyRoute[] = [];
  const plainRoutes: ProxyRoute[] = [];
  const names: string[] = [];
  let redirect: Ref | undefined;
  for (const s of routed)
    for (const v of vhostsOf(s, notes)) {
      const { hosts, hostsRaw, path, port, portRef, proto, ref: vhRef } = v;
      if (proto !== 'http' && proto !== 'https') {
        notes.push(`${s.name} (${vhRef.file}:${vhRef.line}): VIRTUAL_PROTO=${proto} carries params, not headers: not modelled`);
        continue;
      }
      const method = httpsMethod(envValue(s, 'HTTPS_METHOD')) ?? defaultMethod;
      for (const h of hosts) if (!names.includes(h)) names.push(h);
      const route: ProxyRoute = {
        id: `nginx-proxy:${file}:${s.name}:${v.idHost}${path}`,
        match: v.match ?? `VIRTUAL_HOST=${hostsRaw}${path === '/' ? '' : ` VIRTUAL_PATH=${path}`}`,
        samplePath: path,
        ...(hosts[0] && /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(hosts[0]) ? { sampleHost: hosts[0] } : {}),
        ref: vhRef,
        protocol: proto,
        upstreams: [
          port !== undefined
            ? { text: `${s.name}:${port}`, address: { kind: 'tcp', host: s.name, port }, ref: portRef }
            : { text: s.name, address: null, ref: vhRef, exposedPortOf: s.name },
        ],
        headers: withSnippets(rules, snippets, hosts[0], path),
      };
      if (!tlsPub || method === 'noredirect' || method === 'nohttps') plainRoutes.push(route);
      if (tlsPub && method !== 'nohttps') routes.push(route);
      if (tlsPub && (method === 'redirect' || method === 'nohttp'))
        redirect ??= envRef(s, 'HTTPS_METHOD') ??
          envRef(gen.env, 'HTTPS_METHOD') ?? {
            ...vhRef,
            origin: 'default',
            snippet: `HTTPS_METHOD=redirect (nginx-proxy's default): plain HTTP is redirected to https`,
          };
    }
  if (routes.length === 0 && plainRoutes.length === 0) return undefined;
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
  const sites: ProxySite[] = [];
  if (tlsPub) {
    const l: Listener = { port: httpsPort, tls: true, proxyProtocol: false, defaultServer: false, ref: tlsPub.ref };
    sites.push({
      ...common,
      id: `nginx-proxy:${file}:${proxy.name}:https`,
      label: `nginx-proxy :${httpsPort} (compose service ${proxy.name})`,
      ref: site,
      listeners: [l],
      routes,
      notes: [`nginx-proxy generates its nginx config from the routed containers' VIRTUAL_HOST`, trustNote],
    });
  }
  const plainPub = published.find((p) => p.containerPort === httpPort);
  const plainRef = plainPub?.ref ?? { ...site, origin: 'default' as const };
  sites.push({
    ...common,
    id: `nginx-proxy:${file}:${proxy.name}:http`,
    label: `nginx-proxy :${httpPort} (compose service ${proxy.name})`,
    ref: site,
    listeners: [{ port: httpPort, tls: false, proxyProtocol: false, defaultServer: false, ref: plainRef }],
    routes: plainRoutes,
    ...(plainRoutes.length === 0 && redirect
      ? { notAHop: 'redirects plain HTTP to https (HTTPS_METHOD redirect)', redirectsToHttps: redirect }
      : {}),
    notes: [`nginx-proxy generates its nginx config from the routed containers' VIRTUAL_HOST`, trustNote],
  });
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
      const config = siteOf(p, gen, [...routed(p.file), ...(proxies.length === 1 ? orphans : [])], notes, snippets);
      if (!config) continue;
      for (const s of config.sites) s.notes.push(...notes);
      addProxyFacts(ctx, config);
    }
  },
};
