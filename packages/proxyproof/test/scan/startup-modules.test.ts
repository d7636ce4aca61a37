/**
 * What a scan loads at start-up (issue 11: the CLI's start-up is on the crawl's critical path, before the first
 * request). picomatch is needed by a scan only for --include/--exclude and by every command only for a
 * `.proxyproof.json` ignore that names a path; settings/ignore.ts, which every command loads to print its report,
 * loaded it with itself (a few ms of the scan's main thread before its first request). Seen both ways a module may
 * come (test/module-loads.ts): an ESM load hook (the bundle's chunks) and the CommonJS cache at exit (createRequire).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { moduleLoadLog } from '../module-loads.js';
import { freePort } from '../real-program.js';

/** A name only picomatch's own source holds (lib/constants.js, lib/parse.js), bundled into a chunk or not. */
const PICOMATCH_SOURCE = /POSIX_REGEX_SOURCE/;

test('a scan starts without picomatch; lint of an nginx config and a path ignore still load it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-scan-loads-'));
  try {
    const { loadsOf } = moduleLoadLog(dir);
    const filesOf = (args: string[], cwd = dir) => {
      const { run, files } = loadsOf(args, cwd);
      return { run, files, picomatch: files.filter((f) => PICOMATCH_SOURCE.test(readFileSync(f, 'utf8'))) };
    };

    const port = await freePort(); // closed again: nothing listens there
    const scan = filesOf(['scan', `https://127.0.0.1:${port}/`, '--no-progress', '--format', 'json', '--timeout', '5000']);
    // A refused entry: the scan ran to its first request and ended with its one-line error (modules all loaded).
    assert.equal(scan.run.status, 2, scan.run.stderr);
    assert.match(scan.run.stderr, /^proxyproof: https:\/\/127\.0\.0\.1:\d+\/: ECONNREFUSED/, scan.run.stderr);
    assert.ok(
      scan.files.some((f) => /\/dist\/(bundle\/engine-\w+\.js|scan\/engine\.js|bundle\/scan\.cjs)$/.test(f)),
      `the scan's engine was not among the loads:\n${scan.files.join('\n')}`,
    );
    assert.ok(
      scan.files.some(
        (f) =>
          /\/dist\/(bundle\/chunk-\w+\.js|settings\/ignore\.js|bundle\/scan\.cjs)$/.test(f) &&
          /proxyproof-ignore/.test(readFileSync(f, 'utf8')),
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
