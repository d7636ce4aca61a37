/**
 * `proxyproof baseline [PATH...] [-o FILE] [--from lint|doctor]`: record the findings of today so CI
 * fails only on new ones (`--baseline FILE`). Records every severity (a later, lower threshold still
 * finds its findings recorded) and leaves out what comments or .proxyproof.json already ignore.
 */
import { type Command, Option } from 'commander';
import { lintPaths } from '../engine/lint.js';
import { makeBaseline } from '../settings/baseline.js';
import { EXIT_OK, EXIT_USAGE, prepareReport, useTreeConfig, writeOutput } from './common.js';

export const DEFAULT_BASELINE_FILE = '.proxyproof-baseline.json';

interface BaselineCli {
  output: string;
  from: 'lint' | 'doctor';
  configFile?: string | false;
  ignoreComments?: boolean;
}

export function registerBaseline(program: Command): void {
  program
    .command('baseline')
    .description('record the current findings in a baseline file; then --baseline FILE reports only new ones')
    .argument('[paths...]', 'files and folders, as for lint / doctor (default: .)')
    .addOption(new Option('-o, --output <file>', 'baseline file to write').default(DEFAULT_BASELINE_FILE))
    .addOption(new Option('--from <command>', 'whose findings to record').choices(['lint', 'doctor']).default('lint'))
    .option(
      '--config-file <file>',
      'project settings (default: .proxyproof.json of the analysed folder or here, or in a parent folder)',
    )
    .option('--no-config-file', 'do not read .proxyproof.json')
    .option('--no-ignore-comments', 'record findings even where a `proxyproof-ignore` comment silences them')
    .action(async (paths: string[], o: BaselineCli) => {
      const inputs = paths.length ? paths : ['.'];
      useTreeConfig(o, inputs);
      const report =
        o.from === 'doctor'
          ? (await (await import('../chain/run.js')).runDoctor(paths)).report
          : (await lintPaths(inputs)).report;
      const { report: shown } = prepareReport(report, {
        format: 'json',
        minSeverity: 'info',
        baseline: false,
        configFile: o.configFile,
        ignoreComments: o.ignoreComments,
      });
      const baseline = makeBaseline(report.command, report.inputs, shown.findings);
      writeOutput(o.output, `${JSON.stringify(baseline, null, 2)}\n`);
      process.stderr.write(
        `proxyproof: recorded ${baseline.findings.length} finding${baseline.findings.length === 1 ? '' : 's'} in ${o.output}\n`,
      );
      process.exitCode = shown.diagnostics.some((d) => d.level === 'error') ? EXIT_USAGE : EXIT_OK;
    });
}
