/**
 * .NET app ends: ASP.NET Core's ForwardedHeadersMiddleware, read line by line from C# sources
 * (`app.UseForwardedHeaders(...)`, `ForwardedHeadersOptions`, `KnownProxies`/`KnownNetworks` `.Add`/`.Clear()`,
 * `ForwardLimit`) and from `ASPNETCORE_FORWARDEDHEADERS_ENABLED` in compose environments.
 *
 * Defaults (dotnet/aspnetcore src/Middleware/HttpOverrides/src/ForwardedHeadersOptions.cs): KnownNetworks
 * 127.0.0.0/8 and KnownProxies ::1 — headers from any other peer are ignored; ForwardLimit 1.
 * ASPNETCORE_FORWARDEDHEADERS_ENABLED=true (src/DefaultBuilder/src/ForwardedHeadersOptionsSetup.cs) turns on
 * XForwardedFor|XForwardedProto and clears both lists: every peer is trusted.
 *
 * An ASP.NET Core app (`WebApplication.CreateBuilder`, `CreateDefaultBuilder`, `UseStartup<...>`) with neither reads
 * no forwarded header at all: behind a TLS proxy `Request.Scheme` is http. `app.UseHttpsRedirection()` redirects
 * every http request only when it knows an https port (HttpsRedirectionMiddleware.TryGetHttpsPort: the
 * `HttpsPort` option, `HTTPS_PORT`/`ANCM_HTTPS_PORT` configuration — `ASPNETCORE_HTTPS_PORT`/`ASPNETCORE_HTTPS_PORTS`
 * in the environment —, else an https server address); without one it logs "Failed to determine the https port
 * for redirect" and lets the request through. Kestrel with no URL configured listens on http://localhost:5000
 * (KestrelServerOptions / the endpoints docs).
 */
