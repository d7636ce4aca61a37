// Shared by the proof-loop tests: the fixed variant a scenario tests, rendered with a running scenario's variables,
// to compare with what `fix --write` wrote.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { FixRun } from '../../packages/proxyproof/src/commands/fix.js';
import { renderText } from '../src/render.js';
import { APPS_DIR, SCENARIOS_DIR } from '../src/scenarios.js';
import type { RunningScenario } from '../src/types.js';

/**
 * A file of a scenario variant rendered with the running scenario's own variables (addresses, ports, dirs):
 * the variant's file, else the scenario's, else the framework app's (`app/...` from lab/apps/<app>).
 */
export function variantFile(sc: RunningScenario, variant: string, file: string): string {
  const folder = join(SCENARIOS_DIR, sc.def.id);
  const candidates = [join(folder, 'variants', variant, file), join(folder, file)];
  if (sc.def.app && file.startsWith('app/')) candidates.push(join(APPS_DIR, sc.def.app, file.slice(4)));
  const src = candidates.find((c) => existsSync(c));
  assert.ok(src, `no template for ${file} in ${candidates.join(', ')}`);
  return renderText(readFileSync(src, 'utf8'), sc.vars, src);
}

/** The file without its whole-line comments: the variant's comment says why it is right, the patch adds no comment. */
export function withoutComments(text: string): string {
  return text
    .replace(/<!--[\s\S]*?-->\n?/g, '')
    .split('\n')
    .filter((l) => !/^\s*(?:#|\/\/)/.test(l))
    .join('\n');
}

/**
 * `fix --write` wrote something, refused and undid nothing, wrote exactly `written` (relative to the rendered dir),
 * and each of `asVariant` is now the scenario's `fixed` variant (comments aside). Returns the diffs, for messages.
 */
export function assertWroteVariant(
  sc: RunningScenario,
  run: FixRun,
  written: string[],
  fixed: string,
  asVariant: string[] = written,
): string {
  const diffs = run.plan.patches.map((p) => p.diff).join('');
  assert.ok(run.written.length > 0, `nothing written; advice: ${JSON.stringify(run.plan.advice)}`);
  for (const w of run.written) assert.equal(w.status, 'written', `${w.file}: ${w.reason ?? ''} ${w.validation?.output ?? ''}`);
  assert.deepEqual(
    run.written.map((w) => relative(sc.dir, resolve(sc.dir, w.file))).sort(),
    [...written].sort(),
    `written files\n${diffs}`,
  );
  for (const f of asVariant)
    assert.equal(
      withoutComments(readFileSync(join(sc.dir, f), 'utf8')),
      withoutComments(variantFile(sc, fixed, f)),
      `${f} = :${fixed}\n${diffs}`,
    );
  return diffs;
}
