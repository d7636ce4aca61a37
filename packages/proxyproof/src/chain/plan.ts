/**
 * The minimal-fix planner. Candidate changes are mutations of the topology, each with the file,
 * line and lines to write; the planner re-simulates subsets in order of size and cost and keeps
 * the smallest set that makes every route correct and nothing spoofable from outside.
 * It then checks robustness: if the chain is correct only because an app server trusts a
 * loopback peer by default, it plans what keeps it correct once the proxy moves elsewhere.
 */
import { isIP } from 'node:net';
import { flagAfterProgram } from '../model/launch-flag.js';
import { ipInList, isLoopbackHost } from './addr.js';
import {
  type AppServer,
  appById,
  appByLabel,
  entryById,
  type Framework,
  type HeaderRule,
  type Link,
  linkFrom,
  type ProxyHop,
  type ProxyRoute,
  proxyById,
  proxyByLabel,
  type Ref,
  type Topology,
} from './model.js';
import { pickRoute, sentName } from './simulate.js';
import { type ChainVerdict, computeVerdict, type RouteVerdict, type VerdictScope } from './verdict.js';

export interface PlannedFix {
  id: string;
  /** `required`: needed now. `robustness`: needed once the app server no longer trusts the proxy's address. `recommended`: hardening (public backend port). */
  kind: 'required' | 'robustness' | 'recommended';
  title: string;
  file: string;
  line: number;
  /** Write the lines after `line` (true) or replace / write at it (false). */
  after: boolean;
  /** Lines to write, in the file's own syntax. */
  lines: string[];
  /**
   * How the fix command applies `lines` at `line` (`Finding.fix.placement`): set only where the lines are
   * verbatim file syntax that goes exactly there; absent, the fix is advice (a command-line flag, a block
   * that belongs elsewhere in the file, a value only the person knows).
   */
  placement?: 'after' | 'replace';
  /** What it fixes, in one sentence. */
  because: string;
}

export interface FixPlan {
  fixes: PlannedFix[];
  /** Statements about what needs no change ("the backend port is not public"). */
  notes: string[];
  /** False when no combination of known changes fixes everything. */
  complete: boolean;
}

interface Candidate {
  id: string;
  title: string;
  ref: Ref;
  after?: boolean;
  lines: string[];
  /** See PlannedFix.placement. */
  placement?: 'after' | 'replace';
  cost: number;
  apply(t: Topology): void;
}

const MAX_CANDIDATES = 16;
const MAX_SET = 3;

function clone(t: Topology): Topology {
  return structuredClone(t);
}

/**
 * Copy-on-write clone for the search: only the hops, apps and links a problem's candidates can
 * touch are copied (candidates relevant to a problem mutate nothing else); the rest is shared.
 */
function cloneFor(t: Topology, keys: string[]): Topology {
  const hit = (id: string) => keys.includes(id);
  return {
    ...t,
    proxies: t.proxies.map((p) => (hit(p.id) ? structuredClone(p) : p)),
    apps: t.apps.map((a) => (hit(a.id) ? structuredClone(a) : a)),
    links: t.links.map((l) => (l.target.kind === 'app' && hit(l.target.appId) ? structuredClone(l) : l)),
  };
}

function findRoute(t: Topology, hopId: string, routeId: string): ProxyRoute | undefined {
  return proxyById(t, hopId)?.routes.find((r) => r.id === routeId);
}

