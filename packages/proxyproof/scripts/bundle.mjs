#!/usr/bin/env node
/**
 * Build step after `tsc -b` (issue 10, start-up): bundles the CLI's own modules (dist/**\/*.js, tsc's output)
 * into dist/bundle/ with esbuild, one chunk per set of commands that share code, so a one-file `lint` loads
 * about 40 files instead of about 135. Each ES module costs the loader about 1.4 ms (resolve, open, read,
 * compile, link), and that per-module cost was the largest part of the start-up. See ARCHITECTURE.md
 * ("Start-up") and bench/RESULTS.md.
 *
 * - Small pure-JavaScript dependencies on the lint/doctor path (BUNDLED below: commander, ipaddr.js, picomatch,
 *   smol-toml...) are bundled too: each of their files is one more module to load (commander alone is 7
 *   CommonJS files). The others (playwright-core, undici, css-tree, htmlparser2, yaml...: scan, probe and the
 *   parse worker, or loaded through createRequire) stay in node_modules and load as installed, except on the
 *   scan's path: the parse worker (with htmlparser2 and css-tree) and undici's Agent are each written as one more
 *   file of their own (dist/bundle/parse-worker.js, dist/bundle/undici-agent.cjs), which the bundled CLI loads
 *   instead (src/bundled.ts `BUNDLED`, defined here).
 * - Dynamic `import()`s stay dynamic (esbuild's code splitting): a command's modules, and each collector's,
 *   still load only when used.
 * - `import.meta.url` in a bundled module is rewritten to that module's own file under dist/ (tsc's output,
 *   which stays), so every path built from it (package.json, docs/, the probe's netns worker, the lab folder)
 *   resolves as in the unbundled build; the probe's worker and child processes run tsc's unbundled files, the
 *   crawl's parse worker its one-file build below.
 * - bin/proxyproof.js runs dist/bundle/bin.js only when it is at least as new as tsc's output
 *   (tsconfig.tsbuildinfo); after a bare `tsc -b` (`npm run typecheck`) it runs dist/bin.js, so a stale bundle
 *   is never run. The test suite runs from source (tsx); its CLI tests run bin/proxyproof.js after
 *   `npm run build`, so they run the bundle.
 *
 * Skipped (with a line on stderr, exit 0) when esbuild (a root devDependency) is not installed: the CLI then runs dist/bin.js.
 *   node packages/proxyproof/scripts/bundle.mjs [--force] [--metafile FILE]
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(PKG, 'dist');
const OUT = join(DIST, 'bundle');
const ENTRY = join(DIST, 'bin.js');
const BUILDINFO = join(PKG, 'tsconfig.tsbuildinfo');

const mtime = (p) => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return undefined;
  }
};

if (!existsSync(ENTRY)) {
  console.error('bundle: dist/bin.js is missing; run tsc -b first');
  process.exit(1);
}
// Up to date: the bundle is newer than tsc's last emit (tsc -b writes the build info only when it emits).
const built = mtime(join(OUT, 'bin.js'));
if (!process.argv.includes('--force') && built !== undefined && built >= (mtime(BUILDINFO) ?? 0) && built >= mtime(ENTRY))
  process.exit(0);

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('bundle: esbuild is not installed; the CLI runs the unbundled dist/bin.js (slower start-up)');
  rmSync(OUT, { recursive: true, force: true });
  process.exit(0);
}

/**
 * import.meta.url of a bundled module -> the URL of that module's own file under dist/, from the output file's
 * (`base`: an expression for the URL of the output file, which is in dist/bundle/).
 */
