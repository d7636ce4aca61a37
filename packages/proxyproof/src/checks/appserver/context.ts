/**
 * Shared reasoning for the app-side checks (appserver/, django/, flask/, deploy/): where the
 * reverse proxy sits relative to an app server, whether the app server believes the proxy's
 * X-Forwarded-Proto, and whether the site is served over HTTPS. Pure functions of facts.
 *
 * The doctor's chain simulator refines this; these helpers only use what lint facts show directly:
 * nginx `proxy_pass`/`upstream` targets and compose services whose image is a proxy.
 */
import { proxyContainers } from '../../collectors/proxy/container.js';
import { nginxModel, schemeHeaders as nginxSchemeHeaders } from '../../facts/nginx/index.js';
import type { NginxPass } from '../../facts/nginx/types.js';
import type { AppServerFacts, BindAddress, Facts, FrameworkFacts, SourceRef } from '../../model/facts.js';
import type { Evidence } from '../../model/finding.js';

export type PeerPlace =
  /** the proxy connects over loopback on the same host (or container) */
  | 'same-host'
  | 'unix'
  /** the proxy connects from another container (compose service name, or a proxy service in the same project) */
  | 'other-container'
  /** the proxy connects from another machine, or through a published port (peer = docker gateway) */
  | 'other-host';

export interface ProxyPeer {
  place: PeerPlace;
  what: string;
  evidence: Evidence;
  /** For nginx peers: the scheme-carrying headers it sends on that location (names), [] when none. */
  schemeHeaders?: string[];
  /** nginx sends no scheme header although it ends TLS there. */
  tls?: boolean;
  /** A Kubernetes proxy workload's image (`nginx:1.22.0`). */
  proxyImage?: string;
  /** Where the proxy itself is declared, when `evidence` cites another line of it (an Ingress's `tls:` far below
   * its `kind: Ingress`, as in a Helm template): a reader sees which object the TLS line belongs to. */
  declared?: Evidence;
}

/** A peer's evidence lines: the one that shows the reason, then the object it belongs to when that is elsewhere. */
export function peerEvidence(p: ProxyPeer): Evidence[] {
  return p.declared ? [p.evidence, p.declared] : [p.evidence];
}

export function ev(ref: SourceRef | undefined, note?: string): Evidence {
  if (!ref) return { file: '', line: 0, note };
  const e: Evidence = { file: ref.file, line: ref.line };
  if (ref.snippet) e.snippet = ref.snippet;
  if (note) e.note = note;
  return e;
}

export function isLoopbackHost(h: string | undefined): boolean {
  if (!h) return false;
  const x = h.replace(/^\[|\]$/g, '').toLowerCase();
  return x === 'localhost' || x === '::1' || /^127\.\d+\.\d+\.\d+$/.test(x);
}

interface PassInfo {
  pass: NginxPass;
  schemeHeaders: string[];
  tls: boolean;
  /** The config is a Kubernetes ConfigMap's key (collectors/nginx/embedded.ts): this nginx runs in a pod. */
  inPod?: string;
}

function passes(facts: Facts): PassInfo[] {
  if (!facts.nginx || facts.nginx.configs.length === 0) return [];
  try {
    const m = nginxModel(facts);
    const out: PassInfo[] = [];
    for (const s of m.servers) {
      const tree = facts.nginx.configs[m.https[s.http]?.config ?? -1];
      const inPod = tree?.embedded?.kubernetes ? tree.config[0]?.file : undefined;
      for (const sc of s.scopes)
        if (sc.pass && !sc.passInherited && sc.pass.kind === 'proxy')
          out.push({
            pass: sc.pass,
            schemeHeaders: nginxSchemeHeaders(sc.headers.proxy).map((e) => e.name),
            tls: s.tls,
            ...(inPod ? { inPod } : {}),
          });
    }
    return out;
  } catch {
    return [];
  }
}

