/** Helpers shared by the flask/ checks. */
import { analyzeChain } from '../../chain/analyze.js';
import { flaskProxiesInFront } from '../../chain/plan.js';
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
  return Math.max(viaServers || compose || nginx || front ? 1 : 0, forwardedForDepth(facts) ?? 0);
}

/**
 * The x_for a fix writes: the proxies in front of the Flask app once the whole chain passes X-Forwarded-For on
 * (chain/plan.ts proxiesInFront: an edge nginx and a Caddy that does not trust it yet are two), where every Flask
 * app of the chain agrees; else 1.
 */
export function proxiesToCount(facts: Facts): number {
  if (flaskApps(facts).length === 0) return 1;
  const counts = new Set(flaskProxiesInFront(analyzeChain(facts).topology));
  return counts.size === 1 ? ([...counts][0] as number) : 1;
}

/**
 * How many proxies append to X-Forwarded-For before it reaches the Flask app, by the chain's own simulation (a
 * browser sends none, so the entries handed to the app are the proxies'): two for an edge nginx in front of a Caddy
 * that trusts it (`client, edge`). Only where every complete route to a Flask app agrees; undefined otherwise.
 */
export function forwardedForDepth(facts: Facts): number | undefined {
  if (flaskApps(facts).length === 0) return undefined;
  const depths = new Set<number>();
  for (const r of analyzeChain(facts).verdict.routes) {
    if (!r.complete || r.trace.kind !== 'browser') continue;
    const steps = r.trace.steps;
    const i = steps.findIndex((s) => s.kind === 'framework' && /flask/i.test(s.label));
    const handed = i > 0 ? steps[i - 1]?.sent : undefined;
    if (!handed) continue;
    const xff = Object.entries(handed).find(([k]) => k.toLowerCase() === 'x-forwarded-for')?.[1];
    depths.add(xff ? xff.split(',').filter((x) => x.trim() !== '').length : 0);
  }
  return depths.size === 1 ? [...depths][0] : undefined;
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
  return `x_for=${proxiesToCount(facts)}, x_proto=1${setsHost ? ', x_host=1' : ''}`;
}
