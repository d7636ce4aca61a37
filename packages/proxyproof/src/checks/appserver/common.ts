/**
 * The forwarded-allow-all / proxy-not-trusted pair, shared by gunicorn, uvicorn, daphne and
 * hypercorn. Each check file instantiates one with its server's wording and references.
 */

import { everyPeerEntry, ipInList } from '../../chain/addr.js';
import { onlyProxiesBeside } from '../../facts/compose-network.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { AppServerFacts, Facts, FrameworkFacts, FrameworkKind } from '../../model/facts.js';
import type { Evidence, Finding, Fix, Severity } from '../../model/finding.js';
import { flagAfterProgram } from '../../model/launch-flag.js';
import { frameworkKinds } from './app-trust-advice.js';
import { describeBind, ev, type ProxyPeer, peerEvidence, proxyPeers, schemeFromProxy, serversFor } from './context.js';
import { consequenceEvidence, containerTrustFix, valuesEvidence } from './trust-fix.js';

export const REFS = {
  gunicornForwarded: 'https://docs.gunicorn.org/en/stable/settings.html#forwarded-allow-ips',
  gunicornSchemeHeaders: 'https://docs.gunicorn.org/en/stable/settings.html#secure-scheme-headers',
  gunicornDeploy: 'https://docs.gunicorn.org/en/stable/deploy.html',
  uvicornProxies: 'https://www.uvicorn.org/deployment/#proxies-and-forwarded-headers',
  uvicornSettings: 'https://www.uvicorn.org/settings/#http',
  daphneReadme: 'https://github.com/django/daphne#readme',
  hypercornProxy: 'https://hypercorn.readthedocs.io/en/latest/how_to_guides/proxy_fix.html',
  djangoProxySsl: 'https://docs.djangoproject.com/en/stable/ref/settings/#secure-proxy-ssl-header',
  djangoSslRedirect: 'https://docs.djangoproject.com/en/stable/ref/settings/#secure-ssl-redirect',
  djangoCsrfOrigins: 'https://docs.djangoproject.com/en/stable/ref/settings/#csrf-trusted-origins',
  djangoForwardedHost: 'https://docs.djangoproject.com/en/stable/ref/settings/#use-x-forwarded-host',
  djangoSessionSecure: 'https://docs.djangoproject.com/en/stable/ref/settings/#session-cookie-secure',
  djangoCsrfSecure: 'https://docs.djangoproject.com/en/stable/ref/settings/#csrf-cookie-secure',
  djangoDeployChecklist: 'https://docs.djangoproject.com/en/stable/howto/deployment/checklist/',
  django40Release: 'https://docs.djangoproject.com/en/4.0/releases/4.0/#csrf-trusted-origins-changes',
  werkzeugProxyFix: 'https://werkzeug.palletsprojects.com/en/stable/middleware/proxy_fix/',
  flaskProxies: 'https://flask.palletsprojects.com/en/stable/deploying/proxy_fix/',
  composePorts: 'https://docs.docker.com/reference/compose-file/services/#ports',
  composeExpose: 'https://docs.docker.com/reference/compose-file/services/#expose',
  dockerFirewall: 'https://docs.docker.com/engine/network/packet-filtering-firewalls/',
};

export function pyServers(facts: Facts, kind: AppServerFacts['kind']): Array<{ s: AppServerFacts; index: number }> {
  return facts.appServers.map((s, index) => ({ s, index })).filter((x) => x.s.kind === kind);
}

export function launchEvidence(s: AppServerFacts, note: string): Evidence {
  return ev(s.launch, note);
}

function trustEvidence(s: AppServerFacts, note: string): Evidence {
  return s.trustedProxies.ref ? ev(s.trustedProxies.ref, note) : launchEvidence(s, note);
}

/**
 * Severity by reach of the widest bind: network -> high, container network / host loopback -> medium. With
 * `proxiesOnly` (facts/compose-network.ts: the only other containers on its compose networks are reverse proxies)
 * a container-network or host-loopback bind is reached by the proxy and the Docker host only, as a loopback bind is.
 */
