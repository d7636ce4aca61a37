/** Programmatic API of proxyproof. */

export { analyzeChain } from './chain/analyze.js';
export { runDoctor } from './chain/run.js';
export { ALL_CHECKS } from './checks/index.js';
export { parseNginxFile, parseNginxText } from './collectors/nginx/index.js';
export { lintPaths, runChecks } from './engine/lint.js';
export { nginxModel } from './facts/nginx/index.js';
export * from './model/check.js';
export type * from './model/facts.js';
export * from './model/finding.js';
export { RENDERERS } from './render/index.js';
export { runScan } from './scan/engine.js';