import { passThroughServer } from '../../model/appserver.js';
import type { CollectContext, Collector } from '../../model/collector.js';
import type { BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { codeLines, lit, MAX_APP_SOURCE_BYTES, quotedStrings, refAt } from '../appends/lines.js';

export const ASPNET_OPTIONS_SOURCE =
  'https://github.com/dotnet/aspnetcore/blob/v8.0.0/src/Middleware/HttpOverrides/src/ForwardedHeadersOptions.cs';
export const ASPNET_ENV_SOURCE =
  'https://github.com/dotnet/aspnetcore/blob/v8.0.0/src/DefaultBuilder/src/ForwardedHeadersOptionsSetup.cs';
export const ASPNET_DEFAULT_TRUST = ['127.0.0.0/8', '::1'];
export const KESTREL_URLS_SOURCE = 'https://learn.microsoft.com/en-us/aspnet/core/fundamentals/servers/kestrel/endpoints';
export const HTTPS_REDIRECTION_SOURCE =
  'https://github.com/dotnet/aspnetcore/blob/v8.0.0/src/Middleware/HttpsPolicy/src/HttpsRedirectionMiddleware.cs';
/** Kestrel's listener when no URL is configured anywhere. */
export const KESTREL_DEFAULT_URL = 'http://localhost:5000';
const ENTRY_POINT = /WebApplication\s*\.\s*Create(?:Slim)?Builder\s*\(|\bCreateDefaultBuilder\s*\(|\.UseStartup\s*</;

/**
 * Kestrel's plain-HTTP listeners from an URL list (`ASPNETCORE_URLS=http://+:80;https://+:443`, `UseUrls(...)`,
 * appsettings `"Urls"`) or a port list (`ASPNETCORE_HTTP_PORTS=8080`, every interface). `+`, `*`, `0.0.0.0` and
 * `[::]` are every interface; `localhost` is loopback. https URLs end TLS in Kestrel and are not proxied to here.
 */
export function kestrelBinds(value: string, ref: SourceRef, portsOnly = false): { binds: BindAddress[]; tls: boolean } {
  const binds: BindAddress[] = [];
  let tls = false;
  for (const item of value
    .split(/[;,]/)
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (portsOnly) {
      if (/^\d+$/.test(item)) binds.push({ kind: 'tcp', host: '0.0.0.0', port: Number(item), exposure: 'all-interfaces', ref });
      continue;
    }
    const m = /^(https?):\/\/(\[[^\]]*\]|[^:/]+)(?::(\d+))?/i.exec(item);
    if (!m) continue;
    if ((m[1] as string).toLowerCase() === 'https') {
      tls = true;
      continue;
    }
    const h = (m[2] as string).replace(/^\[|\]$/g, '');
    const port = m[3] ? Number(m[3]) : 80;
    const all = h === '+' || h === '*' || h === '0.0.0.0' || h === '::';
    const loop = h === 'localhost' || /^127\./.test(h) || h === '::1';
    binds.push({
      kind: 'tcp',
      host: all ? '0.0.0.0' : loop ? '127.0.0.1' : h,
      port,
      exposure: all ? 'all-interfaces' : loop ? 'loopback' : 'specific',
      ref,
    });
  }
  return { binds, tls };
}

export const dotnetCollector: Collector = {
  name: 'dotnet',
  collect(ctx: CollectContext) {
    const uses: SourceRef[] = [];
    const added: SourceRef[] = [];
    const addedList: string[] = [];
    const cleared: { proxies?: SourceRef; networks?: SourceRef } = {};
    let headers: Valued<string> | undefined;
    let firstFile: string | undefined;
    /** The app's entry point (an ASP.NET Core host builder), where a fix goes when no middleware is written. */
    let entry: SourceRef | undefined;
    let httpsRedirection: SourceRef | undefined;
    /** An https port the redirection middleware can use: `HttpsPort = N`, an https URL, HTTPS_PORT(S). */
    let httpsPort: { port?: number; ref: SourceRef } | undefined;
    const listeners: Array<{ binds: BindAddress[]; tls: boolean; via: 'code' | 'compose' | 'config'; service?: string }> = [];
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs) || !f.display.endsWith('.cs') || f.size > MAX_APP_SOURCE_BYTES) continue;
      const text = ctx.read(f).toString('utf8');
      if (
        !/UseForwardedHeaders|ForwardedHeadersOptions|KnownProxies|KnownNetworks|UseHttpsRedirection/.test(text) &&
        !ENTRY_POINT.test(text)
      )
        continue;
      ctx.claimed.add(f.abs);
      firstFile ??= f.display;
      const raw = text.split(/\r?\n/);
      const code = codeLines(text, 'c');
      code.forEach((l, i) => {
        const ref = refAt(f.display, raw, i + 1);
        if (/\.UseForwardedHeaders\s*\(/.test(l)) uses.push(ref);
        if (ENTRY_POINT.test(l)) entry ??= ref;
        if (/\.UseHttpsRedirection\s*\(/.test(l)) httpsRedirection ??= ref;
        const hp = /\bHttpsPort\s*=\s*(\d+)/.exec(l);
        if (hp) httpsPort ??= { port: Number(hp[1]), ref };
        if (/KnownProxies\s*\.\s*Clear\s*\(/.test(l)) cleared.proxies = ref;
        if (/KnownNetworks\s*\.\s*Clear\s*\(/.test(l)) cleared.networks = ref;
        if (
          /Known(?:Proxies|Networks)\s*\.\s*Add\s*\(|Known(?:Proxies|Networks)\s*=\s*\{|Known(?:Proxies|Networks)\s*\.\s*AddRange/.test(
            l,
          )
        ) {
          added.push(ref);
          // new IPNetwork(IPAddress.Parse("172.16.0.0"), 12) -> 172.16.0.0/12; IPAddress.Parse("10.0.0.5") -> itself.
          const nets = [...l.matchAll(/Parse\(\s*"([^"]+)"\s*\)\s*,\s*(\d+)/g)].map((m) => `${m[1]}/${m[2]}`);
          addedList.push(...(nets.length > 0 ? nets : quotedStrings(l)));
        }
        const u = /\.(?:UseUrls|Run)\s*\(\s*"([^"]+)"/.exec(l);
        if (u) {
          const k = kestrelBinds(u[1] as string, ref);
          listeners.push({ ...k, via: 'code' });
          if (k.tls) httpsPort ??= { ref };
        }
        const h = /ForwardedHeaders\s*=\s*(ForwardedHeaders\.[\w.|\s]+)/.exec(l);
        if (h) headers = lit((h[1] as string).replace(/\s+/g, ''), ref);
      });
    }
    // Compose: ASPNETCORE_FORWARDEDHEADERS_ENABLED, or options JSON passed in the environment.
    let envEnabled: SourceRef | undefined;
    let envOptions: SourceRef | undefined;
    for (const cf of ctx.facts.compose?.files ?? [])
      for (const s of cf.services) {
        const v = s.environment.ASPNETCORE_FORWARDEDHEADERS_ENABLED;
        if (v && /^true$/i.test(v.value)) envEnabled = v.ref;
        const urls = s.environment.ASPNETCORE_URLS;
        const ports = s.environment.ASPNETCORE_HTTP_PORTS;
        for (const name of ['ASPNETCORE_HTTPS_PORT', 'ASPNETCORE_HTTPS_PORTS', 'HTTPS_PORT', 'ASPNETCORE_ANCM_HTTPS_PORT']) {
          const e = s.environment[name];
          const n = e ? /^\s*(\d+)/.exec(e.value)?.[1] : undefined;
          if (e && n) httpsPort ??= { port: Number(n), ref: e.ref };
        }
        if (urls && kestrelBinds(urls.value, urls.ref).tls) httpsPort ??= { ref: urls.ref };
        if (urls) listeners.push({ ...kestrelBinds(urls.value, urls.ref), via: 'compose', service: s.name });
        else if (ports) listeners.push({ ...kestrelBinds(ports.value, ports.ref, true), via: 'compose', service: s.name });
        // Options bound from configuration passed in the environment (JSON with ForwardedHeadersOptions...).
        for (const [k, e] of Object.entries(s.environment))
          if (k !== 'ASPNETCORE_FORWARDEDHEADERS_ENABLED' && /ForwardedHeaders/.test(`${k} ${e.value}`)) envOptions ??= e.ref;
      }
    if (uses.length === 0 && !envEnabled && !entry) return;
    const anchor = uses[0] ?? envEnabled ?? (entry as SourceRef);
    // Neither the middleware nor the switch: X-Forwarded-* are never read (the app sees the connection's scheme).
    const readsNone = uses.length === 0 && !envEnabled;
    let trust: Valued<string[]>;
    if (readsNone)
      trust = lit([] as string[], anchor, 'default', {
        note: 'no UseForwardedHeaders and no ASPNETCORE_FORWARDEDHEADERS_ENABLED: X-Forwarded-* are ignored',
      });
    else if (uses.length === 0 && envEnabled)
      trust = lit(['*'], envEnabled, 'env', {
        envVar: 'ASPNETCORE_FORWARDEDHEADERS_ENABLED',
        note: 'clears KnownNetworks/KnownProxies',
      });
    else if (added.length > 0)
      trust = lit(
        addedList.length > 0 ? addedList : ['(configured)'],
        added[0] as SourceRef,
        addedList.length > 0 ? 'literal' : 'unknown',
      );
    else if (cleared.proxies && cleared.networks)
      trust = lit(['*'], cleared.networks, 'literal', { note: 'KnownNetworks and KnownProxies cleared' });
    else trust = lit(ASPNET_DEFAULT_TRUST, anchor, 'default', { note: 'KnownNetworks 127.0.0.0/8, KnownProxies ::1' });
    const fw: FrameworkFacts = {
      kind: 'aspnet',
      file: anchor.file || (firstFile ?? ''),
      usesServerScheme: false,
      trustProxy: trust,
      settings: headers ? { ForwardedHeaders: headers } : {},
      appEnd: {
        name: 'ASP.NET Core',
        ref: anchor,
        schemeHeaders: readsNone ? [] : ['x-forwarded-proto'],
        clientHeaders: readsNone ? [] : ['x-forwarded-for'],
        trustScheme: trust,
        trustClient: trust,
        defaultsFrom: [ASPNET_OPTIONS_SOURCE, ASPNET_ENV_SOURCE, HTTPS_REDIRECTION_SOURCE],
      },
    };
    if (httpsRedirection && fw.appEnd) {
      if (httpsPort)
        fw.appEnd.sslRedirect = lit(true, httpsRedirection, 'literal', {
          note: `UseHttpsRedirection with an https port (${httpsPort.port ?? 'from an https URL'}, ${httpsPort.ref.file}:${httpsPort.ref.line})`,
        });
      else
        fw.appEnd.notes = [
          ...(fw.appEnd.notes ?? []),
          `UseHttpsRedirection (${httpsRedirection.file}:${httpsRedirection.line}) knows no https port (no HttpsPort, HTTPS_PORT or https URL): it does not redirect`,
        ];
    }
    if (envEnabled) fw.settings.ASPNETCORE_FORWARDEDHEADERS_ENABLED = lit('true', envEnabled, 'env');
    if (envOptions) fw.settings.optionsFromEnvironment = lit(true, envOptions, 'env');
    // Kestrel's listener: the compose environment's URLs (what runs) over the code's UseUrls (what a default run does).
    let listener = listeners.find((l) => l.via === 'compose' && l.binds.length > 0) ?? listeners.find((l) => l.binds.length > 0);
    // No URL anywhere and no compose file that could run it in a container: Kestrel's default http://localhost:5000.
    if (!listener && entry && listeners.length === 0 && (ctx.facts.compose?.files.length ?? 0) === 0)
      listener = { ...kestrelBinds(KESTREL_DEFAULT_URL, entry), via: 'code' };
    if (listener) {
      const root = fw.file.includes('/') ? fw.file.slice(0, fw.file.lastIndexOf('/')) : '.';
      fw.module = root;
      const first = listener.binds[0]?.ref as SourceRef;
      for (const b of listener.binds) if (listener.via === 'compose') b.container = true;
      const server = passThroughServer({
        name: 'kestrel',
        launch: { ...first, via: listener.via === 'compose' ? 'compose' : 'code' },
        appTarget: root,
        binds: listener.binds,
        configFiles: [],
        notes: ['Kestrel hands forwarded headers to the app unchanged; ForwardedHeadersMiddleware decides'],
        ...(listener.service ? { service: listener.service } : {}),
        tls: Boolean(listener.tls),
      });
      ctx.facts.appServers.push(server);
    }
    ctx.facts.frameworks.push(fw);
  },
};
