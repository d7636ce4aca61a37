/**
 * Which files a CLI run loads (issues 10 and 11: what a command's start-up loads). An ESM load hook appends each
 * file: URL it sees to a log; at exit the CommonJS cache's files are appended too (the hook never sees `require`,
 * and a module loaded on use through createRequire comes that way). Both are written synchronously: the hook runs
 * on node's hooks thread, whose stderr writes are relayed to the main thread asynchronously, and --version's
 * process.exit() dropped the last ones (CI stop 29: the log ended at node:fs, before the bundle's bin.js).
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from './helpers.js';

export interface LoadsRun {
  run: SpawnSyncReturns<string>;
  /** The files loaded (ESM and CommonJS), first load order, each once. */
  files: string[];
}

/** Writes the hook into `dir` (a temporary folder the caller removes); `loadsOf` runs the CLI with it. */
export function moduleLoadLog(dir: string): { loadsOf: (args: string[], cwd?: string) => LoadsRun } {
  const log = join(dir, 'loads.log');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, c, next) { if (url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, \`\${url}\\n\`); return next(url, c); }\n`,
  );
  const reg = join(dir, 'register.mjs');
  writeFileSync(
    reg,
    [
      "import { register, createRequire } from 'node:module';",
      "import { appendFileSync } from 'node:fs';",
      "import { pathToFileURL } from 'node:url';",
      `register(${JSON.stringify(pathToFileURL(hooks).href)});`,
      'const cache = createRequire(import.meta.url).cache;',
      `process.on('exit', () => { for (const f of Object.keys(cache)) appendFileSync(${JSON.stringify(log)}, pathToFileURL(f).href + '\\n'); });`,
      '',
    ].join('\n'),
  );
  return {
    loadsOf: (args, cwd = dir) => {
      writeFileSync(log, '');
      const run = spawnSync(process.execPath, ['--import', reg, join(PACKAGE_ROOT, 'bin/proxyproof.js'), ...args], {
        cwd,
        encoding: 'utf8',
        timeout: 120_000,
      });
      const files = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))].map((u) => fileURLToPath(u));
      // A bundled scan runs dist/bundle/scan.cjs through its loader chunk (src/scan-cjs.ts, src/code-cache.ts) with
      // node:vm, which neither the hook nor the CommonJS cache sees: when that chunk ran and the file is there, it
      // is counted as loaded after it.
      const loader = files.findIndex((f) => /[\\/]dist[\\/]bundle[\\/]scan-cjs-\w+\.js$/.test(f));
      const scanCjs = join(PACKAGE_ROOT, 'dist/bundle/scan.cjs');
      if (loader >= 0 && existsSync(scanCjs)) files.splice(loader + 1, 0, scanCjs);
      return { run, files };
    },
  };
}
