/**
 * Shared reasoning for the Node framework checks (express/, fastify/, koa/, sveltekit/): which app server a
 * framework runs in, which reverse proxy reaches it and from where, and the fix snippets (the framework's own
 * setting, and @proxyproof/forwarded where a strict per-address policy fits).
 */

import { nginxModel } from '../../facts/nginx/index.js';
import type { AppServerFacts, BindAddress, Facts, FrameworkFacts, SourceRef } from '../../model/facts.js';
import type { Evidence } from '../../model/finding.js';
import { PLATFORM_FRONTS as PLATFORMS } from '../../model/proxy.js';
import { type FrontRoute, frontRoutesOf, leakyRoutes } from '../app/front-routes.js';
import { ev, httpsEvidence, type ProxyPeer, proxyPeers } from '../appserver/context.js';
import type { CookieReach } from '../appserver/hsts-cover.js';
import { tlsFrontEvidence } from '../appserver/tls-front.js';

export const NODE_REFS = {
  expressBehindProxies: 'https://expressjs.com/en/guide/behind-proxies.html',
  expressTrustProxy: 'https://expressjs.com/en/4x/api.html#trust.proxy.options.table',
  proxyAddr: 'https://github.com/jshttp/proxy-addr#proxyaddrreq-trust',
  fastifyTrustProxy: 'https://fastify.dev/docs/latest/Reference/Server/#trustproxy',
  fastifyRequest: 'https://github.com/fastify/fastify/blob/v4.29.1/lib/request.js',
  koaProxy: 'https://github.com/koajs/koa/blob/master/docs/api/index.md#settings',
  koaRequest: 'https://github.com/koajs/koa/blob/master/lib/request.js',
  nestExpress: 'https://docs.nestjs.com/security/rate-limiting#proxies',
  svelteKitAdapterNode: 'https://svelte.dev/docs/kit/adapter-node#Environment-variables',
  forwarded: 'https://www.npmjs.com/package/@proxyproof/forwarded',
};

/** Frameworks of the given kinds; NestJS counts as Express or Fastify by its platform. */
export function frameworksOf(facts: Facts, family: 'express' | 'fastify' | 'koa' | 'sveltekit'): FrameworkFacts[] {
  return facts.frameworks.filter((f) => {
    if (f.kind === family) return true;
    if (f.kind === 'nestjs') return (f.settings.platform?.value ?? 'express') === family;
    return false;
  });
}

/**
 * Every node app server started by this framework's listen() call(s): one per container when a package is built
 * into several compose services (each with its own environment, published ports and proxy).
 */
export function serversOf(facts: Facts, fw: FrameworkFacts): AppServerFacts[] {
  return facts.appServers.filter(
    (s) => s.kind === 'node' && s.appTarget !== undefined && s.appTarget.includes(`\`${fw.module}\` (${fw.file}:`),
  );
}

/** The first of them, if the collector saw one. */
export function serverOf(facts: Facts, fw: FrameworkFacts): AppServerFacts | undefined {
  return serversOf(facts, fw)[0];
}

export function usesForwardedLib(fw: FrameworkFacts): SourceRef | undefined {
  return fw.settings['@proxyproof/forwarded']?.ref;
}

export function trustClass(fw: FrameworkFacts): string {
  return String(fw.settings.trustClass?.value ?? 'none');
}

