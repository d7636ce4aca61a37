/**
 * Elixir app ends: Phoenix endpoints. Read line by line (collectors/appends/lines.ts):
 * - `config/{config,prod,runtime}.exs` (dev.exs/test.exs are not production): the endpoint's
 *   `config :app, AppWeb.Endpoint, ...` keyword list — `force_ssl: [rewrite_on: [...], host: nil]`,
 *   `http: [ip: {..}, port: N]` (a variable bound earlier in the file is followed: the generated
 *   `port = String.to_integer(System.get_env("PORT") || "4000")`), `https: [...]`, `url: [scheme: ...]`;
 * - `lib/**\/endpoint.ex` (`use Phoenix.Endpoint`): `plug Plug.RewriteOn, [...]`, `plug Plug.SSL, rewrite_on: [...]`;
 * - `mix.exs`: `{:bandit, ...}` names the HTTP server (Cowboy otherwise).
 *
 * Trust model, from the sources (cited in docs/checks/app/*.md):
 * - Plug.SSL (plug lib/plug/ssl.ex): redirects every request whose `conn.scheme` is http to https; `rewrite_on`
 *   defaults to [] (nothing forwarded is read); requests to the hosts `localhost`/`127.0.0.1` are excluded.
 * - Plug.RewriteOn (plug lib/plug/rewrite_on.ex): rewrites scheme/host/port/remote_ip from the X-Forwarded-*
 *   headers of EVERY peer (there is no trusted-proxy list).
 * - Phoenix.Endpoint (phoenix lib/phoenix/endpoint.ex): `force_ssl` is compile-time configuration handed to
 *   Plug.SSL; absolute URLs come from the `url:` configuration, not from the request.
 */
import { passThroughServer } from '../../model/appserver.js';
import type { CollectContext, Collector, DiscoveredFile } from '../../model/collector.js';
import type { AppEndFacts, AppServerFacts, BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { balanced, codeLines, envVarIn, lit, MAX_APP_SOURCE_BYTES, refAt } from '../appends/lines.js';

export const PLUG_SSL_SOURCE = 'https://github.com/elixir-plug/plug/blob/v1.19.2/lib/plug/ssl.ex';
export const PLUG_REWRITE_ON_SOURCE = 'https://github.com/elixir-plug/plug/blob/v1.19.2/lib/plug/rewrite_on.ex';
export const PHOENIX_ENDPOINT_SOURCE = 'https://github.com/phoenixframework/phoenix/blob/v1.7.14/lib/phoenix/endpoint.ex';
export const PHOENIX_TRANSPORT_SOURCE =
  'https://github.com/phoenixframework/phoenix/blob/v1.7.14/lib/phoenix/socket/transport.ex (check_origin, origin_allowed?)';
/** Phoenix's generated endpoint port (`System.get_env("PORT") || "4000"`). */
const PHOENIX_DEFAULT_PORT = 4000;

interface Src {
  file: string;
  raw: string[];
  code: string[];
}

interface PhoenixApp {
  root: string;
  configs: Array<Src & { env: 'config' | 'prod' | 'runtime' }>;
  endpoints: Src[];
  bandit?: boolean;
}

/** `a/b/config/prod.exs` -> root `a/b`, role; `a/lib/x_web/endpoint.ex` -> root `a`. */
function roleOf(display: string): { root: string; role: 'config' | 'prod' | 'runtime' | 'endpoint' | 'mix' } | undefined {
  const d = display.replace(/\\/g, '/');
  const c = /^(?:(.*)\/)?config\/(config|prod|runtime)\.exs$/.exec(d);
  if (c) return { root: c[1] ?? '', role: c[2] as 'config' | 'prod' | 'runtime' };
  const e = /^(?:(.*?)\/)?lib\/(?:.*\/)?endpoint\.ex$/.exec(d);
  if (e) return { root: e[1] ?? '', role: 'endpoint' };
  const m = /^(?:(.*)\/)?mix\.exs$/.exec(d);
  if (m) return { root: m[1] ?? '', role: 'mix' };
  return undefined;
}

/** The keyword list of one `config :app, X.Endpoint, ...` statement: its lines (bounded). */
function endpointStatements(s: Src): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  for (let i = 0; i < s.code.length; i++) {
    const l = s.code[i] as string;
    if (!/^\s*config\s+:\w+\s*,\s*[\w.]*Endpoint\b/.test(l)) continue;
    const indent = /^\s*/.exec(l)?.[0].length ?? 0;
    let end = i;
    for (let j = i + 1; j < s.code.length && j < i + 200; j++) {
      const n = s.code[j] as string;
      if (n.trim() === '') continue;
      const ni = /^\s*/.exec(n)?.[0].length ?? 0;
      if (ni <= indent) break;
      end = j;
    }
    out.push({ start: i, end });
    i = end;
  }
  return out;
}

