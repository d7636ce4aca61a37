/**
 * .NET app ends: ASP.NET Core's ForwardedHeadersMiddleware, read line by line from C# sources
 * (`app.UseForwardedHeaders(...)`, `ForwardedHeadersOptions`, `KnownProxies`/`KnownNetworks` `.Add`/`.Clear()`,
 * `ForwardLimit`) and from `ASPNETCORE_FORWARDEDHEADERS_ENABLED` in compose environments.
 *
 * Defaults (dotnet/aspnetcore src/Middleware/HttpOverrides/src/ForwardedHeadersOptions.cs): KnownNetworks
 * 127.0.0.0/8 and KnownProxies ::1 — headers from any other peer are ignored; ForwardLimit 1.
 * ASPNETCORE_FORWARDEDHEADERS_ENABLED=true (src/DefaultBuilder/src/ForwardedHeadersOptionsSetup.cs) turns on
 * XForwardedFor|XForwardedProto and clears both lists: every peer is trusted.
 */
import type { CollectContext, Collector } from '../../model/collector.js';
import type { FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { codeLines, lit, MAX_APP_SOURCE_BYTES, quotedStrings, refAt } from '../appends/lines.js';

export const ASPNET_OPTIONS_SOURCE =
  'https://github.com/dotnet/aspnetcore/blob/v8.0.0/src/Middleware/HttpOverrides/src/ForwardedHeadersOptions.cs';
export const ASPNET_ENV_SOURCE =
  'https://github.com/dotnet/aspnetcore/blob/v8.0.0/src/DefaultBuilder/src/ForwardedHeadersOptionsSetup.cs';
export const ASPNET_DEFAULT_TRUST = ['127.0.0.0/8', '::1'];

export const dotnetCollector: Collector = {
  name: 'dotnet',
  collect(ctx: CollectContext) {
    const uses: SourceRef[] = [];
    const added: SourceRef[] = [];
    const addedList: string[] = [];
    const cleared: { proxies?: SourceRef; networks?: SourceRef } = {};
    let headers: Valued<string> | undefined;
    let firstFile: string | undefined;
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs) || !f.display.endsWith('.cs') || f.size > MAX_APP_SOURCE_BYTES) continue;
      const text = ctx.read(f).toString('utf8');
      if (!/UseForwardedHeaders|ForwardedHeadersOptions|KnownProxies|KnownNetworks/.test(text)) continue;
      ctx.claimed.add(f.abs);
      firstFile ??= f.display;
      const raw = text.split(/\r?\n/);
      const code = codeLines(text, 'c');
      code.forEach((l, i) => {
        const ref = refAt(f.display, raw, i + 1);
        if (/\.UseForwardedHeaders\s*\(/.test(l)) uses.push(ref);
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
        const h = /ForwardedHeaders\s*=\s*(ForwardedHeaders\.[\w.|\s]+)/.exec(l);
        if (h) headers = lit((h[1] as string).replace(/\s+/g, ''), ref);
      });
    }
    // Compose: ASPNETCORE_FORWARDEDHEADERS_ENABLED, or options JSON passed in the environment.
    let envEnabled: SourceRef | undefined;
    for (const cf of ctx.facts.compose?.files ?? [])
      for (const s of cf.services) {
        const v = s.environment.ASPNETCORE_FORWARDEDHEADERS_ENABLED;
        if (v && /^true$/i.test(v.value)) envEnabled = v.ref;
      }
    if (uses.length === 0 && !envEnabled) return;
    const anchor = uses[0] ?? (envEnabled as SourceRef);
    let trust: Valued<string[]>;
    if (uses.length === 0 && envEnabled)
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
        schemeHeaders: ['x-forwarded-proto'],
        clientHeaders: ['x-forwarded-for'],
        trustScheme: trust,
        trustClient: trust,
        defaultsFrom: [ASPNET_OPTIONS_SOURCE, ASPNET_ENV_SOURCE],
      },
    };
    if (envEnabled) fw.settings.ASPNETCORE_FORWARDEDHEADERS_ENABLED = lit('true', envEnabled, 'env');
    ctx.facts.frameworks.push(fw);
  },
};
