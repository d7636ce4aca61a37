/**
 * Turns a parsed app-server command line, its environment, its config file and where it runs into
 * AppServerFacts, applying each server's precedence and defaults by version:
 *
 * gunicorn (20.1 Debian .. 23): config file < GUNICORN_CMD_ARGS < command line. Defaults: bind
 *   127.0.0.1:8000, or 0.0.0.0:$PORT when PORT is set; forwarded_allow_ips = $FORWARDED_ALLOW_IPS or
 *   127.0.0.1 (23.0 adds ::1); secure_scheme_headers X-FORWARDED-PROTOCOL: ssl, X-FORWARDED-PROTO:
 *   https, X-FORWARDED-SSL: on. Connections over a unix socket are always trusted (peer is not a tuple).
 * uvicorn (0.17.6 Debian .. ): command line > UVICORN_<OPTION> > default. --proxy-headers on by default;
 *   --forwarded-allow-ips = $FORWARDED_ALLOW_IPS or 127.0.0.1. Over a unix socket the peer address is
 *   None, so only '*' trusts the proxy.
 * daphne: --proxy-headers off by default; when on, X-Forwarded-For/-Port/-Proto are taken from ANY peer.
 * hypercorn: no proxy-header support in the server; ProxyFixMiddleware (0.15+) in the app does it.
 * Django's runserver (3.2 .. 5.x): `[addr:]port`, default 127.0.0.1:8000 (`-6`: ::1; an address alone is no valid
 *   argument); it reads no forwarded header: wsgiref takes the scheme from the connection (plain HTTP) and hands every
 *   header to Django's META unchanged, so SECURE_PROXY_SSL_HEADER decides; it drops headers with an underscore in
 *   the name (django/core/servers/basehttp.py). With Channels/Daphne installed, Daphne's runserver takes over, with
 *   the same `[addr:]port` and no proxy headers either (daphne/management/commands/runserver.py, Server() without
 *   proxy_forwarded_* options).
 */

import type { ComposePort, ComposeService, Reach } from '../../model/deploy.js';
import type { AppServerFacts, BindAddress, Exposure, SourceRef, Valued } from '../../model/facts.js';
import type { Scope } from '../python/evaluate.js';
import { show, toJs } from '../python/evaluate.js';
import type { RunserverAttr, RunserverDefaults } from './runserver-defaults.js';
import { type FoundInvocation, type PyServerKind, parseServerArgs, shlexSplit } from './servers.js';

export interface LaunchContext {
  via: AppServerFacts['launch']['via'];
  ref: SourceRef;
  service?: string;
  /** Process environment known from the launcher (Environment=, environment:, ENV). */
  env: Record<string, Valued<string>>;
  /** Runs in a container (compose service or Dockerfile). */
  container: boolean;
  /** Compose: published ports of the service. */
  ports?: ComposePort[];
  networkMode?: string;
  /** Dockerfile only (no compose service seen): its EXPOSE ports. */
  dockerOnly?: boolean;
  notes: string[];
  /** Evaluates a gunicorn/hypercorn python config file named on the command line (or the default). */
  loadConfig?: (path: string | undefined, kind: PyServerKind) => { scope: Scope; file: string; assumed: boolean } | undefined;
  versions: Partial<Record<PyServerKind, string>>;
  /** runserver's default address as the project sets it (runserver launches only). */
  runserver?: RunserverDefaults;
  /** The project's own management command the launch runs, a runserver subclass (`manage.py devserver`), and its class lines. */
  runserverCommand?: { name: string; refs: SourceRef[] };
}

export const DEFAULT_VERSIONS: Record<PyServerKind, string> = {
  gunicorn: '20.1.0',
  uvicorn: '0.17.6',
  daphne: '4.1',
  hypercorn: '0.17',
  runserver: '3.2.25',
};

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '0:0:0:0:0:0:0:1';
}

export function isWildcard(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === '' || h === '0.0.0.0' || h === '::' || h === '*' || h === '0';
}

export function exposureOf(host: string): Exposure {
  if (isLoopback(host)) return 'loopback';
  if (isWildcard(host)) return 'all-interfaces';
  if (host.includes('$')) return 'unknown';
  return 'specific';
}