export function allowAllSeverity(
  s: AppServerFacts,
  proxiesOnly = false,
): { severity: Severity; bind: AppServerFacts['binds'][number] } | undefined {
  const order: Array<[string, Severity]> = [
    ['network', 'high'],
    ['unknown', 'medium'],
    ...(proxiesOnly
      ? []
      : ([
          ['container-network', 'medium'],
          ['host-loopback', 'medium'],
        ] as Array<[string, Severity]>)),
  ];
  for (const [reach, severity] of order) {
    const b = s.binds.find(
      (x) =>
        (x.reach ??
          (x.exposure === 'all-interfaces' || x.exposure === 'specific'
            ? 'network'
            : x.exposure === 'unknown'
              ? 'unknown'
              : 'loopback')) === reach,
    );
    if (b) return { severity, bind: b };
  }
  return undefined;
}

export function reachText(b: AppServerFacts['binds'][number]): string {
  switch (b.reach) {
    case 'network':
      return b.published
        ? `published on ${b.published.hostIp}:${b.published.hostPort} (every interface of the host)`
        : 'reachable from the network';
    case 'container-network':
      return 'reachable by every container on its network';
    case 'host-loopback':
      return `published on the host's ${b.published?.hostIp ?? '127.0.0.1'} and reachable by every container on its network`;
    default:
      return 'its reach is not known statically';
  }
}

/**
 * The trust-all fix for a server in a container or pod (issue 12: "Never advise binding a containerised app to
 * 127.0.0.1 when its proxy is another container"). There any proxy connects from another container, a pod or the
 * host through the published port, so 127.0.0.1 or a unix socket inside the container cuts it off (`docker run -p`
 * too forwards to the container's network address). The advice is the deployment's own: trust the proxy's network,
 * and let nothing but that network reach the port (compose `expose:` rather than `ports:`, a ClusterIP Service,
 * no `-p`). `trust` says what the server can restrict (its own trust list, or that it has none).
 */