function nginxHeaderCandidates(t: Topology, v: ChainVerdict): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const r of v.routes) {
    const hop = proxyById(t, r.hopId);
    const route = hop?.routes.find((x) => x.id === r.routeId);
    if (!hop || !route) continue;
    const entry = entryById(t, r.entryId);
    const key = `${hop.id}/${route.id}`;
    const lostHere = r.scheme.lostAt && r.trace.steps[r.scheme.lostAt.step]?.label === hop.label;
    // A hop that ends TLS itself and also takes a declared balancer's plain HTTP: neither $scheme (http behind the
    // balancer) nor $http_x_forwarded_proto (empty, or the client's, on the TLS port) is right on both listeners;
    // a map on $scheme is. It goes at the http level, which the chain's one-line patch cannot place: advice.
    const mixed = entry?.lb && !entry.tls && entry.lb.mode !== 'tcp' && hop.listeners.some((l) => l.tls);
    if (lostHere && !seen.has(`${key}:proto`) && hop.kind === 'nginx' && mixed) {
      seen.add(`${key}:proto`);
      const directive = route.headerDirective ?? 'proxy_set_header';
      out.push({
        id: `nginx-xfp:${key}`,
        title: `${hop.label}: ends TLS itself and also takes the balancer's plain HTTP: send X-Forwarded-Proto from a map on $scheme (https on its TLS port, the balancer's header on the plain one), the map at the http level`,
        ref:
          route.headers.find((h) => h.name.toLowerCase() === 'x-forwarded-proto' && h.from === 'route')?.ref ??
          lastOwnLine(route),
        lines: [
          'map $scheme $forwarded_proto {',
          '    https https;',
          '    default $http_x_forwarded_proto;',
          '}',
          `${directive} X-Forwarded-Proto $forwarded_proto;`,
        ],
        cost: 1,
        apply(tt) {
          const h = proxyById(tt, hop.id);
          const rr = findRoute(tt, hop.id, route.id);
          if (!h || !rr) return;
          h.maps = {
            ...h.maps,
            forwarded_proto: {
              source: '{scheme}',
              entries: [{ key: 'https', value: 'https' }],
              default: '{in:x-forwarded-proto}',
              ref: rr.ref,
            },
          };
          rr.headers = rr.headers.filter((x) => x.name.toLowerCase() !== 'x-forwarded-proto');
          rr.headers.push({ name: 'X-Forwarded-Proto', value: '{map:forwarded_proto}', ref: rr.ref, from: 'route' });
        },
      });
    }
    if (lostHere && !seen.has(`${key}:proto`) && hop.kind === 'nginx') {
      seen.add(`${key}:proto`);
      const behindLb = entry?.lb && !entry.tls;
      const value = behindLb ? (entry?.lb?.mode === 'tcp' ? 'https' : '{in:x-forwarded-proto}') : '{scheme}';
      const nginxValue = behindLb ? (entry?.lb?.mode === 'tcp' ? 'https' : '$http_x_forwarded_proto') : '$scheme';
      const dropped = route.dropped ?? [];
      const lines = [
        ...dropped
          .filter(
            (d) =>
              d.name.toLowerCase() !== 'x-forwarded-proto' &&
              !route.headers.some((h) => h.name.toLowerCase() === d.name.toLowerCase() && h.from === 'route'),
          )
          .map((d) => `${route.headerDirective ?? 'proxy_set_header'} ${d.name} ${nginxTemplate(d.value)};`),
        `${route.headerDirective ?? 'proxy_set_header'} X-Forwarded-Proto ${nginxValue};`,
      ];
      const existing = route.headers.find((h) => h.name.toLowerCase() === 'x-forwarded-proto' && h.from !== 'default');
      // A new line in the route (none there, or the route inherits the wrong one) re-declares what it inherits.
      const inherits = existing?.from === 'inherited';
      const insert = routeInsert(
        route,
        ['x-forwarded-proto'],
        inherits ? [`proxy_set_header X-Forwarded-Proto ${nginxValue};`] : lines,
      );
      out.push({
        id: `nginx-xfp:${key}`,
        title: existing
          ? `${hop.label}: ${route.match} sends X-Forwarded-Proto ${nginxTemplate(existing.value)}; send ${nginxValue}${behindLb ? ' (the scheme the load balancer saw)' : ''}${inherits ? redeclaredNote(insert.redeclared) : ''}`
          : `${hop.label}: send X-Forwarded-Proto in ${route.match}${dropped.length ? ' (re-declare the server-level headers this location stops inheriting)' : redeclaredNote(insert.redeclared)}`,
        ref: existing?.from === 'route' ? existing.ref : lastOwnLine(route),
        after: !(existing?.from === 'route'),
        lines: existing && !inherits ? [`proxy_set_header X-Forwarded-Proto ${nginxValue};`] : insert.lines,
        placement: existing?.from === 'route' ? 'replace' : !existing || inherits ? insert.placement : undefined,
        cost: 1,
        apply(tt) {
          const rr = findRoute(tt, hop.id, route.id);
          if (!rr) return;
          for (const d of rr.dropped ?? []) {
            rr.headers = rr.headers.filter((h) => !(h.from === 'default' && h.name.toLowerCase() === d.name.toLowerCase()));
            if (!rr.headers.some((h) => h.name.toLowerCase() === d.name.toLowerCase())) rr.headers.push({ ...d, from: 'route' });
          }
          rr.dropped = [];
          redeclareInherited(rr);
          rr.headers = rr.headers.filter((h) => h.name.toLowerCase() !== 'x-forwarded-proto');
          rr.headers.push({ name: 'X-Forwarded-Proto', value, ref: rr.ref, from: 'route' });
        },
      });
    }
    // Apache's mod_proxy sends X-Forwarded-For/-Host/-Server but never X-Forwarded-Proto: where the vhost ends TLS
    // itself, mod_headers' `RequestHeader set X-Forwarded-Proto "https"` beside the ProxyPass says so (every request
    // of a TLS vhost is https). Written after the route's ProxyPass line (valid in a vhost and in <Location>), or in
    // place of a route-level X-Forwarded-Proto rule; a vhost behind a balancer (the scheme is the balancer's) or
    // a plain vhost gets nothing here.
    if (lostHere && !seen.has(`${key}:proto`) && hop.kind === 'apache' && entry?.tls && !entry.lb && route.ref.line > 0) {
      seen.add(`${key}:proto`);
      const existing = route.headers.find((h) => h.name.toLowerCase() === 'x-forwarded-proto' && h.from === 'route');
      const indent = /^\s*/.exec(existing?.ref.snippet ?? route.ref.snippet ?? '')?.[0] ?? '    ';
      out.push({
        id: `apache-xfp:${key}`,
        title: `${hop.label}: send X-Forwarded-Proto https from the TLS vhost (${route.match}); mod_proxy never sends it (needs mod_headers: a2enmod headers)`,
        ref: existing ? existing.ref : route.ref,
        after: !existing,
        lines: [`${indent}RequestHeader set X-Forwarded-Proto "https"`],
        placement: existing ? 'replace' : 'after',
        // Dearer than an app end's own one-line setting (Rails assume_ssl costs 2), which a search of sets of the
        // same size then keeps; the header is the fix where the app has none (Rails < 7.1) or where the app's
        // setting needs a second change (assume_ssl on a public Puma port also needs the loopback bind).
        cost: 3,
        apply(tt) {
          const rr = findRoute(tt, hop.id, route.id);
          if (!rr) return;
          rr.headers = rr.headers.filter((h) => h.name.toLowerCase() !== 'x-forwarded-proto');
          rr.headers.push({ name: 'X-Forwarded-Proto', value: 'https', ref: rr.ref, from: 'route' });
        },
      });
    }
    if (
      r.host.status === 'lost' &&
      r.host.lostAt &&
      r.trace.steps[r.host.lostAt.step]?.label === hop.label &&
      hop.kind === 'nginx' &&
      !seen.has(`${key}:host`)
    ) {
      seen.add(`${key}:host`);
      const hostRule = route.headers.find((h) => h.name.toLowerCase() === 'host');
      const insert = routeInsert(route, ['host'], ['proxy_set_header Host $http_host;']);
      const replaces = hostRule && (hostRule.from === 'route' || hostRule.from === 'inherited') && hostRule.ref.line > 0;
      out.push({
        id: `nginx-host:${key}`,
        title: `${hop.label}: pass the Host the browser sent, with its port, in ${route.match}${replaces ? '' : redeclaredNote(insert.redeclared)}`,
        ref: hostRule && hostRule.from !== 'default' ? hostRule.ref : lastOwnLine(route),
        after: !(hostRule && hostRule.from !== 'default'),
        lines: replaces ? ['proxy_set_header Host $http_host;'] : insert.lines,
        // The Host line itself is replaced where it is written (route or server level, the same file syntax);
        // a new line goes into the route re-declaring what the route inherits (routeInsert).
        placement: replaces ? 'replace' : !hostRule || hostRule.from === 'default' ? insert.placement : undefined,
        cost: 1,
        apply(tt) {
          const rr = findRoute(tt, hop.id, route.id);
          if (!rr) return;
          if (!replaces) redeclareInherited(rr);
          rr.headers = rr.headers.filter((h) => h.name.toLowerCase() !== 'host');
          rr.headers.push({ name: 'Host', value: '{http_host}', ref: rr.ref, from: 'route' });
        },
      });
    }
  }
  // An app end that reads forwarded headers only when a gate header arrives (Odoo's proxy_mode: X-Forwarded-Host):
  // the nginx route in front sends that header too.
  for (const r of v.routes) {
    const lost = r.scheme.status === 'lost' ? r.scheme.lostAt : undefined;
    const gate = lost && t.apps.find((a) => a.framework?.label === lost.label)?.framework?.appEnd?.forwardedOnlyWith;
    const hop = gate ? proxyById(t, r.hopId) : undefined;
    const route = hop?.routes.find((x) => x.id === r.routeId);
    if (!gate || !hop || !route || hop.kind !== 'nginx' || route.headers.some((h) => sentName(route, h.name) === gate)) continue;
    const key = `${hop.id}/${route.id}:gate`;
    if (seen.has(key)) continue;
    seen.add(key);
    const name = gate.replace(/(^|-)([a-z])/g, (_m, d, c) => d + c.toUpperCase());
    const insert = routeInsert(route, [gate], [headerLine(route, name, '$host')]);
    out.push({
      id: `nginx-gate:${hop.id}/${route.id}`,
      title: `${hop.label}: send ${name} in ${route.match} (${lost?.label} reads its forwarded headers only when it arrives)${redeclaredNote(insert.redeclared)}`,
      ref: lastOwnLine(route),
      after: true,
      lines: insert.lines,
      placement: insert.placement,
      cost: 1,
      apply(tt) {
        const rr = findRoute(tt, hop.id, route.id);
        if (!rr) return;
        redeclareInherited(rr);
        rr.headers.push({
          name: cgiParam(rr) ? `HTTP_${name.toUpperCase().replace(/-/g, '_')}` : name,
          value: '{host}',
          ref: rr.ref,
          from: 'route',
        });
      },
    });
  }
  // Client-controlled forwarded headers passed through a proxy: overwrite them.
  for (const s of [...v.entrySpoofs, ...v.routes.flatMap((r) => r.spoofable.filter((x) => x.via === 'proxy'))]) {
    const hopStep = s.trace.steps.find((x) => x.kind === 'proxy');
    const hop = proxyByLabel(t, hopStep?.label);
    const routeId = s.trace.routeId;
    const route = hop?.routes.find((x) => x.id === routeId);
    if (!hop || !route || hop.kind !== 'nginx') continue;
    const key = `${hop.id}/${route.id}:overwrite`;
    if (seen.has(key)) continue;
    seen.add(key);
    const adds: Array<[string, string, string]> = [];
    if (s.what.includes('scheme')) adds.push(['X-Forwarded-Proto', '$scheme', '{scheme}']);
    if (s.what.includes('host')) adds.push(['X-Forwarded-Host', '$host', '{host}']);
    if (s.what.includes('client')) adds.push(['X-Forwarded-For', '$remote_addr', '{remote_addr}']);
    if (adds.length === 0) continue;
    const setBy = (n: string) => route.headers.find((h) => sentName(route, h.name) === n.toLowerCase() && h.from !== 'default');
    // One header the route itself already sets from the client's value (`X-Forwarded-For $proxy_add_x_forwarded_for`
    // read left-most, `X-Forwarded-Proto $http_x_forwarded_proto`): that line is replaced, in the route's own file.
    const own = adds.length === 1 ? setBy(adds[0]?.[0] as string) : undefined;
    const replaces = own?.from === 'route' && own.ref.line > 0 && own.ref.file === route.ref.file ? own : undefined;
    const insert = routeInsert(
      route,
      adds.map(([n]) => n),
      adds.map(([n, v]) => headerLine(route, n, v)),
    );
    // An Ingress served by ingress-nginx (topology/kube.ts `isIngressNginxHop`): its route is YAML, where an nginx
    // directive cannot go. The controller passes the client's X-Forwarded-* because of its ConfigMap's (or Helm
    // values' controller.config) `use-forwarded-headers: "true"`; "false" makes it write its own, as the
    // ingress-nginx checks' fix says. Advice at that line (the checks' patch writes it with the file's indentation).
    const trustLine = hop.trustedPeers?.ref;
    if (hop.id.startsWith('ingress:') && hop.kind === 'nginx') {
      const setting = trustLine && /use-forwarded-headers/.test(trustLine.snippet ?? '') ? trustLine : undefined;
      out.push({
        id: `nginx-overwrite:${hop.id}/${route.id}`,
        title: `${hop.label}: the controller is the edge: stop believing client-sent ${adds.map((a) => a[0]).join(', ')} (ingress-nginx use-forwarded-headers: "false" in its ConfigMap or Helm values controller.config)`,
        ref: setting ?? trustLine ?? hop.ref,
        lines: ['use-forwarded-headers: "false"'],
        cost: 1,
        apply(tt) {
          const rr = findRoute(tt, hop.id, route.id);
          if (!rr) return;
          for (const [n, , tv] of adds) {
            rr.headers = rr.headers.filter((h) => sentName(rr, h.name) !== n.toLowerCase());
            rr.headers.push({ name: n, value: tv, ref: setting ?? rr.ref, from: 'route' });
          }
        },
      });
      continue;
    }
    out.push({
      id: `nginx-overwrite:${hop.id}/${route.id}`,
      title: `${hop.label}: overwrite client-sent ${adds.map((a) => a[0]).join(', ')} in ${route.match}${replaces ? '' : redeclaredNote(insert.redeclared)}`,
      ref: replaces ? replaces.ref : insert.placement ? lastOwnLine(route) : route.ref,
      after: !replaces,
      lines: replaces ? adds.map(([n, v]) => headerLine(route, n, v)) : insert.lines,
      // Otherwise only new lines: a header the route already sets would then be sent twice.
      placement: replaces
        ? 'replace'
        : !adds.some(([n]) => setBy(n)?.from === 'route' || setBy(n)?.from === 'builtin-include')
          ? insert.placement
          : undefined,
      cost: 1,
      apply(tt) {
        const rr = findRoute(tt, hop.id, route.id);
        if (!rr) return;
        if (!replaces) redeclareInherited(rr);
        for (const [n, , tv] of adds) {
          rr.headers = rr.headers.filter((h) => sentName(rr, h.name) !== n.toLowerCase());
          rr.headers.push({
            name: cgiParam(rr) ? `HTTP_${n.toUpperCase().replace(/-/g, '_')}` : n,
            value: tv,
            ref: rr.ref,
            from: 'route',
          });
        }
      },
    });
  }
  return out;
}

/** The directive a uwsgi/FastCGI/SCGI route passes request variables with, else undefined (proxy_set_header). */
function cgiParam(route: Pick<ProxyRoute, 'protocol'>): string | undefined {
  return route.protocol === 'uwsgi' || route.protocol === 'fastcgi' || route.protocol === 'scgi'
    ? `${route.protocol}_param`
    : undefined;
}

/**
 * One request header set by this nginx route, in its own directive: `proxy_set_header X-Forwarded-Proto $scheme;`,
 * or for uwsgi_pass/fastcgi_pass/scgi_pass the HTTP_ param, which nginx sends instead of the client's header of
 * that name (a `proxy_set_header` there would be ignored).
 */
function headerLine(route: Pick<ProxyRoute, 'protocol' | 'headerDirective'>, name: string, value: string): string {
  const param = cgiParam(route);
  return param
    ? `${param} HTTP_${name.toUpperCase().replace(/-/g, '_')} ${value};`
    : `${route.headerDirective ?? 'proxy_set_header'} ${name} ${value};`;
}

/**
 * A header line added inside this nginx route cuts no inheritance: the route already has its own header lines
 * (it inherits none), or every header it sends is nginx's default.
 */
function insertsSafely(route: ProxyRoute): boolean {
  return (
    route.ownHeadersRef !== undefined ||
    route.headers.some((h) => h.from === 'route' && h.ref.line > 0) ||
    // `include uwsgi_params;` / `include proxy_params;` written in the route itself: its lines are the route's own.
    route.headers.some((h) => h.from === 'builtin-include') ||
    route.headers.every((h) => h.from === 'default')
  );
}

/**
 * New header lines for an nginx route, made inheritance-safe. nginx inherits a level's proxy_set_header (or
 * fastcgi/uwsgi/scgi_param) lines only into a level that writes none of its own: the first such line written in a
 * location that inherited some (`proxy_set_header Host $host;` at the server level) silently drops them all there.
 * Such an edit re-declares every inherited line beside the new ones (the source line as written where it is one
 * directive, else rebuilt from its value), except the names the edit itself sets; the edit then goes after the
 * route's last own line like any other. `names` are the headers the edit sets, as the backend receives them.
 * A route whose inherited set may hold lines of an include the analysis could not read gets the same lines as
 * advice only (not applied): re-declaring part of a set would drop the rest.
 */