/** gunicorn's util.parse_address (20.1) / hypercorn's bind strings. */
export function parseBindSpec(spec: string, defaultPort = 8000): Omit<BindAddress, 'exposure'> & { exposure: Exposure } {
  if (/^unix:/.test(spec)) return { kind: 'unix', path: spec.replace(/^unix:(\/\/)?/, ''), exposure: 'unix' };
  if (spec.startsWith('fd://')) return { kind: 'fd', path: spec.slice(5), exposure: 'unknown' };
  let s = spec.replace(/^tcp:\/\//, '');
  let host = s;
  let port: number | undefined = defaultPort;
  if (s.includes('[') && s.includes(']')) {
    host = s.slice(s.indexOf('[') + 1, s.indexOf(']'));
    const rest = s.slice(s.indexOf(']') + 1);
    if (rest.startsWith(':')) port = Number(rest.slice(1));
  } else if (s.includes(':')) {
    const [h, p] = s.split(':');
    host = h ?? '';
    port = Number(p);
  } else if (s === '') host = '0.0.0.0';
  s = host.toLowerCase();
  if (port !== undefined && !Number.isInteger(port)) port = undefined;
  return { kind: 'tcp', host: s, port, exposure: exposureOf(s) };
}

/** Twisted endpoint strings as daphne -e takes them: tcp:8000:interface=0.0.0.0, unix:/path, ssl:443:... */
export function parseTwistedEndpoint(spec: string): Omit<BindAddress, 'exposure'> & { exposure: Exposure } {
  const parts = spec.split(/(?<!\\):/);
  const type = (parts[0] ?? '').toLowerCase();
  if (type === 'unix') return { kind: 'unix', path: (parts[1] ?? '').replace(/^address=/, ''), exposure: 'unix' };
  if (type === 'fd') return { kind: 'fd', path: (parts[1] ?? '').replace(/^fileno=/, ''), exposure: 'unknown' };
  let port: number | undefined;
  let host = '0.0.0.0';
  for (const p of parts.slice(1)) {
    const [k, v] = p.includes('=') ? (p.split('=') as [string, string]) : ['port', p];
    if (k === 'port' && port === undefined) port = Number(v);
    if (k === 'interface') host = v.replace(/\\:/g, ':');
  }
  return { kind: 'tcp', host, port: Number.isInteger(port) ? port : undefined, exposure: exposureOf(host) };
}

/** A published port as a bind records it (a port without a host side publishes the container port itself). */
export function publishedBind(p: ComposePort): NonNullable<BindAddress['published']> {
  return { hostIp: p.hostIp, hostPort: p.hostPort ?? p.containerPort, ref: p.ref };
}

/**
 * A bind inside a compose service's container (set on `b`, which is returned): reached on the service's network, or
 * through the port the service publishes.
 */
export function inServiceContainer(b: BindAddress, svc: Pick<ComposeService, 'ports' | 'networkMode'>): BindAddress {
  b.container = true;
  const r = reachOf(b, { container: true, ports: svc.ports, networkMode: svc.networkMode });
  b.reach = r.reach;
  if (r.published) b.published = publishedBind(r.published);
  return b;
}

/** Reach of a bind given where the process runs. */
export function reachOf(
  b: Pick<BindAddress, 'kind' | 'exposure' | 'port'>,
  ctx: Pick<LaunchContext, 'container' | 'ports' | 'networkMode' | 'dockerOnly'>,
): { reach: Reach; published?: ComposePort } {
  if (b.kind === 'unix') return { reach: 'unix' };
  if (b.kind === 'fd') return { reach: 'fd' };
  if (b.exposure === 'unknown') return { reach: 'unknown' };
  const inContainer = ctx.container && ctx.networkMode !== 'host';
  if (b.exposure === 'loopback') return { reach: 'loopback' };
  if (!inContainer) return { reach: 'network' };
  const pubs = (ctx.ports ?? []).filter((p) => p.containerPort === b.port && p.protocol === 'tcp');
  const wide = pubs.find((p) => !isLoopback(p.hostIp));
  if (wide) return { reach: 'network', published: wide };
  const local = pubs[0];
  if (local) return { reach: 'host-loopback', published: local };
  return { reach: 'container-network' };
}

function envValue(ctx: LaunchContext, inv: FoundInvocation, name: string): Valued<string> | undefined {
  if (inv.env[name] !== undefined)
    return { value: inv.env[name] as string, origin: 'env', envVar: name, ref: ctx.ref, note: 'set on the command line' };
  return ctx.env[name];
}

/**
 * A trust list from the environment. A variable set where the files cannot see its value (a Kubernetes
 * `secretKeyRef`, a ConfigMap not in the tree) is unknown, not an empty list that trusts nobody.
 */
function envTrust(e: Valued<string>, envVar: string): Valued<string[]> {
  if (e.origin === 'unknown') return valued([], 'unknown', e.ref, { envVar, note: e.note ?? 'not known statically' });
  return valued(splitIps(e.value), 'env', e.ref, { envVar });
}

const valued = <T>(value: T, origin: Valued<T>['origin'], ref?: SourceRef, extra: Partial<Valued<T>> = {}): Valued<T> => ({
  value,
  origin,
  ref,
  ...extra,
});

function refAt(scopeFile: string, line: number): SourceRef {
  return { file: scopeFile, line };
}

function splitIps(v: unknown): string[] {
  if (Array.isArray(v))
    return v
      .map(String)
      .map((s) => s.trim())
      .filter(Boolean);
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return [];
}

/** Builds AppServerFacts for one invocation. */
export function buildAppServer(inv: FoundInvocation, ctx: LaunchContext): AppServerFacts {
  const version = ctx.versions[inv.kind] ?? DEFAULT_VERSIONS[inv.kind];
  const notes = [...ctx.notes];
  const parsed = parseServerArgs(inv.kind, inv.args);
  for (const p of parsed.problems) notes.push(`${inv.kind}: ${p}`);
  if (inv.unresolvedVars.length > 0)
    notes.push(`command line uses ${[...new Set(inv.unresolvedVars)].map((v) => `$${v}`).join(', ')} whose value is not known`);
  const env: Record<string, Valued<string>> = { ...ctx.env };
  for (const [k, v] of Object.entries(inv.env))
    env[k] = { value: v, origin: 'env', envVar: k, ref: ctx.ref, note: 'set on the command line' };
  const facts: AppServerFacts = {
    // runserver is no AppServerKind of its own: a server that turns no header into a scheme, as the other 'other's.
    kind: inv.kind === 'runserver' ? 'other' : inv.kind,
    ...(inv.kind === 'runserver' ? { name: 'runserver' } : {}),
    launch: { ...ctx.ref, via: ctx.via },
    service: ctx.service,
    appTarget: parsed.positionals[0],
    binds: [],
    proxyHeaders: valued(false, 'default'),
    trustedProxies: valued([], 'default'),
    schemeHeaders: valued({}, 'default'),
    configFiles: [],
    env,
    assumedVersion: version,
    notes,
  };
  const finishBinds = (raw: Array<Omit<BindAddress, 'exposure'> & { exposure: Exposure }>, ref: SourceRef | undefined) => {
    for (const b of raw) {
      const r = reachOf(b, ctx);
      const bind: BindAddress = {
        ...b,
        ref,
        container: ctx.container && ctx.networkMode !== 'host' ? true : undefined,
        reach: r.reach,
      };
      if (r.published)
        bind.published = {
          hostIp: r.published.hostIp,
          hostPort: r.published.hostPort ?? 0,
          ref: r.published.ref,
          ...(r.published.by ? { by: r.published.by } : {}),
        };
      if (ctx.container && ctx.networkMode !== 'host' && b.exposure === 'loopback')
        notes.push(
          `binds ${b.host}:${b.port} inside a container: only the container itself can connect; a proxy in another container cannot`,
        );
      facts.binds.push(bind);
    }
  };
  if (inv.kind === 'gunicorn') buildGunicorn(inv, parsed, ctx, facts, finishBinds, env);
  else if (inv.kind === 'uvicorn') buildUvicorn(inv, parsed, ctx, facts, finishBinds, env);
  else if (inv.kind === 'daphne') buildDaphne(parsed, ctx, facts, finishBinds);
  else if (inv.kind === 'runserver') buildRunserver(parsed, ctx, facts, finishBinds);
  else buildHypercorn(parsed, ctx, facts, finishBinds);
  return facts;
}

type Finish = (raw: Array<Omit<BindAddress, 'exposure'> & { exposure: Exposure }>, ref: SourceRef | undefined) => void;

function configValue(scope: Scope, name: string): { value: unknown; ev: ReturnType<Scope['bindings']['get']> } | undefined {
  const b = scope.bindings.get(name);
  if (!b) return undefined;
  return { value: toJs(b.value), ev: b };
}

function buildGunicorn(
  inv: FoundInvocation,
  parsed: ReturnType<typeof parseServerArgs>,
  ctx: LaunchContext,
  facts: AppServerFacts,
  finish: Finish,
  env: Record<string, Valued<string>>,
): void {
  const cmdArgsEnv = env.GUNICORN_CMD_ARGS;
  const envParsed = cmdArgsEnv ? parseServerArgs('gunicorn', shlexSplit(cmdArgsEnv.value)) : undefined;
  // Config file: -c on the command line, else in GUNICORN_CMD_ARGS, else ./gunicorn.conf.py.
  const configPath = parsed.values.get('config')?.[0] ?? envParsed?.values.get('config')?.[0];
  const cfg = ctx.loadConfig?.(configPath, 'gunicorn');
  if (configPath && !cfg) facts.notes?.push(`config file ${configPath} is not among the linted files; its settings are unknown`);
  if (cfg) {
    facts.configFiles.push(cfg.file);
    if (cfg.assumed) facts.notes?.push(`${cfg.file} assumed to be the default ./gunicorn.conf.py of the working directory`);
  }
  const cfgGet = (name: string) => (cfg ? configValue(cfg.scope, name) : undefined);
  // -e/--env KEY=VALUE sets the environment of the app (DJANGO_SETTINGS_MODULE...), not gunicorn's own defaults.
  for (const raw of [...(parsed.values.get('raw_env') ?? []), ...(envParsed?.values.get('raw_env') ?? [])]) {
    const eq = raw.indexOf('=');
    if (eq > 0)
      facts.env[raw.slice(0, eq)] = {
        value: raw.slice(eq + 1),
        origin: 'env',
        envVar: raw.slice(0, eq),
        ref: ctx.ref,
        note: 'gunicorn --env',
      };
  }
  const cfgRef = (name: string): SourceRef | undefined => {
    const b = cfg?.scope.bindings.get(name);
    return b ? refAt(b.file, b.line) : undefined;
  };
  const origin = (b: { origin: string } | undefined): Valued<unknown>['origin'] =>
    b?.origin === 'env' ? 'env' : b?.origin === 'unknown' ? 'unknown' : 'literal';

  // --- worker class, TLS
  const wc =
    parsed.values.get('worker_class')?.[0] ??
    envParsed?.values.get('worker_class')?.[0] ??
    (cfgGet('worker_class')?.value as string | undefined);
  if (typeof wc === 'string') facts.workerClass = wc;
  if (parsed.values.has('certfile') || envParsed?.values.has('certfile') || typeof cfgGet('certfile')?.value === 'string')
    facts.tls = true;

  // --- binds
  const cliBinds = parsed.values.get('bind');
  const envBinds = envParsed?.values.get('bind');
  const cfgBind = cfgGet('bind');
  if (cliBinds)
    finish(
      cliBinds.map((s) => parseBindSpec(s)),
      ctx.ref,
    );
  else if (envBinds)
    finish(
      envBinds.map((s) => parseBindSpec(s)),
      cmdArgsEnv?.ref ?? ctx.ref,
    );
  else if (cfgBind && (typeof cfgBind.value === 'string' || Array.isArray(cfgBind.value))) {
    const specs = typeof cfgBind.value === 'string' ? [cfgBind.value] : (cfgBind.value as unknown[]).map(String);
    finish(
      specs.map((s) => parseBindSpec(s)),
      cfgRef('bind'),
    );
    if (cfgBind.ev?.origin === 'env')
      facts.notes?.push(`bind in ${cfg?.file} depends on ${cfgBind.ev.envVar}; its default was used`);
  } else if (cfgBind) {
    facts.binds.push({ kind: 'tcp', exposure: 'unknown', reach: 'unknown', ref: cfgRef('bind') });
    facts.notes?.push(`bind in ${cfg?.file} is not known statically (${show(cfgBind.ev?.value ?? { t: 'none' })})`);
  } else {
    const port = envValue(ctx, inv, 'PORT');
    if (port) {
      finish([parseBindSpec(`0.0.0.0:${port.value}`)], port.ref ?? ctx.ref);
      facts.notes?.push(`no bind given and PORT=${port.value} is set: gunicorn then binds 0.0.0.0:$PORT (all interfaces)`);
    } else finish([parseBindSpec('127.0.0.1:8000')], ctx.ref);
    if (!port && ctx.via === 'procfile')
      facts.notes?.push('Procfile platforms (Heroku, Dokku) set PORT, so gunicorn binds 0.0.0.0:$PORT there');
  }
  if (!cliBinds && !envBinds && !cfgBind) for (const b of facts.binds) b.ref = { ...ctx.ref, snippet: ctx.ref.snippet };

  // --- forwarded_allow_ips
  const major = Number.parseInt(facts.assumedVersion ?? '20', 10);
  const defaultIps = major >= 23 ? ['127.0.0.1', '::1'] : ['127.0.0.1'];
  const cliIps = parsed.values.get('forwarded_allow_ips')?.[0];
  const envIpsArg = envParsed?.values.get('forwarded_allow_ips')?.[0];
  const cfgIps = cfgGet('forwarded_allow_ips');
  const envIps = envValue(ctx, inv, 'FORWARDED_ALLOW_IPS');
  if (cliIps !== undefined) facts.trustedProxies = valued(splitIps(cliIps), 'literal', ctx.ref);
  else if (envIpsArg !== undefined)
    facts.trustedProxies = valued(splitIps(envIpsArg), 'env', cmdArgsEnv?.ref, { envVar: 'GUNICORN_CMD_ARGS' });
  else if (cfgIps?.ev && cfgIps.ev.value.t !== 'unknown')
    facts.trustedProxies = valued(splitIps(cfgIps.value), origin(cfgIps.ev), cfgRef('forwarded_allow_ips'), {
      envVar: cfgIps.ev.envVar,
    });
  else if (cfgIps)
    facts.trustedProxies = valued([], 'unknown', cfgRef('forwarded_allow_ips'), {
      envVar: cfgIps.ev?.envVar,
      note: 'not known statically',
    });
  else if (envIps) facts.trustedProxies = envTrust(envIps, 'FORWARDED_ALLOW_IPS');
  else
    facts.trustedProxies = valued(defaultIps, 'default', undefined, {
      envVar: 'FORWARDED_ALLOW_IPS',
      note: `gunicorn ${facts.assumedVersion} default (FORWARDED_ALLOW_IPS unset): ${defaultIps.join(',')}`,
    });

  // --- secure_scheme_headers (config file only; no CLI option)
  const ssh = cfgGet('secure_scheme_headers');
  if (ssh?.value && typeof ssh.value === 'object' && !Array.isArray(ssh.value)) {
    const rec: Record<string, string> = {};
    for (const [k, v] of Object.entries(ssh.value as Record<string, unknown>)) rec[k] = String(v);
    facts.schemeHeaders = valued(rec, origin(ssh.ev), cfgRef('secure_scheme_headers'));
    const lower = Object.keys(rec).filter((k) => k !== k.toUpperCase());
    if (lower.length > 0)
      facts.notes?.push(
        `secure_scheme_headers key(s) ${lower.join(', ')} are not upper case: gunicorn compares upper-cased header names, so they never match`,
      );
  } else
    facts.schemeHeaders = valued(
      { 'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on' },
      'default',
    );
  // gunicorn applies secure_scheme_headers from trusted peers: "proxy headers" are always on for the scheme.
  facts.proxyHeaders = valued(true, 'default', undefined, {
    note: 'gunicorn sets wsgi.url_scheme from secure_scheme_headers sent by forwarded_allow_ips peers',
  });
  // Client address: gunicorn never rewrites REMOTE_ADDR; uvicorn workers do (X-Forwarded-For).
  facts.clientAddressHeaders = /uvicorn/i.test(facts.workerClass ?? '') ? ['X-Forwarded-For'] : [];
  if (/uvicorn/i.test(facts.workerClass ?? ''))
    facts.notes?.push(
      'uvicorn worker: uvicorn ProxyHeadersMiddleware uses gunicorn forwarded_allow_ips for X-Forwarded-Proto and X-Forwarded-For',
    );
  const pp =
    parsed.flags.get('proxy_protocol') ??
    envParsed?.flags.get('proxy_protocol') ??
    (cfgGet('proxy_protocol')?.value === true ? true : undefined);
  if (pp) facts.notes?.push('proxy_protocol is on: the PROXY header from proxy_allow_ips peers sets the client address');
}

function boolEnv(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (['1', 'true', 't', 'yes', 'y', 'on'].includes(s)) return true;
  if (['0', 'false', 'f', 'no', 'n', 'off'].includes(s)) return false;
  return undefined;
}

function buildUvicorn(
  inv: FoundInvocation,
  parsed: ReturnType<typeof parseServerArgs>,
  ctx: LaunchContext,
  facts: AppServerFacts,
  finish: Finish,
  env: Record<string, Valued<string>>,
): void {
  const opt = (
    dest: string,
    envName: string,
  ): { value: string; origin: 'literal' | 'env'; ref?: SourceRef; envVar?: string } | undefined => {
    const v = parsed.values.get(dest)?.[0];
    if (v !== undefined) return { value: v, origin: 'literal', ref: ctx.ref };
    const e = envValue(ctx, inv, envName) ?? env[envName];
    if (e) return { value: e.value, origin: 'env', ref: e.ref, envVar: envName };
    return undefined;
  };
  const uds = opt('uds', 'UVICORN_UDS');
  const fd = opt('fd', 'UVICORN_FD');
  const host = opt('host', 'UVICORN_HOST');
  const port = opt('port', 'UVICORN_PORT');
  if (uds) finish([{ kind: 'unix', path: uds.value, exposure: 'unix' }], uds.ref);
  else if (fd) finish([{ kind: 'fd', path: fd.value, exposure: 'unknown' }], fd.ref);
  else {
    const h = host?.value ?? '127.0.0.1';
    const p = Number(port?.value ?? 8000);
    finish(
      [{ kind: 'tcp', host: h, port: Number.isInteger(p) ? p : undefined, exposure: exposureOf(h) }],
      host?.ref ?? port?.ref ?? ctx.ref,
    );
  }
  if (ssl(parsed, 'ssl_certfile')) facts.tls = true;
  // --proxy-headers/--no-proxy-headers, UVICORN_PROXY_HEADERS, default True
  const ph = parsed.flags.get('proxy_headers');
  const phEnv = envValue(ctx, inv, 'UVICORN_PROXY_HEADERS');
  if (ph !== undefined) facts.proxyHeaders = valued(ph, 'literal', ctx.ref);
  else if (phEnv && boolEnv(phEnv.value) !== undefined)
    facts.proxyHeaders = valued(boolEnv(phEnv.value) as boolean, 'env', phEnv.ref, { envVar: 'UVICORN_PROXY_HEADERS' });
  else facts.proxyHeaders = valued(true, 'default', undefined, { note: 'uvicorn --proxy-headers is on by default' });
  const ips = parsed.values.get('forwarded_allow_ips')?.[0];
  const ipsEnvU = envValue(ctx, inv, 'UVICORN_FORWARDED_ALLOW_IPS');
  const ipsEnv = envValue(ctx, inv, 'FORWARDED_ALLOW_IPS');
  if (ips !== undefined) facts.trustedProxies = valued(splitIps(ips), 'literal', ctx.ref);
  else if (ipsEnvU) facts.trustedProxies = envTrust(ipsEnvU, 'UVICORN_FORWARDED_ALLOW_IPS');
  else if (ipsEnv) facts.trustedProxies = envTrust(ipsEnv, 'FORWARDED_ALLOW_IPS');
  else
    facts.trustedProxies = valued(['127.0.0.1'], 'default', undefined, {
      envVar: 'FORWARDED_ALLOW_IPS',
      note: 'uvicorn default (FORWARDED_ALLOW_IPS unset): 127.0.0.1',
    });
  facts.schemeHeaders = facts.proxyHeaders.value
    ? valued({ 'X-Forwarded-Proto': '*' }, 'default', undefined, {
        note: 'uvicorn takes the scheme from X-Forwarded-Proto as sent',
      })
    : valued({}, 'default');
  facts.clientAddressHeaders = facts.proxyHeaders.value ? ['X-Forwarded-For'] : [];
}

function ssl(parsed: ReturnType<typeof parseServerArgs>, dest: string): boolean {
  return parsed.values.has(dest);
}

/**
 * `runserver [addr:]port` (Django's naiveip_re: an IPv4 address, a bracketed IPv6 one or a host name, then `:port`;
 * or a port alone). `0` is a name the resolver turns into 0.0.0.0 (Django 4.2+ prints it so). What the command line
 * leaves out is the command's `default_addr`/`default_addr_ipv6`/`default_port` (127.0.0.1, ::1, 8000 unless the
 * project changes them: `defaults`, collectors/deploy/runserver-defaults.ts); `from` names the lines that did, and a
 * default the files set to something only the run knows gives `unknown` (that line).
 */
export function runserverBind(
  addrport: string | undefined,
  ipv6: boolean,
  defaults: RunserverDefaults = {},
): { host: string; port: number; from?: SourceRef[] } | { unknown: SourceRef } | undefined {
  let addr: string | undefined;
  let portText: string | undefined;
  if (addrport !== undefined) {
    const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[a-fA-F0-9:]+\]|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*):)?(\d+)$/.exec(addrport);
    if (!m) return undefined;
    addr = m[1]?.replace(/^\[|\]$/g, '');
    portText = m[2];
  }
  const from: SourceRef[] = [];
  const fallback = (attr: RunserverAttr, django: string): string | { unknown: SourceRef } => {
    const d = defaults[attr];
    if (!d) return django;
    if (d.value === undefined) return { unknown: d.ref };
    from.push(d.ref);
    return d.value;
  };
  const host = addr ?? fallback(ipv6 ? 'default_addr_ipv6' : 'default_addr', ipv6 ? '::1' : '127.0.0.1');
  if (typeof host !== 'string') return host;
  const port = portText ?? fallback('default_port', '8000');
  if (typeof port !== 'string') return port;
  if (!/^\d+$/.test(port)) return undefined;
  return { host: host === '0' ? '0.0.0.0' : host, port: Number(port), ...(from.length > 0 ? { from } : {}) };
}

