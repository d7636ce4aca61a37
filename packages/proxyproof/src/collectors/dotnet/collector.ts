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
import type { AppEndFacts, BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { codeLines, lit, MAX_APP_SOURCE_BYTES, quotedStrings, refAt } from '../appends/lines.js';
import { isDockerfileName } from '../sniff.js';

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

/** Where the images' default listeners were read (ENV of runtime-deps, which aspnet builds on). */
export const DOTNET_IMAGE_SOURCES = [
  'https://github.com/dotnet/dotnet-docker/blob/main/src/runtime-deps/6.0/alpine3.16/amd64/Dockerfile (ASPNETCORE_URLS=http://+:80)',
  'https://github.com/dotnet/dotnet-docker/blob/main/src/runtime-deps/10.0/trixie-slim/amd64/Dockerfile (ASPNETCORE_HTTP_PORTS=8080, from .NET 8)',
];

/**
 * Microsoft's .NET runtime images by their current and former names, with the tag's major version:
 * `mcr.microsoft.com/dotnet/{aspnet,runtime,runtime-deps}:X` (`dotnet/core/...` for 2.1-3.1), and the retired Docker
 * Hub names `microsoft/dotnet:2.2-aspnetcore-runtime`, `microsoft/dotnet:2.1-runtime(-deps)-alpine`,
 * `microsoft/aspnetcore:2.0` (`legacy`: every one of them sets ASPNETCORE_URLS=http://+:80 —
 * dotnet/dotnet-docker 2.2/runtime-deps/alpine3.8/amd64/Dockerfile, aspnet/aspnet-docker 2.0/stretch/runtime/Dockerfile).
 * SDK images are not runtime images.
 */
export function dotnetRuntimeImage(from: string): { major?: string; legacy: boolean } | undefined {
  const current = /^(?:mcr\.microsoft\.com\/)?dotnet\/(?:core\/)?(?:aspnet|runtime|runtime-deps)(?::(\d+)\.(\d+))?/i.exec(from);
  if (current) return { ...(current[1] ? { major: current[1] } : {}), legacy: false };
  const hub = /^(?:docker\.io\/)?microsoft\/dotnet:(\d+)\.\d+[\w.]*-(?:aspnetcore-runtime|runtime-deps|runtime)(?:-|$)/i.exec(
    from,
  );
  if (hub) return { major: hub[1] as string, legacy: true };
  const aspnetcore = /^(?:docker\.io\/)?microsoft\/aspnetcore(?::(\d+)\.\d+[\w.-]*)?$/i.exec(from);
  if (aspnetcore) return { ...(aspnetcore[1] ? { major: aspnetcore[1] } : {}), legacy: true };
  return undefined;
}

/**
 * The listener of a Dockerfile whose final stage runs on Microsoft's .NET image (`mcr.microsoft.com/dotnet/aspnet`,
 * `runtime`, `runtime-deps`, or a retired name: dotnetRuntimeImage; stage aliases followed): its own `ENV ASPNETCORE_URLS`/`ASPNETCORE_HTTP_PORTS`, else the
 * image's default — `http://+:80` before .NET 8, `ASPNETCORE_HTTP_PORTS=8080` from .NET 8 (DOTNET_IMAGE_SOURCES).
 */
export function dotnetImageListener(
  file: string,
  text: string,
): { binds: BindAddress[]; tls: boolean; version: string; fromImage: boolean } | undefined {
  const raw = text.split(/\r?\n/);
  const stages: Array<{ from: string; alias?: string; line: number; env: Record<string, { value: string; line: number }> }> = [];
  raw.forEach((l, i) => {
    const from = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(l);
    if (from) {
      stages.push({ from: from[1] as string, alias: from[2]?.toLowerCase(), line: i + 1, env: {} });
      return;
    }
    const env = /^\s*ENV\s+(.*)$/i.exec(l);
    const stage = stages[stages.length - 1];
    if (!env || !stage) return;
    const body = env[1] as string;
    const pairs = [...body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)];
    if (pairs.length > 0)
      for (const m of pairs) stage.env[m[1] as string] = { value: (m[2] as string).replace(/^"|"$/g, ''), line: i + 1 };
    else {
      const sp = /^([A-Za-z_][A-Za-z0-9_]*)\s+(.+)$/.exec(body.trim());
      if (sp) stage.env[sp[1] as string] = { value: (sp[2] as string).trim(), line: i + 1 };
    }
  });
  // The final stage and the stages it is built FROM (by alias), innermost last.
  const chain: typeof stages = [];
  let cur = stages[stages.length - 1];
  for (let guard = 0; cur && guard < 16; guard++) {
    chain.push(cur);
    const base = cur.from.toLowerCase();
    cur = stages.find((x) => x.alias === base && x !== cur);
  }
  const root = chain[chain.length - 1];
  const image = root ? dotnetRuntimeImage(root.from) : undefined;
  if (!root || !image) return undefined;
  for (const st of chain) {
    const urls = st.env.ASPNETCORE_URLS;
    const ports = st.env.ASPNETCORE_HTTP_PORTS;
    const ref = (line: number) => refAt(file, raw, line);
    if (urls) return { ...kestrelBinds(urls.value, ref(urls.line)), version: image.major ?? '', fromImage: false };
    if (ports) return { ...kestrelBinds(ports.value, ref(ports.line), true), version: image.major ?? '', fromImage: false };
  }
  // A tag without a version (`latest`) is today's image: 8080 (the retired Docker Hub names never reached .NET 8).
  const ref = refAt(file, raw, root.line);
  const major = image.major !== undefined ? Number(image.major) : image.legacy ? 2 : undefined;
  const def = major !== undefined && major < 8 ? kestrelBinds('http://+:80', ref) : kestrelBinds('8080', ref, true);
  return { ...def, version: image.major ?? 'latest', fromImage: true };
}