/** The value text of `key:` inside lines [start, end]: a bracketed value balanced across lines, else the rest of the line. */
function keyValue(s: Src, start: number, end: number, key: string): { text: string; line: number } | undefined {
  const re = new RegExp(`(?:^|[\\s,\\[])${key}:\\s*`);
  for (let i = start; i <= end; i++) {
    const l = s.code[i] as string;
    const m = re.exec(l);
    if (!m) continue;
    const col = m.index + m[0].length;
    const first = l.slice(col);
    if (/^[[{(]/.test(first)) return { text: balanced(s.code, i, col, 40).text, line: i + 1 };
    return { text: first.replace(/,\s*$/, '').trim(), line: i + 1 };
  }
  return undefined;
}

/** `port = String.to_integer(System.get_env("PORT") || "4000")` earlier in the file. */
function binding(s: Src, name: string, before: number): string | undefined {
  for (let i = before; i >= 0; i--) {
    const m = new RegExp(`^\\s*${name}\\s*=\\s*(.+)$`).exec(s.code[i] as string);
    if (m) return (m[1] as string).trim();
  }
  return undefined;
}

function portOf(expr: string | undefined, s: Src, before: number): { port?: number; envVar?: string } {
  if (!expr) return {};
  let e = expr.trim();
  if (/^[a-z_]\w*$/.test(e)) e = binding(s, e, before) ?? e;
  if (/^\d+$/.test(e)) return { port: Number(e) };
  const envVar = envVarIn(e) ?? /\{:system,\s*"([A-Z_][A-Z0-9_]*)"\}/.exec(e)?.[1];
  const def = /\|\|\s*"?(\d+)"?|get_env\(\s*"[^"]+"\s*,\s*"?(\d+)"?\s*\)/.exec(e);
  const port = def ? Number(def[1] ?? def[2]) : undefined;
  return { port, envVar };
}

function ipOf(expr: string | undefined): { host: string; exposure: BindAddress['exposure'] } {
  const t = expr ? /ip:\s*\{([^}]*)\}/.exec(expr)?.[1] : undefined;
  if (!t) return { host: '0.0.0.0', exposure: 'all-interfaces' };
  const parts = t.split(',').map((x) => x.trim());
  if (parts.every((p) => p === '0')) return { host: parts.length > 4 ? '::' : '0.0.0.0', exposure: 'all-interfaces' };
  if (parts.length === 4 && parts[0] === '127') return { host: parts.join('.'), exposure: 'loopback' };
  if (parts.length === 8 && parts.slice(0, 7).every((p) => p === '0') && parts[7] === '1')
    return { host: '::1', exposure: 'loopback' };
  return { host: parts.length === 4 ? parts.join('.') : '::', exposure: parts.length === 4 ? 'specific' : 'unknown' };
}

/** `[:x_forwarded_proto, {:scheme, "x-scheme"}]` -> headers read per kind. */
function rewrites(list: string): { scheme: string[]; client: string[]; host: string[] } {
  const out = { scheme: [] as string[], client: [] as string[], host: [] as string[] };
  for (const m of list.matchAll(
    /:x_forwarded_(proto|for|host|port)\b|\{\s*:(scheme|remote_ip|host|port)\s*,\s*"([^"]+)"\s*\}/g,
  )) {
    const kind = m[1] ?? m[2];
    const header = m[1] ? `x-forwarded-${m[1]}` : (m[3] as string).toLowerCase();
    if (kind === 'proto' || kind === 'scheme') out.scheme.push(header);
    else if (kind === 'for' || kind === 'remote_ip') out.client.push(header);
    else if (kind === 'host') out.host.push(header);
  }
  return out;
}

/** Plug sets Secure on a cookie only when its options say so, else when conn.scheme is :https. */
const PLUG_COOKIE_SOURCE = 'https://github.com/elixir-plug/plug/blob/v1.19.1/lib/plug/conn.ex (maybe_secure_cookie)';

/**
 * The session cookie of the endpoint: `plug Plug.Session, @session_options` (Phoenix's generator) or inline options.
 * Plug.Session writes it with put_resp_cookie and its own options, and Plug adds Secure only on an https conn unless
 * `secure:` is given (Plug.Conn `maybe_secure_cookie`): no `secure:` follows the scheme Phoenix believes.
 */
function phoenixSessionCookie(app: PhoenixApp, appEnd: AppEndFacts): void {
  for (const s of app.endpoints) {
    const at = s.code.findIndex((l) => /^\s*plug\s+Plug\.Session\b/.test(l));
    if (at < 0) continue;
    // The options: the `@session_options [...]` attribute the plug names, else the plug line's own keyword list.
    const attr = /Plug\.Session\s*,\s*@(\w+)/.exec(s.code[at] as string)?.[1];
    const start = attr ? s.code.findIndex((l) => new RegExp(`^\\s*@${attr}\\b`).test(l)) : at;
    if (start < 0) continue;
    const text = balanced(s.code, start, Math.max(0, (s.code[start] as string).search(/\[|,/)), 20).text;
    const secure = /\bsecure:\s*([^,\]\s]+)/.exec(text)?.[1];
    const secureLine = secure ? s.code.findIndex((l, i) => i >= start && /\bsecure:/.test(l)) : -1;
    const ref = refAt(s.file, s.raw, (secureLine >= 0 ? secureLine : start) + 1);
    appEnd.secureCookieName = 'the session cookie';
    appEnd.secureCookieLifetime = /\bmax_age:/.test(text) ? undefined : 'session';
    appEnd.secureCookieFix = 'secure: true in the Plug.Session options';
    appEnd.defaultsFrom = [...(appEnd.defaultsFrom ?? []), PLUG_COOKIE_SOURCE];
    if (secure === undefined)
      appEnd.secureCookies = lit<'auto'>('auto', ref, 'default', {
        note: 'no secure: option, so Plug flags it on an https conn only',
      });
    else if (secure === 'true') appEnd.secureCookies = lit<'always'>('always', ref);
    else if (secure === 'false') appEnd.secureCookies = lit<'never'>('never', ref, 'literal', { note: 'secure: false' });
    // An expression (`secure: Mix.env() == :prod`): decided at compile time, not known here.
    else appEnd.secureCookies = lit<'never'>('never', ref, 'unknown', { note: `secure: ${secure}` });
    return;
  }
}

/** One `check_origin:` value: `:conn`, `true`/`false`, an origin list or an MFA (only `:conn` depends on the proxy). */
type CheckOrigin = { value: string; ref: SourceRef };

/**
 * The sockets' origin check (Phoenix.Socket.Transport `check_origin/5`, v1.7.14 and v1.8): a socket's own
 * `websocket:`/`longpoll:` `check_origin:` wins over the endpoint's `check_origin:`, which defaults to `true`.
 * `true` compares only the Origin's host with the endpoint's `url: [host:]` (the proxy cannot change that);
 * `:conn` compares the Origin's scheme, host and port with the conn's, i.e. with what Plug believes about the
 * request — behind a TLS proxy the scheme is https only when `rewrite_on: [:x_forwarded_proto]` rewrites it.
 * Returns the `:conn` check a socket uses, if any. Sockets are declared in the endpoint module; when no endpoint
 * module was read the configuration's value stands for them, when one was read and declares no socket there is no
 * socket to check.
 */
function connOriginCheck(app: PhoenixApp, configured: CheckOrigin | undefined): CheckOrigin | undefined {
  const isConn = (c: CheckOrigin | undefined) => c !== undefined && /^:conn\b/.test(c.value);
  if (app.endpoints.length === 0) return isConn(configured) ? configured : undefined;
  for (const s of app.endpoints) {
    // `if code_reloading? do ... end`: the generated live-reload socket, a development-only one.
    let devUntil = -1;
    for (let i = 0; i < s.code.length; i++) {
      const guard = /^(\s*)if\s+code_reloading\?\s+do\b/.exec(s.code[i] as string);
      if (guard) {
        const indent = (guard[1] as string).length;
        const end = s.code.findIndex((l, n) => n > i && new RegExp(`^\\s{${indent}}end\\b`).test(l));
        devUntil = end < 0 ? s.code.length : end;
      }
      if (i <= devUntil || !/^\s*socket(?:\s+|\s*\(\s*)"/.test(s.code[i] as string)) continue;
      // The statement: continuation lines while a bracket is open or the line ends with a comma (bounded).
      let text = s.code[i] as string;
      let depth = 0;
      let j = i;
      for (;;) {
        const l = s.code[j] as string;
        depth += (l.match(/[[({]/g) ?? []).length - (l.match(/[\])}]/g) ?? []).length;
        if ((depth <= 0 && !/,\s*$/.test(l)) || j + 1 >= s.code.length || j >= i + 20) break;
        j++;
        text += `\n${s.code[j] as string}`;
      }
      const own = /\bcheck_origin:\s*(:conn\b|true\b|false\b|\[|\{|\S+)/.exec(text);
      const line = own ? i + text.slice(0, own.index).split('\n').length : i + 1;
      const effective = own ? { value: own[1] as string, ref: refAt(s.file, s.raw, line) } : configured;
      if (isConn(effective)) return effective;
      i = j;
    }
  }
  return undefined;
}

function phoenixFacts(app: PhoenixApp): { framework?: FrameworkFacts; server?: AppServerFacts } {
  const order = { config: 0, prod: 1, runtime: 2 };
  const configs = [...app.configs].sort((a, b) => order[a.env] - order[b.env]);
  let forceSsl: Valued<boolean> | undefined;
  let forceSslHost: string | undefined;
  let rewrite = { scheme: [] as string[], client: [] as string[], host: [] as string[] };
  let rewriteRef: SourceRef | undefined;
  let http: { ref: SourceRef; text: string; s: Src; line: number } | undefined;
  let https: SourceRef | undefined;
  let urlScheme: Valued<string> | undefined;
  let anchor: SourceRef | undefined;
  let checkOrigin: CheckOrigin | undefined;
  let exclude: { hosts: string[]; ref: SourceRef } | undefined;
  const excludeOf = (text: string, ref: SourceRef) => {
    const e = /exclude:\s*(\[[^\]]*\]|\S+)/.exec(text);
    if (!e) return undefined;
    const hosts = /hosts:\s*\[([^\]]*)\]/.exec(text)?.[1] ?? (e[1] as string);
    return { hosts: [...hosts.matchAll(/"([^"]+)"/g)].map((x) => x[1] as string), ref };
  };
  for (const s of configs)
    for (const st of endpointStatements(s)) {
      anchor ??= refAt(s.file, s.raw, st.start + 1);
      const fs = keyValue(s, st.start, st.end, 'force_ssl');
      if (fs) {
        const ref = refAt(s.file, s.raw, fs.line);
        const off = /^(false|nil)\b/.test(fs.text);
        forceSsl = lit(!off, ref);
        const envVar = off ? undefined : envVarIn(fs.text);
        if (envVar) Object.assign(forceSsl, { origin: 'env', envVar });
        const r = /rewrite_on:\s*(\[[^\]]*\])/.exec(fs.text);
        rewrite = r ? rewrites(r[1] as string) : { scheme: [], client: [], host: [] };
        rewriteRef = r ? ref : undefined;
        forceSslHost = /host:\s*nil\b/.test(fs.text) ? 'request' : 'url';
        exclude = excludeOf(fs.text, ref);
      }
      const h = keyValue(s, st.start, st.end, 'http');
      if (h && !/^(false|nil)\b/.test(h.text)) http = { ref: refAt(s.file, s.raw, h.line), text: h.text, s, line: h.line };
      const t = keyValue(s, st.start, st.end, 'https');
      if (t && !/^(false|nil)\b/.test(t.text)) https = refAt(s.file, s.raw, t.line);
      const u = keyValue(s, st.start, st.end, 'url');
      const scheme = u ? /scheme:\s*"(https?)"/.exec(u.text)?.[1] : undefined;
      if (u && scheme) urlScheme = lit(scheme, refAt(s.file, s.raw, u.line));
      const co = keyValue(s, st.start, st.end, 'check_origin');
      if (co) checkOrigin = { value: co.text, ref: refAt(s.file, s.raw, co.line) };
    }
  // `use Phoenix.Endpoint` plugs Plug.SSL (force_ssl) and then `:socket_dispatch` before the module's own plugs, and a
  // socket request halts there (phoenix lib/phoenix/endpoint.ex `plug()`, `__before_compile__`): a socket's conn is
  // rewritten by force_ssl's rewrite_on only, never by the endpoint module's `plug Plug.RewriteOn`/`plug Plug.SSL`.
  const socketScheme = [...rewrite.scheme];
  const configForceSsl = forceSsl;
  // plug Plug.RewriteOn / plug Plug.SSL in the endpoint module.
  for (const s of app.endpoints)
    s.code.forEach((l, i) => {
      const m = /^\s*plug\s+Plug\.(RewriteOn|SSL)\b\s*,?\s*(.*)$/.exec(l);
      if (!m) return;
      const ref = refAt(s.file, s.raw, i + 1);
      const rest = balanced(s.code, i, l.indexOf(m[2] as string), 20).text;
      if (m[1] === 'SSL') {
        forceSsl = lit(true, ref);
        // Plug.SSL's own :host default is conn.host (Phoenix's force_ssl defaults it to the url: host).
        forceSslHost = /host:\s*"/.test(rest) ? 'fixed' : 'request';
        exclude = excludeOf(rest, ref);
      }
      const r = rewrites(m[1] === 'SSL' ? (/rewrite_on:\s*(\[[^\]]*\])/.exec(rest)?.[1] ?? '') : rest);
      if (r.scheme.length + r.client.length + r.host.length === 0) return;
      rewrite = {
        scheme: [...new Set([...rewrite.scheme, ...r.scheme])],
        client: [...new Set([...rewrite.client, ...r.client])],
        host: [...new Set([...rewrite.host, ...r.host])],
      };
      rewriteRef = ref;
    });
  if (!anchor && !forceSsl && !rewriteRef) return {};
  const ref = forceSsl?.ref ?? rewriteRef ?? (anchor as SourceRef);
  const binds: BindAddress[] = [];
  if (http) {
    const portExpr = /port:\s*([^,\]]+(?:\([^)]*\)[^,\]]*)?)/.exec(http.text)?.[1];
    const { port, envVar } = portOf(portExpr, http.s, http.line - 1);
    const ip = ipOf(http.text);
    binds.push({
      kind: 'tcp',
      host: ip.host,
      port: port ?? (envVar ? undefined : PHOENIX_DEFAULT_PORT),
      exposure: ip.exposure,
      ref: http.ref,
    });
  }
  const trustScheme = rewriteRef
    ? lit(['*'], rewriteRef, 'literal', { note: 'Plug.RewriteOn believes X-Forwarded-* from every peer' })
    : lit([] as string[], ref, 'default', { note: 'no rewrite_on: Plug reads no forwarded header' });
  const trustClient = rewrite.client.length > 0 ? { ...trustScheme } : lit([] as string[], ref, 'default');
  const appEnd: AppEndFacts = {
    name: 'Phoenix',
    ref,
    schemeHeaders: rewrite.scheme,
    clientHeaders: rewrite.client,
    trustScheme,
    trustClient,
    binds,
    defaultsFrom: [PLUG_SSL_SOURCE, PLUG_REWRITE_ON_SOURCE, PHOENIX_ENDPOINT_SOURCE],
    notes: [
      urlScheme
        ? `absolute URLs use url: scheme "${urlScheme.value}" (${urlScheme.ref?.file}:${urlScheme.ref?.line}), not the request`
        : 'absolute URLs take their scheme from the url: configuration (http unless https: is configured), not from the request',
    ],
  };
  phoenixSessionCookie(app, appEnd);
  const conn = connOriginCheck(app, checkOrigin);
  const settings: FrameworkFacts['settings'] = {};
  if (conn) {
    appEnd.originCheck = lit(true, conn.ref, 'literal', { note: 'check_origin: :conn' });
    appEnd.defaultsFrom = [...(appEnd.defaultsFrom ?? []), PHOENIX_TRANSPORT_SOURCE];
    settings['socket.schemeHeaders'] = lit(
      socketScheme,
      configForceSsl?.ref ?? conn.ref,
      configForceSsl ? 'literal' : 'default',
      {
        note: "sockets are dispatched before the endpoint module's plugs: only force_ssl's rewrite_on reaches them",
      },
    );
    if (https) settings.https = lit(true, https);
  }
  if (forceSsl) {
    appEnd.sslRedirect = forceSsl;
    // Plug.SSL (since plug 1.7): `exclude` defaults to hosts localhost and 127.0.0.1; a given list replaces it.
    appEnd.redirectExempt = exclude
      ? lit(exclude.hosts, exclude.ref)
      : lit(['localhost', '127.0.0.1'], forceSsl.ref as SourceRef, 'default', { note: "Plug.SSL's exclude default" });
  }
  if (forceSsl) settings.force_ssl = forceSsl;
  if (urlScheme) settings['url.scheme'] = urlScheme;
  if (forceSslHost) settings['force_ssl.host'] = lit(forceSslHost, forceSsl?.ref ?? ref);
  if (rewrite.host.length > 0) settings.rewriteHost = lit(rewrite.host, rewriteRef as SourceRef);
  const framework: FrameworkFacts = {
    kind: 'phoenix',
    file: ref.file,
    module: app.root || '.',
    usesServerScheme: false,
    sslRedirect: forceSsl,
    trustProxy: trustScheme,
    settings,
    appEnd,
  };
  if (!http && !https) return { framework };
  const first = http?.ref ?? (https as SourceRef);
  // Cowboy/Bandit hand the headers to Plug unchanged: the endpoint's plugs decide.
  const server = passThroughServer({
    name: app.bandit ? 'bandit' : 'cowboy',
    launch: { ...first, via: 'config' },
    appTarget: app.root || '.',
    binds,
    configFiles: [first.file],
    notes: [`${app.bandit ? 'Bandit' : 'Cowboy'} passes forwarded headers to Plug unchanged; the Phoenix endpoint decides`],
    tls: Boolean(https),
  });
  return { framework, server };
}

