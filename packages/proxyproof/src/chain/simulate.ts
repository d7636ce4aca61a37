/**
 * The simulator: pushes one request through the topology and records, at every hop, the scheme,
 * host and client address as that hop understands them, with the file:line that decided each.
 * Pure: no I/O. Semantics of each program are cited in docs/doctor.md.
 */

import { compareText } from '../model/finding.js';
import { type ProxyAddrGeneration, spansMappedBlock } from '../model/proxy-addr.js';
import { siteUrl } from '../model/url.js';
import { addressText, ipInList, proxyAddrTrust, rangeCovered, type TrustAnswer, trustsPeer } from './addr.js';
import { hostAllowed } from './host-allow.js';
import {
  type AppServer,
  appById,
  type Entry,
  type Framework,
  type HeaderRule,
  type LoadBalancer,
  linkFrom,
  type Peer,
  type ProxyHop,
  type ProxyRoute,
  proxyById,
  type Ref,
  type Scheme,
  type Topology,
  type TrustSpec,
} from './model.js';
import { goReplaceAll } from './re2.js';
import { evaluate } from './template.js';

/** The browser's address in simulations (RFC 5737 documentation range). */
export const BROWSER_IP = '203.0.113.7';
/** The attacker's real address, and the values it forges. */
export const ATTACKER_IP = '198.51.100.9';
export const FORGED = {
  proto: 'https',
  host: 'evil.example',
  ip: '192.0.2.66',
};

export function forgedHeaders(): Map<string, string> {
  return new Map([
    ['x-forwarded-proto', FORGED.proto],
    ['x-forwarded-host', FORGED.host],
    ['x-forwarded-for', FORGED.ip],
    ['x-real-ip', FORGED.ip],
    // Platform client headers an app may read from anyone (Gin TrustedPlatform's gin.Platform* constants).
    ['cf-connecting-ip', FORGED.ip],
    ['fly-client-ip', FORGED.ip],
    ['x-appengine-remote-addr', FORGED.ip],
    ['forwarded', `for=${FORGED.ip};proto=${FORGED.proto};host=${FORGED.host}`],
  ]);
}

export interface WireRequest {
  scheme: Scheme;
  headers: Map<string, string>;
  peer: Peer;
  /** The peer's address as a string for X-Forwarded-For ("203.0.113.7", "nginx container"). */
  peerAddr: string;
  path: string;
  /** Client address carried in a PROXY protocol header. */
  proxyProtocolClient?: string;
  /**
   * The separate header lines of a name the previous hop sent more than once (nginx: one line per proxy_set_header;
   * HAProxy add-header, Apache RequestHeader add), lower-case name; `headers` holds them joined with ", ". Valid only
   * while that join is still the header's value (headerLines).
   */
  lines?: Map<string, string[]>;
}

/** The header lines of `name` as sent: several where the previous hop sent the name more than once. */
export function headerLines(req: Pick<WireRequest, 'headers' | 'lines'>, name: string): string[] {
  const v = req.headers.get(name);
  if (v === undefined) return [];
  const ls = req.lines?.get(name);
  return ls && ls.join(', ') === v ? ls : [v];
}

export type StepKind = 'client' | 'lb' | 'proxy' | 'app-server' | 'framework';

export interface Step {
  kind: StepKind;
  label: string;
  ref?: Ref;
  /** The scheme this hop believes the original request had. */
  scheme: Scheme | 'unknown';
  schemeWhy: string;
  schemeRef?: Ref;
  host?: string;
  hostWhy?: string;
  hostRef?: Ref;
  client?: string;
  clientWhy?: string;
  /** Where the client address was decided, when a setting of its own decides it (Gin TrustedPlatform). */
  clientRef?: Ref;
  /** What a proxy/LB tells the next hop about the scheme. */
  conveys?: { scheme: Scheme | 'absent' | 'unknown'; why: string; ref?: Ref; header?: string };
  /** What a proxy/LB tells the next hop about the host. */
  conveysHost?: { host: string | undefined; why: string; ref?: Ref };
  /** Headers sent to the next hop (proxy, LB) or handed to the framework (app server). */
  sent?: Record<string, string>;
  /** How this hop reaches the next one. */
  linkText?: string;
  /** A redirect this step answers with (`by`: the app's https switch, or the proxy's own redirect). */
  redirect?: Redirect;
  /** The hop does not decide the scheme itself (a Node server: the framework decides). */
  passive?: boolean;
  /**
   * The scheme comes from a setting, not from anything in the request (Rails assume_ssl, OCTANE_HTTPS): every
   * request is https here, so a forged header changes nothing (chain/verdict.ts `spoofedWhat`).
   */
  schemeAssumed?: boolean;
  /**
   * The app's own setting fixes the scheme whatever the hops before it send (an http:// SvelteKit ORIGIN): a loss is
   * this step's, not a proxy's that sent no header (chain/verdict.ts schemeVerdict).
   */
  schemeOwnSetting?: boolean;
  /**
   * Where this hop's trust of its peer is written, when it ignored (replaced or stripped) the X-Forwarded-Proto its
   * peer sent because it does not trust that peer: the setting a scheme lost here is fixed at (chain/verdict.ts
   * `LostAt.trustRef`).
   */
  distrustRef?: Ref;
  /**
   * The app server answers this request itself with an error and the app never runs (gunicorn's 400 to scheme header
   * lines that disagree). The step's scheme is then `http`: an https request gets no https page.
   */
  refused?: { status: number; why: string };
  notes: string[];
}

/**
 * A redirect a step answers with. `by`: the app's https switch, or the proxy's own redirect; `setting`: what makes
 * the app redirect (`SECURE_SSL_REDIRECT`, `FORCE_SSL_ADMIN`); `paths`: the only paths it applies to, when it is not
 * every page (then `location` is the first of them).
 */
export interface Redirect {
  location: string;
  loop: boolean;
  ref?: Ref;
  by?: 'app' | 'proxy';
  setting?: string;
  paths?: string[];
}

export interface Trace {
  /** `browser` for a normal visit; `hostile-direct` / `hostile-proxy` for forged headers. */
  kind: 'browser' | 'hostile-direct' | 'hostile-proxy';
  url: string;
  entryId?: string;
  routeId?: string;
  appId?: string;
  steps: Step[];
  /** False when a link could not be followed. */
  complete: boolean;
  unresolved?: { what: string; need: string; ref?: Ref };
}

/** Headers whose value matters to scheme, host or client address (others are not discussed). */
const RELEVANT_HEADERS = new Set([
  'host',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-for',
  'x-forwarded-port',
  'x-forwarded-ssl',
  'x-forwarded-protocol',
  'x-real-ip',
  'forwarded',
  'https',
  'x-scheme',
  'x-url-scheme',
  'front-end-https',
]);

const HOP_BY_HOP = ['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection'];

/**
 * The order `localeCompare` gives (a hot path: every hop of every trace), with no collator for plain header names
 * (model/finding.ts compareText): an eager `new Intl.Collator()` here cost every command that loads the chain
 * ICU's start-up.
 */
const byLocale = compareText;

function headerObj(h: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...h.entries()].sort(([a], [b]) => byLocale(a, b)));
}

function hostOnly(httpHost: string): string {
  const h = httpHost.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const i = h.lastIndexOf(':');
  return i >= 0 ? h.slice(0, i) : h;
}

function firstItem(v: string): string {
  return (v.split(',')[0] ?? '').trim();
}

/** The comma-separated entries of a header value, trimmed. */
export function items(v: string | undefined): string[] {
  return v === undefined || v === '' ? [] : v.split(',').map((s) => s.trim());
}

/** `proto=https` from an RFC 7239 Forwarded header (first element). */
function forwardedParam(v: string | undefined, name: string): string | undefined {
  if (!v) return undefined;
  const first = v.split(',')[0] ?? '';
  for (const pair of first.split(';')) {
    const [k, val] = pair.split('=');
    if (k?.trim().toLowerCase() === name) return val?.trim().replace(/^"|"$/g, '');
  }
  return undefined;
}

function peerText(p: Peer): string {
  switch (p.kind) {
    case 'loopback':
      return p.ip;
    case 'unix':
      return 'unix socket';
    case 'container':
      return p.ip ?? `${p.service} container`;
    case 'remote':
      return p.ip ?? p.desc;
    case 'client':
      return 'client';
    default:
      return 'unknown peer';
  }
}

/** The URL authority a browser sends in Host for a URL. */
export function authorityOf(url: URL): string {
  return url.host; // URL drops default ports itself
}

// ---------------------------------------------------------------- proxy hop

export interface ProxyOutcome {
  step: Step;
  out: WireRequest | null;
}

