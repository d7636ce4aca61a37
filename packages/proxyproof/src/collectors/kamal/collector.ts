/**
 * Kamal (Rails 8's default deployment): `config/deploy.yml` -> kamal-proxy as neutral proxy facts (model/proxy.ts)
 * in front of the app container Kamal builds from the tree's Dockerfile, and Thruster (`./bin/thrust ./bin/rails
 * server`, Rails 8's Dockerfile CMD) in that container as the app server the proxy reaches.
 *
 * What the programs do, read from their sources (basecamp/kamal eee0083, kamal-proxy d929067, thruster 3acd601):
 * - Kamal boots one `kamal-proxy` container per host, publishing `<http_port>:80` and `<https_port>:443` (defaults
 *   80/443; `proxy.run.http_port`/`https_port`, `publish: false`, `bind_ips`: configuration/proxy/run.rb; older
 *   Kamal 2 keeps them on the server, `kamal proxy boot_config set --http-port N`, which no tree file shows). The app
 *   is deployed to it with `--target <service>-<role>-<version>:<app_port>` (app_port default 80) on the `kamal`
 *   Docker network; the app container publishes nothing (configuration/proxy.rb).
 * - kamal-proxy (internal/server/target.go `forwardHeaders`): Go's `ReverseProxy.Rewrite` drops the incoming
 *   X-Forwarded-*, `SetXForwarded` writes X-Forwarded-For (the peer), -Host (the Host header) and -Proto (its own
 *   connection); with `forward_headers` it keeps the incoming X-Forwarded-Proto/-Host when present and appends the
 *   peer to the incoming X-Forwarded-For. `forward_headers` defaults to `!ssl` (internal/cmd/deploy.go): kept from
 *   anyone when kamal-proxy does not end TLS, replaced when it does. The Host header is passed on. With `ssl` it
 *   redirects plain HTTP to https by its own connection unless `ssl_redirect: false` (service.go).
 * - Thruster (internal/proxy_handler.go, config.go): listens on HTTP_PORT (80), proxies to localhost:TARGET_PORT (3000,
 *   given to Puma as PORT); FORWARD_HEADERS defaults to "no TLS_DOMAIN", with the same SetXForwarded rules as
 *   kamal-proxy. Without TLS_DOMAIN it keeps a forwarded scheme and otherwise says `http`, which is what Rack would
 *   conclude from the plain connection: for the app end it is a pass-through server (model/appserver.ts); with
 *   TLS_DOMAIN it ends TLS itself on HTTPS_PORT and writes X-Forwarded-Proto: https.
 */
import { dirname, posix } from 'node:path';
import type { HeaderRule, Listener, ProxyRoute, Ref } from '../../chain/model.js';
import { passThroughServer } from '../../model/appserver.js';
import type { CollectContext, Collector, DiscoveredFile } from '../../model/collector.js';
import type { AppServerFacts, BindAddress, SourceRef } from '../../model/facts.js';
import type { ProxyConfigFacts, ProxySite } from '../../model/proxy.js';
import { isKamalDeployName, looksLikeKamalDeploy } from '../claims.js';
import { dockerArgv, parseDockerfile } from '../deploy/formats.js';
import { addProxyFacts, readText } from '../proxy/common.js';
import { at, obj, type YDoc, yamlDocs } from '../proxy/yaml.js';
import { detemplate } from '../template/index.js';

/** kamal-proxy's container ports (kamal configuration/proxy/run.rb DEFAULT_HTTP_PORT/DEFAULT_HTTPS_PORT). */
const PROXY_HTTP = 80;
const PROXY_HTTPS = 443;
/** Thruster's defaults (thruster internal/config.go). */
const THRUST_HTTP = 80;
const THRUST_HTTPS = 443;
const THRUST_TARGET = 3000;

export interface KamalDeploy {
  file: string;
  doc: YDoc;
  value: Record<string, unknown>;
  /** The app's root folder in the tree (the parent of `config/`), '' for the tree's root. */
  root: string;
  service: string;
}

function ref(ctx: CollectContext, file: string, line: number, snippet?: string): Ref {
  const own = ctx.facts.sources.get(file)?.[line - 1]?.trim();
  const s = snippet ?? own;
  return s ? { file, line, snippet: s } : { file, line };
}