export interface ProxyContext {
  /** Proxies the linted files point at this app (nginx proxy_pass to its port, a proxy container next to it). */
  peers: ProxyPeer[];
  /** No listen() seen, but a reverse proxy is configured in the linted files. */
  weak?: Evidence;
  /** A bind any machine can reach (0.0.0.0/:: on a host, a port published on all interfaces). */
  open?: BindAddress;
  /** The server the peers reach (the first with a peer), else the first server. */
  server?: AppServerFacts;
  /** Every server of the framework's package (several compose services may run it). */
  servers: AppServerFacts[];
  /** Proxy layers the files show in front of the app (1 when one is found), undefined when unknown. */
  chainLength?: number;
  https?: Evidence;
  /**
   * A platform or route in front (Fly.io, Heroku, an OpenShift Route...) when no proxy config of ours is seen,
   * with the number of X-Forwarded-For entries it writes from its own side (the hop count to trust).
   */
  front?: { what: string; evidence: Evidence; hops: number; platform: boolean };
  /**
   * When no proxy is linked to the app: the proxy routes of the tree that may be its way in, with what a client's
   * forged headers become through each (checks/app/front-routes.ts).
   */
  routes?: FrontRoute[];
}

/**
 * X-Forwarded-For entries a front writes on its side of the client: Fly.io's proxy appends the client AND the
 * app's own shared/dedicated IP ("the last address in this list will be a shared or dedicated IP address assigned
 * to your app", https://fly.io/docs/networking/request-headers/#x-forwarded-for), so Express/Fastify need 2;
 * a router that appends only the client (Heroku, an OpenShift/ingress router) needs 1.
 */
export const FRONT_XFF_HOPS: Partial<Record<string, number>> = { fly: 2 };
/** Platforms that run the app where only their router can reach its port from the internet. */

function frontOf(facts: Facts, fw: FrameworkFacts): ProxyContext['front'] {
  const f = (facts.fronts ?? []).find((x) => x.terminatesTls && x.name !== 'none');
  if (f) {
    const e = f.evidence[0];
    return {
      what: f.why,
      evidence: e ? { file: e.file, line: e.line, snippet: e.snippet, note: `${f.why}` } : { file: '', line: 0, note: f.why },
      hops: FRONT_XFF_HOPS[f.name] ?? 1,
      platform: PLATFORMS.has(f.name),
    };
  }
  const k = fw.settings['front (kubernetes)'];
  if (k?.ref) return { what: String(k.value), evidence: ev(k.ref, String(k.value)), hops: 1, platform: false };
  return undefined;
}

function anyProxyConfig(facts: Facts): Evidence | undefined {
  try {
    if (facts.nginx && facts.nginx.configs.length > 0) {
      const m = nginxModel(facts);
      for (const s of m.servers)
        for (const sc of s.scopes)
          if (sc.pass && sc.pass.kind === 'proxy')
            return {
              file: sc.pass.ref.file,
              line: sc.pass.ref.line,
              snippet: sc.pass.ref.text,
              note: 'a reverse proxy is configured here',
            };
    }
  } catch {
    // no nginx model: fall through
  }
  for (const cf of facts.compose?.files ?? [])
    for (const s of cf.services) if (s.role === 'proxy') return ev(s.ref, 'a reverse-proxy container');
  return undefined;
}

