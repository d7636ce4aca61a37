/**
 * deploy/trust-switch-off: the app trusts its proxy only when an environment variable says so
 * (`if os.getenv('BEHIND_PROXY'): app.wsgi_app = ProxyFix(...)`, `if env.bool("SSL_REDIRECT", default=False):
 * SECURE_PROXY_SSL_HEADER = ...`), the variable defaults to off, and a deployment that runs the app behind a
 * proxy does not set it. The finding names the switch, its default, and each deployment file that leaves it off.
 */

import { frontName } from '../../collectors/front/fronts.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { ComposeService } from '../../model/deploy.js';
import type { AppServerFacts, EnvSwitchFacts, Facts, FrameworkFacts } from '../../model/facts.js';
import type { Evidence, Finding, Fix } from '../../model/finding.js';
import { REFS } from '../appserver/common.js';
import { ev, proxyPeers, serversFor } from '../appserver/context.js';
import { composeEnvEdit } from './compose-env.js';

const meta: CheckMeta = {
  id: 'deploy/trust-switch-off',
  severity: 'high',
  title: 'Proxy trust behind an environment switch the deployment leaves off',
  summary:
    'The app trusts the proxy (ProxyFix, SECURE_PROXY_SSL_HEADER) only when an environment variable is set; it defaults to off and the deployment behind the proxy does not set it.',
  references: [
    REFS.werkzeugProxyFix,
    REFS.djangoProxySsl,
    'https://docs.docker.com/compose/how-tos/environment-variables/set-environment-variables/',
  ],
};

/** What the app loses while the switch is off. */
function consequence(sw: EnvSwitchFacts): string {
  if (sw.what === 'ProxyFix')
    return "Werkzeug's ProxyFix is not applied: request.remote_addr is the proxy's address (every client shares one rate-limit bucket and one address in logs), and request.scheme/is_secure come only from what the app server made of X-Forwarded-Proto";
  if (sw.what === 'SECURE_PROXY_SSL_HEADER')
    return "Django does not read the proxy's X-Forwarded-Proto: request.is_secure() is False behind the TLS-terminating proxy (http:// absolute URLs, CSRF Origin failures on Django 4+, SECURE_SSL_REDIRECT loops)";
  return `${sw.what} stays off: the app does not use the proxy's forwarded headers`;
}

function composeServiceOf(facts: Facts, index: number): ComposeService | undefined {
  return facts.compose?.files.flatMap((f) => f.services).find((s) => s.appServers.includes(index));
}

/** Where a deployment of this server would set the variable, and what it runs behind. */
function deploymentPlace(facts: Facts, s: AppServerFacts, index: number): { evidence: Evidence; svc?: ComposeService } {
  const svc = composeServiceOf(facts, index);
  if (svc) return { evidence: ev(svc.envKey ?? svc.ref, `compose service ${svc.name}`), svc };
  if (s.platform) return { evidence: ev(s.platform.ref, `${s.platform.name} runs this image`) };
  return { evidence: ev(s.launch, `${s.kind} started here (${s.launch.via})`) };
}

/** Who the server runs behind: the proxies of the tree, a platform, or a TLS-ending front for a Procfile app. */
function behind(facts: Facts, s: AppServerFacts): Evidence | undefined {
  const peer = proxyPeers(facts, s)[0];
  if (peer) return { ...peer.evidence, note: `${peer.what}` };
  const front = (facts.fronts ?? []).find((f) => f.terminatesTls);
  const e = front?.evidence[0];
  if (front && e && s.launch.via === 'procfile')
    return { file: e.file, line: e.line, snippet: e.snippet, note: `${frontName(front)} ends TLS in front of it` };
  return undefined;
}

/**
 * Compose services a proxy of the tree routes to by name whose command is not in the files (an image built
 * elsewhere): each may run this app; when it does not set the variable either, it is named as such.
 */
function unknownRoutedServices(facts: Facts, envVar: string): ComposeService[] {
  const names = new Set<string>();
  for (const p of facts.proxies ?? [])
    for (const site of p.sites)
      for (const r of site.routes) for (const u of r.upstreams) if (u.address?.kind === 'tcp') names.add(u.address.host);
  const out: ComposeService[] = [];
  // Only compose files that run a proxy themselves: a development stack without one is not behind the proxy.
  for (const f of facts.compose?.files ?? []) {
    if (!f.services.some((x) => x.role === 'proxy')) continue;
    for (const s of f.services)
      if (
        s.role !== 'proxy' &&
        s.appServers.length === 0 &&
        (names.has(s.name) || (s.aliases ?? []).some((a) => names.has(a))) &&
        !s.environment[envVar]
      )
        out.push(s);
  }
  return out;
}

