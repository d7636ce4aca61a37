/**
 * proxyproof command line. Exit codes: 0 nothing at or above --min-severity, 1 findings,
 * 2 usage error or unreadable input. Errors are one line `file:line: message`, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT_USAGE } from './commands/common.js';
import { registerDoctor } from './commands/doctor.js';
import { registerFix } from './commands/fix.js';
import { registerLint } from './commands/lint.js';
import { registerProbe } from './commands/probe.js';
import { registerScan } from './commands/scan.js';
import { InputError } from './model/finding.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('proxyproof')
    .description('find, explain and fix HTTPS-behind-a-reverse-proxy failures')
    .version(version())
    .showHelpAfterError('(run proxyproof --help for usage)')
    .exitOverride();
  registerLint(program);
  registerDoctor(program);
  registerScan(program);
  registerFix(program);
  registerProbe(program);
  try {
    process.exitCode = 0;
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return EXIT_USAGE;
    }
    if (e instanceof InputError) {
      process.stderr.write(`proxyproof: ${e.format()}\n`);
      return EXIT_USAGE;
    }
    // Anything else is our bug: one line plus a pointer, never a raw stack unless asked for.
    process.stderr.write(`proxyproof: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env.PROXYPROOF_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
    return 3;
  }
}
