#!/usr/bin/env node
// `proxyproof --version` alone is answered before the CLI (commander, the command table) is loaded: start-up of
// bare node plus one small module (issue 10). The same line commander prints for it.
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
  if (argv.find((a) => !a.startsWith('-')) === 'scan' && !argv.some((a) => a === '--help' || a === '-h')) {
    (await import('./collectors/crawl/parser-worker.js')).prewarmParserWorker();
    // The scan engine's modules (the crawler, undici's Agent, the trust store, the scan checks) start loading now,
    // beside the CLI's, not after the command table and commander have run: the loader's file reads and
    // compiles interleave instead of queueing. The command's own import gets this same module; a failure is
    // said there.
    import('./scan/engine.js').catch(() => undefined);
  }
  const { main } = await import('./cli.js');
  process.exitCode = await main(argv);
}