function fixFor(sw: EnvSwitchFacts, svc: ComposeService | undefined, count: number): Fix {
  const value = sw.onValue ?? 'true';
  const description = `Set ${sw.envVar}=${value} in the environment of every deployment that runs the app behind the proxy (and only there: turned on without a proxy in front, clients can forge the forwarded headers).`;
  // The service sets it to a value that leaves it off: that line, with the value that turns it on; else a new entry.
  const edit = svc && count === 1 ? composeEnvEdit(svc, sw.envVar, value) : undefined;
  return edit ? { description, ...edit } : { description };
}

function switchFinding(facts: Facts, fw: FrameworkFacts, sw: EnvSwitchFacts): Finding | undefined {
  if (sw.onByDefault) return undefined;
  const servers = new Set(serversFor(facts, fw).map((s) => facts.appServers.indexOf(s)));
  const off: Array<{ s: AppServerFacts; index: number; peer: Evidence }> = [];
  for (const d of sw.deployments) {
    // Only deployments known to leave it off (a value asked for at deploy time may turn it on).
    if (d.on !== false || !servers.has(d.appServer)) continue;
    const s = facts.appServers[d.appServer];
    const peer = s ? behind(facts, s) : undefined;
    if (s && peer) off.push({ s, index: d.appServer, peer });
  }
  if (off.length === 0) return undefined;
  const places = off.map((o) => ({ ...o, ...deploymentPlace(facts, o.s, o.index) }));
  const evidence: Evidence[] = [
    ev(
      sw.ref,
      `${sw.what} only when ${sw.envVar} turns this on (\`${sw.test}\`); ${sw.codeDefault !== undefined ? `default ${sw.codeDefault}: ` : 'unset: '}off`,
    ),
  ];
  if (sw.setRef.line !== sw.ref.line) evidence.push(ev(sw.setRef, `${sw.what} is set here, inside the switch`));
  for (const p of places) {
    const value = p.s.env[sw.envVar];
    evidence.push({
      ...p.evidence,
      note: `${p.evidence.note ?? ''}: ${value ? `sets ${sw.envVar}=${value.value}, which leaves it off` : `does not set ${sw.envVar}`}; runs behind ${p.peer.note}`,
    });
    evidence.push(p.peer);
  }
  for (const svc of unknownRoutedServices(facts, sw.envVar).slice(0, 2))
    evidence.push(
      ev(
        svc.envKey ?? svc.ref,
        `compose service ${svc.name} (image ${svc.image ?? 'built elsewhere'}) is proxied too and does not set ${sw.envVar}, if it runs this app`,
      ),
    );
  const uses = facts.codeUses ?? [];
  const client = uses.find((u) => u.kind === 'client');
  const cookie = uses.find((u) => u.kind === 'cookie');
  const url = uses.find((u) => u.kind === 'url');
  if (sw.what === 'ProxyFix' && client) evidence.push(ev(client.ref, client.what));
  if (cookie) evidence.push(ev(cookie.ref, cookie.what));
  if (url) evidence.push(ev(url.ref, url.what));
  const where = places.map((p) => `${p.evidence.file}:${p.evidence.line}`).join(', ');
  return finding(meta, {
    message: `the app turns on ${sw.what} only when ${sw.envVar} is set${sw.codeDefault !== undefined ? ` (default ${sw.codeDefault})` : ''}, and the deployment behind the proxy (${where}) leaves it off: ${consequence(sw)}`,
    evidence,
    why: 'A switch that defaults to off is safe for a bare install, but every deployment that puts the app behind a proxy must turn it on; one that does not runs with the proxy untrusted, which is the same as having no proxy support at all.',
    fix: fixFor(sw, places[0]?.svc, places.length),
    data: { envVar: sw.envVar, what: sw.what, appServers: off.map((o) => o.index) },
  });
}

export const trustSwitchOff: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of facts.frameworks)
      for (const sw of fw.envSwitches ?? []) {
        const f = switchFinding(facts, fw, sw);
        if (f) out.push(f);
      }
    return out;
  },
};
