/**
 * What a shell script does to the environment an envsubst template is rendered with, read without running it:
 *
 * - its `envsubst` commands (`envsubst '$DOMAIN ${PORT}' < site.tpl > /etc/nginx/conf.d/site.conf`,
 *   `cat site.tpl | envsubst > out`): the input file, the explicit SHELL-FORMAT list when one is given (GNU
 *   envsubst then substitutes only the names the list holds; every other `${NAME}` stays in the output as written:
 *   checked with Debian's gettext-base envsubst), and `NAME=v envsubst ...` prefixes (exported to that command only);
 * - the statements before each one that change what it sees: `export X=v`, `X=v` (seen only when X is exported: it
 *   came from the environment, `export X` follows, or `set -a` is on), `: ${X:=v}` (sets X when it is unset or
 *   empty, NOT exported on its own: real dash/bash then give envsubst nothing for it), `unset X`;
 * - `docker run -e X=v / --env X / --env-file f -v host:ctr IMAGE`: a container started with that environment
 *   holding the host path it mounts (the stock nginx image renders `/etc/nginx/templates/*.template` with it);
 *   every `--env-file` is read before every `-e`, so `-e` wins whatever the order (docker/cli
 *   `cli/command/container/opts.go`: `ReadKVEnvStrings(envFile, env)`).
 *
 * A statement inside `if`/`case`/`for`/`while`/a function may or may not run: the name's value becomes unknown.
 * Values are evaluated later against each container's environment (collectors/template/envsubst.ts), since
 * `${X:-v}` and `: ${X:=v}` depend on it. Pure functions of the script's text, bounded by its lines.
 */

import { posix } from 'node:path';
import { ENVSUBST_REF, type TemplateValue } from '../../model/template.js';
import { type SimpleCommand, splitCommands } from '../deploy/shell.js';

/** One change a script makes to its environment, in order. `raw` is the value as written (quotes removed). */
export type EnvOp =
  | { k: 'set'; name: string; raw: string; exported: boolean; at: TemplateValue; sure: boolean }
  | { k: 'default'; name: string; raw: string; at: TemplateValue; sure: boolean }
  | { k: 'export'; name: string; sure: boolean }
  | { k: 'unset'; name: string; sure: boolean };

export interface ScriptRender {
  script: string;
  line: number;
  /** The input path as written (container or relative path). */
  src: string;
  /** The names an explicit list lets through; undefined: no list (every name); null: a list we cannot read. */
  list?: Set<string> | null;
  /** The script's statements before the render, then the command's own prefix assignments. */
  ops: EnvOp[];
}

export interface DockerRun {
  script: string;
  line: number;
  /** Host paths it mounts (absolute, resolved against the script's folder). */
  mounts: string[];
  /** `-e X=v` (a value), `-e X` (passed through from the shell: unknown), `--env-file` entries, in order. */
  env: Array<{ name: string; value: TemplateValue | null }>;
}

export interface ScriptEnv {
  renders: ScriptRender[];
  runs: DockerRun[];
}

/** docker run options that take the next word as their value (when not written `--opt=value`). */
export const RUN_VALUE_OPTS = new Set([
  '-e',
  '--env',
  '--env-file',
  '-v',
  '--volume',
  '-p',
  '--publish',
  '--name',
  '--network',
  '--net',
  '-w',
  '--workdir',
  '-u',
  '--user',
  '--restart',
  '--mount',
  '-l',
  '--label',
  '--entrypoint',
  '-h',
  '--hostname',
  '--add-host',
  '--log-driver',
  '--log-opt',
  '--cpus',
  '-m',
  '--memory',
  '--ulimit',
  '--dns',
  '--cap-add',
  '--cap-drop',
  '--device',
  '--tmpfs',
  '--pid',
  '--ipc',
  '--security-opt',
  '--platform',
  '--pull',
  '--stop-signal',
  '--network-alias',
  '--ip',
  '--expose',
  '--label-file',
  '--volumes-from',
  '--link',
  '--health-cmd',
  '--gpus',
  '--shm-size',
  '--sysctl',
]);

