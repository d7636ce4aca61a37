/**
 * Parsers for the files that start app servers: systemd units, Procfiles, Dockerfiles,
 * supervisord programs, shell scripts and compose files. Each returns plain data with 1-based lines;
 * none of them runs anything.
 */
import type { YAMLMap, Node as YamlNode } from 'yaml';
import type { ComposePort } from '../../model/deploy.js';
import { MAX_YAML_ALIASES, yaml, yamlValueProblem } from '../proxy/yaml.js';
import { findInvocations } from './servers.js';
import { shlexSplit } from './shell.js';

export interface Problem {
  line: number;
  column?: number;
  message: string;
}

// ---------------------------------------------------------------- systemd

export interface SystemdUnit {
  /** section -> key -> [{value, line}] (keys repeat: Environment=, ExecStartPre=). */
  sections: Map<string, Map<string, Array<{ value: string; line: number }>>>;
}

/** systemd.syntax(7): sections, `Key=value`, `#`/`;` comments, backslash-newline continuation. */
export function parseSystemdUnit(text: string): SystemdUnit {
  const sections = new Map<string, Map<string, Array<{ value: string; line: number }>>>();
  let current = new Map<string, Array<{ value: string; line: number }>>();
  sections.set('', current);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    let l = (lines[i] as string).trim();
    if (l === '' || l.startsWith('#') || l.startsWith(';')) continue;
    // continuation: a trailing backslash joins the next line (comment lines inside are skipped)
    while (l.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = (lines[i] as string).trim();
      if (next.startsWith('#') || next.startsWith(';')) {
        l = l.slice(0, -1);
        l += ' \\';
        continue;
      }
      l = `${l.slice(0, -1)} ${next}`;
    }
    if (l.endsWith('\\')) l = l.slice(0, -1);
    const sec = /^\[([^\]]+)\]$/.exec(l);
    if (sec) {
      current = sections.get(sec[1] as string) ?? new Map();
      sections.set(sec[1] as string, current);
      continue;
    }
    const eq = l.indexOf('=');
    if (eq < 0) continue;
    const key = l.slice(0, eq).trim();
    const value = l.slice(eq + 1).trim();
    const list = current.get(key) ?? [];
    if (value === '' && key.startsWith('Environment')) list.length = 0;
    list.push({ value, line: startLine });
    current.set(key, list);
  }
  return { sections };
}

/**
 * systemd's unquoting of Environment= (each word is NAME=value, quotes group words) and of
 * ExecStart= words (C-style escapes, "..."/'...').
 */
export function systemdWords(value: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  let i = 0;
  while (i < value.length) {
    const ch = value[i] as string;
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let s = '';
      while (j < value.length && value[j] !== ch) {
        if (value[j] === '\\' && j + 1 < value.length) {
          const n = value[j + 1] as string;
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          j += 2;
        } else s += value[j++];
      }
      cur = (cur ?? '') + s;
      i = j + 1;
    } else if (ch === '\\' && i + 1 < value.length) {
      const n = value[i + 1] as string;
      cur = (cur ?? '') + (n === 'n' ? '\n' : n === 't' ? '\t' : n);
      i += 2;
    } else if (ch === ' ' || ch === '\t') {
      if (cur !== null) out.push(cur);
      cur = null;
      i++;
    } else {
      cur = (cur ?? '') + ch;
      i++;
    }
  }
  if (cur !== null) out.push(cur);
  return out;
}

/** systemd.service(5) ExecStart: `$VAR` and `${VAR}` expand (unquoted `$VAR` splits into words). */
export function systemdExecArgv(value: string, env: Record<string, string>): { argv: string[]; unresolved: string[] } {
  let v = value;
  // prefixes: - @ + ! !! :
  const pm = /^[-@+!:]+/.exec(v);
  const at = pm?.[0].includes('@') ?? false;
  if (pm) v = v.slice(pm[0].length);
  const unresolved: string[] = [];
  const words = systemdWords(v);
  const argv: string[] = [];
  for (const w of words) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(w);
    if (whole) {
      const val = env[whole[1] as string];
      if (val === undefined) {
        unresolved.push(whole[1] as string);
        argv.push(w);
      } else argv.push(...val.split(/\s+/).filter(Boolean));
      continue;
    }
    argv.push(
      w.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, n: string) => {
        const val = env[n];
        if (val === undefined) {
          unresolved.push(n);
          return m;
        }
        return val;
      }),
    );
  }
  // With @, the second word is argv[0] and the first is the executable.
  if (at && argv.length > 1) argv.splice(1, 1);
  return { argv, unresolved };
}

export function systemdEnvironment(
  values: Array<{ value: string; line: number }>,
): Record<string, { value: string; line: number }> {
  const env: Record<string, { value: string; line: number }> = {};
  for (const { value, line } of values) {
    for (const w of systemdWords(value)) {
      const eq = w.indexOf('=');
      if (eq > 0) env[w.slice(0, eq)] = { value: w.slice(eq + 1), line };
    }
  }
  return env;
}

