// What scripts/realworld.mjs (the score) and scripts/realworld-fix.mjs (the fix loop) both start with: their
// options, the corpus's cases, and how a finding's locations are read (evidence and fix lines, paths normalised),
// so that the two agree on what "reported at this line" means.
import { existsSync, readdirSync } from 'node:fs';
import { join, normalize, resolve } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;
export const RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** `--corpus DIR` (default ../shared/realworld), `--only SUBSTR`, `--verbose`, and the value of any other option. */
export function realworldOptions(argv = process.argv.slice(2)) {
  const opt = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    args: argv,
    opt,
    corpus: resolve(opt('--corpus') ?? join(ROOT, '..', 'shared', 'realworld')),
    only: opt('--only'),
    verbose: argv.includes('--verbose'),
  };
}

/** The cases (folders with an expect.json) whose name contains `only`, sorted. */
export function realworldCases(corpus, only) {
  return readdirSync(corpus)
    .filter((n) => existsSync(join(corpus, n, 'expect.json')))
    .filter((n) => !only || n.includes(only))
    .sort();
}

export const norm = (f) => normalize(String(f)).replace(/^\.\//, '');

/** Every file:line a finding points at: its evidence and its fix. */
export function locations(f) {
  const out = [];
  for (const e of f.evidence ?? []) if (e.file && Number.isFinite(e.line)) out.push({ file: norm(e.file), line: e.line });
  if (f.fix?.file && Number.isFinite(f.fix.line)) out.push({ file: norm(f.fix.file), line: f.fix.line });
  return out;
}
