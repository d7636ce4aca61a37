/**
 * Entry of the bundled scan's one CommonJS file, dist/bundle/scan.cjs (scripts/bundle.mjs), which bin.ts runs with
 * its V8 code cache (code-cache.ts) when the command is `scan`: the CLI with the scan command, the crawler, undici's
 * Agent, the scan checks and the report renderers, all compiled from the cache. The other commands, and the modules
 * only `scan --config` (the lint engine) and SARIF's rule table (every check) load, are not in it: they load from
 * the ES-module bundle, and bin.ts sends `scan --config` there whole (see bin.ts).
 */
export { main } from './cli.js';
export { prewarmParserWorker } from './collectors/crawl/parser-worker.js';