const MAX_LINES = 20_000;

/**
 * The names a SHELL-FORMAT list holds (`$A ${B},C`): envsubst reads the list with the reference syntax it substitutes
 * (`ENVSUBST_REF`, gettext's envsubst.c).
 */
function listNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(ENVSUBST_REF)) out.add((m[1] ?? m[2]) as string);
  return out;
}

/**
 * Reads one script. `readEnvFile` gives the lines of an `--env-file` (absolute path) or undefined when the tree
 * does not hold it (then every name stays unknown: we cannot tell which it sets).
 */
export function readScriptEnv(
  display: string,
  abs: string,
  text: string,
  readEnvFile: (abs: string) => { display: string; values: Record<string, { value: string; line: number }> } | undefined,
  /** The file line of the text's first line (a Dockerfile instruction's). */
  firstLine = 1,
): ScriptEnv {
  const renders: ScriptRender[] = [];
  const runs: DockerRun[] = [];
  const ops: EnvOp[] = [];
  const dir = posix.dirname(abs);
  const lines = text.split(/\r?\n/);
  let depth = 0;
  let setA = false;
  for (let i = 0; i < lines.length && i < MAX_LINES; i++) {
    const start = i + firstLine;
    let l = lines[i] as string;
    while (/\\$/.test(l) && i + 1 < lines.length) l = `${l.slice(0, -1)} ${lines[++i]}`;
    const trimmed = l.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    // Blocks whose body may not run: `if`/`case`/loops/functions (counted by their opening and closing words).
    const opens = (trimmed.match(/(?:^|[;&|]\s*|\bthen\s+|\bdo\s+)(?:if|case|for|while|until)\b/g) ?? []).length;
    const fn = /^(?:function\s+[A-Za-z_][\w-]*\s*(?:\(\))?|[A-Za-z_][\w-]*\s*\(\))\s*\{?\s*$/.test(trimmed) ? 1 : 0;
    const closes = (trimmed.match(/(?:^|[;&|]\s*)(?:fi|esac|done)\b/g) ?? []).length + (/^\}/.test(trimmed) ? 1 : 0);
    const lineSure = depth === 0 && opens === 0 && fn === 0;
    // A command after `&&`/`||` runs only when the one before it succeeds (or fails).
    const chained = /&&|\|\|/.test(l.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, ''));
    const at = (raw: string): TemplateValue => ({ value: raw, file: display, line: start });
    const raw = splitCommands(l, () => undefined, { expand: false });
    const expanded = splitCommands(l, () => undefined);
    raw.forEach((cmd, c) => {
      const argv = cmd.argv.map((w) => w.text);
      const sure = lineSure && !(chained && c > 0);
      // `[ -z "$X" ] && X=v` sets X only when it is unset or empty: the same as `: ${X:=v}`.
      const prev = c > 0 ? raw[c - 1]?.argv.map((w) => w.text) : undefined;
      const zTest =
        prev && /^(?:\[|test)$/.test(prev[0] ?? '') && prev[1] === '-z' ? /^\$\{?(\w+)\}?$/.exec(prev[2] ?? '')?.[1] : undefined;
      if (zTest && lineSure && argv.length === 0 && Object.keys(cmd.assignments).length === 1 && zTest in cmd.assignments) {
        const v = cmd.assignments[zTest] as string;
        ops.push({ k: 'default', name: zTest, raw: v, at: at(v), sure: true });
        return;
      }
      // `${X:=v}` anywhere on the line assigns X when unset or empty (not exported by itself).
      for (const w of [...argv, ...Object.values(cmd.assignments)])
        for (const m of w.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?=([^}]*)\}/g))
          ops.push({ k: 'default', name: m[1] as string, raw: m[2] as string, at: at(m[2] as string), sure });
      const cmd0 = argv[0];
      if (cmd0 === undefined) {
        for (const [name, v] of Object.entries(cmd.assignments))
          ops.push({ k: 'set', name, raw: v, exported: setA, at: at(v), sure });
        return;
      }
      if (cmd0 === 'export' || ((cmd0 === 'declare' || cmd0 === 'typeset') && argv[1] === '-x')) {
        for (const a of argv.slice(cmd0 === 'export' ? 1 : 2)) {
          if (a.startsWith('-')) continue;
          const eq = a.indexOf('=');
          if (eq < 0) ops.push({ k: 'export', name: a, sure });
          else ops.push({ k: 'set', name: a.slice(0, eq), raw: a.slice(eq + 1), exported: true, at: at(a.slice(eq + 1)), sure });
        }
        return;
      }
      if (cmd0 === 'unset') {
        for (const a of argv.slice(1)) if (!a.startsWith('-')) ops.push({ k: 'unset', name: a, sure });
        return;
      }
      if (cmd0 === 'set') {
        const args = argv.slice(1);
        // `set -a` / `set -o allexport`: every later assignment is exported (only when it surely runs).
        if (sure && args.some((a, k) => /^-[a-z]*a/.test(a) || (a === '-o' && args[k + 1] === 'allexport'))) setA = true;
        if (args.some((a, k) => /^\+[a-z]*a/.test(a) || (a === '+o' && args[k + 1] === 'allexport'))) setA = false;
        return;
      }
      if (cmd0 === 'envsubst' || cmd0.endsWith('/envsubst')) {
        const words = (expanded[c] as SimpleCommand | undefined)?.argv ?? cmd.argv;
        let src: string | undefined;
        let list: Set<string> | null | undefined;
        for (let k = 1; k < words.length; k++) {
          const w = words[k] as (typeof words)[number];
          if (w.text === '<') src = words[++k]?.text;
          else if (w.text.startsWith('<') && !w.text.startsWith('<<')) src = w.text.slice(1);
          else if (w.text === '>' || w.text === '>>') k++;
          else if (w.text.startsWith('>')) continue;
          else if (w.text.startsWith('-')) continue;
          else if (list === undefined) list = w.unresolved ? null : listNames(w.text);
        }
        // `cat site.tpl | envsubst`: the previous command of the line feeds it.
        if (src === undefined && c > 0) {
          const prev = raw[c - 1]?.argv.map((w) => w.text) ?? [];
          if (prev[0] === 'cat' && prev.length === 2) src = prev[1];
        }
        if (src === undefined || src.includes('$')) return;
        const prefix: EnvOp[] = Object.entries(cmd.assignments).map(([name, v]) => ({
          k: 'set',
          name,
          raw: v,
          exported: true,
          at: at(v),
          sure: true,
        }));
        renders.push({ script: display, line: start, src, ...(list !== undefined ? { list } : {}), ops: [...ops, ...prefix] });
        return;
      }
      if (cmd0 === 'docker' || cmd0 === 'podman') {
        const ri = argv.indexOf('run');
        if (ri < 0 || argv.slice(1, ri).some((a) => !a.startsWith('-'))) return;
        const run: DockerRun = { script: display, line: start, mounts: [], env: [] };
        // docker/cli (cli/command/container/opts.go) reads every --env-file first, then every -e: -e wins.
        const flags: DockerRun['env'] = [];
        const words = (expanded[c] as SimpleCommand | undefined)?.argv ?? cmd.argv;
        for (let k = ri + 1; k < words.length; k++) {
          const w = words[k] as (typeof words)[number];
          let opt = w.text;
          if (!opt.startsWith('-')) break;
          let val: (typeof words)[number] | undefined;
          const eq = opt.indexOf('=');
          if (opt.startsWith('--') && eq > 0) {
            val = { ...w, text: opt.slice(eq + 1) };
            opt = opt.slice(0, eq);
          } else if (RUN_VALUE_OPTS.has(opt)) val = words[++k];
          if (!val) continue;
          if (opt === '-e' || opt === '--env') {
            const e = val.text.indexOf('=');
            if (e < 0) flags.push({ name: val.text, value: null });
            else {
              const name = val.text.slice(0, e);
              const v = val.text.slice(e + 1);
              flags.push({ name, value: val.unresolved || v.includes('$') ? null : at(v) });
            }
          } else if (opt === '--env-file') {
            const f = val.unresolved ? undefined : readEnvFile(posix.resolve(dir, val.text));
            if (!f) {
              // Which names it sets is unknown: every value of this container is.
              run.env.push({ name: '*', value: null });
              continue;
            }
            for (const [name, e] of Object.entries(f.values))
              run.env.push({ name, value: { value: e.value, file: f.display, line: e.line } });
          } else if (opt === '-v' || opt === '--volume') {
            // `$PWD/x`, `$(pwd)/x`, `./x`: the folder the script runs in stands for the one it is in.
            const host = (raw[c]?.argv[k]?.text ?? val.text)
              .replace(/^(?:\$\{?PWD\}?|\$\(pwd\)|`pwd`)(?=\/|:)/, '.')
              .split(':')[0] as string;
            if (/^(?:\.{1,2}(?:\/|$)|\/)/.test(host) && !host.includes('$')) run.mounts.push(posix.resolve(dir, host));
          }
        }
        run.env.push(...flags);
        if (run.mounts.length > 0) runs.push(run);
      }
    });
    depth = Math.max(0, depth + opens + fn - closes);
  }
  return { renders, runs };
}