export const elixirCollector: Collector = {
  name: 'elixir',
  collect(ctx: CollectContext) {
    const apps = new Map<string, PhoenixApp>();
    const get = (root: string): PhoenixApp => {
      let a = apps.get(root);
      if (!a) {
        a = { root, configs: [], endpoints: [] };
        apps.set(root, a);
      }
      return a;
    };
    const read = (f: DiscoveredFile): Src | null => {
      if (f.size > MAX_APP_SOURCE_BYTES) return null;
      const text = ctx.read(f).toString('utf8');
      return { file: f.display, raw: text.split(/\r?\n/), code: codeLines(text, 'elixir') };
    };
    const mixes: Array<{ root: string; f: DiscoveredFile }> = [];
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs)) continue;
      const r = roleOf(f.display);
      if (!r) continue;
      if (r.role === 'mix') {
        mixes.push({ root: r.root, f });
        continue;
      }
      const s = read(f);
      if (!s) continue;
      const text = s.code.join('\n');
      if (r.role === 'endpoint') {
        if (!/use\s+Phoenix\.Endpoint\b/.test(text)) continue;
        get(r.root).endpoints.push(s);
      } else {
        if (!/^\s*config\s+:\w+\s*,\s*[\w.]*Endpoint\b/m.test(text)) continue;
        get(r.root).configs.push({ ...s, env: r.role });
      }
      ctx.claimed.add(f.abs);
    }
    for (const { root, f } of mixes) {
      const a = apps.get(root);
      if (!a) continue;
      const s = read(f);
      if (!s) continue;
      ctx.claimed.add(f.abs);
      if (/\{\s*:bandit\s*,/.test(s.code.join('\n'))) a.bandit = true;
    }
    for (const app of apps.values()) {
      // An adapter named in the endpoint configuration wins over the dependency list.
      if (app.configs.some((c) => /Bandit\.PhoenixAdapter/.test(c.code.join('\n')))) app.bandit = true;
      const { framework, server } = phoenixFacts(app);
      if (framework) ctx.facts.frameworks.push(framework);
      if (server) ctx.facts.appServers.push(server);
    }
  },
};
