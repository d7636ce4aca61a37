/**
 * Go app ends: Gin, Echo and chi. Gin engines (`gin.New()` / `gin.Default()`), `SetTrustedProxies(...)`, `TrustedPlatform`,
 * `r.Run(":8080")`, and the handlers that key on `c.ClientIP()`. Read line by line.
 *
 * Default (gin-gonic/gin gin.go, since v1.7.7): an engine without SetTrustedProxies trusts 0.0.0.0/0 and
 * ::/0, so X-Forwarded-For / X-Real-IP from any peer decide c.ClientIP() (Gin prints a warning about it).
 * `SetTrustedProxies(nil)` trusts nobody.
 */
import { posix } from 'node:path';
import type { CollectContext, Collector, DiscoveredFile } from '../../model/collector.js';
import type { BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { codeLines, lit, MAX_APP_SOURCE_BYTES, quotedStrings, refAt } from '../appends/lines.js';
import { goExposure, goListenAddr, listenArg } from './addr.js';
import { type GoListen, ginRunDefault, goServers } from './server.js';

export const GIN_SOURCE = 'https://github.com/gin-gonic/gin/blob/v1.10.0/gin.go';
export const ECHO_SOURCE = 'https://github.com/labstack/echo/blob/v4.15.4/context.go';
export const ECHO_IP_SOURCE = 'https://github.com/labstack/echo/blob/v4.15.4/ip.go';
export const CHI_REALIP_SOURCE = 'https://github.com/go-chi/chi/blob/master/middleware/realip.go';
export const CHI_CLIENT_IP_SOURCE = 'https://github.com/go-chi/chi/blob/v5.3.2/middleware/client_ip.go';

/** Echo's Scheme(): X-Forwarded-Proto, X-Forwarded-Protocol, X-Forwarded-Ssl: on, X-Url-Scheme, in that order. */
const ECHO_SCHEME_HEADERS = ['x-forwarded-proto', 'x-forwarded-protocol', 'x-forwarded-ssl', 'x-url-scheme'];
/**
 * Echo middleware that reads c.RealIP() (labstack/echo v4.15.4 middleware/): Logger's default format logs remote_ip,
 * RequestLogger() sets LogRemoteIP, the rate limiter's default IdentifierExtractor is ctx.RealIP(), Proxy writes it
 * into X-Real-IP/X-Forwarded-For for the backend.
 */
const ECHO_REALIP_MIDDLEWARE =
  /\bmiddleware\.(?:Logger(?:WithConfig)?|RequestLogger|RateLimiter(?:WithConfig)?|Proxy(?:WithConfig)?)\s*\(|\bLogRemoteIP\s*:\s*true\b/;

/** Echo's ipChecker defaults (newIPChecker): loopback, link-local unicast and private/unique-local addresses. */
const ECHO_DEFAULT_TRUST = ['loopback', 'linklocal', 'uniquelocal'];

/** `":8080"`, `"127.0.0.1:8080"` as Go's net.Listen reads it (an empty host: every interface). */
function goBind(host: string, port: string | number | undefined, ref: SourceRef): BindAddress {
  const h = host || '0.0.0.0';
  return {
    kind: 'tcp',
    host: h,
    ...(port === undefined ? {} : { port: Number(port) }),
    exposure: goExposure(h),
    ref,
  };
}

/** The bind of a listen call at line `i`, its address a literal or a value the file assigns (addr.ts). */
function bindAt(
  code: string[],
  i: number,
  kind: 'echo' | 'http' | 'gin',
  ref: SourceRef,
  notes: string[],
): BindAddress | undefined {
  const arg = listenArg(code, i, kind);
  const addr = arg === undefined ? undefined : goListenAddr(arg, code, i, ref.file);
  if (!addr) return undefined;
  if (addr.note)
    notes.push(
      `listens on ${addr.host || '0.0.0.0'}:${addr.port ?? '(port from the environment)'} at ${ref.file}:${ref.line}: ${addr.note}`,
    );
  return goBind(addr.host, addr.port, ref);
}

/** `r := gin.Default()`, `e = echo.New()`, `s.router = gin.New()`: the names an engine is held by. */
const ENGINE_VAR = /(\w+)\s*:?=\s*(?:gin\.(?:New|Default)|echo\.New)\s*\(/;

/**
 * The listen call at line `i` for the app's server (server.ts): its address when addr.ts reads it; otherwise the call
 * is kept (an unknown bind) only where it surely listens — an engine's `Run`/`Start` on a name the files assign an
 * engine to, `http.ListenAndServe`, an `http.Server` literal — not a tracer's `Start(ctx, ...)`. Gin's `Run()`
 * without an address is its PORT default.
 */
function listenAt(
  code: string[],
  i: number,
  kind: 'echo' | 'http' | 'gin',
  ref: SourceRef,
  engines: Set<string>,
): GoListen | undefined {
  const line = code[i] ?? '';
  const recv = /(\w+)\s*\.\s*(?:Run(?:TLS)?|Start(?:TLS|AutoTLS)?)\s*\(\s*(\)?)/.exec(line);
  if (kind === 'gin' && recv?.[2] && /\.Run\s*\(/.test(recv[0]) && engines.has(recv[1] as string))
    return { ref, addr: ginRunDefault() };
  const arg = listenArg(code, i, kind);
  if (arg === undefined) return undefined;
  const addr = goListenAddr(arg, code, i, ref.file);
  if (addr) return { ref, addr };
  const sure = recv ? engines.has(recv[1] as string) : /\bhttp\.ListenAndServe|\bAddr\s*:/.test(line);
  return sure ? { ref, expr: arg.trim() } : undefined;
}

/** The names the app's files assign an engine to. */
function engineNames(texts: string[]): Set<string> {
  const out = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(new RegExp(ENGINE_VAR.source, 'g'))) out.add(m[1] as string);
  return out;
}

export const goCollector: Collector = {
  name: 'go',
  collect(ctx: CollectContext) {
    const engines: SourceRef[] = [];
    let trust: Valued<string[]> | undefined;
    let platform: { ref: SourceRef; header?: string } | undefined;
    const clientIpUses: SourceRef[] = [];
    const binds: BindAddress[] = [];
    const bindNotes: string[] = [];
    const echo: GoFile[] = [];
    const chi: GoFile[] = [];
    const gin: GoFile[] = [];
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs) || !f.display.endsWith('.go') || f.size > MAX_APP_SOURCE_BYTES) continue;
      const text = ctx.read(f).toString('utf8');
      // A _test.go file's server is a test's, not the deployment's; vendor/ holds the frameworks' own sources.
      const test = f.display.endsWith('_test.go') || /(^|\/)vendor\//.test(f.display);
      if (!test && /labstack\/echo/.test(text)) echo.push({ f, text });
      if (!test && /go-chi\/chi/.test(text)) chi.push({ f, text });
      if (!/gin-gonic\/gin/.test(text)) continue;
      ctx.claimed.add(f.abs);
      gin.push({ f, text });
    }
    const ginEngines = engineNames(gin.map((g) => g.text));
    const listens: GoListen[] = [];
    let anchorAbs: string | undefined;
    for (const { f, text } of gin) {
      const raw = text.split(/\r?\n/);
      const code = codeLines(text, 'c');
      code.forEach((l, i) => {
        const ref = refAt(f.display, raw, i + 1);
        if (/\bgin\.(New|Default)\s*\(/.test(l)) {
          engines.push(ref);
          anchorAbs ??= f.abs;
        }
        const t = /\.SetTrustedProxies\s*\((.*)\)/.exec(l);
        if (t) {
          const arg = (t[1] as string).trim();
          trust =
            arg === 'nil'
              ? lit([] as string[], ref)
              : quotedStrings(arg).length > 0
                ? lit(quotedStrings(arg), ref)
                : lit([] as string[], ref, 'unknown', { note: arg });
        }
        const tp = /\bTrustedPlatform\s*[:=]\s*(?:gin\.(Platform\w+)|"([^"]+)")/.exec(l);
        if (tp) platform = { ref, header: tp[2] ?? GIN_PLATFORMS[tp[1] as string] };
        else if (/\.TrustedPlatform\s*=/.test(l)) platform = { ref };
        if (/\.ClientIP\s*\(\s*\)/.test(l) && clientIpUses.length < 5) clientIpUses.push(ref);
        const run = bindAt(code, i, 'gin', ref, bindNotes);
        if (run) binds.push(run);
        const listen = listenAt(code, i, 'gin', ref, ginEngines);
        if (listen) listens.push(listen);
      });
    }
    readEcho(ctx, echo);
    readChi(ctx, chi);
    if (engines.length === 0) return;
    const anchor = engines[0] as SourceRef;
    const t = trust ?? lit(['*'], anchor, 'default', { note: 'no SetTrustedProxies: Gin trusts 0.0.0.0/0 and ::/0' });
    const fw: FrameworkFacts = {
      kind: 'gin',
      file: anchor.file,
      usesServerScheme: false,
      trustProxy: t,
      settings: {},
      appEnd: {
        name: 'Gin',
        ref: anchor,
        schemeHeaders: [],
        clientHeaders: ['x-forwarded-for', 'x-real-ip'],
        trustScheme: lit([] as string[], anchor, 'default'),
        trustClient: t,
        binds,
        defaultsFrom: [GIN_SOURCE],
        notes: [...clientIpUses.map((r) => `c.ClientIP() used at ${r.file}:${r.line}`), ...bindNotes],
      },
    };
    if (platform) {
      fw.settings.TrustedPlatform = lit(platform.header ?? true, platform.ref);
      if (platform.header && fw.appEnd)
        fw.appEnd.clientPlatformHeader = { header: platform.header.toLowerCase(), ref: platform.ref };
    }
    fw.settings.clientIpUses = lit(clientIpUses, clientIpUses[0] ?? anchor, 'computed');
    ctx.facts.frameworks.push(fw);
    goServers(ctx, { anchor, anchorAbs: anchorAbs as string, listens, framework: 'Gin' });
  },
};

