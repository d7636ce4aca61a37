/**
 * Go regular expressions (RE2 syntax, package regexp) as Caddy compiles them for `header_down`/`header_up`
 * `<field> <regexp> <replacement>` (modules/caddyhttp/headers/headers.go: `regexp.Compile` when the handler is
 * provisioned, an error refuses the whole config; `ReplaceAllString` with Go's `$name` expansion), read into what
 * the chain can run: a JavaScript pattern with the same meaning, the reason Caddy refuses one, or neither (a
 * construct not translated here: nothing is judged from it).
 *
 * Translated: leading flag groups `(?i)`, `(?s)`, `(?m)` (JS flags), `(?P<name>` (JS `(?<name>`), `\A`, `\z`.
 * Refused by RE2 (syntax/doc.go, "not supported"): lookaround `(?=` `(?!` `(?<=` `(?<!`, backreferences `\1`..`\9`,
 * and unbalanced parentheses. Left opaque: flags anywhere else or on a group (`(?i:…)`, JS in Node 20 has no inline
 * modifiers), `(?U)`, `(?<name>` (accepted only by Go 1.22+, so it depends on the build), `\Q…\E`, `\p{…}`, POSIX
 * classes `[[:alpha:]]`.
 */

export type Re2Reading =
  | { kind: 'ok'; source: string; flags: string }
  | { kind: 'refused'; why: string }
  | { kind: 'opaque'; why: string };

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
  while (i < re.length) {
    const c = re[i] as string;
    if (c === '\\') {
      const n = re[i + 1];
      if (n === undefined) return { kind: 'refused', why: 'trailing backslash at end of expression' };
      if (!inClass && /[1-9]/.test(n))
        return { kind: 'refused', why: `invalid escape sequence: \\${n} (RE2 has no backreferences)` };
      if (n === 'Q' || n === 'p' || n === 'P' || n === 'C')
        return { kind: 'opaque', why: `\\${n} is not translated to JavaScript here` };
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'z') out += '(?![\\s\\S])';
      else out += c + n;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && re[i + 1] === ':') return { kind: 'opaque', why: 'POSIX classes are not translated to JavaScript here' };
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
          continue;
        }
        if (rest.startsWith(':')) {
          out += '(?:';
          i += 3;
          continue;
        }
        return { kind: 'opaque', why: `the group (?${rest.slice(0, 3)}… is not translated to JavaScript here` };
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
