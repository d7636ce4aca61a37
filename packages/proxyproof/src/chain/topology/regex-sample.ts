/**
 * A request path that an nginx regex location (`location ~ ^/(api|docs)/`) matches, so the route can be simulated
 * like a prefix location. The sample is built from the regex's literal parts (the first alternative of each group,
 * optional parts left out, `+` taken once) and kept only when the regex really matches it (checked with the JS
 * engine, whose syntax agrees with PCRE on these simple forms). Anything else (classes, backreferences, look-arounds)
 * gives no sample: the route stays unsimulated, as before, rather than guessed.
 */

const MAX_PATTERN = 300;

/** Splits a pattern at top-level `|`. */
function alternatives(p: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '\\') {
      cur += c + (p[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (c === '|' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/** The shortest literal expansion of a pattern, or undefined when a construct is not a plain literal. */
function expand(p: string, depth: number): string | undefined {
  if (depth > 20) return undefined;
  const alt = alternatives(p)[0] ?? '';
  let out = '';
  let i = 0;
  while (i < alt.length) {
    const c = alt[i] as string;
    let piece: string | undefined;
    let next = i + 1;
    if (c === '\\') {
      const e = alt[i + 1];
      if (e === undefined || /[A-Za-z0-9]/.test(e)) return undefined; // \d, \w, \1...: not a literal
      piece = e;
      next = i + 2;
    } else if (c === '(') {
      let d = 0;
      let j = i;
      for (; j < alt.length; j++) {
        const x = alt[j];
        if (x === '\\') {
          j++;
          continue;
        }
        if (x === '(') d++;
        else if (x === ')' && --d === 0) break;
      }
      if (j >= alt.length) return undefined;
      let inner = alt.slice(i + 1, j);
      if (inner.startsWith('?:')) inner = inner.slice(2);
      else if (inner.startsWith('?<') && !/^\?<[=!]/.test(inner)) inner = inner.replace(/^\?<[^>]*>/, '');
      else if (inner.startsWith('?P<')) inner = inner.replace(/^\?P<[^>]*>/, '');
      else if (inner.startsWith('?')) return undefined; // look-arounds, flags
      piece = expand(inner, depth + 1);
      if (piece === undefined) return undefined;
      next = j + 1;
    } else if (c === '^' && i === 0) {
      piece = '';
    } else if (c === '$' && i === alt.length - 1) {
      piece = '';
    } else if (c === '.') {
      piece = 'a';
    } else if ('[]{}|*+?^$'.includes(c)) {
      return undefined;
    } else piece = c;
    // Quantifiers: optional parts are left out, repeated ones taken once.
    const q = alt[next];
    if (q === '?' || q === '*') {
      piece = '';
      next++;
    } else if (q === '+') next++;
    else if (q === '{') {
      const m = /^\{(\d+)(?:,\d*)?\}/.exec(alt.slice(next));
      if (!m) return undefined;
      piece = piece.repeat(Number(m[1]));
      next += m[0].length;
    }
    if (alt[next] === '?' && (q === '?' || q === '*' || q === '+')) next++; // lazy forms
    out += piece;
    i = next;
  }
  return out;
}

/** A path the regex of `location ~ REGEX` (or `~*`) matches, or null. */
export function regexLocationSample(match: string): string | null {
  const m = /^~\*?\s*(.+)$/s.exec(match.trim());
  if (!m) return null;
  let pattern = (m[1] as string).trim();
  if (/^".*"$|^'.*'$/s.test(pattern)) pattern = pattern.slice(1, -1);
  if (pattern.length === 0 || pattern.length > MAX_PATTERN) return null;
  const literal = expand(pattern, 0);
  if (literal === undefined) return null;
  const path = literal.startsWith('/') ? literal : `/${literal}`;
  let re: RegExp;
  try {
    re = new RegExp(pattern, match.trim().startsWith('~*') ? 'i' : '');
  } catch {
    return null;
  }
  return re.test(path) ? path : null;
}
