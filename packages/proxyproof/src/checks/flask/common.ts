/** Helpers shared by the flask/ checks. */
import { nginxModel } from '../../facts/nginx/index.js';
import type { Facts, FrameworkFacts } from '../../model/facts.js';
import { proxyPeers } from '../appserver/context.js';

export function flaskApps(facts: Facts): FrameworkFacts[] {
  return facts.frameworks.filter((f) => f.kind === 'flask');
}

export function hasProxyFix(fw: FrameworkFacts): boolean {
  const v = fw.trustProxy?.value as { middleware?: string } | undefined;
  return !!v?.middleware && /ProxyFix$/.test(v.middleware);
}

/** The first TLS-ending cloud/PaaS front in the facts, as evidence. */
export function frontRef(facts: Facts): { file: string; line: number; snippet?: string; note: string } | undefined {
  const f = (facts.fronts ?? []).find((x) => x.terminatesTls);
  const e = f?.evidence[0];
  return f && e ? { file: e.file, line: e.line, snippet: e.snippet, note: f.why } : undefined;
}

/** Reverse proxies seen in the linted files in front of the Python app (nginx servers proxying, compose proxy services). */
export function proxiesSeen(facts: Facts): number {
  const viaServers = facts.appServers.some((s) => proxyPeers(facts, s).length > 0);
  const compose = (facts.compose?.files ?? []).some((f) => f.services.some((s) => s.role === 'proxy'));
  const nginx = facts.nginx?.configs?.length > 0;
  // A cloud/PaaS front that ends TLS (a Procfile's Heroku-style router, fly.toml, an ALB listener) is a proxy too.
  const front = (facts.fronts ?? []).some((f) => f.terminatesTls);
  return viaServers || compose || nginx || front ? 1 : 0;
}

/**
 * ProxyFix counts for one proxy in front: x_for and x_proto for every proxy that forwards (nginx appends
 * X-Forwarded-For, a cloud front sets both); x_host only when every nginx location that proxies sets
 * X-Forwarded-Host itself: otherwise the last X-Forwarded-Host value is the client's own, and x_host=1 would let
 * it choose the host of every absolute URL. Fronts (Heroku, Fly...) do not set X-Forwarded-Host.
 */
export function proxyFixCounts(facts: Facts): string {
  const passing = nginxModel(facts).servers.flatMap((s) => s.scopes.filter((x) => x.pass && x.headers.proxy));
  const setsHost =
    passing.length > 0 &&
    passing.every((x) => x.headers.proxy.entries.some((e) => e.name.toLowerCase() === 'x-forwarded-host' && e.value !== ''));
  return `x_for=1, x_proto=1${setsHost ? ', x_host=1' : ''}`;
}