function buildRunserver(
  parsed: ReturnType<typeof parseServerArgs>,
  ctx: LaunchContext,
  facts: AppServerFacts,
  finish: Finish,
): void {
  const addrport = parsed.positionals[0];
  // No app target: the project is the one manage.py/--settings names (DJANGO_SETTINGS_MODULE).
  facts.appTarget = undefined;
  const settings = parsed.values.get('settings')?.[0];
  if (settings)
    facts.env.DJANGO_SETTINGS_MODULE = {
      value: settings,
      origin: 'env',
      envVar: 'DJANGO_SETTINGS_MODULE',
      ref: ctx.ref,
      note: 'runserver --settings',
    };
  if (ctx.runserverCommand)
    facts.notes?.push(
      `manage.py ${ctx.runserverCommand.name} is the project's own command subclassing runserver (${ctx.runserverCommand.refs.map((r) => `${r.file}:${r.line}`).join(', ')}): it serves HTTP as runserver does`,
    );
  const bind = runserverBind(addrport, parsed.flags.get('use_ipv6') === true, ctx.runserver);
  if (bind && 'host' in bind) {
    finish([{ kind: 'tcp', host: bind.host, port: bind.port, exposure: exposureOf(bind.host) }], ctx.ref);
    if (bind.from)
      facts.notes?.push(
        `runserver's default address is the project's: ${bind.from.map((r) => `${r.file}:${r.line}`).join(', ')} (Django's own is 127.0.0.1:8000)`,
      );
  } else {
    facts.binds.push({ kind: 'tcp', exposure: 'unknown', reach: 'unknown', ref: ctx.ref });
    facts.notes?.push(
      bind
        ? `runserver's default address is set at ${bind.unknown.file}:${bind.unknown.line} from a value the files do not show`
        : `runserver address ${addrport} is not a literal [addr:]port`,
    );
  }
  facts.notes?.push(
    "Django's development server: plain HTTP, no forwarded header read; every header reaches Django's META unchanged (names with an underscore dropped), so SECURE_PROXY_SSL_HEADER decides; Django's docs: not for production",
  );
}

