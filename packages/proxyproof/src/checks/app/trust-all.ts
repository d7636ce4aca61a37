/**
 * app/trust-all: the app end believes X-Forwarded-For / X-Forwarded-Proto from every peer (Gin without
 * SetTrustedProxies, Laravel `$proxies = '*'`, ASP.NET Core with KnownNetworks/KnownProxies cleared or
 * ASPNETCORE_FORWARDEDHEADERS_ENABLED, Spring `framework` strategy) on a port clients can reach: anyone
 * can claim any client IP (rate limits, lockouts, audit logs) or scheme.
 */

import { everyPeerEntry } from '../../chain/addr.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { FrameworkKind } from '../../model/facts.js';
import type { Evidence, Finding } from '../../model/finding.js';
import { APP_REFS, appEnds, containerEvidence, ev, publishedPorts } from './common.js';

const meta: CheckMeta = {
  id: 'app/trust-all',
  severity: 'high',
  title: 'The app trusts forwarded headers from every peer',
  summary:
    "Gin's default (no SetTrustedProxies), '*' trust lists, cleared KnownNetworks, Odoo's proxy_mode: a client that reaches the app's port sets its own client IP and scheme.",
  references: [APP_REFS.ginSource, APP_REFS.ginDocs, APP_REFS.laravelTrust, APP_REFS.aspnetProxy, APP_REFS.plugRewriteOn],
};

/** Advice for the frameworks whose trust has no list of peers to set: what to do instead of replacing a '*'. */
const ADVICE_BY_KIND: Partial<Record<FrameworkKind, string>> = {
  chi: 'Drop middleware.RealIP, or have the proxy overwrite True-Client-IP, X-Real-IP and X-Forwarded-For and let only the proxy reach the app; chi v5.3.0+ has middleware.ClientIPFromXFF("<proxy network>") (read with middleware.GetClientIP(r.Context()); r.RemoteAddr stays the peer).',
  phoenix:
    'Plug.RewriteOn has no trusted-proxy list: drop :x_forwarded_for from rewrite_on and read the client address with a library that checks the peer (remote_ip with proxies:), or let only the proxy reach the port.',
  sveltekit:
    'adapter-node has no list of peers it believes PROTOCOL_HEADER/HOST_HEADER/ADDRESS_HEADER from: behind a TLS proxy that passes the public Host, drop PROTOCOL_HEADER (adapter-node then takes https) or set ORIGIN=https://<your site>; otherwise let only the proxy reach the port (HOST=127.0.0.1 with the proxy on this host, or a network only the proxy is on) and have the proxy overwrite each header it names.',
  odoo: "Odoo's proxy_mode has no list of peers it believes X-Forwarded-For/-Proto from: let only the proxy reach Odoo (http_interface = 127.0.0.1 with the proxy on this host, or a network only the proxy is on) and have the proxy set X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host itself (nginx: $proxy_add_x_forwarded_for, $scheme, $host).",
  // ForwardedHeadersOptionsSetup (ASPNETCORE_FORWARDEDHEADERS_ENABLED) is registered by the host's defaults
  // (aspnetcore src/DefaultBuilder/src/WebHost.cs ConfigureWebDefaults) before the app's services, so the app's own
  // Configure<ForwardedHeadersOptions> runs after it has cleared the lists: the entries the app adds are kept.
  aspnet:
    'List the proxy in the app: builder.Services.Configure<ForwardedHeadersOptions>(o => { o.KnownProxies.Add(IPAddress.Parse("<proxy address>")); }) (or o.KnownNetworks.Add(new IPNetwork(IPAddress.Parse("<network>"), <prefix>)) for its network). With ASPNETCORE_FORWARDEDHEADERS_ENABLED=true that Configure runs after the switch has cleared both lists, so only the entries added there are trusted; where the code calls KnownNetworks.Clear()/KnownProxies.Clear(), add the proxy after them. Or let only the proxy reach the app (publish no port).',
  nextjs:
    "next start has no setting for which peers it believes X-Forwarded-Proto from: let only the proxy reach it (-H 127.0.0.1 with the proxy on this host, or a network only the proxy is on) and have the proxy set the header (nginx proxy_set_header X-Forwarded-Proto $scheme replaces a client's own).",
};

