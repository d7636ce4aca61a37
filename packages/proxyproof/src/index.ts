/** Programmatic API of proxyproof. */

export { analyzeChain } from './chain/analyze.js';
export { runDoctor } from './chain/run.js';

import { ALL_CHECKS } from './checks/index.js';
import { runChecks as runSome } from './engine/lint.js';
import type { Check } from './model/check.js';
import type { Facts } from './model/facts.js';
import type { Finding } from './model/finding.js';

export { parseNginxFile, parseNginxText } from './collectors/nginx/index.js';
export { lintPaths } from './engine/lint.js';
export { nginxModel } from './facts/nginx/index.js';
export * from './model/check.js';
export type * from './model/facts.js';
export * from './model/finding.js';
export { RENDERERS } from './render/index.js';
export { runScan } from './scan/engine.js';
export { ALL_CHECKS };

/** The layer checks alone, unrefined (every lint check unless a list is given). */
export function runChecks(facts: Facts, checks: Check[] = ALL_CHECKS): Finding[] {
  return runSome(facts, checks);
}
