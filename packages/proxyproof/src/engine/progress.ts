/**
 * Progress of a long lint/doctor run on stderr (issue 10: 10,000 servers take seconds). Never on stdout, so
 * never inside a JSON or SARIF report. `auto` shows it only when stderr is a terminal and the output is text
 * (one line rewritten in place, cleared before the report is printed); `--progress` shows it anyway, as plain
 * lines on a pipe; `--no-progress` never. A stage that counts its work (routes simulated, checks run) passes
 * `done`/`total`: the line then says `12,000/20,000 (60%)`, redrawn at most ten times a second on a terminal.
 */

export type ProgressMode = 'auto' | 'on' | 'off';

export interface StageProgress {
  /** The stage now running ("reading 1,204 files", "chain: 10,000 hops"), and how far it is when it counts. */
  stage(text: string, done?: number, total?: number): void;
  /** Clears the line (terminal) before the report is written. */
  done(): void;
}

export const NO_PROGRESS: StageProgress = { stage() {}, done() {} };

export function stageProgress(
  mode: ProgressMode,
  format: string,
  stream: Pick<NodeJS.WriteStream, 'write' | 'isTTY'> = process.stderr,
  now: () => number = () => performance.now(),
): StageProgress {
  const tty = Boolean(stream.isTTY);
  if (mode === 'off' || (mode === 'auto' && (!tty || format !== 'text'))) return NO_PROGRESS;
  const start = now();
  const at = () => `${((now() - start) / 1000).toFixed(1)} s`;
  let shown = false;
  if (tty) {
    let lastText = '';
    let lastDraw = Number.NEGATIVE_INFINITY;
    return {
      stage(text, done, total) {
        // A new stage is drawn at once; the counts of the same stage at most every 100 ms (a write per route
        // of 20,000 would cost more than the route).
        const t = now();
        if (text === lastText && done !== undefined && done !== total && t - lastDraw < 100) return;
        lastText = text;
        lastDraw = t;
        stream.write(`\r\x1b[2Kproxyproof: ${text}${counted(done, total)} (${at()})`);
        shown = true;
      },
      done() {
        if (shown) stream.write('\r\x1b[2K');
        shown = false;
      },
    };
  }
  // On a pipe, one line per kind of stage (the part before ':') at most once a second.
  let lastKind = '';
  let lastAt = Number.NEGATIVE_INFINITY;
  return {
    stage(text, done, total) {
      const kind = text.split(':')[0] ?? text;
      const t = now();
      if (kind === lastKind && t - lastAt < 1000) return;
      lastKind = kind;
      lastAt = t;
      stream.write(`proxyproof: ${text}${counted(done, total)} (${at()})\n`);
    },
    done() {},
  };
}

/** ` 12,000/20,000 (60%)`, or nothing for a stage that does not count. */
function counted(done: number | undefined, total: number | undefined): string {
  if (done === undefined || total === undefined || total <= 0) return '';
  return ` ${count(done)}/${count(total)} (${Math.floor((100 * Math.min(done, total)) / total)}%)`;
}

/** `12,345`: counts as the progress lines say them (not toLocaleString: loading ICU data costs start-up). */
export function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
