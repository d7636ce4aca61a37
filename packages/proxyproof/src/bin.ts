#!/usr/bin/env node
// `proxyproof --version` alone is answered before the CLI (commander, the command table) is loaded: start-up of
// bare node plus one small module (issue 10). The same line commander prints for it.
/** Defined (as true) by scripts/bundle.mjs in the bundled CLI only (as in bundled.ts, not imported: `--version` loads no more). */
declare const __PROXYPROOF_BUNDLE__: boolean | undefined;

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { packageVersion } = await import('./version.js');
  process.stdout.write(`${packageVersion()}\n`);
} else {
  // `scan` (the command named the way cli.ts finds it: the first word that is not an option): the parse worker's
  // thread starts before the CLI loads, not after. Its start-up (a Node environment and the parsers) is the first
  // page's wait: the crawl's main thread sat idle for it (cpu-prof of the 500-page bench) while the CLI, the
  // command table and the scan's modules loaded first on this thread. Now both run at once, on the two cores.
  // V8's tiering (commands/tier-up.ts) is NOT set here: the worker's bootstrap and the scan's Node built-ins are
  // compiled from Node's code cache only while V8's flags are unchanged; the scan sets it when they are loaded
  // (scan/engine.ts collectScanFacts). The worker gets it then (V8's flags are the process's).
  const scan = argv.find((a) => !a.startsWith('-')) === 'scan' && !argv.some((a) => a === '--help' || a === '-h');
  // The bundled scan runs from one CommonJS file compiled from its V8 code cache (code-cache.ts, scan-entry.ts), not
  // from the ES-module chunks, which Node 20 compiles at every start. Not for `scan --config DIR`: its lint engine
  // is not in that file, and loaded from the chunks it would have its own copies of the modules both use.
  // The worker's thread is started first (its start-up then overlaps this file's load too) and handed to the file's
  // own parser-worker module in the same synchronous run, before any message of the worker can be delivered.
  let cjs: typeof import('./scan-entry.js') | undefined;
  if (
    scan &&
    typeof __PROXYPROOF_BUNDLE__ !== 'undefined' &&
    __PROXYPROOF_BUNDLE__ &&
    !argv.some((a) => a === '--config' || a.startsWith('--config='))
  ) {
    const [parser, { loadScanCjs }] = await Promise.all([import('./collectors/crawl/parser-worker.js'), import('./scan-cjs.js')]);
    const worker = parser.startParseWorker();
    cjs = loadScanCjs();
    (cjs ?? parser).prewarmParserWorker(worker);
  }
  if (cjs) process.exitCode = await cjs.main(argv);
  else if (scan) {
    (await import('./collectors/crawl/parser-worker.js')).prewarmParserWorker();
    // The scan engine's modules (the crawler, undici's Agent, the trust store, the scan checks) start loading now,
    // beside the CLI's, not after the command table and commander have run: the loader's file reads and
    // compiles interleave instead of queueing. The command's own import gets this same module; a failure is
    // said there.
    import('./scan/engine.js').catch(() => undefined);
  }
  if (!cjs) {
    const { main } = await import('./cli.js');
    process.exitCode = await main(argv);
  }
}
