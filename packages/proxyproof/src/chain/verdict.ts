/**
 * The verdict: per route, what the app believes and where the truth was lost; per reachable
 * backend and per entry, whether forged headers are believed and from where.
 */

import { PLATFORM_FRONTS } from '../model/proxy.js';
import { isLoopbackHost } from './addr.js';
import { genericAppEnd } from './generic-app.js';
import type { AppServer, Entry, Peer, ProxyRoute, Ref, Scheme, Topology } from './model.js';
import { appById, linkFrom, proxyById, refText, runtimeNetwork } from './model.js';
import {
  BROWSER_IP,
  FORGED,
  finalStep,
  forgedHeaders,
  pickRoute,
  type Redirect,
  type Step,
  simulateBrowser,
  simulateDirect,
  type Trace,
} from './simulate.js';

export interface LostAt {
  /** Index in trace.steps (0 is the browser). */
  step: number;
  label: string;
  reason: string;
  ref?: Ref;
  /** Where the hop's trust of its peer is written, when it ignored the peer's X-Forwarded-Proto (Step.distrustRef). */
  trustRef?: Ref;
}

export interface SchemeVerdict {
  /**
   * `delivered`: the route ends at a generic HTTP app hop (an app the chain could not link) and https arrives there
   * in `arrives.header`: the proxies are right, and the app believes it if it trusts that header from the last proxy.
   * `unknown` only when the proxy hops themselves are not known (the chain could not be followed, or the last proxy
   * conveys a scheme the tool cannot tell).
   */
  status: 'correct' | 'lost' | 'delivered' | 'unknown';
  expected: Scheme;
  believed: Scheme | 'unknown';
  lostAt?: LostAt;
  /** The app server at `lostAt` answers https requests with this error status itself (Step.refused): no page. */
  refused?: number;
  /**
   * The route ends at an app the chain could not link (chain/generic-app.ts): what the last proxy tells whatever
   * listens there. Scheme-less or http there makes the route `lost` at that proxy (an app behind it builds http://
   * URLs unless it reads another header); https there makes it `delivered` (the app decides).
   */
  arrives?: { scheme: 'https' | 'http' | 'absent'; header: string; step: number };
  /** `unknown` on a followed chain: the first hop whose scheme the model cannot tell (a template placeholder). */
  unknownAt?: LostAt;
}

export interface HostVerdict {
  status: 'correct' | 'lost' | 'unknown';
  expected: string;
  believed: string | undefined;
  lostAt?: LostAt;
}

export type SpoofWhat = 'scheme' | 'host' | 'client';

export interface Spoof {
  /** Who can send it: `anyone, through nginx :80`, `any host that can reach 0.0.0.0:8000`. */
  from: string;
  /**
   * `internet`: anyone (through a public proxy listener); `network`: any host that can route to the
   * machine (0.0.0.0, a port published on all interfaces); `subnet`: hosts on the network of a
   * specific bind address; `compose-network`: other containers on the compose network.
   */
  reach: 'internet' | 'network' | 'subnet' | 'compose-network';
  via: 'direct' | 'proxy';
  what: SpoofWhat[];
  /** The line that lets it in (bind, trust list, passthrough). */
  ref?: Ref;
  trace: Trace;
  /**
   * Through a load balancer the tree does not show but the files imply (`LoadBalancer.origin: 'inferred'`): its
   * label. What it does with a client's X-Forwarded-Host or X-Forwarded-For is the simulator's assumption (an ALB
   * passes the host on), not a fact of the deployment.
   */
  assumedFront?: string;
}

export interface RouteVerdict {
  id: string;
  url: string;
  entryId: string;
  hopId: string;
  routeId: string;
  route: string;
  trace: Trace;
  complete: boolean;
  scheme: SchemeVerdict;
  host: HostVerdict;
  client: { believed: string | undefined; expected: string; correct: boolean };
  redirect?: Redirect;
  spoofable: Spoof[];
}

export interface BackendVerdict {
  appId: string;
  label: string;
  bind: string;
  /** The index of this bind in the app's `binds`. */
  bindIndex: number;
  exposure: string;
  reachableFrom: string | null;
  reach: Spoof['reach'] | null;
  ref?: Ref;
  spoof?: Spoof;
  /** The app port is public while a proxy is meant to sit in front. */
  bypassesProxy: boolean;
}

export interface ChainVerdict {
  routes: RouteVerdict[];
  backends: BackendVerdict[];
  /** Spoofs through plain-HTTP entries (not tied to a browser route). */
  entrySpoofs: Spoof[];
}

