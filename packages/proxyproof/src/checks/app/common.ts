/**
 * Shared reasoning for the app-end checks (checks/app/*): which proxies in the linted files send
 * requests to an app end, which scheme headers they send, and what else shows that the app sits behind
 * a proxy. Pure functions of Facts (the neutral AppEndFacts plus nginx/compose facts).
 */
import { everyPeerEntry, ipInList } from '../../chain/addr.js';
import { isDockerfileName } from '../../collectors/sniff.js';
import { nginxModel, schemeHeaders as nginxSchemeHeaders } from '../../facts/nginx/index.js';
import type { NginxPass } from '../../facts/nginx/types.js';
import type { AppEndFacts, AppServerFacts, BindAddress, Facts, FrameworkFacts, SourceRef } from '../../model/facts.js';
import type { Evidence } from '../../model/finding.js';
import { fixPlacement } from '../nginx/common.js';

export function ev(ref: SourceRef | undefined, note?: string): Evidence {
  if (!ref) return { file: '', line: 0, note };
  const e: Evidence = { file: ref.file, line: ref.line };
  if (ref.snippet) e.snippet = ref.snippet;
  if (note) e.note = note;
  return e;
}

export type AppEndFramework = FrameworkFacts & { appEnd: AppEndFacts };

export function appEnds(facts: Facts): AppEndFramework[] {
  return facts.frameworks.filter((f): f is AppEndFramework => f.appEnd !== undefined);
}

/** App servers that run this app end (Puma for Rails): same app root. */
export function serversOf(facts: Facts, fw: FrameworkFacts): AppServerFacts[] {
  return facts.appServers.filter((s) => s.appTarget !== undefined && s.appTarget === fw.module);
}

/** Includes whose file names say what they hold, none of which sets proxy headers. */
const HARMLESS_INCLUDE = /(listen|server_name|ssl|tls|cert|letsencrypt|gzip|log|mime|security|headers?-response|cache)/i;

export interface ProxyFeed {
  /** The location that proxies to the app (`location /`). */
  scope: Evidence;
  pass: Evidence;
  /** Lower-case names of the scheme-carrying headers it sends. */
  sends: string[];
  /** The nginx server ends TLS (a `listen ... ssl` is visible). */
  tls: boolean;
  /** An include that could not be read may set headers here. */
  uncertain: boolean;
  /** The X-Forwarded-Host value the location sets ('' when it sets none). */
  forwardedHost: string;
  /** The Host header the app receives: the value set, or nginx's default `$proxy_host` resolved to the proxy_pass host. */
  hostSent: string;
  /** The server's names (`server_name`), without `_`, regexps and empty names. */
  serverNames: string[];
  /**
   * Where a `proxy_set_header` line reaches this location (checks/nginx/common.ts fixPlacement: the level that owns
   * its header set, never an `if`/`limit_except` block, which nginx refuses it in).
   */
  headerPlace: { file: string; line: number; indent: string };
}