/** The environment as a script leaves it: name → value (null: unknown) and whether it is exported. */
export type ShellState = Map<string, { v: TemplateValue | null | undefined; exp: boolean }>;

/**
 * A value as the shell expands it against the state: `$X`, `${X}`, `${X:-d}`, `${X-d}`, `${X:=d}` are evaluated;
 * anything else with `$` or a backquote (command substitution, arithmetic) is unknown (null). A value that is
 * exactly one reference keeps where that value is written.
 */
export function expandValue(raw: string, at: TemplateValue, state: ShellState): TemplateValue | null {
  if (/`|\$\(/.test(raw)) return null;
  let unknown = false;
  let only: TemplateValue | undefined;
  const refs = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  const whole = raw.match(refs);
  const value = raw.replace(refs, (_m, n1: string | undefined, op: string | undefined, arg: string | undefined, n2) => {
    const name = (n1 ?? n2) as string;
    // `*`: an env file the tree does not hold may set any name.
    const s = state.get(name) ?? state.get('*');
    if (s?.v === null) {
      unknown = true;
      return '';
    }
    const v = s?.v;
    const empty = v === undefined || (op?.startsWith(':') === true && v.value === '');
    if (op !== undefined && empty) return arg ?? '';
    if (v === undefined) {
      // Not in the tree: the running environment may set it.
      unknown = true;
      return '';
    }
    only = v;
    return v.value;
  });
  if (unknown || value.includes('$')) return null;
  if (whole?.length === 1 && whole[0] === raw && only) return only;
  return { ...at, value };
}

/** Runs the statements over a starting environment (every name in it exported, as a process environment is). */
export function applyOps(start: Map<string, TemplateValue | null>, ops: EnvOp[]): ShellState {
  const state: ShellState = new Map();
  for (const [k, v] of start) state.set(k, { v, exp: true });
  for (const op of ops) {
    const s = state.get(op.name) ?? state.get('*');
    // An `unset`/`export` that may not run leaves the name unknown (a value that is known only if it does not).
    if (op.k === 'unset') {
      if (op.sure) state.delete(op.name);
      else state.set(op.name, { v: null, exp: true });
    } else if (op.k === 'export') state.set(op.name, { v: op.sure || s?.exp ? s?.v : null, exp: true });
    else if (op.k === 'set') {
      const v = op.sure ? expandValue(op.raw, op.at, state) : null;
      state.set(op.name, { v, exp: op.exported || (s?.exp ?? false) });
    } else {
      // `${X:=d}`: only when X is unset or empty; unknown when X's value is.
      if (s?.v === null) continue;
      if (s?.v !== undefined && s.v.value !== '') continue;
      state.set(op.name, { v: op.sure ? expandValue(op.raw, op.at, state) : null, exp: s?.exp ?? false });
    }
  }
  return state;
}
