/**
 * deploy/backend-port-published: the app server's port is reachable without the proxy: compose
 * `ports: "8000:8000"` (every host interface), systemd/config binds 0.0.0.0, or a Dockerfile that
 * binds 0.0.0.0 for `docker run -p`. Not flagged: unix sockets, 127.0.0.1 binds, `127.0.0.1:8000:8000`
 * publishing, `expose:` without `ports:`; a firewall comment in the file lowers it to info.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { AppServerFacts, Facts, FrameworkFacts } from '../../model/facts.js';
import type { Evidence, Finding, Fix, Severity } from '../../model/finding.js';
import { REFS } from '../appserver/common.js';
import { describeBind, ev, firewallNote, type ProxyPeer, proxyPeers } from '../appserver/context.js';
import { adapterNodeFrameworkOf, adapterNodeStartLine, isAdapterNodeServer } from '../node/adapter-node-start.js';
import { proxyContext, tlsInFront } from '../node/common.js';

const meta: CheckMeta = {
  id: 'deploy/backend-port-published',
  severity: 'medium',
  title: "The app server's port is reachable without going through the proxy",
  summary:
    'A published compose port or a 0.0.0.0 bind exposes the backend: clients bypass TLS and can send forged X-Forwarded-* headers.',
  references: [REFS.composePorts, REFS.composeExpose, REFS.dockerFirewall, REFS.gunicornDeploy],
};

/** The server as messages name it: its display name where its kind is `other` (php-fpm, puma, uwsgi), else the kind. */
function named(s: AppServerFacts): string {
  return s.kind === 'other' ? (s.name ?? 'the app server') : s.kind;
}

