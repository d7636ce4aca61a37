/**
 * The bundled scan's main thread as one CommonJS file (dist/bundle/scan.cjs, scripts/bundle.mjs) run with a V8 code
 * cache written at build time (scripts/code-cache.mjs), so a scan does not compile its modules again (issue 11).
 * Node 20 caches the compiled code of its own built-in modules only (`module.enableCompileCache` is Node 22), and V8
 * takes a code cache for a script, not for an ES module: the ES-module chunks of the scan's path (the CLI,
 * commander, the crawler, undici, the scan checks and the report) were parsed and compiled at every start, and each
 * of their functions again at its first call while the crawl ran.
 *
 * A cache is used only when it is for this exact source: its file starts with the SHA-256 of the source it was made
 * from. V8 itself checks only the source's length (and its own version, flags and CPU features), so an edit that kept
 * the length would otherwise run the old code. V8 rejects a cache made by another V8, with other V8 flags or on
 * another CPU (then, as without a cache, the source is compiled: the same code, only slower). Nothing is written at
 * run time.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cachedDataVersionTag } from 'node:v8';
import { Script } from 'node:vm';

/**
 * The cache of `file` for V8's current version, flags and CPU: `<file>.<tag>.v8cache`, the tag being V8's hash of
 * them (`v8.cachedDataVersionTag()`). A process whose V8 differs (another Node, a V8 flag on the command line, an
 * emulated CPU such as valgrind's) finds no file and compiles the source.
 */
export const codeCacheFile = (file: string): string => `${file}.${cachedDataVersionTag().toString(16)}.v8cache`;
const HASH_BYTES = 32;

/**
 * What became of a file's cache: used; none (no cache file for this V8); stale (made from another source);
 * rejected by V8.
 */
export type CodeCacheState = 'used' | 'none' | 'stale' | 'rejected';

export interface LoadedCommonJs {
  exports: unknown;
  /** The compiled script, for the build step to write its cache (after running the code it should hold). */
  script: Script;
  source: Buffer;
  cache: CodeCacheState;
}

const sourceHash = (source: Buffer): Buffer => createHash('sha256').update(source).digest();

/**
 * Runs a CommonJS file as Node's loader would (the same wrapper, so stack traces name the file and its lines;
 * `require` resolves from the file), compiled from its code cache when there is a valid one. The wrapper's sixth
 * parameter, `__import(specifier)`, imports an ES module relative to the file: `import()` itself does not work in
 * a script compiled from a code cache on Node 20 (V8 drops the script's dynamic-import host options: "A dynamic
 * import callback was not specified"), and vm's default-loader option for it is experimental (a warning on
 * stderr), so the build (scripts/bundle.mjs) writes the file's few `import()`s as `__import()`.
 */
export function loadCommonJs(file: string): LoadedCommonJs {
  const source = readFileSync(file);
  let cache: CodeCacheState = 'none';
  let cachedData: Buffer | undefined;
  let stored: Buffer | undefined;
  try {
    stored = readFileSync(codeCacheFile(file));
  } catch {
    // No cache for this V8 (or the build step did not write one): compiled from source.
  }
  if (stored) {
    if (stored.length > HASH_BYTES && stored.subarray(0, HASH_BYTES).equals(sourceHash(source)))
      cachedData = stored.subarray(HASH_BYTES);
    else cache = 'stale';
  }
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname, __import) { ${source.toString('utf8')}\n})`,
    { filename: file, cachedData },
  );
  if (cachedData) cache = script.cachedDataRejected ? 'rejected' : 'used';
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  const base = pathToFileURL(file);
  const importHere = (specifier: string): Promise<unknown> => import(new URL(specifier, base).href);
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file), importHere);
  return { exports: module.exports, script, source, cache };
}

/**
 * Writes `loaded`'s cache beside its file for V8's flags now: the source's hash, then V8's data (the code compiled
 * so far, so the build step runs the code on sample work first). Returns the cache's path.
 */
export function writeCodeCache(file: string, loaded: LoadedCommonJs): string {
  const path = codeCacheFile(file);
  writeFileSync(path, Buffer.concat([sourceHash(loaded.source), loaded.script.createCachedData()]));
  return path;
}