/** One hop's handling of one request: what it answers or sends upstream (exported for tests against real proxies). */
export function simulateProxy(hop: ProxyHop, listenerIdx: number, route: ProxyRoute, req: WireRequest): ProxyOutcome {
  const listener = hop.listeners[listenerIdx] ?? hop.listeners[0];
  const port = listener?.port ?? 80;
  const notes: string[] = [];
  const httpHost = req.headers.get('host') ?? hop.names[0] ?? '';
  const host = hostOnly(httpHost) || hop.names[0] || '';
  // Trust of the peer's forwarded headers (Caddy trusted_proxies; nginx has none for headers).
  let peerTrusted = false;
  if (hop.trustedPeers) {
    const t = trustsPeer(hop.trustedPeers.list, req.peer, false);
    peerTrusted = t !== 'no';
    const at = `${hop.trustedPeers.list.join(' ')} (${hop.trustedPeers.ref.file}:${hop.trustedPeers.ref.line})`;
    // A peer that connects from any of several published ranges (a CDN's edge): each range must be trusted, as
    // front/trust-list-omits-front asks of an app's list.
    const ranges = t === 'assumed' && req.peer.kind === 'remote' ? (req.peer.ranges ?? []) : [];
    const missing = ranges.filter((r) => !rangeCovered(r, hop.trustedPeers?.list ?? []));
    if (ranges.length > 0 && missing.length === ranges.length) {
      peerTrusted = false;
      notes.push(
        `trusts ${at}, none of the ${ranges.length} ranges ${peerText(req.peer)} connects from (${ranges.join(' ')}): its forwarded headers are not trusted`,
      );
    } else if (missing.length > 0)
      notes.push(
        `trusts ${at}: only ${ranges.length - missing.length} of the ${ranges.length} ranges ${peerText(req.peer)} connects from; it leaves out ${missing.join(' ')}: a request arriving from those is not trusted (simulated: one from a trusted range)`,
      );
    else if (t === 'assumed' && ranges.length === 0) notes.push(`assumes ${at} is the address of the hop in front`);
  }
  // Client address (nginx real_ip), after a node's SNAT when the Service in front applies one.
  const peerAddr = hop.peerSnat ? hop.peerSnat.addr : req.peerAddr;
  let remoteAddr = peerAddr;
  let clientWhy = hop.peerSnat
    ? `the TCP peer: ${hop.peerSnat.why} (${hop.peerSnat.ref.file}:${hop.peerSnat.ref.line})`
    : 'the TCP peer';
  if (hop.clientAddress) {
    const ca = hop.clientAddress;
    const trusted = trustsPeer(ca.trustedFrom, req.peer, false);
    if (trusted !== 'no') {
      if (ca.header.toLowerCase() === 'proxy_protocol') {
        if (req.proxyProtocolClient) remoteAddr = req.proxyProtocolClient;
      } else {
        const vals = items(req.headers.get(ca.header.toLowerCase()));
        if (vals.length > 0) {
          if (ca.recursive) {
            let pick = vals[0] as string;
            for (let i = vals.length - 1; i >= 0; i--) {
              const v = vals[i] as string;
              pick = v;
              if (!ipInList(v, ca.trustedFrom)) break;
            }
            remoteAddr = pick;
          } else remoteAddr = vals[vals.length - 1] as string;
        }
      }
      clientWhy = `real_ip from ${ca.header} (${ca.ref.file}:${ca.ref.line})`;
    }
  }
  const inScheme = req.scheme;
  const step: Step = {
    kind: 'proxy',
    label: hop.label,
    ref: route.ref,
    scheme: inScheme,
    schemeWhy: listener?.tls ? `TLS ends here (${listener.ref.file}:${listener.ref.line})` : `plain-HTTP listener :${port}`,
    schemeRef: listener?.ref,
    host: httpHost,
    hostWhy: 'Host header received',
    client: remoteAddr,
    clientWhy,
    notes,
  };
  // A peer's X-Forwarded-Proto this hop ignores for want of trust, where that trust is written (not a default), or
  // where the absent setting belongs (Caddy's global options, a Traefik entrypoint: PeerTrust.missingAt).
  if (hop.trustedPeers && !peerTrusted && req.headers.has('x-forwarded-proto')) {
    const decided = hop.trustedPeers.ref.origin !== 'default' ? hop.trustedPeers.ref : hop.trustedPeers.missingAt;
    if (decided) step.distrustRef = decided;
  }
  // The hop's own redirect to https on a plain listener: it answers a request it believes is http itself.
  // The hop's redirect, else the route's own (a Traefik router with a RedirectScheme middleware).
  const redirectRef = hop.redirectsToHttps ?? route.redirectsToHttps;
  const decidedBy = hop.redirectsToHttps ? hop.redirectDecidedBy : (route.redirectDecidedBy ?? hop.redirectDecidedBy);
  if (redirectRef && !listener?.tls) {
    const r = redirectRef;
    const xfp = req.headers.get('x-forwarded-proto');
    // `forwarded-proto-http`: only the header's own `http` redirects (nginx compares the raw value); without the
    // header the test is false, whatever the connection.
    const onlyHttp = decidedBy === 'forwarded-proto-http';
    const anyPeer = decidedBy === 'forwarded-proto-any' || onlyHttp;
    const byHeader = ((decidedBy === 'forwarded-proto' && peerTrusted) || anyPeer) && xfp !== undefined;
    const believed: Scheme | undefined = onlyHttp
      ? xfp?.trim().toLowerCase() === 'http'
        ? 'http'
        : undefined
      : byHeader
        ? firstItem(xfp).toLowerCase() === 'https'
          ? 'https'
          : 'http'
        : inScheme;
    if (onlyHttp && believed === undefined)
      notes.push(
        xfp === undefined
          ? `no X-Forwarded-Proto: the redirect to https (${r.file}:${r.line}) tests for X-Forwarded-Proto: http only, so the request goes on`
          : `X-Forwarded-Proto: ${xfp} from its peer is not "http": the redirect to https (${r.file}:${r.line}) does not apply`,
      );
    else if (believed === 'http') {
      const why =
        decidedBy === 'forwarded-proto' || anyPeer
          ? byHeader
            ? `X-Forwarded-Proto: ${xfp} from ${anyPeer ? 'its peer (the redirect reads the header from anyone)' : 'a trusted peer'}`
            : xfp !== undefined
              ? `X-Forwarded-Proto: ${xfp} from a peer it does not trust is ignored, the connection is plain HTTP`
              : 'no X-Forwarded-Proto, the connection is plain HTTP'
          : `the connection on :${port} is plain HTTP (the redirect does not read X-Forwarded-Proto)`;
      step.scheme = 'http';
      step.schemeWhy = `redirects to https because it believes the request is http: ${why}`;
      step.schemeRef = r;
      step.redirect = { location: `https://${host}${req.path}`, loop: false, ref: r, by: 'proxy' };
      step.conveys = { scheme: 'http', why: `answers with its own redirect to https (${why})`, ref: r };
      return { step, out: null };
    } else if (byHeader)
      notes.push(
        `X-Forwarded-Proto: ${xfp} from ${anyPeer ? 'its peer' : 'a trusted peer'}: the redirect to https (${r.file}:${r.line}) does not apply`,
      );
  }
  // Headers sent upstream.
  const out = new Map<string, string>();
  const incoming = underscoreView(hop, req.headers);
  if (hop.passesIncoming) {
    for (const [k, v] of req.headers) {
      if (HOP_BY_HOP.includes(k)) continue;
      if (k.includes('_') && hop.underscoreNames === 'drop') continue;
      if (!peerTrusted && !route.keepsIncoming && hop.stripsUntrusted?.includes(k)) continue;
      out.set(k, v);
    }
  }
  const upstream = route.upstreams[0];
  // nginx's $proxy_host for `proxy_pass http://flask_app` (an upstream block) is the block's name, not a member's
  // address (ngx_http_proxy_module: the URL's host as written; checked on nginx 1.22,
  // test/nginx-facts/real-nginx-fragments.test.ts). Apache and Caddy send the chosen member's host instead.
  const proxyHost =
    hop.kind === 'nginx' && upstream?.group
      ? upstream.group
      : upstream?.address
        ? addressText(upstream.address)
        : (upstream?.group ?? upstream?.text ?? '');
  const ctx = {
    scheme: inScheme,
    host,
    httpHost,
    serverPort: port,
    remoteAddr,
    peerAddr,
    proxyHost: proxyHost.replace(/^unix:.*/, 'localhost'),
    incoming,
    peerTrusted,
    peer: req.peer,
    maps: hop.maps,
  };
  const decided = new Map<string, HeaderRule>();
  // Names sent as several lines: nginx sends each proxy_set_header of a name as a line of its own (facts/nginx/sites.ts
  // repeatsAppended), HAProxy add-header and Apache `add` too (newLine); Apache `append` joins into one line.
  const lines = new Map<string, string[]>();
  for (const rule of route.headers) {
    const name = sentName(route, rule.name);
    if (rule.when && (rule.when === 'tls') !== (inScheme === 'https')) continue;
    if (rule.ifPresent && !out.has(name)) continue;
    if (rule.ifAbsent && out.has(name)) continue;
    if (rule.unlessPeerIn && ipInList(peerAddr, rule.unlessPeerIn)) {
      notes.push(
        `adds no ${rule.name}: its peer ${peerAddr} is in ${rule.unlessPeerIn.join(' ')} (${rule.ref.file}:${rule.ref.line})`,
      );
      continue;
    }
    decided.set(name, rule);
    if (rule.value === null) {
      out.delete(name);
      continue;
    }
    const ev = evaluate(rule.value, ctx);
    if (ev.unknown) {
      out.set(name, `?${ev.value}`);
      if (RELEVANT_HEADERS.has(name))
        notes.push(
          `${rule.name} depends on ${ev.unknownParts.join(', ')}, which the model does not evaluate (${rule.ref.file}:${rule.ref.line})`,
        );
    } else if (ev.value === '') {
      if (rule.sendEmpty) out.set(name, '');
      else if (!rule.append) out.delete(name);
    } else if (rule.append && out.has(name)) {
      if (rule.newLine || hop.kind === 'nginx') lines.set(name, [...(lines.get(name) ?? [out.get(name) as string]), ev.value]);
      out.set(name, `${out.get(name)}, ${ev.value}`);
    } else out.set(name, ev.value);
  }
  step.sent = headerObj(out);
  step.conveys = conveyedScheme(route, out, decided, req.headers);
  const hostRule = decided.get('host');
  const xfh = decided.get('x-forwarded-host');
  step.conveysHost = {
    host: out.get('host'),
    why: hostRule ? `Host ${hostRule.value ?? '(removed)'}` : 'Host passed as received',
    // The proxy's default Host (nginx $proxy_host) has no line of its own: the proxying block decides it.
    ref: hostRule?.from === 'default' ? route.ref : hostRule?.ref,
  };
  if (xfh && out.get('x-forwarded-host')) step.conveysHost.why += `; X-Forwarded-Host ${xfh.value}`;
  const scheme: Scheme = route.protocol === 'https' ? 'https' : 'http';
  return {
    step,
    out: {
      scheme,
      headers: out,
      peer: { kind: 'unknown' },
      peerAddr: '',
      path: req.path,
      ...(lines.size > 0 ? { lines } : {}),
    },
  };
}

/**
 * The received headers as the hop's variables read them (ProxyHop.underscoreNames): an nginx that drops names with
 * `_` does not see them; one that keeps them reads `X_Forwarded_Proto` as `$http_x_forwarded_proto`.
 */