function truthy(v: unknown): boolean | undefined {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  return undefined;
}

function intOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/** The roles kamal-proxy serves: the primary role (`primary_role`, default `web`) unless `proxy: false`, others with `proxy:`. */
function proxiedRoles(d: KamalDeploy): string[] {
  const servers = d.value.servers;
  const primary = typeof d.value.primary_role === 'string' ? d.value.primary_role : 'web';
  const roles = obj(servers);
  if (!roles) return [primary];
  const out: string[] = [];
  for (const [name, conf] of Object.entries(roles)) {
    const p = obj(conf)?.proxy;
    const on = name === primary ? p !== false && p !== 'false' : p === true || p === 'true' || obj(p) !== undefined;
    if (on) out.push(name);
  }
  return out;
}

/** A role's `cmd:` (Kamal runs the image with it instead of the Dockerfile's CMD). */
function roleCmd(d: KamalDeploy, role: string): { text: string; line: number } | undefined {
  const c = obj(obj(d.value.servers)?.[role])?.cmd;
  if (typeof c !== 'string') return undefined;
  return { text: c, line: at(d.doc, ['servers', role, 'cmd'])?.keyLine ?? 0 };
}

/** `env:` as Kamal reads it: `env.clear` (or a flat map without clear/secret); secrets have no value in the tree. */
function clearEnv(d: KamalDeploy): Record<string, { value: string; line: number }> {
  const env = obj(d.value.env);
  if (!env) return {};
  const clear = obj(env.clear) ?? (env.clear === undefined && env.secret === undefined ? env : undefined);
  const path = obj(env.clear) ? ['env', 'clear'] : ['env'];
  const out: Record<string, { value: string; line: number }> = {};
  for (const [k, v] of Object.entries(clear ?? {}))
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      out[k] = { value: String(v), line: at(d.doc, [...path, k])?.keyLine ?? 0 };
  return out;
}

/** kamal-proxy's header rules (target.go forwardHeaders), the same on every route. */
function kamalProxyRules(forward: boolean, r: Ref): HeaderRule[] {
  return [
    { name: 'X-Forwarded-For', value: forward ? '{xff_append_if_trusted}' : '{remote_addr}', ref: r, from: 'default' },
    { name: 'X-Forwarded-Proto', value: '{trusted:x-forwarded-proto|scheme}', ref: r, from: 'default' },
    { name: 'X-Forwarded-Host', value: '{trusted:x-forwarded-host|http_host}', ref: r, from: 'default' },
  ];
}