function targetsOf(p: NginxPass): Array<{ host?: string; port?: number; unix?: string; ref: SourceRef }> {
  const ref: SourceRef = { file: p.ref.file, line: p.ref.line, snippet: p.ref.text };
  if (p.upstream)
    return p.upstream.servers.map((s) => ({
      host: s.host,
      port: s.port,
      unix: s.unix,
      ref: { file: s.ref.file, line: s.ref.line, snippet: s.ref.text },
    }));
  return [{ host: p.host, port: p.port, unix: p.unix, ref }];
}

function bindMatches(b: BindAddress, t: { host?: string; port?: number; unix?: string }): boolean {
  if (t.unix) return b.kind === 'unix' && b.path === t.unix;
  if (b.kind !== 'tcp') return false;
  return t.port === undefined || b.port === undefined || t.port === b.port || t.port === b.published?.hostPort;
}

/** The names a compose-started server answers to: its service, container_name, hostname and network aliases. */
function composeNames(facts: Facts, s: AppServerFacts): string[] {
  const index = facts.appServers.indexOf(s);
  const svc = facts.compose?.files.flatMap((f) => f.services).find((x) => x.appServers.includes(index));
  return [s.service ?? '', ...(svc?.aliases ?? [])].filter(Boolean);
}

/** True when `host` names a compose service (or one of its aliases) of the linted files. */
function composeServiceName(facts: Facts, host: string): boolean {
  return (facts.compose?.files ?? []).some((f) => f.services.some((x) => x.name === host || (x.aliases ?? []).includes(host)));
}

/** Where the proxies in the linted files connect to this app server from. */
export function proxyPeers(facts: Facts, s: AppServerFacts): ProxyPeer[] {
  const out: ProxyPeer[] = [];
  const inContainer = s.binds.some((b) => b.container);
  for (const info of passes(facts)) {
    for (const t of targetsOf(info.pass)) {
      const b = s.binds.find((x) => bindMatches(x, t));
      if (!b) continue;
      const evd = ev(t.ref, 'the proxy connects here');
      const extra = { schemeHeaders: info.schemeHeaders, tls: info.tls };
      if (t.unix) out.push({ place: 'unix', what: `nginx proxy_pass to unix:${t.unix}`, evidence: evd, ...extra });
      else if (info.inPod && s.launch.via === 'k8s' && !isLoopbackHost(t.host)) {
        // nginx whose config is a ConfigMap runs in a pod; a pod-started server it reaches by a Service name or
        // address sees the nginx pod's address. One peer per config and target (its locations are one proxy).
        const what = `the nginx configured by ${info.inPod}, in another pod (proxy_pass to ${t.host ?? ''}:${t.port ?? ''})`;
        if (!out.some((o) => o.what === what))
          out.push({
            place: 'other-container',
            what,
            evidence: evd,
            ...extra,
          });
      } else if (
        // Started by compose, or by code that runs in a compose service's container (a Node app's listen()).
        (s.launch.via === 'compose' || inContainer) &&
        s.service &&
        t.host !== undefined &&
        composeNames(facts, s).includes(t.host)
      )
        out.push({
          place: 'other-container',
          what: `nginx proxy_pass to the compose service ${t.host}`,
          evidence: evd,
          ...extra,
        });
      else if (isLoopbackHost(t.host)) {
        if (inContainer && b.published)
          out.push({
            place: 'other-host',
            what: `nginx proxy_pass to ${t.host}:${t.port}, a port Docker publishes: the peer the app server sees is the Docker gateway, not 127.0.0.1`,
            evidence: evd,
            ...extra,
          });
        else if (!inContainer)
          out.push({ place: 'same-host', what: `nginx proxy_pass to ${t.host}:${t.port ?? ''}`, evidence: evd, ...extra });
      } else if (t.host && (s.launch.via !== 'compose' || t.host === b.host) && !composeServiceName(facts, t.host))
        // A compose service's name resolves only on its compose network, to that service's containers: a server
        // this host starts (a systemd unit that happens to share the name) is not what the proxy reaches.
        out.push({ place: 'other-host', what: `nginx proxy_pass to ${t.host}:${t.port ?? ''}`, evidence: evd, ...extra });
    }
  }
  // The nginx workload that mounts a ConfigMap config is the proxy already named by that config's own lines.
  const podNginx = out.some((o) => o.what.startsWith('the nginx configured by '));
  out.push(...kubePeers(facts, s).filter((p) => !(podNginx && p.proxyImage && /nginx/i.test(p.proxyImage))));
  if (s.platform)
    out.push({
      place: 'other-host',
      what: `${s.platform.name}'s proxy, which ends TLS and connects to the container from its own address`,
      evidence: ev(s.platform.ref, `${s.platform.name} builds this image and routes to it`),
    });
  // Only a server a compose service starts has compose neighbours (a Procfile process named `web` is not the
  // compose service `web`).
  if (s.service && facts.compose && s.launch.via === 'compose') {
    const index = facts.appServers.indexOf(s);
    for (const cf of facts.compose.files) {
      const mine =
        cf.services.find((x) => x.appServers.includes(index)) ??
        cf.services.find((x) => x.name === s.service && x.file === s.launch.file);
      if (!mine) continue;
      for (const other of cf.services) {
        if (other === mine || other.role !== 'proxy') continue;
        if (mine.networkMode === 'host' && other.networkMode === 'host') continue;
        if (out.some((o) => o.place === 'other-container')) continue;
        out.push({
          place: 'other-container',
          what: `the reverse proxy in the compose service ${other.name} (${other.image ?? 'built image'}, another container)`,
          evidence: ev(other.ref, 'proxy container'),
        });
      }
      // No proxy in these files, but signs that one outside them routes to this service: it is another container.
      const sign = mine.outsideProxy?.[0];
      if (sign && out.length === 0 && mine.networkMode !== 'host')
        out.push({
          place: 'other-container',
          what: `a reverse proxy outside these files (${sign.why})`,
          evidence: ev(sign.ref, sign.why),
        });
    }
  }
  return out;
}

