/**
 * Named deployment trees in one temporary folder per test file, removed after the file's tests: `tree(name, files)`
 * writes `files` (paths relative, folders made) under `<tmp>/<name>` and returns that folder. For tests that keep
 * several trees side by side (a broken and a fixed variant, a doctor run and a fix of the same files).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';

export function scratchTrees(prefix: string): (name: string, files: Record<string, string>) => string {
  const base = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(base, { recursive: true, force: true }));
  return (name, files) => {
    const dir = join(base, name);
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
    return dir;
  };
}
