/**
 * `proxyproof --version` (and `-V`) alone is answered by bin.ts before the CLI is loaded (issue 10 start-up):
 * the same line and exit code as commander's own --version, which still answers it in any other position.
 * A module-load hook (test/module-loads.ts) shows which modules the fast path loads: bin.js and version.js, never
 * commander or cli.js.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT, runCli } from '../helpers.js';
import { moduleLoadLog } from '../module-loads.js';

/** A string only commander's own source holds (lib/command.js), bundled or not. */
const COMMANDER_SOURCE = /commander\.excessArguments/;

const VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('--version and -V print the package version, as commander does in any other position', () => {
  for (const args of [['--version'], ['-V'], ['--version', 'lint'], ['lint', '--version']]) {
    const r = runCli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, `${VERSION}\n`, args.join(' '));
    assert.equal(r.stderr, '');
  }
});

test('--version alone loads neither commander nor the command table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-version-'));
  try {
    const { loadsOf } = moduleLoadLog(dir);
    const { run: r, files } = loadsOf(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${VERSION}\n`);
    // The build bundles the CLI (scripts/bundle.mjs): version.ts is then in a chunk of dist/bundle/.
    assert.ok(
      files.some((f) => f.endsWith('/dist/version.js') || /\/dist\/bundle\/version-\w+\.js$/.test(f)),
      files.join('\n'),
    );
    assert.deepEqual(
      files.filter((f) => /commander|\/dist\/cli\.js|\/dist\/commands\/|\/dist\/bundle\/cli-\w+\.js/.test(f)),
      [],
    );
    // commander may be bundled into a chunk: no loaded file holds its source either.
    assert.deepEqual(
      files.filter((f) => COMMANDER_SOURCE.test(readFileSync(f, 'utf8'))),
      [],
    );
    // The same hook sees commander when a command runs (the checks above can fail).
    const helpFiles = loadsOf(['--help']).files;
    assert.ok(
      helpFiles.some((f) => COMMANDER_SOURCE.test(readFileSync(f, 'utf8'))),
      'the hook did not see commander for --help',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