export const backendPortPublished: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    facts.appServers.forEach((s, index) => {
      for (const b of s.binds) {
        let severity: Severity = meta.severity;
        let message: string;
        const evidence: Evidence[] = [];
        // Published by whoever runs the image (`docker run -p`), not by these files.
        let imageOnly = false;
        const byService = b.published?.by && /^(?:LoadBalancer|NodePort) Service /.test(b.published.by);
        // A `docker run -p` line (a systemd unit, a host script: collectors/deploy/docker-run.ts) publishes it.
        const dockerRun = /^`(?:docker|podman) run /.test(b.published?.by ?? '');
        if (b.reach === 'network' && b.published?.by && byService) {
          // A Kubernetes LoadBalancer/NodePort Service that selects the pod (collectors/kube/reach.ts).
          message = `${b.published.by} selects ${s.service ?? named(s)}'s pods and forwards its port ${b.published.hostPort} to ${named(s)}'s ${b.port}: clients outside the cluster reach ${named(s)} without the proxy`;
          evidence.push(
            ev(b.published.ref, `${b.published.by}: port ${b.published.hostPort} -> target port ${b.port}`),
            ev(b.ref ?? s.launch, `${named(s)} listens on ${describeBind(b)} in the pod`),
          );
        } else if (b.reach === 'network' && b.published) {
          message = `${b.published.by ?? 'compose'} publishes ${s.service ?? named(s)}'s port ${b.port} on ${b.published.hostIp}:${b.published.hostPort}: every interface of the host, so clients reach ${named(s)} without the proxy`;
          evidence.push(
            ev(b.published.ref, `"${b.published.hostPort}:${b.port}" publishes on all interfaces`),
            ev(b.ref ?? s.launch, `${named(s)} listens on ${describeBind(b)} in the container`),
          );
        } else if (b.reach === 'network') {
          message = `${named(s)} listens on ${describeBind(b)} (every interface): clients can reach it without the proxy`;
          evidence.push(ev(b.ref ?? s.launch, `binds ${describeBind(b)}`));
        } else if (b.reach === 'container-network' && s.launch.via === 'dockerfile' && b.exposure === 'all-interfaces') {
          severity = 'low';
          imageOnly = true;
          message = `the image runs ${named(s)} on ${describeBind(b)}: started with \`docker run -p ${b.port}:${b.port}\` it is published on every host interface; publish it as 127.0.0.1:${b.port}:${b.port} or put it on a network only the proxy shares`;
          evidence.push(ev(b.ref ?? s.launch, `binds ${describeBind(b)}`));
        } else continue;
        const peers = proxyPeers(facts, s);
        const crossHost = peers.length > 0 && peers.every((p) => p.place === 'other-host');
        const twin = b.reach === 'network' && !b.published && peers.length === 0 ? containerTwin(facts, s) : undefined;
        if (twin) {
          // A host install beside a containerised one (a systemd unit for installs without Docker): the proxy of
          // these files reaches the container, never this server, so no proxy here is bypassed; the open port
          // matters once a proxy is put in front of this host.
          severity = 'low';
          message = `${named(s)} listens on ${describeBind(b)} (every interface) and no proxy in these files connects to it: ${twin.peer.what} reaches ${named(twin.app)} in compose service ${twin.app.service}, so this ${s.launch.via} launch is another way to install the app, without that proxy; once a proxy is put in front of it, clients can still reach ${named(s)} directly`;
          evidence.push(twin.peer.evidence);
        }
        if (s.trustedProxies.value.includes('*') || (s.kind === 'daphne' && s.proxyHeaders.value))
          message += '; it also trusts X-Forwarded-* from anyone, so those clients can claim https';
        const fw = firewallNote(facts, (evidence[0] as Evidence).file) ?? (b.ref ? firewallNote(facts, b.ref.file) : undefined);
        if (fw) {
          severity = 'info';
          message += ' (a firewall note says it is filtered)';
          evidence.push(fw);
        }
        if (peers[0]) evidence.push(peers[0].evidence);
        out.push(
          finding(meta, {
            severity,
            message,
            evidence,
            why: 'Whatever reaches the app server directly skips the proxy: no TLS, no proxy access rules or rate limits, and — if the server trusts forwarded headers from that peer — forged X-Forwarded-Proto/-For. Docker-published ports also bypass host firewalls such as ufw.',
            fix: twin
              ? {
                  // Without a proxy in front, 127.0.0.1 would make this install unreachable: advice only.
                  description: `No mechanical fix: no proxy of these files is in front of this install. Behind a proxy on the same host, bind ${named(s)} to 127.0.0.1 or a unix socket the proxy uses; behind one on another host, bind the private address it connects to, or let only that address reach port ${b.port ?? ''} in the host firewall.`,
                  file: b.ref?.file ?? s.launch.file,
                  line: b.ref?.line ?? s.launch.line,
                }
              : imageOnly
                ? {
                    // Inside a container 127.0.0.1 is the container's own loopback: the proxy's container and
                    // `docker run -p` (which forwards to the container's network address) could no longer connect.
                    description:
                      `No mechanical fix: the port is published by whoever runs the image, not by these files. Keep ${describeBind(b)} inside the container ` +
                      `(127.0.0.1 there would cut off the proxy's container and \`docker run -p\` itself): publish it on loopback only ` +
                      `(\`docker run -p 127.0.0.1:${b.port ?? 8000}:${b.port ?? 8000} ...\`), or run it without \`-p\` on a Docker network that only the proxy shares.`,
                  }
                : b.published?.by && byService
                  ? {
                      description: `No mechanical fix: which entry should stay public is a deployment choice. Make ${b.published.by} a ClusterIP Service (drop \`type:\`) and let outside traffic in through the proxy (its own Service or an Ingress), or keep it only while no proxy is meant to sit in front.`,
                      file: b.published.ref?.file,
                      line: b.published.ref?.line,
                    }
                  : b.published
                    ? withRewrite(
                        facts,
                        {
                          description: dockerRun
                            ? `Publish on loopback only (\`-p 127.0.0.1:${b.published.hostPort}:${b.port}\`), or drop \`-p\` and let the proxy's container reach it over a Docker network they share.`
                            : b.published.by
                              ? `Publish on loopback only (PublishPort=127.0.0.1:${b.published.hostPort}:${b.port}), or drop PublishPort= and let the proxy reach the container over the Podman network.`
                              : 'Publish on loopback only, or drop `ports:` and let the proxy reach the service over the compose network (`expose:`).',
                          file: b.published.ref?.file,
                          line: b.published.ref?.line,
                          lines: [
                            dockerRun
                              ? `-p 127.0.0.1:${b.published.hostPort}:${b.port}`
                              : b.published.by
                                ? `PublishPort=127.0.0.1:${b.published.hostPort}:${b.port}`
                                : `- "127.0.0.1:${b.published.hostPort}:${b.port}"`,
                          ],
                        },
                        // `- "8000:8000"` / `- 0.0.0.0:8000:8000` -> the same line publishing on 127.0.0.1
                        new RegExp(`(?<![\\d.:])(?:(?:0\\.0\\.0\\.0|\\[?::\\]?):)?${b.published.hostPort}:${b.port}(?![\\d])`),
                        `127.0.0.1:${b.published.hostPort}:${b.port}`,
                      )
                    : crossHost
                      ? {
                          // The proxy connects from another host: a loopback bind (or a unix socket) would cut it off.
                          description:
                            `The proxy connects from another host (${peers[0]?.what ?? 'see the evidence'}), so 127.0.0.1 or a unix socket would cut it off: ` +
                            `bind ${named(s)} to this host's private address that the proxy connects to (not 0.0.0.0), or let only the proxy's address ` +
                            `reach port ${b.port ?? ''} in the host firewall (e.g. \`ufw allow from <proxy address> to any port ${b.port ?? ''} proto tcp\` ` +
                            `and deny the rest). On the proxy host, \`ip route get <app address>\` prints the proxy's address after "src".`,
                          file: b.ref?.file ?? s.launch.file,
                          line: b.ref?.line ?? s.launch.line,
                          lines: [privateBindLine(bindSyntax(s), b.port)],
                        }
                      : (adapterNodeFix(facts, s) ??
                        withRewrite(
                          facts,
                          {
                            description: 'Bind to 127.0.0.1 or a unix socket the proxy uses.',
                            file: b.ref?.file ?? s.launch.file,
                            line: b.ref?.line ?? s.launch.line,
                            lines: [loopbackBindLine(isAdapterNodeServer(s) ? 'adapter-node' : bindSyntax(s), b.port)],
                          },
                          // Only where the proxy is on this host: a proxy elsewhere could not reach a loopback bind.
                          peers.length > 0 && peers.every((p) => p.place === 'same-host')
                            ? /(?<![\d.])0\.0\.0\.0(?![\d.])/
                            : undefined,
                          '127.0.0.1',
                        )),
            data: { appServer: index, reach: b.reach, published: b.published },
          }),
        );
      }
    });
    return out;
  },
};

