/**
 * App servers and frameworks -> chain nodes. Reads AppServerFacts / FrameworkFacts (collectors
 * python, deploy, node) and attaches each framework to the app server that runs it.
 */
import { dirname } from 'node:path';
import { onlyProxiesBeside } from '../../facts/compose-network.js';
import { acceptsNetworks, composeSubnets } from '../../facts/trust-networks.js';
import type { AppServerFacts, BindAddress, Facts, FrameworkFacts, Valued as FValued, SourceRef } from '../../model/facts.js';
import { proxyAddrGeneration } from '../../model/proxy-addr.js';
import type { AppServer, Bind, Framework, Placement, Ref, TrustSpec, Valued } from '../model.js';

function ref(r: SourceRef | undefined, origin?: Ref['origin']): Ref | undefined {
  if (!r) return undefined;
  return { file: r.file, line: r.line, snippet: r.snippet, origin };
}

function valued<T, U>(v: FValued<T> | undefined, map: (x: T) => U, fallback: U): Valued<U> {
  if (!v) return { value: fallback, origin: 'unknown' };
  return {
    value: map(v.value),
    origin: v.origin,
    ref: ref(v.ref, v.origin === 'default' ? 'default' : v.origin === 'env' ? 'env' : 'literal'),
    envVar: v.envVar,
  };
}

function bindOf(b: BindAddress, placement: Placement): Bind | null {
  const r = ref(b.ref);
  if (b.kind === 'unix')
    return {
      address: { kind: 'unix', path: b.path ?? '' },
      exposure: 'unix',
      ref: r,
      ...(b.protocol ? { protocol: b.protocol } : {}),
    };
  if (b.kind === 'fd') return null;
  // An address computed at run time (listen(Number(port), host)) is unknown: never invented.
  if (b.port === undefined) return null;
  const host = b.host ?? '0.0.0.0';
  const port = b.port;
  const out: Bind = { address: { kind: 'tcp', host, port }, exposure: b.exposure, ref: r };
  if (b.protocol) out.protocol = b.protocol;
  if (b.published)
    out.published = {
      hostIp: b.published.hostIp,
      hostPort: b.published.hostPort,
      ref: ref(b.published.ref),
      ...(b.published.by ? { by: b.published.by } : {}),
    };
  if (b.reach === 'container-network' && placement.kind !== 'container') out.exposure = 'all-interfaces';
  return out;
}

function bindText(b: Bind): string {
  return b.address.kind === 'unix' ? `unix:${b.address.path}` : `${b.address.host}:${b.address.port}`;
}

export function appServerOf(facts: Facts, a: AppServerFacts, index: number): AppServer {
  let placement: Placement = { kind: 'host' };
  // A Procfile process name (`web`) is no host name on any network: only compose services (and the names other
  // launchers give) are linked by name.
  let service = a.launch.via === 'procfile' ? undefined : a.service;
  let composeFile: string | undefined;
  let hostNetwork: { service: string; ref: { file: string; line: number } } | undefined;
  for (const f of facts.compose?.files ?? []) {
    for (const s of f.services)
      if (s.appServers.includes(index)) {
        service = s.name;
        composeFile = f.file;
        hostNetwork = s.networkMode === 'host' ? { service: s.name, ref: s.ref } : undefined;
      }
  }
  // `network_mode: host`: the container has no network of its own, its ports are the host's (published without
  // `ports:`) and its 127.0.0.1 is the host's, so it is placed as a host process (the bind's reach says the same,
  // collectors/deploy/appserver.ts reachOf).
  if (!hostNetwork && (a.launch.via === 'compose' || a.launch.via === 'dockerfile' || a.binds.some((b) => b.container))) {
    placement = { kind: 'container', service: service ?? '(container)', ...(composeFile ? { composeFile } : {}) };
  }
  if (placement.kind === 'container' && a.launch.via !== 'compose') {
    // Quadlets are systemd units that run `podman run` (collectors/deploy); pods are Kubernetes'.
    const runtime =
      a.launch.via === 'k8s'
        ? 'kubernetes'
        : a.launch.via === 'systemd'
          ? 'podman'
          : a.launch.via === 'dockerfile' || a.launch.via === 'kamal'
            ? 'docker'
            : undefined;
    if (runtime) placement.runtime = runtime;
  }
  const binds = a.binds.map((b) => bindOf(b, placement)).filter((b): b is Bind => b !== null);
  const unknown = a.binds.filter((b) => b.kind === 'tcp' && b.port === undefined);
  const notes = [...(a.notes ?? [])];
  if (hostNetwork)
    notes.push(
      `runs in compose service ${hostNetwork.service} with network_mode: host (${hostNetwork.ref.file}:${hostNetwork.ref.line}): its ports are the host's, published without ports:`,
    );
  for (const b of unknown)
    notes.push(`listens on an address the files do not fix (${b.ref ? `${b.ref.file}:${b.ref.line}` : 'computed at run time'})`);
  const label = `${a.name ?? a.kind} ${binds.map(bindText).join(',') || '(bind unknown)'}`;
  const launchRef: Ref = { file: a.launch.file, line: a.launch.line, snippet: a.launch.snippet };
  const schemeHeaders = valued(
    a.schemeHeaders,
    (h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase().replace(/_/g, '-'), v])),
    {} as Record<string, string>,
  );
  const trusted = valued(a.trustedProxies, (x) => x, [] as string[]);
  if (!trusted.ref) trusted.ref = launchRef;
  return {
    type: 'app',
    id: `app:${index}`,
    kind: a.kind,
    ...(a.name ? { name: a.name } : {}),
    label,
    ref: launchRef,
    placement,
    service,
    ...(placement.kind === 'container' && onlyProxiesBeside(facts, index) ? { proxiesOnlyBeside: true } : {}),
    ...(placement.kind === 'container' && acceptsNetworks(a) ? subnetOf(facts, a) : {}),
    binds,
    proxyHeaders: valued(a.proxyHeaders, (x) => x, a.kind === 'gunicorn'),
    trusted,
    schemeHeaders,
    notes,
    unknownBind:
      unknown.length > 0
        ? unknown[0]?.ref
          ? { file: unknown[0].ref.file, line: unknown[0].ref.line, snippet: unknown[0].ref.snippet }
          : launchRef
        : undefined,
  };
}