/** CookieBuilder.SecurePolicy's default: SameAsRequest (Secure when Request.IsHttps). */
const ASPNET_COOKIE_SOURCE =
  'https://github.com/dotnet/aspnetcore/blob/v8.0.11/src/Http/Http.Abstractions/src/CookieBuilder.cs (SecurePolicy, Build)';

/**
 * The Secure flag of the cookies the app's services write: CookieBuilder.SecurePolicy defaults to SameAsRequest
 * (Secure when Request.IsHttps, which behind a proxy only ForwardedHeadersMiddleware makes true); `Always` on every
 * registration or on the app-wide CookiePolicyOptions raises them all; `None` anywhere leaves that cookie plain.
 * No cookie-writing service in the code: nothing is said.
 */
function aspnetCookies(
  appEnd: AppEndFacts,
  uses: SourceRef[],
  policies: Array<{ policy: string; ref: SourceRef; global: boolean }>,
): void {
  if (uses.length === 0) return;
  appEnd.secureCookieName = 'the session/authentication cookie';
  appEnd.secureCookieFix = 'options.Cookie.SecurePolicy = CookieSecurePolicy.Always';
  appEnd.defaultsFrom = [...(appEnd.defaultsFrom ?? []), ASPNET_COOKIE_SOURCE];
  const none = policies.find((p) => p.policy === 'None');
  const always = policies.filter((p) => p.policy === 'Always');
  if (none) appEnd.secureCookies = lit<'never'>('never', none.ref, 'literal', { note: 'CookieSecurePolicy.None' });
  else if (always.some((p) => p.global) || always.length >= uses.length)
    appEnd.secureCookies = lit<'always'>('always', (always[0] as { ref: SourceRef }).ref);
  else
    appEnd.secureCookies = lit<'auto'>('auto', uses[0] as SourceRef, 'default', {
      note: 'CookieSecurePolicy.SameAsRequest, the default: Secure when Request.IsHttps',
    });
}

