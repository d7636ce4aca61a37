/**
 * `proxyproof --version` (and `-V`) alone is answered by bin.ts before the CLI is loaded (issue 10 start-up):
 * the same line and exit code as commander's own --version, which still answers it in any other position.
 * A module-load hook shows which modules the fast path loads: bin.js and version.js, never commander or cli.js.
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
    writeFileSync(
      hooks,
      'export async function load(url, c, next) { process.stderr.write(`LOAD ${url}\\n`); return next(url, c); }\n',
    );
    const reg = join(dir, 'register.mjs');
    writeFileSync(reg, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const r = spawnSync(process.execPath, ['--import', reg, join(PACKAGE_ROOT, 'bin/proxyproof.js'), '--version'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${VERSION}\n`);
    const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOAD '));
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
    const lint = spawnSync(process.execPath, ['--import', reg, join(PACKAGE_ROOT, 'bin/proxyproof.js'), '--help'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const helpFiles = lint.stderr
      .split('\n')
      .filter((l) => l.startsWith('LOAD file:'))
      .map((l) => fileURLToPath(l.slice(5)));
    assert.ok(
      helpFiles.some((f) => COMMANDER_SOURCE.test(readFileSync(f, 'utf8'))),
      'the hook did not see commander for --help',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