export const trustAll: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of appEnds(facts)) {
      const a = fw.appEnd;
      // '*', 0.0.0.0/0 or ::/0: every peer (the written entry is what the fix replaces).
      const t =
        everyPeerEntry(a.trustClient.value) !== undefined
          ? a.trustClient
          : everyPeerEntry(a.trustScheme.value) !== undefined
            ? a.trustScheme
            : undefined;
      if (!t || (a.clientHeaders.length === 0 && a.schemeHeaders.length === 0)) continue;
      const entry = everyPeerEntry(t.value) ?? '*';
      // Rails: Rack believes the scheme from anyone by design; the client address is guarded by RemoteIp.
      // Phoenix's rewrite_on of X-Forwarded-Proto alone, Hono code that reads the header itself: a client that
      // claims https only changes its own answer (a port reachable without the proxy is chain/spoofable-backend's).
      // Echo's c.Scheme() has no trust setting at all: the same holds.
      if ((fw.kind === 'rails' || fw.kind === 'phoenix' || fw.kind === 'hono' || fw.kind === 'echo') && t === a.trustScheme)
        continue;
      const port = a.binds?.find((b) => b.port !== undefined)?.port;
      const published = publishedPorts(facts, port);
      // In a container, 0.0.0.0 is the container's network: only published ports count.
      const open = containerEvidence(facts) ? [] : (a.binds ?? []).filter((b) => b.exposure === 'all-interfaces' && !b.container);
      const reachable = published.length > 0 || open.length > 0;
      // chi's ClientIPFrom* middleware read what the nearest proxy wrote (the right of X-Forwarded-For, the last value
      // of a header): right behind a proxy, forged only by a client that connects directly. Through a proxy that
      // passes a client's header on, the chain's spoofable-backend says so.
      const chiFromRight = fw.kind === 'chi' && fw.settings.clientIpFrom !== undefined;
      if (chiFromRight && !reachable) continue;
      // Bound to loopback only, on the host: nothing but this host's processes (the proxy among them) connects.
      const loopbackOnly =
        !reachable && (a.binds ?? []).length > 0 && (a.binds ?? []).every((b) => b.exposure === 'loopback' && !b.container);
      // An image's own config (the wordpress image's wp-config-docker.php) is nothing in these files to change: it
      // matters only where the port is published (on the compose network the chain's spoofable-backend says it).
      const image = fw.settings.imageConfig?.value as string | undefined;
      if (image && !reachable) continue;
      const uses = (fw.settings.clientIpUses?.value as Array<{ file: string; line: number; snippet?: string }> | undefined) ?? [];
      // Echo's trust decides only what c.RealIP() returns; the collector lists every call of it and the middleware
      // that reads it (Logger, RequestLogger, RateLimiter, Proxy). With none, the forged address feeds nothing yet.
      const unread = fw.kind === 'echo' && t === a.trustClient && uses.length === 0;
      const evidence: Evidence[] = [
        ev(
          t.ref ?? a.ref,
          t.origin === 'default'
            ? `${a.name}'s default: ${t.note ?? 'every peer is trusted'}`
            : t.origin === 'env' && t.envVar
              ? `trusts every peer while ${t.envVar} is unset`
              : t.origin === 'env' && t.note
                ? `trusts every peer: ${t.note}`
                : t.origin === 'literal' && t.envVar && t.note
                  ? `trusts every peer: ${t.note}`
                  : entry === '*'
                    ? 'trusts every peer'
                    : `trusts every peer: ${entry} holds every ${entry.includes(':') ? 'IPv6' : 'IPv4'} address`,
        ),
        ...uses.slice(0, 2).map((u) => ev(u, 'the client IP decides something here')),
        ...published.slice(0, 1),
        ...open.slice(0, 1).map((b) => ev(b.ref, 'listens on every interface')),
      ];
      const what = a.clientHeaders.length > 0 ? `client address (${a.clientHeaders.join(', ')})` : 'scheme';
      // adapter-node's HOST_HEADER: the forged host (url.origin, absolute links, redirects) is the larger part.
      const forgedHost =
        fw.kind === 'sveltekit' && a.hostHeaders?.length
          ? ` With ${a.hostHeaders.join(', ')} from any peer a client also picks the host url.origin and absolute links are built from.`
          : '';
      out.push(
        finding(meta, {
          // Odoo has no narrower setting than proxy_mode: where only the proxy's network reaches it, the trust is the
          // only way it learns the scheme, and what is left (another container forging) is the network's to close.
          severity: unread ? 'low' : reachable ? 'high' : loopbackOnly || fw.kind === 'odoo' ? 'low' : 'medium',
          message:
            `${a.name} takes the ${what} from forwarded headers sent by any peer${t.origin === 'default' ? ' (its default)' : ''}` +
            (reachable ? ', and its port is reachable without the proxy' : '') +
            (a.clientHeaders.length > 0
              ? `: a client sets X-Forwarded-For itself and becomes any IP${uses.length > 0 ? ' (the app keys decisions on it)' : unread ? ' wherever c.RealIP() is read; nothing reads it today (no call, no Logger, RequestLogger, RateLimiter or Proxy middleware)' : ''}.`
              : `: a client sets ${a.schemeHeaders[0] ?? 'X-Forwarded-Proto'} itself and is taken for https.`) +
            forgedHost,
          evidence,
          why:
            fw.kind === 'gin'
              ? 'Gin trusts 0.0.0.0/0 and ::/0 until SetTrustedProxies is called (it logs "You trusted all proxies, this is NOT safe"); c.ClientIP() then returns the left-most X-Forwarded-For entry the client wrote.'
              : fw.kind === 'echo'
                ? "Echo v3/v4 without an e.IPExtractor: c.RealIP() returns the left-most X-Forwarded-For entry, else X-Real-IP, whoever sent it (context.go's legacy fallback); echo.ExtractIPFromXFFHeader() walks X-Forwarded-For from the right and believes only loopback, link-local and private peers."
                : chiFromRight
                  ? "chi's ClientIPFrom* middleware take the address from the right of X-Forwarded-For (or a header's last value), what the nearest proxy wrote, and never check who connected: a client that reaches the port directly writes that value itself."
                  : fw.kind === 'chi'
                    ? "chi's middleware.RealIP rewrites r.RemoteAddr to True-Client-IP, else X-Real-IP, else the left-most X-Forwarded-For entry, with no check of who sent it (deprecated upstream for that reason: GHSA-3fxj-6jh8-hvhx)."
                    : 'A trust-all list accepts forwarded headers from whoever connects; only a network that lets nothing but the proxy reach the app makes that safe.',
          fix:
            fw.kind === 'gin' && t.origin === 'default'
              ? {
                  description:
                    "Trust only the proxy's address or network (nil trusts nobody: c.ClientIP() is then the TCP peer).",
                  file: a.ref.file,
                  line: a.ref.line,
                  lines: [
                    `${/^\s*/.exec(facts.sources.get(a.ref.file)?.[a.ref.line - 1] ?? '')?.[0] ?? '\t'}_ = ${/(\w+)\s*:?=\s*gin\./.exec(a.ref.snippet ?? '')?.[1] ?? 'r'}.SetTrustedProxies([]string{"127.0.0.1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"})`,
                  ],
                  placement: 'after',
                }
              : fw.kind === 'echo' && t.origin === 'default'
                ? {
                    description:
                      'Set e.IPExtractor = echo.ExtractIPFromXFFHeader(): c.RealIP() then walks X-Forwarded-For from the right and believes only loopback, link-local and private peers (add echo.TrustIPRange for a proxy elsewhere; echo.ExtractIPDirect() believes no header).',
                    file: a.ref.file,
                    line: a.ref.line,
                    lines: [
                      `${/^\s*/.exec(facts.sources.get(a.ref.file)?.[a.ref.line - 1] ?? '')?.[0] ?? '\t'}${/(\w+)\s*:?=\s*echo\.New/.exec(a.ref.snippet ?? '')?.[1] ?? 'e'}.IPExtractor = echo.ExtractIPFromXFFHeader()`,
                    ],
                    placement: 'after',
                  }
                : ADVICE_BY_KIND[fw.kind]
                  ? {
                      description: chiFromRight
                        ? `Let only the proxy reach the app (bind 127.0.0.1 or a network only the proxy is on, publish no port): ${String(fw.settings.clientIpFrom?.value)} believes whoever connects.`
                        : (ADVICE_BY_KIND[fw.kind] as string),
                      file: t.ref?.file,
                      line: t.ref?.line,
                    }
                  : image
                    ? {
                        description: `${image}'s own config believes X-Forwarded-Proto from any peer: publish the port only on 127.0.0.1 (or not at all) so that only the proxy reaches it, or mount a wp-config.php that checks REMOTE_ADDR before it trusts the header.`,
                        file: published[0]?.file ?? t.ref?.file,
                        line: published[0]?.line ?? t.ref?.line,
                      }
                    : t.origin === 'env' && t.envVar
                      ? {
                          description: `Set ${t.envVar} to the proxy's address or network in the app's environment (or replace the '${entry}' it falls back to).`,
                          file: t.ref?.file,
                          line: t.ref?.line,
                        }
                      : {
                          description: `Replace '${entry}' with the proxy's address or network.`,
                          file: t.ref?.file,
                          line: t.ref?.line,
                        },
          data: { app: a.name, reachable },
        }),
      );
    }
    return out;
  },
};
