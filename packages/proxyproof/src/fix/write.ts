/**
 * `fix --write`: applies the patches of a FixPlan, each file only after a backup, never a read-only
 * file or one that changed since it was read, and checks the result with the program that reads it
 * (nginx -t on the patched tree, caddy validate, haproxy -c, apache2ctl -t, Python's parser...). A change
 * the program rejects is undone from the backup.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { NginxDirective } from '../collectors/nginx/ast.js';
import type { Facts } from '../model/facts.js';
import { globToRegExp } from '../model/glob.js';
import type { FilePatch, FixPlan } from './plan.js';
import { checkerFor, reloadCommand, type Validation } from './programs.js';

export interface WriteResult {
  file: string;
  status: 'written' | 'aborted' | 'restored';
  /** Why it was not written, or why it was undone. */
  reason?: string;
  backup?: string;
  validation?: Validation;
  reload?: string;
}

export interface WriteOptions {
  /** Keep backups under this folder (the file's absolute path below it) instead of `<file>.orig`. */
  backupDir?: string;
  cwd?: string;
}

/** nginx include globs of the linted trees, as absolute patterns (relative ones resolve against the main file's folder). */
function includeGlobs(facts: Facts, cwd: string): RegExp[] {
  const out: RegExp[] = [];
  const walk = (ds: NginxDirective[], base: string) => {
    for (const d of ds) {
      const arg = d.args[0];
      if (d.directive === 'include' && arg && /[*?[]/.test(arg)) out.push(globToRegExp(resolve(base, arg)));
      if (d.block) walk(d.block, base);
    }
  };
  for (const tree of facts.nginx.configs) {
    const main = tree.config[0];
    if (!main) continue;
    const base = dirname(main.abs ?? resolve(cwd, main.file));
    for (const f of tree.config) walk(f.parsed, base);
  }
  return out;
}

function backupPath(abs: string, opts: WriteOptions, globs: RegExp[]): string {
  let base = opts.backupDir ? join(resolve(opts.cwd ?? process.cwd(), opts.backupDir), abs.replace(/^\/+/, '')) : `${abs}.orig`;
  // `include sites-enabled/*;` would load `site.orig` as a second copy of the site: there the backup is a
  // dot-file, which nginx's glob skips.
  if (!opts.backupDir && globs.some((g) => g.test(base))) base = join(dirname(abs), `.${basename(abs)}.orig`);
  // Never overwrite an earlier backup: it may be the only copy of the true original.
  let p = base;
  for (let i = 1; existsSync(p) || globs.some((g) => g.test(p)); i++) p = `${base}.${i}`;
  return p;
}

/** Why this file must not be written now, or undefined. */
function preflight(p: FilePatch): string | undefined {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(p.abs);
  } catch (e) {
    return `cannot stat ${p.file}: ${(e as Error).message}`;
  }
  // Mode bits, not access(): root may write anything, but a file marked read-only is meant to stay as it is.
  if ((Number(st.mode) & 0o222) === 0) return `${p.file} is read-only: not changed`;
  let raw: Buffer;
  try {
    raw = readFileSync(p.abs);
  } catch (e) {
    return `cannot read ${p.file}: ${(e as Error).message}`;
  }
  if (!raw.equals(Buffer.from(p.original, 'utf8'))) return `${p.file} changed since it was read: not changed (run fix again)`;
  return undefined;
}

export function writePlan(plan: FixPlan, facts: Facts, opts: WriteOptions = {}): WriteResult[] {
  const cwd = opts.cwd ?? process.cwd();
  const results: WriteResult[] = [];
  const globs = includeGlobs(facts, cwd);
  // One program check per unit: every nginx file of one tree is checked together with `nginx -t`.
  const units = new Map<string, FilePatch[]>();
  for (const p of plan.patches) {
    const checker = checkerFor(p.program, p.abs, facts, cwd);
    const key = checker ? `${p.program}:${checker.command}` : `file:${p.abs}`;
    units.set(key, [...(units.get(key) ?? []), p]);
  }
  for (const patches of units.values()) {
    const ready: FilePatch[] = [];
    for (const p of patches) {
      const why = preflight(p);
      if (why) results.push({ file: p.file, status: 'aborted', reason: why });
      else ready.push(p);
    }
    if (ready.length === 0) continue;
    const first = ready[0] as FilePatch;
    const checker = checkerFor(first.program, first.abs, facts, cwd);
    const before = checker?.run();
    const written: Array<{ p: FilePatch; backup: string }> = [];
    let failure: string | undefined;
    for (const p of ready) {
      const backup = backupPath(p.abs, opts, globs);
      try {
        mkdirSync(dirname(backup), { recursive: true });
        copyFileSync(p.abs, backup);
      } catch (e) {
        failure = `cannot write the backup ${backup}: ${(e as Error).message}`;
        break;
      }
      try {
        writeFileSync(p.abs, p.updated);
        written.push({ p, backup });
      } catch (e) {
        rmSync(backup, { force: true });
        failure = `cannot write ${p.file}: ${(e as Error).message}`;
        break;
      }
    }
    const undo = () => {
      for (const w of written) {
        copyFileSync(w.backup, w.p.abs);
        rmSync(w.backup, { force: true });
      }
    };
    if (failure) {
      undo();
      for (const p of ready) results.push({ file: p.file, status: 'aborted', reason: failure });
      continue;
    }
    let validation: Validation = { status: 'skipped' };
    if (checker && before) {
      if (!before.ok) {
        validation = {
          status: 'skipped',
          command: checker.command,
          output: `not used: it fails on the original files too (${before.output.split('\n')[0] ?? ''})`,
        };
      } else {
        const after = checker.run();
        validation = { status: after.ok ? 'ok' : 'rejected', command: checker.command, output: after.output };
      }
    }
    if (validation.status === 'rejected') {
      undo();
      for (const w of written)
        results.push({
          file: w.p.file,
          status: 'restored',
          reason: `${validation.command} rejected the patched file; the original is back`,
          validation,
        });
      continue;
    }
    for (const w of written)
      results.push({
        file: w.p.file,
        status: 'written',
        backup: w.backup,
        validation,
        reload: reloadCommand(w.p.program, w.p.abs, facts, cwd),
      });
  }
  return results;
}