function underscoreView(hop: ProxyHop, headers: Map<string, string>): Map<string, string> {
  if (!hop.underscoreNames) return headers;
  let any = false;
  for (const k of headers.keys()) if (k.includes('_')) any = true;
  if (!any) return headers;
  const view = new Map<string, string>();
  for (const [k, v] of headers) if (!k.includes('_')) view.set(k, v);
  if (hop.underscoreNames === 'keep')
    for (const [k, v] of headers) {
      if (!k.includes('_')) continue;
      const dashed = k.replace(/_/g, '-');
      // $proxy_add_x_forwarded_for reads nginx's own X-Forwarded-For slot, filled only under the dashed name.
      if (dashed === 'x-forwarded-for') view.set(k, v);
      // The variable takes the first line that matches: a proxy in front sends its own proxy_set_header lines
      // before the client's headers it passes on, so its underscored line wins over a client's dashed one.
      else view.set(dashed, v);
    }
  return view;
}

/**
 * The name a route's header rule is sent under, lower case. A uwsgi/FastCGI/SCGI param named `HTTP_X_FORWARDED_PROTO`
 * is that request header as the backend sees it, and nginx then leaves out the client's own header of that name
 * (ngx_http_uwsgi_module.c / ngx_http_fastcgi_module.c create_request: request headers whose HTTP_ name a param
 * sets are skipped), so it replaces the header rather than travelling beside it.
 */
export function sentName(route: Pick<ProxyRoute, 'protocol'>, name: string): string {
  const n = name.toLowerCase();
  if ((route.protocol === 'uwsgi' || route.protocol === 'fastcgi' || route.protocol === 'scgi') && n.startsWith('http_'))
    return n.slice(5).replace(/_/g, '-');
  return n;
}

function conveyedScheme(
  route: ProxyRoute,
  out: Map<string, string>,
  decided: Map<string, HeaderRule>,
  incoming: Map<string, string>,
): NonNullable<Step['conveys']> {
  const xfp = out.get('x-forwarded-proto');
  const fwd = forwardedParam(out.get('forwarded'), 'proto');
  const pick = (header: string, raw: string, rule: HeaderRule | undefined) => {
    const v = raw.startsWith('?') ? 'unknown' : firstItem(raw).toLowerCase();
    const s: Scheme | 'unknown' = v === 'https' ? 'https' : v === 'http' ? 'http' : 'unknown';
    const passed = !rule && incoming.has(header);
    return {
      scheme: s,
      header,
      ref: rule?.ref,
      why: rule
        ? `${rule.name}: ${raw} (${rule.ref.snippet ? rule.ref.snippet.replace(/;$/, '') : `from ${rule.value}`})`
        : passed
          ? `${header} passed through unchanged from the request (${raw})`
          : `${header}: ${raw}`,
    };
  };
  if (xfp !== undefined) return pick('x-forwarded-proto', xfp, decided.get('x-forwarded-proto'));
  if (fwd !== undefined) return pick('forwarded', fwd, decided.get('forwarded'));
  const xssl = out.get('x-forwarded-ssl');
  if (xssl !== undefined)
    return {
      scheme: xssl === 'on' ? 'https' : 'http',
      header: 'x-forwarded-ssl',
      why: `X-Forwarded-Ssl: ${xssl}`,
      ref: decided.get('x-forwarded-ssl')?.ref,
    };
  const https = out.get('https');
  if ((route.protocol === 'uwsgi' || route.protocol === 'fastcgi' || route.protocol === 'scgi') && https !== undefined)
    return {
      scheme: https === 'on' ? 'https' : 'http',
      header: 'HTTPS',
      why: `param HTTPS ${https}`,
      ref: decided.get('https')?.ref,
    };
  if (route.protocol === 'https') return { scheme: 'https', why: 'proxies over TLS to the upstream' };
  const dropped = route.dropped?.find((r) => ['x-forwarded-proto', 'forwarded'].includes(r.name.toLowerCase()));
  if (dropped) {
    return {
      scheme: 'absent',
      header: 'x-forwarded-proto',
      ref: route.ownHeadersRef ?? route.ref,
      why: `X-Forwarded-Proto missing: this route's own proxy_set_header (${route.ownHeadersRef?.file}:${route.ownHeadersRef?.line}) stops inheriting the one at ${dropped.ref.file}:${dropped.ref.line}`,
    };
  }
  if (route.protocol === 'uwsgi' || route.protocol === 'fastcgi' || route.protocol === 'scgi')
    return {
      scheme: 'absent',
      header: 'HTTPS',
      ref: route.ref,
      why: `no HTTPS param and no X-Forwarded-Proto (${route.protocol})`,
    };
  return { scheme: 'absent', header: 'x-forwarded-proto', ref: route.ref, why: 'X-Forwarded-Proto missing' };
}

// ---------------------------------------------------------------- app server

interface AppView {
  scheme: Scheme;
  schemeWhy: string;
  schemeRef?: Ref;
  host: string;
  client: string;
  clientWhy: string;
  trust: TrustAnswer;
  headers: Map<string, string>;
  peer: Peer;
  peerAddr: string;
  /** The server set the env var HTTPS=on itself (Passenger behind a TLS web server, a TLS listener). */
  envHttps?: boolean;
}

function trustText(app: AppServer): string {
  const t = app.trusted;
  const list = t.value.length ? t.value.join(',') : '(nobody)';
  const origin = t.origin === 'default' ? ', default' : t.origin === 'env' ? `, from ${t.envVar ?? 'environment'}` : '';
  return `${app.name === 'waitress' ? 'trusted_proxy' : 'forwarded_allow_ips'}=${list}${origin}`;
}

export function appTrusts(app: AppServer, peer: Peer): TrustAnswer {
  switch (app.kind) {
    case 'gunicorn':
      // gunicorn trusts secure_scheme_headers from listed IPs, and always from unix sockets.
      return trustsPeer(app.trusted.value, peer, true);
    case 'uvicorn':
      if (!app.proxyHeaders.value) return 'no';
      return trustsPeer(app.trusted.value, peer, false);
    case 'daphne':
      return app.proxyHeaders.value ? 'yes' : 'no';
    default:
      // A server of its own kind with a trusted-proxy list (waitress trusted_proxy + trusted_proxy_headers)
      // applies its scheme headers from those peers only; the others (Puma, Tomcat...) pass headers on.
      return app.proxyHeaders.value ? trustsPeer(app.trusted.value, peer, false) : 'no';
  }
}

/**
 * PHP whose $_SERVER['HTTPS'] is what the hop in front sets: php-fpm (the FastCGI param), mod_php inside an Apache
 * vhost of the tree (collectors/php/mod-php.ts: its socket `mod_php:<document root>`; Apache's own connection), and
 * FrankenPHP inside Caddy (collectors/caddy: its socket `frankenphp:<file>:<line>`; Caddy's own connection).
 */
function phpServerVar(app: AppServer): boolean {
  return app.name === 'php-fpm' || embeddedPhp(app);
}

/** PHP running inside the web server in front of it: mod_php in Apache, FrankenPHP in Caddy. */
function embeddedPhp(app: AppServer): boolean {
  return (
    (app.name === 'mod_php' || app.name === 'frankenphp') &&
    app.binds.some((b) => b.address.kind === 'unix' && b.address.path.startsWith(`${app.name}:`))
  );
}

/** An app server that runs inside the web server in front of it (its chain socket is the web server's own). */
function insideWebServer(app: AppServer): boolean {
  if (app.name === 'mod_php' || app.name === 'frankenphp') return embeddedPhp(app);
  if (app.name === 'mod_wsgi') return modWsgiInApache(app);
  return (
    app.name === 'passenger' &&
    app.binds.length > 0 &&
    app.binds.every((b) => b.address.kind === 'unix' && b.address.path.startsWith('passenger:'))
  );
}

/** mod_wsgi inside an Apache vhost of the tree (collectors/python/mod-wsgi.ts: its socket `mod_wsgi:<script>`). */
function modWsgiInApache(app: AppServer): boolean {
  return app.binds.some((b) => b.address.kind === 'unix' && b.address.path.startsWith('mod_wsgi:'));
}

/**
 * mod_wsgi's wsgi.url_scheme (src/server/wsgi_adapter.c): https when Apache's HTTPS variable is On (any case) or
 * exactly 1. Before that, from trusted peers, the scheme headers of the server's facts move the variable: `re:PATTERN`
 * (SetEnvIf: a match sets HTTPS=1), `string` (WSGITrustedProxyHeaders X-Forwarded-Proto: https sets, http unsets),
 * `bool` (X-Forwarded-SSL: On/true/1 sets, Off/false/0 unsets). Returns the scheme and why.
 */
function modWsgiScheme(app: AppServer, req: WireRequest, trusted: boolean): { scheme: Scheme; why: string; byHeader: boolean } {
  let https = req.headers.get('https');
  let why =
    https !== undefined
      ? `Apache's HTTPS variable ${https} (its own connection)`
      : "no HTTPS variable (Apache's own connection is plain)";
  let byHeader = false;
  if (trusted)
    for (const [h, rule] of Object.entries(app.schemeHeaders.value)) {
      const got = req.headers.get(h.toLowerCase());
      if (got === undefined) continue;
      const v = got.trim();
      let set: boolean | undefined;
      if (rule.startsWith('re:')) {
        const src = rule.slice(3);
        const nocase = src.startsWith('(?i)');
        try {
          if (new RegExp(nocase ? src.slice(4) : src, nocase ? 'i' : '').test(got)) set = true;
        } catch {
          // A pattern JavaScript cannot read (PCRE-only syntax): the header's effect is unknown, left out.
        }
      } else if (rule === 'string') set = /^https$/i.test(v) ? true : /^http$/i.test(v) ? false : undefined;
      else if (rule === 'bool') set = /^(on|true|1)$/i.test(v) ? true : /^(off|false|0)$/i.test(v) ? false : undefined;
      if (set === undefined) continue;
      https = set ? '1' : undefined;
      byHeader = true;
      why = `${h}: ${got} ${set ? 'sets' : 'unsets'} HTTPS (${rule.startsWith('re:') ? 'SetEnvIf, from any peer' : 'WSGITrustedProxyHeaders'})`;
    }
  const on = https !== undefined && (/^on$/i.test(https) || https === '1');
  return { scheme: on ? 'https' : 'http', why: `${why}: wsgi.url_scheme = ${on ? 'https' : 'http'}`, byHeader };
}

