import type { Command } from 'commander';
import { lintPaths } from '../engine/lint.js';
import { emit, type OutputOptions, outputOptions } from './common.js';

export function registerLint(program: Command): void {
  const cmd = program
    .command('lint')
    .description('statically analyse proxy, app-server, framework and deployment files')
    .argument('<paths...>', 'files and directories to lint')
    .option('--comments', 'keep comments in parsed nginx trees (json output)');
  for (const o of outputOptions()) cmd.addOption(o);
  cmd.action(async (paths: string[], opts: OutputOptions & { comments?: boolean }) => {
    const { report } = await lintPaths(paths, { comments: opts.comments });
    process.exitCode = await emit(report, opts);
  });
}
