/**
 * Careful line-based reading for the app ends whose languages have no parser in our dependencies
 * (Ruby, PHP, Java, C#, Go, Elixir): comments are blanked with line numbers kept, strings are left as
 * they are, and every reader works line by line with a bounded look-ahead. We only need a handful of
 * settings per framework, always written as one statement; a full parser per language would be far
 * more code than the facts we take from it (see ARCHITECTURE.md, "Our own code").
 */
import type { SourceRef, Valued } from '../../model/facts.js';

/** Source files above this size are not app configuration (vendored bundles): skipped. */
export { MAX_SOURCE_BYTES as MAX_APP_SOURCE_BYTES } from '../../model/limits.js';

export type CommentStyle = 'hash' | 'c' | 'php' | 'elixir';

/**
 * Blanks comments, keeping the line count and the columns of code. `hash`: `# ...` (Ruby, YAML-ish,
 * `=begin`/`=end` blocks); `c`: `// ...` and `/* ... *\/`; `php`: both, `#[` attributes kept;
 * `elixir`: `# ...`. A `#` or `//` inside a quoted string is not a comment.
 */
export function codeLines(text: string, style: CommentStyle): string[] {
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  let inBlock = false;
  let inRubyDoc = false;
  for (const raw of lines) {
    if (style === 'hash') {
      if (inRubyDoc) {
        if (/^=end\b/.test(raw)) inRubyDoc = false;
        out.push('');
        continue;
      }
      if (/^=begin\b/.test(raw)) {
        inRubyDoc = true;
        out.push('');
        continue;
      }
    }
    let res = '';
    let quote: string | null = null;
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i] as string;
      const n = raw[i + 1];
      if (inBlock) {
        if (c === '*' && n === '/') {
          inBlock = false;
          i++;
          res += ' ';
        }
        res += ' ';
        continue;
      }
      if (quote) {
        res += c;
        if (c === '\\') {
          res += n ?? '';
          i++;
        } else if (c === quote) quote = null;
        continue;
      }
      if (c === '"' || c === "'" || (c === '`' && style !== 'hash')) {
        quote = c;
        res += c;
        continue;
      }
      const hash = c === '#' && (style === 'hash' || style === 'elixir' || (style === 'php' && n !== '['));
      const slash = (style === 'c' || style === 'php') && c === '/' && n === '/';
      if (hash || slash) break;
      if ((style === 'c' || style === 'php') && c === '/' && n === '*') {
        inBlock = true;
        res += '  ';
        i++;
        continue;
      }
      res += c;
    }
    out.push(res);
  }
  return out;
}

export function refAt(file: string, lines: string[], line: number): SourceRef {
  return { file, line, snippet: (lines[line - 1] ?? '').trim() };
}

export function lit<T>(
  value: T,
  ref: SourceRef,
  origin: Valued<T>['origin'] = 'literal',
  extra: Partial<Valued<T>> = {},
): Valued<T> {
  return { value, origin, ref, ...extra };
}

/** The first environment variable an expression reads (`ENV['X']`, `env('X')`, `getenv("X")`, `${X}`). */
export function envVarIn(expr: string): string | undefined {
  const m =
    /ENV(?:\.fetch)?\s*[[(]\s*["']([A-Za-z_][A-Za-z0-9_]*)["']/.exec(expr) ??
    /\b(?:env|getenv|Environment\.GetEnvironmentVariable|System\.getenv|os\.Getenv|System\.get_env)\s*\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']/.exec(
      expr,
    ) ??
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}/.exec(expr) ??
    /%env\((?:[a-z]+:)*([A-Za-z_][A-Za-z0-9_]*)\)%/.exec(expr);
  return m?.[1];
}

/** A boolean literal of Ruby/PHP/Java/C#/Go/YAML, or undefined for anything else. */
export function boolLiteral(expr: string): boolean | undefined {
  const x = expr.trim().replace(/;$/, '').trim().toLowerCase();
  if (x === 'true') return true;
  if (x === 'false') return false;
  return undefined;
}

/** Quoted strings of a list literal: `['10.0.0.1', "*"]` -> ['10.0.0.1', '*']. */
export function quotedStrings(expr: string): string[] {
  const out: string[] = [];
  for (const m of expr.matchAll(/"([^"\\]*(?:\\.[^"\\]*)*)"|'([^'\\]*(?:\\.[^'\\]*)*)'/g)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

/**
 * The text of a bracketed expression starting at (line, col) up to its matching close, across at most
 * `maxLines` lines (bounded look-ahead for multi-line arrays). Returns the text and the last line.
 */
export function balanced(lines: string[], line: number, col: number, maxLines = 40): { text: string; endLine: number } {
  let depth = 0;
  let text = '';
  let started = false;
  for (let l = line; l < lines.length && l < line + maxLines; l++) {
    const s = l === line ? (lines[l] ?? '').slice(col) : (lines[l] ?? '');
    for (const c of s) {
      text += c;
      if (c === '[' || c === '(' || c === '{') {
        depth++;
        started = true;
      } else if (c === ']' || c === ')' || c === '}') {
        depth--;
        if (started && depth === 0) return { text, endLine: l + 1 };
      } else if (!started && c === ';') return { text, endLine: l + 1 };
    }
    if (!started && text.trim() !== '') return { text, endLine: l + 1 };
    text += '\n';
  }
  return { text, endLine: Math.min(lines.length, line + maxLines) };
}
