/**
 * The listen address a Go server is given, when it is not a literal at the call: `e.Start(addr)` with `addr := ":8080"`
 * earlier in the file, `":" + port`, `fmt.Sprintf(":%s", port)`, `e.Server.Addr = ...`, `&http.Server{Addr: ...}`,
 * and `os.Getenv("PORT")` with the file's own fallback (`if port == "" { port = "8080" }`, the usual idiom). Go's
 * net.Listen reads `host:port`, an empty host meaning every interface. Read line by line within one file (comments
 * already blanked): a value set in another file or package stays unknown, and nothing is guessed.
 */
import { quotedStrings } from '../appends/lines.js';

export interface GoAddr {
  host: string;
  /**
   * Undefined when it comes from the environment: the file's fallback holds only where the variable is unset, and a
   * compose `env_file:`/`environment:` may set it (the note keeps the fallback); the host part still decides the reach.
   */
  port?: number;
  /** The environment variable the port comes from (`PORT`), and the file's fallback for when it is unset. */
  envVar?: string;
  fallback?: number;
  /** How the address was found when it is not a literal at the call: `addr (main.go:12)`, `PORT unset: 8080`. */
  note?: string;
}

/** How far a Go listen host reaches (an empty host is every interface: net.Listen). */
export function goExposure(host: string): 'all-interfaces' | 'loopback' | 'specific' {
  const h = host || '0.0.0.0';
  return h === '0.0.0.0' || h === '::' ? 'all-interfaces' : /^(127\.|localhost$|::1$)/.test(h) ? 'loopback' : 'specific';
}

/** Nested resolution of names (addr -> port -> os.Getenv) stops here. */
const MAX_DEPTH = 4;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `text` split at `sep` outside quotes and parentheses, up to an unmatched `)` (the end of the call it sits in):
 * `end` says whether that `)` was met.
 */
function splitTopLevel(text: string, sep: string): { parts: string[]; end: boolean } {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const ch of text) {
    if (quote) {
      cur += ch;
      if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) return { parts: [...parts, cur.trim()], end: true };
      depth--;
    }
    if (ch === sep && depth === 0) {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  return { parts: [...parts, cur.trim()], end: false };
}

interface Value {
  text: string;
  notes: string[];
  /** Part of it comes from an environment variable (with the file's fallback in `text`). */
  env?: boolean;
  /** That variable's name, when the file names it. */
  envVar?: string;
}

/**
 * The string value of a Go expression at line `at` (0-based) of `code`: a quoted literal, a name assigned a value in
 * the file (the last assignment before `at`, else the first after it: a fallback inside `if x == ""` sits after the
 * Getenv), a concatenation, `fmt.Sprintf` with %s/%d/%v, `strconv.Itoa(x)`, or `os.Getenv("X")` with a fallback.
 */
function goValue(expr: string, code: string[], at: number, file: string, depth: number): Value | undefined {
  const e = expr.trim();
  if (depth > MAX_DEPTH) return undefined;
  const q = /^"([^"\\]*)"$|^`([^`]*)`$/.exec(e);
  if (q) return { text: q[1] ?? q[2] ?? '', notes: [] };
  if (/^\d+$/.test(e)) return { text: e, notes: [] };
  const parts = splitTopLevel(e, '+').parts;
  if (parts.length > 1) {
    const vals = parts.map((p) => goValue(p, code, at, file, depth + 1));
    if (vals.some((v) => v === undefined)) return undefined;
    return {
      text: vals.map((v) => v?.text).join(''),
      notes: vals.flatMap((v) => v?.notes ?? []),
      env: vals.some((v) => v?.env),
      envVar: vals.find((v) => v?.envVar)?.envVar,
    };
  }
  const itoa = /^strconv\.Itoa\s*\((.*)\)$/.exec(e);
  if (itoa) return goValue(itoa[1] as string, code, at, file, depth + 1);
  const sprintf = /^fmt\.Sprintf\s*\(\s*"([^"]*)"\s*,(.*)\)$/.exec(e);
  if (sprintf) {
    const args = splitTopLevel(sprintf[2] as string, ',').parts;
    const vals = args.map((a) => goValue(a, code, at, file, depth + 1));
    if (vals.some((v) => v === undefined)) return undefined;
    let i = 0;
    const text = (sprintf[1] as string).replace(/%[sdv]/g, () => vals[i++]?.text ?? '');
    return {
      text,
      notes: vals.flatMap((v) => v?.notes ?? []),
      env: vals.some((v) => v?.env),
      envVar: vals.find((v) => v?.envVar)?.envVar,
    };
  }
  if (/^os\.(Getenv|LookupEnv)\s*\(/.test(e)) return undefined;
  if (!IDENT.test(e)) return undefined;
  return nameValue(e, code, at, file, depth);
}

