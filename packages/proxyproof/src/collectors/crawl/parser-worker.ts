/**
 * Site-fed parsing off the main thread, where a deadline can stop it. A parser can run for ever on hostile
 * input (css-tree 3.2.1 did, on a sequence of stylesheets), and a synchronous parse cannot be interrupted by a
 * timer on the thread that runs it. So HTML and linked CSS are parsed in one worker thread, reused across
 * documents (the common case pays one start-up), one document at a time; a document that takes longer than the
 * per-document timeout, or runs past the scan's deadline, gets the worker terminated (a hard kill) and is
 * reported, and the next document starts a fresh worker. The worker's heap is capped, so one document cannot
 * take the process's memory either.
 */
import { Worker } from 'node:worker_threads';
import type { HtmlExtract, RawRef } from './extract.js';

export type ParseJob = { id: number; kind: 'html' | 'css'; text: string; url: string };
export type ParseReply =
  | { id: number; ok: true; html?: HtmlExtract; refs?: RawRef[] }
  | { id: number; ok: false; message: string };

/** The outcome of one document: its parse, or why there is none. */
export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; reason: 'timeout' | 'deadline' | 'crashed'; message: string };

export interface ParserWorkerOptions {
  /** Per document, ms (default 10,000). */
  timeoutMs?: number;
  /** Absolute time (Date.now()) after which no parse runs: the scan's total time. */
  deadline?: number;
  /** Heap cap of the worker, MB (default 512). */
  maxHeapMb?: number;
}

interface Pending {
  job: ParseJob;
  resolve: (r: ParseOutcome<HtmlExtract | RawRef[]>) => void;
}

// Built, the worker is parse-worker.js beside this file. Under tsx (the tests run the sources) it is .ts, and a
// worker thread does not inherit tsx's loader: a two-line bootstrap registers it first.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './parse-worker.ts' : './parse-worker.js', import.meta.url);
const TSX_BOOTSTRAP = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;

/** The worker's start-up (loading the parsers), bounded apart from the per-document time. */
const STARTUP_MS = 60_000;

export class ParserWorker {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private closed = false;
  private ready = false;
  /** Documents parsed, timed out, and workers started (tests bound the work with these counts). */
  readonly stats = { parsed: 0, timedOut: 0, crashed: 0, workersStarted: 0 };
  readonly timeoutMs: number;