/**
 * Kubernetes: who connects to an app server started by a pod's container. A proxy container in the same pod
 * (a sidecar) connects over loopback; otherwise every proxy workload of the tree (an nginx Deployment) and every
 * entry (Ingress, Gateway, route: its controller's pods) connects from another pod's address.
 */
function kubePeers(facts: Facts, s: AppServerFacts): ProxyPeer[] {
  if (s.launch.via !== 'k8s' || !facts.workloads) return [];
  const index = facts.appServers.indexOf(s);
  const mine = facts.workloads.workloads.find((w) => w.containers.some((c) => c.appServers.includes(index)));
  if (!mine) return [];
  if (mine.hostNetwork) return [];
  const sidecar = mine.containers.find((c) => c.proxy && !c.appServers.includes(index));
  if (sidecar)
    return [
      {
        place: 'same-host',
        what: `the proxy container ${sidecar.name} in the same pod (${sidecar.image ?? 'image not known'})`,
        evidence: ev(sidecar.ref, 'sidecar proxy: connects over loopback'),
      },
    ];
  const out: ProxyPeer[] = [];
  for (const w of facts.workloads.workloads) {
    if (w === mine) continue;
    const p = w.containers.find((c) => c.proxy);
    if (p)
      out.push({
        place: 'other-container',
        proxyImage: p.image ?? '',
        what: `the ${w.kind} ${w.name || p.name} (${p.image ?? 'a proxy image'}), a proxy in another pod`,
        evidence: ev(p.ref, 'proxy pod: connects from its pod address'),
      });
  }
  // Entries that end TLS first, Ingress before Gateway API objects: the evidence shows where https ends.
  const entries = [...facts.workloads.entries].sort(
    (a, b) => Number(!a.tls) - Number(!b.tls) || Number(a.kind !== 'Ingress') - Number(b.kind !== 'Ingress'),
  );
  for (const e of entries)
    out.push({
      place: 'other-container',
      what: `the ${e.kind} ${e.name}'s controller, in another pod`,
      evidence: ev(e.tls ?? e.ref, e.tls ? `${e.kind}: TLS ends here, plain HTTP to the pods behind it` : `${e.kind} in front`),
      ...(e.tls && e.declared ? { declared: ev(e.declared, `the ${e.kind} ${e.name}`) } : {}),
    });
  return out;
}

