/** Programmatic API of proxyproof. */
export * from './model/finding.js';
export * from './model/check.js';
export type * from './model/facts.js';
export { lintPaths, runChecks } from './engine/lint.js';
export { ALL_CHECKS } from './checks/index.js';
export { RENDERERS } from './render/index.js';
export { runDoctor } from './chain/run.js';
export { analyzeChain } from './chain/analyze.js';
export { runScan } from './scan/engine.js';
export { parseNginxFile, parseNginxText } from './collectors/nginx/index.js';
export { nginxModel } from './facts/nginx/index.js';