function buildDaphne(
  parsed: ReturnType<typeof parseServerArgs>,
  ctx: LaunchContext,
  facts: AppServerFacts,
  finish: Finish,
): void {
  const host = parsed.values.get('host')?.[0];
  const port = parsed.values.get('port')?.[0];
  const unix = parsed.values.get('unix_socket')?.[0];
  const fd = parsed.values.get('file_descriptor')?.[0];
  const eps = parsed.values.get('socket_strings') ?? [];
  const raw: Array<Omit<BindAddress, 'exposure'> & { exposure: Exposure }> = [];
  if (!host && port === undefined && !unix && fd === undefined && eps.length === 0)
    raw.push({ kind: 'tcp', host: '127.0.0.1', port: 8000, exposure: 'loopback' });
  else if (host || port !== undefined) {
    const h = host ?? '127.0.0.1';
    raw.push({ kind: 'tcp', host: h, port: Number(port ?? 8000), exposure: exposureOf(h) });
  }
  if (unix) raw.push({ kind: 'unix', path: unix, exposure: 'unix' });
  if (fd !== undefined) raw.push({ kind: 'fd', path: fd, exposure: 'unknown' });
  for (const e of eps) {
    raw.push(parseTwistedEndpoint(e));
    if (/^ssl:/i.test(e)) facts.tls = true;
  }
  finish(raw, ctx.ref);
  const on = parsed.flags.get('proxy_headers') === true;
  facts.proxyHeaders = valued(
    on,
    on ? 'literal' : 'default',
    on ? ctx.ref : undefined,
    on ? {} : { note: 'daphne --proxy-headers is off by default' },
  );
  // daphne has no allow-list: with --proxy-headers it believes every peer.
  facts.trustedProxies = on
    ? valued(['*'], 'literal', ctx.ref, { note: 'daphne trusts forwarded headers from every peer when --proxy-headers is on' })
    : valued([], 'default');
  facts.schemeHeaders = on ? valued({ 'X-Forwarded-Proto': '*' }, 'literal', ctx.ref) : valued({}, 'default');
  facts.clientAddressHeaders = on
    ? [
        parsed.values.get('proxy_headers_host')?.[0] ?? 'X-Forwarded-For',
        parsed.values.get('proxy_headers_port')?.[0] ?? 'X-Forwarded-Port',
      ]
    : [];
}