  constructor(private readonly opts: ParserWorkerOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  html(text: string, url: string): Promise<ParseOutcome<HtmlExtract>> {
    return this.run({ id: ++this.seq, kind: 'html', text, url }) as Promise<ParseOutcome<HtmlExtract>>;
  }

  css(text: string, url: string): Promise<ParseOutcome<RawRef[]>> {
    return this.run({ id: ++this.seq, kind: 'css', text, url }) as Promise<ParseOutcome<RawRef[]>>;
  }

  /** Ends the worker; queued documents are answered with `deadline`. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const w = this.worker;
    this.worker = undefined;
    this.fail(this.current, 'deadline');
    this.current = undefined;
    for (const p of this.queue.splice(0)) this.fail(p, 'deadline');
    if (w) await w.terminate();
  }

  private run(job: ParseJob): Promise<ParseOutcome<HtmlExtract | RawRef[]>> {
    return new Promise((resolve) => {
      const p = { job, resolve };
      if (this.closed || this.pastDeadline()) {
        this.fail(p, 'deadline');
        return;
      }
      this.queue.push(p);
      this.next();
    });
  }

  private pastDeadline(): boolean {
    return this.opts.deadline !== undefined && Date.now() >= this.opts.deadline;
  }

  private fail(p: Pending | undefined, reason: 'timeout' | 'deadline' | 'crashed', detail?: string): void {
    if (!p) return;
    const what = p.job.kind === 'css' ? 'CSS' : 'HTML';
    const secs = this.timeoutMs / 1000;
    const message =
      reason === 'timeout'
        ? `${what} at ${p.job.url} not parsed within ${secs} s (the parser was stopped; the scan went on)`
        : reason === 'deadline'
          ? `${what} at ${p.job.url} not parsed: total scan time reached`
          : `${what} at ${p.job.url} not parsed: the parser stopped (${detail ?? 'worker exited'})`;
    p.resolve({ ok: false, reason, message });
  }

  private start(): Worker {
    const w = new Worker(FROM_SOURCE ? TSX_BOOTSTRAP : WORKER_URL, {
      eval: FROM_SOURCE,
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? 512 },
      stdout: false,
      stderr: false,
    });
    this.ready = false;
    this.stats.workersStarted++;
    w.on('message', (r: ParseReply | { ready: true }) => {
      if (w !== this.worker) return;
      if ('ready' in r) {
        // Loaded: a document waiting for the start-up gets its own full time from now.
        this.ready = true;
        if (this.timer) clearTimeout(this.timer);
        if (this.current) this.dispatch(this.current);
        return;
      }
      const p = this.current;
      if (!p || p.job.id !== r.id) return;
      if (this.timer) clearTimeout(this.timer);
      this.current = undefined;
      this.stats.parsed++;
      if (r.ok) p.resolve({ ok: true, value: (r.html ?? r.refs ?? []) as HtmlExtract | RawRef[] });
      else
        p.resolve({
          ok: false,
          reason: 'crashed',
          message: `${p.job.kind === 'css' ? 'CSS' : 'HTML'} at ${p.job.url} not parsed: ${r.message}`,
        });
      this.next();
    });
    const gone = (detail: string) => {
      if (w !== this.worker) return;
      // Out of memory (the heap cap) or a crash: the document in hand is reported, the next gets a new worker.
      this.worker = undefined;
      if (this.timer) clearTimeout(this.timer);
      const p = this.current;
      this.current = undefined;
      if (p) {
        this.stats.crashed++;
        this.fail(p, 'crashed', detail);
      }
      this.next();
    };
    w.on('error', (e) => gone(e.message));
    w.on('exit', (code) => gone(`exit code ${code}`));
    return w;
  }

  /** Starts the worker ahead of the first document (its start-up overlaps the first fetch). */
  warm(): void {
    if (this.closed || this.worker) return;
    this.worker = this.start();
    this.idle();
  }

  private next(): void {
    if (this.current || this.closed) {
      this.idle();
      return;
    }
    const p = this.queue.shift();
    if (!p) {
      this.idle();
      return;
    }
    if (this.pastDeadline()) {
      this.fail(p, 'deadline');
      this.next();
      return;
    }
    this.worker ??= this.start();
    this.worker.ref();
    this.current = p;
    if (this.ready) this.dispatch(p);
    else this.arm(p, true); // the start-up is bounded too (generously: a loaded machine can take seconds)
  }

  private dispatch(p: Pending): void {
    this.arm(p);
    this.worker?.postMessage(p.job);
  }

  /** The per-document timer (or the scan's deadline, when sooner): on expiry, a hard kill of the worker. */
  private arm(p: Pending, startup = false): void {
    if (this.timer) clearTimeout(this.timer);
    const limit = startup ? Math.max(this.timeoutMs, STARTUP_MS) : this.timeoutMs;
    const left = this.opts.deadline === undefined ? limit : Math.min(limit, this.opts.deadline - Date.now());
    const reason: 'timeout' | 'deadline' | 'crashed' = left < limit ? 'deadline' : startup ? 'crashed' : 'timeout';
    this.timer = setTimeout(
      () => {
        if (this.current !== p) return;
        // The only way to stop a synchronous parse on another thread.
        const w = this.worker;
        this.worker = undefined;
        this.current = undefined;
        if (reason === 'timeout') this.stats.timedOut++;
        this.fail(p, reason, `it did not start within ${limit / 1000} s`);
        void w?.terminate();
        this.next();
      },
      Math.max(0, left),
    );
  }

  /** An idle worker does not keep the process alive. */
  private idle(): void {
    if (!this.current) this.worker?.unref();
  }
}