const ownUrlFrom = (base) => ({
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(DIST + sep)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
      // Chunks are written flat in dist/bundle/, so the module's file is `../<path under dist>` from any chunk.
      const rel = `../${relative(DIST, args.path).split(sep).join('/')}`;
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, ${base}).href`),
        loader: 'js',
      };
    });
  },
});
const ownUrl = ownUrlFrom('import.meta.url');

/** Dependencies bundled in (pure JavaScript, no own files read at run time, no native parts). */
const BUNDLED = new Set([
  'commander',
  'ipaddr.js',
  'picocolors',
  'picomatch',
  'smol-toml',
  'acorn',
  'acorn-walk',
  '@sveltejs/acorn-typescript',
  '@lezer/common',
  'cli-progress',
  'robots-parser',
  '@proxyproof/forwarded',
]);
const packageOf = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
/** Bare imports of any other package stay imports of the installed package. */
const externals = {
  name: 'externals',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || !BUNDLED.has(packageOf(args.path))) return { path: args.path, external: true };
      return undefined;
    });
  },
};

/**
 * version.ts stays tsc's own file (imported as `../version.js` from the chunks): `proxyproof --version` then loads
 * the bundle's small bin.js and that one module, as before the bundle, not a version chunk and its shared chunks.
 */
const VERSION = join(DIST, 'version.js');
const versionOutside = {
  name: 'version-outside',
  setup(build) {
    build.onResolve({ filter: /(^|\/)version\.js$/ }, (args) => {
      if (join(args.resolveDir, args.path) !== VERSION) return undefined;
      return { path: '../version.js', external: true };
    });
  },
};

rmSync(OUT, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: [ENTRY],
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies bundled into ES module chunks call require() for Node's built-ins.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  // No `keepNames`: nothing reads a function's or class's `.name` (errors set `this.name` themselves), and the
  // `__name()` calls it adds cost start-up.
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [versionOutside, externals, ownUrl],
  // collectors/crawl/parser-worker.ts starts the bundled parse worker below (not tsc's parse-worker.js) when this
  // is defined: the bundle's main thread and its worker then come from the same build.
  define: { __PROXYPROOF_BUNDLE__: 'true' },
  metafile: true,
});
if (result.errors.length > 0) process.exit(1);

/** A one-file build the bundle loads; if it fails, no bundle at all (bin/proxyproof.js then runs dist/bin.js). */
async function oneFile(outfile, options) {
  try {
    const r = await esbuild.build({ bundle: true, platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning', outfile, ...options() });
    if (r.errors.length === 0) return r;
  } catch (e) {
    console.error(`bundle: ${e.message.split('\n')[0]}`);
  }
  rmSync(OUT, { recursive: true, force: true });
  console.error(`bundle: ${outfile} not built; the bundle was removed (the CLI runs the unbundled dist/bin.js)`);
  process.exit(1);
}

/**
 * The scan's parse worker (collectors/crawl/parse-worker.ts) as ONE file with everything it imports, htmlparser2
 * and css-tree's parser included: unbundled, its thread loaded about 125 ES modules (96 of them css-tree's) at
 * every scan's start, about 100 ms of its ~225 ms start-up CPU (an empty worker thread costs about 85 ms);
 * bundled, about 120 ms (bench/RESULTS.md, r8i11). Nothing in it reads a file of its own at run time
 * (no import.meta.url, no createRequire), so it runs from dist/bundle/ as is.
 */
await oneFile(join(OUT, 'parse-worker.js'), () => ({
  entryPoints: [join(DIST, 'collectors/crawl/parse-worker.js')],
  format: 'esm',
}));

/**
 * undici's Agent (collectors/crawl/http.ts loads `undici/lib/dispatcher/agent.js`, not the package index) as one
 * CommonJS file: 23 files for Node's CommonJS loader to resolve, read and wrap at every scan's start -> 1, about
 * 20 ms less main-thread CPU (65 -> 48 ms, 5 alternating runs). Modules it requires lazily stay lazy (esbuild
 * wraps each in a function run on first require); llhttp's WebAssembly is in its JavaScript already.
 */
/**
 * undici's HTTP/2 client (client-h2.js) is required by client.js at load, and requires node:http2 at its own load:
 * about 20 ms of the Agent's ~60 ms load CPU (5 alternating runs, load 17), for a module run only when a TLS
 * connection negotiates `h2` by ALPN, which the crawler never offers (its Agent leaves undici's `allowH2` off). In
 * this one-file build client.js requires it on first use instead (same module, same exports, later). If undici's
 * line changes, the build says so and keeps the eager require (correct, only slower).
 */
const EAGER_H2 = "const connectH2 = require('./client-h2.js')";
const lazyH2 = {
  name: 'lazy-undici-h2',
  setup(build) {
    build.onLoad({ filter: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(EAGER_H2)) {
        console.error(`bundle: ${args.path} no longer has \`${EAGER_H2}\`; undici's HTTP/2 client stays loaded eagerly`);
        return { contents: text, loader: 'js' };
      }
      const lazy = "let h2Module\nconst connectH2 = (...args) => (h2Module ??= require('./client-h2.js'))(...args)";
      return { contents: text.replace(EAGER_H2, lazy), loader: 'js' };
    });
  },
};

await oneFile(join(OUT, 'undici-agent.cjs'), () => ({
  entryPoints: [createRequire(ENTRY).resolve('undici/lib/dispatcher/agent.js')],
  format: 'cjs',
  plugins: [lazyH2],
}));
/**
 * The scan's main thread as ONE CommonJS file, dist/bundle/scan.cjs (entry src/scan-entry.ts: the CLI, the scan
 * command, the crawler, the scan checks, the renderers), which bin.ts runs for `scan` with a V8
 * code cache (src/code-cache.ts; written below by scripts/code-cache.mjs). Node 20 has no code cache for ES modules,
 * so the chunks above are parsed and compiled at every start, and each function again at its first call during
 * the crawl (bench/RESULTS.md, r18crawl). What a scan never runs stays out (the file's compile and its cache grow
 * with it): the other commands, the lint engine (`scan --config`, which bin.ts runs from the chunks above whole),
 * and the check tables SARIF's rule descriptions read; a dynamic import of one of these loads the chunk above.
 * undici's Agent stays its own file above (required by collectors/crawl/http.ts, compiled lazily): in this file's
 * cache it made the scan slower (its code is deserialized before the crawl starts; bench/RESULTS.md, r18crawl).
 */
