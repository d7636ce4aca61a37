/**
 * Ignores: inline comments in the user's files and `.proxyproof.json` entries.
 *
 * An inline ignore is a comment, in the file's own comment syntax, on the finding's line (trailing) or
 * in the block of comment lines directly above it:
 *
 *   # proxyproof-ignore nginx/host-port-lost: the site only listens on 443      (nginx, YAML, Python, ...)
 *   // proxyproof-ignore express/trust-proxy-unset: behind our own gateway      (JavaScript, TypeScript)
 *   ; proxyproof-ignore gunicorn/proxy-not-trusted: reason                      (supervisord .ini/.conf)
 *   <!-- proxyproof-ignore tomcat/remote-ip-valve-missing: reason -->            (XML)
 *
 * `proxyproof-ignore-file ID: reason` anywhere in a file ignores ID for every finding located in that file.
 * Several ids are separated by commas; `family/*` matches a family. The reason is required: an ignore
 * without one is reported (a warning) and does not apply.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, extname, relative, resolve } from 'node:path';
import type picomatchType from 'picomatch';
import type { Diagnostic, Finding } from '../model/finding.js';
import { MAX_FILE_BYTES } from '../model/limits.js';
import type { SuppressedFinding } from '../render/types.js';
import type { ConfigIgnore } from './project-config.js';

// picomatch (CommonJS) is loaded when a `.proxyproof.json` ignore names a path, not with this module: every
// command loads this module to print its report, and a scan never needs picomatch otherwise (its load and run
// were ~3-4 ms of the scan's start-up on the main thread, before the first request).
const requireCjs = createRequire(import.meta.url);
const picomatch = (glob: string, options: picomatchType.PicomatchOptions) =>
  (requireCjs('picomatch') as typeof picomatchType)(glob, options);

/** Comment openers by file kind; everything not listed (nginx, YAML, Python, shell, Caddyfile, ...) uses `#`. */
const COMMENT_SYNTAX: Array<{ test: (name: string) => boolean; openers: string[]; closer?: string }> = [
  { test: (n) => /\.(m|c)?[jt]sx?$/.test(n) || /\.(go|java|kt|cs|php|rs|swift|scala|groovy)$/.test(n), openers: ['//', '/*'] },
  { test: (n) => /\.(xml|html?|config|csproj)$/.test(n), openers: ['<!--'], closer: '-->' },
  { test: (n) => /\.ini$/.test(n) || /supervisor/.test(n), openers: [';', '#'] },
  { test: (n) => /\.(sql|lua)$/.test(n), openers: ['--'] },
  { test: (n) => /\.erb$/.test(n), openers: ['<%#', '#'] },
];

