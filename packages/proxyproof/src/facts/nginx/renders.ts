/**
 * Start-up scripts that install an nginx config of the tree under another path, rewriting it on the way
 * (`sed -e 's#server .*:3000#server ${HOST}:3000#g' < contrib/nginx/site.conf > /etc/nginx/sites-enabled/default`,
 * `envsubst '$PORT' < nginx.conf.template > /etc/nginx/conf.d/default.conf`, `cat x.conf | envsubst > y`): the
 * running nginx reads what the script writes, so a finding on the source file is also the script's, and whether the
 * script's substitutions touch the finding's line decides whether fixing the source file is enough.
 *
 * Read from the scripts other collectors already read (entrypoints, launch scripts: `facts.sources`); pure
 * function of the facts, computed once per facts object.
 */
import type { Facts } from '../../model/facts.js';

export interface NginxRender {
  /** The nginx config file of the tree that is the input (its display path). */
  source: string;
  /** The script and line that render it. */
  script: string;
  line: number;
  tool: 'sed' | 'envsubst';
  /** Where the result is written. */
  dest: string;
  /** sed: the `s` commands' patterns as JavaScript regular expressions (undefined: one could not be read). */
  patterns?: RegExp[];
}

const cache = new WeakMap<object, NginxRender[]>();

/** Script-like files: by name, or a shell shebang on the first line. */
function isScript(name: string, lines: string[]): boolean {
  if (/\.(sh|bash|ash)$/i.test(name) || /(^|\/)[^/.]*(entrypoint|start|run|init)[^/]*$/i.test(name)) return true;
  return /^#!.*\b(ba|da|a|z)?sh\b/.test(lines[0] ?? '');
}