/** Trust entries that are loopback-only (the defaults), i.e. that no other host or container can match. */
export function loopbackOnly(list: string[]): boolean {
  return list.length > 0 && list.every((x) => isLoopbackHost(x) || x === '::1' || /^127\./.test(x));
}

export function trustsAll(s: AppServerFacts): boolean {
  return s.trustedProxies.value.includes('*');
}

/** What a server makes of the proxy's X-Forwarded-Proto, given where the proxy is. */
export interface SchemeVerdict {
  /** 'yes': believed from the proxy; 'no': ignored (or never read); 'unknown': cannot tell statically. */
  believed: 'yes' | 'no' | 'unknown';
  /**
   * Why it is not believed: the server's proxy headers are off or it does not read the header ('off'),
   * the proxy's address is not trusted ('not-trusted'), or the proxy does not send it ('not-sent').
   */
  cause?: 'off' | 'not-trusted' | 'not-sent';
  /** The proxy reaches it over loopback/unix only (works, but only while the proxy stays there). */
  viaLoopbackDefault: boolean;
  reason: string;
  peers: ProxyPeer[];
}

export function schemeFromProxy(facts: Facts, s: AppServerFacts): SchemeVerdict {
  const peers = proxyPeers(facts, s);
  const remote = peers.filter((p) => p.place === 'other-container' || p.place === 'other-host');
  const local = peers.filter((p) => p.place === 'same-host' || p.place === 'unix');
  const trust = s.trustedProxies;
  const readsProto =
    s.kind === 'gunicorn'
      ? Object.keys(s.schemeHeaders.value).some((k) => k === 'X-FORWARDED-PROTO')
      : s.proxyHeaders.value && Object.keys(s.schemeHeaders.value).length > 0;
  if (s.kind === 'hypercorn' || s.kind === 'node' || s.kind === 'werkzeug' || s.kind === 'other')
    return {
      believed: s.kind === 'hypercorn' ? 'no' : 'unknown',
      cause: s.kind === 'hypercorn' ? 'off' : undefined,
      viaLoopbackDefault: false,
      reason: `${s.kind} does not read X-Forwarded-Proto itself`,
      peers,
    };
  if (!s.proxyHeaders.value)
    return {
      believed: 'no',
      cause: 'off',
      viaLoopbackDefault: false,
      reason: `${s.kind} proxy headers are off (${s.kind === 'daphne' ? 'no --proxy-headers' : '--no-proxy-headers'})`,
      peers,
    };
  if (!readsProto)
    return {
      believed: 'no',
      cause: 'off',
      viaLoopbackDefault: false,
      reason: `${s.kind} does not map X-Forwarded-Proto to https (secure_scheme_headers)`,
      peers,
    };
  const reads = (h: string) =>
    s.kind === 'gunicorn'
      ? Object.keys(s.schemeHeaders.value).some((k) => k === h.toUpperCase())
      : h.toLowerCase() === 'x-forwarded-proto';
  const nginxPeers = peers.filter((p) => p.schemeHeaders !== undefined && p.tls);
  if (nginxPeers.length > 0 && nginxPeers.every((p) => !(p.schemeHeaders ?? []).some(reads))) {
    const p = nginxPeers[0] as ProxyPeer;
    return {
      believed: 'no',
      cause: 'not-sent',
      viaLoopbackDefault: false,
      reason: `${s.kind} would read X-Forwarded-Proto${trust.value.length ? ` from ${trust.value.join(', ')}` : ''}, but ${p.what} ${p.schemeHeaders?.length ? `sends only ${p.schemeHeaders.join(', ')}, which ${s.kind} does not read` : 'sends no X-Forwarded-Proto'}`,
      peers,
    };
  }
  if (trust.origin === 'unknown' || (trust.origin === 'env' && trust.value.length === 0))
    return {
      believed: 'unknown',
      viaLoopbackDefault: false,
      reason: 'its trusted proxy addresses are not known statically',
      peers,
    };
  if (trust.value.includes('*'))
    return {
      believed: 'yes',
      viaLoopbackDefault: false,
      reason: `${s.kind} trusts forwarded headers from every peer ('*')`,
      peers,
    };
  if (remote.length > 0) {
    if (loopbackOnly(trust.value))
      return {
        believed: 'no',
        cause: 'not-trusted',
        viaLoopbackDefault: false,
        reason: `${s.kind} trusts only ${trust.value.join(', ')}, and the proxy connects from another ${remote[0]?.place === 'other-container' ? 'container' : 'host'}`,
        peers,
      };
    return {
      believed: 'unknown',
      viaLoopbackDefault: false,
      reason: `${s.kind} trusts ${trust.value.join(', ')}; whether that matches the proxy's address cannot be told statically`,
      peers,
    };
  }
  const unixBind = s.binds.some((b) => b.kind === 'unix');
  // gunicorn with uvicorn workers parses requests with uvicorn: its ProxyHeadersMiddleware decides.
  const uvicornLike = s.kind === 'uvicorn' || (s.kind === 'gunicorn' && /uvicorn/i.test(s.workerClass ?? ''));
  if (uvicornLike && (unixBind || local.some((p) => p.place === 'unix')))
    return {
      believed: 'no',
      cause: 'not-trusted',
      viaLoopbackDefault: false,
      reason: `${s.kind === 'uvicorn' ? 'uvicorn' : 'gunicorn with uvicorn workers'} sees no peer address on a unix socket, so only forwarded_allow_ips='*' trusts the proxy there`,
      peers,
    };
  // Over loopback the proxy's address is 127.0.0.1 (or ::1): it must be in the trust list (exact match,
  // as gunicorn and uvicorn 0.17 compare strings). Over a unix socket gunicorn trusts every peer.
  const overTcp = local.filter((p) => p.place === 'same-host');
  const viaUnix = local.some((p) => p.place === 'unix') || unixBind;
  if (
    overTcp.length > 0 &&
    !(s.kind === 'gunicorn' && !uvicornLike && viaUnix) &&
    !trust.value.some((x) => x === '127.0.0.1' || x === '::1' || x === 'localhost')
  )
    return {
      believed: 'no',
      cause: 'not-trusted',
      viaLoopbackDefault: false,
      reason: `${s.kind} trusts only ${trust.value.join(', ') || 'no address'}, and the proxy connects from 127.0.0.1`,
      peers,
    };
  if (local.length > 0 || (s.kind === 'gunicorn' && !uvicornLike && unixBind))
    return {
      believed: 'yes',
      viaLoopbackDefault: trust.origin === 'default',
      reason:
        s.kind === 'gunicorn' && unixBind
          ? 'gunicorn trusts every peer of a unix socket'
          : `${s.kind} trusts ${trust.value.join(', ')} and the proxy connects over loopback`,
      peers,
    };
  return { believed: 'unknown', viaLoopbackDefault: false, reason: 'no reverse proxy in the linted files points at it', peers };
}