export function containerTrustAllFix(s: AppServerFacts, b: AppServerFacts['binds'][number], trust: string): Fix {
  const port = b.port ?? 8000;
  const where =
    s.launch.via === 'k8s'
      ? `keep port ${port} behind a ClusterIP Service only the proxy's pods use${b.published?.by ? ` (${b.published.by} publishes it now)` : ''}, with no LoadBalancer or NodePort Service, hostPort or hostNetwork`
      : s.launch.via === 'compose'
        ? `let only the proxy's compose network reach port ${port}: \`expose:\` instead of \`ports:\`${b.published ? ` (or publish it on the host's loopback only, \`127.0.0.1:${b.published.hostPort}:${port}\`, for a proxy on the host)` : ''}`
        : b.published?.by
          ? `publish port ${port} to nobody (${b.published.by} publishes it now), and put the proxy's container on the same network`
          : `run the container without publishing port ${port} (no \`-p\`), on a network only the proxy's container shares, or publish it on the host's loopback only (\`-p 127.0.0.1:${port}:${port}\`) for a proxy on the host`;
  return {
    description: `${trust}; and ${where}. Keep ${describeBind(b)} inside the ${s.launch.via === 'k8s' ? 'pod' : 'container'}: 127.0.0.1 or a unix socket there would cut the proxy off, since it connects from another ${s.launch.via === 'k8s' ? 'pod' : 'container'} or through the published port.`,
  };
}

/** Whether the server runs in a container or pod, where its loopback is its own (not the proxy's). */
export function containerised(s: AppServerFacts, b?: AppServerFacts['binds'][number]): boolean {
  return (b?.container ?? false) || s.launch.via === 'compose' || s.launch.via === 'k8s' || s.launch.via === 'kamal';
}

/**
 * When every proxy that reaches the server runs on the same host, '*' becomes 127.0.0.1 on the line that
 * sets it (flag, config file or environment line, in its own quoting). A proxy elsewhere has an address
 * the files do not hold: then the fix stays advice.
 */
function trustLoopbackFix(facts: Facts, s: AppServerFacts, fix: Fix): Fix {
  const ref = s.trustedProxies.ref;
  const addr = proxyAddressEntry(proxyPeers(facts, s));
  if (!ref || !addr) return fix;
  const text = facts.sources.get(ref.file)?.[ref.line - 1];
  if (text === undefined || (text.match(/\*/g) ?? []).length !== 1) return fix;
  // A proxy on another host: its address, which the files do not hold, goes where '*' was (`fix
  // --proxy-address` fills it in; without it the fix is advice).
  return {
    ...fix,
    ...(addr === '127.0.0.1' ? { description: `${fix.description} Here the proxy connects from this host: 127.0.0.1.` } : {}),
    file: ref.file,
    line: ref.line,
    placement: 'replace',
    lines: [text.replace('*', addr)],
  };
}

/**
 * The trust-list entry for the proxies that reach a server: 127.0.0.1 when every one runs on this host,
 * `<proxy address>` (filled in by `fix --proxy-address`) when every one is on another host; undefined for none, a
 * mix, or a proxy in another container (its address is not fixed: containerTrustFix names its network).
 */
function proxyAddressEntry(peers: Array<{ place: string }>): '127.0.0.1' | '<proxy address>' | undefined {
  if (peers.length === 0) return undefined;
  if (peers.every((p) => p.place === 'same-host')) return '127.0.0.1';
  if (peers.every((p) => p.place === 'other-host')) return '<proxy address>';
  return undefined;
}

/**
 * A trust list the person wrote on one line that leaves out the proxy (`--forwarded-allow-ips=192.0.2.10`,
 * `--forwarded-allow-ips "a,b"`, `forwarded_allow_ips = '192.0.2.10'`): that line with the proxy's address added
 * (127.0.0.1 for a proxy on this host; `<proxy address>` for one on another host, which `fix --proxy-address` fills
 * in). Any other shape (a variable, the flag twice, `*`, a proxy in another container whose address is not fixed)
 * stays advice.
 */
function addToWrittenList(facts: Facts, s: AppServerFacts, fix: Fix, peers: Array<{ place: string }>): Fix | undefined {
  const ref = s.trustedProxies.ref;
  const addr = proxyAddressEntry(peers);
  if (s.trustedProxies.origin === 'default' || !ref || !addr) return undefined;
  const line = withTrustedAddress(facts.sources.get(ref.file)?.[ref.line - 1], addr);
  if (!line) return undefined;
  return {
    ...fix,
    description: `${fix.description} Here: add ${addr === '127.0.0.1' ? 'the proxy on this host, 127.0.0.1,' : "the proxy's address"} to the list written on this line.`,
    file: ref.file,
    line: ref.line,
    placement: 'replace',
    lines: [line],
  };
}

/** `line` with `addr` added to the one trust list written on it; undefined for any other shape or when it is there. */
export function withTrustedAddress(line: string | undefined, addr: string): string | undefined {
  if (!line || addr === '*') return undefined;
  const flag = /(--forwarded-allow-ips(?:=|[ \t]+))(["']?)([0-9A-Fa-f.:/,]+)\2(?=[\s"'\],]|$)/g;
  const conf = /^(\s*forwarded_allow_ips\s*=\s*)(["'])([0-9A-Fa-f.:/, ]+)\2(\s*(?:#.*)?)$/;
  const matches = [...line.matchAll(flag)];
  if (matches.length === 1) {
    const m = matches[0] as RegExpMatchArray;
    if ((m[3] as string).split(',').includes(addr)) return undefined;
    const at = m.index ?? 0;
    return `${line.slice(0, at)}${m[1]}${m[2]}${m[3]},${addr}${m[2]}${line.slice(at + m[0].length)}`;
  }
  const c = conf.exec(line);
  if (matches.length > 0 || !c) return undefined;
  if ((c[3] as string).split(',').some((x) => x.trim() === addr)) return undefined;
  return `${c[1]}${c[2]}${c[3]},${addr}${c[2]}${c[4]}`;
}

/**
 * The lines of the command that starts at `first` (0-based): continued with `\\` (systemd, shell, Dockerfile), or a
 * YAML key whose value is the block below it (`command:` followed by `- daphne` items, `command: >` folded text):
 * its lines indented deeper than the key. Bounded.
 */
export function commandLineIndexes(source: string[], first: number): number[] {
  const out = [first];
  const head = source[first] ?? '';
  if (/^\s*(?:-\s+)?[\w.-]+:\s*(?:[>|][-+]?)?\s*(?:#.*)?$/.test(head)) {
    const depth = (l: string) => (/^\s*/.exec(l)?.[0] ?? '').length;
    const key = depth(head);
    for (let i = first + 1; i < source.length && out.length < 40; i++) {
      const l = source[i] as string;
      if (l.trim() === '' || /^\s*#/.test(l)) continue;
      // Deeper lines are the value; a `- item` at the key's own indentation too (YAML allows that for a list).
      if (depth(l) > key || (depth(l) === key && /^\s*-\s/.test(l) && !/^\s*-\s/.test(head))) out.push(i);
      else break;
    }
    return out;
  }
  for (let i = first; i + 1 < source.length && out.length < 40 && /\\\s*$/.test(source[i] as string); i++) out.push(i + 1);
  return out;
}

/**
 * The trust flag written into the command line that starts the server (a systemd `ExecStart=`, a shell line,
 * a compose or Kubernetes `command:`, a Dockerfile `CMD`), right after the program's name, when the proxy is on
 * another host and the server keeps its default trust: the line with the flag is the fix, its `<proxy address>`
 * filled in by `fix --proxy-address` (else advice). The command may span lines: continued with `\\` (the line
 * keeps its `\\`; fix/plan.ts lets such a line be replaced by one that continues the same way), a YAML list (a new
 * `- <flag>` item after the program's item), YAML folded text, or a JSON/flow list (`["daphne", ...]`: a new
 * element after the program's). The program is named exactly once and the flag is on none of the lines.
 */
function flagOnCommandLine(
  facts: Facts,
  s: AppServerFacts,
  flags: string[] | undefined,
  peers: Array<{ place: string }>,
): Pick<Fix, 'placement' | 'lines' | 'line'> {
  if (flags?.length !== 1 || s.trustedProxies.origin !== 'default') return {};
  // daphne's flag turns the headers on (it has no allow-list: the chain judges who can reach it); the trust
  // lists of the others are written only for a proxy on another host (a same-host one is trusted by default).
  if (s.kind !== 'daphne' && !peers.every((p) => p.place === 'other-host')) return {};
  const source = facts.sources.get(s.launch.file);
  if (source?.[s.launch.line - 1] === undefined) return {};
  const flag = flags[0] as string;
  const lines = commandLineIndexes(source, s.launch.line - 1);
  if (lines.some((i) => /forwarded[-_]allow[-_]ips|proxy[-_]headers/i.test(source[i] as string))) return {};
  const edits: Array<Pick<Fix, 'placement' | 'lines' | 'line'>> = [];
  const item = new RegExp(`^(\\s*)-\\s+(["']?)(?:[^\\s"']*/)?${s.kind}\\2\\s*(?:#.*)?$`);
  for (const i of lines) {
    const text = source[i] as string;
    const listItem = item.exec(text);
    if (listItem) {
      edits.push({ line: i + 1, placement: 'after', lines: [`${listItem[1]}- ${flag}`] });
      continue;
    }
    for (const edited of flagAfterProgram(text, s.kind, flag)) edits.push({ line: i + 1, placement: 'replace', lines: [edited] });
  }
  return edits.length === 1 ? (edits[0] as Pick<Fix, 'placement' | 'lines' | 'line'>) : {};
}

/** X-allow-all: trusts forwarded headers from every peer while others than the proxy can connect. */
export function forwardedAllowAll(
  meta: CheckMeta,
  kind: AppServerFacts['kind'],
  how: (s: AppServerFacts) => boolean,
  fixText: (s: AppServerFacts, frameworks: ReadonlySet<FrameworkKind>) => { description: string; lines?: string[] },
  /** The "why", or one worded for the frameworks the server runs (a Flask app is not told about Django). */
  why: string | ((frameworks: ReadonlySet<FrameworkKind>) => string),
  /** What the server can restrict, and its lines, for the containerised fix (containerTrustAllFix). */
  containerTrust: { trust: string; lines?: string[] },
): Check {
  return {
    meta,
    run(facts) {
      const out: Finding[] = [];
      for (const { s, index } of pyServers(facts, kind)) {
        if (!how(s)) continue;
        // Procfile platforms (Heroku, Dokku) route to $PORT through their own router, whose addresses
        // are not known in advance: '*' is their documented setting and only the router connects.
        if (s.launch.via === 'procfile') continue;
        const sev = allowAllSeverity(s, onlyProxiesBeside(facts, index));
        if (!sev) continue; // unix socket / loopback only / a compose network of proxies: only the proxy can connect
        const kinds = frameworkKinds(facts, s);
        const fix = containerised(s, sev.bind)
          ? {
              ...containerTrustAllFix(s, sev.bind, containerTrust.trust),
              ...(containerTrust.lines ? { lines: containerTrust.lines } : {}),
            }
          : fixText(s, kinds);
        const evidence: Evidence[] = [
          trustEvidence(
            s,
            s.trustedProxies.envVar && s.trustedProxies.origin === 'env'
              ? `trusts every peer (from ${s.trustedProxies.envVar})`
              : 'trusts forwarded headers from every peer',
          ),
        ];
        evidence.push(
          ev(sev.bind.published?.ref ?? sev.bind.ref ?? s.launch, `listens on ${describeBind(sev.bind)}: ${reachText(sev.bind)}`),
        );
        out.push(
          finding(meta, {
            severity: sev.severity,
            message: `${kind} trusts X-Forwarded-* from any address while ${describeBind(sev.bind)} is ${reachText(sev.bind)}: anyone who reaches it can claim https or any client IP`,
            evidence,
            why: typeof why === 'string' ? why : why(kinds),
            fix: trustLoopbackFix(facts, s, {
              description: fix.description,
              file: evidence[0]?.file,
              line: evidence[0]?.line,
              lines: fix.lines,
            }),
            data: { appServer: index, reach: sev.bind.reach, trusted: s.trustedProxies.value },
          }),
        );
      }
      return out;
    },
  };
}

/** X-proxy-not-trusted: the proxy is elsewhere and the server ignores its headers. */
/** The Django app this server runs (or the tree's only framework) reads the scheme header itself. */
function frameworkReadsScheme(facts: Facts, s: AppServerFacts): boolean {
  return facts.frameworks.some(
    (f) =>
      (djangoReadsScheme(f) || proxyFixReadsScheme(f)) && (facts.frameworks.length === 1 || serversFor(facts, f).includes(s)),
  );
}

/**
 * uvicorn's ProxyHeadersMiddleware added in a FastAPI/Starlette app (its app end) rewrites scope["scheme"] itself for
 * the peers in its trusted_hosts: "*" (every peer; Debian uvicorn 0.17.6 behind a server trusting only 127.0.0.1:
 * the app saw https), or 127.0.0.1 for a proxy on loopback.
 */
function appMiddlewareReadsScheme(f: FrameworkFacts, peers: ProxyPeer[]): boolean {
  if ((f.kind !== 'fastapi' && f.kind !== 'starlette') || !f.appEnd || f.appEnd.schemeHeaders.length === 0) return false;
  const list = f.appEnd.trustScheme.value;
  if (everyPeerEntry(list) !== undefined) return true;
  return peers.length > 0 && peers.every((p) => p.place === 'same-host' && ipInList('127.0.0.1', list));
}

function djangoReadsScheme(f: FrameworkFacts): boolean {
  return f.kind === 'django' && !!f.schemeHeader?.value;
}

/**
 * Werkzeug's ProxyFix with x_proto >= 1 sets wsgi.url_scheme from X-Forwarded-Proto itself: the app server leaves
 * the header in the environ when it does not trust the peer (gunicorn 20.1 with --forwarded-allow-ips not naming
 * the peer: a Flask app behind ProxyFix still sees https, checked with the real gunicorn).
 */
function proxyFixReadsScheme(f: FrameworkFacts): boolean {
  const mw = (f.trustProxy?.value as { middleware?: string } | undefined)?.middleware ?? '';
  const proto = f.hopCounts?.origin !== 'unknown' ? f.hopCounts?.value.x_proto : undefined;
  return /(^|\.)ProxyFix$/.test(mw) && proto !== undefined && proto >= 1;
}

export function proxyNotTrusted(
  meta: CheckMeta,
  kind: AppServerFacts['kind'],
  fixText: (s: AppServerFacts, frameworks: ReadonlySet<FrameworkKind>) => { description: string; lines?: string[] },
  why: string,
): Check {
  return {
    meta,
    run(facts) {
      const out: Finding[] = [];
      for (const { s, index } of pyServers(facts, kind)) {
        const v = schemeFromProxy(facts, s);
        const peers = v.peers.length > 0 ? v.peers : proxyPeers(facts, s);
        if (v.believed !== 'no' || v.cause === 'not-sent' || peers.length === 0) continue;
        // Django with SECURE_PROXY_SSL_HEADER (request.is_secure()) and Flask behind ProxyFix(x_proto>=1) read the
        // header themselves, whatever the app server made of it: the server's trust list does not decide the scheme.
        if (frameworkReadsScheme(facts, s)) continue;
        if (
          facts.frameworks.some(
            (f) => appMiddlewareReadsScheme(f, peers) && (facts.frameworks.length === 1 || serversFor(facts, f).includes(s)),
          )
        )
          continue;
        const redirect = facts.frameworks.some(
          (f) => f.kind === 'django' && f.sslRedirect?.value === true && !f.schemeHeader?.value,
        );
        const fix = fixText(s, frameworkKinds(facts, s));
        const remote = peers.some((p) => p.place === 'other-container');
        // FORWARDED_ALLOW_IPS is gunicorn's and uvicorn's: daphne has no allow-list, its fix is the flag.
        const containerFix =
          remote && s.trustedProxies.origin === 'default' && s.kind !== 'daphne'
            ? containerTrustFix(facts, s, s.binds[0]?.port)
            : undefined;
        const first = s.trustedProxies.ref ?? s.launch;
        out.push(
          finding(meta, {
            severity: redirect ? 'high' : meta.severity,
            message: `${v.reason}: X-Forwarded-Proto from ${peers[0]?.what ?? 'the proxy'} is ignored, so the app sees http${redirect ? ' (and SECURE_SSL_REDIRECT loops)' : ''}`,
            evidence: [
              ev(
                first,
                s.trustedProxies.origin === 'default'
                  ? `trusted proxies: ${s.trustedProxies.value.join(', ') || 'none'} (default)`
                  : 'trusted proxies set here',
              ),
              ...peers.slice(0, 2).flatMap(peerEvidence),
              ...valuesEvidence(facts, s),
              ...consequenceEvidence(facts, s),
            ],
            why,
            fix: containerFix
              ? { file: s.launch.file, line: s.launch.line, ...containerFix }
              : (addToWrittenList(facts, s, { description: fix.description, lines: fix.lines }, peers) ?? {
                  description: fix.description,
                  file: s.launch.file,
                  line: s.launch.line,
                  lines: fix.lines,
                  ...flagOnCommandLine(facts, s, fix.lines, peers),
                }),
            data: { appServer: index, peers: peers.map((p) => p.place) },
          }),
        );
      }
      return out;
    },
  };
}