/** A sed BRE/ERE pattern as a JavaScript regular expression, or undefined when it uses what we do not translate. */
function sedPattern(pat: string, extended: boolean): RegExp | undefined {
  if (/\\[0-9]|\[\[:|\\[<>`']/.test(pat)) return undefined;
  let out = '';
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i] as string;
    if (c === '\\' && i + 1 < pat.length) {
      const n = pat[++i] as string;
      // BRE: `\(`, `\)`, `\|`, `\{`, `\}`, `\+`, `\?` are the operators; ERE: they are literals.
      out += !extended && '()|{}+?'.includes(n) ? n : `\\${n}`;
    } else if (!extended && '()|{}+?'.includes(c)) out += `\\${c}`;
    else out += c;
  }
  try {
    return new RegExp(out);
  } catch {
    return undefined;
  }
}

/** The `s` commands of a sed invocation's script arguments (`-e 's#a#b#g'`, or the first non-option word). */
function sedSubstitutions(words: string[]): RegExp[] | undefined {
  const extended = words.some((w) => /^-[a-zA-Z]*[Er]/.test(w) || w === '--regexp-extended');
  const scripts: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    if (w === '-e' || w === '--expression') scripts.push(words[++i] ?? '');
    else if (w.startsWith('--expression=')) scripts.push(w.slice(13));
  }
  if (scripts.length === 0) {
    const first = words.slice(1).find((w) => !w.startsWith('-'));
    if (first) scripts.push(first);
  }
  const out: RegExp[] = [];
  for (const s of scripts)
    for (const cmd of s.split(/;\s*(?=s)/)) {
      const m = /^\s*s(.)/.exec(cmd);
      if (!m) return undefined;
      const d = m[1] as string;
      const parts = cmd.slice(cmd.indexOf('s') + 2).split(d);
      const re = parts[0] !== undefined ? sedPattern(parts[0], extended) : undefined;
      if (!re) return undefined;
      out.push(re);
    }
  return out;
}

/** Shell words of a line (quotes removed; `<`, `>`, `|`, `;`, `&&`, `||` kept as their own words). */
function words(cmd: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(>>?|<|&&|\|\||\||;)|([^\s'"<>|;&]+|&)/g;
  let cur: string | undefined;
  let m: RegExpExecArray | null = re.exec(cmd);
  let last = 0;
  while (m) {
    const glued = m.index === last && cur !== undefined && m[3] === undefined;
    const text = m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : undefined) ?? m[3] ?? m[4] ?? '';
    if (m[3] !== undefined) {
      out.push(m[3]);
      cur = undefined;
    } else if (glued && out.length > 0 && cur !== undefined) {
      cur += text;
      out[out.length - 1] = cur;
    } else {
      cur = text;
      out.push(text);
    }
    last = m.index + m[0].length;
    m = re.exec(cmd);
  }
  return out;
}

/** Word lists split at the given operator words. */
function splitWords(ws: string[], ops: string[]): string[][] {
  const out: string[][] = [[]];
  for (const w of ws) {
    if (ops.includes(w)) out.push([]);
    else out[out.length - 1]?.push(w);
  }
  return out.filter((x) => x.length > 0);
}

/** The tree's nginx config file a script path names: same name, and the path's tail when several share it. */
function configFor(path: string, configs: string[]): string | undefined {
  const p = path.replace(/^\.\//, '');
  if (p.includes('$') || p === '') return undefined;
  const name = p.split('/').pop() as string;
  const same = configs.filter((c) => c.split('/').pop() === name);
  if (same.length === 1) return same[0];
  const tail = same.filter((c) => c === p || c.endsWith(`/${p}`) || p.endsWith(`/${c}`));
  return tail.length === 1 ? tail[0] : undefined;
}

export function nginxRenders(facts: Pick<Facts, 'nginx' | 'sources'>): NginxRender[] {
  const hit = cache.get(facts.nginx);
  if (hit) return hit;
  const configs = [...new Set(facts.nginx.configs.flatMap((t) => t.config.map((c) => c.file)))];
  const out: NginxRender[] = [];
  if (configs.length > 0)
    for (const [file, lines] of facts.sources) {
      if (configs.includes(file) || !isScript(file, lines) || !lines.some((l) => /\b(sed|envsubst)\b/.test(l))) continue;
      for (let i = 0; i < lines.length && i < 100_000; i++) {
        const start = i + 1;
        let l = lines[i] as string;
        while (/\\$/.test(l) && i + 1 < lines.length) l = `${l.slice(0, -1)} ${lines[++i]}`;
        if (!/\b(sed|envsubst)\b/.test(l) || /^\s*#/.test(l)) continue;
        for (const stmt of splitWords(words(l), ['&&', '||', ';'])) {
          const stages = splitWords(stmt, ['|']);
          let input: string | undefined;
          for (const w of stages) {
            const at = w.findIndex((x) => x === 'sed' || x === 'envsubst' || /\/(sed|envsubst)$/.test(x));
            const lt = w.indexOf('<');
            const gt = w.findIndex((x) => x === '>' || x === '>>');
            if (at < 0) {
              // `cat file | sed ...`
              input = w[0] === 'cat' && w.length === 2 ? w[1] : undefined;
              continue;
            }
            const tool = (w[at] as string).endsWith('sed') ? 'sed' : 'envsubst';
            const args = w.slice(at, [lt, gt].filter((x) => x > at).sort((a, b) => a - b)[0] ?? w.length);
            const src =
              lt > at
                ? w[lt + 1]
                : (input ??
                  (tool === 'sed'
                    ? args
                        .slice(1)
                        .filter((x, k, a) => !x.startsWith('-') && a[k - 1] !== '-e')
                        .pop()
                    : undefined));
            const dest = gt > at ? w[gt + 1] : undefined;
            const source = src ? configFor(src, configs) : undefined;
            // sed with a file argument and no -e: the first word is its script, not the file.
            if (!source || !dest || (tool === 'sed' && lt < 0 && input === undefined && args.length < 3)) continue;
            out.push({
              source,
              script: file,
              line: start,
              tool,
              dest,
              ...(tool === 'sed' ? { patterns: sedSubstitutions(args) } : {}),
            });
          }
        }
      }
    }
  cache.set(facts.nginx, out);
  return out;
}

/** What a render does to one line of its source: `rewrites` (a sed pattern matches it), `keeps`, or `unknown`. */
export function renderTouches(r: NginxRender, text: string | undefined): 'rewrites' | 'keeps' | 'unknown' {
  if (r.tool === 'envsubst') return text === undefined ? 'unknown' : /\$\{?[A-Za-z_]/.test(text) ? 'unknown' : 'keeps';
  if (!r.patterns || text === undefined) return 'unknown';
  return r.patterns.some((p) => p.test(text)) ? 'rewrites' : 'keeps';
}
