/**
 * nginx configuration lexer. Our own code; it follows the token rules of crossplane's lexer (which in turn
 * mirror nginx's ngx_conf_read_token closely enough for every real config):
 *
 * - a backslash and the character after it form one unit: it is never whitespace, a quote, `{`, `}` or `;`,
 *   and it is kept verbatim in the token (`\;` stays `\;`), except `\"` inside "..." and `\'` inside '...',
 *   which become the bare quote;
 * - a quote only opens a quoted token at the start of a token (`right-"quote"` is one plain token);
 *   the quoted token ends at the matching quote and the next character starts a new token;
 * - `#` at the start of a token begins a comment that runs to the end of the line;
 * - `${name}` is read as part of the token (its braces are not block braces);
 * - `{`, `}` and `;` are tokens of their own;
 * - after a `*_by_lua_block` directive name, the Lua code up to the matching `}` is one raw token
 *   (Lua strings, long brackets and comments may hold braces), followed by a synthetic `;`.
 *
 * Lines are 1-based and counted on `\n`; columns are 1-based UTF-16 offsets in the line.
 */

export interface Token {
  value: string;
  line: number;
  column: number;
  /** Written in quotes: never a `{`, `}`, `;` or comment even when it reads like one. */
  quoted: boolean;
  /** A comment token (`#...`, value includes the `#`). */
  comment?: boolean;
}

export interface LexError {
  message: string;
  line: number;
}

