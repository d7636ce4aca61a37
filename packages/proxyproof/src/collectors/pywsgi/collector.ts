/**
 * Pure-Python WSGI servers started from code or from the command line: waitress (`from waitress import serve`, `serve(app, host=...,
 * port=..., trusted_proxy=..., trusted_proxy_headers=...)`, or `serve` handed to a thread with a kwargs dict).
 * Line-based over the Python source (the Python collector's evaluator targets settings modules, not calls
 * spread over threads and dicts); only files that mention waitress are read.
 *
 * Waitress (docs "Using Behind a Reverse Proxy", waitress/adjustments.py) ignores every X-Forwarded-* header
 * unless `trusted_proxy` names the peer ('*' for any) and `trusted_proxy_headers` lists the headers; a
 * `trusted_proxy` with no headers listed trusts X-Forwarded-Proto alone (adjustments.py 2.1.2, "Implicitly trusting
 * X-Forwarded-Proto for backwards compatibility", a DeprecationWarning).
 *
 * `waitress-serve` (and `python -m waitress`) takes the same settings as long options (`Adjustments.parse_args`: getopt,
 * `--name=value` or `--name value`; `--listen` repeatable, each `host:port`; `--host`/`--port`, default 0.0.0.0:8080;
 * `--unix-socket`), read wherever the tree launches it (collectors/deploy/command-launches.ts: compose command, image
 * CMD, the script those run, a unit, a Procfile) and placed in that launch's container.
 */
import type { CollectContext, Collector } from '../../model/collector.js';
import type { AppServerFacts, BindAddress, SourceRef } from '../../model/facts.js';
import { codeLines, lit, MAX_APP_SOURCE_BYTES, quotedStrings, refAt } from '../appends/lines.js';
import { exposureOf } from '../deploy/appserver.js';
import { commandLaunches, placeBind } from '../deploy/command-launches.js';

export const WAITRESS_DOCS = 'https://docs.pylonsproject.org/projects/waitress/en/stable/reverse-proxy.html';

