/**
 * Option parsing and output shared by the commands, so every command follows the same rules:
 * `.proxyproof.json` -> fingerprints -> ignores (comments, config) -> baseline -> `--min-severity` ->
 * the renderer -> stdout or `--output FILE` -> the exit code.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { Option } from 'commander';
import type { DeclaredFront } from '../engine/analyze.js';
import type { ProgressMode } from '../engine/progress.js';
import type { CheckMeta } from '../model/check.js';
import { atOrAbove, type Finding, InputError, isSeverity, SEVERITIES, type Severity } from '../model/finding.js';
import { FRONT_NAMES, type FrontName } from '../model/proxy.js';
import { docsResolver } from '../render/docs.js';
import { fingerprints } from '../render/fingerprint.js';
import { RENDERER_LOADERS, RENDERER_NAMES } from '../render/registry.js';
import type { Renderer, RenderOptions, Report, SuppressedFinding } from '../render/types.js';
import { applyBaseline, readBaseline } from '../settings/baseline.js';
import { applyIgnores, defaultIgnoreReader } from '../settings/ignore.js';
import { findConfigFile, loadProjectConfig, type ProjectConfig } from '../settings/project-config.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export const DEFAULT_MIN_SEVERITY: Severity = 'low';

export interface OutputOptions {
  format: string;
  /** Undefined: `.proxyproof.json`'s `minSeverity`, else `low`. */
  minSeverity?: string;
  quiet?: boolean;
  color?: boolean;
  /** Text and HTML output: every finding, not at most MAX_TEXT_PER_CHECK per check. */
  all?: boolean;
  /** Write the report to this file instead of stdout. */
  output?: string;
  /** Report only findings not recorded in this baseline (`false`: `--no-baseline`, ignore the config's). */
  baseline?: string | false;
  /** `.proxyproof.json` to use (`false`: `--no-config-file`). */
  configFile?: string | false;
  /** `--no-ignore-comments`: report findings even when a comment ignores them. */
  ignoreComments?: boolean;
}

/** `--progress` / `--no-progress` of the analysis commands (engine/progress.ts). */
export function progressOptions(): Option[] {
  return [
    new Option('--progress', 'show progress on stderr even when it is not a terminal (never on stdout)'),
    new Option('--no-progress', 'never show progress (default: on a terminal, for text output)'),
  ];
}

/** The progress mode the options ask for. */
export function progressMode(opts: { progress?: boolean }): ProgressMode {
  return opts.progress === true ? 'on' : opts.progress === false ? 'off' : 'auto';
}

export function outputOptions(): Option[] {
  return [
    new Option('-f, --format <format>', 'output format (html needs --output or a redirect)')
      .choices(RENDERER_NAMES)
      .default('text'),
    new Option('-o, --output <file>', 'write the report to this file instead of stdout'),
    new Option(
      '--min-severity <severity>',
      `report findings at or above this severity (default: .proxyproof.json "minSeverity", else ${DEFAULT_MIN_SEVERITY})`,
    ).choices([...SEVERITIES]),
    new Option('--baseline <file>', 'report only findings not recorded in this baseline (see `proxyproof baseline`)'),
    new Option('--no-baseline', 'ignore the baseline named in .proxyproof.json'),
    new Option(
      '--config-file <file>',
      'project settings (default: .proxyproof.json of the analysed folder or here, or in a parent folder)',
    ),
    new Option('--no-config-file', 'do not read .proxyproof.json'),
    new Option('--no-ignore-comments', 'report findings even where a `proxyproof-ignore` comment silences them'),
    new Option('-q, --quiet', 'print only the findings'),
    new Option('--no-color', 'never colour the output'),
    new Option('--all', 'text and HTML output: show every finding (default: at most 20 per check, then a count)'),
  ];
}

const configs = new Map<string, ProjectConfig>();