const NOT_IN_SCAN = new Set(
  [
    'commands/lint.js',
    'commands/doctor.js',
    'commands/baseline.js',
    'commands/fix.js',
    'commands/probe.js',
    'commands/verify.js',
    'commands/demo.js',
    'engine/lint.js',
    'checks/index.js',
    'checks/chain/index.js',
    'checks/probe/index.js',
  ].map((p) => join(DIST, p)),
);
/** Each dynamic import's target module -> its chunk in dist/bundle/ (esbuild's metafile: `entryPoint`). */
const chunkOf = new Map(
  Object.entries(result.metafile.outputs)
    .filter(([, o]) => o.entryPoint)
    .map(([out, o]) => [join(process.cwd(), o.entryPoint), `./${relative(OUT, join(process.cwd(), out)).split(sep).join('/')}`]),
);
const scanOnly = {
  name: 'scan-only',
  setup(build) {
    build.onResolve({ filter: /^\./ }, (args) => {
      const target = join(args.resolveDir, args.path);
      if (!NOT_IN_SCAN.has(target)) return undefined;
      const chunk = chunkOf.get(target);
      if (args.kind !== 'dynamic-import' || !chunk)
        return { errors: [{ text: `${relative(DIST, target)} is imported by the scan's path (${args.kind}) but kept out of scan.cjs` }] };
      return { path: chunk, external: true };
    });
  },
};
const scanBuild = await oneFile(join(OUT, 'scan.cjs'), () => ({
  entryPoints: [join(DIST, 'scan-entry.js')],
  format: 'cjs',
  // import.meta.url (rewritten to each module's tsc file, as in the chunks) from this file's own URL.
  banner: { js: "const __scanCjsUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { __PROXYPROOF_BUNDLE__: 'true' },
  plugins: [scanOnly, externals, ownUrlFrom('__scanCjsUrl')],
  metafile: true,
}));
{
  // Its dynamic imports of the chunks above (esbuild leaves `import("./<chunk>")`) become `__import("./<chunk>")`:
  // src/code-cache.ts's loader passes that function, because `import()` fails in a script compiled from a code cache
  // on Node 20. Any other dynamic import esbuild left (of a package) would fail when run: the build says so and stops.
  const file = join(OUT, 'scan.cjs');
  const chunks = new Set(chunkOf.values());
  const dynamic = Object.values(scanBuild.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import'));
  const other = dynamic.find((i) => !chunks.has(i.path));
  let text = readFileSync(file, 'utf8');
  const before = text;
  for (const chunk of chunks) text = text.replaceAll(`import(${JSON.stringify(chunk)})`, `__import(${JSON.stringify(chunk)})`);
  const rewritten = (text.length - before.length) / 2;
  if (other || rewritten !== dynamic.length) {
    rmSync(OUT, { recursive: true, force: true });
    console.error(
      `bundle: dist/bundle/scan.cjs: ${other ? `a dynamic import of ${other.path}` : `${dynamic.length} dynamic imports, ${rewritten} rewritten`}; the loader runs only imports of the chunks. The bundle was removed`,
    );
    process.exit(1);
  }
  writeFileSync(file, text);
}

/**
 * scan.cjs's V8 code cache, made in a fresh `node` (V8's default flags, which is what the cache is checked
 * against) that runs the file on a scan of a small loopback site first, so the cache holds the functions a scan
 * compiles on first call too. Without a cache the scan runs the same, only slower: a failure here is said and the
 * build goes on.
 */
{
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [join(PKG, 'scripts/code-cache.mjs')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    // Generous: a busy machine (or valgrind) makes the sample scans' ~1 s take minutes; the scans' own timeouts are
    // 60 s per request and 240 s in all.
    timeout: 300_000,
    env: { ...process.env, PROXYPROOF_V8_TIERING: 'default', PROXYPROOF_WASM_TIER_UP: '1', NODE_OPTIONS: '' },
  });
  if (r.status === 0) for (const line of r.stderr.split('\n')) if (line.startsWith('code-cache: ')) console.error(line);
  if (r.status !== 0)
    console.error(
      `bundle: dist/bundle/scan.cjs has no code cache (scripts/code-cache.mjs: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}); scans compile it at start\n${(r.stderr ?? '').slice(-2000)}`,
    );
}

// `--metafile FILE`: esbuild's account of which module went into which chunk (to see what a command loads).
const at = process.argv.indexOf('--metafile');
if (at > 0 && process.argv[at + 1]) writeFileSync(process.argv[at + 1], JSON.stringify(result.metafile));