export function proxyContext(facts: Facts, fw: FrameworkFacts): ProxyContext {
  const servers = serversOf(facts, fw);
  // Every server's proxies: a package run by two services may be proxied in one and published in the other.
  const peersOf = servers.map((s) => proxyPeers(facts, s));
  const seen = new Set<string>();
  const peers = peersOf.flat().filter((p) => {
    const key = `${p.place}|${p.what}|${p.evidence.file}:${p.evidence.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const server = servers[peersOf.findIndex((p) => p.length > 0)] ?? servers[0];
  const ctx: ProxyContext = { peers, servers };
  if (server) ctx.server = server;
  if (peers.length === 0 && !server) {
    const w = anyProxyConfig(facts);
    if (w) ctx.weak = w;
  }
  const front = peers.length === 0 ? frontOf(facts, fw) : undefined;
  if (front) {
    ctx.front = front;
    ctx.weak ??= front.evidence;
  }
  const open = servers.flatMap((s) => s.binds).find((b) => b.reach === 'network');
  // On a platform the app's port is reached from the internet only through the platform's router.
  if (open && !front?.platform) ctx.open = open;
  if (peers.length === 0 && !front) {
    const routes = frontRoutesOf(facts, fw.file);
    if (routes.length > 0) ctx.routes = routes;
  }
  if (peers.length > 0) ctx.chainLength = 1;
  else if (front) ctx.chainLength = front.hops;
  const h = httpsEvidence(facts);
  if (h) ctx.https = h;
  return ctx;
}

/**
 * Where a front of this deployment serves HTTPS, whatever proxy it is: nginx's `ssl` listeners, a proxy container
 * publishing 443 or Django's HTTPS-only settings (appserver/context.ts httpsEvidence), a TLS-ending cloud/PaaS front
 * (`Facts.fronts`, the platform that builds the app's image), then every entry of the chain — a Caddy site with a
 * domain name, a HAProxy `bind ... ssl`, an Apache `*:443` vhost, a Traefik websecure entrypoint, an Ingress `tls:`,
 * a declared or inferred TLS load balancer, the doctor's `--url https://` or `--behind-tls-lb`. Undefined when no
 * front in the files ends TLS: then the scheme the app sees is http because the site is http, and a lost
 * X-Forwarded-Proto changes nothing a browser sees (only the client address is the proxy's).
 */
export function tlsInFront(facts: Facts, ctx: ProxyContext): Evidence | undefined {
  return ctx.https ?? tlsFrontEvidence(facts, ctx.server?.platform);
}

export function describePeer(p: ProxyPeer): string {
  return p.what;
}

export function remotePeer(ctx: ProxyContext): ProxyPeer | undefined {
  return ctx.peers.find((p) => p.place === 'other-container' || p.place === 'other-host');
}

/**
 * The trust entry to recommend: loopback for a same-host proxy, a placeholder to fill for a remote one — and for
 * no proxy in the files at all: where it runs is unknown, so its address is asked for (`fix --proxy-address`), never
 * guessed as loopback — unless the app listens on loopback only, where only a proxy on this host can reach it.
 */
export function recommendedTrust(ctx: ProxyContext): string {
  if (ctx.peers.length === 0) {
    // Only loopback binds: whatever proxies to it runs on this host and connects from loopback.
    const binds = ctx.servers.flatMap((s) => s.binds);
    const local = binds.length > 0 && binds.every((b) => b.exposure === 'loopback' && !b.published);
    return local ? 'loopback' : '<proxy IP>';
  }
  const remote = remotePeer(ctx);
  if (!remote) return ctx.peers.some((p) => p.place === 'unix') ? 'unix' : 'loopback';
  return remote.place === 'other-container' ? '172.16.0.0/12' : '<proxy IP>';
}

export function bindText(b: BindAddress): string {
  if (b.kind === 'unix') return `unix:${b.path ?? ''}`;
  const host = b.host === undefined ? '*' : b.host.includes(':') ? `[${b.host}]` : b.host;
  return b.published
    ? `${host}:${b.port ?? '?'} (published on ${b.published.hostIp}:${b.published.hostPort})`
    : `${host}:${b.port ?? '?'}`;
}

/** Code for the fix: the library's middleware for the framework, with the recommended policy. */
export function forwardedSnippet(framework: 'express' | 'fastify' | 'koa', trust: string): string[] {
  const policy = `{ trust: ['${trust}'] }`;
  if (framework === 'express') {
    return [
      `import { absoluteUrl, expressForwarded } from '@proxyproof/forwarded';`,
      `app.use(expressForwarded(${policy})); // req.forwarded: scheme, host, clientAddress`,
      `// links and redirects: absoluteUrl(req, '/path') -> https://your.site/path`,
    ];
  }
  if (framework === 'fastify') {
    return [
      `import { absoluteUrl, fastifyForwarded } from '@proxyproof/forwarded';`,
      `await app.register(fastifyForwarded, ${policy}); // request.forwarded`,
      `// links and redirects: absoluteUrl(request, '/path')`,
    ];
  }
  return [
    `import { absoluteUrl, koaForwarded } from '@proxyproof/forwarded';`,
    `app.use(koaForwarded(${policy})); // ctx.state.forwarded`,
    `// links and redirects: absoluteUrl(ctx, '/path')`,
  ];
}

export function evidenceOf(ref: SourceRef | undefined, note: string): Evidence {
  return ev(ref, note);
}

/**
 * Where the app's own code reads the host and the scheme its trust setting decides (collectors/node/request-reads.ts,
 * as the chain uses them): with every peer trusted, those reads get whatever a client wrote in X-Forwarded-Host/-Proto
 * wherever it can send them (the port reachable without the proxy, or a proxy that passes the client's own header on:
 * `forged`). The first read of each, as evidence; none when the app's files read neither (or were not read).
 */
export function forgedReadsEvidence(fw: FrameworkFacts, forged = { host: true, scheme: true }): Evidence[] {
  const host = forged.host ? fw.requestReads?.host.find((r) => r.via === 'trust') : undefined;
  const scheme = forged.scheme ? fw.requestReads?.scheme.find((r) => r.via === 'trust') : undefined;
  if (host && scheme && host.ref.file === scheme.ref.file && host.ref.line === scheme.ref.line)
    return [
      ev(
        host.ref,
        `the app reads the host and scheme here (${host.what === scheme.what ? host.what : `${host.what}, ${scheme.what}`}): a client's own X-Forwarded-Host/-Proto`,
      ),
    ];
  const out: Evidence[] = [];
  if (host) out.push(ev(host.ref, `the app reads the host here (${host.what}): a client's own X-Forwarded-Host`));
  if (scheme) out.push(ev(scheme.ref, `the app reads the scheme here (${scheme.what}): a client's own X-Forwarded-Proto`));
  return out;
}

/**
 * What a client can forge past the proxies in front: all of it where it reaches the app directly (`direct`) or no
 * proxy route of the tree leads there; else what those routes pass on (a host or scheme header they do not set).
 */
export function forgeable(
  facts: Facts,
  fw: FrameworkFacts,
  ctx: ProxyContext,
  direct: boolean,
): { host: boolean; scheme: boolean } {
  const routes = direct ? [] : (ctx.routes ?? frontRoutesOf(facts, fw.file));
  if (routes.length === 0) return { host: true, scheme: true };
  const leaky = leakyRoutes(routes);
  return { host: leaky.some((r) => r.forged.host), scheme: leaky.some((r) => r.forged.scheme) };
}

/**
 * The session cookie's lifetime and Domain (for hsts-cover.ts) from the middleware's options: `maxAge` is milliseconds
 * in express-session, koa-session and cookie-session; unwritten, express-session and cookie-session set a cookie that
 * ends with the browser, koa-session one of a day (its default maxAge 86400000); koa-session's `maxAge: 'session'`
 * ends with the browser too. A value the files do not give is 'unknown' (then HSTS is never counted).
 */
export function sessionCookieReach(fw: FrameworkFacts): CookieReach {
  const lib = String(fw.settings.session?.value ?? '');
  const age = fw.settings['session.maxAge'];
  const domain = fw.settings['session.domain'];
  const literal = (v: typeof age) => (v && v.origin === 'literal' ? v.value : 'unknown');
  const a = age ? literal(age) : undefined;
  const lifetime: CookieReach['lifetime'] =
    a === undefined
      ? lib === 'koa-session'
        ? 86_400
        : 'session'
      : a === 'session'
        ? 'session'
        : typeof a === 'number' && a >= 0
          ? Math.ceil(a / 1000)
          : 'unknown';
  const d = domain ? literal(domain) : undefined;
  return {
    name: 'the session cookie',
    lifetime,
    ...(d === undefined || d === null ? {} : { domain: typeof d === 'string' ? d : 'unknown' }),
  };
}
