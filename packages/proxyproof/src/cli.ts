/**
 * proxyproof command line. Exit codes: 0 nothing at or above --min-severity, 1 findings,
 * 2 usage error or unreadable input. Errors are one line `file:line: message`, never a stack trace.
 */
import { Command, CommanderError, type Command as CommandT } from 'commander';
import { lateTierUp } from './commands/tier-up.js';
import { InputError } from './model/finding.js';
import { packageVersion } from './version.js';

/** Exit code of a usage error (commands/common.ts has the same; not imported here to keep start-up light). */
const EXIT_USAGE = 2;

/**
 * Each command's module is loaded only when that command runs (`--version` loads none, `lint` only the
 * analysis): start-up stays close to bare node. `--help` and unknown commands load them all, for the list.
 */
const COMMANDS: Record<string, () => Promise<(program: CommandT) => void>> = {
  lint: async () => (await import('./commands/lint.js')).registerLint,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctor,
  scan: async () => (await import('./commands/scan.js')).registerScan,
  baseline: async () => (await import('./commands/baseline.js')).registerBaseline,
  fix: async () => (await import('./commands/fix.js')).registerFix,
  probe: async () => (await import('./commands/probe.js')).registerProbe,
  verify: async () => (await import('./commands/verify.js')).registerVerify,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
};

/** The command named in argv (the first word that is not an option), when it is one of ours. */
function commandIn(argv: string[]): string | undefined {
  const first = argv.find((a) => !a.startsWith('-'));
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? first : undefined;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('proxyproof')
    .description('find, explain and fix HTTPS-behind-a-reverse-proxy failures')
    .version(packageVersion())
    .showHelpAfterError('(run proxyproof --help for usage)')
    .exitOverride();
  try {
    const named = commandIn(argv);
    // Before the command's modules load: every command is a short process (commands/tier-up.ts). `scan` sets it
    // itself once its modules are loaded and its parse worker started (a changed V8 flag makes Node compile every
    // built-in loaded after it without its code cache: the worker's whole bootstrap).
    if (named && named !== 'scan') lateTierUp();
    const versionOnly = !named && argv.some((a) => a === '--version' || a === '-V');
    if (!versionOnly)
      for (const n of named ? [named] : Object.keys(COMMANDS))
        (await (COMMANDS[n] as () => Promise<(p: CommandT) => void>)())(program);
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