// ---------------------------------------------------------------- env files (.env, EnvironmentFile=, env_file:)

export function parseEnvFile(text: string): Record<string, { value: string; line: number }> {
  const out: Record<string, { value: string; line: number }> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.trim();
    if (!l || l.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(l);
    if (!m) return;
    let v = (m[2] as string).trim();
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2))
      v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '');
    out[m[1] as string] = { value: v, line: i + 1 };
  });
  return out;
}

// ---------------------------------------------------------------- Procfile

export function parseProcfile(text: string): Array<{ process: string; command: string; line: number }> {
  const out: Array<{ process: string; command: string; line: number }> = [];
  text.split(/\r?\n/).forEach((l, i) => {
    const m = /^([A-Za-z0-9_-]+):\s*(.+)$/.exec(l);
    if (m) out.push({ process: m[1] as string, command: m[2] as string, line: i + 1 });
  });
  return out;
}

// ---------------------------------------------------------------- Dockerfile

export interface DockerInstruction {
  cmd: string;
  /** Text after the instruction, continuation lines joined. */
  args: string;
  line: number;
  /** Exec (JSON) form, when valid JSON array of strings. */
  json?: string[];
  /** The last line of the instruction (continuation lines). */
  endLine?: number;
  /** Here-documents after it (`RUN cat <<EOF > /entrypoint.sh`, `COPY <<EOF /start.sh`; BuildKit syntax), in order. */
  heredocs?: Heredoc[];
}

export interface Heredoc {
  /** The delimiter word (`EOF`). */
  delimiter: string;
  /** The body as written (`<<-` strips leading tabs), each line ending in a newline. */
  text: string;
  /** The Dockerfile line of the body's first line (the body's line k is `firstLine + k`). */
  firstLine: number;
}

export interface Dockerfile {
  /**
   * Instructions of the image's stage (the last, or the compose `build.target`), after those of the stages it is
   * built `FROM` (`FROM base AS web` carries base's ENV, CMD, WORKDIR...); other stages' instructions do not count.
   */
  instructions: DockerInstruction[];
  env: Record<string, { value: string; line: number }>;
  expose: Array<{ port: number; line: number }>;
  workdir?: string;
  /** Base image of the image's stage, through the stages it is built from (`FROM nginx:1.25 AS web` -> `nginx:1.25`). */
  from?: string;
  cmd?: DockerInstruction;
  entrypoint?: DockerInstruction;
  /**
   * Scripts the image's stage writes with `RUN echo '...' > /path`, `printf '...' > /path` (`>>` appends), a
   * here-document (`RUN cat <<EOF > /path`, `RUN tee /path <<EOF`, `COPY <<EOF /path`) or copies from another
   * stage that wrote them (`COPY --from=build /entrypoint.sh /`): an entrypoint made in the image, no file of the
   * tree holds it. By their path in the image: the text as the shell writes it (`\n` escapes are newlines, as
   * dash's echo and printf write them; a here-document's body as written) and, per line of it, the Dockerfile line
   * it is on.
   */
  written?: WrittenScript[];
  /** The stage the image is (`AS` name), when a `target` was asked for and found. */
  target?: string;
  /**
   * The stage's build arguments with a known value (`ARG PORT=8000`, or the value a build passes): substituted into
   * its ENV and EXPOSE, not in the container's environment. An ARG goes out of scope at the end of its stage.
   */
  args?: Record<string, { value: string; line: number }>;
  problems: Problem[];
}

export interface WrittenScript {
  path: string;
  text: string;
  /** `lines[k]`: the Dockerfile line of the script's line k + 1. */
  lines: number[];
}

/** `echo '...' > /x` / `printf "..." >> /x` in a RUN's shell text: the files written and what goes into them. */
const WRITE = /\b(echo|printf)\s+(?:-[neE]+\s+)*('[^']*'|"(?:[^"\\]|\\.)*")\s*(>>?)\s*([^\s;&|<>]+)/g;

/**
 * The tree files a Dockerfile's `COPY`/`ADD` lines copy, with the destination each goes to (`COPY proxy.conf
 * /usr/local/etc/haproxy/haproxy.cfg`). The build context is not known here: a source is the tree file whose path ends
 * with it. Globs are left out; `fromStage` marks a `--from` copy, whose source is another stage's file.
 */