function simulateAppServer(app: AppServer, req: WireRequest): { step: Step; view: AppView } {
  const notes: string[] = [];
  const trust = appTrusts(app, req.peer);
  const who = peerText(req.peer);
  let scheme: Scheme = req.scheme;
  let schemeWhy = `no forwarded scheme used; the connection is ${req.scheme}`;
  let schemeRef: Ref | undefined;
  let envHttps = false;
  let refused: Step['refused'];
  let client = req.peerAddr;
  let clientWhy = 'the TCP peer (REMOTE_ADDR)';
  let appHeaders = req.headers;
  const trustRef = app.trusted.ref ?? app.ref;
  // A Node server's list is its framework's (Express/Fastify, read by proxy-addr): the framework's step says whether
  // it covers the peer, as that proxy-addr generation matches it.
  if (trust === 'assumed' && app.kind !== 'node') notes.push(`assumes ${app.trusted.value.join(',')} is the proxy's address`);
  if (app.kind === 'other' && app.name === 'uwsgi') {
    // uWSGI (core/protocol.c): UWSGI_SCHEME and HTTP_X_FORWARDED_PROTO both set the scheme, the later one wins
    // (nginx sends its uwsgi_params before the request's headers); else HTTPS / X-Forwarded-Ssl on|1 means https.
    // From any peer: uWSGI has no trust list.
    const xfp = req.headers.get('x-forwarded-proto');
    const us = req.headers.get('uwsgi_scheme');
    const https = req.headers.get('https') ?? req.headers.get('x-forwarded-ssl');
    schemeRef = app.ref;
    if (xfp !== undefined || us !== undefined) {
      const v = (xfp ?? us ?? '').trim().toLowerCase();
      scheme = v === 'https' ? 'https' : 'http';
      schemeWhy =
        xfp !== undefined
          ? `X-Forwarded-Proto: ${xfp} from ${who}: uWSGI takes it as the scheme from any peer`
          : `UWSGI_SCHEME ${us}: wsgi.url_scheme = ${scheme}`;
    } else if (https !== undefined) {
      scheme = /^(on|1)/i.test(https.trim()) ? 'https' : 'http';
      schemeWhy = `HTTPS ${https}: wsgi.url_scheme = ${scheme}`;
    } else schemeWhy = `no HTTPS or UWSGI_SCHEME param and no X-Forwarded-Proto: wsgi.url_scheme = ${req.scheme}`;
  } else if (app.kind === 'other' && app.name === 'mod_wsgi') {
    // Forwarded headers other than the scheme ones of its facts reach the app unchanged (the framework decides).
    const r = modWsgiScheme(app, req, app.proxyHeaders.value && trust !== 'no');
    if (app.proxyHeaders.value && trust === 'no') {
      // WSGITrustedProxyHeaders from a peer outside WSGITrustedProxies: mod_wsgi strips those headers from the environ
      // (its trim loop; checked on Debian's mod_wsgi 4.9.4), so the app does not see them either.
      const strip = Object.entries(app.schemeHeaders.value).filter(([, rule]) => !rule.startsWith('re:'));
      if (strip.some(([h]) => req.headers.has(h.toLowerCase()))) {
        appHeaders = new Map(req.headers);
        for (const [h] of strip) appHeaders.delete(h.toLowerCase());
        notes.push(`mod_wsgi drops ${strip.map(([h]) => h).join(', ')} from ${who}: not in WSGITrustedProxies`);
      }
    }
    scheme = r.scheme;
    schemeWhy = r.why;
    schemeRef = r.byHeader ? trustRef : app.ref;
    // No envHttps: mod_wsgi removes HTTPS from the environ once wsgi.url_scheme is set (wsgi_adapter.c).
  } else if (app.kind === 'gunicorn' || (app.kind === 'other' && app.proxyHeaders.value)) {
    if (trust === 'no') {
      const has = Object.keys(app.schemeHeaders.value).some((h) => req.headers.has(h));
      schemeWhy = has
        ? `ignores X-Forwarded-Proto from ${who}: not in ${trustText(app)}`
        : `wsgi.url_scheme = ${req.scheme}: no secure scheme header received`;
      schemeRef = has ? trustRef : app.ref;
    } else {
      // gunicorn (http/message.py parse_headers, 20.1 through 23): each header LINE of a secure scheme header gives
      // https when it equals the configured value, else http; the first sets the scheme, and any later line that
      // disagrees raises InvalidSchemeHeaders: a 400 "Contradictory scheme headers", the app never runs. Two lines
      // of one name that agree (`$scheme` and `https` on TLS) are https. Checked on Debian's nginx 1.22 + gunicorn 20.1.
      let found: { h: string; got: string; s: Scheme } | undefined;
      for (const [h, v] of Object.entries(app.schemeHeaders.value)) {
        for (const got of headerLines(req, h)) {
          const s: Scheme = got.trim() === v ? 'https' : 'http';
          if (found && s !== found.s) {
            if (app.kind === 'gunicorn') {
              refused = {
                status: 400,
                why: `gunicorn answers 400 Bad Request "Contradictory scheme headers": ${found.h}: ${found.got} says ${found.s} but ${h}: ${got} says ${s} (from ${who}, trusted: ${trustText(app)})`,
              };
            } else notes.push('conflicting secure scheme headers: the server refuses the request');
            continue;
          }
          if (!found) {
            found = { h, got, s };
            scheme = s;
            schemeWhy = `${h}: ${req.headers.get(h)} from ${who}, trusted (${trustText(app)})`;
            schemeRef = trustRef;
          }
        }
      }
      if (refused) {
        scheme = 'http';
        schemeWhy = refused.why;
        schemeRef = trustRef;
      }
      if (!found) {
        schemeWhy = `wsgi.url_scheme = ${req.scheme}: trusts ${who} but no secure scheme header arrived`;
        schemeRef = app.ref;
      }
    }
  } else if (app.kind === 'uvicorn' || app.kind === 'daphne') {
    const xfp = req.headers.get('x-forwarded-proto');
    const xff = items(req.headers.get('x-forwarded-for'));
    if (!app.proxyHeaders.value) {
      schemeWhy = `${app.name ?? app.kind} proxy headers are off (${app.proxyHeaders.origin === 'default' ? 'default' : 'configured'})`;
      schemeRef = app.proxyHeaders.ref ?? app.ref;
    } else if (trust === 'no') {
      schemeWhy =
        xfp !== undefined
          ? `ignores X-Forwarded-Proto from ${who}: not in ${trustText(app)}`
          : `scheme = ${req.scheme}: no X-Forwarded-Proto received`;
      schemeRef = xfp !== undefined ? trustRef : app.ref;
    } else {
      if (xfp !== undefined) {
        const v = xfp.trim().toLowerCase();
        scheme = v === 'https' || v === 'wss' ? 'https' : 'http';
        schemeWhy = `X-Forwarded-Proto: ${xfp} from ${who}, trusted (${app.kind === 'daphne' ? '--proxy-headers trusts every peer' : trustText(app)})`;
        schemeRef = app.kind === 'daphne' ? (app.proxyHeaders.ref ?? app.ref) : trustRef;
      } else {
        schemeWhy = `scheme = ${req.scheme}: trusts ${who} but no X-Forwarded-Proto arrived`;
        schemeRef = app.ref;
      }
      if (xff.length > 0) {
        if (app.kind === 'daphne' || app.trusted.value.includes('*')) {
          // daphne takes the first entry; uvicorn too when it trusts '*' (get_trusted_client_host).
          client = xff[0] as string;
          clientWhy = 'X-Forwarded-For (first entry), trusted';
        } else {
          // uvicorn: the right-most entry that is not itself a trusted proxy.
          client = [...xff].reverse().find((h) => !app.trusted.value.includes(h)) ?? (xff[0] as string);
          clientWhy = 'X-Forwarded-For (right-most untrusted entry), trusted';
        }
      }
    }
  } else if (app.name === 'passenger') {
    // Passenger (phusion_passenger/rack/thread_handler_extension.rb): rack.url_scheme is https when the web server set
    // HTTPS on|yes|1, which it does only for its own TLS connection; forwarded headers pass on for Rack to read.
    const https = req.headers.get('https');
    envHttps = https !== undefined && /^(on|yes|1)$/i.test(https.trim());
    scheme = envHttps ? 'https' : req.scheme;
    schemeWhy = envHttps
      ? `HTTPS=${https} from the web server (its connection is TLS): rack.url_scheme = https`
      : `no HTTPS=on from the web server: rack.url_scheme = ${scheme}; forwarded headers pass on to the app`;
    schemeRef = app.ref;
  } else if (app.kind === 'node') {
    schemeWhy = `the Node server sees a plain ${req.scheme} connection`;
    schemeRef = app.ref;
  } else if (phpServerVar(app)) {
    // PHP sees the FastCGI params as $_SERVER: HTTPS (set by the proxy, `fastcgi_param HTTPS $https`) is the
    // connection's scheme for PHP code and the frameworks' fallback (Symfony Request::isSecure()). mod_php in an
    // Apache vhost: Apache's HTTPS variable, on only on its own TLS connection.
    const https = req.headers.get('https');
    const fpm = app.name === 'php-fpm';
    const server = app.name === 'frankenphp' ? 'Caddy' : 'Apache';
    scheme = https !== undefined && https !== '' && https.toLowerCase() !== 'off' ? 'https' : 'http';
    schemeWhy =
      https !== undefined
        ? `${fpm ? 'FastCGI param HTTPS' : `${server}'s HTTPS variable`}=${JSON.stringify(https)}: $_SERVER['HTTPS'] says ${scheme}`
        : `${fpm ? 'no FastCGI param HTTPS' : `${server} sets no HTTPS variable (its own connection is plain)`}: PHP sees ${scheme}${app.framework?.appEnd ? ` unless ${app.framework.appEnd.name} trusts a forwarded header` : ''}`;
    schemeRef = app.ref;
  } else if (app.framework?.appEnd) {
    schemeWhy = `${app.label.split(' ')[0]} passes the headers on unchanged (${app.framework.appEnd.name} decides); the connection is ${req.scheme}`;
    schemeRef = app.ref;
  } else {
    schemeWhy = `${app.name ?? app.kind} does not read forwarded headers: the connection is ${req.scheme}`;
    schemeRef = app.ref;
  }
  if (readsUnknown(schemeWhy, req.headers)) scheme = 'unknown' as Scheme;
  const host = req.headers.get('host') ?? '';
  const step: Step = {
    kind: 'app-server',
    label: app.label,
    ref: app.ref,
    scheme,
    schemeWhy,
    schemeRef,
    host,
    hostWhy: 'Host header',
    client,
    clientWhy,
    sent: headerObj(appHeaders),
    ...(refused ? { refused } : {}),
    // php-fpm loses the scheme only where no forwarded scheme reaches PHP either: with X-Forwarded-Proto or
    // Forwarded in the request, the framework behind it (its trusted proxies) is where it is kept or lost.
    passive:
      app.kind === 'node' ||
      (app.framework?.appEnd !== undefined &&
        (!phpServerVar(app) ||
          (req.headers.get('https') === undefined &&
            (req.headers.get('x-forwarded-proto') !== undefined || req.headers.get('forwarded') !== undefined)))),
    notes,
  };
  return {
    step,
    view: {
      scheme,
      schemeWhy,
      schemeRef,
      host,
      client,
      clientWhy,
      trust,
      headers: appHeaders,
      peer: req.peer,
      peerAddr: req.peerAddr,
      ...(envHttps ? { envHttps } : {}),
    },
  };
}

