/**
 * src/code-cache.ts, the loader of the bundled scan's one CommonJS file (dist/bundle/scan.cjs) with its V8 code
 * cache: a cache is used only for the exact source it was made from and V8's current flags, and the file runs the
 * same with or without one. (test/cli/bundle.test.ts checks the built file and its cache through the real CLI.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type CodeCacheState, codeCacheFile } from '../../src/code-cache.js';
import { PACKAGE_ROOT } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'pp-code-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A CommonJS file whose functions a sample run compiles (what the build step's run puts in the cache). */
const source = (answer: number) => `'use strict';
const helper = require('./helper.cjs');
function work(n) { let s = 0; for (let i = 0; i < n; i++) s += helper.twice(i); return s; }
module.exports = { answer: () => ${answer}, work, file: __filename, dir: __dirname, esm: () => __import('./esm.mjs') };
`;
writeFileSync(join(dir, 'helper.cjs'), 'exports.twice = (x) => 2 * x;\n');
writeFileSync(join(dir, 'esm.mjs'), 'export const kind = "esm";\n');

/**
 * Loads (and with `write`, runs and writes the cache of) `file` in a fresh process: V8 keeps compiled scripts by
 * source in memory, so a second load in this process would not read the cache at all.
 */
function child(
  file: string,
  write = false,
): { cache: CodeCacheState; answer: number; work: number; file: string; dir: string; esm: string } {
  const code = `
    import { loadCommonJs, writeCodeCache } from ${JSON.stringify(pathToFileURL(join(PACKAGE_ROOT, 'src/code-cache.ts')).href)};
    const file = ${JSON.stringify(file)};
    const loaded = loadCommonJs(file);
    const m = loaded.exports;
    const out = { cache: loaded.cache, answer: m.answer(), work: m.work(4), file: m.file, dir: m.dir, esm: (await m.esm()).kind };
    if (${write}) writeCodeCache(file, loaded);
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: PACKAGE_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Writes `text` as file `name`, runs it once and writes its cache; returns the file's path. */
function cached(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  assert.equal(child(file, true).cache, 'none');
  return file;
}

describe('loadCommonJs', () => {
  const rows: Array<{ name: string; prepare(): string; cache: CodeCacheState; answer: number }> = [
    {
      name: 'no cache file: compiled from source',
      prepare: () => {
        writeFileSync(join(dir, 'a.cjs'), source(1));
        return join(dir, 'a.cjs');
      },
      cache: 'none',
      answer: 1,
    },
    { name: 'the cache of this source: used', prepare: () => cached('b.cjs', source(2)), cache: 'used', answer: 2 },
    {
      // Trap: the same length, so V8's own check (the source's length) would take the old code; the hash does not.
      name: 'an edit of the same length after the cache was written: stale, the new code runs',
      prepare: () => {
        const file = cached('c.cjs', source(3));
        writeFileSync(file, source(4));
        assert.equal(source(3).length, source(4).length);
        return file;
      },
      cache: 'stale',
      answer: 4,
    },
    {
      // V8's header after our 32-byte hash: magic number, then V8's version hash (a cache from another Node).
      name: 'a cache from another V8 (its version field changed; the source hash right): rejected by V8, compiled from source',
      prepare: () => {
        const file = cached('d.cjs', source(5));
        const data = readFileSync(codeCacheFile(file));
        data.writeUInt32LE((data.readUInt32LE(36) + 1) >>> 0, 36);
        writeFileSync(codeCacheFile(file), data);
        return file;
      },
      cache: 'rejected',
      answer: 5,
    },
    {
      name: 'a cache file too short to hold the hash: stale',
      prepare: () => {
        const file = join(dir, 'e.cjs');
        writeFileSync(file, source(6));
        writeFileSync(codeCacheFile(file), Buffer.alloc(8));
        return file;
      },
      cache: 'stale',
      answer: 6,
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const file = r.prepare();
      // Node's CommonJS wrapper: require from the file's folder, __filename and __dirname; __import for ES modules.
      assert.deepEqual(child(file), { cache: r.cache, answer: r.answer, work: 12, file, dir, esm: 'esm' });
    });

  it("names the cache by V8's version/flag tag", () => {
    assert.match(codeCacheFile('/x/scan.cjs'), /^\/x\/scan\.cjs\.[0-9a-f]+\.v8cache$/);
  });
});
