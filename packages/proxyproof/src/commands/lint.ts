import type { Command } from 'commander';
import { lintPaths } from '../engine/lint.js';
import { stageProgress } from '../engine/progress.js';
import { InputError } from '../model/finding.js';
import {
  declaredFront,
  emit,
  frontOption,
  type OutputOptions,
  outputOptions,
  progressMode,
  progressOptions,
  useTreeConfig,
} from './common.js';

export function registerLint(program: Command): void {
  const cmd = program
    .command('lint')
    .description('statically analyse proxy, app-server, framework and deployment files as one chain')
    .argument('<paths...>', 'files and directories to lint')
    .option('--comments', 'keep comments in parsed nginx trees (json output)')
    .option('--url <url>', 'the public URL to diagnose when several servers match (https://example.com:8443/)')
    .option('--behind-tls-lb', 'a TLS-terminating load balancer sits in front of the proxy')
    .addOption(frontOption());
  for (const o of [...outputOptions(), ...progressOptions()]) cmd.addOption(o);
  cmd.action(
    async (
      paths: string[],
      opts: OutputOptions & { comments?: boolean; url?: string; behindTlsLb?: boolean; front?: string; progress?: boolean },
    ) => {
      if (opts.url) {
        try {
          new URL(opts.url);
        } catch {
          throw new InputError(`--url: not a URL: ${opts.url}`);
        }
      }
      useTreeConfig(opts, paths);
      const front = declaredFront(opts);
      const progress = stageProgress(progressMode(opts), opts.format);
      try {
        const { report, analysis } = await lintPaths(paths, {
          comments: opts.comments,
          url: opts.url,
          behindTlsLb: opts.behindTlsLb,
          front,
          onStage: progress.stage,
        });
        report.chain = analysis.chain;
        progress.done();
        // The ignore comments are read from the lines the analysis read (no second read of a big config).
        process.exitCode = await emit(report, opts, { sources: analysis.facts.sources });
      } finally {
        progress.done();
      }
    },
  );
}