/** A name's value: the assignments of the file; an `os.Getenv` one counts only with a literal fallback after it. */
function nameValue(name: string, code: string[], at: number, file: string, depth: number): Value | undefined {
  const assign = new RegExp(
    `(?:^|[\\s;({,])(?:(?:var|const)\\s+)?${name}(?:\\s*,\\s*\\w+)?\\s*(?:[A-Za-z.\\[\\]]+\\s*)?:?=\\s*(.+?)\\s*;?\\s*(?:}\\s*)?$`,
  );
  const found: Array<{ line: number; expr: string }> = [];
  code.forEach((l, i) => {
    const m = assign.exec(l);
    if (m && !/==/.test(l.slice(0, m.index + m[0].indexOf('=') + 2))) found.push({ line: i, expr: m[1] as string });
  });
  if (found.length === 0) return undefined;
  const env = found.find((f) => /^os\.(Getenv|LookupEnv)\s*\(/.test(f.expr));
  const literal = found.filter((f) => f !== env);
  const before = literal.filter((f) => f.line <= at);
  const pick = env ? literal.find((f) => f.line > env.line) : (before[before.length - 1] ?? literal[0]);
  if (!pick) return undefined;
  const v = goValue(pick.expr, code, pick.line, file, depth + 1);
  if (!v) return undefined;
  const envName = env ? quotedStrings(env.expr)[0] : undefined;
  const note = env
    ? `${name} from ${envName ?? 'the environment'} (${file}:${env.line + 1}), ${v.text} when unset (${file}:${pick.line + 1})`
    : `${name} (${file}:${pick.line + 1})`;
  return { text: v.text, notes: [...v.notes, note], env: Boolean(env) || v.env, envVar: envName ?? v.envVar };
}

/** `host:port` as net.Listen reads it, from the expression passed as the address. */
export function goListenAddr(expr: string, code: string[], at: number, file: string): GoAddr | undefined {
  const v = goValue(expr, code, at, file, 0);
  if (!v) return undefined;
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(v.text);
  if (!m) return undefined;
  const literal = /^\s*"/.test(expr) && v.notes.length === 0;
  return {
    host: m[1] as string,
    ...(v.env ? { fallback: Number(m[2]), ...(v.envVar ? { envVar: v.envVar } : {}) } : { port: Number(m[2]) }),
    ...(literal ? {} : { note: v.notes.join('; ') || expr.trim() }),
  };
}

/**
 * The address argument of a listen call at line `i` of `code`: Echo's `Start`/`StartTLS`/`StartAutoTLS` (first
 * argument), net/http's `ListenAndServe(TLS)`, Gin's `Run`, `e.Server.Addr = X`, or an `http.Server` literal's
 * `Addr: X` (on the literal's line or within its next lines; another struct's `Addr:`, a redis.Options, is not one).
 */
export function listenArg(code: string[], i: number, kind: 'echo' | 'http' | 'gin'): string | undefined {
  const line = code[i] ?? '';
  const call =
    kind === 'echo'
      ? /\.Start(?:TLS|AutoTLS)?\s*\(|\bhttp\.ListenAndServe(?:TLS)?\s*\(/.exec(line)
      : kind === 'gin'
        ? /\.Run(?:TLS)?\s*\(/.exec(line)
        : /\bhttp\.ListenAndServe(?:TLS)?\s*\(/.exec(line);
  if (call) return firstArg(line.slice(call.index + call[0].length));
  const server = /\.Server\.Addr\s*=\s*(.+?)\s*$/.exec(line);
  if (server && kind === 'echo') return server[1] as string;
  const field = /\bAddr\s*:\s*(.+?)\s*$/.exec(line);
  if (!field || kind === 'gin') return undefined;
  if (/\bhttp\.Server\s*\{[^}]*\bAddr\s*:/.test(line)) return firstArg(`${field[1] as string})`);
  // On its own line: the literal it belongs to is the nearest `{` above still open.
  let open = 0;
  for (let j = i - 1; j >= Math.max(0, i - SERVER_LITERAL_LINES); j--) {
    const l = code[j] ?? '';
    open += (l.match(/\{/g)?.length ?? 0) - (l.match(/\}/g)?.length ?? 0);
    if (open > 0) return /\bhttp\.Server\s*\{\s*$/.test(l) ? firstArg(`${field[1] as string})`) : undefined;
  }
  return undefined;
}

/** How far above an `Addr:` field its `http.Server{` may open. */
const SERVER_LITERAL_LINES = 8;

/** The first argument of a call whose `(` was just passed; undefined when the call goes on past this line. */
function firstArg(rest: string): string | undefined {
  const r = splitTopLevel(rest, ',');
  return r.end || r.parts.length > 1 ? r.parts[0] || undefined : undefined;
}