/**
 * Whether a reader's scheme rests on a header value the model does not know (`?…`: an unevaluated variable, a
 * template placeholder with no default): its explanation quotes that value, and the scheme it decides is unknown,
 * never "http" because the placeholder text is not literally `https`.
 */
function readsUnknown(why: string, headers: Map<string, string>): boolean {
  for (const v of headers.values()) if (v.startsWith('?') && why.includes(v)) return true;
  return false;
}

// ---------------------------------------------------------------- framework

function djangoMetaToHeader(meta: string): string | null {
  if (!meta.startsWith('HTTP_')) return null;
  return meta.slice(5).toLowerCase().replace(/_/g, '-');
}

function versionAtLeast(v: string | undefined, major: number, minor: number): boolean {
  if (!v) return false;
  const [a, b] = v.split('.').map(Number);
  return (a ?? 0) > major || ((a ?? 0) === major && (b ?? 0) >= minor);
}

/**
 * Why a proxy-addr trust list answers as it does when it holds an entry the two proxy-addr generations read
 * differently (an IPv6 prefix shorter than /96 covering `::ffff:0:0`): which generation, from where, and what it
 * makes of those entries. '' for every other list.
 */
function generationWhy(spec: TrustSpec, pinned: ProxyAddrGeneration | undefined): string {
  if (!Array.isArray(spec)) return '';
  const spanning = spec.filter((e) => spansMappedBlock(e.trim()) !== undefined);
  if (spanning.length === 0) return '';
  const gen = pinned ?? '2.0.8';
  const which =
    pinned === undefined
      ? 'no lockfile: proxy-addr 2.0.8, what npm installs today'
      : gen === '2.0.8'
        ? 'the lockfile pins proxy-addr 2.0.8 or later'
        : 'the lockfile pins proxy-addr < 2.0.8';
  return ` (${which}, which matches ${spanning.join(', ')} against ${gen === '2.0.8' ? 'no' : 'every'} IPv4 address)`;
}

/**
 * An app that reads the server variable HTTPS its own way (WordPress is_ssl(), wp-includes/load.php: HTTPS 'on' in
 * any case or '1'; only when HTTPS is not set at all, SERVER_PORT '443') sees the FastCGI params through that test,
 * not through PHP's usual "non-empty and not off" the php-fpm step applies.
 */
function serverHttpsView(fw: Framework, app: AppServer, view: AppView): AppView {
  const test = fw.appEnd?.serverHttps;
  if (!test || !phpServerVar(app)) return view;
  const https = view.headers.get('https');
  const port = view.headers.get('server_port');
  const on = https !== undefined ? test.on.includes(https.toLowerCase()) : test.port443 && port !== undefined && port === '443';
  const scheme: Scheme = on ? 'https' : 'http';
  if (scheme === view.scheme) return view;
  const why =
    https !== undefined
      ? `${fw.appEnd?.name}: $_SERVER['HTTPS'] ${JSON.stringify(https)} is ${on ? '' : 'not '}'on' or '1' (is_ssl())`
      : `${fw.appEnd?.name}: no $_SERVER['HTTPS']; SERVER_PORT ${port ?? '(unset)'}${on ? ' is 443' : ''} (is_ssl())`;
  return { ...view, scheme, schemeWhy: why };
}