/** The `.proxyproof.json` in effect for these options (read once per process and file). */
export function projectConfig(opts: Pick<OutputOptions, 'configFile'>, cwd: string = process.cwd()): ProjectConfig {
  const key = `${cwd}\0${String(opts.configFile)}`;
  let c = configs.get(key);
  if (!c) {
    c = loadProjectConfig(opts.configFile, cwd);
    configs.set(key, c);
  }
  return c;
}

/**
 * The analysed tree's `.proxyproof.json`: without --config-file/--no-config-file, the one found from the analysed
 * paths (a folder, or a file's folder, then its parents up to the repository root) when they all find the same file,
 * so `proxyproof lint ../app` reads `../app/.proxyproof.json` wherever it is run from. Paths that find none, or
 * different files, leave the lookup from the current folder. Set as `opts.configFile` before anything reads it
 * (front, min severity, ignores, baseline); a path that does not exist is left to the analysis to report.
 */
export function useTreeConfig(opts: Pick<OutputOptions, 'configFile'>, paths: string[], cwd: string = process.cwd()): void {
  if (opts.configFile !== undefined) return;
  const found = new Set<string | undefined>();
  for (const p of paths.length ? paths : ['.']) {
    const abs = resolve(cwd, p);
    let dir = abs;
    try {
      if (!statSync(abs).isDirectory()) dir = dirname(abs);
    } catch {
      continue;
    }
    found.add(findConfigFile(dir));
  }
  const [only] = [...found];
  if (found.size === 1 && only !== undefined) opts.configFile = only;
}

/**
 * The front door for the analysis: `--front` when the command has it, else `.proxyproof.json`'s `front`
 * (passed through as written; the commands that take a front validate its name).
 */
export function frontDoor(opts: OutputOptions & { front?: string }, cwd: string = process.cwd()): string | undefined {
  return opts.front ?? projectConfig(opts, cwd).front;
}

/** `--front <name>` for the commands that take a front door (lint, doctor). */
export function frontOption(): Option {
  return new Option(
    '--front <name>',
    `the cloud/PaaS front door in front of the first proxy or app (${FRONT_NAMES.join(', ')}; default: .proxyproof.json "front", else inferred from the tree)`,
  );
}

/**
 * The front door declared with `--front` or `.proxyproof.json`'s `front` (else `--behind-tls-lb`'s), validated: an unknown name is a usage
 * error listing the valid names (naming the config file, and the line of its "front", when it came from there).
 */
export function declaredFront(
  opts: OutputOptions & { front?: string; behindTlsLb?: boolean },
  cwd: string = process.cwd(),
): DeclaredFront | undefined {
  const name = frontDoor(opts, cwd);
  // --behind-tls-lb alone is the generic TLS balancer (engine/analyze.ts TLS_LB_FRONT): carried as the front, it reaches
  // every analysis of the command, the fix plan's check of its patches included.
  if (name === undefined) return opts.behindTlsLb ? { name: 'tls-lb', origin: 'declared' } : undefined;
  const fromOption = opts.front !== undefined;
  const config = fromOption ? undefined : projectConfig(opts, cwd);
  let line: number | undefined;
  if (config?.file) {
    try {
      const i = readFileSync(resolve(cwd, config.file), 'utf8')
        .split(/\r?\n/)
        .findIndex((l) => /"front"\s*:/.test(l));
      if (i >= 0) line = i + 1;
    } catch {
      // Already read once by projectConfig; a file that vanished since has no line to show.
    }
  }
  if (!(FRONT_NAMES as readonly string[]).includes(name)) {
    const message = `${fromOption ? '--front' : '"front"'}: unknown front '${name}' (one of ${FRONT_NAMES.join(', ')})`;
    throw fromOption ? new InputError(message) : new InputError(message, config?.file, line);
  }
  return fromOption
    ? { name: name as FrontName, origin: 'declared' }
    : {
        name: name as FrontName,
        origin: 'config',
        ...(config?.file
          ? { ref: { file: config.file, line: line ?? 0, snippet: `"front": "${name}"`, origin: 'declared' } }
          : {}),
      };
}