interface GoFile {
  f: DiscoveredFile;
  text: string;
}

/**
 * One app per Go package (folder) that holds an anchor (`echo.New()`, `chi.NewRouter()`): a tree with several
 * services (`cmd/api`, `cmd/admin`, `services/*`) has several servers, each with its own extractor, middleware and
 * listen address. A file without an anchor (handlers calling `c.RealIP()` in `internal/handler`) joins the anchored
 * packages nearest to it (the longest common folder; every one of them on a tie: which binary imports it is not read).
 */
function appGroups(files: GoFile[], anchored: (text: string) => boolean): GoFile[][] {
  const dir = (g: GoFile) => posix.dirname(g.f.display);
  const byDir = new Map<string, GoFile[]>();
  for (const g of files) if (anchored(g.text)) byDir.set(dir(g), [...(byDir.get(dir(g)) ?? []), g]);
  if (byDir.size === 0) return [];
  const common = (a: string, b: string) => {
    const x = a.split('/');
    const y = b.split('/');
    let n = 0;
    while (n < x.length && n < y.length && x[n] === y[n]) n++;
    return n;
  };
  for (const g of files) {
    const d = dir(g);
    if (byDir.get(d)?.includes(g)) continue;
    if (byDir.has(d)) {
      byDir.get(d)?.push(g);
      continue;
    }
    const scores = [...byDir.keys()].map((k) => [k, common(k, d)] as const);
    const best = Math.max(...scores.map(([, n]) => n));
    for (const [k, n] of scores) if (n === best) byDir.get(k)?.push(g);
  }
  return [...byDir.values()];
}