/**
 * The same kind of app server started in a compose container that a proxy of these files connects to, when `s` is
 * started on a host (systemd, a script) and no proxy of the files reaches it: the tree holds two ways to install one
 * app, and only the containerised one sits behind the proxy.
 */
function containerTwin(facts: Facts, s: AppServerFacts): { app: AppServerFacts; peer: ProxyPeer } | undefined {
  if (s.launch.via === 'compose' || s.launch.via === 'k8s' || s.binds.some((b) => b.container)) return undefined;
  for (const o of facts.appServers) {
    if (o === s || o.kind !== s.kind || o.launch.via !== 'compose' || !o.service) continue;
    const peer = proxyPeers(facts, o).find((p) => p.place === 'other-container');
    if (peer) return { app: o, peer };
  }
  return undefined;
}

/**
 * SvelteKit adapter-node binds HOST (default 0.0.0.0): its start line with HOST=127.0.0.1, and with an http:// ORIGIN
 * on an HTTPS site also made https:// — the one line sveltekit/origin-http writes too (checks/node/adapter-node-start.ts).
 */
function adapterNodeFix(facts: Facts, s: AppServerFacts): Fix | undefined {
  if (!isAdapterNodeServer(s)) return undefined;
  const fw = adapterNodeFrameworkOf(facts, s);
  const origin = fw?.settings.ORIGIN;
  const https = origin ? tlsInFront(facts, proxyContext(facts, fw as FrameworkFacts)) : undefined;
  const start = adapterNodeStartLine(facts, s, origin ? { value: String(origin.value), ref: origin.ref } : undefined, https);
  if (!start?.changes.includes('host')) return undefined;
  return {
    description: `Start adapter-node with HOST=127.0.0.1 (its default is 0.0.0.0)${start.changes.includes('origin') ? '; the same line also gets the https:// ORIGIN sveltekit/origin-http asks for' : ''}.`,
    file: start.file,
    line: start.line,
    placement: 'replace',
    lines: start.lines,
  };
}

/**
 * The fix as a replacement of the line itself when its text holds the address exactly once (the file's own
 * syntax, quoting and comments kept); otherwise the generic lines, as advice.
 */
function withRewrite(facts: Facts, fix: Fix, pattern: RegExp | undefined, replacement: string): Fix {
  if (!pattern || !fix.file || !fix.line) return fix;
  const text = facts.sources.get(fix.file)?.[fix.line - 1];
  if (text === undefined) return fix;
  const global = new RegExp(pattern.source, 'g');
  if ((text.match(global) ?? []).length !== 1) return fix;
  return { ...fix, placement: 'replace', lines: [text.replace(pattern, replacement)] };
}

/**
 * Which syntax the server's bind is written in: its kind, or for the PHP servers their command's (`octane swoole`
 * and `artisan serve` are artisan commands, `php -S` PHP's own option).
 */
function bindSyntax(s: AppServerFacts): string {
  if (s.kind === 'other' && (s.name === 'artisan serve' || s.name?.startsWith('octane '))) return 'artisan';
  if (s.kind === 'other' && s.name === 'php -S') return 'php -S';
  return s.kind;
}

/** The bind to write, in the syntax of the server that binds (a node app binds in its own code). */
function loopbackBindLine(kind: string, port: number | undefined): string {
  const p = port ?? 8000;
  switch (kind) {
    case 'uvicorn':
      return `--host 127.0.0.1 --port ${p}`;
    case 'daphne':
      return `-b 127.0.0.1 -p ${p}`;
    case 'node':
      return `app.listen(${p}, '127.0.0.1')`;
    case 'adapter-node':
      // SvelteKit adapter-node reads its bind from the environment (HOST, PORT), not from code.
      return `HOST=127.0.0.1 PORT=${p}`;
    case 'artisan':
      // Laravel Octane and `artisan serve` take --host/--port (collectors/php/octane.ts, builtin-server.ts).
      return `--host=127.0.0.1 --port=${p}`;
    case 'php -S':
      return `-S 127.0.0.1:${p}`;
    default:
      return `--bind 127.0.0.1:${p}`;
  }
}

/** The bind on the private interface the proxy uses (the address only the person knows: advice). */
function privateBindLine(kind: string, port: number | undefined): string {
  return loopbackBindLine(kind, port).replace('127.0.0.1', '<private address of this host>');
}
