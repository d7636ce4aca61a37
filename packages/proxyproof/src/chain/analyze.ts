/**
 * One analysis per set of facts: topology -> verdict -> fix plan, memoized so the chain checks
 * (checks/chain/*) and the doctor command share it. Pure given the facts and options.
 */
import { count } from '../engine/progress.js';
import type { Facts } from '../model/facts.js';
import type { Topology } from './model.js';
import { type FixPlan, planFixes } from './plan.js';
import { type BuildOptions, type BuildResult, buildTopology } from './topology/index.js';
import { type ChainVerdict, computeVerdict } from './verdict.js';

export interface ChainAnalysis {
  topology: Topology;
  build: BuildResult;
  verdict: ChainVerdict;
  plan: FixPlan;
}

const memo = new WeakMap<Facts, { key: string; analysis: ChainAnalysis }>();
const optionsOf = new WeakMap<Facts, BuildOptions>();

/** The doctor records its options (Caddyfiles, --url, --behind-tls-lb) before the checks run. */
export function setChainOptions(facts: Facts, opts: BuildOptions): void {
  optionsOf.set(facts, opts);
}

export function analyzeChain(facts: Facts, opts?: BuildOptions): ChainAnalysis {
  const o = opts ?? optionsOf.get(facts) ?? {};
  const key = JSON.stringify({
    u: o.url,
    lb: o.behindTlsLb,
    nf: o.noFront,
    fr: facts.fronts?.map((f) => `${f.origin}:${f.name}`),
    c: o.proxyFiles?.map((c) => c.file),
    m: o.unmodelled?.length,
    n: facts.appServers.length,
    f: facts.frameworks.length,
    x: facts.nginx.configs.length,
  });
  const hit = memo.get(facts);
  if (hit && hit.key === key) return hit.analysis;
  const progress = o.onProgress ?? (() => {});
  progress(`chain topology: ${count(facts.nginx.configs.length + (facts.proxies ?? []).length)} proxy configs`);
  const build = buildTopology(facts, o);
  const simulating = `chain routes: simulating requests through ${count(build.topology.entries.length)} entries`;
  const verdict = computeVerdict(build.topology, undefined, (done, total) => progress(simulating, done, total));
  progress(`chain fix plan: ${count(verdict.routes.length)} routes`);
  const plan = planFixes(build.topology, verdict);
  const analysis = { topology: build.topology, build, verdict, plan };
  memo.set(facts, { key, analysis });
  return analysis;
}