export function effectiveMinSeverity(opts: OutputOptions, config: ProjectConfig): Severity {
  const min = opts.minSeverity ?? config.minSeverity ?? DEFAULT_MIN_SEVERITY;
  if (!isSeverity(min)) throw new InputError(`unknown severity '${min}' (one of ${SEVERITIES.join(', ')})`);
  return min;
}

/** Check metadata by id for SARIF rule descriptions (loaded only when a format needs it). */
async function ruleLookup(): Promise<(id: string) => CheckMeta | undefined> {
  const [{ ALL_CHECKS }, { CHAIN_CHECKS }, { SCAN_CHECKS }, { PROBE_CHECKS }] = await Promise.all([
    import('../checks/index.js'),
    import('../checks/chain/index.js'),
    import('../checks/scan/index.js'),
    import('../checks/probe/index.js'),
  ]);
  const metas = new Map<string, CheckMeta>();
  for (const c of [...ALL_CHECKS, ...CHAIN_CHECKS, ...SCAN_CHECKS, ...PROBE_CHECKS]) metas.set(c.meta.id, c.meta);
  return (id) => metas.get(id);
}

function version(): string | undefined {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
};
const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

/** The scan's screenshots as data: URIs, so the HTML report is one file (paths are as in `data.pages`). */
export function embedImages(report: Report, cwd: string): Record<string, string> {
  const images: Record<string, string> = {};
  const pages = (report.data?.pages ?? []) as Array<{ screenshot?: string }>;
  for (const p of Array.isArray(pages) ? pages : []) {
    const shot = p.screenshot;
    if (!shot || images[shot]) continue;
    const type = IMAGE_TYPES[extname(shot).toLowerCase()];
    if (!type) continue;
    try {
      const buf = readFileSync(resolve(cwd, shot));
      if (buf.length <= MAX_IMAGE_BYTES) images[shot] = `data:${type};base64,${buf.toString('base64')}`;
    } catch {
      // A screenshot that vanished is simply not shown.
    }
  }
  return images;
}

/**
 * Applies project config, ignores and baseline to a report: every finding gets its fingerprint (computed
 * over the full list, so baselines and SARIF agree), then the ignored and baselined ones move to
 * `suppressed`. Returns the report to render and the threshold in effect.
 */
export function prepareReport(
  report: Report,
  opts: OutputOptions,
  cwd: string = process.cwd(),
  sources?: ReadonlyMap<string, string[]>,
): { report: Report; min: Severity; config: ProjectConfig } {
  const config = projectConfig(opts, cwd);
  const min = effectiveMinSeverity(opts, config);
  const prints = fingerprints(report.findings);
  const withPrints: Finding[] = report.findings.map((f, i) => ({ ...f, fingerprint: prints[i] }));
  const diagnostics = [...report.diagnostics];
  const { kept: afterIgnores, suppressed } = applyIgnores(withPrints, config, {
    cwd,
    diagnostics,
    // --no-ignore-comments: the files' comments are not read (the config's ignores still apply).
    ...(opts.ignoreComments === false ? { read: () => undefined } : sources ? { read: sourcesReader(sources, cwd) } : {}),
  });
  let kept = afterIgnores;
  const all: SuppressedFinding[] = [...(report.suppressed ?? []), ...suppressed];
  const baselineFile = opts.baseline === false ? undefined : (opts.baseline ?? config.baseline);
  if (baselineFile) {
    const shown = opts.baseline ? opts.baseline : baselineFile;
    const b = applyBaseline(kept, readBaseline(resolve(cwd, baselineFile), shown), shown);
    kept = b.kept;
    all.push(...b.suppressed);
  }
  return {
    report: {
      ...report,
      findings: atOrAbove(kept, min),
      suppressed: all.filter((s) => atOrAbove([s.finding], min).length > 0),
      diagnostics,
    },
    min,
    config,
  };
}