export function treeCopies<F extends { display: string }>(
  df: Pick<Dockerfile, 'instructions'>,
  files: readonly F[],
): { file: F; dest: string; fromStage: boolean }[] {
  const out: { file: F; dest: string; fromStage: boolean }[] = [];
  for (const ins of df.instructions) {
    if (ins.cmd !== 'COPY' && ins.cmd !== 'ADD') continue;
    const words = (ins.json ?? shlexSplit(ins.args)).filter((w) => !w.startsWith('--'));
    const dest = words[words.length - 1] ?? '';
    const fromStage = ins.cmd === 'COPY' && /--from=/.test(ins.args);
    for (const src of words.slice(0, -1)) {
      const tail = src.replace(/^\.?\//, '');
      if (!tail || /[*?]/.test(tail)) continue;
      const hit = files.find((x) => x.display === tail || x.display.endsWith(`/${tail}`));
      if (hit) out.push({ file: hit, dest, fromStage });
    }
  }
  return out;
}

/** A here-document opener in a RUN/COPY line: `<<EOF`, `<<-EOF`, `<<'EOF'`, `<<"EOF"`. */
const HEREDOC = /(?<!<)<<(-?)\s*(["']?)([A-Za-z_][\w.-]*)\2/g;

/** The text an `echo`/`printf` of one quoted word writes: quotes removed, `\n`/`\t`/`\\` as dash writes them. */
function writtenText(quoted: string, program: string): string {
  let t = quoted.slice(1, -1);
  if (quoted.startsWith('"')) t = t.replace(/\\(["\\$`])/g, '$1');
  t = t.replace(/\\(n|t|\\)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
  return program === 'echo' ? `${t}\n` : t;
}

/** Adds text to a written script (`>` starts it again, `>>` appends), with the Dockerfile line of each new line. */
function writeTo(into: WrittenScript[], path: string, append: boolean, text: string, lines: number[]): void {
  let script = into.find((w) => w.path === path);
  if (!script || !append) {
    if (script) into.splice(into.indexOf(script), 1);
    script = { path, text: '', lines: [] };
    into.push(script);
  }
  // The last segment of the text so far (empty after a newline) and the new text's first one are one line: it
  // keeps the old line when it had text, else the new one.
  const n = script.text === '' ? 0 : script.text.split('\n').length;
  const merged = n > 0 && !script.text.endsWith('\n') ? script.lines[n - 1] : lines[0];
  script.lines = n > 0 ? [...script.lines.slice(0, n - 1), merged ?? 1, ...lines.slice(1)] : [...lines];
  script.text += text;
}

function writtenScripts(ins: DockerInstruction, raw: string[], into: WrittenScript[]): void {
  // Each line of a text back to the Dockerfile line that holds it (continuation lines keep one script line each).
  let at = ins.line - 1;
  const end = ins.endLine ?? ins.line;
  for (const m of ins.args.matchAll(WRITE)) {
    const text = writtenText(m[2] as string, m[1] as string);
    const lines = text.split('\n').map((l) => {
      const probe = l.trim().slice(0, 40);
      if (probe === '') return at + 1;
      for (let k = at; k < end && k < raw.length; k++)
        if ((raw[k] as string).includes(probe)) {
          at = k;
          return k + 1;
        }
      return ins.line;
    });
    writeTo(into, m[4] as string, m[3] === '>>', text, lines);
  }
}

/** Files a RUN/COPY writes from its here-documents: `cat <<EOF > /p`, `cat > /p <<EOF`, `tee [-a] /p <<EOF`, `COPY <<EOF /p`. */
function heredocScripts(ins: DockerInstruction, into: WrittenScript[], workdir: string | undefined): void {
  const docs = ins.heredocs ?? [];
  if (docs.length === 0) return;
  const linesOf = (d: Heredoc): number[] => d.text.split('\n').map((_l, k) => d.firstLine + k);
  if (ins.cmd === 'COPY' || ins.cmd === 'ADD') {
    const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
    const dest = words[words.length - 1];
    if (!dest || dest.startsWith('<<') || docs.length !== 1) return;
    const d = docs[0] as Heredoc;
    writeTo(into, imagePath(dest, workdir), false, d.text, linesOf(d));
    return;
  }
  if (ins.cmd !== 'RUN') return;
  // One command per here-document, in order: the shell text between openers.
  const parts = ins.args.split(/(?=<<-?\s*["']?[A-Za-z_])/);
  let k = 0;
  for (const d of docs) {
    // The command a here-document feeds: the text before its opener (back to the last `&&`/`;`/`|`) and after it.
    const before = (parts[k] ?? '').split(/&&|;|\|\|/).pop() ?? '';
    const after = (parts[k + 1] ?? '').replace(/^<<-?\s*["']?[\w.-]+["']?/, '').split(/&&|;|\|/)[0] ?? '';
    k++;
    const cmd = `${before} ${after}`;
    const cat = /(?:^|[\s(])cat\b/.test(cmd);
    const redirect = /(>>?)\s*([^\s;&|<>]+)/.exec(cmd);
    const tee = /(?:^|\s)tee\s+(-a\s+)?([^\s;&|<>-][^\s;&|<>]*)/.exec(cmd);
    if (tee) writeTo(into, imagePath(tee[2] as string, workdir), tee[1] !== undefined, d.text, linesOf(d));
    else if (cat && redirect) writeTo(into, imagePath(redirect[2] as string, workdir), redirect[1] === '>>', d.text, linesOf(d));
  }
}

/** A path in the image: relative ones under the stage's WORKDIR (Docker's rule for COPY destinations). */
function imagePath(p: string, workdir: string | undefined): string {
  if (p.startsWith('/') || !workdir) return p;
  return `${workdir.replace(/\/$/, '')}/${p.replace(/^\.\//, '')}`;
}

interface Stage {
  /** The FROM instruction's index in `all`. */
  at: number;
  /** Its `AS` name, lower case (stage names are case-insensitive). */
  name?: string;
  /** The image or stage it is built from. */
  base: string;
}

/** Reads the instructions and here-documents; `problems` receives what is not an instruction. */
function dockerInstructions(lines: string[], problems: Problem[]): DockerInstruction[] {
  let escapeChar = '\\';
  const all: DockerInstruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const dir = /^#\s*escape\s*=\s*(\S)/i.exec(raw);
    if (dir && all.length === 0) {
      escapeChar = dir[1] as string;
      continue;
    }
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    const start = i + 1;
    let body = t;
    while (body.endsWith(escapeChar) && i + 1 < lines.length) {
      body = body.slice(0, -1);
      i++;
      // Docker drops comment lines (and empty ones) inside a continued instruction before joining it: the
      // instruction goes on after them (`libpq-dev \` / `# a note` / `&& mkdir ...`).
      while (i + 1 < lines.length && /^\s*(#|$)/.test(lines[i] as string)) i++;
      const next = (lines[i] as string).trim();
      if (next.startsWith('#')) break;
      body += ` ${next}`;
    }
    const m = /^([A-Za-z]+)\s*(.*)$/s.exec(body);
    if (!m) {
      problems.push({ line: start, message: `not a Dockerfile instruction: ${t.slice(0, 40)}` });
      continue;
    }
    const ins: DockerInstruction = { cmd: (m[1] as string).toUpperCase(), args: (m[2] as string).trim(), line: start };
    if (i + 1 > start) ins.endLine = i + 1;
    if (ins.args.startsWith('[')) {
      try {
        const j = JSON.parse(ins.args) as unknown;
        if (Array.isArray(j) && j.every((x) => typeof x === 'string')) ins.json = j as string[];
      } catch {
        // Docker treats an invalid JSON array as shell form.
      }
    }
    // Here-documents (BuildKit): their bodies follow the instruction up to the delimiter line; they are not
    // instructions. At most 64 per instruction; an opener without its delimiter line is not a here-document.
    if ((ins.cmd === 'RUN' || ins.cmd === 'COPY' || ins.cmd === 'ADD') && !ins.json && ins.args.includes('<<')) {
      for (const h of [...ins.args.matchAll(HEREDOC)].slice(0, 64)) {
        const strip = h[1] === '-';
        const delimiter = h[3] as string;
        let j = i + 1;
        while (
          j < lines.length &&
          (strip ? (lines[j] as string).replace(/^\t+/, '') : (lines[j] as string)).trimEnd() !== delimiter
        )
          j++;
        if (j >= lines.length) break;
        const body = lines.slice(i + 1, j).map((l) => (strip ? l.replace(/^\t+/, '') : l));
        ins.heredocs ??= [];
        ins.heredocs.push({ delimiter, text: body.map((l) => `${l}\n`).join(''), firstLine: i + 2 });
        i = j;
        ins.endLine = i + 1;
      }
    }
    all.push(ins);
  }
  return all;
}

export interface DockerfileOptions {
  /** The stage to build (compose `build.target`, `docker build --target`); default the last. */
  target?: string;
  /** Build arguments the build passes (compose `build.args`): a value, or undefined when it is not known. */
  buildArgs?: Record<string, string | undefined>;
}

export function parseDockerfile(text: string, options: DockerfileOptions = {}): Dockerfile {
  const lines = text.split(/\r?\n/);
  const problems: Problem[] = [];
  const all = dockerInstructions(lines, problems);
  const stages: Stage[] = [];
  all.forEach((ins, at) => {
    if (ins.cmd !== 'FROM') return;
    const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
    const as = words.findIndex((w) => /^as$/i.test(w));
    stages.push({
      at,
      base: words[0] ?? '',
      ...(as > 0 && words[as + 1] ? { name: (words[as + 1] as string).toLowerCase() } : {}),
    });
  });
  /** The stage a FROM or COPY --from names, if it is an earlier stage of this file (by name or index). */
  const stageNamed = (ref: string, before: number): number | undefined => {
    const r = ref.toLowerCase();
    const k = /^\d+$/.test(r) ? Number(r) : stages.findIndex((s, j) => j < before && s.name === r);
    return k >= 0 && k < before ? k : undefined;
  };
  // ARGs before the first FROM: their defaults are what an `ARG NAME` without a value inside a stage takes.
  const globalArgs: Record<string, { value: string; line: number }> = {};
  for (const ins of all.slice(0, stages[0]?.at ?? 0)) if (ins.cmd === 'ARG') declareArgs(globalArgs, ins, {}, options);
  const memo = new Map<number, Dockerfile>();
  const build = (k: number): Dockerfile => {
    const done = memo.get(k);
    if (done) return done;
    const stage = stages[k];
    const parentAt = stage ? stageNamed(stage.base, k) : undefined;
    const parent = parentAt !== undefined ? build(parentAt) : undefined;
    const df: Dockerfile = parent
      ? {
          instructions: [...parent.instructions],
          env: { ...parent.env },
          expose: [...parent.expose],
          ...(parent.workdir !== undefined ? { workdir: parent.workdir } : {}),
          ...(parent.from !== undefined ? { from: parent.from } : {}),
          ...(parent.cmd ? { cmd: parent.cmd } : {}),
          ...(parent.entrypoint ? { entrypoint: parent.entrypoint } : {}),
          ...(parent.written ? { written: parent.written.map((w) => ({ ...w, lines: [...w.lines] })) } : {}),
          problems,
        }
      : { instructions: [], env: {}, expose: [], problems, ...(stage ? { from: stage.base } : {}) };
    const first = stage ? stage.at + 1 : 0;
    const next = stages[k + 1];
    const own = all.slice(first, next ? next.at : all.length);
    df.instructions.push(...own);
    for (const ins of own)
      if (ins.cmd === 'ARG') {
        df.args ??= {};
        declareArgs(df.args, ins, globalArgs, options, df.env);
      } else
        applyInstruction(df, ins, lines, (ref) => {
          const from = stageNamed(ref, k);
          return from !== undefined ? build(from) : undefined;
        });
    memo.set(k, df);
    return df;
  };
  if (stages.length === 0) return build(-1);
  const wanted = options.target?.toLowerCase();
  const targetAt = wanted !== undefined ? stages.findIndex((s) => s.name === wanted) : -1;
  const df = build(targetAt >= 0 ? targetAt : stages.length - 1);
  return targetAt >= 0 && options.target !== undefined ? { ...df, target: options.target } : df;
}

/**
 * `ARG NAME=default` / `ARG NAME` (several per line): the value a build passes wins over the written default (an
 * unknown one leaves the name unknown); a bare `ARG NAME` in a stage takes the global ARG's default.
 */
function declareArgs(
  args: Record<string, { value: string; line: number }>,
  ins: DockerInstruction,
  globals: Record<string, { value: string; line: number }>,
  options: DockerfileOptions,
  env: Record<string, { value: string }> = {},
): void {
  for (const w of shlexSplit(ins.args)) {
    const eq = w.indexOf('=');
    const name = eq > 0 ? w.slice(0, eq) : w;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    const given = options.buildArgs && Object.hasOwn(options.buildArgs, name);
    const value = given
      ? options.buildArgs?.[name]
      : eq > 0
        ? substitute(w.slice(eq + 1), { ...args, ...env })
        : globals[name]?.value;
    if (value === undefined || /\$/.test(value)) delete args[name];
    else args[name] = { value, line: ins.line };
  }
}

function applyInstruction(
  df: Dockerfile,
  ins: DockerInstruction,
  lines: string[],
  stage: (ref: string) => Dockerfile | undefined,
): void {
  if (ins.cmd === 'ENV') {
    const words = shlexSplit(ins.args);
    if (words.length >= 1 && !(words[0] as string).includes('=')) {
      // legacy form: ENV KEY value with spaces
      const sp = ins.args.search(/\s/);
      if (sp > 0) df.env[ins.args.slice(0, sp)] = { value: ins.args.slice(sp).trim(), line: ins.line };
    } else
      for (const w of words) {
        const eq = w.indexOf('=');
        // ENV wins over an ARG of the same name; an ARG fills what ENV does not set.
        if (eq > 0) df.env[w.slice(0, eq)] = { value: substitute(w.slice(eq + 1), { ...df.args, ...df.env }), line: ins.line };
      }
  } else if (ins.cmd === 'EXPOSE') {
    for (const w of ins.args.split(/\s+/)) {
      const p = Number.parseInt(substitute(w, { ...df.args, ...df.env }), 10);
      if (Number.isInteger(p)) df.expose.push({ port: p, line: ins.line });
    }
  } else if (ins.cmd === 'WORKDIR') df.workdir = ins.args;
  else if (ins.cmd === 'RUN' || ins.cmd === 'COPY' || ins.cmd === 'ADD') {
    const written = df.written ?? [];
    if (ins.cmd === 'RUN' && WRITE.test(ins.args)) {
      WRITE.lastIndex = 0;
      writtenScripts(ins, lines, written);
    }
    heredocScripts(ins, written, df.workdir);
    const from = ins.cmd === 'COPY' ? /--from=(\S+)/.exec(ins.args)?.[1] : undefined;
    if (from) copiedScripts(ins, stage(from), written, df.workdir);
    if (written.length > 0) df.written = written;
  } else if (ins.cmd === 'CMD') df.cmd = ins;
  else if (ins.cmd === 'ENTRYPOINT') {
    df.entrypoint = ins;
    // An ENTRYPOINT resets a CMD inherited from earlier in the stage (Docker semantics).
    df.cmd = undefined;
  }
}

/** `COPY --from=<stage> src... dest`: the scripts the other stage wrote at a source path, now at the destination. */
function copiedScripts(ins: DockerInstruction, source: Dockerfile | undefined, into: WrittenScript[], workdir?: string): void {
  const written = source?.written ?? [];
  if (written.length === 0) return;
  const words = (ins.json ?? shlexSplit(ins.args)).filter((w) => !w.startsWith('--'));
  if (words.length < 2) return;
  const dest = words[words.length - 1] as string;
  const srcs = words.slice(0, -1);
  const intoDir = dest.endsWith('/') || srcs.length > 1;
  for (const src of srcs) {
    const from = imagePath(src, source?.workdir).replace(/\/$/, '');
    for (const w of written) {
      const p = imagePath(w.path, source?.workdir);
      // The file itself, or a file inside a copied folder (which lands under the destination folder).
      const inside = p.startsWith(`${from}/`) ? p.slice(from.length + 1) : p === from ? undefined : null;
      if (inside === null) continue;
      const base = p.slice(p.lastIndexOf('/') + 1);
      const target =
        inside !== undefined ? `${dest.replace(/\/$/, '')}/${inside}` : intoDir ? `${dest.replace(/\/$/, '')}/${base}` : dest;
      writeTo(into, imagePath(target, workdir), false, w.text, w.lines);
    }
  }
}

function substitute(s: string, env: Record<string, { value: string }>): string {
  return s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (m, a: string, d: string, b: string) => {
      const n = a ?? b;
      return env[n]?.value ?? d ?? m;
    },
  );
}

/** argv Docker runs: ENTRYPOINT (exec) + CMD, or `/bin/sh -c` for shell forms. */
export function dockerArgv(df: Pick<Dockerfile, 'cmd' | 'entrypoint'>): { argv: string[]; line: number } | undefined {
  const form = (ins: DockerInstruction) => ins.json ?? ['/bin/sh', '-c', ins.args];
  if (df.entrypoint) {
    const ep = form(df.entrypoint);
    // Shell-form ENTRYPOINT ignores CMD.
    const cmd = df.entrypoint.json && df.cmd ? form(df.cmd) : [];
    // An init wrapper (`ENTRYPOINT ["tini", "--"]`) runs the CMD: the server is started on the CMD's line.
    const line = df.cmd && cmd.length > 0 && findInvocations(ep).length === 0 ? df.cmd.line : df.entrypoint.line;
    return { argv: [...ep, ...cmd], line };
  }
  if (df.cmd) return { argv: form(df.cmd), line: df.cmd.line };
  return undefined;
}

// ---------------------------------------------------------------- supervisord

export function parseSupervisord(text: string): Array<{
  program: string;
  command?: { value: string; line: number };
  environment?: { value: string; line: number };
  directory?: string;
}> {
  const out: Array<{
    program: string;
    command?: { value: string; line: number };
    environment?: { value: string; line: number };
    directory?: string;
  }> = [];
  let cur: (typeof out)[number] | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const l = (lines[i] as string).replace(/\s;.*$/, '');
    const sec = /^\s*\[([^\]]+)\]/.exec(l);
    if (sec) {
      const m = /^(program|fcgi-program):(.+)$/.exec((sec[1] as string).trim());
      cur = m ? { program: (m[2] as string).trim() } : undefined;
      if (cur) out.push(cur);
      continue;
    }
    if (!cur) continue;
    const kv = /^\s*([a-z_]+)\s*=\s*(.*)$/.exec(l);
    if (!kv) continue;
    let value = (kv[2] as string).trim();
    const line = i + 1;
    // continuation lines: indented lines after a key
    while (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1] as string) && !/^\s*[a-z_]+\s*=/.test(lines[i + 1] as string)) {
      value += ` ${(lines[++i] as string).trim()}`;
    }
    if (kv[1] === 'command') cur.command = { value, line };
    else if (kv[1] === 'environment') cur.environment = { value, line };
    else if (kv[1] === 'directory') cur.directory = value;
  }
  return out;
}

/** supervisord `environment=A="1",B=2` -> map (values may be quoted; %(ENV_X)s left as written). */
export function supervisordEnvironment(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("([^"]*)"|'([^']*)'|[^,]*)\s*,?/g;
  for (let guard = 0; guard < 1000; guard++) {
    const m = re.exec(value);
    if (!m || m[0] === '') break;
    out[m[1] as string] = m[3] ?? m[4] ?? (m[2] as string).trim();
  }
  return out;
}

// ---------------------------------------------------------------- compose

export interface ComposeRaw {
  name?: string;
  /** Top-level networks declared `external: true` (created outside this file: a reverse proxy's network). */
  externalNetworks?: string[];
  /** Top-level networks' `ipam: config: - subnet:` ranges (the addresses their containers get), with their lines. */
  subnets?: Array<{ network: string; subnet: string; line: number }>;
  /**
   * Top-level `include:` items (Compose 2.20+), each the files of one included model as written, relative to this
   * file's folder: a string item or `path:` is one file; a `path:` list is a base file and the override files compose
   * merges over it, in order (the Compose spec's include `path`).
   */
  include?: Array<{ paths: string[]; line: number }>;
  services: Array<{
    name: string;
    line: number;
    /** Resolved JS value of the service (merges applied). */
    value: Record<string, unknown>;
    /** Line of a top-level key of the service, when written in it (not through a merge). */
    keyLine: (key: string) => number;
    /** Line of the i-th item of a list-valued key. */
    itemLine: (key: string, index: number) => number;
  }>;
  problems: Problem[];
}

export function parseCompose(text: string): ComposeRaw {
  const { LineCounter, parseDocument, isMap, isScalar, isSeq } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: false, prettyErrors: false });
  const problems: Problem[] = [];
  for (const e of doc.errors) {
    const pos = lineCounter.linePos(e.pos[0]);
    problems.push({ line: pos.line, column: pos.col, message: `YAML: ${e.message.split('\n')[0]}` });
  }
  const out: ComposeRaw = { services: [], problems };
  if (problems.length > 0) return out;
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    problems.push(yamlValueProblem(e, text));
    return out;
  }
  if (!js || typeof js !== 'object') return out;
  const root = js as Record<string, unknown>;
  if (typeof root.name === 'string') out.name = root.name;
  if (root.networks && typeof root.networks === 'object')
    out.externalNetworks = Object.entries(root.networks as Record<string, unknown>)
      .filter(([, v]) => v && typeof v === 'object' && (v as Record<string, unknown>).external)
      .map(([k]) => k);
  if (root.networks && typeof root.networks === 'object')
    for (const [name, v] of Object.entries(root.networks as Record<string, unknown>)) {
      const config = (v as { ipam?: { config?: unknown } } | null)?.ipam?.config;
      if (!Array.isArray(config)) continue;
      config.forEach((c, i) => {
        const subnet = (c as { subnet?: unknown } | null)?.subnet;
        if (typeof subnet !== 'string' || !/^[\d.]+\/\d+$|^[\da-f:]+\/\d+$/i.test(subnet)) return;
        const node = doc.getIn(['networks', name, 'ipam', 'config', i, 'subnet'], true) as YamlNode | undefined;
        out.subnets ??= [];
        out.subnets.push({ network: name, subnet, line: node?.range ? lineCounter.linePos(node.range[0]).line : 0 });
      });
    }
  if (Array.isArray(root.include)) {
    const node = doc.get('include', true) as YamlNode | undefined;
    const at = (i: number): number => {
      const item = node && isSeq(node) ? (node.items[i] as YamlNode | undefined) : undefined;
      return item?.range ? lineCounter.linePos(item.range[0]).line : 0;
    };
    out.include = root.include.flatMap((item, i) => {
      const path =
        typeof item === 'string' ? item : item && typeof item === 'object' ? (item as { path?: unknown }).path : undefined;
      const paths = (Array.isArray(path) ? path : [path]).filter((p): p is string => typeof p === 'string' && p !== '');
      return paths.length > 0 ? [{ paths, line: at(i) }] : [];
    });
  }
  // Compose file format v1 (docker-compose 1.x, no `version:`): services are the top-level keys themselves.
  const v1 =
    root.services === undefined &&
    root.version === undefined &&
    Object.values(root).length > 0 &&
    Object.values(root).every((x) => x !== null && typeof x === 'object' && !Array.isArray(x) && ('image' in x || 'build' in x));
  const servicesNode = (v1 ? doc.contents : doc.get('services', true)) as YamlNode | undefined;
  const services = v1 ? root : root.services;
  if (!services || typeof services !== 'object') return out;
  const lineOf = (n: YamlNode | undefined | null): number => (n?.range ? lineCounter.linePos(n.range[0]).line : 0);
  for (const [name, value] of Object.entries(services as Record<string, unknown>)) {
    if (!value || typeof value !== 'object') continue;
    let svcLine = 0;
    let svcMap: YAMLMap | undefined;
    if (servicesNode && isMap(servicesNode)) {
      for (const pair of servicesNode.items) {
        if (isScalar(pair.key) && String(pair.key.value) === name) {
          svcLine = lineOf(pair.key as YamlNode);
          if (isMap(pair.value)) svcMap = pair.value;
        }
      }
    }
    const findPair = (key: string) => svcMap?.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    out.services.push({
      name,
      line: svcLine,
      value: value as Record<string, unknown>,
      keyLine: (key) => {
        const p = findPair(key);
        return p ? lineOf(p.key as YamlNode) : svcLine;
      },
      itemLine: (key, index) => {
        const p = findPair(key);
        if (!p) return svcLine;
        if (isSeq(p.value)) return lineOf(p.value.items[index] as YamlNode) || lineOf(p.key as YamlNode);
        if (isMap(p.value)) return lineOf(p.value.items[index]?.key as YamlNode) || lineOf(p.key as YamlNode);
        return lineOf(p.key as YamlNode);
      },
    });
  }
  return out;
}

/**
 * Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, $VAR, $$. A variable `lookup` does not
 * know is empty (what compose makes of an unset one), or with `keepUnknown` left as `${VAR}`: a value the shell or a
 * `.env` outside the tree may give, kept visibly unknown rather than invented.
 */
export function interpolate(
  s: string,
  lookup: (n: string) => string | undefined,
  keepUnknown = false,
): { value: string; vars: string[]; unresolved: string[] } {
  const vars: string[] = [];
  const unresolved: string[] = [];
  const value = s.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (m, a: string, op: string, arg: string, b: string) => {
      if (m === '$$') return '$';
      const n = a ?? b;
      vars.push(n);
      const v = lookup(n);
      if (op === ':-' || op === '-') {
        if (v === undefined || (op === ':-' && v === '')) return arg ?? '';
        return v;
      }
      if (op === ':+' || op === '+') return v !== undefined && (op === '+' || v !== '') ? (arg ?? '') : '';
      if (v === undefined) {
        unresolved.push(n);
        return keepUnknown ? `\${${n}}` : '';
      }
      return v;
    },
  );
  return { value, vars, unresolved };
}

/** Compose `ports:` short syntax ("8000", "8000:8000", "127.0.0.1:8000:8000", "[::1]:80:80/tcp", ranges) and long syntax. */
export function parseComposePort(item: unknown): Array<Omit<ComposePort, 'ref'>> {
  if (item && typeof item === 'object' && !Array.isArray(item)) {
    const o = item as Record<string, unknown>;
    const target = Number(o.target);
    if (!Number.isInteger(target)) return [];
    const published = o.published === undefined ? undefined : Number(String(o.published).split('-')[0]);
    return [
      {
        hostIp: typeof o.host_ip === 'string' ? o.host_ip : '0.0.0.0',
        hostPort: Number.isInteger(published) ? published : undefined,
        containerPort: target,
        protocol: o.protocol === 'udp' ? 'udp' : 'tcp',
        raw: JSON.stringify(o),
      },
    ];
  }
  if (typeof item !== 'string' && typeof item !== 'number') return [];
  const raw = String(item);
  let s = raw;
  let protocol: 'tcp' | 'udp' = 'tcp';
  const slash = s.lastIndexOf('/');
  if (slash >= 0) {
    protocol = s.slice(slash + 1) === 'udp' ? 'udp' : 'tcp';
    s = s.slice(0, slash);
  }
  let hostIp = '0.0.0.0';
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(s);
  if (v6) {
    hostIp = v6[1] as string;
    s = v6[2] as string;
  } else {
    const parts = s.split(':');
    if (parts.length === 3) {
      hostIp = parts[0] as string;
      s = `${parts[1]}:${parts[2]}`;
    }
  }
  const [a, b] = s.includes(':') ? (s.split(':') as [string, string]) : [undefined, s];
  const range = (r: string | undefined): number[] => {
    if (r === undefined || r === '') return [];
    const [x, y] = r.split('-').map(Number);
    if (!Number.isInteger(x)) return [];
    const end = y === undefined ? (x as number) : y;
    const out: number[] = [];
    for (let p = x as number; p <= end && out.length < 1000; p++) out.push(p);
    return out;
  };
  const hosts = range(a);
  const conts = range(b);
  return conts.map((c, i) => ({
    hostIp: hostIp === '' ? '0.0.0.0' : hostIp,
    hostPort: hosts.length ? hosts[Math.min(i, hosts.length - 1)] : undefined,
    containerPort: c,
    protocol,
    raw,
  }));
}
