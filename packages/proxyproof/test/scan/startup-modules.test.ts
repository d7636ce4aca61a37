/**
 * What a scan loads at start-up (issue 11: the CLI's start-up is on the crawl's critical path, before the first
 * request). picomatch is needed by a scan only for --include/--exclude and by every command only for a
 * `.proxyproof.json` ignore that names a path; settings/ignore.ts, which every command loads to print its report,
 * loaded it with itself (~3-4 ms of the scan's main thread). Seen two ways, because a module may come either way:
 * an ESM load hook (the bundle's chunks; it never sees `require`) and the CommonJS cache at exit (createRequire).
 * Both are written to files synchronously (the hook runs on node's hooks thread, whose stderr is relayed late).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../helpers.js';
import { freePort } from '../real-program.js';

/** A name only picomatch's own source holds (lib/constants.js, lib/parse.js), bundled into a chunk or not. */
const PICOMATCH_SOURCE = /POSIX_REGEX_SOURCE/;

test('a scan starts without picomatch; lint of an nginx config and a path ignore still load it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-scan-loads-'));
  try {
    const log = join(dir, 'loads.log');
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';\nexport async function load(url, c, next) { if (url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, \`\${url}\\n\`); return next(url, c); }\n`,
    );
    const reg = join(dir, 'register.mjs');
    writeFileSync(
      reg,
      [
        "import { register, createRequire } from 'node:module';",
        "import { appendFileSync } from 'node:fs';",
        "import { pathToFileURL } from 'node:url';",
        `register(${JSON.stringify(pathToFileURL(hooks).href)});`,
        'const cache = createRequire(import.meta.url).cache;',
        `process.on('exit', () => { for (const f of Object.keys(cache)) appendFileSync(${JSON.stringify(log)}, pathToFileURL(f).href + '\\n'); });`,
        '',
      ].join('\n'),
    );
    /** The files one run loaded (ESM and CommonJS), from the log (emptied before each run). */
    const filesOf = (args: string[], cwd = dir) => {
      writeFileSync(log, '');
      const run = spawnSync(process.execPath, ['--import', reg, join(PACKAGE_ROOT, 'bin/proxyproof.js'), ...args], {
        cwd,
        encoding: 'utf8',
        timeout: 120_000,
      });
      const files = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))].map((u) => fileURLToPath(u));
      return { run, files, picomatch: files.filter((f) => PICOMATCH_SOURCE.test(readFileSync(f, 'utf8'))) };
    };

    const port = await freePort(); // closed again: nothing listens there
    const scan = filesOf(['scan', `https://127.0.0.1:${port}/`, '--no-progress', '--format', 'json', '--timeout', '5000']);
    // A refused entry: the scan ran to its first request and ended with its one-line error (modules all loaded).
    assert.equal(scan.run.status, 2, scan.run.stderr);
    assert.match(scan.run.stderr, /^proxyproof: https:\/\/127\.0\.0\.1:\d+\/: ECONNREFUSED/, scan.run.stderr);
    assert.ok(
      scan.files.some((f) => /\/dist\/(bundle\/engine-\w+|scan\/engine)\.js$/.test(f)),
      `the scan's engine was not among the loads:\n${scan.files.join('\n')}`,
    );
    assert.ok(
      scan.files.some(
        (f) => /\/dist\/(bundle\/chunk-\w+|settings\/ignore)\.js$/.test(f) && /proxyproof-ignore/.test(readFileSync(f, 'utf8')),
      ),
      'settings/ignore was not among the loads (the report is printed through it)',
    );
    assert.deepEqual(scan.picomatch, [], 'a scan without --include/--exclude loaded picomatch');

    // Trap (the checks above can fail): the same hooks see picomatch where it is used.
    writeFileSync(
      join(dir, 'nginx.conf'),
      'server {\n  listen 443 ssl;\n  location / { proxy_pass http://127.0.0.1:8000; }\n}\n',
    );
    const lint = filesOf(['lint', 'nginx.conf', '--no-config-file', '--format', 'json']);
    assert.notEqual(lint.run.status, 2, lint.run.stderr);
    assert.ok(lint.picomatch.length > 0, 'lint of an nginx config: picomatch not seen (nginx include globs use it)');
    // A .proxyproof.json ignore with a path: loaded on use (createRequire), and it still matches.
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'app.py'), 'SECURE_SSL_REDIRECT = True\n');
    writeFileSync(
      join(tree, '.proxyproof.json'),
      JSON.stringify({ minSeverity: 'info', ignore: [{ id: 'django/*', path: '*.py', reason: 'the LB redirects' }] }),
    );
    const ignored = filesOf(['lint', 'app.py', '--format', 'json'], tree);
    assert.notEqual(ignored.run.status, 2, ignored.run.stderr);
    const j = JSON.parse(ignored.run.stdout) as {
      findings: Array<{ id: string }>;
      suppressed: Array<{ id: string; by: string }>;
    };
    assert.ok(
      j.suppressed.some((s) => s.id.startsWith('django/') && s.by === 'config'),
      ignored.run.stdout,
    );
    assert.ok(!j.findings.some((f) => f.id.startsWith('django/')), ignored.run.stdout);
    assert.ok(ignored.picomatch.length > 0, 'a path ignore matched without picomatch?');
    // Trap: a path that names another file does not ignore (the glob is really matched).
    writeFileSync(
      join(tree, '.proxyproof.json'),
      JSON.stringify({ minSeverity: 'info', ignore: [{ id: 'django/*', path: 'other/*.py', reason: 'the LB redirects' }] }),
    );
    const other = JSON.parse(filesOf(['lint', 'app.py', '--format', 'json'], tree).run.stdout) as {
      findings: Array<{ id: string }>;
    };
    assert.ok(
      other.findings.some((f) => f.id.startsWith('django/')),
      JSON.stringify(other),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