/**
 * The ignore comments are read from the lines the analysis read (Facts.sources, keyed by the name findings
 * carry), not from the disk a second time: on the 10,000-server bench that second read and split of a 9 MB file
 * was 21 MB of garbage at the very end of the run, where the peak memory is. Files the analysis did not keep
 * are read from disk as before.
 */
function sourcesReader(sources: ReadonlyMap<string, string[]>, cwd: string): (file: string) => string[] | undefined {
  const disk = defaultIgnoreReader(cwd);
  return (file) => sources.get(file) ?? disk(file);
}

/**
 * Renders, writes to stdout (or `--output`), and returns the exit code: 2 when some input could not be
 * read or parsed (an error diagnostic), else 1 when a finding at or above the threshold is left after
 * ignores and baseline, else 0. `text` overrides the text renderer (the doctor's own layout).
 */
export async function emit(
  report: Report,
  opts: OutputOptions,
  overrides: { text?: Renderer['render']; sources?: ReadonlyMap<string, string[]> } = {},
): Promise<number> {
  if (!RENDERER_LOADERS[opts.format])
    throw new InputError(`unknown format '${opts.format}' (one of ${RENDERER_NAMES.join(', ')})`);
  const { report: shown } = prepareReport(report, opts, process.cwd(), overrides.sources);
  await renderPrepared(shown, opts, overrides);
  return exitCodeOf(shown, 'info');
}

/**
 * The second half of `emit`: renders a report already through `prepareReport` (the `fix` command selects
 * its findings first, so what it patches is what it shows) to stdout or `--output`.
 */
export async function renderPrepared(
  shown: Report,
  opts: OutputOptions,
  overrides: { text?: Renderer['render'] } = {},
): Promise<void> {
  const { renderer, ropts } = await rendererFor(shown, opts);
  const override = opts.format === 'text' ? overrides.text : undefined;
  if (renderer.write && !override) {
    // In pieces of about 64 KB: a big report (JSON of 11,000 findings) is never held as one string.
    const sink = pieceSink(opts.output ? resolve(process.cwd(), opts.output) : undefined, opts.output);
    sink.run(() => renderer.write?.(shown, ropts, sink.out));
    sink.end();
  } else {
    const text = (override ?? renderer.render.bind(renderer))(shown, ropts);
    if (opts.output) writeOutput(opts.output, text, process.cwd());
    else process.stdout.write(text);
  }
}

/**
 * Formats whose renderer writes in pieces and writes a string value whole, in one piece (json, text): what
 * renderWithHole needs.
 */
export const HOLE_FORMATS: ReadonlySet<string> = new Set(['json', 'text']);

/**
 * Renders `shown` as renderPrepared does, except for one part not known yet: the report holds the text `hole` once,
 * as a string value (JSON: `hole` is that value's JSON, quotes included) or a line (text). Everything before it is
 * written now; what follows it is kept (it must be small: the doctor's fix plan is the last part of its JSON and
 * only the summary line follows it in text). The returned `finish` writes `fill(prefix)` in the hole's place
 * (`prefix`: the text of the hole's line before it, from which JSON takes its indentation) and then the rest;
 * `abort` ends the output without it (a `--output` file is then not written). The doctor writes its report
 * before the fix plan's second analysis so that the report is not alive through it (issue 10: its peak memory).
 * A hole the renderer never writes (`--quiet` text) fills nothing. Only for HOLE_FORMATS without a text override.
 */
export async function renderWithHole(
  shown: Report,
  opts: OutputOptions,
  hole: string,
): Promise<{ finish: (fill: (prefix: string) => string) => void; abort: () => void }> {
  const { renderer, ropts } = await rendererFor(shown, opts);
  if (!HOLE_FORMATS.has(opts.format) || !renderer.write) throw new Error(`renderWithHole: format ${opts.format}`);
  const sink = pieceSink(opts.output ? resolve(process.cwd(), opts.output) : undefined, opts.output);
  const { prefix, rest } = writeUntil(renderer, shown, ropts, sink, hole);
  // The closures below hold the sink and the rest only, not the report.
  return {
    finish: (fill) => {
      sink.run(() => {
        if (prefix !== undefined) sink.out(fill(prefix));
        sink.out(rest);
      });
      sink.end();
    },
    abort: () => sink.abort(),
  };
}

