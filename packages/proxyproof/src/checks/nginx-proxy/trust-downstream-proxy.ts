/**
 * nginx-proxy/trust-downstream-proxy: an nginx-proxy container (nginxproxy/nginx-proxy) the internet reaches keeps the
 * client's own X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-Port and appends to its X-Forwarded-For, because
 * `TRUST_DOWNSTREAM_PROXY` is true (its default, kept "for legacy compatibility"; nginx-proxy's docs ask for `false`
 * when no other proxy stands in front). Any client then picks the host, port and scheme the app is told.
 * Facts: collectors/nginx-proxy (the site's trust, the compose service's environment and published ports).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { ComposeService } from '../../model/deploy.js';
import type { Facts } from '../../model/facts.js';
import type { Finding, Fix } from '../../model/finding.js';
import { composeEnvEdit } from '../deploy/compose-env.js';
import { ev } from '../proxy/common.js';

const DOCS = 'https://github.com/nginx-proxy/nginx-proxy/tree/main/docs#trusting-downstream-proxy-headers';

const meta: CheckMeta = {
  id: 'nginx-proxy/trust-downstream-proxy',
  // Low: the harm needs an app that believes these headers from nginx-proxy (a chain that does is reported by the
  // chain's own spoofing finding); nginx-proxy's docs present `false` as the setting to choose with no proxy in front.
  severity: 'low',
  title: 'nginx-proxy passes the client’s own X-Forwarded-Proto/-Host/-Port to the app',
  summary:
    'TRUST_DOWNSTREAM_PROXY is true (nginx-proxy’s default): on the edge, any client chooses the scheme, host and port the app is told.',
  references: [DOCS],
};

function composeService(facts: Facts, file: string, name: string): ComposeService | undefined {
  for (const f of facts.compose?.files ?? []) for (const s of f.services) if (s.file === file && s.name === name) return s;
  return undefined;
}

/**
 * `TRUST_DOWNSTREAM_PROXY=false` in the service's environment. A value the service takes from an interpolation
 * (`${TRUST_DOWNSTREAM_PROXY}`) is the person's to change: advice.
 */
function fixFor(svc: ComposeService | undefined, template: string | undefined, generator: string): Fix {
  if (template)
    return {
      description: `In ${template}, make the X-Forwarded-Proto/-Host/-Port maps default to nginx's own $scheme, $host and $server_port (or render nginx-proxy's current nginx.tmpl and set TRUST_DOWNSTREAM_PROXY=false on ${generator}); keep the client's values only when another proxy in front sends them and nothing else can connect.`,
    };
  const description = `Set TRUST_DOWNSTREAM_PROXY=false on the ${generator} container (keep it true only when another proxy in front sends these headers and nothing else can connect).`;
  const written = svc?.environment.TRUST_DOWNSTREAM_PROXY;
  const edit =
    svc && (!written || written.origin === 'literal') ? composeEnvEdit(svc, 'TRUST_DOWNSTREAM_PROXY', 'false') : undefined;
  return edit ? { description, ...edit } : { description };
}

export const nginxProxyTrustDownstreamProxy: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const front = (facts.fronts ?? []).find((f) => f.name !== 'none');
    for (const p of facts.proxies ?? []) {
      if (!p.container || !p.sites.some((s) => s.id.startsWith('nginx-proxy:'))) continue;
      const site = p.sites.find((s) => s.routes.length > 0);
      if (site?.trust.mode !== 'all') continue;
      const publicPorts = p.container.published.filter((x) => x.hostIp !== '127.0.0.1' && x.hostIp !== '::1');
      if (p.container.published.length > 0 && publicPorts.length === 0) continue;
      const envService = p.container.envService ?? p.container.service;
      const svc = composeService(facts, p.file, envService);
      // A docker-gen template of before TRUST_DOWNSTREAM_PROXY: the map line itself keeps the client's value.
      const legacy = p.container.template && site.trust.ref.file === p.container.template.file ? site.trust.ref : undefined;
      const generator = p.container.envService ? `docker-gen (${envService})` : 'nginx-proxy';
      const setting = legacy
        ? `its template's map, ${legacy.file}:${legacy.line}, whatever TRUST_DOWNSTREAM_PROXY says`
        : `TRUST_DOWNSTREAM_PROXY ${site.trust.ref.origin === 'default' ? 'not set: default true' : 'true'}`;
      const inFront = Boolean(front);
      // A declared front (Cloudflare, a load balancer) that sends these headers needs them kept: hardening only.
      out.push(
        finding(meta, {
          message: `nginx-proxy (compose service ${p.container.service}) keeps the X-Forwarded-Proto, -Host and -Port a client sends and appends to its X-Forwarded-For (${setting})${inFront ? ` (a ${front?.name} front is declared: safe only if nothing else can connect)` : ': any client that reaches it chooses the scheme, host and port the app is told'}`,
          evidence: [
            ev(site.trust.ref, legacy ? 'keeps the client’s X-Forwarded-Proto' : 'TRUST_DOWNSTREAM_PROXY'),
            ...publicPorts.slice(0, 2).map((x) => ev(x.ref, `published on ${x.hostIp}:${x.hostPort}`)),
          ],
          why: 'nginx-proxy’s generated config maps X-Forwarded-Proto/-Host/-Port to the incoming header when the client sent one. An app that trusts nginx-proxy then builds links and redirects for a host an attacker named (password-reset poisoning), or believes a scheme the connection did not have.',
          fix: fixFor(svc, legacy?.file, generator),
        }),
      );
    }
    return out;
  },
};
