/**
 * `proxyproof --version` (and `-V`) alone is answered by bin.ts before the CLI is loaded (issue 10 start-up):
 * the same line and exit code as commander's own --version, which still answers it in any other position.
 * A module-load hook shows which modules the fast path loads: bin.js and version.js, never commander or cli.js.
 * The hook runs on node's hooks thread: it appends each URL to a log file synchronously, because its stderr writes
 * are relayed to the main thread asynchronously and --version's process.exit() dropped the last ones (CI stop 29:
 * the log ended at node:fs, before the bundle's bin.js it had loaded).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PACKAGE_ROOT, runCli } from '../helpers.js';

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
    const hooks = join(dir, 'hooks.mjs');
    const log = join(dir, 'loads.log');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';\nexport async function load(url, c, next) { appendFileSync(${JSON.stringify(log)}, \`LOAD \${url}\\n\`); return next(url, c); }\n`,
    );
    const reg = join(dir, 'register.mjs');
    writeFileSync(reg, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    /** The modules one run loaded, in order, from the hook's log (emptied before each run). */
    const loadsOf = (args: string[]) => {
      writeFileSync(log, '');
      const run = spawnSync(process.execPath, ['--import', reg, join(PACKAGE_ROOT, 'bin/proxyproof.js'), ...args], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      return {
        run,
        loaded: readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('LOAD ')),
      };
    };
    const { run: r, loaded } = loadsOf(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${VERSION}\n`);
    const files = loaded.filter((l) => l.startsWith('LOAD file:')).map((l) => fileURLToPath(l.slice(5)));
    // The build bundles the CLI (scripts/bundle.mjs): version.ts is then in a chunk of dist/bundle/.
    assert.ok(
      files.some((f) => f.endsWith('/dist/version.js') || /\/dist\/bundle\/version-\w+\.js$/.test(f)),
      loaded.join('\n'),
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
    const helpFiles = loadsOf(['--help'])
      .loaded.filter((l) => l.startsWith('LOAD file:'))
      .map((l) => fileURLToPath(l.slice(5)));
    assert.ok(
      helpFiles.some((f) => COMMANDER_SOURCE.test(readFileSync(f, 'utf8'))),
      'the hook did not see commander for --help',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
