/**
 * A full garbage collection between two phases of one command, where what the first phase made is garbage.
 *
 * Why: V8 sizes the old generation's next limit from what is alive at its last full (mark-compact) collection, times
 * a growing factor of up to 4 that depends on how fast the collector was against the program (so on the machine's
 * load). The doctor's fix plan runs a second whole analysis after the first: without a collection at that boundary,
 * the last one happened mid-way through the first analysis and the second allocated up to that limit before the next,
 * so its peak memory at 10,000 nginx servers was 530-730 MB depending on the load (issue 10: under 500 MB). Collected
 * at the boundary, the second analysis starts from what the command keeps (the planning facts, a few MB).
 *
 * `gc` is not a global unless node runs with `--expose-gc`, a flag V8 reads when it makes a context: it is set at run
 * time (v8.setFlagsFromString), `gc` taken from a new context, and the flag cleared again so that no later context
 * (a template sandbox) gets it. If that fails (another engine, a renamed flag), nothing is collected and only the
 * memory differs.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined | null;

export function fullCollection(): void {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as unknown;
      setFlagsFromString('--no-expose-gc');
      collect = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      collect = null;
    }
  }
  collect?.();
}