function trustSpecOf(v: unknown): TrustSpec {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === 'true') return true;
    if (s === 'false' || s === '') return false;
    if (/^\d+$/.test(s)) return Number(s);
    return s.split(/\s*,\s*/);
  }
  if (Array.isArray(v)) return v.map(String);
  return false;
}

const FW_LABEL: Record<string, string> = {
  django: 'Django',
  flask: 'Flask',
  fastapi: 'FastAPI',
  starlette: 'Starlette',
  express: 'Express',
  fastify: 'Fastify',
  koa: 'Koa',
  tomcat: 'Tomcat',
  jetty: 'Jetty',
  phoenix: 'Phoenix',
};

/**
 * The redirect's setting as its line writes it, for messages: `config.force_ssl = true` -> `config.force_ssl`,
 * `app.UseHttpsRedirection();` -> `app.UseHttpsRedirection()`, `force_ssl: [...]` -> `force_ssl`.
 */
function redirectSettingOf(snippet: string | undefined): string | undefined {
  const t = snippet?.trim().replace(/;$/, '');
  if (!t) return undefined;
  const call = /^([\w.$>-]+?)\s*\(/.exec(t);
  if (call) return `${call[1]}()`;
  const key = /^([\w.$:>-]+?)\s*(?:=>|=|:(?!:))/.exec(t);
  return (key?.[1] ?? t).slice(0, 60);
}

export function frameworkOf(f: FrameworkFacts): Framework {
  // NestJS on its default Express platform is an Express app (NestExpressApplication.set forwards to Express's
  // `app.set`, so 'trust proxy' decides req.protocol exactly as in Express); on Fastify it is a Fastify app
  // (@nestjs/platform-fastify's FastifyAdapter hands its options, `trustProxy` among them, to `fastify()`).
  const nestPlatform = f.kind === 'nestjs' ? (f.settings.platform?.value ?? 'express') : undefined;
  const kind = (
    nestPlatform === 'express' || nestPlatform === 'fastify'
      ? nestPlatform
      : ['django', 'flask', 'fastapi', 'starlette', 'express', 'fastify', 'koa'].includes(f.kind)
        ? f.kind
        : 'other'
  ) as Framework['kind'];
  const fw: Framework = { kind, label: FW_LABEL[f.kind] ?? f.kind, ref: { file: f.file, line: 0 }, version: f.assumedVersion };
  if (f.schemeHeader) fw.schemeHeader = valued(f.schemeHeader, (x) => x, null);
  if (f.useForwardedHost) fw.useForwardedHost = valued(f.useForwardedHost, Boolean, false);
  if (f.useForwardedPort) fw.useForwardedPort = valued(f.useForwardedPort, Boolean, false);
  if (f.sslRedirect) fw.sslRedirect = valued(f.sslRedirect, Boolean, false);
  if (f.kind === 'django') fw.sslRedirectSetting = 'SECURE_SSL_REDIRECT';
  if (nestPlatform === 'fastify') fw.trustProxyCall = 'new FastifyAdapter';
  if (f.trustProxy) fw.trustProxy = valued(f.trustProxy, trustSpecOf, false);
  else if (kind === 'express' || kind === 'fastify' || kind === 'koa') fw.trustProxy = { value: false, origin: 'default' };
  const pinned = f.settings['proxy-addr installed']?.value;
  const generation = Array.isArray(pinned) ? proxyAddrGeneration(pinned.map(String)) : undefined;
  if (generation) fw.proxyAddr = generation;
  if (f.requestReads) fw.requestReads = f.requestReads;
  if (f.deployBlock) fw.deployBlock = { ref: f.deployBlock.ref, test: f.deployBlock.test };
  const lib = f.settings['@proxyproof/forwarded'];
  if (lib) {
    const trust = f.settings['@proxyproof/forwarded.trust'];
    // null / 'unknown': the option is not a literal the collector could read.
    const list = trust && trust.value !== null && trust.origin !== 'unknown' ? trustSpecOf(trust.value) : undefined;
    fw.forwardedLib = {
      name: String(lib.value),
      trust: list === undefined ? undefined : Array.isArray(list) ? list : list === true ? ['*'] : [],
      ref: ref(lib.ref) ?? fw.ref,
    };
  }
  if (f.appEnd) {
    const a = f.appEnd;
    fw.label = a.name;
    fw.ref = { file: a.ref.file, line: a.ref.line, snippet: a.ref.snippet };
    fw.appEnd = {
      name: a.name,
      schemeHeaders: a.schemeHeaders,
      clientHeaders: a.clientHeaders,
      trustScheme: valued(a.trustScheme, (x) => x, [] as string[]),
      trustClient: valued(a.trustClient, (x) => x, [] as string[]),
    };
    if (a.assumeHttps)
      fw.appEnd.assumeHttps = {
        ...valued(a.assumeHttps, Boolean, false),
        ...(a.assumeHttps.note ? { note: a.assumeHttps.note } : {}),
      };
    if (a.assumeHttp) fw.appEnd.assumeHttp = valued(a.assumeHttp, Boolean, false);
    if (a.serverHttpsFirst) fw.appEnd.serverHttpsFirst = true;
    if (a.schemeWhenAbsent) fw.appEnd.schemeWhenAbsent = a.schemeWhenAbsent;
    if (a.clientFromRight !== undefined) fw.appEnd.clientFromRight = a.clientFromRight;
    if (a.clientShortKeepsPeer) fw.appEnd.clientShortKeepsPeer = true;
    if (a.forwardedOnlyWith) fw.appEnd.forwardedOnlyWith = a.forwardedOnlyWith;
    if (a.redirectExempt) fw.appEnd.redirectExempt = a.redirectExempt.value;
    if (a.hostHeaders) fw.appEnd.hostHeaders = a.hostHeaders;
    if (a.clientPlatformHeader)
      fw.appEnd.clientPlatformHeader = {
        header: a.clientPlatformHeader.header,
        ref: {
          file: a.clientPlatformHeader.ref.file,
          line: a.clientPlatformHeader.ref.line,
          snippet: a.clientPlatformHeader.ref.snippet,
        },
      };
    if (a.schemeHeadersRef)
      fw.appEnd.schemeHeadersRef = {
        file: a.schemeHeadersRef.file,
        line: a.schemeHeadersRef.line,
        snippet: a.schemeHeadersRef.snippet,
      };
    if (a.hostAllowList) fw.appEnd.hostAllowList = valued(a.hostAllowList, (x) => x, [] as string[]);
    if (a.sslRedirect) fw.sslRedirect = valued(a.sslRedirect, Boolean, false);
    if (a.serverHttps) fw.appEnd.serverHttps = a.serverHttps;
    if (a.insertBefore)
      fw.appEnd.insertBefore = { file: a.insertBefore.file, line: a.insertBefore.line, snippet: a.insertBefore.snippet };
    fw.sslRedirectSetting = a.sslRedirectSetting ?? redirectSettingOf(a.sslRedirect?.ref?.snippet);
    if (a.sslRedirectPaths) fw.sslRedirectPaths = a.sslRedirectPaths;
  }
  if (f.hopCounts) {
    fw.proxyFix = valued(
      f.hopCounts,
      (h) => ({ x_for: h.x_for ?? 0, x_proto: h.x_proto ?? 0, x_host: h.x_host ?? 0, x_port: h.x_port ?? 0 }),
      { x_for: 0, x_proto: 0, x_host: 0, x_port: 0 },
    );
  }
  return fw;
}

/** Dotted module -> first segment (`mysite.settings` -> `mysite`). */
function pkg(mod: string | undefined): string | undefined {
  return mod?.split(/[.:]/)[0];
}

/**
 * Attaches frameworks to app servers: Django by DJANGO_SETTINGS_MODULE / the WSGI module's
 * package; otherwise by the app target's module or by folder; a single framework goes to the
 * single app server. Returns frameworks nobody runs.
 */
export function attachFrameworks(apps: AppServer[], appFacts: AppServerFacts[], fws: FrameworkFacts[]): FrameworkFacts[] {
  const orphans: FrameworkFacts[] = [];
  const used = new Set<number>();
  const attached = new Map<number, string | undefined>();
  const score = (fw: FrameworkFacts, i: number): number => {
    const a = appFacts[i];
    if (!a) return 0;
    const app = apps[i] as AppServer;
    // A Next.js app end (collectors/node/next.ts) runs on its `next start` server; Auth.js facts alone do not.
    const nodeFw =
      ['express', 'fastify', 'koa', 'nestjs', 'sveltekit', 'hono'].includes(fw.kind) ||
      (fw.kind === 'nextjs' && fw.appEnd !== undefined);
    if (nodeFw !== (a.kind === 'node')) return 0;
    // A Go framework (collectors/golang) runs in the Go binary's own net/http server, and only there.
    if (['gin', 'echo', 'chi'].includes(fw.kind) !== (a.kind === 'other' && a.name === 'go')) return 0;
    let s = 1;
    const dsm = a.env.DJANGO_SETTINGS_MODULE?.value;
    if (fw.kind === 'django' && dsm && fw.module && dsm === fw.module) s += 10;
    if (pkg(a.appTarget) && pkg(a.appTarget) === pkg(fw.module)) s += 5;
    if (pkg(a.appTarget) && fw.file.includes(`${pkg(a.appTarget)}/`)) s += 3;
    if (dirname(fw.file) === dirname(a.launch.file)) s += 2;
    if (app.framework) s -= 1;
    return s;
  };
  for (const fw of fws) {
    let best = -1;
    let bestScore = 0;
    apps.forEach((_a, i) => {
      const s = score(fw, i);
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    });
    const app = apps[best];
    if (!app) {
      orphans.push(fw);
      continue;
    }
    if (app.framework && used.has(best)) {
      // Split settings (base + production) resolve to one framework: keep the one the server names.
      if (fw.kind === 'django' && appFacts[best]?.env.DJANGO_SETTINGS_MODULE?.value === fw.module)
        app.framework = frameworkOf(fw);
      // Profiles (Spring's application-dev.properties beside application.properties): the server's own one wins.
      else if (fw.module !== undefined && appFacts[best]?.appTarget === fw.module && attached.get(best) !== fw.module) {
        app.framework = frameworkOf(fw);
        attached.set(best, fw.module);
      }
      continue;
    }
    used.add(best);
    attached.set(best, fw.module);
    app.framework = frameworkOf(fw);
    app.label = `${app.label}`;
    // One project run by several launches (a dev compose `command:` and the image's own CMD deployed
    // elsewhere): every other server whose app target is in this framework's package runs it too.
    const runs = (target: string | undefined): boolean => {
      const p = pkg(target);
      return Boolean(p && (p === pkg(fw.module) || fw.file.includes(`${p}/`)));
    };
    // The same Node app target (`express app \`app\` (server.js:3)`, built into two compose services `web` and
    // `api`) is the same code: each of its servers runs this framework.
    const bestTarget = appFacts[best]?.appTarget;
    const runsToo = (i: number): boolean => {
      const target = appFacts[i]?.appTarget;
      if (runs(bestTarget) && pkg(target) === pkg(bestTarget)) return true;
      return appFacts[i]?.kind === 'node' && target !== undefined && target === bestTarget;
    };
    apps.forEach((other, i) => {
      if (i === best || other.framework || score(fw, i) === 0 || !runsToo(i)) return;
      used.add(i);
      attached.set(i, fw.module);
      other.framework = frameworkOf(fw);
    });
  }
  return orphans;
}

/** The compose `ipam` subnets a trust list names for the server (only looked up for a server that accepts networks). */
function subnetOf(facts: Facts, a: AppServerFacts): { trustNetwork?: { cidr: string; why: string } } {
  const n = composeSubnets(facts, a);
  return n ? { trustNetwork: { cidr: n.text, why: n.why } } : {};
}