export function kamalProxyConfig(ctx: CollectContext, d: KamalDeploy): ProxyConfigFacts | undefined {
  const roles = proxiedRoles(d);
  if (roles.length === 0) return undefined;
  const proxy = obj(d.value.proxy) ?? {};
  const proxyLine = at(d.doc, ['proxy'])?.keyLine ?? 0;
  const site: Ref = proxyLine ? ref(ctx, d.file, proxyLine) : ref(ctx, d.file, at(d.doc, ['service'])?.keyLine || 1);
  const keyRef = (key: string[], fallback: string): Ref => {
    const line = at(d.doc, ['proxy', ...key])?.keyLine;
    return line ? ref(ctx, d.file, line) : { ...site, origin: 'default', snippet: fallback };
  };
  const ssl = proxy.ssl !== undefined && proxy.ssl !== false && proxy.ssl !== 'false';
  const sslRef = keyRef(['ssl'], 'ssl: false (the default): kamal-proxy serves plain HTTP');
  const forwardSet = truthy(proxy.forward_headers);
  const forward = forwardSet ?? !ssl;
  const forwardRef = keyRef(
    ['forward_headers'],
    `forward_headers: ${forward} (kamal-proxy's default with ssl ${ssl ? 'on' : 'off'})`,
  );
  const hosts = [
    ...(typeof proxy.host === 'string' ? [proxy.host] : []),
    ...(Array.isArray(proxy.hosts) ? proxy.hosts.filter((h): h is string => typeof h === 'string') : []),
  ].flatMap((h) =>
    h
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
  const appPort = intOf(proxy.app_port) ?? 80;
  const appPortRef = keyRef(['app_port'], 'app_port: 80 (the default)');
  const run = obj(proxy.run) ?? {};
  const publish = truthy(run.publish) ?? true;
  const httpPort = intOf(run.http_port) ?? PROXY_HTTP;
  const httpsPort = intOf(run.https_port) ?? PROXY_HTTPS;
  const bindIps = Array.isArray(run.bind_ips) ? run.bind_ips.filter((x): x is string => typeof x === 'string') : [];
  const runRef = (key: string): Ref => {
    const line = at(d.doc, ['proxy', 'run', key])?.keyLine;
    return line ? ref(ctx, d.file, line) : { ...site, origin: 'default', snippet: `kamal-proxy published on ${key}` };
  };
  const listeners: Listener[] = [
    ...(ssl ? [{ port: PROXY_HTTPS, tls: true, proxyProtocol: false, defaultServer: false, ref: sslRef }] : []),
    { port: PROXY_HTTP, tls: false, proxyProtocol: false, defaultServer: false, ref: site },
  ];
  const published = publish
    ? (bindIps.length ? bindIps : ['0.0.0.0']).flatMap((hostIp) => [
        ...(ssl ? [{ hostIp, hostPort: httpsPort, containerPort: PROXY_HTTPS, ref: runRef('https_port') }] : []),
        { hostIp, hostPort: httpPort, containerPort: PROXY_HTTP, ref: runRef('http_port') },
      ])
    : [];
  const prefixes = [
    ...(typeof proxy.path_prefix === 'string' ? proxy.path_prefix.split(',') : []),
    ...(Array.isArray(proxy.path_prefixes) ? proxy.path_prefixes.map(String) : []),
  ]
    .map((p) => p.trim())
    .filter((p) => p.startsWith('/'));
  const rules = kamalProxyRules(forward, forwardRef);
  const routes: ProxyRoute[] = roles.flatMap((role) =>
    (prefixes.length ? prefixes : ['/']).map((path) => {
      const target = `${d.service}-${role}`;
      return {
        id: `kamal:${d.file}:${role}:${path}`,
        match: `${role} ${path}`,
        samplePath: path,
        ref: appPortRef.origin === 'default' ? site : appPortRef,
        protocol: 'http' as const,
        upstreams: [
          {
            text: `${target}:${appPort}`,
            address: { kind: 'tcp' as const, host: target, port: appPort },
            ref: appPortRef,
          },
        ],
        headers: rules,
      };
    }),
  );
  const redirect = ssl && truthy(proxy.ssl_redirect) !== false;
  const label = `kamal-proxy :${ssl ? `${PROXY_HTTPS},` : ''}${PROXY_HTTP} (${posix.basename(d.file)}:${site.line})`;
  const s: ProxySite = {
    id: `kamal:${d.file}`,
    label,
    ref: site,
    names: hosts,
    listeners,
    routes,
    siteHeaders: [],
    passesIncoming: true,
    ...(forward ? {} : { stripsUntrusted: ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'] }),
    trust: forward ? { mode: 'all', list: [], ref: forwardRef } : { mode: 'none', list: [], ref: forwardRef },
    ...(redirect
      ? {
          redirectsToHttps: keyRef(['ssl_redirect'], 'ssl: kamal-proxy redirects plain HTTP to https (ssl_redirect: true)'),
          redirectDecidedBy: 'connection' as const,
        }
      : {}),
    // A public name served on plain HTTP only: TLS ends in front of kamal-proxy (Kamal's own template: "Set ssl: false
    // if using something like Cloudflare to terminate SSL (but keep host!)").
    ...(!ssl && hosts.length > 0
      ? { frontEvidence: [{ ...sslRef, snippet: `${sslRef.snippet} with host ${hosts[0]}: TLS ends in front of kamal-proxy` }] }
      : {}),
    mode: 'http',
    notes: [
      ssl
        ? `kamal-proxy ends TLS (${sslRef.file}:${sslRef.line})`
        : 'ssl off: kamal-proxy serves plain HTTP (TLS, if any, ends in front of it)',
      forward
        ? `kamal-proxy keeps the X-Forwarded-Proto/-Host/-For it receives, from anyone (forward_headers ${forwardSet === undefined ? 'default' : 'set'})`
        : 'kamal-proxy writes X-Forwarded-Proto/-Host/-For itself and ignores the incoming ones',
      ...(publish
        ? [`published on the host: ${published.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}`).join(', ')}`]
        : ['proxy.run.publish: false: its ports are not published']),
    ],
  };
  return {
    kind: 'other',
    file: d.file,
    sites: [s],
    container: {
      service: 'kamal-proxy',
      ref: site,
      published,
      why: 'Kamal runs kamal-proxy in a container of its own on each host',
      filled: [],
    },
  };
}

/** The Dockerfile Kamal builds (`builder.dockerfile`, default `Dockerfile`, relative to the app's root). */
function dockerfileOf(ctx: CollectContext, d: KamalDeploy): DiscoveredFile | undefined {
  const b = obj(d.value.builder);
  const name = typeof b?.dockerfile === 'string' ? b.dockerfile : 'Dockerfile';
  const want = posix.normalize(posix.join(d.root || '.', name));
  return ctx.files.find((f) => f.display.replace(/\\/g, '/') === want);
}

/** Where Thruster / Puma are started in an argv (after an entrypoint script, `bundle exec`...). */
export function railsServerIn(argv: string[]): { thrust: boolean; puma: boolean } {
  const base = (w: string) => w.split('/').pop() ?? w;
  const i = argv.findIndex((w) => base(w) === 'thrust');
  const rest = i >= 0 ? argv.slice(i + 1) : argv;
  const puma = rest.some(
    (w, k) => base(w) === 'puma' || ((base(w) === 'rails' || base(w) === 'rackup') && /^(?:server|s)$/.test(rest[k + 1] ?? '')),
  );
  return { thrust: i >= 0, puma: puma || (i < 0 && rest.some((w) => /\bthrust\b/.test(w))) };
}

/**
 * The app server in the Kamal container: Thruster in front of Puma (Thruster's listener is what kamal-proxy reaches),
 * or Puma alone (`bin/rails server` on PORT, default 3000).
 */
function appServer(ctx: CollectContext, d: KamalDeploy, role: string): AppServerFacts | undefined {
  const df = dockerfileOf(ctx, d);
  const env = clearEnv(d);
  const cmd = roleCmd(d, role);
  let argv: string[] | undefined;
  let launch: SourceRef | undefined;
  let dfEnv: Record<string, { value: string; line: number }> = {};
  if (df) {
    const text = readText(ctx, df);
    if (text !== undefined) {
      const parsed = parseDockerfile(text);
      dfEnv = parsed.env;
      const a = dockerArgv(cmd ? { entrypoint: parsed.entrypoint } : parsed);
      if (cmd) argv = [...(a?.argv ?? []), ...cmd.text.split(/\s+/).filter(Boolean)];
      else if (a) {
        argv = a.argv;
        launch = ref(ctx, df.display, a.line);
      }
    }
  }
  if (cmd) launch = ref(ctx, d.file, cmd.line);
  if (!argv || !launch) return undefined;
  const words = argv.length === 3 && argv[0] === '/bin/sh' && argv[1] === '-c' ? (argv[2] ?? '').split(/\s+/) : argv;
  const found = railsServerIn(words);
  if (!found.thrust && !found.puma) return undefined;
  const envOf = (k: string): { value: string; ref: Ref } | undefined => {
    const e = env[k];
    if (e) return { value: e.value, ref: ref(ctx, d.file, e.line) };
    const x = dfEnv[k];
    return x && df ? { value: x.value, ref: ref(ctx, df.display, x.line) } : undefined;
  };
  const service = `${d.service}-${role}`;
  const bind = (port: number, r: Ref): BindAddress => ({
    kind: 'tcp',
    host: '0.0.0.0',
    port,
    exposure: 'all-interfaces',
    ref: r,
    container: true,
    reach: 'container-network',
  });
  const notes = [`Kamal runs it in the container of role ${role} (${d.file}), on the kamal Docker network; nothing published`];
  if (found.thrust) {
    const tls = envOf('TLS_DOMAIN');
    const portEnv = envOf(tls ? 'HTTPS_PORT' : 'HTTP_PORT');
    const port = intOf(portEnv?.value) ?? (tls ? THRUST_HTTPS : THRUST_HTTP);
    const target = intOf(envOf('TARGET_PORT')?.value) ?? THRUST_TARGET;
    const forward = envOf('FORWARD_HEADERS');
    notes.push(
      tls
        ? `Thruster ends TLS for ${tls.value} (${tls.ref.file}:${tls.ref.line}) and writes X-Forwarded-Proto: https`
        : `Thruster keeps the forwarded scheme it receives (FORWARD_HEADERS ${forward ? forward.value : 'default: on without TLS_DOMAIN'}) and passes it to Puma on localhost:${target}; Rails decides`,
    );
    return passThroughServer({
      name: 'thruster',
      launch: { ...launch, via: 'kamal' },
      service,
      appTarget: d.root || '.',
      binds: [bind(port, portEnv?.ref ?? launch)],
      configFiles: [d.file, ...(df ? [df.display] : [])],
      notes,
      ...(tls ? { tls: true } : {}),
    });
  }
  const portEnv = envOf('PORT');
  return passThroughServer({
    name: 'puma',
    launch: { ...launch, via: 'kamal' },
    service,
    appTarget: d.root || '.',
    binds: [bind(intOf(portEnv?.value) ?? THRUST_TARGET, portEnv?.ref ?? launch)],
    configFiles: [d.file, ...(df ? [df.display] : [])],
    notes: [...notes, 'Puma passes forwarded headers to Rack unchanged; Rails decides the scheme'],
  });
}

export function readKamalDeploy(ctx: CollectContext, f: DiscoveredFile): KamalDeploy | undefined {
  let text = readText(ctx, f);
  // Kamal reads its deploy file through ERB (kamal lib/kamal/configuration.rb: `ERB.new(template, trim_mode: "-")`):
  // a statement tag alone (`<% require "dotenv"; Dotenv.load(".env") %>`) is ERB here, which the shared template
  // reader cannot tell from text in a file of any name.
  if (text?.includes('<%')) {
    const d = detemplate(text, { name: `${f.display}.erb` });
    if (d && !d.heavy) text = d.text;
  }
  if (text === undefined || !looksLikeKamalDeploy(text)) return undefined;
  const doc = yamlDocs(text, (p) =>
    ctx.facts.diagnostics.push({ level: 'warning', file: f.display, line: p.line, message: p.message }),
  )?.[0];
  const value = doc ? obj(doc.value) : undefined;
  if (!doc || !value || typeof value.service !== 'string') return undefined;
  const p = f.display.replace(/\\/g, '/');
  const configDir = dirname(p);
  const root = posix.basename(configDir) === 'config' ? dirname(configDir) : configDir;
  return { file: f.display, doc, value, root: root === '.' ? '' : root, service: value.service };
}

export const kamalCollector: Collector = {
  name: 'kamal',
  collect(ctx: CollectContext) {
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs) || !isKamalDeployName(posix.basename(f.display.replace(/\\/g, '/')))) continue;
      const d = readKamalDeploy(ctx, f);
      if (!d) continue;
      ctx.claimed.add(f.abs);
      const proxy = kamalProxyConfig(ctx, d);
      if (proxy) addProxyFacts(ctx, proxy);
      for (const role of proxiedRoles(d)) {
        const server = appServer(ctx, d, role);
        if (!server) continue;
        // The Puma a `config/puma.rb` of the same app describes (collectors/ruby) is the one Thruster starts on
        // localhost inside this container: not a second backend reachable from the host.
        const root = d.root || '.';
        const all = ctx.facts.appServers;
        for (let i = all.length - 1; i >= 0; i--) {
          const a = all[i] as AppServerFacts;
          if (a.name === 'puma' && a.launch.via === 'config' && a.appTarget === root && !a.service) {
            server.configFiles.push(...a.configFiles);
            server.notes = [
              ...(server.notes ?? []),
              `Puma (${a.launch.file}:${a.launch.line}) runs inside the same container${server.name === 'thruster' ? ', behind Thruster' : ''}`,
            ];
            all.splice(i, 1);
          }
        }
        all.push(server);
      }
    }
  },
};
