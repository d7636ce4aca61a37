/**
 * Shell words: splits a command line the way a POSIX shell (or systemd, or compose) would, without
 * running anything. Quotes, backslashes and `$VAR`/`${VAR:-default}` are handled; command
 * substitution and globbing are left as written. Bounded by the input length.
 */

export interface Word {
  text: string;
  /** Variables the word expanded (or could not expand). */
  vars: string[];
  /** A variable in it had no known value. */
  unresolved: boolean;
}

export interface SimpleCommand {
  /** Leading `NAME=value` assignments (they apply to this command's environment). */
  assignments: Record<string, string>;
  argv: Word[];
}

export type VarLookup = (name: string) => string | undefined;

/**
 * Splits a line into simple commands separated by `&&`, `||`, `;`, `|`, `&` and newlines.
 * `lookup` resolves `$VAR`; unknown ones stay as written (`$VAR`) and mark the word unresolved.
 */
export function splitCommands(
  src: string,
  lookup: VarLookup = () => undefined,
  opts: { expand?: boolean } = {},
): SimpleCommand[] {
  const expand = opts.expand ?? true;
  const commands: SimpleCommand[] = [];
  let words: Word[] = [];
  let cur: Word | null = null;
  const push = () => {
    if (cur) words.push(cur);
    cur = null;
  };
  const endCommand = () => {
    push();
    if (words.length > 0) commands.push(toCommand(words));
    words = [];
  };
  const w = (): Word => {
    if (!cur) cur = { text: '', vars: [], unresolved: false };
    return cur;
  };
  const expandAt = (i: number, inDouble: boolean): number => {
    // src[i] === '$'
    const rest = src.slice(i + 1);
    let m = /^\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=?+])([^}]*))?\}/.exec(rest);
    let name: string | undefined;
    let len = 0;
    let op: string | undefined;
    let arg: string | undefined;
    if (m) {
      name = m[1];
      op = m[2];
      arg = m[3];
      len = m[0].length;
    } else {
      m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
      if (m) {
        name = m[0];
        len = m[0].length;
      }
    }
    const word = w();
    if (!name || !expand) {
      word.text += '$';
      return i + 1;
    }
    const v = lookup(name);
    word.vars.push(name);
    let out: string | undefined = v;
    if (op !== undefined) {
      const empty = v === undefined || (op.startsWith(':') && v === '');
      if ((op === ':-' || op === '-' || op === ':=' || op === '=') && empty) out = arg ?? '';
      else if ((op === ':+' || op === '+') && !empty) out = arg ?? '';
      else if (op === ':+' || op === '+') out = '';
    }
    if (out === undefined) {
      word.unresolved = true;
      word.text += src.slice(i, i + 1 + len);
    } else word.text += inDouble ? out : out;
    return i + 1 + len;
  };
  let i = 0;
  const n = src.length;
  while (i < n) {
    const ch = src[i] as string;
    if (ch === '\\') {
      const next = src[i + 1];
      if (next === '\n') {
        i += 2;
        continue;
      }
      if (next !== undefined) w().text += next;
      i += 2;
      continue;
    }
    if (ch === "'") {
      const end = src.indexOf("'", i + 1);
      const stop = end < 0 ? n : end;
      w().text += src.slice(i + 1, stop);
      i = stop + 1;
      continue;
    }
    if (ch === '"') {
      const word = w();
      i++;
      while (i < n && src[i] !== '"') {
        const c = src[i] as string;
        if (c === '\\' && i + 1 < n && '$`"\\\n'.includes(src[i + 1] as string)) {
          if (src[i + 1] !== '\n') word.text += src[i + 1];
          i += 2;
          continue;
        }
        if (c === '$') {
          i = expandAt(i, true);
          continue;
        }
        word.text += c;
        i++;
      }
      i++;
      continue;
    }
    if (ch === '$') {
      i = expandAt(i, false);
      continue;
    }
    if (ch === '#' && !cur) {
      // comment to end of line
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      push();
      i++;
      continue;
    }
    if (ch === '\n' || ch === ';') {
      endCommand();
      i++;
      continue;
    }
    if (ch === '&' || ch === '|') {
      endCommand();
      i += src[i + 1] === ch ? 2 : 1;
      continue;
    }
    if (ch === '(' || ch === ')') {
      endCommand();
      i++;
      continue;
    }
    w().text += ch;
    i++;
  }
  endCommand();
  return commands;
}

function toCommand(words: Word[]): SimpleCommand {
  const assignments: Record<string, string> = {};
  let k = 0;
  for (; k < words.length; k++) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec((words[k] as Word).text);
    if (!m) break;
    assignments[m[1] as string] = m[2] as string;
  }
  return { assignments, argv: words.slice(k) };
}

/** Splits like Python's shlex.split (compose string commands, GUNICORN_CMD_ARGS): no variables, no operators. */
export function shlexSplit(src: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === '\\' && i + 1 < src.length) {
      cur = (cur ?? '') + src[i + 1];
      i += 2;
    } else if (ch === "'" || ch === '"') {
      const end = src.indexOf(ch, i + 1);
      const stop = end < 0 ? src.length : end;
      cur = (cur ?? '') + src.slice(i + 1, stop);
      i = stop + 1;
    } else if (/\s/.test(ch)) {
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

/**
 * The arguments an entrypoint script hands over to, after its top-level `shift`s: `exec "$@"` / `"$@"`, or `cmd="$@"`
 * (also `$*`) followed by `exec $cmd` (a wait-for script that takes its own arguments first). Undefined when it runs
 * none of its arguments.
 */
export function handedOver(text: string, args: string[]): string[] | undefined {
  let shifted = 0;
  let held: string | undefined;
  for (const raw of text.split(/\r?\n/).slice(0, 10_000)) {
    const l = raw.replace(/^[ \t]+/, '');
    const sh = /^shift(?:[ \t]+(\d+))?[ \t]*(?:[;#].*)?$/.exec(l);
    if (sh) {
      shifted += Number(sh[1] ?? 1);
      continue;
    }
    const hold = /^([A-Za-z_][A-Za-z0-9_]*)=(?:"\$[@*]"|\$[@*]|"\$\{[@*]\}")[ \t]*(?:[;#].*)?$/.exec(l);
    if (hold) {
      held = hold[1];
      continue;
    }
    const all = /^(?:exec[ \t]+)?(?:"\$@"|"\$\{@\}"|\$@)[ \t]*(?:[;#].*)?$/.test(l);
    const viaHeld =
      held !== undefined && new RegExp(`^(?:exec[ \\t]+)?(?:"\\$\\{?${held}\\}?"|\\$\\{?${held}\\}?)[ \\t]*(?:[;#].*)?$`).test(l);
    if (all || viaHeld) return args.slice(shifted);
  }
  return undefined;
}
