/**
 * Go regular expressions (RE2 syntax, package regexp) as Caddy compiles them for `header_down`/`header_up`
 * `<field> <regexp> <replacement>` (modules/caddyhttp/headers/headers.go: `regexp.Compile` when the handler is
 * provisioned, an error refuses the whole config; `ReplaceAllString` with Go's `$name` expansion), read into what
 * the chain can run: a JavaScript pattern with the same meaning, the reason Caddy refuses one, or neither (a
 * construct not translated here: nothing is judged from it).
 *
 * Translated: leading flag groups `(?i)`, `(?s)`, `(?m)` (JS flags), `(?P<name>` (JS `(?<name>`), `\A`, `\z`.
 * Refused by RE2 (syntax/doc.go, "not supported"; parse.go): lookaround `(?=` `(?!` `(?<=` `(?<!`, backreferences
 * `\1`..`\9`, unbalanced parentheses or brackets (also after a POSIX class), a repetition of a repetition (`a**`,
 * `a{2}{3}`; one `?` after it is the lazy form), a repetition with nothing before it, counts above 1000, an
 * incomplete `(?P<` or `(?i`. Each checked with real caddy 2.6.2 (test/chain/re2.test.ts). Left opaque: flags anywhere else or on a group (`(?i:…)`, JS in Node 20 has no inline
 * modifiers), `(?U)`, `(?<name>` (accepted only by Go 1.22+, so it depends on the build: a `warning` says so),
 * `\Q…\E`, `\p{…}`, POSIX classes `[[:alpha:]]`; the rest of such a pattern is still read for what Go refuses.
 */

export type Re2Reading =
  | { kind: 'ok'; source: string; flags: string }
  | { kind: 'refused'; why: string }
  | { kind: 'opaque'; why: string; warning?: string };

