/**
 * V8's interrupt budget (the bytecode a function runs before its next tier-up check), set 16x its default of
 * 67,584 for a command's process (and the worker threads it starts afterwards), before the command's code runs.
 * Every command is a short process: at the default, TurboFan compiles hundreds of warm functions on V8's background
 * threads for code that hardly runs afterwards, and on a shared 2-core machine that CPU is the command's too.
 * - `scan` (round 7): TurboFan was about a quarter of a 500-page scan's CPU (`perf record -e cpu-clock`); total CPU
 *   median 1.94 s -> 1.46 s; 8x and 4x gave less, 32x slowed the HTML parser.
 * - `lint`/`doctor` (round 8): the plain 10,000-server lint, alternating runs, CPU about -15% (bench/RESULTS.md,
 *   r8i10cpu); 32x gave the same, 64x and `--no-opt` more.
 * JavaScript semantics are untouched (only when code is optimised). PROXYPROOF_V8_TIERING=default keeps V8's
 * default, to measure both.
 *
 * Its price, and why `scan` sets it late (r14i11): Node compiles its own built-in modules (tls, zlib, worker_threads,
 * the worker thread's whole bootstrap...) from a code cache made with V8's default flags, and V8 rejects that cache
 * once any flag was changed (the cache records a hash of the flags), so every built-in loaded after this call is
 * compiled from source. Measured on Node 20 (CPU, 3 runs each): requiring tls, https, zlib, worker_threads, crypto,
 * stream/web and dns 8-9 ms -> 22-27 ms; starting an empty worker thread 37-39 ms -> 71-73 ms. (The same is why a
 * V8 flag on the command line cost a scan ~100 ms.) So `scan` calls this only when its modules are loaded and its
 * parse worker was started (scan/engine.ts collectScanFacts), not before the CLI loads; the other commands start no
 * worker and load few built-ins after it.
 */
import { setFlagsFromString } from 'node:v8';

export const LATE_INTERRUPT_BUDGET = 16 * 67_584;

export function lateTierUp(): void {
  if (process.env.PROXYPROOF_V8_TIERING === 'default') return;
  setFlagsFromString(`--interrupt-budget=${LATE_INTERRUPT_BUDGET}`);
}