function buildHypercorn(
  parsed: ReturnType<typeof parseServerArgs>,
  ctx: LaunchContext,
  facts: AppServerFacts,
  finish: Finish,
): void {
  const cfgPath = parsed.values.get('config')?.[0];
  const binds = [...(parsed.values.get('binds') ?? []), ...(parsed.values.get('insecure_binds') ?? [])];
  let cfgRefLine: SourceRef | undefined;
  if (cfgPath && /^python:/.test(cfgPath)) facts.notes?.push(`config ${cfgPath} is a Python module; not evaluated`);
  const cfg = cfgPath && !/^python:/.test(cfgPath) ? ctx.loadConfig?.(cfgPath.replace(/^file:/, ''), 'hypercorn') : undefined;
  if (cfg) {
    facts.configFiles.push(cfg.file);
    const b = cfg.scope.bindings.get('bind');
    if (b && binds.length === 0) {
      const v = toJs(b.value);
      binds.push(...(Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []));
      cfgRefLine = { file: b.file, line: b.line };
    }
  } else if (cfgPath && !/^python:/.test(cfgPath))
    facts.notes?.push(`config file ${cfgPath} is not among the linted files; its settings are unknown`);
  if (binds.length === 0) binds.push('127.0.0.1:8000');
  finish(
    binds.map((s) => parseBindSpec(s)),
    cfgRefLine ?? ctx.ref,
  );
  if (parsed.values.has('certfile')) facts.tls = true;
  facts.proxyHeaders = valued(false, 'default', undefined, {
    note: 'hypercorn itself ignores X-Forwarded-*; wrap the app in hypercorn.middleware.ProxyFixMiddleware (0.15+)',
  });
  facts.trustedProxies = valued([], 'default');
  facts.schemeHeaders = valued({}, 'default');
}