function openersFor(file: string): { openers: string[]; closer?: string } {
  const name = basename(file).toLowerCase();
  const ext = extname(name);
  for (const s of COMMENT_SYNTAX) if (s.test(name) || (ext && s.test(ext))) return s;
  return { openers: ['#'] };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface InlineIgnore {
  ids: string[];
  reason?: string;
  line: number;
  wholeFile: boolean;
}

/** Parses the ignore comments of one file (its lines). */
export function parseIgnoreComments(file: string, lines: string[]): InlineIgnore[] {
  const { openers, closer } = openersFor(file);
  const re = new RegExp(
    `(?:^|\\s)(?:${openers.map(escapeRe).join('|')})[\\s*/#;-]*proxyproof-ignore(-file)?\\s+([A-Za-z0-9*/,\\s_-]+?)\\s*(?::\\s*(.*?))?\\s*(?:${closer ? escapeRe(closer) : '\\*/'})?\\s*$`,
  );
  const out: InlineIgnore[] = [];
  lines.forEach((text, i) => {
    if (!text.includes('proxyproof-ignore')) return;
    const m = re.exec(text);
    if (!m) return;
    const ids = (m[2] ?? '')
      .split(/[,\s]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const reason = m[3]?.trim() || undefined;
    out.push({ ids, reason, line: i + 1, wholeFile: Boolean(m[1]) });
  });
  return out;
}

export function idMatches(pattern: string, id: string): boolean {
  if (pattern === '*' || pattern === id) return true;
  return pattern.endsWith('/*') && id.startsWith(pattern.slice(0, -1));
}

function isCommentOnly(text: string, openers: string[]): boolean {
  const t = text.trim();
  return openers.some((o) => t.startsWith(o));
}

/**
 * Splits findings into kept and ignored. `read` gives a file's lines (undefined: not a readable file,
 * e.g. a URL or `(chain)`); problems (an ignore without a reason) become warnings in `diagnostics`.
 */
export function applyIgnores(
  findings: Finding[],
  config: { ignore: ConfigIgnore[]; dir: string },
  opts: { cwd: string; read?: (file: string) => string[] | undefined; diagnostics: Diagnostic[] },
): { kept: Finding[]; suppressed: SuppressedFinding[] } {
  const read = opts.read ?? defaultIgnoreReader(opts.cwd);
  const parsed = new Map<string, InlineIgnore[]>();
  const warned = new Set<string>();
  const ignoresOf = (file: string): { list: InlineIgnore[]; lines: string[] } | undefined => {
    const lines = read(file);
    if (!lines) return undefined;
    let list = parsed.get(file);
    if (!list) {
      list = parseIgnoreComments(file, lines);
      parsed.set(file, list);
      for (const ig of list) {
        const key = `${file}:${ig.line}`;
        if (!ig.reason && !warned.has(key)) {
          warned.add(key);
          opts.diagnostics.push({
            level: 'warning',
            file,
            line: ig.line,
            message: `proxyproof-ignore ${ig.ids.join(',')} needs a reason ("# proxyproof-ignore ID: why"); not applied`,
          });
        }
      }
    }
    return { list, lines };
  };
  const matchers = config.ignore.map((c) => ({
    c,
    match: c.path ? picomatch(c.path, { dot: true }) : () => true,
  }));
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    const e = f.evidence[0];
    let hit: SuppressedFinding | undefined;
    if (e?.file) {
      const src = ignoresOf(e.file);
      // A file without ignore comments has nothing to match (11,000 findings in one such file: no per-finding work).
      if (src && src.list.length > 0) {
        const { openers } = openersFor(e.file);
        // The finding's own line, then the comment block right above it.
        const candidates = new Set<number>();
        if (e.line > 0) {
          candidates.add(e.line);
          for (let l = e.line - 1; l >= 1 && isCommentOnly(src.lines[l - 1] ?? '', openers); l--) candidates.add(l);
        }
        const ig = src.list.find(
          (i) => i.reason && i.ids.some((p) => idMatches(p, f.id)) && (i.wholeFile || candidates.has(i.line)),
        );
        if (ig) hit = { finding: f, kind: 'inSource', by: 'comment', justification: ig.reason, at: `${e.file}:${ig.line}` };
      }
    }
    if (!hit && matchers.length > 0) {
      const target = e?.file ?? '';
      const rel = /^[a-z]+:\/\//i.test(target) ? target : relative(config.dir, resolve(opts.cwd, target)).split('\\').join('/');
      const m = matchers.find(({ c, match }) => idMatches(c.id, f.id) && (!c.path || match(rel) || match(target)));
      if (m) hit = { finding: f, kind: 'external', by: 'config', justification: m.c.reason, at: m.c.at };
    }
    if (hit) suppressed.push(hit);
    else kept.push(f);
  }
  return { kept, suppressed };
}

/** A file's lines from disk (cached), or undefined for a URL, `(chain)`, a missing or too large file. */
export function defaultIgnoreReader(cwd: string): (file: string) => string[] | undefined {
  const cache = new Map<string, string[] | undefined>();
  return (file) => {
    if (cache.has(file)) return cache.get(file);
    let lines: string[] | undefined;
    if (!/^\(.*\)$/.test(file) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
      try {
        const abs = resolve(cwd, file);
        const st = statSync(abs);
        if (st.isFile() && st.size <= MAX_FILE_BYTES) lines = readFileSync(abs, 'utf8').split(/\r?\n/);
      } catch {
        lines = undefined;
      }
    }
    cache.set(file, lines);
    return lines;
  };
}