/** Writes the report to the sink up to `hole`; returns the hole's line before it and what follows it. */
function writeUntil(
  renderer: Renderer,
  shown: Report,
  ropts: RenderOptions,
  sink: PieceSink,
  hole: string,
): { prefix: string | undefined; rest: string } {
  let prefix: string | undefined;
  let rest = '';
  sink.run(() =>
    renderer.write?.(shown, ropts, (chunk) => {
      if (prefix !== undefined) {
        rest += chunk;
        return;
      }
      // The renderers of HOLE_FORMATS write a string value (a line) in one piece: the hole is never split.
      const at = chunk.indexOf(hole);
      if (at < 0) {
        sink.out(chunk);
        return;
      }
      sink.out(chunk.slice(0, at));
      prefix = sink.lineSoFar();
      rest = chunk.slice(at + hole.length);
    }),
  );
  return { prefix, rest };
}

async function rendererFor(shown: Report, opts: OutputOptions): Promise<{ renderer: Renderer; ropts: RenderOptions }> {
  const load = RENDERER_LOADERS[opts.format];
  if (!load) throw new InputError(`unknown format '${opts.format}' (one of ${RENDERER_NAMES.join(', ')})`);
  const renderer = await load();
  const cwd = process.cwd();
  if (opts.format === 'html') shown.images = embedImages(shown, cwd);
  const color =
    opts.color !== false && opts.format === 'text' && !opts.output && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const ropts: RenderOptions = {
    color,
    quiet: Boolean(opts.quiet),
    all: Boolean(opts.all),
    docs: docsResolver(cwd),
    srcRoot: cwd,
    version: version(),
    ...(opts.format === 'sarif' || opts.format === 'html' ? { rules: await ruleLookup() } : {}),
  };
  return { renderer, ropts };
}

/**
 * Writes `text` to stdout's descriptor and returns once the reader has it. process.stdout.write on a pipe queues
 * what the reader has not taken yet in memory: a 40 MB JSON report piped to a slow reader (`| jq`, a CI log
 * collector) kept every piece queued at once (peak RSS 733 MB against 544 MB to a file, 10,000-server bench).
 * A full pipe (EAGAIN on a non-blocking descriptor) is waited on 2 ms at a time; a reader that went away (EPIPE)
 * ends the output quietly, as `| head` expects.
 */
const pause = new Int32Array(new SharedArrayBuffer(4));
let stdoutGone = false;
export function writeStdoutSync(text: string): void {
  writeStdoutBytes(Buffer.from(text));
}

/** writeStdoutSync for bytes already encoded (pieceSink's buffer): the same waits and the same quiet end. */
function writeStdoutBytes(bytes: Uint8Array, length: number = bytes.length): void {
  if (stdoutGone) return;
  for (let off = 0; off < length; ) {
    try {
      off += writeSync(1, bytes, off, length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 2);
      else if (code === 'EPIPE') {
        stdoutGone = true;
        return;
      } else throw e;
    }
  }
}

/** Writes `length` bytes of `bytes` to a file descriptor, all of them (a write may take fewer). */
function writeAllSync(fd: number, bytes: Uint8Array, length: number): void {
  for (let off = 0; off < length; ) off += writeSync(fd, bytes, off, length - off);
}

/** The size of pieceSink's buffer: a write of about 64 KB, as the string pieces were. */
const SINK_BYTES = 65536;

/**
 * Where a renderer's pieces go: stdout, or atomically `abs` (a temporary file renamed over it at `end`), in writes
 * of about 64 KB. `run` turns a write error into the command's "cannot write the report" error.
 */