function knowledge(s: Step): Scheme | 'absent' | 'unknown' {
  if (s.kind === 'proxy' || s.kind === 'lb') return s.conveys?.scheme ?? 'unknown';
  return s.scheme;
}

function reasonOf(s: Step): { reason: string; ref?: Ref } {
  if (s.kind === 'proxy' || s.kind === 'lb') return { reason: s.conveys?.why ?? 'unknown', ref: s.conveys?.ref };
  return { reason: s.schemeWhy, ref: s.schemeRef };
}

export function schemeVerdict(t: Trace, expected: Scheme): SchemeVerdict {
  const last = finalStep(t);
  if (!t.complete || !last) {
    const end = t.unresolved ? genericAppEnd(t, expected) : undefined;
    if (!end) return { status: 'unknown', expected, believed: 'unknown' };
    const arrives = { scheme: end.scheme as 'https' | 'http' | 'absent', header: end.header, step: end.step };
    // The generic HTTP app hop (issue 12 "Unknown ends"): the proxies are known, so the verdict says what arrives.
    // https there: the proxies did their part, the app's trust decides (`delivered`, not `correct`).
    if (end.scheme === 'https') return { status: 'delivered', expected, believed: 'unknown', arrives };
    // An https request with X-Forwarded-Proto: http, or no scheme header at all, over plain HTTP: an app there builds
    // http:// URLs whatever it trusts, unless it reads another header (X-Scheme, Front-End-Https) the proxy did not
    // set either (conveys.header names the one the proxy does set).
    if (!end.lost) return { status: 'unknown', expected, believed: 'unknown', arrives };
    return {
      status: 'lost',
      expected,
      believed: 'http',
      lostAt: {
        step: end.step,
        label: end.label,
        reason:
          end.scheme === 'absent'
            ? `it sends no ${end.header} to the backend (the app there is not linked)`
            : `it sends ${end.header}: http to the backend (the app there is not linked)`,
        ref: end.ref,
      },
      arrives,
    };
  }
  const believed = last.scheme;
  if (believed === expected) return { status: 'correct', expected, believed };
  if (believed === 'unknown') {
    const i = t.steps.findIndex((s, n) => n > 0 && s.kind !== 'lb' && !s.passive && knowledge(s) === 'unknown');
    const s = t.steps[i];
    if (!s) return { status: 'unknown', expected, believed };
    const { reason, ref } = reasonOf(s);
    return { status: 'unknown', expected, believed, unknownAt: { step: i, label: s.label, reason, ref } };
  }
  // The app's own setting fixed the scheme: what the proxies sent before it changes nothing.
  if (last.schemeOwnSetting) {
    const { reason, ref } = reasonOf(last);
    return { status: 'lost', expected, believed, lostAt: { step: t.steps.indexOf(last), label: last.label, reason, ref } };
  }
  for (let i = 1; i < t.steps.length; i++) {
    const s = t.steps[i] as Step;
    if (s.kind === 'lb' || s.passive) continue;
    const k = knowledge(s);
    if (k !== expected) {
      const { reason, ref } = reasonOf(s);
      return {
        status: 'lost',
        expected,
        believed,
        lostAt: { step: i, label: s.label, reason, ref, ...(s.distrustRef ? { trustRef: s.distrustRef } : {}) },
        ...(s.refused ? { refused: s.refused.status } : {}),
      };
    }
  }
  return { status: 'lost', expected, believed };
}

function hostVerdict(t: Trace, expected: string): HostVerdict {
  const last = finalStep(t);
  if (!t.complete || !last) return { status: 'unknown', expected, believed: undefined };
  const believed = last.host;
  if (believed === expected) return { status: 'correct', expected, believed };
  for (let i = 1; i < t.steps.length; i++) {
    const s = t.steps[i] as Step;
    if (s.kind !== 'proxy') continue;
    const sent = s.sent ?? {};
    if (sent.host !== expected && sent['x-forwarded-host'] !== expected) {
      return {
        status: 'lost',
        expected,
        believed,
        lostAt: {
          step: i,
          label: s.label,
          reason: `sends Host: ${sent.host ?? '(none)'} (${s.conveysHost?.why ?? ''})`,
          ref: s.conveysHost?.ref,
        },
      };
    }
  }
  const idx = t.steps.length - 1;
  return {
    status: 'lost',
    expected,
    believed,
    lostAt: { step: idx, label: last.label, reason: `${last.hostWhy ?? 'Host'}: ${believed}`, ref: last.hostRef },
  };
}