function pathMatch(bindPath: string, target: string): boolean {
  const norm = (p: string) => p.replace(/\/{2,}/g, '/');
  const b = norm(bindPath);
  const t = norm(target);
  if (!b.includes('*')) return b === t;
  const re = new RegExp(
    `^${b
      .split('*')
      .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(t);
}

function bindMatches(b: BindAddress, t: { host?: string; port?: number; unix?: string }): boolean {
  if (t.unix) return b.kind === 'unix' && b.path !== undefined && pathMatch(b.path, t.unix);
  if (b.kind !== 'tcp' || t.port === undefined || b.port === undefined) return false;
  return t.port === b.port || t.port === b.published?.hostPort;
}

function targets(p: NginxPass): Array<{ host?: string; port?: number; unix?: string }> {
  if (p.upstream) return p.upstream.servers.map((s) => ({ host: s.host, port: s.port, unix: s.unix }));
  return [{ host: p.host, port: p.port, unix: p.unix }];
}

/** The Host header nginx sends upstream: `$proxy_host` (its default) is the proxy_pass host or upstream name. */
function hostSent(value: string | undefined, p: NginxPass): string {
  const v = value ?? '$proxy_host';
  if (v !== '$proxy_host') return v;
  return (p.upstream?.name ?? p.host ?? '').replace(/:\d+$/, '');
}

/** nginx locations that proxy (HTTP) to one of these binds. */
export function nginxFeeds(facts: Facts, binds: BindAddress[]): ProxyFeed[] {
  if (binds.length === 0 || facts.nginx.configs.length === 0) return [];
  let model: ReturnType<typeof nginxModel>;
  try {
    model = nginxModel(facts);
  } catch {
    return [];
  }
  const out: ProxyFeed[] = [];
  for (const s of model.servers)
    for (const sc of s.scopes) {
      const p = sc.pass;
      if (!p || sc.passInherited || p.kind !== 'proxy' || p.scheme === 'https') continue;
      if (!targets(p).some((t) => binds.some((b) => bindMatches(b, t)))) continue;
      out.push({
        scope: { file: sc.ref.file, line: sc.ref.line, snippet: sc.ref.text, note: `${sc.label} proxies to the app` },
        pass: { file: p.ref.file, line: p.ref.line, snippet: p.ref.text },
        sends: nginxSchemeHeaders(sc.headers.proxy).map((e) => e.name.toLowerCase()),
        tls: s.tls,
        uncertain: sc.unresolvedIncludes.some((r) => !HARMLESS_INCLUDE.test(r.text)),
        forwardedHost: sc.headers.proxy.entries.find((e) => e.name.toLowerCase() === 'x-forwarded-host')?.value ?? '',
        hostSent: hostSent(sc.headers.proxy.entries.find((e) => e.name.toLowerCase() === 'host')?.value, p),
        serverNames: s.serverNames.filter((n) => n !== '' && n !== '_' && !n.startsWith('~') && n !== '""'),
        headerPlace: fixPlacement(facts, s, sc, sc.headers.proxy),
      });
    }
  return out;
}

/**
 * Whether the proxies in front deliver a scheme the app end reads. 'missing': the locations that proxy to
 * it (the TLS ones, or all when no TLS listener is visible) send none of the headers it reads.
 */
export function schemeDelivery(facts: Facts, fw: AppEndFramework): { status: 'missing' | 'ok' | 'unknown'; feeds: ProxyFeed[] } {
  const binds = serversOf(facts, fw).flatMap((s) => s.binds);
  const feeds = nginxFeeds(facts, [...binds, ...(fw.appEnd.binds ?? [])]);
  if (feeds.length === 0) return { status: 'unknown', feeds };
  const reads = new Set(fw.appEnd.schemeHeaders);
  const delivers = (f: ProxyFeed) => f.sends.some((h) => reads.has(h));
  const tls = feeds.filter((f) => f.tls);
  const relevant = tls.length > 0 ? tls : feeds;
  if (relevant.some(delivers) && tls.length === 0) return { status: 'ok', feeds };
  const bad = relevant.filter((f) => !delivers(f));
  if (bad.length === 0) return { status: 'ok', feeds };
  if (bad.every((f) => f.uncertain)) return { status: 'unknown', feeds: bad };
  return { status: 'missing', feeds: bad.filter((f) => !f.uncertain) };
}

/** Evidence that requests reach the app through a proxy: compose proxy services, nginx proxy_pass, front-door files. */
export function frontEvidence(facts: Facts, fw: FrameworkFacts): Evidence[] {
  const out: Evidence[] = [];
  const root = fw.module && fw.module !== '.' && fw.module !== 'default' ? `${fw.module}/` : '';
  for (const cf of facts.compose?.files ?? [])
    for (const s of cf.services)
      if (s.role === 'proxy') out.push(ev(s.ref, `compose service ${s.name} (${s.image ?? 'built image'}) is a reverse proxy`));
  for (const [file, lines] of facts.sources) {
    if (root && !file.startsWith(root) && !file.startsWith('../')) {
      // Front-door files elsewhere in the tree still count: deployments keep them in their own folders.
    }
    const base = file.split('/').pop() ?? '';
    if (/^Caddyfile/.test(base)) {
      const i = lines.findIndex((l) => /^\s*[^#\s].*\b(reverse_proxy|php_fastcgi)\b|^\s*(reverse_proxy|php_fastcgi)\b/.test(l));
      if (i >= 0) out.push({ file, line: i + 1, snippet: (lines[i] ?? '').trim(), note: 'Caddy proxies to the app' });
    }
    if (/\.ya?ml$/.test(base)) {
      const i = lines.findIndex((l) => /^\s*kind:\s*(Ingress|IngressRoute|Route|HTTPRoute)\s*$/.test(l));
      if (i >= 0) out.push({ file, line: i + 1, snippet: (lines[i] ?? '').trim(), note: 'an ingress routes traffic to the app' });
    }
  }
  // Front doors read into the neutral proxy facts (HAProxy, Caddy, Apache, Traefik) that end TLS and forward.
  for (const p of facts.proxies ?? [])
    for (const site of p.sites) {
      const tls = site.listeners.find((l) => l.tls);
      if (tls && site.routes.length > 0 && site.mode === 'http' && out.length < 6)
        out.push({
          file: tls.ref.file,
          line: tls.ref.line,
          snippet: tls.ref.snippet,
          note: `${site.label} ends TLS and forwards`,
        });
    }
  if (facts.nginx.configs.length > 0) {
    try {
      for (const s of nginxModel(facts).servers)
        for (const sc of s.scopes)
          if (sc.pass && !sc.passInherited && sc.pass.kind === 'proxy' && out.length < 6)
            out.push({ file: sc.pass.ref.file, line: sc.pass.ref.line, snippet: sc.pass.ref.text, note: 'nginx proxies here' });
    } catch {
      // no nginx model: no evidence from it
    }
  }
  return out.slice(0, 4);
}

/** The app runs in a container (compose or Dockerfile in the tree): a proxy never reaches it over loopback. */
export function containerEvidence(facts: Facts): Evidence | undefined {
  for (const cf of facts.compose?.files ?? [])
    for (const s of cf.services) if (s.role === 'app' || s.build) return ev(s.ref, `compose service ${s.name}`);
  for (const [file] of facts.sources)
    if (isDockerfileName(file.slice(file.lastIndexOf('/') + 1))) return { file, line: 1, note: 'the app runs in a container' };
  return undefined;
}

export function trustText(list: string[]): string {
  if (list.length === 0) return 'nobody';
  if (list.includes('*')) return 'every peer';
  return list.join(', ');
}

/** A trust list covers a container network / another host only through non-loopback entries. */
export function coversOnlyLoopback(list: string[]): boolean {
  // 0.0.0.0/0 holds 127.0.0.1 too, and every other address: it is trust-all, not loopback.
  if (everyPeerEntry(list) !== undefined) return false;
  return list.length > 0 && list.every((e) => ipInList('127.0.0.1', [e]) || e === '::1' || e === 'localhost');
}

export const APP_REFS = {
  rackScheme: 'https://github.com/rack/rack/blob/v3.1.8/lib/rack/request.rb',
  railsSsl: 'https://github.com/rails/rails/blob/v7.1.0/actionpack/lib/action_dispatch/middleware/ssl.rb',
  railsAssumeSsl: 'https://github.com/rails/rails/blob/v7.1.0/actionpack/lib/action_dispatch/middleware/assume_ssl.rb',
  railsLoadDefaults: 'https://github.com/rails/rails/blob/v7.1.0/railties/lib/rails/application/configuration.rb',
  railsRemoteIp: 'https://github.com/rails/rails/blob/v7.1.0/actionpack/lib/action_dispatch/middleware/remote_ip.rb',
  railsUrl: 'https://github.com/rails/rails/blob/v6.1.7/actionpack/lib/action_dispatch/http/url.rb',
  railsHostAuthorization:
    'https://github.com/rails/rails/blob/v6.1.7/actionpack/lib/action_dispatch/middleware/host_authorization.rb',
  railsHostsGuide: 'https://guides.rubyonrails.org/configuring.html#actiondispatch-hostauthorization',
  laravelTrust: 'https://github.com/laravel/framework/blob/11.x/src/Illuminate/Http/Middleware/TrustProxies.php',
  laravelDocs: 'https://laravel.com/docs/11.x/requests#configuring-trusted-proxies',
  symfonyProxies: 'https://symfony.com/doc/current/deployment/proxies.html',
  symfonySameOriginCsrf:
    'https://github.com/symfony/symfony/blob/7.2/src/Symfony/Component/Security/Csrf/SameOriginCsrfTokenManager.php (isValidOrigin)',
  springProxy: 'https://docs.spring.io/spring-boot/how-to/webserver.html#howto.webserver.use-behind-a-proxy-server',
  springSource:
    'https://github.com/spring-projects/spring-boot/blob/v3.3.0/spring-boot-project/spring-boot/src/main/java/org/springframework/boot/cloud/CloudPlatform.java',
  aspnetProxy: 'https://learn.microsoft.com/en-us/aspnet/core/host-and-deploy/proxy-load-balancer',
  aspnetOptions: 'https://github.com/dotnet/aspnetcore/blob/v8.0.0/src/Middleware/HttpOverrides/src/ForwardedHeadersOptions.cs',
  ginSource: 'https://github.com/gin-gonic/gin/blob/v1.10.0/gin.go',
  ginDocs: 'https://gin-gonic.com/en/docs/deployment/#dont-trust-all-proxies',
  wordpressHttps: 'https://developer.wordpress.org/advanced-administration/security/https/',
  plugSsl: 'https://github.com/elixir-plug/plug/blob/v1.19.2/lib/plug/ssl.ex',
  jettyForwarded:
    'https://github.com/jetty/jetty.project/blob/jetty-12.0.x/jetty-core/jetty-server/src/main/java/org/eclipse/jetty/server/ForwardedRequestCustomizer.java',
  plugRewriteOn: 'https://github.com/elixir-plug/plug/blob/v1.19.2/lib/plug/rewrite_on.ex',
};

export const NOT_APP_IMAGE =
  /(postgres|mysql|mariadb|redis|valkey|mongo|memcached|rabbitmq|elasticsearch|minio|migrate|mailhog|mailpit)/i;

/** Compose services that run the app (built from the tree, or not a well-known backing service). */
export function appServices(facts: Facts): import('../../model/deploy.js').ComposeService[] {
  const out = [];
  for (const cf of facts.compose?.files ?? [])
    for (const s of cf.services) if (s.role !== 'proxy' && (s.build || (s.image && !NOT_APP_IMAGE.test(s.image)))) out.push(s);
  return out;
}

/** Published ports of the app's compose services (`8080:8080`), optionally only those for `port`. */
export function publishedPorts(facts: Facts, port?: number): Evidence[] {
  const out: Evidence[] = [];
  for (const s of appServices(facts))
    for (const p of s.ports)
      if ((port === undefined || p.containerPort === port) && p.hostIp !== '127.0.0.1' && p.hostIp !== '::1')
        out.push(ev(p.ref, `compose service ${s.name} publishes ${p.raw} on every interface`));
  return out;
}

/**
 * The line that writes `KEY:` / `KEY=` / `- KEY=` in a compose file. Compose facts point merged (`<<: *anchor`)
 * entries at the merge line; the key's own line is where a reader looks. Undefined unless exactly one matches.
 */
export function keyLine(facts: Facts, file: string, key: string): SourceRef | undefined {
  const lines = facts.sources.get(file) ?? [];
  const re = new RegExp(`^\\s*(-\\s*)?["']?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*[:=]`);
  const hits = lines.flatMap((l, i) => (re.test(l) ? [i + 1] : []));
  if (hits.length !== 1) return undefined;
  const line = hits[0] as number;
  return { file, line, snippet: (lines[line - 1] ?? '').trim() };
}

/** A loopback listen address as nginx writes it (`127.0.0.1`, `[::1]`, `localhost`). */
function loopbackListen(address: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|\[?::1\]?|localhost)$/.test(address);
}

/**
 * The address PHP sees as REMOTE_ADDR behind FastCGI, where the files fix it: nginx passes its own client's
 * address (`fastcgi_param REMOTE_ADDR $remote_addr` in Debian's fastcgi_params), so when every nginx server that
 * passes requests to FastCGI listens on loopback only (and rewrites no address with the realip module), only a
 * program on this host (the TLS front in front of nginx) can be that client: ['127.0.0.1'] (and '::1' for an
 * IPv6 loopback listener). Undefined when the files do not fix it (a public listener, a unix socket, realip).
 */
export function fastcgiClientPeers(facts: Facts): string[] | undefined {
  const peers = new Set<string>();
  // PHP run by an Apache vhost of the tree (mod_php, or mod_proxy_fcgi): REMOTE_ADDR is Apache's own client.
  const apachePhp = (facts.proxies ?? [])
    .filter((c) => c.kind === 'apache')
    .flatMap((c) => c.sites)
    .filter((s) => s.routes.some((r) => /:php$/.test(r.id)));
  for (const s of apachePhp) {
    if (s.listeners.length === 0 || s.clientAddress) return undefined;
    for (const l of s.listeners) {
      if (l.portUnknown || !l.address || !loopbackListen(l.address)) return undefined;
      peers.add(l.address.includes(':') ? '::1' : '127.0.0.1');
    }
  }
  let fcgi: ReturnType<typeof nginxModel>['servers'] = [];
  if (facts.nginx.configs.length > 0) {
    try {
      fcgi = nginxModel(facts).servers.filter((s) => s.scopes.some((sc) => sc.pass?.kind === 'fastcgi'));
    } catch {
      return undefined;
    }
  }
  if (fcgi.length === 0 && apachePhp.length === 0) return undefined;
  for (const s of fcgi) {
    if (s.fragment || s.realIp.from.length > 0 || s.listens.length === 0) return undefined;
    for (const l of s.listens) {
      if (l.unix || l.defaulted || !loopbackListen(l.address)) return undefined;
      peers.add(l.address.includes(':') ? '::1' : '127.0.0.1');
    }
  }
  return [...peers].sort();
}

/**
 * The address an HTTP app server sees as its peer behind nginx's proxy_pass, where the files fix it: nginx connects
 * from its own host, so when every proxy_pass of the tree targets a loopback address (`http://127.0.0.1:8080`,
 * `localhost`, `[::1]`, or an upstream block of only such servers), the proxy's requests come from loopback:
 * ['127.0.0.1'] (and '::1'). Undefined when any proxy_pass goes elsewhere (a container name, another host), uses a
 * variable, or another kind of proxy is in the tree.
 */
export function httpProxyPeers(facts: Facts): string[] | undefined {
  if ((facts.proxies ?? []).length > 0 || facts.nginx.configs.length === 0) return undefined;
  let passes: NginxPass[];
  try {
    passes = nginxModel(facts).servers.flatMap((s) =>
      s.scopes.flatMap((sc) => (sc.pass && sc.pass.kind === 'proxy' ? [sc.pass] : [])),
    );
  } catch {
    return undefined;
  }
  if (passes.length === 0) return undefined;
  const peers = new Set<string>();
  for (const p of passes) {
    if (p.variable && !p.setBy) return undefined;
    const hosts = p.upstream ? p.upstream.servers.map((x) => x.host) : [p.host];
    for (const h of hosts) {
      if (h === undefined || !loopbackListen(h)) return undefined;
      peers.add(h.includes(':') ? '::1' : '127.0.0.1');
    }
  }
  return [...peers].sort();
}
