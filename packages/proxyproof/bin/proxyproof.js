#!/usr/bin/env node
// Committed entry point so npm can link the bin before the TypeScript build has produced dist/.
// Runs the bundle (dist/bundle/, scripts/bundle.mjs: fewer files to load at start-up) when it is at least as new
// as tsc's output; otherwise (a bare `tsc -b`, or no esbuild) tsc's unbundled dist/bin.js, never a stale bundle.
import { statSync } from 'node:fs';

const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const bundled = mtime('../dist/bundle/bin.js');
const tsc = Math.max(mtime('../tsconfig.tsbuildinfo') ?? 0, mtime('../dist/bin.js') ?? 0);
import(bundled !== undefined && bundled >= tsc ? '../dist/bundle/bin.js' : '../dist/bin.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('proxyproof: not built yet; run `npm run build` in the repository root\n');
    process.exit(2);
  }
  throw e;
});