/** App servers that serve a framework: matched by app target / settings module, else every Python server. */
export function serversFor(facts: Facts, fw: FrameworkFacts): AppServerFacts[] {
  const py = facts.appServers.filter(
    (s) => s.kind === 'gunicorn' || s.kind === 'uvicorn' || s.kind === 'daphne' || s.kind === 'hypercorn',
  );
  const pkg = fw.module?.split('.')[0];
  const dsm = fw.settings.DJANGO_SETTINGS_MODULE?.value;
  const matched = py.filter(
    (s) => (dsm && s.env.DJANGO_SETTINGS_MODULE?.value === dsm) || (pkg && s.appTarget && s.appTarget.split(/[.:]/)[0] === pkg),
  );
  return matched.length > 0 ? matched : py;
}

/** Evidence that the site is served over HTTPS, first found. */
export function httpsEvidence(facts: Facts): Evidence | undefined {
  // The tree's nginx servers, when it holds any, and none listens on 443: an nginx container publishing 443 then
  // publishes a port nothing in it listens on (`# listen 443 ssl;` commented out), which is no sign of HTTPS.
  let nginxWithout443 = false;
  try {
    if (facts.nginx && facts.nginx.configs.length > 0) {
      const m = nginxModel(facts);
      for (const s of m.servers)
        if (s.tls) {
          const l = s.listens.find((x) => x.ssl);
          if (l?.ref) return { file: l.ref.file, line: l.ref.line, snippet: l.ref.text, note: 'nginx serves HTTPS here' };
          return { file: s.ref.file, line: s.ref.line, note: 'nginx serves HTTPS here' };
        }
      // Every port known (a templated `listen {{ port }}` may be 443) and none 443.
      nginxWithout443 =
        m.servers.length > 0 && m.servers.every((s) => s.listens.every((l) => l.port !== undefined && l.port !== 443));
    }
  } catch {
    // nginx facts unavailable: fall through to other evidence
  }
  const nginxServices = nginxWithout443 ? new Set(proxyContainers(facts, 'nginx').map((c) => c.service)) : undefined;
  for (const cf of facts.compose?.files ?? [])
    for (const svc of cf.services)
      if (svc.role === 'proxy' && !nginxServices?.has(svc.name)) {
        const p = svc.ports.find((x) => x.containerPort === 443 || x.hostPort === 443);
        if (p) return { ...ev(p.ref, `the ${svc.name} proxy publishes port 443`) };
      }
  for (const fw of facts.frameworks) {
    if (fw.kind !== 'django') continue;
    if (fw.sslRedirect?.value && fw.sslRedirect.origin !== 'default') return ev(fw.sslRedirect.ref, 'SECURE_SSL_REDIRECT = True');
    const hsts = fw.settings.SECURE_HSTS_SECONDS;
    if (typeof hsts?.value === 'number' && hsts.value > 0) return ev(hsts.ref, 'HSTS is on');
    const o = fw.csrfTrustedOrigins?.value.find((x) => x.startsWith('https://'));
    if (o) return ev(fw.csrfTrustedOrigins?.ref, `CSRF_TRUSTED_ORIGINS has ${o}`);
  }
  return undefined;
}

/** A firewall note near a launch: a comment mentioning a firewall, ufw, iptables, nftables or a security group. */
export function firewallNote(facts: Facts, file: string): Evidence | undefined {
  const lines = facts.sources.get(file);
  if (!lines) return undefined;
  const i = lines.findIndex((l) => /^\s*[#;].*\b(firewall|ufw|iptables|nftables|firewalld|security[- ]group)\b/i.test(l));
  return i >= 0 ? { file, line: i + 1, snippet: (lines[i] as string).trim(), note: 'firewall note' } : undefined;
}

export function describeBind(b: BindAddress): string {
  if (b.kind === 'unix') return `unix:${b.path}`;
  if (b.kind === 'fd') return `fd://${b.path}`;
  const h = b.host?.includes(':') ? `[${b.host}]` : b.host;
  return `${h ?? '?'}:${b.port ?? '?'}`;
}

/** Reachable by hosts other than this machine / this container network. */
export function reachableBeyondLoopback(b: BindAddress): boolean {
  return (
    b.reach === 'network' ||
    b.reach === 'container-network' ||
    b.reach === 'host-loopback' ||
    (b.reach === undefined && (b.exposure === 'all-interfaces' || b.exposure === 'specific'))
  );
}
