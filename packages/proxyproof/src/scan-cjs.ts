/**
 * Loads the bundled scan's one CommonJS file, dist/bundle/scan.cjs (scan-entry.ts; scripts/bundle.mjs), with its V8
 * code cache (code-cache.ts). bin.ts runs a bundled `scan` through it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCommonJs } from './code-cache.js';

type ScanEntry = typeof import('./scan-entry.js');

/** The file's exports, or undefined when the bundle has no such file (then the ES-module chunks run the scan). */
export function loadScanCjs(): ScanEntry | undefined {
  // This module's import.meta.url is its tsc file's, dist/scan-cjs.js, in the bundle too (scripts/bundle.mjs).
  const file = fileURLToPath(new URL('./bundle/scan.cjs', import.meta.url));
  if (!existsSync(file)) return undefined;
  const loaded = loadCommonJs(file);
  // What became of the cache, for the tests and for measuring (a rejected or missing cache is only slower).
  if (process.env.PROXYPROOF_DEBUG) process.stderr.write(`proxyproof: dist/bundle/scan.cjs code cache: ${loaded.cache}\n`);
  return loaded.exports as ScanEntry;
}