export const pywsgiCollector: Collector = {
  name: 'pywsgi',
  collect(ctx: CollectContext) {
    for (const f of ctx.files) {
      if (!f.display.endsWith('.py') || f.size > MAX_APP_SOURCE_BYTES) continue;
      const text = ctx.read(f).toString('utf8');
      if (!/\bwaitress\b/.test(text)) continue;
      const raw = text.split(/\r?\n/);
      const code = codeLines(text, 'hash');
      let anchor: SourceRef | undefined;
      let trust: string[] | undefined;
      let trustRef: SourceRef | undefined;
      let headers: string[] = [];
      let host: string | undefined;
      let port: number | undefined;
      code.forEach((l, i) => {
        const ref = refAt(f.display, raw, i + 1);
        if (/^\s*from\s+waitress\s+import\s+.*\bserve\b|^\s*import\s+waitress\b/.test(l)) anchor ??= ref;
        const call = /\b(?:waitress\.)?serve\s*\((.*)$/.exec(l);
        if (call && !/def\s+serve/.test(l)) anchor ??= ref;
        const tp = /['"]?trusted_proxy['"]?\s*[:=]\s*(.+)$/.exec(l);
        if (tp) {
          trust = quotedStrings(tp[1] as string).slice(0, 1);
          if (trust.length === 0) trust = ['(computed)'];
          trustRef = ref;
        }
        const th = /['"]?trusted_proxy_headers['"]?\s*[:=]\s*(.+)$/.exec(l);
        if (th) headers = quotedStrings(th[1] as string).flatMap((s) => s.split(/\s+/));
        const h = /['"]?host['"]?\s*[:=]\s*['"]([^'"]+)['"]/.exec(l);
        if (h && (call || /waitress/.test(code.slice(Math.max(0, i - 8), i + 1).join('\n')))) host = h[1];
        const p = /['"]?port['"]?\s*[:=]\s*(\d+)\b/.exec(l);
        if (p && (call || /waitress/.test(code.slice(Math.max(0, i - 8), i + 1).join('\n')))) port = Number(p[1]);
      });
      if (!anchor) continue;
      // waitress's default listen is 0.0.0.0:8080 (adjustments.py); an expression host stays unknown.
      const b: BindAddress = {
        kind: 'tcp',
        host: host ?? '0.0.0.0',
        port,
        exposure: (host ?? '0.0.0.0') === '0.0.0.0' ? 'all-interfaces' : /^127\./.test(host ?? '') ? 'loopback' : 'specific',
        ref: anchor,
      };
      const server = waitressServer({ ...anchor, via: 'code' }, [b], trust, headers, trustRef ?? anchor);
      ctx.facts.appServers.push(server);
    }
    ctx.facts.appServers.push(...waitressServeLaunches(ctx));
  },
};

/** waitress's proxy-header names (adjustments.py KNOWN_PROXY_HEADERS). */
const KNOWN_PROXY_HEADERS = new Set([
  'forwarded',
  'x-forwarded-by',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
]);

/**
 * The waitress server of one launch: its binds, `trusted_proxy` (undefined: not set) and `trusted_proxy_headers`.
 * Without headers a set trusted_proxy trusts X-Forwarded-Proto alone (waitress 2.1's backwards-compatible default).
 */
function waitressServer(
  launch: AppServerFacts['launch'],
  binds: BindAddress[],
  trust: string[] | undefined,
  headers: string[],
  trustRef: SourceRef,
): AppServerFacts {
  const origin = trust ? 'literal' : 'default';
  const trusted = trust && headers.length === 0 ? ['x-forwarded-proto'] : headers.map((x) => x.toLowerCase());
  return {
    kind: 'other',
    name: 'waitress',
    launch,
    binds,
    proxyHeaders: lit(trust !== undefined && trusted.length > 0, trustRef, origin),
    trustedProxies: lit(trust ?? [], trustRef, origin),
    schemeHeaders: lit<Record<string, string>>(
      trusted.includes('x-forwarded-proto') ? { 'X-FORWARDED-PROTO': 'https' } : {},
      trustRef,
      origin,
    ),
    configFiles: [],
    env: {},
    notes: [
      trust
        ? `trusted_proxy ${trust.join(',')} headers ${headers.join(' ') || '(none listed: X-Forwarded-Proto alone, waitress 2.1)'}`
        : 'no trusted_proxy: waitress ignores X-Forwarded-*',
    ],
  };
}

/** waitress's settings on a command line (`waitress-serve --listen=127.0.0.1:8000 --trusted-proxy=* app:app`). */
export interface WaitressArgs {
  listen: string[];
  host?: string;
  port?: string;
  unixSocket?: string;
  trustedProxy?: string;
  trustedProxyHeaders: string[];
  /** `--url-scheme`: wsgi.url_scheme of every request before the trusted proxy headers (task.py). */
  urlScheme?: string;
}

/**
 * The options of a `waitress-serve` / `python -m waitress` in these words, or undefined when they start no waitress.
 * An exec-form value with spaces (`"--trusted-proxy-headers=x-forwarded-proto x-forwarded-for"`) reaches here split
 * in words: the header names after it belong to it (an app module `app:app` is never one).
 */
export function waitressServeArgs(words: string[]): WaitressArgs | undefined {
  const i = words.findIndex(
    (w, k) => /(?:^|\/)waitress-serve(?:-3)?$/.test(w) || (w === 'waitress' && words[k - 1] === '-m' && k >= 2),
  );
  if (i < 0) return undefined;
  const out: WaitressArgs = { listen: [], trustedProxyHeaders: [] };
  const rest = words.slice(i + 1);
  for (let k = 0; k < rest.length; k++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(rest[k] as string);
    if (!m) continue;
    const name = m[1] as string;
    const takes = ['listen', 'host', 'port', 'unix-socket', 'trusted-proxy', 'trusted-proxy-headers', 'url-scheme'].includes(
      name,
    );
    if (!takes) continue;
    let value = m[2];
    if (value === undefined) value = rest[++k];
    if (value === undefined) break;
    if (name === 'listen') out.listen.push(...value.split(/\s+/).filter(Boolean));
    else if (name === 'host') out.host = value;
    else if (name === 'port') out.port = value;
    else if (name === 'unix-socket') out.unixSocket = value;
    else if (name === 'trusted-proxy') out.trustedProxy = value;
    else if (name === 'url-scheme') out.urlScheme = value;
    else {
      out.trustedProxyHeaders = value.split(/[\s,]+/).filter(Boolean);
      while (KNOWN_PROXY_HEADERS.has((rest[k + 1] ?? '').toLowerCase())) out.trustedProxyHeaders.push(rest[++k] as string);
    }
  }
  return out;
}

/** One bind of waitress's `--listen` entry (`127.0.0.1:8000`, `[::1]:8000`, `*:8080`: every interface). */
function listenBind(entry: string, ref: SourceRef): BindAddress {
  const m = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(entry);
  if (!m) return { kind: 'tcp', exposure: 'unknown', ref };
  const host = (m[1] as string).replace(/^\[|\]$/g, '').replace(/^\*?$/, '0.0.0.0');
  return { kind: 'tcp', host, port: Number(m[2]), exposure: exposureOf(host), ref };
}

/** The waitress servers the tree starts from the command line, each placed where its launch runs. */
function waitressServeLaunches(ctx: CollectContext): AppServerFacts[] {
  const launches = commandLaunches(ctx, ctx.facts, { mentions: /waitress/, match: waitressServeArgs });
  // `--url-scheme=https` makes every request https whatever arrives (a fixed scheme the app-server facts cannot say
  // yet): such a launch is left unread rather than reported as losing the scheme.
  return launches
    .filter((l) => (l.match.urlScheme ?? 'http') === 'http')
    .map((l) => {
      const a = l.match;
      const binds: BindAddress[] = a.unixSocket
        ? [{ kind: 'unix', path: a.unixSocket, exposure: 'unix', ref: l.ref }]
        : a.listen.length > 0
          ? a.listen.map((e) => listenBind(e, l.ref))
          : [listenBind(`${a.host ?? '0.0.0.0'}:${a.port ?? '8080'}`, l.ref)];
      for (const b of binds) placeBind(b, l);
      const server = waitressServer(
        { ...l.ref, via: l.service ? 'compose' : l.via },
        binds,
        a.trustedProxy !== undefined ? [a.trustedProxy] : undefined,
        a.trustedProxyHeaders,
        l.ref,
      );
      if (l.service) server.service = l.service.name;
      return server;
    });
}