interface PieceSink {
  out: (chunk: string) => void;
  lineSoFar: () => string;
  run: (f: () => void) => void;
  end: () => void;
  abort: () => void;
}

function pieceSink(abs: string | undefined, shown?: string): PieceSink {
  const tmp = abs ? `${abs}.${process.pid}.tmp` : undefined;
  let fd: number | undefined;
  let direct = false;
  // The pieces are encoded straight into one buffer, reused for every write: a string piece of 64 KB built by `+=`
  // and encoded at each write was a rope flattened, then a new 64 KB buffer, ~420 of each for an 11,000-finding
  // JSON report (27 MB), all garbage for the collector.
  const bytes = Buffer.allocUnsafe(SINK_BYTES);
  let used = 0;
  /** The text written since the last newline (kept only while no newline comes: one line of the report). */
  let line = '';
  const fail = (e: unknown): never => {
    if (!tmp) throw e;
    throw new InputError(`cannot write the report: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, shown ?? tmp);
  };
  const run = (f: () => void) => {
    try {
      f();
    } catch (e) {
      fail(e);
    }
  };
  run(() => {
    fd = tmp ? openSync(tmp, 'w') : undefined;
    // Straight to the descriptor once nothing else is queued on process.stdout (so the order stays): see above.
    direct = fd === undefined && process.stdout.writableLength === 0;
  });
  const send = (b: Uint8Array, length: number) => {
    if (fd !== undefined) writeAllSync(fd, b, length);
    else if (direct) writeStdoutBytes(b, length);
    // process.stdout keeps what it is given until the reader takes it: a copy, the buffer is reused.
    else process.stdout.write(Buffer.from(b.subarray(0, length)));
  };
  const flush = () => {
    if (used > 0) send(bytes, used);
    used = 0;
  };
  return {
    out: (chunk) => {
      // A UTF-16 unit takes at most 3 bytes in UTF-8 (a surrogate pair: 4 bytes for 2 units).
      if (used + chunk.length * 3 > SINK_BYTES) {
        flush();
        if (chunk.length * 3 > SINK_BYTES) {
          const big = Buffer.from(chunk);
          send(big, big.length);
        } else used = bytes.write(chunk, 0, 'utf8');
      } else used += bytes.write(chunk, used, 'utf8');
      const nl = chunk.lastIndexOf('\n');
      line = nl < 0 ? line + chunk : chunk.slice(nl + 1);
    },
    lineSoFar: () => line,
    run,
    end: () =>
      run(() => {
        flush();
        if (fd !== undefined && tmp && abs) {
          closeSync(fd);
          fd = undefined;
          renameSync(tmp, abs);
        }
      }),
    abort: () => {
      if (fd === undefined || !tmp) return;
      try {
        closeSync(fd);
        fd = undefined;
        rmSync(tmp, { force: true });
      } catch {}
    },
  };
}

/** Writes atomically (a temporary file renamed over the target), so a watcher never sees half a report. */
export function writeOutput(file: string, text: string, cwd: string = process.cwd()): void {
  const abs = resolve(cwd, file);
  const tmp = `${abs}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, abs);
  } catch (e) {
    throw new InputError(`cannot write the report: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
  }
}

/**
 * The exit code `emit` gives a report already through `prepareReport` (every command): 2 unusable input (an
 * error diagnostic), 1 a finding at or above `min`, 0 none.
 */
export function exitCodeOf(report: Report, min: Severity): number {
  const errors = report.diagnostics.filter((d) => d.level === 'error');
  if (errors.some((d) => d.scope !== 'page')) return EXIT_USAGE;
  // Errors of single pages (a scan that loaded others): findings or not, a partial scan never exits 0.
  if (errors.length > 0) return EXIT_FINDINGS;
  return atOrAbove(report.findings, min).length > 0 ? EXIT_FINDINGS : EXIT_OK;
}