/** Token kinds in a TokenList. */
export const Kind = { Word: 0, Quoted: 1, Comment: 2, Open: 3, Close: 4, Semi: 5 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** Longer token texts (Lua bodies, long paths) are rarely repeated and kept as they are. */
const MAX_INTERNED = 200;
/** Slots of TokenList's recent-word table (a power of two). */
const RECENT_SIZE = 4096;

class TooManyTokens {
  constructor(readonly line: number) {}
}

/**
 * Tokens as parallel arrays (a 250k-line config has over a million tokens: one object each would cost the
 * garbage collector more than the lexing itself).
 */
export class TokenList {
  /** The token texts; slots at `length` and beyond are unused (sized up front, see the constructor). */
  values: string[];
  /** line, column, kind per token. */
  meta: Int32Array;
  length = 0;
  /**
   * `capacity`: the tokens expected. Both arrays are sized for it at once: grown step by step from a small size, a
   * 10,000-server config's 806,041 tokens copied both arrays about twenty times (13 MB allocated for nothing).
   */
  constructor(capacity = 1024) {
    this.values = new Array(capacity);
    this.meta = new Int32Array(3 * capacity);
  }
  /**
   * One string per distinct token text: the parsed tree keeps every argument, and most are repeated
   * (`proxy_set_header`, `Host`, `$host`...); a slice per occurrence cost tens of MB on the 10,000-server bench.
   */
  private seen = new Map<string, string>();
  /**
   * The last token text seen per small hash of a word's length and three of its characters: a word that is the
   * same as the one there is taken without slicing the text or looking it up in `seen` (most words of a big
   * config repeat one of a few hundred texts).
   */
  private recent: Array<string | undefined> = new Array(RECENT_SIZE);
  push(value: string, line: number, column: number, kind: Kind): void {
    this.add(this.intern(value), line, column, kind);
  }
  /** Adds a token whose text is interned already (or a single character: V8 keeps one string per character). */
  pushRaw(value: string, line: number, column: number, kind: Kind): void {
    this.add(value, line, column, kind);
  }
  /** The interned text of text.slice(start, end) (start < end). */
  sliceOf(text: string, start: number, end: number): string {
    const len = end - start;
    if (len > MAX_INTERNED) return text.slice(start, end);
    const h =
      (len * 31 + text.charCodeAt(start) * 7 + text.charCodeAt(end - 1) * 13 + text.charCodeAt(start + (len >> 1))) &
      (RECENT_SIZE - 1);
    const known = this.recent[h];
    if (known !== undefined && known.length === len && text.startsWith(known, start)) return known;
    const value = this.intern(text.slice(start, end));
    this.recent[h] = value;
    return value;
  }
  private intern(value: string): string {
    if (value.length > MAX_INTERNED) return value;
    const same = this.seen.get(value);
    if (same !== undefined) return same;
    this.seen.set(value, value);
    return value;
  }
  private add(value: string, line: number, column: number, kind: Kind): void {
    if (this.length >= MAX_TOKENS) throw new TooManyTokens(line);
    const k = this.length * 3;
    if (k + 3 > this.meta.length) {
      const grown = new Int32Array(this.meta.length * 2);
      grown.set(this.meta);
      this.meta = grown;
    }
    // At `length` (an index past the array's end appends).
    this.values[this.length] = value;
    this.meta[k] = line;
    this.meta[k + 1] = column;
    this.meta[k + 2] = kind;
    this.length++;
  }
  line(i: number): number {
    return this.meta[i * 3] as number;
  }
  column(i: number): number {
    return this.meta[i * 3 + 1] as number;
  }
  kind(i: number): Kind {
    return this.meta[i * 3 + 2] as Kind;
  }
  pop(): void {
    this.length--;
    this.values[this.length] = undefined as unknown as string;
  }
  toTokens(): Token[] {
    const out: Token[] = [];
    for (let i = 0; i < this.length; i++) {
      const kind = this.kind(i);
      const t: Token = {
        value: this.values[i] as string,
        line: this.line(i),
        column: this.column(i),
        quoted: kind === Kind.Quoted,
      };
      if (kind === Kind.Comment) t.comment = true;
      out.push(t);
    }
    return out;
  }
}

export interface LexResult {
  tokens: Token[];
  /** The first syntax error; tokens holds what was read before it. */
  error?: LexError;
}

/** Directives whose block is Lua code (lua-nginx-module, stream-lua-nginx-module). */
export const LUA_BLOCK_DIRECTIVES = new Set([
  'access_by_lua_block',
  'balancer_by_lua_block',
  'body_filter_by_lua_block',
  'content_by_lua_block',
  'exit_worker_by_lua_block',
  'header_filter_by_lua_block',
  'init_by_lua_block',
  'init_worker_by_lua_block',
  'log_by_lua_block',
  'preread_by_lua_block',
  'rewrite_by_lua_block',
  'server_rewrite_by_lua_block',
  'set_by_lua_block',
  'ssl_certificate_by_lua_block',
  'ssl_client_hello_by_lua_block',
  'ssl_session_fetch_by_lua_block',
  'ssl_session_store_by_lua_block',
]);

/**
 * Tokens per file. The 10,000-server benchmark config (9.4 MB) has 806,041; a 16 MB file of `a;` would have
 * 16 million and take over a gigabyte to hold, so lexing stops with an error well before that.
 */
export const MAX_TOKENS = 3_000_000;

const BACKSLASH = 92;
const NL = 10;

/** Python's str.isspace() for the characters that occur in configs (ASCII whitespace and the separators). */
function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    (c >= 28 && c <= 31) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Bounded: every loop below advances `i` by at least one character per iteration. */
export function lex(text: string): LexResult {
  const r = lexTokens(text);
  return r.error ? { tokens: r.tokens.toTokens(), error: r.error } : { tokens: r.tokens.toTokens() };
}

/** The lexer proper, into a TokenList. */
export function lexTokens(text: string, work?: { steps: number }): { tokens: TokenList; error?: LexError } {
  try {
    return lexInto(text, work);
  } catch (e) {
    if (!(e instanceof TooManyTokens)) throw e;
    return {
      tokens: new TokenList(),
      error: {
        message: `more than ${MAX_TOKENS.toLocaleString('en')} tokens: too big to lint as one nginx config`,
        line: e.line,
      },
    };
  }
}

/**
 * `work.steps` counts the characters the loops below visit (each loop advances `i`, so for a single pass it
 * equals text.length plus the few characters looked at twice): tests bound the lexer's work with it instead of
 * with a clock.
 */
function lexInto(text: string, work?: { steps: number }): { tokens: TokenList; error?: LexError } {
  // A token per 8 characters at most in real configs (the 10,000-server bench has one per 10.3); denser text grows.
  const tokens = new TokenList(Math.max(1024, text.length >> 3));
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = 0; // index of the first character of the current line
  let nextIsDirective = true;

  // The current plain token is text.slice(tokStart, i) (plain tokens are verbatim).
  let tokStart = -1;
  let tokLine = 0;
  let tokCol = 0;

  const fail = (message: string, at: number): { tokens: TokenList; error: LexError } => ({
    tokens,
    error: { message, line: at },
  });
  // Characters visited by the lookups that do not advance `i` (Lua long brackets are searched ahead).
  let visited = 0;

  /** Emits a token and, for a Lua block directive in directive position, reads its raw Lua body. */
  const emitted = (value: string, tLine: number, tCol: number, kind: Kind, interned = false): LexError | undefined => {
    if (interned) tokens.pushRaw(value, tLine, tCol, kind);
    else tokens.push(value, tLine, tCol, kind);
    if (nextIsDirective && LUA_BLOCK_DIRECTIVES.has(value)) {
      const err = lexLua(value);
      nextIsDirective = true;
      return err;
    }
    nextIsDirective = false;
    return undefined;
  };

  const flushPlain = (): LexError | undefined => {
    if (tokStart < 0) return undefined;
    const value = tokens.sliceOf(text, tokStart, i);
    tokStart = -1;
    return emitted(value, tokLine, tokCol, Kind.Word, true);
  };

  const skipSpace = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (!isSpace(c)) break;
      if (c === NL) {
        line++;
        lineStart = i + 1;
      }
      i++;
    }
  };

  /** After a *_by_lua_block name: optional set_by_lua_block argument, then `{ lua }` as one token + `;`. */
  const lexLua = (directive: string): LexError | undefined => {
    if (directive === 'set_by_lua_block') {
      skipSpace();
      const start = i;
      const argLine = line;
      const argCol = i - lineStart + 1;
      while (i < n && !isSpace(text.charCodeAt(i)) && text[i] !== '{') i++;
      if (i > start) tokens.push(text.slice(start, i), argLine, argCol, Kind.Word);
    }
    skipSpace();
    if (i >= n || text[i] !== '{') return { message: 'expected "{" to start Lua block', line };
    const openLine = line;
    const openCol = i - lineStart + 1;
    i++;
    const start = i;
    let depth = 1;
    while (i < n) {
      const ch = text[i];
      if (ch === '\n') {
        line++;
        lineStart = i + 1;
        i++;
      } else if (ch === '"' || ch === "'") {
        // Lua short string: ends at the same quote or at an unescaped newline.
        i++;
        while (i < n && text[i] !== ch && text[i] !== '\n') i += text.charCodeAt(i) === BACKSLASH ? 2 : 1;
        if (i < n && text[i] === ch) i++;
      } else if (ch === '[' && longBracketLevel(text, i) >= 0) {
        i = skipLongBracket(i, longBracketLevel(text, i));
      } else if (ch === '-' && text[i + 1] === '-') {
        i += 2;
        if (text[i] === '[' && longBracketLevel(text, i) >= 0) {
          i = skipLongBracket(i, longBracketLevel(text, i));
        } else {
          while (i < n && text[i] !== '\n') i++;
        }
      } else if (ch === '{') {
        depth++;
        i++;
      } else if (ch === '}') {
        depth--;
        if (depth === 0) {
          tokens.push(text.slice(start, i), openLine, openCol, Kind.Quoted);
          tokens.push(';', line, i - lineStart + 1, Kind.Semi);
          i++;
          return undefined;
        }
        i++;
      } else {
        i++;
      }
    }
    return { message: `unexpected end of file in Lua block opened at line ${openLine}`, line: openLine };
  };

  /** Skips a Lua long bracket `[==[ ... ]==]` starting at `at`; counts lines. Returns the index after it. */
  const skipLongBracket = (at: number, level: number): number => {
    const close = `]${'='.repeat(level)}]`;
    let j = at + level + 2;
    const end = text.indexOf(close, j);
    visited += (end < 0 ? n : end) - j;
    const stop = end < 0 ? n : end + close.length;
    for (; j < stop; j++) {
      if (text.charCodeAt(j) === NL) {
        line++;
        lineStart = j + 1;
      }
    }
    return stop;
  };

  try {
    while (i < n) {
      const c = text.charCodeAt(i);

      if (c === BACKSLASH) {
        if (tokStart < 0) {
          tokStart = i;
          tokLine = line;
          tokCol = i - lineStart + 1;
        }
        if (i + 1 < n && text.charCodeAt(i + 1) === NL) {
          line++;
          lineStart = i + 2;
        }
        i += 2;
        if (i > n) i = n;
        continue;
      }

      if (isSpace(c)) {
        const err = flushPlain();
        if (err) return fail(err.message, err.line);
        skipSpace();
        continue;
      }

      const ch = text[i];

      if (ch === '#' && tokStart < 0) {
        const start = i;
        const cLine = line;
        const cCol = i - lineStart + 1;
        // A comment ends at a newline; a backslash-newline pair also ends it (and is dropped).
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d === NL) break;
          if (d === BACKSLASH && text.charCodeAt(i + 1) === NL) break;
          i += d === BACKSLASH && i + 1 < n ? 2 : 1;
        }
        tokens.push(text.slice(start, i), cLine, cCol, Kind.Comment);
        if (i < n) {
          if (text.charCodeAt(i) === BACKSLASH) i++;
          line++;
          i++;
          lineStart = i;
        }
        continue;
      }

      if (ch === '{' && tokStart >= 0 && text.charCodeAt(i - 1) === 36 /* $ */) {
        // ${var}: read up to the closing brace (or whitespace) as part of the token.
        while (i < n) {
          const d = text.charCodeAt(i);
          if (isSpace(d)) break;
          if (d === BACKSLASH) {
            i = Math.min(n, i + 2);
            continue;
          }
          i++;
          if (d === 125 /* } */) break;
        }
        // crossplane quirk kept for conformance: the character after `${...}` joins the token even when it is
        // whitespace (`try_files /a/${uri} /b;` has one argument "/a/${uri} /b").
        if (i < n && isSpace(text.charCodeAt(i))) {
          if (text.charCodeAt(i) === NL) {
            line++;
            lineStart = i + 1;
          }
          i++;
        }
        continue;
      }

      if ((ch === '"' || ch === "'") && tokStart < 0) {
        const qLine = line;
        const qCol = i - lineStart + 1;
        i++;
        const start = i;
        let hasEscapedQuote = false;
        let closed = false;
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d === BACKSLASH) {
            if (text[i + 1] === ch) hasEscapedQuote = true;
            if (text.charCodeAt(i + 1) === NL) {
              line++;
              lineStart = i + 2;
            }
            i += 2;
            continue;
          }
          if (d === NL) {
            line++;
            lineStart = i + 1;
          } else if (text[i] === ch) {
            closed = true;
            break;
          }
          i++;
        }
        if (!closed) {
          return fail(
            `unexpected end of file, expecting ";" or "}" (the quote ${ch} opened on line ${qLine} is never closed)`,
            qLine,
          );
        }
        let value = text.slice(start, i);
        if (hasEscapedQuote) value = value.split(`\\${ch}`).join(ch);
        i++;
        const err = emitted(value, qLine, qCol, Kind.Quoted);
        if (err) return fail(err.message, err.line);
        continue;
      }

      if (ch === '{' || ch === '}' || ch === ';') {
        const before = i;
        const err = flushPlain();
        if (err) return fail(err.message, err.line);
        // `content_by_lua_block{`: flushing the name already read the Lua body and its braces.
        if (i !== before) continue;
        tokens.pushRaw(ch, line, i - lineStart + 1, ch === '{' ? Kind.Open : ch === '}' ? Kind.Close : Kind.Semi);
        nextIsDirective = true;
        i++;
        continue;
      }

      if (tokStart < 0) {
        tokStart = i;
        tokLine = line;
        tokCol = i - lineStart + 1;
      }
      i++;
      // Fast path: the rest of a plain word (printable ASCII other than `;`, `{`, `}` and backslash; quotes,
      // `#` and `$` inside a word are ordinary characters). Everything else goes through the loop above.
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d <= 32 || d >= 0x7f || d === 59 || d === 123 || d === 125 || d === BACKSLASH) break;
        i++;
      }
    }
    const err = flushPlain();
    if (err) return fail(err.message, err.line);
    return { tokens };
  } finally {
    // Also when the token limit stops the lexer (TooManyTokens)
    if (work) work.steps += visited + i;
  }
}

/** For `[` at `at`: the level of a Lua long bracket (`[[` = 0, `[=[` = 1), or -1. */
function longBracketLevel(text: string, at: number): number {
  let j = at + 1;
  while (text[j] === '=') j++;
  return text[j] === '[' ? j - at - 1 : -1;
}
