/**
 * Site-fed parsing off the main thread, where a deadline can stop it. A parser can run for ever on hostile
 * input (css-tree 3.2.1 did, on a sequence of stylesheets), and a synchronous parse cannot be interrupted by a
 * timer on the thread that runs it. So HTML and linked CSS are parsed in one worker thread, reused across
 * documents (the common case pays one start-up), one document at a time in the order sent; a document that takes
 * longer than the per-document timeout, or runs past the scan's deadline, gets the worker terminated (a hard
 * kill) and is reported, and the documents sent after it go to a fresh worker. The worker's heap is capped, so
 * one document cannot take the process's memory either.
 *
 * Up to PIPELINE documents are in the worker's hands at once: the worker starts the next as soon as it answers
 * one, without waiting for this thread to be scheduled and send it (on a busy machine each such wake-up costs
 * milliseconds, and one at a time they were paid twice per document, in series). The timer of a document starts
 * when it becomes the oldest one in the worker (when the answer to the one before arrives here), so it never
 * gets less than its time.
 */
import { Worker } from 'node:worker_threads';
import { BUNDLED } from '../../bundled.js';
import type { HtmlExtract, RawRef } from './extract.js';
import type { BodyEncoding } from './wire.js';

/**
 * An HTML page's body as it came over the wire: the worker decompresses it (at most maxBytes) and decodes it by
 * the Content-Type's charset (page.ts decodeBody), the work the crawler's main thread did for every page.
 */
export interface WireBody {
  /** Its own exact-size buffer (a view into undici's larger one would clone all of that). */
  bytes: Uint8Array;
  encoding?: BodyEncoding;
  contentType?: string;
  maxBytes: number;
}

export type ParseJob =
  | { id: number; kind: 'html' | 'css'; text: string; url: string }
  | { id: number; kind: 'html-wire'; body: WireBody; url: string };
/** `refs` and `html.refs`: the http:// and ws:// references only (page.ts mayBeInsecure), the ones the crawler reads. */
export type ParseReply =
  | { id: number; ok: true; html?: HtmlExtract; refs?: RawRef[]; invalidUtf8?: boolean }
  | { id: number; ok: false; message: string; wire?: 'too-large' | 'undecodable' };

/** A page parsed from its wire body: the extract, and whether its bytes were invalid UTF-8. */
export interface WireHtml {
  html: HtmlExtract;
  invalidUtf8: boolean;
}

/**
 * The outcome of one document: its parse, or why there is none. `too-large` (the decompressed body is over
 * maxBytes: the caller streams its prefix) and `undecodable` (`message` is zlib's) concern wire bodies only.
 */
export type ParseOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; reason: 'timeout' | 'deadline' | 'crashed' | 'too-large' | 'undecodable'; message: string };

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
  resolve: (r: ParseOutcome<HtmlExtract | RawRef[] | WireHtml>) => void;
}

// Built by tsc, the worker is parse-worker.js beside this file. In the bundled CLI it is the one-file
// dist/bundle/parse-worker.js (its thread then loads one module instead of about 125: scripts/bundle.mjs); this
// module's import.meta.url there is still its tsc file's (dist/collectors/crawl/parser-worker.js). Under tsx (the
// tests run the sources) it is .ts, and a worker thread does not inherit tsx's loader: a two-line bootstrap
// registers it first.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(
  FROM_SOURCE ? './parse-worker.ts' : BUNDLED ? '../../bundle/parse-worker.js' : './parse-worker.js',
  import.meta.url,
);
const TSX_BOOTSTRAP = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;

/** The worker's start-up (loading the parsers), bounded apart from the per-document time. */
const STARTUP_MS = 60_000;
/** Documents handed to the worker at once (it parses them in order). */
export const PIPELINE = 8;

function newWorker(maxHeapMb: number): Worker {
  return new Worker(FROM_SOURCE ? TSX_BOOTSTRAP : WORKER_URL, {
    eval: FROM_SOURCE,
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
    stdout: false,
    stderr: false,
  });
}