/**
 * Echo (labstack/echo v3/v4/v5), read in its source (ECHO_SOURCE, ECHO_IP_SOURCE):
 * - `c.Scheme()`: https on a TLS connection, else X-Forwarded-Proto, X-Forwarded-Protocol, X-Forwarded-Ssl: on,
 *   X-Url-Scheme from ANY peer (no trust setting exists); `middleware.HTTPSRedirect()` (and the www variants)
 *   redirect on that scheme. The scheme headers count only where the code calls them: otherwise Echo, as net/http,
 *   takes the connection's scheme.
 * - `c.RealIP()`: with `e.IPExtractor` unset, v3/v4 take the left-most X-Forwarded-For entry, else X-Real-IP, from any
 *   peer; v5 takes the TCP peer. `echo.ExtractIPFromXFFHeader(opts...)` / `ExtractIPFromRealIPHeader(opts...)` trust
 *   loopback, link-local and private addresses unless `TrustLoopback(false)` etc.; `TrustIPRange(n)` adds a range;
 *   `ExtractIPDirect()` reads no header.
 */
function readEcho(ctx: CollectContext, files: GoFile[]): void {
  for (const f of files) ctx.claimed.add(f.f.abs);
  for (const group of appGroups(files, (text) => /\becho\.New\s*\(\s*\)/.test(text))) readEchoApp(group);

  function readEchoApp(group: GoFile[]): void {
    let engine: SourceRef | undefined;
    let engineAbs: string | undefined;
    const names = engineNames(group.map((g) => g.text));
    const listens: GoListen[] = [];
    let v5 = false;
    let extractor: { kind: string; args: string; ref: SourceRef } | undefined;
    let schemeRead: SourceRef | undefined;
    let redirect: SourceRef | undefined;
    const ipUses: SourceRef[] = [];
    const binds: BindAddress[] = [];
    const bindNotes: string[] = [];
    for (const { f, text } of group) {
      if (/labstack\/echo\/v5/.test(text)) v5 = true;
      const raw = text.split(/\r?\n/);
      const code = codeLines(text, 'c');
      code.forEach((l, i) => {
        const ref = refAt(f.display, raw, i + 1);
        if (!engine && /\becho\.New\s*\(\s*\)/.test(l)) {
          engine = ref;
          engineAbs = f.abs;
        }
        const x = /\.IPExtractor\s*=\s*echo\.(ExtractIPFromXFFHeader|ExtractIPFromRealIPHeader|ExtractIPDirect)\s*\((.*)\)/.exec(
          l,
        );
        if (x) extractor = { kind: x[1] as string, args: x[2] as string, ref };
        if (!schemeRead && /\.Scheme\s*\(\s*\)/.test(l)) schemeRead = ref;
        if (!redirect && /middleware\.HTTPS(?:NonWWW|WWW)?Redirect(?:WithConfig)?\s*\(/.test(l)) redirect = ref;
        if ((/\.RealIP\s*\(\s*\)/.test(l) || ECHO_REALIP_MIDDLEWARE.test(l)) && ipUses.length < 5) ipUses.push(ref);
        const bind = bindAt(code, i, 'echo', ref, bindNotes);
        if (bind) binds.push(bind);
        const listen = listenAt(code, i, 'echo', ref, names);
        if (listen) listens.push(listen);
      });
    }
    if (!engine) return;
    const anchor = engine;
    let clientHeaders: string[];
    let trustClient: Valued<string[]>;
    if (!extractor) {
      clientHeaders = v5 ? [] : ['x-forwarded-for', 'x-real-ip'];
      trustClient = v5
        ? lit([] as string[], anchor, 'default', { note: 'Echo v5 without IPExtractor: c.RealIP() is the TCP peer' })
        : lit(['*'], anchor, 'default', {
            note: 'no e.IPExtractor: c.RealIP() takes the left-most X-Forwarded-For entry, else X-Real-IP, from any peer',
          });
    } else if (extractor.kind === 'ExtractIPDirect') {
      clientHeaders = [];
      trustClient = lit([] as string[], extractor.ref);
    } else {
      clientHeaders = [extractor.kind === 'ExtractIPFromXFFHeader' ? 'x-forwarded-for' : 'x-real-ip'];
      const off = (name: string) => new RegExp(`Trust${name}\\s*\\(\\s*false\\s*\\)`).test(extractor?.args ?? '');
      const list = ECHO_DEFAULT_TRUST.filter(
        (e) =>
          !(e === 'loopback' && off('Loopback')) &&
          !(e === 'linklocal' && off('LinkLocal')) &&
          !(e === 'uniquelocal' && off('PrivateNet')),
      );
      const extra = /TrustIPRange\s*\(/.test(extractor.args);
      trustClient = lit(list, extractor.ref, 'literal', {
        note: `echo.${extractor.kind}: trusts ${list.join(', ') || 'no built-in range'}${extra ? ' and the TrustIPRange networks (not read)' : ''}`,
      });
    }
    const readsScheme = schemeRead ?? redirect;
    const fw: FrameworkFacts = {
      kind: 'echo',
      file: anchor.file,
      usesServerScheme: false,
      trustProxy: trustClient,
      settings: {},
      appEnd: {
        name: 'Echo',
        ref: extractor?.ref ?? anchor,
        schemeHeaders: readsScheme ? ECHO_SCHEME_HEADERS : [],
        clientHeaders,
        trustScheme: readsScheme
          ? lit(['*'], readsScheme, 'default', {
              note: 'c.Scheme() believes X-Forwarded-Proto (and -Protocol, -Ssl, X-Url-Scheme) from any peer',
            })
          : lit([] as string[], anchor, 'default'),
        trustClient,
        binds,
        defaultsFrom: [ECHO_SOURCE, ECHO_IP_SOURCE],
        notes: [...ipUses.map((r) => `c.RealIP() used at ${r.file}:${r.line}`), ...bindNotes],
      },
    };
    if (redirect && fw.appEnd) {
      fw.appEnd.sslRedirect = lit(true, redirect);
      fw.appEnd.sslRedirectSetting = 'middleware.HTTPSRedirect()';
    }
    fw.settings.clientIpUses = lit(ipUses, ipUses[0] ?? anchor, 'computed');
    ctx.facts.frameworks.push(fw);
    goServers(ctx, { anchor, anchorAbs: engineAbs as string, listens, framework: 'Echo' });
  }
}

/**
 * chi (go-chi/chi v5, CHI_REALIP_SOURCE): `middleware.RealIP` sets r.RemoteAddr from True-Client-IP, else X-Real-IP,
 * else the left-most X-Forwarded-For entry, from ANY peer (deprecated upstream for that reason). Without it chi is
 * net/http: the TCP peer and the connection's scheme, nothing forwarded believed, so no app end is recorded.
 */
function readChi(ctx: CollectContext, files: GoFile[]): void {
  for (const f of files) ctx.claimed.add(f.f.abs);
  for (const group of appGroups(files, (text) => /\bchi\.NewRouter\s*\(\s*\)|\bmiddleware\.RealIP\b/.test(text)))
    readChiApp(ctx, group);
}

function readChiApp(ctx: CollectContext, group: GoFile[]): void {
  let realIp: SourceRef | undefined;
  let anchorAbs: string | undefined;
  const listens: GoListen[] = [];
  let fromXff: { kind: string; args: string; ref: SourceRef } | undefined;
  const binds: BindAddress[] = [];
  const bindNotes: string[] = [];
  for (const { f, text } of group) {
    const raw = text.split(/\r?\n/);
    const code = codeLines(text, 'c');
    code.forEach((l, i) => {
      const ref = refAt(f.display, raw, i + 1);
      if (!realIp && /\bmiddleware\.RealIP\b(?!\s*\()/.test(l)) {
        realIp = ref;
        anchorAbs = f.abs;
      }
      const x = /\bmiddleware\.(ClientIPFromXFFTrustedProxies|ClientIPFromXFF|ClientIPFromHeader)\s*\(([^)]*)\)/.exec(l);
      if (!fromXff && x) {
        fromXff = { kind: x[1] as string, args: x[2] as string, ref };
        if (!realIp) anchorAbs = f.abs;
      }
      const bind = bindAt(code, i, 'http', ref, bindNotes);
      if (bind) binds.push(bind);
      const listen = listenAt(code, i, 'http', ref, new Set());
      if (listen) listens.push(listen);
    });
  }
  const anchor = realIp ?? fromXff?.ref;
  if (!anchor) return;
  // RealIP wins when both are used: it rewrites r.RemoteAddr for everything after it.
  const client = realIp ? undefined : chiClientIp(fromXff as { kind: string; args: string; ref: SourceRef });
  const trust = lit(['*'], anchor, 'literal', {
    note: client?.note ?? 'middleware.RealIP: True-Client-IP, X-Real-IP or the left-most X-Forwarded-For entry, from any peer',
  });
  ctx.facts.frameworks.push({
    kind: 'chi',
    file: anchor.file,
    usesServerScheme: false,
    trustProxy: trust,
    settings: client ? { clientIpFrom: lit(fromXff?.kind as string, anchor) } : {},
    appEnd: {
      name: 'chi',
      ref: anchor,
      schemeHeaders: [],
      clientHeaders: client?.headers ?? ['true-client-ip', 'x-real-ip', 'x-forwarded-for'],
      ...(client ? { clientFromRight: client.fromRight } : {}),
      trustScheme: lit([] as string[], anchor, 'default'),
      trustClient: trust,
      binds,
      defaultsFrom: [client ? CHI_CLIENT_IP_SOURCE : CHI_REALIP_SOURCE],
      ...(bindNotes.length > 0 ? { notes: bindNotes } : {}),
    },
  });
  goServers(ctx, { anchor, anchorAbs: anchorAbs as string, listens, framework: 'chi' });
}

/**
 * chi's ClientIPFrom* middleware (go-chi/chi v5.3, middleware/client_ip.go): none checks the TCP peer ("guarantee at
 * the network layer that only your proxies can reach this server"); each takes the address from the right of what the
 * nearest proxy wrote. ClientIPFromXFF(prefixes...): the right-most X-Forwarded-For entry outside the prefixes (with
 * none, the right-most: what an appending proxy wrote; read here as the right-most, the proxy's own entry);
 * ClientIPFromXFFTrustedProxies(n): the n-th entry from the right; ClientIPFromHeader(h): the last value of h.
 */
function chiClientIp(x: { kind: string; args: string }): { headers: string[]; fromRight: number; note: string } {
  if (x.kind === 'ClientIPFromHeader') {
    const h = (quotedStrings(x.args)[0] ?? 'X-Real-IP').toLowerCase();
    return { headers: [h], fromRight: 1, note: `middleware.ClientIPFromHeader: the last ${h} value, from any peer` };
  }
  const n = x.kind === 'ClientIPFromXFFTrustedProxies' ? Number(/^\s*(\d+)\s*$/.exec(x.args)?.[1] ?? 1) : 1;
  return {
    headers: ['x-forwarded-for'],
    fromRight: n,
    note: `middleware.${x.kind}: entry ${n} from the right of X-Forwarded-For, from any peer (right only behind a proxy that appends)`,
  };
}

/** gin.go's trusted-platform constants (v1.10.0; PlatformFlyIO since 1.10.0): the header ClientIP() reads first. */
const GIN_PLATFORMS: Record<string, string | undefined> = {
  PlatformGoogleAppEngine: 'x-appengine-remote-addr',
  PlatformCloudflare: 'cf-connecting-ip',
  PlatformCloudFlare: 'cf-connecting-ip',
  PlatformFlyIO: 'fly-client-ip',
};