export function readRe2(re: string): Re2Reading {
  let i = 0;
  let flags = '';
  // Leading `(?ims)` groups set flags for the whole pattern.
  for (let m = /^\(\?([a-zA-Z]+)\)/.exec(re); m; m = /^\(\?([a-zA-Z]+)\)/.exec(re.slice(i))) {
    for (const f of m[1] as string) {
      if (f === 'U') return { kind: 'opaque', why: '(?U) (ungreedy) has no JavaScript equivalent' };
      if (!'ims'.includes(f)) return { kind: 'refused', why: `invalid or unsupported Perl syntax: (?${m[1]})` };
      if (!flags.includes(f)) flags += f;
    }
    i += m[0].length;
  }
  let out = '';
  let depth = 0;
  let inClass = false;
  // A construct Go accepts but not translated here: the rest is still read, for what makes Go refuse the pattern.
  let opaque: { why: string; warning?: string } | undefined;
  // What the previous atom was, for Go's repetition rules (regexp/syntax parse.go `repeat`): none yet / after `(`
  // or `|` ("missing argument to repetition operator"), a repetition (a second one is "invalid nested repetition
  // operator", except one `?` making it lazy), or anything else.
  let prev: 'start' | 'repeat' | 'lazy' | 'atom' = 'start';
  while (i < re.length) {
    const c = re[i] as string;
    if (!inClass) {
      const rep = /^(?:[*+?]|\{(\d+)(,(\d*))?\})/.exec(re.slice(i));
      if (rep) {
        if (c === '?' && prev === 'repeat') {
          prev = 'lazy';
          out += c;
          i++;
          continue;
        }
        if (prev === 'repeat' || prev === 'lazy')
          return {
            kind: 'refused',
            why: `invalid nested repetition operator: ${re.slice(Math.max(0, i - 2), i + rep[0].length)}`,
          };
        if (prev === 'start') return { kind: 'refused', why: `missing argument to repetition operator: ${rep[0]}` };
        const lo = rep[1] === undefined ? 0 : Number(rep[1]);
        const hi = rep[2] === undefined ? lo : rep[3] === '' ? lo : Number(rep[3]);
        // Go's limit: a count above 1000, or max below min, is "invalid repeat count".
        if (rep[1] !== undefined && (lo > 1000 || hi > 1000 || hi < lo))
          return { kind: 'refused', why: `invalid repeat count: ${rep[0]} (Go allows at most 1000)` };
        prev = 'repeat';
        out += rep[0];
        i += rep[0].length;
        continue;
      }
      prev = c === '(' || c === '|' ? 'start' : c === ')' ? 'atom' : 'atom';
    }
    if (c === '\\') {
      const n = re[i + 1];
      if (n === undefined) return { kind: 'refused', why: 'trailing backslash at end of expression' };
      if (!inClass && /[1-9]/.test(n))
        return { kind: 'refused', why: `invalid escape sequence: \\${n} (RE2 has no backreferences)` };
      if (n === 'Q' || n === 'p' || n === 'P' || n === 'C') opaque ??= { why: `\\${n} is not translated to JavaScript here` };
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'z') out += '(?![\\s\\S])';
      else out += c + n;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && re[i + 1] === ':') {
        // `[:alpha:]` inside a class: accepted by Go, not translated; its `]` does not close the class.
        const posix = /^\[:\^?[a-z]+:\]/.exec(re.slice(i));
        if (posix) {
          opaque ??= { why: 'POSIX classes are not translated to JavaScript here' };
          out += posix[0];
          i += posix[0].length;
          continue;
        }
      }
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A `]` or `^]` right after the opening bracket is a literal in both syntaxes.
      if (re[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (re[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      i++;
      continue;
    }
    if (c === '(') {
      depth++;
      if (re[i + 1] === '?') {
        const rest = re.slice(i + 2);
        if (/^(?:=|!|<=|<!)/.test(rest)) return { kind: 'refused', why: 'invalid or unsupported Perl syntax: lookaround' };
        const named = /^P<([A-Za-z0-9_]+)>/.exec(rest);
        if (named) {
          out += `(?<${named[1]}>`;
          i += 2 + named[0].length;
          prev = 'start';
          continue;
        }
        if (rest.startsWith('P')) return { kind: 'refused', why: `invalid named capture: (?${rest.slice(0, 12)}` };
        if (rest.startsWith(':')) {
          out += '(?:';
          i += 3;
          prev = 'start';
          continue;
        }
        // `(?<name>`: Go 1.22+ only (regexp/syntax, Go 1.22 release notes); older Go answers "invalid or
        // unsupported Perl syntax", so it depends on the Go that built this Caddy.
        const bare = /^<([A-Za-z0-9_]+)>/.exec(rest);
        if (bare) {
          opaque ??= {
            why: 'the group (?<name>… is not translated to JavaScript here',
            warning: `(?<${bare[1]}>: a Caddy built with Go before 1.22 (Debian's caddy 2.6.2 is) refuses this ("invalid or unsupported Perl syntax"); (?P<${bare[1]}> works on every Caddy`,
          };
          out += `(?<${bare[1]}>`;
          i += 2 + bare[0].length;
          prev = 'start';
          continue;
        }
        // Flags on a group or from here on (`(?i:…)`, `(?s)`): accepted, not translated.
        const fl = /^[imsU-]+[):]/.exec(rest);
        if (fl) {
          opaque ??= { why: `the group (?${fl[0]}… is not translated to JavaScript here` };
          out += `(?${fl[0]}`;
          i += 2 + fl[0].length;
          if (fl[0].endsWith(')')) depth--;
          prev = fl[0].endsWith(')') ? 'atom' : 'start';
          continue;
        }
        if (/^[imsU-]*$/.test(rest)) return { kind: 'refused', why: 'missing closing )' };
        return { kind: 'refused', why: `invalid or unsupported Perl syntax: (?${rest.slice(0, 3)}` };
      }
    }
    if (c === ')') {
      if (depth === 0) return { kind: 'refused', why: 'unexpected )' };
      depth--;
    }
    out += c;
    i++;
  }
  if (inClass) return { kind: 'refused', why: 'missing closing ]' };
  if (depth > 0) return { kind: 'refused', why: 'missing closing )' };
  if (opaque) return { kind: 'opaque', ...opaque };
  try {
    new RegExp(out, flags);
  } catch (e) {
    return { kind: 'opaque', why: `not read as a JavaScript pattern (${(e as Error).message})` };
  }
  return { kind: 'ok', source: out, flags };
}

/**
 * Go's `Regexp.Expand` template (regexp.go `expand`): `$$` is a `$`; `$name` takes the longest run of letters,
 * digits and `_` as the group name (so `$1s` is the group named `1s`, which does not exist: empty), `${name}`
 * bounds it; a name of digits is a group number; a `$` not followed by a name is itself. A group that did not
 * take part, or does not exist, expands to nothing.
 */
export function goExpand(template: string, groups: Array<string | undefined>, named: Record<string, string | undefined>): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i] as string;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    let name: string | undefined;
    let end = i + 1;
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2);
      const inner = close < 0 ? '' : template.slice(i + 2, close);
      if (inner !== '' && /^[A-Za-z0-9_]+$/.test(inner)) {
        name = inner;
        end = close + 1;
      }
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (m) {
        name = m[0];
        end = i + 1 + m[0].length;
      }
    }
    if (name === undefined) {
      out += '$';
      i++;
      continue;
    }
    out += /^\d+$/.test(name) ? (groups[Number(name)] ?? '') : (named[name] ?? '');
    i = end;
  }
  return out;
}

/** Go's `ReplaceAllString` of a pattern read by `readRe2` (every match replaced, the template expanded per match). */
export function goReplaceAll(input: string, source: string, flags: string, template: string): string {
  const re = new RegExp(source, `${flags}g`);
  return input.replace(re, (...args: unknown[]) => {
    // replace() passes the match, the groups, the offset, the input and (with named groups) the groups object.
    const last = args[args.length - 1];
    const hasNamed = typeof last === 'object' && last !== null;
    const named = (hasNamed ? last : {}) as Record<string, string | undefined>;
    const groups = args.slice(0, args.length - (hasNamed ? 3 : 2)) as Array<string | undefined>;
    return goExpand(template, groups, named);
  });
}