export function spoofedWhat(t: Trace): SpoofWhat[] {
  const last = finalStep(t);
  // A request a proxy answers with a redirect never reaches the app: nothing forged is believed there.
  if (!t.complete || !last || last.kind === 'proxy') return [];
  const out: SpoofWhat[] = [];
  // A scheme an assume-https setting fixes is https for every request, forged or not: not a spoof.
  if (last.scheme === 'https' && !last.schemeAssumed) out.push('scheme');
  if (last.host === FORGED.host || last.host?.startsWith(`${FORGED.host}:`)) out.push('host');
  if (last.client === FORGED.ip) out.push('client');
  return out;
}

/**
 * Who can reach a bind, or null when only this machine can. `platform`: the PaaS router (Fly.io, Heroku, Render,
 * Railway, Cloud Run) that runs the app in its own VM or dyno; the internet reaches its port only through that
 * router, other machines of the platform's private network still can (Fly's 6PN, for one).
 */
export function reachOf(
  app: AppServer,
  bindIdx: number,
  platform?: string,
): { from: string; reach: Spoof['reach']; peer: Peer; ref?: Ref } | null {
  const b = app.binds[bindIdx];
  if (!b) return null;
  if (platform && !b.published && b.exposure === 'all-interfaces' && app.placement.kind !== 'container') {
    return {
      from: `other machines on ${platform}'s private network (the internet reaches port ${b.address.kind === 'tcp' ? b.address.port : ''} only through ${platform})`,
      reach: 'compose-network',
      peer: { kind: 'remote', ip: '198.51.100.9', desc: `another machine on ${platform}'s private network` },
      ref: b.ref ?? app.ref,
    };
  }
  const attacker: Peer = { kind: 'remote', ip: '198.51.100.9', desc: 'an outside host' };
  if (b.published?.by && /^(?:LoadBalancer|NodePort) Service /.test(b.published.by)) {
    // A Kubernetes LoadBalancer/NodePort Service selecting the pod forwards outside clients to it (L4).
    return {
      from: `any client outside the cluster through ${b.published.by}'s port ${b.published.hostPort} (${refText(b.published.ref ?? b.ref)})`,
      reach: 'network',
      peer: attacker,
      ref: b.published.ref ?? b.ref,
    };
  }
  if (b.published) {
    if (isLoopbackHost(b.published.hostIp)) return null;
    const hostIp = b.published.hostIp || '0.0.0.0';
    return {
      from: b.published.by
        ? `any host that can reach this host's port ${b.published.hostPort} (${b.published.by} publishes it on ${hostIp} at ${refText(b.published.ref ?? b.ref)})`
        : `any host that can reach the docker host's port ${b.published.hostPort} (published on ${hostIp} at ${refText(b.published.ref ?? b.ref)})`,
      reach: 'network',
      peer: attacker,
      ref: b.published.ref ?? b.ref,
    };
  }
  if (b.exposure === 'loopback' || b.exposure === 'unix' || b.address.kind === 'unix') return null;
  if (app.placement.kind === 'container') {
    // Its compose networks hold reverse proxies only: no other container to send a forged request from.
    if (app.proxiesOnlyBeside) return null;
    return {
      from:
        app.placement.runtime === 'kubernetes'
          ? `other pods on the cluster network (${app.service ?? 'the app'}'s port is not published in these files)`
          : `other containers on ${app.service ?? 'the app'}'s ${runtimeNetwork(app.placement.runtime)} (not published)`,
      reach: 'compose-network',
      peer: { kind: 'container', service: 'another container' },
      ref: b.ref,
    };
  }
  const a = b.address.kind === 'tcp' ? `${b.address.host}:${b.address.port}` : '';
  if (b.exposure === 'all-interfaces') {
    return {
      from: `any host that can reach this machine's port ${b.address.kind === 'tcp' ? b.address.port : ''} (${a}, ${refText(b.ref ?? app.ref)})`,
      reach: 'network',
      peer: attacker,
      ref: b.ref ?? app.ref,
    };
  }
  if (b.exposure === 'specific') {
    return {
      from: `hosts on the network of ${a} (bound to that address only, ${refText(b.ref ?? app.ref)})`,
      reach: 'subnet',
      peer: attacker,
      ref: b.ref ?? app.ref,
    };
  }
  return null;
}

/** The platform whose front hop (chain/topology `frontHops`, id `front:NAME`) forwards to this app, if any. */
function platformOf(topo: Topology, appId: string): string | undefined {
  for (const l of topo.links) {
    if (l.target.kind !== 'app' || l.target.appId !== appId || !l.fromHop.startsWith('front:')) continue;
    if (!PLATFORM_FRONTS.has(l.fromHop.slice(6))) continue;
    return l.peer.kind === 'remote' ? l.peer.desc : l.fromHop.slice(6);
  }
  return undefined;
}

