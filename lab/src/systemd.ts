// A small reader of systemd unit files: what the lab needs to run a unit's ExecStart as systemd would
// (WorkingDirectory, Environment=, ExecStart= with line continuations and quoting).
import { readFileSync } from 'node:fs';

export interface UnitService {
  file: string;
  execStart: string[];
  workingDirectory?: string;
  environment: Record<string, string>;
  /** 1-based line of ExecStart, for error messages. */
  execStartLine: number;
}

/** Splits a command line the way systemd does for the simple cases: whitespace, "double" and 'single' quotes, backslash escapes. */
export function splitCommandLine(s: string, where: string): string[] {
  const out: string[] = [];
  let cur = '';
  let have = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      have = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      have = true;
    } else if (/\s/.test(c)) {
      if (have) out.push(cur);
      cur = '';
      have = false;
    } else {
      cur += c;
      have = true;
    }
  }
  if (quote) throw new Error(`${where}: unterminated quote in command line`);
  if (have) out.push(cur);
  return out;
}

export function readUnit(file: string): UnitService {
  const text = readFileSync(file, 'utf8');
  const raw = text.split('\n');
  // join continuation lines, remembering where each logical line starts
  const lines: Array<{ text: string; line: number }> = [];
  for (let i = 0; i < raw.length; i++) {
    let t = raw[i]!;
    const start = i + 1;
    while (t.endsWith('\\') && i + 1 < raw.length) t = `${t.slice(0, -1)} ${raw[++i]!.trim()}`;
    lines.push({ text: t, line: start });
  }
  let section = '';
  const svc: UnitService = { file, execStart: [], environment: {}, execStartLine: 0 };
  for (const { text: t, line } of lines) {
    const s = t.trim();
    if (!s || s.startsWith('#') || s.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(s);
    if (sec) {
      section = sec[1]!;
      continue;
    }
    if (section !== 'Service') continue;
    const eq = s.indexOf('=');
    if (eq < 0) throw new Error(`${file}:${line}: expected Key=Value`);
    const key = s.slice(0, eq).trim();
    const value = s.slice(eq + 1).trim();
    if (key === 'ExecStart') {
      // prefixes like '-' or '@' are systemd flags, not part of the path
      svc.execStart = splitCommandLine(value.replace(/^[-@+!:]+/, ''), `${file}:${line}`);
      svc.execStartLine = line;
    } else if (key === 'WorkingDirectory') {
      svc.workingDirectory = value.replace(/^-/, '');
    } else if (key === 'Environment') {
      for (const pair of splitCommandLine(value, `${file}:${line}`)) {
        const e = pair.indexOf('=');
        if (e > 0) svc.environment[pair.slice(0, e)] = pair.slice(e + 1);
      }
    }
  }
  if (svc.execStart.length === 0) throw new Error(`${file}: no ExecStart= in [Service]`);
  if (!svc.execStart[0]!.startsWith('/')) {
    throw new Error(`${file}:${svc.execStartLine}: ExecStart must start with an absolute path (systemd requires it)`);
  }
  return svc;
}