const DEFAULT_HEAP_MB = 512;

const kindName = (job: ParseJob) => (job.kind === 'css' ? 'CSS' : 'HTML');

/** A worker started ahead of any ParserWorker (prewarm), waiting to be adopted by the first one. */
let prewarmed: { worker: Worker; ready: boolean; gone: boolean; detach(): void } | undefined;

/**
 * Starts the parser worker's thread now, before the scan's own modules load: its start-up (a Node environment
 * and the parsers, a few hundred ms of CPU) then runs on the other core while this thread loads, instead of after
 * it, when the first page is already waiting for it. The first ParserWorker adopts it; unadopted, it does not
 * keep the process alive. The CLI's `scan` calls this first.
 */
export function prewarmParserWorker(started?: Worker): void {
  if (prewarmed) return;
  const worker = started ?? newWorker(DEFAULT_HEAP_MB);
  const pw = {
    worker,
    ready: false,
    gone: false,
    detach() {
      worker.off('message', onMessage);
      worker.off('error', onGone);
      worker.off('exit', onGone);
    },
  };
  const onMessage = (m: unknown) => {
    if ((m as { ready?: boolean })?.ready) pw.ready = true;
  };
  const onGone = () => {
    pw.gone = true;
  };
  worker.on('message', onMessage);
  worker.on('error', onGone);
  worker.on('exit', onGone);
  worker.unref();
  prewarmed = pw;
}

/**
 * The worker's thread for prewarmParserWorker(started), started by one who cannot call it yet: bin.ts starts it
 * before it loads the bundled scan's file (scan-cjs.ts), whose own copy of this module then adopts it. It must be
 * handed over in the same synchronous run (before the event loop delivers the worker's first message).
 */
export const startParseWorker = (): Worker => newWorker(DEFAULT_HEAP_MB);

/** The prewarmed worker, once, if it is alive and has the heap cap asked for. */
function adoptPrewarmed(maxHeapMb: number): { worker: Worker; ready: boolean } | undefined {
  const pw = prewarmed;
  if (!pw || pw.gone || maxHeapMb !== DEFAULT_HEAP_MB) return undefined;
  prewarmed = undefined;
  pw.detach();
  return { worker: pw.worker, ready: pw.ready };
}

export class ParserWorker {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  /** Sent to the worker, oldest first: the first is being parsed (its timer runs), the others wait there. */
  private readonly inWorker: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The document the timer is for. */
  private armedFor: Pending | undefined;
  private seq = 0;
  private closed = false;
  private ready = false;
  /** Documents parsed, timed out, and workers started (tests bound the work with these counts). */
  readonly stats = { parsed: 0, timedOut: 0, crashed: 0, workersStarted: 0, prewarmedUsed: 0 };
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

  /** An HTML page from its wire body (compressed or not): decompressed, decoded and parsed in the worker. */
  htmlWire(body: WireBody, url: string): Promise<ParseOutcome<WireHtml>> {
    return this.run({ id: ++this.seq, kind: 'html-wire', body, url }) as Promise<ParseOutcome<WireHtml>>;
  }