function routeInsert(
  route: ProxyRoute,
  names: string[],
  lines: string[],
): { lines: string[]; placement: 'after' | undefined; redeclared: number } {
  if (insertsSafely(route)) return { lines, placement: 'after', redeclared: 0 };
  // An `if` inside a location (sites.ts names its route `location X if (...)`) allows no header directive: the lines
  // belong in the location around it, which the patch cannot reach from the route: advice.
  const inIf = / if \(/.test(route.match);
  const setHere = new Set(names.map((n) => n.toLowerCase()));
  const inherited = route.headers.filter((h) => h.from === 'inherited' && !setHere.has(sentName(route, h.name)));
  const redeclared = inherited.map((h) => inheritedLine(route, h));
  return {
    lines: [...redeclared, ...lines],
    placement: route.headersMayChange?.length || inIf ? undefined : 'after',
    redeclared: redeclared.length,
  };
}

/** An inherited header rule as a line of the route: its own source line when that is one such directive. */
function inheritedLine(route: ProxyRoute, h: HeaderRule): string {
  const src = h.ref.snippet?.trim() ?? '';
  const m =
    /^(proxy_set_header|grpc_set_header|passenger_set_header|fastcgi_param|uwsgi_param|scgi_param)\s+(\S+)\s+[^;]*;$/.exec(src);
  if (m && m[2]?.toLowerCase() === h.name.toLowerCase()) return src;
  const directive = cgiParam(route) ?? route.headerDirective ?? 'proxy_set_header';
  return `${directive} ${h.name} ${nginxTemplate(h.value)};`;
}

/** In the planner's model: the route's inherited rules become its own (routeInsert re-declared them). */
function redeclareInherited(rr: ProxyRoute): void {
  rr.headers = rr.headers.map((h) => (h.from === 'inherited' ? { ...h, from: 'route' as const } : h));
}

/** The clause a planned edit's title adds when it re-declares inherited lines (see routeInsert). */
function redeclaredNote(n: number): string {
  return n > 0
    ? ` (with the ${n} header line${n === 1 ? '' : 's'} it inherits re-declared: nginx inherits none into a level that sets one)`
    : '';
}

/** Where to add a line to a route: after its last own header line (or its pass line). */
function lastOwnLine(route: ProxyRoute): Ref {
  const own = route.headers.filter((h) => h.from === 'route' && h.ref.line > 0 && h.ref.file === route.ref.file);
  const last = own.sort((a, b) => b.ref.line - a.ref.line)[0];
  if (last) return last.ref;
  // The pass line, not the `server` line of an `upstream` block it names (a header line there is not allowed).
  const up = route.upstreams[0]?.group === undefined ? route.upstreams[0]?.ref : undefined;
  return up && up.file === route.ref.file && up.line > 0 ? up : route.ref;
}

/** Back from the neutral template to nginx syntax, for display. */
export function nginxTemplate(v: string | null): string {
  if (v === null) return '""';
  return v
    .replace(/\{in:([^}]+)\}/g, (_m, n: string) => `$http_${n.toLowerCase().replace(/-/g, '_')}`)
    .replace(/\{\?([^}]+)\}/g, '$1')
    .replace(/\{xff_append\}/g, '$proxy_add_x_forwarded_for')
    .replace(/\{peer_addr\}/g, '$realip_remote_addr')
    .replace(/\{([a-z_]+)\}/g, '$$$1');
}

function appLinks(t: Topology, app: AppServer): Link[] {
  return t.links.filter((l) => l.target.kind === 'app' && l.target.appId === app.id);
}

function appCandidates(t: Topology): Candidate[] {
  const out: Candidate[] = [];
  for (const app of t.apps) {
    const links = appLinks(t, app);
    if (links.length === 0) continue;
    const peer = links[0]?.peer;
    const fw = app.framework;
    const serverTrustMatters = !fw || ['django', 'flask', 'fastapi', 'starlette', 'other'].includes(fw.kind);
    // App-server trust of the proxy's address.
    if ((app.kind === 'gunicorn' || app.kind === 'uvicorn') && serverTrustMatters) {
      // A proxy container's address is not fixed: its compose network's own subnet where the server takes networks.
      const net = peer?.kind === 'container' ? app.trustNetwork : undefined;
      const addr =
        peer?.kind === 'loopback'
          ? peer.ip
          : peer?.kind === 'container'
            ? (net?.cidr ?? '*')
            : (peer?.kind === 'remote' && peer.ip) || '<proxy address>';
      const onlyInternal = app.binds.every(
        (b) => !b.published && (b.exposure === 'loopback' || b.exposure === 'unix' || app.placement.kind === 'container'),
      );
      if (peer?.kind !== 'unix' && (addr !== '*' || onlyInternal)) {
        const flag =
          app.kind === 'gunicorn'
            ? `--forwarded-allow-ips=${addr === '*' ? "'*'" : addr}`
            : `--proxy-headers --forwarded-allow-ips=${addr === '*' ? "'*'" : addr}`;
        // gunicorn keeping its default trust: the flag goes into the line that launches it (a systemd ExecStart, a
        // Dockerfile CMD, a compose command, a Procfile or shell line), right after the program's name, when that
        // line names it once and sets no trust already; any other shape (a YAML list item, a variable) is advice.
        const placed =
          app.kind === 'gunicorn' && app.trusted.origin === 'default' && app.ref.line > 0 && app.ref.snippet
            ? flagAfterProgram(app.ref.snippet, 'gunicorn', flag)
            : [];
        const onLaunch = placed.length === 1 && !/forwarded[-_]allow[-_]ips/i.test(app.ref.snippet ?? '') ? placed[0] : undefined;
        out.push({
          id: `trust:${app.id}`,
          title: `${app.label}: trust forwarded headers from the proxy's ${net ? `network (${net.why})` : 'address'}${addr === '*' ? ' (any container on the internal network: the port is not published)' : ''}`,
          ref: app.trusted.origin !== 'default' && app.trusted.ref ? app.trusted.ref : app.ref,
          lines: [onLaunch ?? flag],
          ...(onLaunch ? { placement: 'replace' as const } : {}),
          cost: 2,
          apply(tt) {
            const a = tt.apps.find((x) => x.id === app.id);
            if (!a) return;
            a.trusted = { value: [addr === '<proxy address>' ? '10.255.255.254' : addr], origin: 'literal', ref: a.ref };
            if (addr === '<proxy address>')
              for (const l of tt.links)
                if (l.target.kind === 'app' && l.target.appId === app.id && l.peer.kind === 'remote')
                  l.peer = { ...l.peer, ip: '10.255.255.254' };
            a.proxyHeaders = { value: true, origin: 'literal', ref: a.ref };
          },
        });
      }
    }
    // Trust-all on a reachable port: narrow it.
    if ((app.kind === 'gunicorn' || app.kind === 'uvicorn') && app.trusted.value.includes('*') && peer?.kind === 'loopback') {
      out.push({
        id: `narrow:${app.id}`,
        title: `${app.label}: trust forwarded headers only from the proxy (${peer.ip}), not '*'`,
        ref: app.trusted.ref ?? app.ref,
        lines: [app.kind === 'gunicorn' ? `forwarded_allow_ips = '${peer.ip}'` : `--forwarded-allow-ips=${peer.ip}`],
        // The assignment in a gunicorn config module is replaced; a command-line flag is advice.
        placement:
          app.kind === 'gunicorn' && app.trusted.ref && /^\s*forwarded_allow_ips\s*=/.test(app.trusted.ref.snippet ?? '')
            ? 'replace'
            : undefined,
        cost: 1,
        apply(tt) {
          const a = tt.apps.find((x) => x.id === app.id);
          if (a) a.trusted = { value: [peer.ip], origin: 'literal', ref: a.trusted.ref };
        },
      });
    }
    // Public binds while the proxy reaches it over loopback: bind loopback.
    app.binds.forEach((b, i) => {
      const public_ = b.published
        ? !isLoopbackHost(b.published.hostIp)
        : b.exposure === 'all-interfaces' || b.exposure === 'specific';
      if (!public_ || b.address.kind !== 'tcp') return;
      if (!b.published && app.placement.kind === 'container') return;
      const viaLoopback = links.every((l) => l.peer.kind === 'loopback');
      const viaContainer = links.every((l) => l.peer.kind === 'container');
      if (b.published && viaContainer) {
        out.push({
          id: `unpublish:${app.id}:${i}`,
          title: `${app.label}: do not publish port ${b.published.hostPort} (the proxy container reaches it on the compose network)`,
          ref: b.published.ref ?? b.ref ?? app.ref,
          lines: [`expose: ["${b.address.port}"]   # instead of ports: "${b.published.hostPort}:${b.address.port}"`],
          cost: 1,
          apply(tt) {
            const bb = tt.apps.find((x) => x.id === app.id)?.binds[i];
            if (bb) delete bb.published;
          },
        });
      } else if (viaLoopback) {
        out.push({
          id: `bind:${app.id}:${i}`,
          title: `${app.label}: bind to 127.0.0.1 only (the proxy connects over loopback)`,
          ref: b.ref ?? app.ref,
          lines: [
            b.published
              ? `"127.0.0.1:${b.published.hostPort}:${b.address.port}"`
              : loopbackBindLine(app, b.address.port, b.ref?.snippet),
          ],
          cost: 1,
          apply(tt) {
            const bb = tt.apps.find((x) => x.id === app.id)?.binds[i];
            if (bb?.address.kind !== 'tcp') return;
            if (bb.published) bb.published.hostIp = '127.0.0.1';
            else {
              bb.address = { ...bb.address, host: '127.0.0.1' };
              bb.exposure = 'loopback';
            }
          },
        });
      }
    });
    if (fw?.appEnd) out.push(...appEndCandidates(t, app, fw, links));
    if (fw)
      out.push(
        ...frameworkCandidates(
          app,
          fw,
          peer,
          xffEntriesAppended(t, links[0]),
          setsForwardedHost(t, links[0]),
          proxiesInFront(t, links[0]),
        ),
      );
  }
  return out;
}

