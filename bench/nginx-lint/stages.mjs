#!/usr/bin/env node
/**
 * Benchmark helper (not a test): the live heap after each stage of the analysis of one config, so that a memory
 * change can be put where it belongs (tree, nginx model, chain topology, verdict, fix plan). Each figure is
 * measured after a full garbage collection, in one process, on the built code.
 *
 *   node --expose-gc bench/nginx-lint/stages.mjs bench/.work/nginx-lint/tls/nginx.conf
 *
 * (The config is the one bench/nginx-lint/run.mjs generates.) Peak RSS of the CLI is larger than the last figure:
 * V8 lets garbage grow up to a multiple of the live heap between full collections.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const D = join(dirname(fileURLToPath(import.meta.url)), '../../packages/proxyproof/dist');
const file = process.argv[2];
if (!file || typeof globalThis.gc !== 'function') {
  console.error('usage: node --expose-gc bench/nginx-lint/stages.mjs <nginx.conf>');
  process.exit(2);
}
const mb = () => {
  globalThis.gc();
  const m = process.memoryUsage();
  return `heap ${(m.heapUsed / 1048576).toFixed(0)} MB, rss ${(m.rss / 1048576).toFixed(0)} MB`;
};
const { collectAll } = await import(`${D}/engine/collect.js`);
const { discoverProject } = await import(`${D}/chain/discover.js`);
const { nginxModel } = await import(`${D}/facts/nginx/index.js`);
const { buildTopology } = await import(`${D}/chain/topology/index.js`);
const { computeVerdict } = await import(`${D}/chain/verdict.js`);
const { planFixes } = await import(`${D}/chain/plan.js`);
console.log(`modules loaded: ${mb()}`);
const files = discoverProject([file], process.cwd());
const collected = await collectAll(files.files, {});
console.log(`collected (sources, nginx tree): ${mb()}`);
const model = nginxModel(collected.facts);
console.log(`+ nginx model (${model.servers.length} servers): ${mb()}`);
const build = buildTopology(collected.facts, { proxyFiles: files.proxyFiles });
console.log(`+ chain topology (${build.topology.proxies.length} hops): ${mb()}`);
const verdict = computeVerdict(build.topology);
console.log(`+ verdict (${verdict.routes.length} routes): ${mb()}`);
const plan = planFixes(build.topology, verdict);
console.log(`+ fix plan: ${mb()}`);
globalThis.keep = [collected, model, build, verdict, plan];