  /** Ends the worker; queued documents are answered with `deadline`. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const w = this.worker;
    this.worker = undefined;
    for (const p of this.inWorker.splice(0)) this.fail(p, 'deadline');
    for (const p of this.queue.splice(0)) this.fail(p, 'deadline');
    if (w) await w.terminate();
  }

  private run(job: ParseJob): Promise<ParseOutcome<HtmlExtract | RawRef[] | WireHtml>> {
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
    const what = kindName(p.job);
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
    const heap = this.opts.maxHeapMb ?? DEFAULT_HEAP_MB;
    const adopted = this.stats.workersStarted === 0 ? adoptPrewarmed(heap) : undefined;
    const w = adopted?.worker ?? newWorker(heap);
    // A prewarmed worker may have finished its start-up already (its 'ready' came before these listeners).
    this.ready = adopted?.ready ?? false;
    this.stats.workersStarted++;
    if (adopted) this.stats.prewarmedUsed++;
    w.on('message', (r: ParseReply | { ready: true }) => {
      if (w !== this.worker) return;
      if ('ready' in r) {
        // Loaded: a document waiting for the start-up gets its own full time from now.
        this.ready = true;
        this.disarm();
        this.next();
        return;
      }
      const p = this.inWorker[0];
      if (!p || p.job.id !== r.id) return;
      this.disarm();
      this.inWorker.shift();
      this.stats.parsed++;
      if (r.ok)
        p.resolve({
          ok: true,
          value:
            p.job.kind === 'html-wire'
              ? { html: r.html as HtmlExtract, invalidUtf8: r.invalidUtf8 === true }
              : ((r.html ?? r.refs ?? []) as HtmlExtract | RawRef[]),
        });
      else if (r.wire) p.resolve({ ok: false, reason: r.wire, message: r.message });
      else
        p.resolve({
          ok: false,
          reason: 'crashed',
          message: `${kindName(p.job)} at ${p.job.url} not parsed: ${r.message}`,
        });
      this.next();
    });
    const gone = (detail: string) => {
      if (w !== this.worker) return;
      // Out of memory (the heap cap) or a crash: the document in hand is reported, the ones sent after it go to
      // a new worker.
      this.worker = undefined;
      this.disarm();
      // Before its start-up ended, the document waiting for it is the one reported (no endless restarts).
      const p = this.ready ? this.inWorker.shift() : this.queue.shift();
      this.requeueInWorker();
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

  /** Documents sent to a worker that is gone, not yet parsed: first in line for the next worker, in order. */
  private requeueInWorker(): void {
    this.queue.unshift(...this.inWorker.splice(0));
  }

  private next(): void {
    if (this.closed) return;
    while (this.queue.length > 0 && this.pastDeadline()) this.fail(this.queue.shift(), 'deadline');
    if (this.queue.length > 0) {
      this.worker ??= this.start();
      this.worker.ref();
      if (!this.ready) {
        // The start-up is bounded too (generously: a loaded machine can take seconds), on the first waiting document.
        if (this.armedFor !== this.queue[0]) this.arm(this.queue[0]!, true);
        return;
      }
      while (this.queue.length > 0 && this.inWorker.length < PIPELINE) {
        const p = this.queue.shift()!;
        this.inWorker.push(p);
        this.worker.postMessage(p.job);
      }
    }
    // The oldest document in the worker is the one being parsed: its timer starts when it becomes the oldest.
    const oldest = this.inWorker[0];
    if (oldest && this.armedFor !== oldest) this.arm(oldest);
    this.idle();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = undefined;
  }

  /** The per-document timer (or the scan's deadline, when sooner): on expiry, a hard kill of the worker. */
  private arm(p: Pending, startup = false): void {
    this.disarm();
    this.armedFor = p;
    const limit = startup ? Math.max(this.timeoutMs, STARTUP_MS) : this.timeoutMs;
    const left = this.opts.deadline === undefined ? limit : Math.min(limit, this.opts.deadline - Date.now());
    const reason: 'timeout' | 'deadline' | 'crashed' = left < limit ? 'deadline' : startup ? 'crashed' : 'timeout';
    this.timer = setTimeout(
      () => {
        if (this.armedFor !== p) return;
        this.disarm();
        // The only way to stop a synchronous parse on another thread.
        const w = this.worker;
        this.worker = undefined;
        const list = startup ? this.queue : this.inWorker;
        const i = list.indexOf(p);
        if (i !== -1) list.splice(i, 1);
        // The documents sent after it were not parsed: a new worker gets them first.
        this.requeueInWorker();
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
    if (this.inWorker.length === 0 && this.queue.length === 0) this.worker?.unref();
  }
}
