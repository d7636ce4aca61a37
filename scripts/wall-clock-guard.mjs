// Finds wall-clock assertions in test files: a clock reading (performance.now(), Date.now(), process.hrtime,
// new Date().getTime(), or a variable computed from one) compared with a constant (a number or an UPPER_CASE
// name). A test bounds work with counts; a clock compared with a constant fails when the machine is busy.
// Comparing a clock with a variable deadline (a polling loop's safety net) is allowed.
// Used by bench/test/no-wall-clock.test.ts; `node scripts/wall-clock-guard.mjs` lists what it finds.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const CLOCK =
  /\b(?:performance\.now|Date\.now|process\.hrtime(?:\.bigint)?|hrtime(?:\.bigint)?)\(\s*[\w.]*\s*\)|new Date\(\)\.(?:getTime|valueOf)\(\)/;
const CONSTANT = /^(?:\d[\d_]*(?:\.\d+)?(?:e\d+)?n?|[A-Z][A-Z0-9_]*)(?:\s*[*/+-]\s*(?:\d[\d_]*(?:\.\d+)?|[A-Z][A-Z0-9_]*))*$/;
/** The test roots the suite runs (bench/ scripts themselves measure time on purpose and are not scanned). */
export const TEST_ROOTS = ['packages/forwarded/test', 'packages/proxyproof/test', 'lab/test', 'bench/test'];

/** Blanks out comments and the contents of string literals, keeping line breaks (so positions stay). */
function stripCode(text) {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    const d = text[i + 1];
    if (c === '/' && d === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && d === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '/' && regexCanStart(out)) {
      // a regular expression literal: blank it (it may hold quotes)
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== '\n') {
        if (text[j] === '\\') j++;
        else if (text[j] === '[') inClass = true;
        else if (text[j] === ']') inClass = false;
        else if (text[j] === '/' && !inClass) break;
        j++;
      }
      out += `/${' '.repeat(Math.max(0, j - i - 1))}/`;
      i = j + 1;
    } else if (c === '"' || c === "'" || c === '`') {
      out += c;
      i++;
      while (i < n && text[i] !== c) {
        if (text[i] === '\\') {
          out += '  ';
          i += 2;
          continue;
        }
        // template substitutions are code
        if (c === '`' && text[i] === '$' && text[i + 1] === '{') {
          let depth = 0;
          while (i < n) {
            if (text[i] === '{') depth++;
            else if (text[i] === '}' && --depth === 0) break;
            out += text[i];
            i++;
          }
          continue;
        }
        out += text[i] === '\n' ? '\n' : ' ';
        i++;
      }
      if (i < n) out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Whether a `/` after this code starts a regular expression (not a division). */
function regexCanStart(before) {
  const t = before.trimEnd();
  if (t === '') return true;
  if (/(?:^|[^\w$])(?:return|typeof|case|in|of|void|throw|new|delete)$/.test(t)) return true;
  return /[(,=:[!&|?{};+\-*%<>~^]$/.test(t);
}

/** The operand of a comparison, read outward from the operator to the nearest delimiter. */
function operand(code, from, step) {
  let depth = 0;
  let j = from;
  for (; j >= 0 && j < code.length; j += step) {
    const ch = code[j];
    const open = step < 0 ? ')' : '(';
    const close = step < 0 ? '(' : ')';
    if (ch === open || ch === (step < 0 ? ']' : '[')) depth++;
    else if (ch === close || ch === (step < 0 ? '[' : ']')) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && (ch === ',' || ch === ';' || ch === '?' || ch === ':' || ch === '{' || ch === '}' || ch === '\n'))
      break;
    else if (depth === 0 && (code.startsWith('&&', j) || code.startsWith('||', j))) break;
  }
  return step < 0 ? code.slice(j + 1, from + 1) : code.slice(from, j);
}

/** Wall-clock comparisons with a constant in one file's text: [{line, text}]. */
export function findClockAssertions(text) {
  const code = stripCode(text);
  const lines = text.split('\n');
  // Variables computed from a clock reading (or from another such variable), file-wide.
  const tainted = new Set();
  const assign = /(?:\b(?:const|let|var)\s+)?\b([A-Za-z_$][\w$]*)\s*(?:[-+*/]?=)(?!=)([^;\n]*)/g;
  const isTainted = (expr) =>
    CLOCK.test(expr) || [...tainted].some((v) => new RegExp(`(?<![\\w$.])${v.replace(/\$/g, '\\$')}(?![\\w$])`).test(expr));
  for (let changed = true; changed; ) {
    changed = false;
    for (const m of code.matchAll(assign)) {
      if (!tainted.has(m[1]) && isTainted(m[2])) {
        tainted.add(m[1]);
        changed = true;
      }
    }
  }
  const found = [];
  const cmp = /(?<![=<>!])(<=|>=|<(?![<=])|>(?![>=]))(?!=)/g;
  for (const m of code.matchAll(cmp)) {
    const at = m.index;
    // `=>` arrows are excluded by the lookbehind; `<T>` generics have no clock on either side.
    const left = operand(code, at - 1, -1).trim();
    const right = operand(code, at + m[0].length, 1).trim();
    const clockLeft = isTainted(left);
    const clockRight = isTainted(right);
    if ((clockLeft && CONSTANT.test(right)) || (clockRight && CONSTANT.test(left))) {
      const line = code.slice(0, at).split('\n').length;
      found.push({ line, text: (lines[line - 1] ?? '').trim() });
    }
  }
  return found;
}

function walk(dir, out) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names.sort()) {
    const p = join(dir, n);
    if (n === 'node_modules' || n === 'fixtures') continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(?:test\.)?[cm]?[jt]s$/.test(n)) out.push(p);
  }
  return out;
}

/** Every wall-clock assertion in the suite's test folders: ["file:line: text"]. */
export function scanTestRoots(root) {
  const out = [];
  for (const d of TEST_ROOTS) {
    for (const f of walk(join(root, d), [])) {
      for (const hit of findClockAssertions(readFileSync(f, 'utf8'))) out.push(`${relative(root, f)}:${hit.line}: ${hit.text}`);
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const hits = scanTestRoots(new URL('..', import.meta.url).pathname);
  for (const h of hits) console.log(h);
  console.log(`${hits.length} wall-clock assertion(s)`);
  process.exit(hits.length ? 1 : 0);
}