export const dotnetCollector: Collector = {
  name: 'dotnet',
  collect(ctx: CollectContext) {
    const uses: SourceRef[] = [];
    const added: SourceRef[] = [];
    const addedList: string[] = [];
    const cleared: { proxies?: SourceRef; networks?: SourceRef } = {};
    /** Trust entries from `Configure<ForwardedHeadersOptions>(...)` (DI options), kept apart: see `explicitOptions`. */
    const configured: { added: SourceRef[]; list: string[]; cleared: { proxies?: SourceRef; networks?: SourceRef } } = {
      added: [],
      list: [],
      cleared: {},
    };
    /** A `UseForwardedHeaders(options)` call: that object, not the DI-configured one, is what the middleware uses. */
    let explicitOptions: SourceRef | undefined;
    /** Entries resolved by DNS at start-up (`Dns.GetHostEntry("nginx")`): an address the files do not say. */
    const resolvedNames: string[] = [];
    let headers: Valued<string> | undefined;
    /** `ForwardLimit = N | null` (ForwardedHeadersOptions; default 1): how many X-Forwarded-For entries are read. */
    let forwardLimit: { value: number | null; ref: SourceRef } | undefined;
    let firstFile: string | undefined;
    /** The app's entry point (an ASP.NET Core host builder), where a fix goes when no middleware is written. */
    let entry: SourceRef | undefined;
    let httpsRedirection: SourceRef | undefined;
    /** Cookie-writing services (session, cookie authentication, Identity, antiforgery) and CookieSecurePolicy lines. */
    const cookieUses: SourceRef[] = [];
    const cookiePolicies: Array<{ policy: string; ref: SourceRef; global: boolean }> = [];
    /** An https port the redirection middleware can use: `HttpsPort = N`, an https URL, HTTPS_PORT(S). */
    let httpsPort: { port?: number; ref: SourceRef } | undefined;
    const listeners: Array<{
      binds: BindAddress[];
      tls: boolean;
      via: 'code' | 'compose' | 'config';
      service?: string;
      dockerfile?: boolean;
    }> = [];
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
      // The lines of a `Configure<ForwardedHeadersOptions>(o => { ... })` block: from its line until its parentheses close.
      let configureDepth = 0;
      code.forEach((l, i) => {
        const ref = refAt(f.display, raw, i + 1);
        if (/\.(?:AddSession|AddCookie|AddDefaultIdentity|AddIdentity|AddAntiforgery)\s*[<(]/.test(l)) cookieUses.push(ref);
        const pol = /CookieSecurePolicy\.(Always|None|SameAsRequest)\b/.exec(l);
        if (pol)
          cookiePolicies.push({
            policy: pol[1] as string,
            ref,
            // CookiePolicyOptions.Secure (UseCookiePolicy) raises every cookie the app writes.
            global: /CookiePolicyOptions|\bSecure\s*=\s*CookieSecurePolicy/.test(l) && !/\.SecurePolicy\b/.test(l),
          });
        const opensConfigure = configureDepth === 0 && /\bConfigure\s*<\s*ForwardedHeadersOptions\s*>\s*\(/.test(l);
        const inConfigure = configureDepth > 0 || opensConfigure;
        if (inConfigure) {
          const from = opensConfigure ? l.search(/\bConfigure\s*</) : 0;
          for (const ch of l.slice(from)) configureDepth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
          if (configureDepth < 0) configureDepth = 0;
        }
        const sink = inConfigure ? configured : { added, list: addedList, cleared };
        if (/\.UseForwardedHeaders\s*\(\s*[^)\s]/.test(l)) explicitOptions ??= ref;
        if (/\.UseForwardedHeaders\s*\(/.test(l)) uses.push(ref);
        if (ENTRY_POINT.test(l)) entry ??= ref;
        if (/\.UseHttpsRedirection\s*\(/.test(l)) httpsRedirection ??= ref;
        const hp = /\bHttpsPort\s*=\s*(\d+)/.exec(l);
        if (hp) httpsPort ??= { port: Number(hp[1]), ref };
        if (/KnownProxies\s*\.\s*Clear\s*\(/.test(l)) sink.cleared.proxies = ref;
        if (/KnownNetworks\s*\.\s*Clear\s*\(/.test(l)) sink.cleared.networks = ref;
        if (
          /Known(?:Proxies|Networks)\s*\.\s*Add\s*\(|Known(?:Proxies|Networks)\s*=\s*\{|Known(?:Proxies|Networks)\s*\.\s*AddRange/.test(
            l,
          )
        ) {
          sink.added.push(ref);
          // Dns.GetHostEntry("nginx") / GetHostAddresses: the address a name has when the app starts, not the name.
          const dns = [...l.matchAll(/\bDns\s*\.\s*GetHost(?:Entry|Addresses)(?:Async)?\s*\(\s*"([^"]+)"/g)].map(
            (m) => m[1] as string,
          );
          if (dns.length > 0) resolvedNames.push(...dns);
          // new IPNetwork(IPAddress.Parse("172.16.0.0"), 12) -> 172.16.0.0/12; IPAddress.Parse("10.0.0.5") -> itself.
          const nets = [...l.matchAll(/Parse\(\s*"([^"]+)"\s*\)\s*,\s*(\d+)/g)].map((m) => `${m[1]}/${m[2]}`);
          if (dns.length === 0) sink.list.push(...(nets.length > 0 ? nets : quotedStrings(l)));
        }
        const u = /\.(?:UseUrls|Run)\s*\(\s*"([^"]+)"/.exec(l);
        if (u) {
          const k = kestrelBinds(u[1] as string, ref);
          listeners.push({ ...k, via: 'code' });
          if (k.tls) httpsPort ??= { ref };
        }
        const fl = /\bForwardLimit\s*=\s*(null|\d+)\b/.exec(l);
        if (fl) forwardLimit = { value: fl[1] === 'null' ? null : Number(fl[1]), ref };
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
    // `UseForwardedHeaders(new ForwardedHeadersOptions { ... })` (or any options object) replaces the DI-configured
    // options: Configure<ForwardedHeadersOptions> then changes nothing (UseForwardedHeaders(options) wraps that object:
    // aspnetcore src/Middleware/HttpOverrides/src/ForwardedHeadersExtensions.cs). Otherwise its entries count.
    const ignoredConfigure =
      explicitOptions !== undefined && configured.added.length + Object.keys(configured.cleared).length > 0;
    if (!explicitOptions) {
      added.push(...configured.added);
      addedList.push(...configured.list);
      cleared.proxies ??= configured.cleared.proxies;
      cleared.networks ??= configured.cleared.networks;
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
      // Set, not a default the variable would replace (Valued.envVar): the switch itself clears the lists.
      trust = lit(['*'], envEnabled, 'env', {
        note: 'ASPNETCORE_FORWARDEDHEADERS_ENABLED=true clears KnownNetworks and KnownProxies',
      });
    else if (added.length > 0)
      trust =
        addedList.length > 0 || resolvedNames.length === 0
          ? lit(
              addedList.length > 0 ? addedList : ['(configured)'],
              added[0] as SourceRef,
              addedList.length > 0 ? 'literal' : 'unknown',
            )
          : lit(['(configured)'], added[0] as SourceRef, 'unknown', {
              note: `the address of ${resolvedNames.join(', ')} looked up by DNS when the app starts`,
            });
    else if (cleared.proxies && cleared.networks)
      trust = lit(['*'], cleared.networks, 'literal', { note: 'KnownNetworks and KnownProxies cleared' });
    else
      trust = lit(ASPNET_DEFAULT_TRUST, anchor, 'default', {
        note: ignoredConfigure
          ? `KnownNetworks 127.0.0.0/8, KnownProxies ::1: UseForwardedHeaders is given its own options (${explicitOptions?.file}:${explicitOptions?.line}), so Configure<ForwardedHeadersOptions> (${configured.added[0]?.file ?? configured.cleared.proxies?.file}:${configured.added[0]?.line ?? configured.cleared.proxies?.line}) does not apply`
          : 'KnownNetworks 127.0.0.0/8, KnownProxies ::1',
      });
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
    if (fw.appEnd) aspnetCookies(fw.appEnd, cookieUses, cookiePolicies);
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
    // ForwardedHeadersMiddleware.ApplyForwarders reads X-Forwarded-For from the right, at most ForwardLimit entries
    // (default 1), each only while the previous sender is trusted, and leaves the peer when the header is absent.
    // At 1: the right-most entry, the one the nearest proxy wrote; `null`: the walk until an untrusted entry (what
    // the simulator does without a depth). Above 1 the walk stops at N entries: not modelled, said in a note.
    if (fw.appEnd && !readsNone) {
      const limit = forwardLimit ? forwardLimit.value : 1;
      if (limit === 1) {
        fw.appEnd.clientFromRight = 1;
        fw.appEnd.clientShortKeepsPeer = true;
      } else if (limit !== null)
        fw.appEnd.notes = [
          ...(fw.appEnd.notes ?? []),
          `ForwardLimit = ${limit} (${forwardLimit?.ref.file}:${forwardLimit?.ref.line}): at most ${limit} X-Forwarded-For entries are read from the right; taken here as the walk over trusted entries`,
        ];
      if (forwardLimit) fw.settings.ForwardLimit = lit(String(forwardLimit.value), forwardLimit.ref);
    }
    if (envEnabled) fw.settings.ASPNETCORE_FORWARDEDHEADERS_ENABLED = lit('true', envEnabled, 'env');
    if (envOptions) fw.settings.optionsFromEnvironment = lit(true, envOptions, 'env');
    // The container image's listener (a Dockerfile on Microsoft's .NET image): its ENV, else the image's default port.
    let imageNote: string | undefined;
    if (!listeners.some((l) => l.via === 'compose' && l.binds.length > 0))
      for (const f of ctx.files) {
        if (!isDockerfileName(f.display.slice(f.display.lastIndexOf('/') + 1)) || f.size > MAX_APP_SOURCE_BYTES) continue;
        const l = dotnetImageListener(f.display, ctx.read(f).toString('utf8'));
        if (!l || l.binds.length === 0) continue;
        for (const b of l.binds) b.container = true;
        // The compose service built from this Dockerfile runs it: its `ports:` publish the container port.
        const svc = (ctx.facts.compose?.files ?? [])
          .flatMap((cf) => cf.services)
          .find((sv) => {
            if (!sv.build) return false;
            const rel = `${sv.build.context}/${sv.build.dockerfile ?? 'Dockerfile'}`
              .split('/')
              .filter((x) => x !== '' && x !== '.')
              .join('/');
            return f.display === rel || f.display.endsWith(`/${rel}`);
          });
        for (const b of l.binds) {
          const port = svc?.ports.find((p) => p.containerPort === b.port);
          if (port) b.published = { hostIp: port.hostIp, hostPort: port.hostPort ?? 0, ref: port.ref };
        }
        if (l.fromImage)
          imageNote = `no URL set: the .NET ${l.version} image's default ${l.binds[0]?.port === 80 ? 'ASPNETCORE_URLS=http://+:80' : 'ASPNETCORE_HTTP_PORTS=8080'} (${f.display}:${l.binds[0]?.ref?.line})`;
        listeners.push({ binds: l.binds, tls: l.tls, via: 'config', dockerfile: true, ...(svc ? { service: svc.name } : {}) });
        break;
      }
    // Kestrel's listener: the compose environment's URLs (what runs), then the code's UseUrls (it overrides the
    // environment), then the image's ENV or default port.
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
        launch: { ...first, via: listener.via === 'compose' ? 'compose' : listener.dockerfile ? 'dockerfile' : 'code' },
        appTarget: root,
        binds: listener.binds,
        configFiles: [],
        notes: [
          'Kestrel hands forwarded headers to the app unchanged; ForwardedHeadersMiddleware decides',
          ...(listener.dockerfile && imageNote ? [imageNote] : []),
        ],
        ...(listener.service ? { service: listener.service } : {}),
        tls: Boolean(listener.tls),
      });
      ctx.facts.appServers.push(server);
    }
    ctx.facts.frameworks.push(fw);
  },
};