function spoofRef(t: Trace, what: SpoofWhat[] = []): Ref | undefined {
  const app = t.steps.find((s) => s.kind === 'app-server');
  const fw = t.steps.find((s) => s.kind === 'framework');
  // Only the client forged, by a setting of its own (Gin TrustedPlatform): that setting's line.
  if (what.length === 1 && what[0] === 'client' && fw?.clientRef) return fw.clientRef;
  return fw?.schemeRef ?? app?.schemeRef;
}

export function routesOf(topo: Topology, entry: Entry): ProxyRoute[] {
  const hop = proxyById(topo, entry.hopId);
  if (!hop) return [];
  // `--url https://host/reports/`: only the route that serves that path.
  const path = rootOnly(entry.url) ? '/' : new URL(entry.url).pathname;
  if (path !== '/') {
    const r = pickRoute(hop, path);
    return r ? [r] : [];
  }
  return hop.routes;
}

/**
 * Whether a URL's path is `/` without parsing it: `http(s)://HOST[:PORT]/`, the form chain/topology writes for an
 * entry (model/url.ts siteUrl), with no other `/` and no `\\` (which the WHATWG parser reads as `/` in an http URL).
 * A `?` or `#` in what precedes the last `/` only moves it into the query or fragment: the path stays `/`. The
 * verdict asks once per entry (10,000 URL parses at 10,000 servers); anything else is parsed.
 */
function rootOnly(url: string): boolean {
  const start = url.startsWith('https://') ? 8 : url.startsWith('http://') ? 7 : -1;
  return start > 0 && url.length - 1 > start && url.indexOf('/', start) === url.length - 1 && !url.includes('\\');
}

/** Browser-facing entries: TLS listeners, or entries behind a TLS load balancer. */
export function isBrowserEntry(e: Entry): boolean {
  return e.tls || Boolean(e.lb);
}

/** Restricts a verdict to some routes (`entryId#routeId`) and some apps' backends (the planner's local checks). */
export interface VerdictScope {
  routes?: Set<string>;
  apps?: Set<string>;
}

/** Every entry id a route id (`entryId#routeId`) may start with (an id holding `#` gives several candidates). */
function entryIdsOf(routeIds: Set<string> | undefined): Set<string> {
  const out = new Set<string>();
  for (const id of routeIds ?? []) for (let k = id.indexOf('#'); k >= 0; k = id.indexOf('#', k + 1)) out.add(id.slice(0, k));
  return out;
}

/**
 * Whether a request on this route can get past the entry hop: a forged request counts only when it reaches an app
 * (`spoofedWhat` is empty for an incomplete trace or one that ends at a proxy), and one whose route has no resolved
 * link from the entry hop ends incomplete there (simulateBrowser -> followFrom). Its simulation is skipped, not
 * changed: on a config of unlinked routes (nginx alone) it was half the verdict's work.
 */
function reachesLink(topo: Topology, entry: Entry, route: ProxyRoute): boolean {
  const link = linkFrom(topo, entry.hopId, route.id);
  return link !== undefined && link.target.kind !== 'unresolved';
}

