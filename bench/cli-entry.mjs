/**
 * Which CLI entry a bench runs: the one a user runs. `proxyproof` is bin/proxyproof.js, which runs the bundle
 * (dist/bundle/bin.js, scripts/bundle.mjs) when it is at least as new as tsc's output, else tsc's dist/bin.js.
 * The benches ran dist/bin.js, tsc's unbundled files, until round 14: a lint there loaded ~135 modules where the
 * user's lint loads ~40 chunks (about 50 ms more CPU per run, measured on a one-file lint).
 *
 * BENCH_DIST names another build (a copy of packages/proxyproof/dist, e.g. main's, kept inside
 * packages/proxyproof/ so its imports resolve): its bundle when it has one, else its dist/bin.js.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function cliEntry(root) {
  const other = process.env.BENCH_DIST;
  if (!other) return { cli: join(root, 'packages/proxyproof/bin/proxyproof.js'), dist: join(root, 'packages/proxyproof/dist') };
  const bundled = join(other, 'bundle/bin.js');
  return { cli: existsSync(bundled) ? bundled : join(other, 'bin.js'), dist: other };
}