/** The private networks a proxy in another container or on the LAN connects from (app/proxy-not-trusted's list). */
const PRIVATE_PEERS = ['127.0.0.1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * The hop in front of a FastCGI app (nginx before php-fpm) passes its own client as REMOTE_ADDR
 * (`fastcgi_param REMOTE_ADDR $remote_addr`): the peer a PHP framework's trust list must cover is that hop's peer,
 * the proxy in front of nginx. Undefined when nothing links to that hop (nginx is the edge: its client is the browser).
 */
function fastcgiClientPeer(t: Topology, link: Link): Link['peer'] | undefined {
  return t.links.find((l) => l.target.kind === 'proxy' && l.target.hopId === link.fromHop)?.peer;
}

/** Rails' version as the app states it (Gemfile.lock or load_defaults), major.minor; undefined when unknown. */
function railsAtLeast(version: string | undefined, major: number, minor: number): boolean | undefined {
  const m = /^(\d+)(?:\.(\d+))?/.exec(version ?? '');
  if (!m) return undefined;
  const [a, b] = [Number(m[1]), Number(m[2] ?? 0)];
  return a > major || (a === major && b >= minor);
}

/**
 * A one-line header list with X-Forwarded-Proto added: a PHP bit set (`Request::HEADER_X_FORWARDED_FOR | ...`: the
 * PROTO bit after the last HEADER_ constant, with its class prefix) or a YAML flow list (`trusted_headers: [...]`).
 * Undefined for any other shape (a list over several lines, a variable).
 */
export function schemeHeaderAdded(line: string): string | undefined {
  const consts = [...line.matchAll(/((?:\\?[\w\\]+|static|self)::)?HEADER_\w+/g)];
  const last = consts[consts.length - 1];
  if (last && last.index !== undefined) {
    const end = last.index + last[0].length;
    return `${line.slice(0, end)} | ${last[1] ?? ''}HEADER_X_FORWARDED_PROTO${line.slice(end)}`;
  }
  const flow = /^(\s*trusted_headers\s*:\s*\[)(\s*)(["']?)/.exec(line);
  if (flow) {
    const q = flow[3] || "'";
    const rest = line.slice((flow[1] as string).length);
    return `${flow[1]}${q}x-forwarded-proto${q}${rest.trim().startsWith(']') ? '' : ', '}${rest.trimStart()}`;
  }
  return undefined;
}

/**
 * Candidates for the neutral app ends (Framework.appEnd) that say where the scheme comes from in the app itself:
 * - Laravel TrustProxies: trust the peer whose X-Forwarded-Proto reaches it (the proxy in front of nginx for
 *   php-fpm), in the middleware's `$proxies` line or Laravel 11's `withMiddleware` closure (the lines
 *   app/proxy-not-trusted writes); elsewhere advice.
 * - Rails 7.1+ `config.assume_ssl = true` (ActionDispatch::AssumeSSL marks every request https): only where the
 *   app server is reached through the proxy alone (no published or public bind), since a plain request reaching it
 *   directly would be taken for https; a plain route through the proxy to it makes the search refuse it.
 */
function appEndCandidates(t: Topology, app: AppServer, fw: Framework, links: Link[]): Candidate[] {
  const out: Candidate[] = [];
  const a = fw.appEnd;
  const link = links[0];
  if (!a || !link) return out;
  if (a.name === 'Laravel' && a.schemeHeaders.length > 0 && !a.trustScheme.value.includes('*')) {
    const peer = link.target.kind === 'app' && appViaFastcgi(t, link) ? fastcgiClientPeer(t, link) : link.peer;
    const list =
      peer?.kind === 'loopback'
        ? [peer.ip]
        : peer?.kind === 'container'
          ? PRIVATE_PEERS
          : peer?.kind === 'remote'
            ? [peer.ip ?? PROXY_ADDRESS]
            : undefined;
    if (list) {
      const php = `[${list.map((x) => `'${x}'`).join(', ')}]`;
      const text = fw.ref.snippet ?? '';
      const indent = /^\s*/.exec(text)?.[0] ?? '';
      const closure = /->withMiddleware\s*\(\s*(?:static\s+)?function\s*\(\s*(?:\??[\w\\]+\s+)?(\$\w+)\s*\)[^{]*\{\s*$/.exec(
        text,
      );
      const property = /\$proxies\s*(=\s*(['"][^'"]*['"]|null)\s*)?;/.test(text);
      const simulated = list.map((x) => (x === PROXY_ADDRESS ? PLACEHOLDER_PEER : x));
      out.push({
        id: `laravel-trust:${app.id}`,
        title: `Laravel: trust ${peer?.kind === 'container' ? "the proxy's container network" : (list[0] as string)} in TrustProxies (it reads X-Forwarded-Proto only from trusted proxies)`,
        ref: fw.ref,
        after: Boolean(closure),
        lines: closure
          ? [`${indent}    ${closure[1]}->trustProxies(at: ${php});`]
          : property
            ? [text.replace(/\$proxies\s*(=.*)?;/, `$proxies = ${php};`)]
            : [`protected $proxies = ${php};`],
        placement: closure ? 'after' : property ? 'replace' : undefined,
        cost: 1,
        apply(tt) {
          const e = tt.apps.find((x) => x.id === app.id)?.framework?.appEnd;
          if (!e) return;
          e.trustScheme = { value: simulated, origin: 'literal', ref: fw.ref };
          e.trustClient = { value: simulated, origin: 'literal', ref: fw.ref };
          if (list.includes(PROXY_ADDRESS))
            for (const l of tt.links)
              if ((l === link || l.target.kind === 'proxy') && l.peer.kind === 'remote' && !l.peer.ip)
                l.peer = { ...l.peer, ip: PLACEHOLDER_PEER };
        },
      });
    }
  }
  const internalOnly = app.binds.every(
    (b) =>
      !b.published &&
      (b.exposure === 'loopback' || b.exposure === 'unix' || (app.placement.kind === 'container' && b.exposure !== 'specific')),
  );
  // An http:// ORIGIN (SvelteKit adapter-node) fixes every request to http: the same line with https://.
  const fixed = a.assumeHttp?.value ? a.assumeHttp.ref : undefined;
  const originAt = fixed?.snippet ? fixed.snippet.search(/(?<=ORIGIN["']?\s*[=:]\s*["']?)http:\/\//i) : -1;
  if (fixed && originAt >= 0) {
    const snippet = fixed.snippet as string;
    out.push({
      id: `origin-https:${app.id}`,
      title: `${a.name}: ${a.assumeHttp?.envVar ?? 'ORIGIN'} with https:// (the public origin)`,
      ref: fixed,
      lines: [`${snippet.slice(0, originAt)}https://${snippet.slice(originAt + 'http://'.length)}`],
      placement: 'replace',
      cost: 1,
      apply(tt) {
        const e = tt.apps.find((x) => x.id === app.id)?.framework?.appEnd;
        if (!e) return;
        e.assumeHttp = undefined;
        e.assumeHttps = { value: true, origin: 'env', ref: fixed };
      },
    });
  }
  // A written list of forwarded headers that leaves the scheme out (Laravel $headers / trustProxies(headers:),
  // Symfony setTrustedProxies()'s bits or trusted_headers): the same line with X-Forwarded-Proto added, in its syntax.
  const headersAt = a.schemeHeadersRef;
  const withProto = headersAt?.snippet ? schemeHeaderAdded(headersAt.snippet) : undefined;
  if (headersAt && withProto && a.schemeHeaders.length === 0) {
    out.push({
      id: `scheme-header:${app.id}`,
      title: `${a.name}: add X-Forwarded-Proto to the forwarded headers it believes`,
      ref: headersAt,
      lines: [withProto],
      placement: 'replace',
      cost: 1,
      apply(tt) {
        const e = tt.apps.find((x) => x.id === app.id)?.framework?.appEnd;
        if (!e) return;
        e.schemeHeaders = ['x-forwarded-proto'];
        e.schemeHeadersRef = undefined;
      },
    });
  }
  // Odoo: proxy_mode is its only switch (no list of peers); the search keeps it only where nothing becomes spoofable.
  if (a.name === 'Odoo' && a.trustScheme.value.length === 0) {
    const at = a.trustScheme.ref;
    const snippet = at?.snippet?.trim() ?? '';
    // Bitnami's image: the compose line setting ODOO_ENABLE_PROXY_MODE (collectors/odoo), its value turned to yes.
    const bitnamiEnv = /(ODOO_ENABLE_PROXY_MODE["']?\s*[=:]\s*["']?)[^"'\s#]*/;
    const placement =
      /^proxy_mode\s*[=:]/.test(snippet) || bitnamiEnv.test(snippet)
        ? 'replace'
        : /^\[options\]$/.test(snippet)
          ? 'after'
          : undefined;
    out.push({
      id: `odoo-proxy-mode:${app.id}`,
      title: 'Odoo: proxy_mode = True (it then applies X-Forwarded-For/-Proto from the proxy, on requests with X-Forwarded-Host)',
      ref: at ?? fw.ref,
      after: placement === 'after',
      lines: [bitnamiEnv.test(snippet) ? (at?.snippet ?? '').replace(bitnamiEnv, '$1yes') : 'proxy_mode = True'],
      placement,
      cost: 1,
      apply(tt) {
        const e = tt.apps.find((x) => x.id === app.id)?.framework?.appEnd;
        if (!e) return;
        e.trustScheme = { value: ['*'], origin: 'literal', ref: at };
        e.trustClient = { value: ['*'], origin: 'literal', ref: at };
      },
    });
  }
  if (a.name === 'Rails' && !a.assumeHttps?.value && railsAtLeast(fw.version, 7, 1) !== false && internalOnly) {
    const known = railsAtLeast(fw.version, 7, 1) === true;
    const at = fw.sslRedirect?.origin === 'literal' && fw.sslRedirect.ref ? fw.sslRedirect.ref : undefined;
    const indent = /^\s*/.exec(at?.snippet ?? '')?.[0] ?? '  ';
    out.push({
      id: `rails-assume-ssl:${app.id}`,
      title: `Rails${known ? '' : ' 7.1+'}: config.assume_ssl = true (every request reaches it through the TLS proxy; the app server is not reachable directly)`,
      ref: at ?? fw.ref,
      after: true,
      lines: [`${indent}config.assume_ssl = true`],
      // Next to config.force_ssl in the environment file; only where that line is written and the version is known.
      placement: at && known ? 'after' : undefined,
      cost: 2,
      apply(tt) {
        const e = tt.apps.find((x) => x.id === app.id)?.framework?.appEnd;
        if (e) e.assumeHttps = { value: true, origin: 'literal', ref: at ?? fw.ref };
      },
    });
  }
  return out;
}

/** The link ends at php-fpm through a FastCGI route (nginx `fastcgi_pass`). */
function appViaFastcgi(t: Topology, link: Link): boolean {
  return proxyById(t, link.fromHop)?.routes.find((r) => r.id === link.routeId)?.protocol === 'fastcgi';
}

/** The app server's own way of saying "listen on loopback only", in the syntax of the file that sets its bind. */
function loopbackBindLine(app: AppServer, port: number, snippet?: string): string {
  // @hono/node-server's serve({ fetch, port, hostname }) takes the address as an option, not as listen()'s argument.
  if (app.kind === 'node') return /\bserve\s*\(/.test(snippet ?? '') ? `hostname: '127.0.0.1'` : `listen(${port}, '127.0.0.1')`;
  const name = (app.name ?? app.label.split(' ')[0] ?? '').toLowerCase();
  if (name === 'puma') return `bind "tcp://127.0.0.1:${port}"`;
  if (name === 'tomcat') return `<Connector port="${port}" address="127.0.0.1" ... />`;
  if (name === 'cowboy' || name === 'bandit') return `http: [ip: {127, 0, 0, 1}, port: ${port}]`;
  if (name === 'spring-boot') return 'server.address=127.0.0.1';
  if (name === 'jetty') return 'jetty.http.host=127.0.0.1';
  if (name === 'kestrel') return `ASPNETCORE_URLS=http://127.0.0.1:${port}`;
  return `--bind 127.0.0.1:${port}`;
}

/**
 * How many X-Forwarded-For entries the hop in front of the app appends for one request: 1 for a proxy
 * (`$proxy_add_x_forwarded_for`), 2 for fronts that add their own address after the client's (Fly.io, Google's
 * load balancers: chain/topology `frontRules`). A hop-count trust setting must count them all to reach the client.
 */
function xffEntriesAppended(t: Topology, link: Link | undefined): number {
  if (!link) return 1;
  const hop = t.proxies.find((p) => p.id === link.fromHop);
  const route = hop?.routes.find((r) => r.id === link.routeId) ?? hop?.routes[0];
  const xff = route?.headers.find((h) => /^x-forwarded-for$/i.test(h.name))?.value;
  if (!xff || !/\{xff_append(?:_if_trusted)?\}/.test(xff)) return 1;
  return 1 + (xff.replace(/\{xff_append(?:_if_trusted)?\}/, '').match(/,/g)?.length ?? 0);
}

/**
 * How many proxies stand in front of the app on its first link, the hop in front and every proxy that links to it
 * in turn (one chain, bounded): each appends to X-Forwarded-For once the whole chain passes the header on, which is
 * what the fixes make it do (an edge nginx in front of a Caddy on the app host: two). The outermost counts as many
 * entries as it appends (xffEntriesAppended: 2 for Fly.io's front).
 */
function proxiesInFront(t: Topology, link: Link | undefined): number {
  if (!link) return 1;
  let n = 0;
  let at: Link | undefined = link;
  const seen = new Set<string>();
  while (at && !seen.has(at.fromHop) && n < 16) {
    seen.add(at.fromHop);
    const hopId: string = at.fromHop;
    const before: Link | undefined = t.links.find((l) => l.target.kind === 'proxy' && l.target.hopId === hopId);
    n += before ? 1 : xffEntriesAppended(t, at);
    at = before;
  }
  return Math.max(1, n);
}

/** Proxies in front of each Flask app of the topology on its first link (proxiesInFront), for the flask/ checks. */
export function flaskProxiesInFront(t: Topology): number[] {
  return t.apps.filter((a) => a.framework?.kind === 'flask').map((a) => proxiesInFront(t, appLinks(t, a)[0]));
}

/** The proxy route of this link sets X-Forwarded-Host from its own value (not the client's header passed on). */
function setsForwardedHost(t: Topology, link: Link | undefined): boolean {
  if (!link) return false;
  const hop = t.proxies.find((p) => p.id === link.fromHop);
  const route = hop?.routes.find((r) => r.id === link.routeId) ?? hop?.routes[0];
  const rule = route?.headers.find((h) => /^x-forwarded-host$/i.test(h.name));
  return Boolean(rule?.value && !/\{in:/.test(rule.value));
}

function frameworkCandidates(
  app: AppServer,
  fw: Framework,
  peer: Link['peer'] | undefined,
  hops = 1,
  proxySetsForwardedHost = false,
  /** Proxies in front of the app, the whole chain (proxiesInFront): ProxyFix's x_for. */
  proxies = hops,
): Candidate[] {
  const out: Candidate[] = [];
  if (fw.kind === 'django') {
    const cur = fw.schemeHeader?.value;
    if (cur?.header !== 'HTTP_X_FORWARDED_PROTO' || cur.value !== 'https') {
      // No line to anchor it to: advised inside the settings' block for the deployed environment, where it belongs
      // (not mechanical: whether that branch is the one deployed is for the person to say).
      const block = fw.deployBlock;
      const anchored = Boolean(
        (fw.schemeHeader?.ref && fw.schemeHeader.origin === 'literal') ||
          (fw.sslRedirect?.ref && fw.sslRedirect.origin === 'literal'),
      );
      out.push({
        id: `django-ssl-header:${app.id}`,
        title: `Django: read the scheme from the proxy's X-Forwarded-Proto${
          !anchored && block ? ` (inside \`if ${block.test}:\`, the settings for the deployed environment)` : ''
        }`,
        ref:
          fw.schemeHeader?.ref && fw.schemeHeader.origin === 'literal'
            ? fw.schemeHeader.ref
            : fw.sslRedirect?.ref && fw.sslRedirect.origin === 'literal'
              ? fw.sslRedirect.ref
              : block && block.ref.file === fw.ref.file
                ? block.ref
                : { file: fw.ref.file, line: 0 },
        after: !(fw.schemeHeader?.ref && fw.schemeHeader.origin === 'literal'),
        lines: ["SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')"],
        placement:
          fw.schemeHeader?.ref && fw.schemeHeader.origin === 'literal'
            ? 'replace'
            : fw.sslRedirect?.ref && fw.sslRedirect.origin === 'literal'
              ? 'after'
              : undefined,
        cost: 1,
        apply(tt) {
          const a = tt.apps.find((x) => x.id === app.id);
          if (a?.framework)
            a.framework.schemeHeader = {
              value: { header: 'HTTP_X_FORWARDED_PROTO', value: 'https' },
              origin: 'literal',
              ref: fw.ref,
            };
        },
      });
    }
    if (fw.useForwardedHost?.value) {
      out.push({
        id: `django-xfh-off:${app.id}`,
        title: 'Django: stop trusting X-Forwarded-Host (the proxy passes the Host itself)',
        ref: fw.useForwardedHost.ref ?? fw.ref,
        lines: ['USE_X_FORWARDED_HOST = False'],
        placement: fw.useForwardedHost.ref && fw.useForwardedHost.origin === 'literal' ? 'replace' : undefined,
        cost: 2,
        apply(tt) {
          const a = tt.apps.find((x) => x.id === app.id);
          if (a?.framework) a.framework.useForwardedHost = { value: false, origin: 'literal', ref: fw.ref };
        },
      });
    }
  }
  if (fw.appEnd?.name === 'ASP.NET Core' && fw.appEnd.schemeHeaders.length === 0) {
    // No ForwardedHeadersMiddleware at all: register it. Its default KnownNetworks/KnownProxies (loopback) already
    // cover a proxy on loopback; any other peer must be added, which the files cannot say (advice with the address).
    const addr = peer?.kind === 'loopback' ? undefined : peer?.kind === 'remote' && peer.ip ? peer.ip : '<proxy address>';
    out.push({
      id: `forwarded-headers:${app.id}`,
      title: `ASP.NET Core: register ForwardedHeadersMiddleware${addr ? ` trusting ${addr}` : ' (the loopback proxy is trusted by default)'}`,
      ref: fw.ref,
      lines: [
        'app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto });',
        ...(addr ? [`// and KnownProxies.Add(IPAddress.Parse("${addr}")) in its options`] : []),
      ],
      cost: 1,
      apply(tt) {
        const a = tt.apps.find((x) => x.id === app.id)?.framework?.appEnd;
        if (!a) return;
        const trusted = addr
          ? ['127.0.0.0/8', '::1', addr === '<proxy address>' ? '10.255.255.254' : addr]
          : ['127.0.0.0/8', '::1'];
        a.schemeHeaders = ['x-forwarded-proto'];
        a.clientHeaders = ['x-forwarded-for'];
        a.trustScheme = { ...a.trustScheme, value: trusted };
        a.trustClient = { ...a.trustClient, value: trusted };
        if (addr === '<proxy address>')
          for (const l of tt.links)
            if (l.target.kind === 'app' && l.target.appId === app.id && l.peer.kind === 'remote')
              l.peer = { ...l.peer, ip: '10.255.255.254' };
      },
    });
  }
  const wp = fw.appEnd;
  if (wp?.serverHttps && wp.insertBefore && wp.schemeHeaders.length === 0 && !wp.assumeHttps?.value) {
    // WordPress's documented wp-config.php snippet (developer.wordpress.org, "Administration Over HTTPS"), placed
    // before wp-settings.php loads, in the file's own style: HTTPS from X-Forwarded-Proto, but only when REMOTE_ADDR
    // (nginx's client: the TLS front) is a private or loopback address, so a client on the internet cannot claim
    // https. FILTER_FLAG_NO_PRIV_RANGE | FILTER_FLAG_NO_RES_RANGE rejects RFC 1918, loopback and the reserved ranges.
    const at = wp.insertBefore;
    const text = at.snippet ?? '';
    const indent = /^\s*/.exec(text)?.[0] ?? '';
    const guard = peer?.kind === 'remote' && peer.ip ? `'${peer.ip}' === $_SERVER['REMOTE_ADDR']` : null;
    out.push({
      id: `wp-https:${app.id}`,
      title: `${wp.name}: set $_SERVER['HTTPS'] from the proxy's X-Forwarded-Proto in wp-config.php (only from ${guard ? peer?.kind === 'remote' && peer.ip : 'a private or loopback REMOTE_ADDR'})`,
      ref: { file: at.file, line: at.line, snippet: at.snippet },
      lines: [
        `${indent}if ( isset( $_SERVER['HTTP_X_FORWARDED_PROTO'] ) && 'https' === $_SERVER['HTTP_X_FORWARDED_PROTO']`,
        `${indent}\t&& ${guard ?? "false === filter_var( $_SERVER['REMOTE_ADDR'], FILTER_VALIDATE_IP, FILTER_FLAG_NO_PRIV_RANGE | FILTER_FLAG_NO_RES_RANGE )"} ) {`,
        `${indent}\t$_SERVER['HTTPS'] = 'on';`,
        `${indent}}`,
        '',
        text,
      ],
      placement: 'replace',
      cost: 1,
      apply(tt) {
        const a = tt.apps.find((x) => x.id === app.id)?.framework?.appEnd;
        if (!a) return;
        a.schemeHeaders = ['x-forwarded-proto'];
        // PHP's REMOTE_ADDR is the address nginx passes (its own client), which the chain does not carry over a
        // FastCGI socket: the guard above is PHP's; the simulation believes the header the proxy sends.
        a.trustScheme = { value: guard ? [peer?.kind === 'remote' ? (peer.ip ?? '*') : '*'] : ['*'], origin: 'literal', ref: at };
      },
    });
  }
  if (fw.kind === 'flask') {
    // x_host=1 only where the proxy writes X-Forwarded-Host itself: else the client's own header reaches ProxyFix
    // and becomes request.host (a spoof the search would rightly refuse, leaving the planner with no answer).
    const xHost = proxySetsForwardedHost ? 1 : 0;
    out.push({
      id: `proxyfix:${app.id}`,
      title: `Flask: apply ProxyFix for the ${proxies === 1 ? 'one proxy' : `${proxies} proxies`} in front`,
      ref: fw.proxyFix?.ref ?? fw.ref,
      lines: [
        'from werkzeug.middleware.proxy_fix import ProxyFix',
        `app.wsgi_app = ProxyFix(app.wsgi_app, x_for=${proxies}, x_proto=1${xHost ? ', x_host=1' : ''})`,
      ],
      cost: 1,
      apply(tt) {
        const a = tt.apps.find((x) => x.id === app.id);
        if (a?.framework)
          a.framework.proxyFix = {
            value: { x_for: proxies, x_proto: 1, x_host: xHost, x_port: 0 },
            origin: 'literal',
            ref: fw.ref,
          };
      },
    });
  }
  if (fw.kind === 'express' || fw.kind === 'fastify' || fw.kind === 'koa') {
    const value: string[] | number | boolean =
      peer?.kind === 'loopback' ? ['loopback'] : peer?.kind === 'container' ? ['uniquelocal'] : hops;
    const shown = Array.isArray(value) ? `'${value[0]}'` : String(value);
    const line =
      fw.kind === 'express'
        ? `app.set('trust proxy', ${shown});`
        : fw.kind === 'fastify'
          ? `${fw.trustProxyCall ?? 'Fastify'}({ trustProxy: ${shown} })`
          : 'app.proxy = true;';
    out.push({
      id: `trust-proxy:${app.id}`,
      title: `${fw.label}: trust the proxy's X-Forwarded-* from ${Array.isArray(value) ? value[0] : `${value} hop`} only`,
      ref: fw.trustProxy?.ref && fw.trustProxy.origin !== 'default' ? fw.trustProxy.ref : fw.ref,
      lines: [line],
      // Express: the `app.set('trust proxy', ...)` statement is replaced where it is written.
      placement:
        fw.kind === 'express' && fw.trustProxy?.origin === 'literal' && /trust proxy/.test(fw.trustProxy.ref?.snippet ?? '')
          ? 'replace'
          : undefined,
      cost: 1,
      apply(tt) {
        const a = tt.apps.find((x) => x.id === app.id);
        if (a?.framework) a.framework.trustProxy = { value: fw.kind === 'koa' ? true : value, origin: 'literal', ref: fw.ref };
        if (a?.framework?.forwardedLib) a.framework.forwardedLib.trust = Array.isArray(value) ? value : ['*'];
      },
    });
  }
  return out;
}

const PROXY_ADDRESS = '<proxy address>';
/** Where the planner simulates a `<proxy address>` it cannot know: an address no real peer has. */
const PLACEHOLDER_PEER = '10.255.255.254';
const CADDY_PRIVATE = ['127.0.0.0/8', '::1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

/**
 * What a Caddy hop's `trusted_proxies` should name for the proxies that reach it. `private_ranges` covers a proxy
 * reaching it through a container network or a private LAN. It does not cover a peer with a known address outside
 * those ranges (that address is written), nor one whose address is unknown while Caddy binds a literal address
 * outside them (the peer is on that network, not a private one): then the address is the one fact the files do
 * not hold, `<proxy address>` (advice, or `fix --proxy-address`), never a range that leaves the proxy untrusted.
 */
function caddyTrustPeers(t: Topology, hop: ProxyHop): { text: string; list: string[] } {
  const into = t.links.filter((l) => l.target.kind === 'proxy' && l.target.hopId === hop.id);
  const outside = (ip: string) => !ipInList(ip, CADDY_PRIVATE);
  const known = [
    ...new Set(into.flatMap((l) => (l.peer.kind === 'remote' && l.peer.ip && outside(l.peer.ip) ? [l.peer.ip] : []))),
  ];
  if (known.length > 0) return { text: known.join(' '), list: known };
  const unknownOnPublicBind = into.some((l) => {
    if (l.peer.kind !== 'remote' || l.peer.ip || l.target.kind !== 'proxy') return false;
    const bind = hop.listeners[l.target.listener]?.address;
    return bind !== undefined && isIP(bind) !== 0 && outside(bind);
  });
  if (unknownOnPublicBind) return { text: PROXY_ADDRESS, list: [PLACEHOLDER_PEER] };
  return { text: 'private_ranges', list: CADDY_PRIVATE };
}

function caddyCandidates(t: Topology, v: ChainVerdict): Candidate[] {
  const out: Candidate[] = [];
  for (const r of v.routes) {
    const lost = r.scheme.lostAt ? r.trace.steps[r.scheme.lostAt.step] : undefined;
    const labelled = proxyByLabel(t, lost?.label);
    const hop = labelled?.kind === 'caddy' ? labelled : undefined;
    if (!hop || out.some((c) => c.id === `caddy-trust:${hop.id}`)) continue;
    // A Caddy that already keeps X-Forwarded-* from every peer (before 2.5, which has no trusted_proxies) loses the
    // scheme for another reason: trusting is no fix there.
    if (hop.trustedPeers?.list.includes('0.0.0.0/0')) continue;
    // Per handler (`reverse_proxy ... { trusted_proxies ... }`): the form every Caddy 2.5+ accepts (the global
    // `servers { trusted_proxies static ... }` needs 2.6.3+, and the plan does not know the version), written at the
    // route's own reverse_proxy line; where that line is not one this edit can rewrite, the same line to put in
    // each reverse_proxy block, without a place.
    // The route of this hop the trace went through (the verdict's own route is the first hop's).
    const route =
      hop.routes.find((x) => x.id === r.routeId) ??
      (hop.routes.length === 1
        ? hop.routes[0]
        : hop.routes.find(
            (x) => lost?.conveys?.ref && x.ref.file === lost.conveys.ref.file && x.ref.line === lost.conveys.ref.line,
          ));
    const written = route?.ref.line && route.ref.snippet ? route.ref.snippet.trim() : undefined;
    const oneLine = written && /^reverse_proxy\b[^{}#]*$/.test(written) ? written : undefined;
    const opens = written && /^reverse_proxy\b[^{}#]*\{$/.test(written);
    const peers = caddyTrustPeers(t, hop);
    out.push({
      id: `caddy-trust:${hop.id}`,
      title: `${hop.label}: trust X-Forwarded-* from the proxy in front (trusted_proxies${oneLine || opens ? '' : ' in each reverse_proxy block, Caddy 2.5+'})`,
      ref: (oneLine || opens) && route ? route.ref : hop.ref,
      after: Boolean(opens),
      lines: oneLine
        ? [`${oneLine} {`, `trusted_proxies ${peers.text}`, '}']
        : opens
          ? [`trusted_proxies ${peers.text}`]
          : [`trusted_proxies ${peers.text}`],
      placement: oneLine ? 'replace' : opens ? 'after' : undefined,
      cost: 1,
      apply(tt) {
        const h = tt.proxies.find((p) => p.id === hop.id);
        if (h) h.trustedPeers = { list: peers.list, ref: h.ref };
        if (peers.text === PROXY_ADDRESS)
          for (const l of tt.links)
            if (l.target.kind === 'proxy' && l.target.hopId === hop.id && l.peer.kind === 'remote')
              l.peer = { ...l.peer, ip: PLACEHOLDER_PEER };
      },
    });
  }
  return out;
}

/**
 * A Caddy site whose automatic HTTPS redirect answers the plain requests of a TLS proxy in front (a redirect loop):
 * the site's address line also names `http://<host>`, so Caddy serves the name on its HTTP port instead of
 * redirecting (an `http://` site of a name switches that name's redirect off; its TLS listener stays). Checked on
 * caddy 2.6.2: `a.example.com, http://a.example.com {` answers 200 on both ports, `a.example.com {` 308 on :80.
 * Written on the site line as the collector recorded it (`addrs {`); a braceless line fails the fix loop's re-parse
 * and becomes advice.
 */
function caddyRedirectCandidates(t: Topology, v: ChainVerdict): Candidate[] {
  const out: Candidate[] = [];
  for (const r of v.routes) {
    const lost = r.scheme.lostAt ? r.trace.steps[r.scheme.lostAt.step] : undefined;
    if (lost?.redirect?.by !== 'proxy') continue;
    const hop = proxyByLabel(t, lost.label);
    const auto = hop?.redirectsToHttps;
    if (hop?.kind !== 'caddy' || !auto || auto.origin !== 'default' || auto.line !== hop.ref.line) continue;
    const addrs = hop.ref.snippet?.trim();
    const names = hop.names.filter((n) => /^[a-z0-9.-]+$/i.test(n) && n.includes('.'));
    if (!addrs || names.length === 0 || /[{}]/.test(addrs) || out.some((c) => c.id === `caddy-serve-plain:${hop.id}`)) continue;
    out.push({
      id: `caddy-serve-plain:${hop.id}`,
      title: `${hop.label}: serve ${names.join(', ')} on the HTTP port too, the port the TLS proxy in front sends to (no automatic redirect there)`,
      ref: hop.ref,
      lines: [`${addrs}, ${names.map((n) => `http://${n}`).join(', ')} {`],
      placement: 'replace',
      cost: 1,
      apply(tt) {
        const h = tt.proxies.find((p) => p.id === hop.id);
        if (!h) return;
        h.redirectsToHttps = undefined;
        h.redirectDecidedBy = undefined;
      },
    });
  }
  return out;
}

/** Traefik's trust of the balancer in front, on entrypoint `ep`, in its two usual Kubernetes spellings. */
function traefikTrustLines(ep: string): string[] {
  return [
    `# the static configuration of the ${ep} entrypoint, the one the load balancer sends to; as a container argument:`,
    `--entryPoints.${ep}.forwardedHeaders.trustedIPs=${PROXY_ADDRESS}`,
    '# or in the Traefik Helm chart values:',
    'ports:',
    `  ${ep}:`,
    '    forwardedHeaders:',
    `      trustedIPs: ["${PROXY_ADDRESS}"]`,
  ];
}

/**
 * An ingress controller that writes X-Forwarded-Proto from its own connection while a TLS balancer stands in front
 * (`controllerLbs`: the controller's own Service ends TLS): tell it to keep the balancer's header. Contour: the
 * config file's `network: num-trusted-hops: 1` (Envoy then keeps X-Forwarded-Proto from the one hop in front,
 * whoever sends it: Envoy counts hops, not addresses); Traefik: `forwardedHeaders.trustedIPs` on the entrypoint the
 * balancer sends to (the balancer's addresses, which no file holds). Advice, written where the setting goes when
 * the tree has it (a `num-trusted-hops: 0` line is replaced); an L4 balancer sends no header, so the search never
 * keeps these there.
 */
function controllerTrustCandidates(t: Topology, v: ChainVerdict): Candidate[] {
  const out: Candidate[] = [];
  for (const r of v.routes) {
    const lost = r.scheme.lostAt ? r.trace.steps[r.scheme.lostAt.step] : undefined;
    const hop = proxyByLabel(t, lost?.label);
    if (!hop || out.some((c) => c.id === `controller-trust:${hop.id}`)) continue;
    const lb = t.entries.find((e) => e.hopId === hop.id && e.lb?.origin === 'inferred' && e.lb.mode === 'http')?.lb;
    if (!lb) continue;
    const contour = hop.id.startsWith('contour:');
    const traefik = hop.kind === 'traefik' && hop.trustedPeers?.list.length === 0;
    if (!contour && !traefik) continue;
    const written = hop.trustedPeers?.ref && hop.trustedPeers.ref.origin !== 'default' ? hop.trustedPeers.ref : undefined;
    const hopsLine = contour && written && /num-?trusted-?hops/i.test(written.snippet ?? '') ? written : undefined;
    out.push({
      id: `controller-trust:${hop.id}`,
      title: contour
        ? `${hop.label}: let Envoy keep the X-Forwarded-Proto of the load balancer in front (Contour num-trusted-hops: 1)`
        : `${hop.label}: trust X-Forwarded-* from the load balancer in front (the entrypoint's forwardedHeaders.trustedIPs)`,
      ref: hopsLine ?? written ?? hop.ref,
      lines: contour
        ? hopsLine
          ? [/numTrustedHops/.test(hopsLine.snippet ?? '') ? 'numTrustedHops: 1' : 'num-trusted-hops: 1']
          : ['# the Contour config file (contour.yaml in the contour ConfigMap):', 'network:', '  num-trusted-hops: 1']
        : traefikTrustLines(lb.controllerPort && /^[a-z][\w-]*$/i.test(lb.controllerPort) ? lb.controllerPort : '<name>'),
      ...(hopsLine ? { placement: 'replace' as const } : {}),
      cost: 1,
      apply(tt) {
        const h = tt.proxies.find((p) => p.id === hop.id);
        if (!h) return;
        h.trustedPeers = { list: ['0.0.0.0/0', '::/0'], ref: h.ref };
        if (contour)
          for (const route of h.routes)
            for (const rule of route.headers)
              if (/^x-forwarded-proto$/i.test(rule.name) && rule.value === '{scheme}')
                rule.value = '{trusted:x-forwarded-proto|scheme}';
      },
    });
  }
  return out;
}

interface Score {
  broken: number;
  spoofs: number;
}

function score(v: ChainVerdict): Score {
  let broken = 0;
  for (const r of v.routes) {
    if (r.scheme.status === 'lost') broken++;
    if (r.host.status === 'lost') broken++;
  }
  let spoofs = 0;
  for (const b of v.backends) if (b.spoof && (b.spoof.reach === 'network' || b.spoof.reach === 'internet')) spoofs++;
  for (const s of v.entrySpoofs) spoofs += s.what.length;
  for (const r of v.routes) spoofs += r.spoofable.filter((s) => s.via === 'proxy').length;
  return { broken, spoofs };
}

function isClean(s: Score): boolean {
  return s.broken === 0 && s.spoofs === 0;
}

function candidatesFor(t: Topology, v: ChainVerdict, all = false): Candidate[] {
  const list = [
    ...nginxHeaderCandidates(t, v),
    ...caddyCandidates(t, v),
    ...caddyRedirectCandidates(t, v),
    ...controllerTrustCandidates(t, v),
    ...fastcgiHttpsCandidates(t, v),
    ...appCandidates(t),
  ];
  const uniq = new Map<string, Candidate>();
  for (const c of list) if (!uniq.has(c.id)) uniq.set(c.id, c);
  return all ? [...uniq.values()] : [...uniq.values()].slice(0, MAX_CANDIDATES);
}

function* subsets<T>(xs: T[], k: number, start = 0): Generator<T[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= xs.length - k; i++) for (const rest of subsets(xs, k - 1, i + 1)) yield [xs[i] as T, ...rest];
}

function search(
  base: Topology,
  cands: Candidate[],
  goal: (v: ChainVerdict) => boolean,
  scope?: VerdictScope,
  keys?: string[],
): Candidate[] | null {
  for (let k = 1; k <= Math.min(MAX_SET, cands.length); k++) {
    let best: { set: Candidate[]; cost: number } | null = null;
    for (const set of subsets(cands, k)) {
      const cost = set.reduce((n, c) => n + c.cost, 0);
      if (best && cost >= best.cost) continue;
      const t = keys ? cloneFor(base, keys) : clone(base);
      for (const c of set) c.apply(t);
      if (goal(computeVerdict(t, scope))) best = { set, cost };
    }
    if (best) return best.set;
  }
  return null;
}

/**
 * The proxy routes a route's request goes through, in order, and the link that ends at its app (if any): each next
 * hop's route is the one the simulator picks for the request's path (`pickRoute`), not simply its first.
 */
function routePath(
  t: Topology,
  r: Pick<RouteVerdict, 'hopId' | 'routeId'>,
): { hops: Array<{ hop: ProxyHop; route: ProxyRoute }>; appLink?: Link } {
  const hops: Array<{ hop: ProxyHop; route: ProxyRoute }> = [];
  let hop = proxyById(t, r.hopId);
  let route = hop?.routes.find((x) => x.id === r.routeId);
  const path = route?.samplePath ?? '/';
  for (let i = 0; i < 10 && hop && route; i++) {
    hops.push({ hop, route });
    const l = linkFrom(t, hop.id, route.id);
    if (!l) break;
    if (l.target.kind === 'app') return { hops, appLink: l };
    if (l.target.kind !== 'proxy') break;
    hop = proxyById(t, l.target.hopId);
    route = hop ? pickRoute(hop, path) : undefined;
  }
  return { hops };
}

/** Hop ids, `hop/route` keys and app ids a route's trace goes through. */
function problemKeys(t: Topology, r: RouteVerdict): string[] {
  const { hops, appLink } = routePath(t, r);
  const keys = [r.hopId, `${r.hopId}/${r.routeId}`];
  for (const { hop, route } of hops.slice(1)) keys.push(hop.id, `${hop.id}/${route.id}`);
  if (appLink?.target.kind === 'app') keys.push(appLink.target.appId);
  return keys;
}

/**
 * A plain-HTTP entry (no TLS, no balancer in front) whose route, not answered by a redirect to https, goes through
 * the proxy route `key` (`hop/route`): a Traefik `web` entrypoint router to the same nginx. The verdict lists the
 * routes of the site's https URLs only, so this is read from the topology's entries.
 */
function plainReaches(t: Topology, key: string): boolean {
  for (const e of t.entries) {
    if (e.tls || e.lb) continue;
    const hop = proxyById(t, e.hopId);
    if (!hop || hop.redirectsToHttps) continue;
    for (const route of hop.routes) {
      if (route.redirectsToHttps) continue;
      if (routePath(t, { hopId: hop.id, routeId: route.id }).hops.some((x) => `${x.hop.id}/${x.route.id}` === key)) return true;
    }
  }
  return false;
}

/**
 * php-fpm behind an nginx `fastcgi_pass` whose route sends no `HTTPS` param: PHP's $_SERVER['HTTPS'] (is_ssl(),
 * Symfony's and Laravel's fallback when no proxy is trusted) says http. nginx that ends TLS itself passes `$https`
 * (nginx's own fastcgi_params line); an nginx that only a TLS proxy in front reaches, every route through it https,
 * passes `on` (a plain route through it makes the search refuse it, and so does a route the front sends as http).
 */
function fastcgiHttpsCandidates(t: Topology, v: ChainVerdict): Candidate[] {
  const out: Candidate[] = [];
  const through = new Map<string, RouteVerdict[]>();
  const lastHop = new Map<string, { hop: ProxyHop; route: ProxyRoute; app: AppServer }>();
  for (const r of v.routes) {
    const { hops, appLink } = routePath(t, r);
    const last = hops[hops.length - 1];
    if (last?.route.protocol !== 'fastcgi' || last.hop.kind !== 'nginx' || appLink?.target.kind !== 'app') continue;
    const app = appById(t, appLink.target.appId);
    if (app?.name !== 'php-fpm') continue;
    const key = `${last.hop.id}/${last.route.id}`;
    through.set(key, [...(through.get(key) ?? []), r]);
    lastHop.set(key, { ...last, app });
  }
  for (const [key, routes] of through) {
    const at = lastHop.get(key);
    if (!at || !routes.some((r) => r.scheme.status === 'lost')) continue;
    const { hop, route } = at;
    const https = route.headers.find((h) => h.name.toLowerCase() === 'https');
    const edge = routes.every((r) => r.hopId === hop.id);
    const ownTls = edge && hop.listeners.some((l) => l.tls);
    // Already right: `on`, or nginx's own `$https` where nginx ends TLS (behind a front, `$https` is empty).
    if (https?.value && (/^(on|1)$/i.test(https.value) || (ownTls && https.value === '{https}'))) continue;
    if (!ownTls && (edge || !routes.every((r) => r.scheme.expected === 'https'))) continue;
    if (!ownTls && plainReaches(t, key)) continue;
    const line = ownTls ? 'fastcgi_param HTTPS $https if_not_empty;' : 'fastcgi_param HTTPS on;';
    const written = https?.from === 'route' && https.ref.line > 0 ? https : undefined;
    const insert = routeInsert(route, ['https'], [line]);
    out.push({
      id: `fastcgi-https:${key}`,
      title: ownTls
        ? `${hop.label}: pass the connection's HTTPS to php-fpm in ${route.match}`
        : `${hop.label}: tell php-fpm the request was https (HTTPS on) in ${route.match}: every request reaches it through the TLS proxy in front`,
      ref: written ? written.ref : lastOwnLine(route),
      after: !written,
      lines: written ? [line] : insert.lines,
      placement: written ? 'replace' : insert.placement,
      cost: 2,
      apply(tt) {
        const rr = findRoute(tt, hop.id, route.id);
        if (!rr) return;
        if (!written) redeclareInherited(rr);
        rr.headers = rr.headers.filter((h) => h.name.toLowerCase() !== 'https');
        rr.headers.push({ name: 'HTTPS', value: ownTls ? '{https}' : 'on', ref: rr.ref, from: 'route' });
      },
    });
  }
  return out;
}

/** A candidate id is `<kind>:<target>`; the target is a hop, `hop/route`, an app, or `app:<bind>`. */
function relevantTo(id: string, keys: string[]): boolean {
  const target = id.slice(id.indexOf(':') + 1);
  return keys.some((k) => target === k || target.startsWith(`${k}:`));
}

interface Problem {
  scope: VerdictScope;
  keys: string[];
  ok(v: ChainVerdict): boolean;
  /** A weaker goal that still makes progress (the scheme and host right, spoofs left to the next round). */
  partial?(v: ChainVerdict): boolean;
}

function problemsOf(t: Topology, v: ChainVerdict): Problem[] {
  const out: Problem[] = [];
  for (const r of v.routes) {
    const bad = r.scheme.status === 'lost' || r.host.status === 'lost' || r.spoofable.some((s) => s.via === 'proxy');
    if (!bad) continue;
    out.push({
      scope: { routes: new Set([r.id]), apps: new Set() },
      keys: problemKeys(t, r),
      ok: (x) =>
        x.routes.every(
          (y) => y.scheme.status !== 'lost' && y.host.status !== 'lost' && !y.spoofable.some((s) => s.via === 'proxy'),
        ),
      partial: (x) => x.routes.every((y) => y.scheme.status !== 'lost' && y.host.status !== 'lost'),
    });
  }
  for (const s of v.entrySpoofs) {
    const id = `${s.trace.entryId}#${s.trace.routeId}`;
    const entry = entryById(t, s.trace.entryId);
    const keys = entry ? [entry.hopId, `${entry.hopId}/${s.trace.routeId}`] : [];
    const app = entry ? linkFrom(t, entry.hopId, s.trace.routeId)?.target : undefined;
    if (app?.kind === 'app') keys.push(app.appId);
    out.push({ scope: { routes: new Set([id]), apps: new Set() }, keys, ok: (x) => x.entrySpoofs.length === 0 });
  }
  for (const b of v.backends) {
    if (!b.spoof || (b.spoof.reach !== 'network' && b.spoof.reach !== 'internet')) continue;
    out.push({
      scope: { routes: new Set(), apps: new Set([b.appId]) },
      keys: [b.appId],
      ok: (x) => x.backends.every((y) => !y.spoof || (y.spoof.reach !== 'network' && y.spoof.reach !== 'internet')),
    });
  }
  return out;
}

const MAX_ROUNDS = 3;
const MAX_PROBLEMS = 400;

/**
 * Problems (a broken route, a spoof through an entry, a spoofable backend) are solved one by one
 * with the candidates that touch them, on the accumulated fixes; a round that uncovers new
 * problems (SECURE_PROXY_SSL_HEADER on a published port) is followed by another.
 */
function solveProblems(
  topo: Topology,
  verdict: ChainVerdict,
): { fixed: Topology; verdict: ChainVerdict; chosen: Candidate[]; complete: boolean } {
  // No deep copy of the whole topology: every change is applied to a copy-on-write clone (cloneFor) of what the
  // problem's candidates touch, so `topo` (the analysed chain the checks and reports read) is never mutated.
  let fixed = topo;
  const chosen: Candidate[] = [];
  let complete = true;
  let v = verdict;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const problems = problemsOf(fixed, v).slice(0, MAX_PROBLEMS);
    if (problems.length === 0) break;
    const cands = candidatesFor(fixed, v, true);
    let progress = false;
    for (const p of problems) {
      if (p.ok(computeVerdict(fixed, p.scope))) continue;
      const local = cands.filter((c) => relevantTo(c.id, p.keys)).slice(0, MAX_CANDIDATES);
      const found =
        search(fixed, local, p.ok, p.scope, p.keys) ?? (p.partial ? search(fixed, local, p.partial, p.scope, p.keys) : null);
      if (!found) {
        complete = false;
        continue;
      }
      fixed = cloneFor(fixed, p.keys);
      for (const c of found) {
        c.apply(fixed);
        if (!chosen.some((x) => x.id === c.id)) chosen.push(c);
      }
      progress = true;
    }
    v = computeVerdict(fixed);
    if (isClean(score(v))) return { fixed, verdict: v, chosen, complete: true };
    if (!progress) break;
  }
  // `v` is always the verdict of `fixed` (the given one when nothing was applied): the caller reuses it.
  return { fixed, verdict: v, chosen, complete: complete && isClean(score(v)) };
}

/**
 * The routes correct on `fixed` that may break once the proxy moves away: only a route through an app server
 * that trusts loopback by its default can (proxyMovedAway changes link peers, never the path or the apps).
 */
function movableRoutes(fixed: Topology, fixedVerdict: ChainVerdict): Set<string> {
  const out = new Set<string>();
  for (const r of fixedVerdict.routes) {
    if (r.scheme.status !== 'correct') continue;
    if (r.trace.steps.some((s) => s.kind === 'app-server' && appByLabel(fixed, s.label)?.trusted.origin === 'default'))
      out.add(r.id);
  }
  return out;
}

/** The proxy moves to another host/container: every loopback/unix link becomes a remote peer. */
export function proxyMovedAway(t: Topology): Topology {
  // Only the links change: a new links array (new objects for the moved ones); hops and apps are shared, and the
  // search below copies what a candidate mutates (cloneFor), never the whole topology.
  return {
    ...t,
    links: t.links.map((l) =>
      l.target.kind === 'app' && (l.peer.kind === 'loopback' || l.peer.kind === 'unix')
        ? { ...l, peer: { kind: 'remote', desc: 'the proxy on another host or container' } }
        : l,
    ),
  };
}

function toFix(c: Candidate, kind: PlannedFix['kind'], because: string): PlannedFix {
  return {
    id: c.id,
    kind,
    title: c.title,
    file: c.ref.file,
    line: c.ref.line,
    after: Boolean(c.after),
    lines: c.lines,
    ...(c.placement && c.ref.line > 0 ? { placement: c.placement } : {}),
    because,
  };
}

export function planFixes(topo: Topology, verdict: ChainVerdict = computeVerdict(topo)): FixPlan {
  const fixes: PlannedFix[] = [];
  const notes: string[] = [];
  let complete = true;
  let fixed = topo;
  let fixedVerdict = verdict;
  if (!isClean(score(verdict))) {
    const r = solveProblems(topo, verdict);
    fixed = r.fixed;
    fixedVerdict = r.verdict;
    r.chosen.sort((a, b) => fixOrder(a.id) - fixOrder(b.id));
    for (const c of r.chosen) fixes.push(toFix(c, 'required', describeRequired(c, verdict)));
    if (!r.complete) {
      complete = false;
      notes.push(
        'no combination of up to three known changes per problem makes every route correct and nothing spoofable: see the findings',
      );
    }
  }
  // Robustness: does it stay correct once the proxy is no longer on loopback?
  const movedTopo = proxyMovedAway(fixed);
  // Only where the app server's own default trust of loopback was what kept it correct. The moved chain is
  // simulated for the routes that can break only (a whole second verdict of 20,000 routes was 40 MB of garbage
  // on the 10,000-server bench); the full one only when some route does break, for the candidates.
  const wasOk = movableRoutes(fixed, fixedVerdict);
  const breaks =
    wasOk.size === 0
      ? []
      : computeVerdict(movedTopo, { routes: wasOk, apps: new Set() }).routes.filter((r) => {
          if (!wasOk.has(r.id) || r.scheme.status !== 'lost' || !r.scheme.lostAt) return false;
          const step = r.trace.steps[r.scheme.lostAt.step];
          const app = appByLabel(movedTopo, step?.label);
          return step?.kind === 'app-server' && app !== undefined && app.trusted.origin === 'default';
        });
  if (breaks.length > 0) {
    const moved = computeVerdict(movedTopo);
    const all = candidatesFor(movedTopo, moved).filter((c) => !c.id.startsWith('bind:') && !c.id.startsWith('narrow:'));
    const set: Candidate[] = [];
    let base = movedTopo;
    for (const b of breaks) {
      const scope = { routes: new Set([b.id]), apps: new Set<string>() };
      const keys = problemKeys(movedTopo, b);
      const local = all.filter((c) => relevantTo(c.id, keys));
      const found = search(base, local, (v) => v.routes.every((r) => r.scheme.status === 'correct'), scope, keys);
      if (!found) continue;
      base = cloneFor(base, keys);
      for (const c of found) {
        c.apply(base);
        if (!set.some((x) => x.id === c.id)) set.push(c);
      }
    }
    const app = breaks[0]?.trace.steps.find((s) => s.kind === 'app-server')?.label ?? 'the app server';
    if (set.length)
      for (const c of set)
        fixes.push(
          toFix(
            c,
            'robustness',
            `needed once ${app} no longer trusts the proxy's address (the proxy moves to another host or container): today it is correct only because it trusts loopback by default`,
          ),
        );
  }
  // The backend port.
  const backends = fixedVerdict.backends;
  for (const b of backends) {
    if (!b.bypassesProxy) continue;
    const app = appById(fixed, b.appId);
    const idx =
      app?.binds.findIndex(
        (x) => (x.address.kind === 'tcp' ? `${x.address.host}:${x.address.port}` : `unix:${x.address.path}`) === b.bind,
      ) ?? -1;
    const cands = candidatesFor(fixed, fixedVerdict).filter(
      (c) => c.id === `bind:${b.appId}:${idx}` || c.id === `unpublish:${b.appId}:${idx}`,
    );
    const c = cands[0];
    if (c && !fixes.some((f) => f.id === c.id))
      fixes.push(
        toFix(
          c,
          'recommended',
          `the backend port must not be public: ${b.reachableFrom} can bypass the proxy (plain HTTP, forged headers)`,
        ),
      );
    else if (!c)
      // The label usually names the bind already ("gunicorn 0.0.0.0:8000").
      notes.push(
        `${b.label.includes(b.bind) ? b.label : `${b.label} ${b.bind}`} is reachable from ${b.reachableFrom}: make sure only the proxy can reach it (firewall)`,
      );
  }
  for (const app of topo.apps) {
    if (!appLinks(topo, app).length) continue;
    const pub =
      backends.some((b) => b.appId === app.id && b.reach === 'network') ||
      verdict.backends.some((b) => b.appId === app.id && b.reach === 'network');
    const sub = backends.find((b) => b.appId === app.id && b.reach === 'subnet');
    if (sub) notes.push(`${app.label}: reachable only from ${sub.reachableFrom}; the backend port is not public`);
    else if (!pub) {
      const binds = app.binds
        .map((b) => (b.address.kind === 'tcp' ? `${b.address.host}:${b.address.port}` : `unix:${b.address.path}`))
        .join(', ');
      notes.push(`${app.name ?? app.kind} binds ${binds || '(unknown)'}: the backend port is not public`);
    }
  }
  return { fixes, notes, complete };
}

/** Fixes that carry the scheme to the app (the others fix the host or close a spoof). */
/** A proxy's own redirect answered where a TLS proxy in front sends plain HTTP. */
export const REDIRECT_FIX = /^caddy-serve-plain:/;
export const SCHEME_FIX =
  /^(nginx-xfp|apache-xfp|django-ssl-header|trust:|proxyfix|trust-proxy|caddy-trust|fastcgi-https|laravel-trust|rails-assume-ssl)/;
const HOST_FIX = /^nginx-host/;

/**
 * The planned fix a finding about one route carries: among the fixes `wanted` accepts, first the one written for that
 * route itself (`nginx-xfp:<hop>/<route>`: its own location's line), then one written for no route of the chain (an
 * app's trust setting, a hop's), never the fix of another route (two locations of one server, each missing the header,
 * each get their own line).
 */
export function fixForRoute(
  fixes: readonly PlannedFix[],
  routes: readonly { hopId: string; routeId: string }[],
  route: { hopId: string; routeId: string },
  wanted: (f: PlannedFix) => boolean,
): PlannedFix | undefined {
  const aimedAt = (f: PlannedFix, r: { hopId: string; routeId: string }): boolean => f.id.endsWith(`:${r.hopId}/${r.routeId}`);
  return fixes.find((f) => wanted(f) && aimedAt(f, route)) ?? fixes.find((f) => wanted(f) && !routes.some((r) => aimedAt(f, r)));
}

function fixOrder(id: string): number {
  return SCHEME_FIX.test(id) ? 0 : HOST_FIX.test(id) ? 1 : 2;
}

function describeRequired(c: Candidate, v: ChainVerdict): string {
  if (/^(bind:|unpublish:|narrow:)/.test(c.id)) {
    const b = v.backends.find((x) => x.spoof && c.id.includes(x.appId));
    if (b?.spoof) return `${b.spoof.what.join('+')} spoofable from ${b.spoof.from}`;
  }
  if (c.id.startsWith('nginx-overwrite')) {
    const s = [...v.entrySpoofs, ...v.routes.flatMap((r) => r.spoofable.filter((x) => x.via === 'proxy'))][0];
    if (s) return `${s.what.join('+')} spoofable from ${s.from}`;
  }
  if (SCHEME_FIX.test(c.id)) {
    const lost = v.routes.find((r) => r.scheme.status === 'lost');
    // At a generic HTTP app hop (the app is not linked) what is known is what arrives, not what the app believes.
    const a = lost?.trace.unresolved ? lost.scheme.arrives : undefined;
    if (lost && a)
      return `the backend receives ${a.scheme === 'absent' ? `no ${a.header}` : `${a.header}: ${a.scheme}`} for ${lost.url} (the app there is not linked)`;
    if (lost) return `the app believes ${lost.scheme.believed} for ${lost.url}`;
  }
  if (c.id.startsWith('nginx-host')) {
    const lost = v.routes.find((r) => r.host.status === 'lost');
    if (lost) return `the app builds URLs for ${lost.host.believed} instead of ${lost.host.expected}`;
  }
  const spoof = v.routes.flatMap((r) => r.spoofable)[0] ?? v.entrySpoofs[0] ?? v.backends.find((b) => b.spoof)?.spoof;
  if (spoof) return `${spoof.what.join('+')} spoofable from ${spoof.from}`;
  return 'part of the smallest set of changes that makes the chain correct';
}

export function planRouteIds(v: RouteVerdict[]): string[] {
  return v.map((r) => r.id);
}

export type { ProxyHop };