export function computeVerdict(
  topo: Topology,
  scope?: VerdictScope,
  onEntry?: (done: number, total: number) => void,
): ChainVerdict {
  const routes: RouteVerdict[] = [];
  const entrySpoofs: Spoof[] = [];
  // A scoped verdict (the planner's, one route at a time) skips the other entries without listing their routes.
  const scopedEntries = scope ? entryIdsOf(scope.routes) : undefined;
  // Indexed loops: an iterator and a result object per step otherwise, in code V8 leaves unoptimised (commands run
  // with a late tier-up, commands/tier-up.ts), for every entry and route (10,000 entries at 10,000 servers).
  const entries = topo.entries;
  for (let done = 0; done < entries.length; done++) {
    const entry = entries[done] as Entry;
    onEntry?.(done, entries.length);
    if (scopedEntries && !scopedEntries.has(entry.id)) continue;
    const entryRoutes = routesOf(topo, entry);
    for (let k = 0; k < entryRoutes.length; k++) {
      const route = entryRoutes[k] as ProxyRoute;
      if (scope && !scope.routes?.has(`${entry.id}#${route.id}`)) continue;
      if (isBrowserEntry(entry)) {
        const trace = simulateBrowser(topo, entry, route);
        const url = new URL(trace.url);
        const last = finalStep(trace);
        const fw = [...trace.steps].reverse().find((s) => s.kind === 'framework');
        const hostile = reachesLink(topo, entry, route)
          ? simulateBrowser(topo, entry, route, { hostileHeaders: forgedHeaders() })
          : undefined;
        const spoofs: Spoof[] = [];
        // Over TLS, a forged scheme changes nothing; host and client may still be forged.
        const what = hostile ? spoofedWhat(hostile).filter((w) => w !== 'scheme') : [];
        if (hostile && what.length > 0) {
          spoofs.push({
            from: `anyone, through ${hostile.steps[1]?.label ?? 'the proxy'}`,
            reach: 'internet',
            via: 'proxy',
            what,
            ref: spoofRef(hostile, what),
            trace: hostile,
            ...(entry.lb?.origin === 'inferred' ? { assumedFront: entry.lb.label } : {}),
          });
        }
        routes.push({
          id: `${entry.id}#${route.id}`,
          url: trace.url,
          entryId: entry.id,
          hopId: entry.hopId,
          routeId: route.id,
          route: route.match,
          trace,
          complete: trace.complete,
          scheme: schemeVerdict(trace, 'https'),
          host: hostVerdict(trace, url.host),
          client: { believed: last?.client, expected: BROWSER_IP, correct: last?.client === BROWSER_IP },
          redirect: fw?.redirect ?? (last?.kind === 'proxy' ? last.redirect : undefined),
          spoofable: spoofs,
        });
      } else {
        if (!reachesLink(topo, entry, route)) continue;
        const hostile = simulateBrowser(topo, entry, route, { hostileHeaders: forgedHeaders(), plainHttp: true });
        let what = spoofedWhat(hostile);
        // A plain request with no forged header believed https too: a hop writes a literal https on this plain
        // route (proxy/scheme-https-on-plain-listener names it). The scheme is the proxy's, not the client's forgery.
        if (what.includes('scheme') && spoofedWhat(simulateBrowser(topo, entry, route, { plainHttp: true })).includes('scheme'))
          what = what.filter((w) => w !== 'scheme');
        if (what.length > 0) {
          entrySpoofs.push({
            from: `anyone, through ${hostile.steps[1]?.label ?? 'the proxy'} (plain HTTP)`,
            reach: 'internet',
            via: 'proxy',
            what,
            ref: spoofRef(hostile, what),
            trace: hostile,
          });
        }
      }
    }
  }
  const backends: BackendVerdict[] = [];
  const linked = new Set(topo.links.filter((l) => l.target.kind === 'app').map((l) => (l.target as { appId: string }).appId));
  for (const app of topo.apps) {
    if (scope && !scope.apps?.has(app.id)) continue;
    const platform = platformOf(topo, app.id);
    app.binds.forEach((b, i) => {
      const reach = reachOf(app, i, platform);
      const bind = b.address.kind === 'unix' ? `unix:${b.address.path}` : `${b.address.host}:${b.address.port}`;
      const v: BackendVerdict = {
        appId: app.id,
        label: app.label,
        bind,
        bindIndex: i,
        exposure: b.published ? 'published' : b.exposure,
        reachableFrom: reach?.from ?? null,
        reach: reach?.reach ?? null,
        ref: b.published?.ref ?? b.ref,
        bypassesProxy: Boolean(reach && reach.reach === 'network' && linked.has(app.id)),
      };
      if (reach) {
        const t = simulateDirect(topo, app, i, reach.peer, reach.from);
        const what = spoofedWhat(t);
        if (what.length > 0)
          v.spoof = { from: reach.from, reach: reach.reach, via: 'direct', what, ref: spoofRef(t, what) ?? reach.ref, trace: t };
      }
      backends.push(v);
    });
  }
  // Attach backend spoofs to the routes that end at that app.
  for (const r of routes) {
    const appStep = r.trace.steps.find((s) => s.kind === 'app-server');
    if (!appStep) continue;
    for (const b of backends) {
      if (b.spoof && appById(topo, b.appId)?.label === appStep.label) r.spoofable.push(b.spoof);
    }
    for (const s of entrySpoofs) {
      const sApp = s.trace.steps.find((x) => x.kind === 'app-server');
      if (sApp?.label === appStep.label) r.spoofable.push(s);
    }
  }
  return { routes, backends, entrySpoofs };
}

/** "spoofable from X" / "not spoofable" for a route (outside reach only counts). */
export function spoofSummary(r: RouteVerdict): string {
  if (r.spoofable.length === 0) return 'not spoofable';
  return r.spoofable.map((s) => `${s.what.join('+')} spoofable from ${s.from}`).join('; ');
}
