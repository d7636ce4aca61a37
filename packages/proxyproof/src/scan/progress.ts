/** Progress on stderr: a cli-progress bar on a TTY, plain lines otherwise (one per second at most). */
import { createRequire } from 'node:module';
import type cliProgressType from 'cli-progress';

export interface Progress {
  page(done: number, queued: number, findingsSoFar: number): void;
  stop(): void;
}

export function createProgress(mode: 'auto' | 'off', stream: NodeJS.WriteStream = process.stderr): Progress {
  if (mode === 'off') return { page() {}, stop() {} };
  const started = Date.now();
  const rate = (done: number) => (done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1);
  if (stream.isTTY) {
    // Loaded for a terminal only (CommonJS, several files: a cost for every scan's start-up otherwise).
    const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof cliProgressType;
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'scan [{bar}] {value}/{total} pages | {findings} insecure URLs | {rate} pages/s',
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    let begun = false;
    return {
      page(done, queued, findings) {
        const total = done + queued;
        if (!begun) {
          bar.start(total, done, { findings, rate: rate(done) });
          begun = true;
        } else {
          bar.setTotal(total);
          bar.update(done, { findings, rate: rate(done) });
        }
      },
      stop() {
        if (begun) bar.stop();
      },
    };
  }
  let last = 0;
  let lastDone = 0;
  return {
    page(done, queued, findings) {
      lastDone = done;
      const now = Date.now();
      if (now - last < 1000 && done !== 1) return;
      last = now;
      stream.write(`scan: ${done} pages done, ${queued} queued, ${findings} insecure URLs, ${rate(done)} pages/s\n`);
    },
    stop() {
      if (lastDone > 0) stream.write(`scan: finished ${lastDone} pages in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    },
  };
}