function simulateFramework(fw: Framework, app: AppServer, viewIn: AppView, url: URL, hostile: boolean): Step {
  const view = serverHttpsView(fw, app, viewIn);
  const h = view.headers;
  const notes: string[] = [];
  let scheme: Scheme = view.scheme;
  let schemeWhy = `uses the server's scheme (${app.name ?? app.kind})`;
  let schemeRef: Ref | undefined = view.schemeRef;
  let schemeAssumed = false;
  let schemeOwn = false;
  let host = view.host;
  let hostWhy = 'Host header';
  let hostRef: Ref | undefined;
  let client = view.client;
  let clientWhy = view.clientWhy;
  let clientRef: Ref | undefined;
  switch (fw.kind) {
    case 'django': {
      const sh = fw.schemeHeader?.value;
      if (sh) {
        const name = djangoMetaToHeader(sh.header);
        const got = name ? h.get(name) : undefined;
        if (!name)
          notes.push(`SECURE_PROXY_SSL_HEADER names ${sh.header}, not a META name starting with HTTP_: it never matches`);
        if (got !== undefined) {
          const cmp = versionAtLeast(fw.version, 4, 1) ? firstItem(got) : got;
          scheme = cmp === sh.value ? 'https' : 'http';
          schemeWhy = `SECURE_PROXY_SSL_HEADER ${sh.header} = ${JSON.stringify(got)}${scheme === 'http' ? ` ≠ ${JSON.stringify(sh.value)}` : ''}`;
          schemeRef = fw.schemeHeader?.ref;
        } else {
          schemeWhy = `SECURE_PROXY_SSL_HEADER's ${sh.header} absent: falls back to wsgi.url_scheme = ${view.scheme}`;
          schemeRef = view.scheme === 'https' ? view.schemeRef : (fw.schemeHeader?.ref ?? view.schemeRef);
        }
      } else {
        schemeWhy = `no SECURE_PROXY_SSL_HEADER: takes wsgi.url_scheme = ${view.scheme} from ${app.name ?? app.kind}`;
        schemeRef = view.schemeRef;
      }
      const xfh = h.get('x-forwarded-host');
      if (fw.useForwardedHost?.value && xfh !== undefined) {
        host = xfh;
        hostWhy = 'USE_X_FORWARDED_HOST: X-Forwarded-Host';
        hostRef = fw.useForwardedHost.ref;
      }
      break;
    }
    case 'flask': {
      const pf = fw.proxyFix?.value;
      if (pf) {
        const pick = (name: string, n: number): string | undefined => {
          if (n <= 0) return undefined;
          const v = items(h.get(name));
          return v.length >= n ? v[v.length - n] : undefined;
        };
        const p = pick('x-forwarded-proto', pf.x_proto);
        if (p !== undefined) {
          scheme = p.toLowerCase() === 'https' ? 'https' : 'http';
          schemeWhy = `ProxyFix(x_proto=${pf.x_proto}) takes X-Forwarded-Proto ${JSON.stringify(p)} from any peer`;
          schemeRef = fw.proxyFix?.ref;
        } else if (pf.x_proto > 0) {
          schemeWhy = `ProxyFix(x_proto=${pf.x_proto}) found fewer than ${pf.x_proto} X-Forwarded-Proto values: keeps wsgi.url_scheme = ${view.scheme}`;
          schemeRef = view.scheme === 'https' ? view.schemeRef : fw.proxyFix?.ref;
        } else {
          schemeWhy = `ProxyFix(x_proto=0) leaves wsgi.url_scheme = ${view.scheme}`;
          schemeRef = view.scheme === 'https' ? view.schemeRef : fw.proxyFix?.ref;
        }
        const hh = pick('x-forwarded-host', pf.x_host);
        if (hh !== undefined) {
          host = hh;
          hostWhy = `ProxyFix(x_host=${pf.x_host})`;
          hostRef = fw.proxyFix?.ref;
        }
        const ff = pick('x-forwarded-for', pf.x_for);
        if (ff !== undefined) {
          client = ff;
          clientWhy = `ProxyFix(x_for=${pf.x_for})`;
        }
      } else schemeWhy = `no ProxyFix: request.scheme = wsgi.url_scheme = ${view.scheme} from ${app.name ?? app.kind}`;
      break;
    }
    case 'fastapi':
    case 'starlette': {
      const a = fw.appEnd;
      schemeWhy = `request.url.scheme = the ASGI scope's scheme = ${view.scheme} from ${app.name ?? app.kind}`;
      if (!a || a.schemeHeaders.length === 0) break;
      // uvicorn's ProxyHeadersMiddleware added in the app (proxy_headers.py 0.17.6): it asks whether scope["client"]
      // is in trusted_hosts, and that is the client the server's own --proxy-headers left there, else the peer.
      const list = a.trustScheme.value;
      const all = list.some((e) => e.trim() === '*');
      const rewritten = view.client !== view.peerAddr;
      const t: TrustAnswer = all
        ? 'yes'
        : rewritten
          ? list.includes(view.client)
            ? 'yes'
            : 'no'
          : trustsPeer(list, view.peer, false);
      const who = rewritten ? `client ${view.client} (set by ${app.name ?? app.kind})` : peerText(view.peer);
      if (t === 'no') {
        schemeWhy = `${a.name}'s ProxyHeadersMiddleware does not trust ${who} (trusted_hosts ${list.join(', ') || 'none'}): ${schemeWhy}`;
        break;
      }
      if (t === 'assumed') notes.push(`assumes ${list.join(', ')} covers ${who}`);
      const xfp = h.get('x-forwarded-proto');
      if (xfp !== undefined) {
        // The whole value, stripped: "https, http" is no scheme it knows.
        scheme = xfp.trim() === 'https' ? 'https' : 'http';
        schemeWhy = `${a.name}'s ProxyHeadersMiddleware: X-Forwarded-Proto ${JSON.stringify(xfp)} from ${who}, trusted (${all ? 'trusted_hosts "*"' : `trusted_hosts ${list.join(', ')}`})`;
        schemeRef = a.trustScheme.ref ?? fw.ref;
      }
      const xff = items(h.get('x-forwarded-for'));
      if (xff.length > 0) {
        // "*": the left-most entry; otherwise the right-most entry not in trusted_hosts.
        client = all
          ? (xff[0] as string)
          : (xff
              .slice()
              .reverse()
              .find((x) => !list.includes(x)) ?? client);
        clientWhy = `${a.name}'s ProxyHeadersMiddleware: X-Forwarded-For (${all ? 'left-most entry' : 'right-most untrusted entry'})`;
        clientRef = a.trustClient.ref ?? fw.ref;
      }
      break;
    }
    case 'express':
    case 'fastify':
    case 'koa': {
      if (fw.forwardedLib) {
        const lib = fw.forwardedLib;
        if (!lib.trust) {
          scheme = 'unknown' as Scheme;
          schemeWhy = `${lib.name}() (@proxyproof/forwarded) decides the scheme, but its trust list is not in the facts`;
          schemeRef = lib.ref;
          break;
        }
        // The library reads forwarded headers only when the socket peer is in `trust` (one hop by default).
        const t = trustsPeer(lib.trust, view.peer, false);
        const xfp = h.get('x-forwarded-proto');
        if (t === 'no') {
          schemeWhy = `${lib.name}({ trust: ${JSON.stringify(lib.trust)} }) does not trust ${peerText(view.peer)}: scheme = ${view.scheme}`;
        } else {
          if (t === 'assumed') notes.push(`assumes ${lib.trust.join(', ')} is the proxy's address`);
          const fwdProto = forwardedParam(h.get('forwarded'), 'proto');
          const v = (fwdProto ?? (xfp !== undefined ? firstItem(xfp) : undefined))?.toLowerCase();
          if (v !== undefined) scheme = v === 'https' ? 'https' : 'http';
          schemeWhy = `${lib.name}({ trust: ${JSON.stringify(lib.trust)} }) trusts ${peerText(view.peer)}: ${v !== undefined ? `scheme ${v}` : `no forwarded scheme, ${view.scheme}`}`;
          const xfh = h.get('x-forwarded-host');
          if (xfh !== undefined) {
            host = firstItem(xfh);
            hostWhy = `${lib.name}: X-Forwarded-Host`;
            hostRef = lib.ref;
          }
          const xff = items(h.get('x-forwarded-for'));
          if (xff.length > 0) {
            client = xff[xff.length - 1] as string;
            clientWhy = `${lib.name}: last X-Forwarded-For entry (one trusted hop)`;
          }
        }
        schemeRef = lib.ref;
        break;
      }
      const settingName = fw.kind === 'express' ? 'trust proxy' : fw.kind === 'fastify' ? 'trustProxy' : 'app.proxy';
      if (fw.trustProxy?.origin === 'unknown') {
        // Written, but not as a value the files hold (a NestJS adapter another module makes, a computed value):
        // the scheme is not known, never "false".
        scheme = 'unknown' as Scheme;
        schemeWhy = `${settingName} is set where its value is not read${fw.trustProxy.ref?.snippet ? ` (${fw.trustProxy.ref.snippet})` : ''}`;
        schemeRef = fw.trustProxy.ref ?? fw.ref;
        break;
      }
      const spec: TrustSpec = fw.trustProxy?.value ?? false;
      // No lockfile: what npm installs today (express ~2.0.7 and fastify ^2.0.7 resolve to 2.0.8).
      const proxyAddr = fw.proxyAddr ?? '2.0.8';
      // Koa's app.proxy has no address check: true trusts every peer.
      const t0 = fw.kind === 'koa' ? (spec ? 'yes' : 'no') : proxyAddrTrust(spec, view.peerAddr, 0, view.peer, proxyAddr);
      const xfp = h.get('x-forwarded-proto');
      if (t0 === 'no') {
        scheme = view.scheme;
        schemeWhy =
          fw.trustProxy?.origin === 'default' || fw.trustProxy === undefined
            ? `${settingName} unset: ignores X-Forwarded-Proto, protocol = ${view.scheme}`
            : `${settingName} = ${JSON.stringify(spec)} does not cover ${peerText(view.peer)}${generationWhy(spec, fw.proxyAddr)}: protocol = ${view.scheme}`;
        schemeRef = fw.trustProxy?.ref ?? fw.ref;
      } else {
        if (fw.kind !== 'koa' && generationWhy(spec, fw.proxyAddr)) notes.push(generationWhy(spec, fw.proxyAddr).slice(2, -1));
        if (t0 === 'assumed') notes.push(`assumes ${JSON.stringify(spec)} covers ${peerText(view.peer)}`);
        if (xfp !== undefined) {
          const v = fw.kind === 'fastify' ? (xfp.split(',').pop() ?? '').trim() : firstItem(xfp);
          scheme = v.toLowerCase() === 'https' ? 'https' : 'http';
          schemeWhy = `${settingName} = ${JSON.stringify(spec)} trusts ${peerText(view.peer)}: X-Forwarded-Proto ${JSON.stringify(xfp)}`;
        } else schemeWhy = `${settingName} trusts ${peerText(view.peer)} but no X-Forwarded-Proto arrived`;
        schemeRef = fw.trustProxy?.ref ?? fw.ref;
        const xfh = h.get('x-forwarded-host');
        if (xfh !== undefined) {
          host = firstItem(xfh);
          hostWhy = `${settingName}: X-Forwarded-Host`;
          hostRef = fw.trustProxy?.ref;
        }
        const xff = items(h.get('x-forwarded-for'));
        if (fw.kind === 'koa') {
          if (xff.length > 0) {
            client = xff[0] as string;
            clientWhy = 'app.proxy: first X-Forwarded-For entry';
          }
        } else {
          // proxy-addr: walk from the socket towards the client while each address is trusted.
          const addrs = [view.peerAddr, ...xff.slice().reverse()];
          let i = 0;
          for (; i < addrs.length - 1; i++) if (proxyAddrTrust(spec, addrs[i] as string, i, view.peer, proxyAddr) === 'no') break;
          client = addrs[i] as string;
          clientWhy = `${settingName}: proxy-addr walk over X-Forwarded-For`;
        }
      }
      break;
    }
    default: {
      const a = fw.appEnd;
      if (!a) {
        schemeWhy = `assumed to use the server's scheme (${view.scheme})`;
        break;
      }
      // The host first: the branches below that settle the scheme early leave the switch.
      for (const name of a.hostHeaders ?? []) {
        const got = h.get(name);
        if (got === undefined || got === '') continue;
        const last = items(got).pop() as string;
        const allow = a.hostAllowList?.value ?? [];
        if (!hostAllowed(allow, last)) {
          // HostAuthorization answers 403 before the app: the forwarded host builds nothing.
          notes.push(`${a.name}'s host allow-list refuses ${name} ${JSON.stringify(last)} (403)`);
          break;
        }
        host = last;
        hostWhy = `${a.name}: ${name} (last value, from any peer${allow.length === 0 ? ', no host allow-list' : ', allowed'})`;
        hostRef = a.hostAllowList?.ref ?? fw.ref;
        break;
      }
      // Odoo's proxy_mode: no forwarded header counts unless the gate header arrived with a value.
      const gateShut = a.forwardedOnlyWith !== undefined && !h.get(a.forwardedOnlyWith)?.trim();
      const gateWhy = gateShut
        ? `${a.name} reads forwarded headers only on a request with ${(a.forwardedOnlyWith as string).replace(/(^|-)([a-z])/g, (_m, d, c) => d + c.toUpperCase())}, and none arrived`
        : '';
      // The client next, before the scheme's early exits: an app that assumes https still reads the client header.
      const tc = a.clientHeaders.length > 0 && !gateShut ? trustsPeer(a.trustClient.value, view.peer, false) : 'no';
      const xff = items(h.get('x-forwarded-for'));
      const platform = a.clientPlatformHeader ? h.get(a.clientPlatformHeader.header)?.trim() : undefined;
      if (platform && a.clientPlatformHeader) {
        // Gin's ClientIP(): the TrustedPlatform header first, from any peer, before SetTrustedProxies is looked at.
        client = platform;
        clientWhy = `${a.name}: ${a.clientPlatformHeader.header} from any peer (TrustedPlatform)`;
        clientRef = a.clientPlatformHeader.ref;
      } else if (tc !== 'no' && a.clientFromRight !== undefined) {
        // adapter-node: the first client header only; X-Forwarded-For counted from the right, any other whole.
        const name = a.clientHeaders[0] as string;
        const got = h.get(name);
        const list = name === 'x-forwarded-for' ? items(got) : got === undefined ? [] : [got.trim()];
        const depth = name === 'x-forwarded-for' ? a.clientFromRight : 1;
        if (list.length >= depth && depth >= 1) {
          client = list[list.length - depth] as string;
          clientWhy = `${a.name}: ${name}${name === 'x-forwarded-for' ? ` entry ${depth} from the right` : ''}, from any peer`;
        } else if (!a.clientShortKeepsPeer) {
          notes.push(
            `${a.name} reads the client address from ${name}, but ${got === undefined ? 'none arrived' : `only ${list.length} entr${list.length === 1 ? 'y' : 'ies'} arrived for depth ${depth}`}: getClientAddress() throws`,
          );
        }
      } else if (tc !== 'no' && a.clientHeaders.includes('x-forwarded-for') && xff.length > 0) {
        const trusted = a.trustClient.value;
        client = trusted.includes('*')
          ? (xff[0] as string)
          : ([...xff].reverse().find((x) => !ipInList(x, trusted)) ?? (xff[0] as string));
        clientWhy = `${a.name}: X-Forwarded-For, trusted from ${peerText(view.peer)}`;
      }
      if (a.assumeHttp?.value) {
        scheme = 'http';
        schemeOwn = true;
        schemeWhy = `${a.name} treats every request as http: ${a.assumeHttp.envVar ? `its ${a.assumeHttp.envVar} is an http:// URL` : 'its own setting'}, whatever the proxy sends`;
        schemeRef = a.assumeHttp.ref ?? fw.ref;
        break;
      }
      if (a.assumeHttps?.value) {
        scheme = 'https';
        schemeAssumed = true;
        schemeWhy = `${a.name} treats every request as https (assume-https setting${a.assumeHttps.note ? `: ${a.assumeHttps.note}` : ''})`;
        schemeRef = a.assumeHttps.ref ?? fw.ref;
        break;
      }
      if (a.serverHttpsFirst && view.envHttps) {
        scheme = 'https';
        schemeWhy = `${a.name}: the server's HTTPS=on comes before any forwarded header (${view.schemeWhy})`;
        schemeRef = view.schemeRef;
        break;
      }
      const ts = a.schemeHeaders.length > 0 && !gateShut ? trustsPeer(a.trustScheme.value, view.peer, false) : 'no';
      if (ts === 'assumed') notes.push(`assumes ${a.trustScheme.value.join(', ')} covers ${peerText(view.peer)}`);
      const got = a.schemeHeaders.map((name) => ({ name, v: h.get(name) })).find((x) => x.v !== undefined);
      if (a.schemeHeaders.length === 0 && a.schemeWhenAbsent) {
        scheme = a.schemeWhenAbsent;
        schemeAssumed = true;
        schemeWhy = `${a.name} reads no forwarded scheme header and takes ${a.schemeWhenAbsent} whatever the connection`;
        schemeRef = a.trustScheme.ref ?? fw.ref;
      } else if (a.schemeHeaders.length === 0) {
        schemeWhy = `${a.name} reads no forwarded scheme header${a.schemeHeadersRef ? ` (its header list leaves it out)` : ''}: the connection is ${view.scheme}`;
        schemeRef = a.schemeHeadersRef ?? a.trustScheme.ref ?? fw.ref;
      } else if (gateShut && ts === 'no' && trustsPeer(a.trustScheme.value, view.peer, false) !== 'no') {
        schemeWhy = `${gateWhy}: the connection is ${view.scheme}`;
        schemeRef = a.trustScheme.ref ?? fw.ref;
      } else if (ts === 'no') {
        schemeWhy = got
          ? `${a.name} ignores ${got.name} from ${peerText(view.peer)}: trusts ${a.trustScheme.value.length === 0 ? 'no proxy' : a.trustScheme.value.join(', ')}`
          : `${a.name}: no forwarded scheme received, the connection is ${view.scheme}`;
        schemeRef = a.trustScheme.ref ?? fw.ref;
      } else if (got?.v !== undefined) {
        // RFC 7239 Forwarded: the scheme is the first element's proto= parameter.
        const first = firstItem(got.v);
        const v = (got.name === 'forwarded' ? (/(?:^|;)\s*proto="?([a-z]+)/i.exec(first)?.[1] ?? '') : first).toLowerCase();
        scheme = v === 'https' || v === 'on' ? 'https' : 'http';
        schemeWhy = `${a.name}: ${got.name} ${JSON.stringify(got.v)} from ${peerText(view.peer)}, trusted`;
        schemeRef = a.trustScheme.ref ?? fw.ref;
      } else if (a.schemeWhenAbsent) {
        scheme = a.schemeWhenAbsent;
        schemeAssumed = true;
        schemeWhy = `${a.name} reads ${a.schemeHeaders.join(', ')} but the proxy sent none: it takes ${a.schemeWhenAbsent}`;
        schemeRef = a.trustScheme.ref ?? fw.ref;
      } else {
        schemeWhy = `${a.name} reads ${a.schemeHeaders.join(', ')} but the proxy sent none: the connection is ${view.scheme}`;
        schemeRef = view.schemeRef ?? fw.ref;
      }
    }
  }
  if (readsUnknown(schemeWhy, h)) scheme = 'unknown' as Scheme;
  const label = fw.label;
  const step: Step = {
    kind: 'framework',
    label,
    ref: fw.ref,
    scheme,
    schemeWhy,
    schemeRef,
    host,
    hostWhy,
    hostRef,
    client,
    clientWhy,
    notes,
  };
  if (clientRef) step.clientRef = clientRef;
  if (schemeAssumed) step.schemeAssumed = true;
  if (schemeOwn) step.schemeOwnSetting = true;
  const exempt = fw.appEnd?.redirectExempt?.includes(host.replace(/:\d+$/, '')) ?? false;
  if ((fw.kind === 'django' || fw.appEnd) && fw.sslRedirect?.value && scheme === 'http' && !exempt) {
    // A redirect of some paths only (WordPress FORCE_SSL_ADMIN: /wp-admin/, /wp-login.php) is shown on its first
    // path when the route's own path is not one of them: the same request there is redirected.
    const paths = fw.sslRedirectPaths;
    const path = !paths || paths.some((p) => url.pathname.startsWith(p)) ? url.pathname : (paths[0] as string);
    const location = `https://${host}${path}`;
    const loop = !hostile && location === `https://${url.host}${path}`;
    step.redirect = { location, loop, ref: fw.sslRedirect.ref };
    if (fw.sslRedirectSetting) step.redirect.setting = fw.sslRedirectSetting;
    if (paths) step.redirect.paths = paths;
  }
  return step;
}

// ---------------------------------------------------------------- drivers

function defaultFramework(app: AppServer): Framework | undefined {
  return app.framework;
}

/** Follows links from a proxy route to the app, appending steps. */
function followFrom(
  topo: Topology,
  hop: ProxyHop,
  listenerIdx: number,
  route: ProxyRoute,
  req: WireRequest,
  trace: Trace,
  url: URL,
  hostile: boolean,
  depth = 0,
): void {
  const { step, out } = simulateProxy(hop, listenerIdx, route, req);
  trace.steps.push(step);
  if (step.redirect) {
    // The browser asked for https (a TLS load balancer in front): the redirect sends it back to the same URL.
    step.redirect.loop = trace.steps[0]?.scheme === 'https';
    return;
  }
  if (!out) return;
  const link = linkFrom(topo, hop.id, route.id);
  if (!link || link.target.kind === 'unresolved') {
    const up = route.upstreams[0];
    trace.complete = false;
    trace.unresolved =
      link?.target.kind === 'unresolved'
        ? { what: link.target.reason, need: link.target.need, ref: up?.ref ?? route.ref }
        : {
            what: `could not find what listens on ${up?.text ?? 'the upstream'}`,
            need: "give the app server's unit, compose file or command",
            ref: up?.ref ?? route.ref,
          };
    return;
  }
  step.linkText = link.how;
  out.peer = link.peer;
  out.peerAddr = peerText(link.peer);
  const target = link.target;
  if (target.kind === 'proxy') {
    const next = proxyById(topo, target.hopId);
    if (!next || depth > 8) {
      trace.complete = false;
      trace.unresolved = { what: 'proxy chain too deep or broken', need: 'check the upstream addresses' };
      return;
    }
    const nroute = pickRoute(next, req.path);
    if (!nroute) {
      trace.complete = false;
      trace.unresolved = { what: `${next.label} has no route that proxies ${req.path}`, need: 'check its routes', ref: next.ref };
      return;
    }
    followFrom(topo, next, target.listener, nroute, out, trace, url, hostile, depth + 1);
    noteRedirectRewrites(step, route, trace);
    return;
  }
  const app = appById(topo, target.appId);
  if (!app) return;
  if (insideWebServer(app)) {
    // mod_php, and Passenger inside Apache (mod_passenger) or nginx (passenger_enabled), run inside this web server:
    // REMOTE_ADDR is the web server's own TCP peer, not a socket between them: the web server module hands the app
    // the connection's REMOTE_ADDR as a CGI variable (Passenger's core socket is not the peer the app sees).
    out.peer = req.peer;
    out.peerAddr = req.peerAddr;
    step.linkText = `${app.name} inside ${hop.label}`;
  }
  finishAtApp(app, out, trace, url, hostile);
  noteRedirectRewrites(step, route, trace);
}

/**
 * What this hop's rewriting of the backend's redirects (ProxyRoute.redirectRewrites: Apache ProxyPassReverse, Caddy
 * `header_down Location`) does to a redirect of an app that believes http while the hop received https: the app
 * builds `http://<the Host it sees>/...`. A rewrite that matches it fixes the redirect's scheme (its Location only);
 * one that does not (ProxyPreserveHost On hands the app the public host, not the backend URL ProxyPassReverse names)
 * leaves `http://` (checked on real apache2: test/proxy/apache-proxypassreverse-real.test.ts). A note on the hop.
 */
function noteRedirectRewrites(step: Step, route: ProxyRoute, trace: Trace): void {
  const rewrites = route.redirectRewrites;
  const last = finalStep(trace);
  const browser = trace.steps[0];
  if (!rewrites?.length || !trace.complete || browser?.scheme !== 'https' || !last || last.scheme !== 'http' || !last.host)
    return;
  const appUrl = `http://${last.host}/`;
  for (const rw of rewrites) {
    const at = `${rw.ref.file}:${rw.ref.line}`;
    if (rw.kind === 'to-front') {
      const from = rw.from.endsWith('/') ? rw.from : `${rw.from}/`;
      if (appUrl.toLowerCase().startsWith(from.toLowerCase())) {
        // The front URL is Apache's own (ap_construct_url: this vhost's scheme), http on a plain vhost behind a TLS front.
        const front = `${step.scheme}://${step.host}${rw.path.replace(/\/$/, '')}/${appUrl.slice(from.length)}`;
        step.notes.push(
          step.scheme === 'https'
            ? `ProxyPassReverse ${rw.from} (${at}) rewrites the app's redirects (${appUrl}...) to ${front}...: their Location is https, but the app still builds its pages' links, form actions and cookies for http`
            : `ProxyPassReverse ${rw.from} (${at}) rewrites the app's redirects (${appUrl}...) to ${front}...: Apache's own scheme on this plain-HTTP vhost (TLS ends in front of it), so they stay http`,
        );
        return;
      }
    } else {
      // A pattern the program refuses (Caddy compiles it when the config loads) or one not read: nothing to say about
      // matching (the refusal is the collector's diagnostic).
      if (rw.pattern.kind !== 'ok') return;
      // Caddy fills the replacement's placeholders, then Go's ReplaceAllString replaces every match.
      const replacement = rw.replace
        .replace(/\{(?:http\.request\.)?host\}/g, hostOnly(step.host ?? ''))
        .replace(/\{(?:http\.request\.)?hostport\}/g, step.host ?? '')
        .replace(/\{(?:http\.request\.)?scheme\}/g, step.scheme);
      const rewritten = goReplaceAll(appUrl, rw.pattern.source, rw.pattern.flags, replacement);
      if (rewritten !== appUrl) {
        step.notes.push(
          `header_down Location ${rw.search} ${rw.replace} (${at}) rewrites the app's redirects (${appUrl}...) to ${rewritten}...: ${/^https:/i.test(rewritten) ? 'their Location is https' : 'still not https'}, but the app still builds its pages' links, form actions and cookies for http`,
        );
        return;
      }
    }
  }
  const first = rewrites[0] as (typeof rewrites)[number];
  const what =
    first.kind === 'to-front' ? `ProxyPassReverse ${first.from}` : `header_down Location ${first.search} ${first.replace}`;
  step.notes.push(
    `${what} (${first.ref.file}:${first.ref.line}) does not match the app's redirects: the app sees Host ${last.host} and believes http, so it redirects to ${appUrl}..., which reaches the browser unchanged (http)`,
  );
}

function finishAtApp(app: AppServer, req: WireRequest, trace: Trace, url: URL, hostile: boolean): void {
  const { step, view } = simulateAppServer(app, req);
  trace.steps.push(step);
  const fw = defaultFramework(app);
  if (fw) {
    const f = simulateFramework(fw, app, view, url, hostile);
    if (step.refused) {
      // The app server answered with its error: the framework never runs, so its settings decide nothing (a Django
      // SECURE_PROXY_SSL_HEADER that would read https is not reached); passive so the verdict names the server.
      f.scheme = 'http';
      f.schemeWhy = `never runs: ${app.label} answers ${step.refused.status} first`;
      f.schemeRef = step.schemeRef;
      f.passive = true;
      f.redirect = undefined;
    }
    trace.steps.push(f);
  } else {
    trace.steps.push({
      kind: 'framework',
      label: 'app (framework not found)',
      scheme: view.scheme,
      schemeWhy: `no framework settings found: assumed to use the server's scheme (${view.scheme})`,
      schemeRef: view.schemeRef,
      host: view.host,
      hostWhy: 'Host header',
      client: view.client,
      clientWhy: view.clientWhy,
      notes: ['framework files not found: the verdict assumes the app trusts its server'],
    });
  }
}

export function pickRoute(hop: ProxyHop, path: string): ProxyRoute | undefined {
  let best: ProxyRoute | undefined;
  for (const r of hop.routes) {
    if (path.startsWith(r.samplePath) && (!best || r.samplePath.length > best.samplePath.length)) best = r;
  }
  return best ?? hop.routes[0];
}

function lbStep(lb: LoadBalancer, req: WireRequest): { step: Step; out: WireRequest } {
  const out = new Map(req.headers);
  let conveys: Step['conveys'];
  let proxyProtocolClient: string | undefined;
  if (lb.mode === 'http') {
    out.set('x-forwarded-proto', 'https');
    out.set('x-forwarded-port', String(lb.port));
    const prev = out.get('x-forwarded-for');
    out.set('x-forwarded-for', prev ? `${prev}, ${req.peerAddr}` : req.peerAddr);
    conveys = {
      scheme: 'https',
      header: 'x-forwarded-proto',
      why: 'an HTTP load balancer sets X-Forwarded-Proto: https (AWS ALB, GCP, Azure do)',
      ref: lb.ref,
    };
  } else {
    proxyProtocolClient = req.peerAddr;
    conveys = { scheme: 'absent', why: 'a TCP load balancer with PROXY protocol sends no scheme header', ref: lb.ref };
  }
  const step: Step = {
    kind: 'lb',
    label: lb.label,
    ref: lb.ref,
    scheme: 'https',
    schemeWhy: `TLS ends at the load balancer (${lb.why})`,
    host: req.headers.get('host'),
    hostWhy: 'Host header',
    client: req.peerAddr,
    clientWhy: 'the TCP peer',
    conveys,
    sent: headerObj(out),
    notes: [],
  };
  return {
    step,
    out: {
      scheme: 'http',
      headers: out,
      peer: lb.peer ?? { kind: 'remote', desc: 'the load balancer' },
      peerAddr: lb.peer?.kind === 'loopback' ? lb.peer.ip : 'load balancer',
      path: req.path,
      proxyProtocolClient,
    },
  };
}

/** A browser visit of `entry` at the route's sample path (or `path`). */
export function simulateBrowser(
  topo: Topology,
  entry: Entry,
  route: ProxyRoute,
  opts: { hostileHeaders?: Map<string, string>; plainHttp?: boolean } = {},
): Trace {
  const hop = proxyById(topo, entry.hopId) as ProxyHop;
  const url = new URL(entry.url);
  // The entry's own path when --url named one, else a path the route serves.
  if (url.pathname === '/') url.pathname = route.samplePath;
  // A route of one of the hop's names (a Traefik router's Host()) is visited at that name, unless --url named
  // another host for the entry.
  if (route.sampleHost && route.sampleHost !== url.hostname && hop.names.includes(url.hostname)) url.hostname = route.sampleHost;
  if (opts.plainHttp) url.protocol = 'http:';
  const hostile = Boolean(opts.hostileHeaders);
  const trace: Trace = {
    kind: hostile ? 'hostile-proxy' : 'browser',
    url: url.toString(),
    entryId: entry.id,
    routeId: route.id,
    steps: [],
    complete: true,
  };
  const headers = new Map<string, string>(opts.hostileHeaders ?? []);
  headers.set('host', authorityOf(url));
  const scheme: Scheme = url.protocol === 'https:' ? 'https' : 'http';
  trace.steps.push({
    kind: 'client',
    label: hostile ? 'attacker' : 'browser',
    scheme,
    schemeWhy: `requests ${url.toString()}`,
    host: url.host,
    hostWhy: 'the URL',
    client: hostile ? ATTACKER_IP : BROWSER_IP,
    clientWhy: 'its own address',
    sent: headerObj(headers),
    notes: [],
  });
  let req: WireRequest = {
    scheme,
    headers,
    peer: { kind: 'client' },
    peerAddr: hostile ? ATTACKER_IP : BROWSER_IP,
    path: url.pathname,
  };
  if (entry.lb && !opts.plainHttp) {
    const { step, out } = lbStep(entry.lb, req);
    trace.steps.push(step);
    req = out;
  }
  followFrom(topo, hop, entry.listener, route, req, trace, url, hostile);
  return trace;
}

/** A hostile request sent straight to an app server's bind, with forged forwarded headers. */
export function simulateDirect(topo: Topology, app: AppServer, bindIdx: number, from: Peer, fromText: string): Trace {
  const bind = app.binds[bindIdx];
  const port = bind?.published?.hostPort ?? (bind?.address.kind === 'tcp' ? bind.address.port : 80);
  // Host is the site's own name (a direct request always controls Host; ALLOWED_HOSTS guards it):
  // only X-Forwarded-Host / Forwarded carry the forged host.
  const url = new URL(siteUrl(false, topo.entries[0]?.name || 'localhost', 80).url);
  if (bind?.address.kind === 'tcp' && Number.isInteger(port) && port > 0 && port < 65536) url.port = String(port);
  const headers = forgedHeaders();
  headers.set('host', url.host);
  const trace: Trace = { kind: 'hostile-direct', url: url.toString(), appId: app.id, steps: [], complete: true };
  trace.steps.push({
    kind: 'client',
    label: `attacker (${fromText})`,
    scheme: 'http',
    schemeWhy: 'plain HTTP straight to the backend port with forged X-Forwarded-* and Forwarded',
    host: url.host,
    client: ATTACKER_IP,
    clientWhy: 'its own address',
    sent: headerObj(headers),
    notes: [],
  });
  finishAtApp(
    app,
    { scheme: 'http', headers, peer: from, peerAddr: from.kind === 'remote' && from.ip ? from.ip : ATTACKER_IP, path: '/' },
    trace,
    url,
    true,
  );
  return trace;
}

/** The believed outcome at the end of a trace. */
export function finalStep(t: Trace): Step | undefined {
  const last = t.steps[t.steps.length - 1];
  // A proxy that answers with its own redirect is where the request ends.
  return last && (last.kind === 'framework' || last.kind === 'app-server' || (last.kind === 'proxy' && last.redirect))
    ? last
    : undefined;
}

/** What a client's forged forwarded headers still decide after one proxy route it connects to directly. */
export interface ForgedThrough {
  /** The left-most X-Forwarded-For entry is the client's own (a trust-everyone app takes it as the client). */
  client: boolean;
  /** The first X-Forwarded-Host is the client's. */
  host: boolean;
  /** A plain-HTTP listener sends the client's X-Forwarded-Proto: https on. */
  scheme: boolean;
  /** The rule (or the route) that decides each header that lets the client's value through. */
  refs: { client?: Ref; host?: Ref; scheme?: Ref };
}

/**
 * A hostile client straight at `hop` (the first hop in front of the app, nothing in front of it): which of its
 * forged X-Forwarded-For/-Host/-Proto reach the upstream at the head of the list, where an app that trusts every
 * hop reads them. Every listener of the hop is tried (a plain :80 and a TLS :443 site share a route's rules).
 */
export function forgedThrough(hop: ProxyHop, route: ProxyRoute): ForgedThrough {
  const res: ForgedThrough = { client: false, host: false, scheme: false, refs: {} };
  const ruleRef = (name: string): Ref => {
    for (let i = route.headers.length - 1; i >= 0; i--) {
      const r = route.headers[i] as HeaderRule;
      if (sentName(route, r.name) === name) return r.ref;
    }
    return route.ref;
  };
  const listeners = hop.listeners.length > 0 ? hop.listeners.map((_, i) => i) : [0];
  for (const i of listeners) {
    const tls = hop.listeners[i]?.tls ?? false;
    const headers = forgedHeaders();
    headers.set('host', hop.names[0] || 'site.example');
    const { out } = simulateProxy(hop, i, route, {
      scheme: tls ? 'https' : 'http',
      headers,
      peer: { kind: 'client' },
      peerAddr: ATTACKER_IP,
      path: route.samplePath,
    });
    const sent = out?.headers;
    if (!sent) continue;
    if (firstItem(sent.get('x-forwarded-for') ?? '') === FORGED.ip && !res.client) {
      res.client = true;
      res.refs.client = ruleRef('x-forwarded-for');
    }
    if (firstItem(sent.get('x-forwarded-host') ?? '') === FORGED.host && !res.host) {
      res.host = true;
      res.refs.host = ruleRef('x-forwarded-host');
    }
    if (!tls && firstItem(sent.get('x-forwarded-proto') ?? '').toLowerCase() === FORGED.proto && !res.scheme) {
      res.scheme = true;
      res.refs.scheme = ruleRef('x-forwarded-proto');
    }
  }
  return res;
}
