/**
 * Walks the paths given on the command line once and lists candidate files for the collectors.
 * Bounded: skips VCS/dependency folders, does not follow directory symlinks, stops at MAX_FILES.
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { DiscoveredFile, NotRead } from '../model/collector.js';
import { InputError } from '../model/finding.js';

export const MAX_FILES = 20_000;
/** Files above this size are listed as too large rather than read (model/limits.ts). */
export { MAX_FILE_BYTES } from '../model/limits.js';
/**
 * Backups and leftovers of editors, package managers and `proxyproof fix --write`: never the live config
 * (nginx's `include sites-enabled/*` would load them, which is why fix hides its backups there).
 */
export const BACKUP_FILE = /(\.orig(\.\d+)?|\.bak|~|\.rej|\.dpkg-(old|dist|new|bak|tmp)|\.ucf-(old|dist|new))$/;
export const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache']);
/** Build output: its bundled code is not the app's source, but a `dist/nginx.conf` (Mastodon) is a real config. */
const BUILD_DIRS = new Set(['dist']);
const BUILD_OUTPUT = /\.(?:[cm]?js|map|d\.ts|css|html?|wasm)$/i;

export type { DiscoveredFile } from '../model/collector.js';

function specialKind(st: { isFIFO(): boolean; isSocket(): boolean }): string {
  return st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device';
}

export function displayPath(abs: string, cwd = process.cwd()): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

/**
 * `skipped` collects what was left out on the way (an unreadable subfolder, such as a database volume owned
 * by another user): a note, not a failure. An unreadable path given on the command line is an InputError.
 */
export function discover(paths: string[], cwd = process.cwd(), skipped?: NotRead[]): DiscoveredFile[] {
  const out: DiscoveredFile[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(abs);
    } catch {
      throw new InputError('no such file or directory', p);
    }
    if (st.isFile()) {
      if (!seen.has(abs)) {
        seen.add(abs);
        out.push({ abs, display: displayPath(abs, cwd), explicit: true, root: resolve(abs, '..'), size: st.size });
      }
      continue;
    }
    if (!st.isDirectory()) throw new InputError(`not a regular file or directory (${specialKind(st)})`, p);
    const stack = [abs];
    const buildDirs = new Set<string>();
    while (stack.length > 0) {
      const dir = stack.pop() as string;
      const inBuild = buildDirs.has(dir);
      let entries: string[];
      try {
        entries = readdirSync(dir).sort();
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const why = err.code === 'EACCES' ? 'permission denied' : err.message;
        if (dir === abs || !skipped) throw new InputError(`cannot read directory: ${why}`, displayPath(dir, cwd));
        skipped.push({ file: `${displayPath(dir, cwd)}/`, reason: `folder skipped: ${why}` });
        continue;
      }
      const subdirs: string[] = [];
      for (const name of entries) {
        const full = join(dir, name);
        let lst: ReturnType<typeof lstatSync>;
        try {
          lst = lstatSync(full);
        } catch {
          continue;
        }
        if (lst.isDirectory()) {
          if (!SKIP_DIRS.has(name)) subdirs.push(full);
          if (inBuild || BUILD_DIRS.has(name)) buildDirs.add(full);
          continue;
        }
        if (inBuild && BUILD_OUTPUT.test(name)) continue;
        let fst = lst;
        if (lst.isSymbolicLink()) {
          // sites-enabled/* are usually symlinks to sites-available: follow file links only.
          try {
            fst = statSync(full);
          } catch {
            continue;
          }
          if (!fst.isFile()) {
            // A link to a FIFO or a device: never opened (a read could block for ever), but said.
            if (skipped && !fst.isDirectory() && !fst.isSocket())
              skipped.push({ file: displayPath(full, cwd), reason: `not a regular file (${specialKind(fst)}): not read` });
            continue;
          }
        } else if (!lst.isFile()) {
          // A socket (gunicorn.sock beside the code) is an endpoint, not material; a FIFO or device is said.
          if (skipped && !lst.isSocket())
            skipped.push({ file: displayPath(full, cwd), reason: `not a regular file (${specialKind(lst)}): not read` });
          continue;
        }
        if (BACKUP_FILE.test(name)) continue;
        const real = full;
        if (seen.has(real)) continue;
        seen.add(real);
        out.push({ abs: real, display: displayPath(real, cwd), explicit: false, root: abs, size: fst.size });
        if (out.length > MAX_FILES) throw new InputError(`more than ${MAX_FILES} files; name a smaller folder`, p);
      }
      stack.push(...subdirs.reverse());
    }
  }
  return out;
}
