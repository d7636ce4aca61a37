#!/usr/bin/env node
// `proxyproof --version` alone is answered before the CLI (commander, the command table) is loaded: start-up of
// bare node plus one small module (issue 10). The same line commander prints for it.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { packageVersion } = await import('./version.js');
  process.stdout.write(`${packageVersion()}\n`);
} else {
  const { main } = await import('./cli.js');
  process.exitCode = await main(argv);
}
