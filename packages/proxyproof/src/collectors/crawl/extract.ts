/**
 * Finds every URL a page makes the browser load or submit, from the raw HTML (htmlparser2) and CSS
 * (css-tree), with its line. Resolution happens at the end so a `<base href>` anywhere applies to all URLs,
 * as in the browser.
 */
/// <reference path="./css-tree-parts.d.ts" />
import type * as csstree from 'css-tree';
// css-tree's parts, not its index: the index also builds the lexer with its syntax data (about 0.1 s of CPU at
// the parser worker's start-up), which URL extraction never uses. Same functions (test/scan/extract-css-fast).
import parseCss from 'css-tree/parser';
import { tokenize, tokenTypes } from 'css-tree/tokenizer';
import { url as cssUrl } from 'css-tree/utils';
import walkCss from 'css-tree/walker';
import { Parser } from 'htmlparser2';
import type { RefKind } from '../../scan/types.js';
// Installs our mend of css-tree's stale-buffer hang before any parse (css-tree-guard.ts).
import './css-tree-guard.js';
import { type HtmlExtract, MAX_HTML_DEPTH, type RawRef, resolveRef as resolve } from './page.js';

// The types, the body decoder and the manifest reader live in page.ts (no parser loaded): the crawler's main
// thread uses them, and only the parser worker loads htmlparser2 and css-tree.
export { decodeBody, extractManifestIcons, type HtmlExtract, MAX_HTML_DEPTH, type RawRef } from './page.js';

/** The trimmed text of a 1-based line, for snippets (the text is split on first use). */
export function snippetLines(text: string): (line: number) => string {
  let lines: string[] | undefined;
  return (l) => {
    lines ??= text.split('\n');
    return (lines[l - 1] ?? '').trim().slice(0, 300);
  };
}

/** Maps string offsets to 1-based lines by binary search over newline positions. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  line(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** `srcset` candidates' URLs (HTML's parsing algorithm, without descriptors). */
export function parseSrcset(srcset: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = srcset.length;
  while (i < n) {
    while (i < n && (/\s/.test(srcset[i]!) || srcset[i] === ',')) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && !/\s/.test(srcset[j]!)) j++;
    let url = srcset.slice(i, j);
    let endsCandidate = false;
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
      endsCandidate = true;
    }
    if (url) out.push(url);
    i = j;
    if (!endsCandidate) {
      // skip descriptors up to the next comma (parentheses may hold commas)
      let depth = 0;
      while (i < n) {
        const c = srcset[i]!;
        if (c === '(') depth++;
        else if (c === ')') depth = Math.max(0, depth - 1);
        else if (c === ',' && depth === 0) break;
        i++;
      }
    }
  }
  return out;
}

function isAbsolute(raw: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(raw.trim()) || raw.trim().startsWith('//');
}

interface Pending {
  raw: string;
  kind: RefKind;
  line: number;
  snippet: string;
  upgradablePreload?: boolean;
  follow?: boolean;
  stylesheet?: boolean;
  manifest?: boolean;
}

const MEDIA_TAGS = new Set(['audio', 'video']);

/** Extracts URLs from one CSS text. `base` resolves relative URLs; `lineOffset` is added to css-tree's lines. */
export function extractCss(
  css: string,
  base: string,
  context: 'stylesheet' | 'declarationList',
  lineOffset = 0,
  snippetOf?: (line: number) => string,
  /** Always build css-tree's tree (linked stylesheets), even for CSS the tokenizer-only path could read. */
  fullParse = false,
): RawRef[] {
  // Fast paths: no URL-bearing construct at all, or none that can be insecure (then line numbers are not
  // needed and css-tree can skip tracking positions, which costs about a third of the parse).
  if (!/url\(|image-set|@import/i.test(css)) return [];
  // Insecure URLs come from a literal http:/ws: or from relative URLs against an http:// base.
  const positions = /(?:http|ws):/i.test(css) || base.startsWith('http:');
  // Plain rules with plain declarations (most inline <style> blocks and style attributes): css-tree's
  // tokenizer alone finds the same url() tokens its parser would, without building and walking a tree.
  const simple = fullParse ? undefined : simpleCssUrls(css, context);
  if (simple) {
    const out: RawRef[] = [];
    const lines = positions && simple.length ? new LineIndex(css) : undefined;
    for (const u of simple) {
      const url = resolve(u.value, base);
      if (!url) continue;
      const l = lines ? lines.line(u.offset) + lineOffset : undefined;
      out.push({
        url,
        kind: 'css-image',
        line: l,
        snippet: l !== undefined && snippetOf ? snippetOf(l) : undefined,
        relative: !isAbsolute(u.value) || undefined,
      });
    }
    return out;
  }
  return extractCssParsed(css, base, context, lineOffset, snippetOf, positions);
}

const T = tokenTypes;
/**
 * Text outside the simple subset: at-rules, escapes, strings, comments, custom properties, CDO/CDC, image-set(),
 * and the line breaks css-tree counts that LineIndex does not (CR, FF).
 */
const NOT_SIMPLE = /[@\\"'\r\f]|\/\*|--|image-set/i;
/** Value functions css-tree parses specially (their URLs may end up in Raw nodes): left to the full parser. */
const SPECIAL_FUNCTIONS = new Set(['url(', 'var(', 'expression(', 'image-set(', '-webkit-image-set(']);

/**
 * The url() tokens of a stylesheet (or declaration list) made only of `selector { property: value; ... }`
 * with plain values, or undefined when the text is anything else (then css-tree's parser decides). Within this
 * subset css-tree's parser yields exactly one Url node per url-token found in a declaration value (kind
 * css-image: no at-rules), which the tests check against the full parse. Anything it would recover from
 * (a stray token, an unbalanced bracket, a property hack) falls outside the subset.
 */
export function simpleCssUrls(
  css: string,
  context: 'stylesheet' | 'declarationList',
): Array<{ value: string; offset: number }> | undefined {
  if (NOT_SIMPLE.test(css)) return undefined;
  const types: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  tokenize(css, (type, start, end) => {
    types.push(type);
    starts.push(start);
    ends.push(end);
  });
  const n = types.length;
  const out: Array<{ value: string; offset: number }> = [];
  let i = 0;
  const skipWs = () => {
    while (i < n && types[i] === T.WhiteSpace) i++;
  };
  /** Declarations up to `}` (inBlock) or the end; false when one is not plain. */
  const declarations = (inBlock: boolean): boolean => {
    for (;;) {
      while (i < n && (types[i] === T.WhiteSpace || types[i] === T.Semicolon)) i++;
      if (i >= n) return !inBlock;
      if (types[i] === T.RightCurlyBracket) return inBlock;
      // property: a plain identifier (no hacks, not custom), then `:`
      if (types[i] !== T.Ident) return false;
      i++;
      skipWs();
      if (types[i] !== T.Colon) return false;
      i++;
      let depth = 0;
      let important = false;
      for (; i < n; i++) {
        const t = types[i]!;
        if (important) {
          if (t === T.WhiteSpace) continue;
          break;
        }
        if (t === T.Semicolon || t === T.RightCurlyBracket) {
          if (depth !== 0) return false;
          break;
        }
        switch (t) {
          case T.WhiteSpace:
          case T.Number:
          case T.Dimension:
          case T.Percentage:
          case T.Hash:
          case T.Comma:
            break;
          case T.Ident: {
            const c = css.charCodeAt(starts[i]!);
            if ((c === 0x75 || c === 0x55) && css.charCodeAt(starts[i]! + 1) === 0x2b) return false; // u+ unicode range
            break;
          }
          case T.Url:
            out.push({ value: cssUrl.decode(css.slice(starts[i]!, ends[i]!)), offset: starts[i]! });
            break;
          case T.Function:
            if (SPECIAL_FUNCTIONS.has(css.slice(starts[i]!, ends[i]!).toLowerCase())) return false;
            depth++;
            break;
          case T.LeftParenthesis:
            depth++;
            break;
          case T.RightParenthesis:
            if (depth === 0) return false;
            depth--;
            break;
          case T.Delim: {
            const c = css[starts[i]!];
            if (c === '!' && depth === 0) {
              // `!important` (any identifier, as css-tree accepts), then only whitespace before the end
              i++;
              skipWs();
              if (types[i] !== T.Ident) return false;
              important = true;
              break;
            }
            if (c !== '/' && c !== '*' && c !== '+' && c !== '-') return false;
            break;
          }
          default:
            return false;
        }
      }
      if (depth !== 0) return false;
      if (i >= n) return !inBlock;
      if (types[i] === T.Semicolon) i++;
      else if (types[i] !== T.RightCurlyBracket) return false;
    }
  };
  if (context === 'declarationList') return declarations(false) ? out : undefined;
  for (;;) {
    skipWs();
    if (i >= n) return out;
    // prelude: anything balanced up to `{` except what would end or nest a rule; never holds a URL
    let prelude = 0;
    let depth = 0;
    for (; i < n && !(types[i] === T.LeftCurlyBracket && depth === 0); i++) {
      const t = types[i]!;
      if (t === T.LeftCurlyBracket || t === T.Semicolon || t === T.RightCurlyBracket) return undefined;
      if (t === T.Url || t === T.BadUrl || t === T.BadString) return undefined;
      if (t === T.Function) {
        if (SPECIAL_FUNCTIONS.has(css.slice(starts[i]!, ends[i]!).toLowerCase())) return undefined;
        depth++;
      } else if (t === T.LeftParenthesis || t === T.LeftSquareBracket) depth++;
      else if (t === T.RightParenthesis || t === T.RightSquareBracket) {
        if (depth === 0) return undefined;
        depth--;
      }
      if (t !== T.WhiteSpace) prelude++;
    }
    if (i >= n || prelude === 0) return undefined;
    i++; // {
    if (!declarations(true)) return undefined;
    i++; // }
  }
}

export function extractCssParsed(
  css: string,
  base: string,
  context: 'stylesheet' | 'declarationList',
  lineOffset: number,
  snippetOf: ((line: number) => string) | undefined,
  positions: boolean,
): RawRef[] {
  const out: RawRef[] = [];
  let ast: csstree.CssNode;
  try {
    ast = parseCss(css, { context, positions, parseValue: true, parseCustomProperty: false, onParseError: () => undefined });
  } catch {
    return out;
  }
  // @import is only valid before every other rule (except @charset and @layer statements): browsers drop later ones.
  const deadImports = new Set<csstree.CssNode>();
  if (context === 'stylesheet' && ast.type === 'StyleSheet') {
    let rulesSeen = false;
    ast.children.forEach((n) => {
      const name = n.type === 'Atrule' ? n.name.toLowerCase() : '';
      if (name === 'import') {
        if (rulesSeen) deadImports.add(n);
      } else if (name !== 'charset' && !(name === 'layer' && n.type === 'Atrule' && !n.block)) rulesSeen = true;
    });
  }
  const push = (raw: string, kind: RefKind, line: number | undefined) => {
    const url = resolve(raw, base);
    if (!url) return;
    const l = line !== undefined ? line + lineOffset : undefined;
    out.push({
      url,
      kind,
      line: l,
      snippet: l !== undefined && snippetOf ? snippetOf(l) : undefined,
      relative: !isAbsolute(raw) || undefined,
    });
  };
  walkCss(ast, {
    enter(this: csstree.WalkContext, node: csstree.CssNode) {
      if (deadImports.has(node)) return walkCss.skip;
      const atrule = this.atrule?.name?.toLowerCase();
      if (node.type === 'Url') {
        const kind: RefKind = atrule === 'import' ? 'css-import' : atrule === 'font-face' ? 'css-font' : 'css-image';
        push(node.value, kind, node.loc?.start.line);
      } else if (node.type === 'String' && atrule === 'import' && this.atrulePrelude) {
        push(node.value, 'css-import', node.loc?.start.line);
      } else if (node.type === 'Function' && /^(?:-webkit-)?image-set$/i.test(node.name)) {
        node.children.forEach((child) => {
          if (child.type === 'String') push(child.value, 'css-image', child.loc?.start.line);
        });
      }
    },
  });
  return out;
}

export function extractHtml(html: string, pageUrl: string): HtmlExtract {
  const lines = new LineIndex(html);
  const pageHost = (() => {
    try {
      return new URL(pageUrl).host;
    } catch {
      return '';
    }
  })();
  const pending: Pending[] = [];
  const cssBlocks: Array<{ text: string; context: 'stylesheet' | 'declarationList'; line: number; snippet: string }> = [];
  const scripts: Array<{ text: string; line: number }> = [];
  const cspMeta: string[] = [];
  let baseRaw: string | undefined;
  let canonicalRaw: string | undefined;
  let ogRaw: string | undefined;
  const stack: string[] = [];
  let depthLimitLine: number | undefined;
  let inStyle: { text: string; line: number } | undefined;
  let inScript: { text: string; line: number } | undefined;
  // Line and snippet of the current tag, computed only when the tag carries a URL (most tags do not).
  let tagStart = 0;
  let tagEnd = 0;
  let currentLine = 0;
  let currentSnippet = '';
  const locate = () => {
    if (currentLine === 0) {
      currentLine = lines.line(tagStart);
      currentSnippet = html.slice(tagStart, Math.min(tagEnd + 1, tagStart + 300)).replace(/\s+/g, ' ');
    }
  };

  const add = (raw: string | undefined, kind: RefKind, extra: Partial<Pending> = {}) => {
    if (raw === undefined || raw.trim() === '') return;
    locate();
    pending.push({ raw, kind, line: currentLine, snippet: currentSnippet, ...extra });
  };

  const parser = new Parser(
    {
      onopentag(name, a) {
        tagStart = parser.startIndex;
        tagEnd = parser.endIndex;
        currentLine = 0;
        const parent = stack[stack.length - 1];
        switch (name) {
          case 'base':
            if (baseRaw === undefined && a.href !== undefined) baseRaw = a.href;
            break;
          case 'a':
          case 'area':
            add(a.href, 'link', { follow: true });
            break;
          case 'img': {
            // Chromium blocks (does not upgrade) an img that has srcset; an img in <picture> without srcset is upgraded.
            add(a.src, a.srcset !== undefined ? 'img-srcset' : 'img');
            if (a.srcset) for (const u of parseSrcset(a.srcset)) add(u, 'img-srcset');
            break;
          }
          case 'source':
            if (parent === 'picture' && a.srcset) for (const u of parseSrcset(a.srcset)) add(u, 'picture-source');
            else if (parent && MEDIA_TAGS.has(parent)) add(a.src, 'media');
            break;
          case 'link': {
            const rel = (a.rel ?? '').toLowerCase().split(/\s+/);
            if (rel.includes('stylesheet')) add(a.href, 'stylesheet', { stylesheet: !rel.includes('alternate') });
            else if (rel.includes('modulepreload')) add(a.href, 'modulepreload');
            else if (rel.includes('preload')) {
              const as = (a.as ?? '').toLowerCase();
              add(a.href, 'preload', { upgradablePreload: as === 'image' || as === 'audio' || as === 'video' });
            } else if (rel.includes('icon')) add(a.href, 'icon');
            else if (rel.includes('manifest')) add(a.href, 'manifest', { manifest: true });
            else if (rel.includes('canonical')) canonicalRaw ??= a.href;
            break;
          }
          case 'script':
            add(a.src, 'script');
            if (a.src === undefined) {
              locate();
              inScript = { text: '', line: currentLine };
            }
            break;
          case 'style':
            locate();
            inStyle = { text: '', line: currentLine };
            break;
          case 'iframe':
          case 'frame':
            add(a.src, 'iframe', { follow: true });
            break;
          case 'object':
            add(a.data, 'object');
            break;
          case 'embed':
            add(a.src, 'embed');
            break;
          case 'audio':
          case 'video':
            add(a.src, 'media');
            if (name === 'video') add(a.poster, 'poster');
            break;
          case 'track':
            add(a.src, 'track');
            break;
          case 'input':
            if ((a.type ?? '').toLowerCase() === 'image') add(a.src, 'input-image');
            if (a.formaction !== undefined) add(a.formaction, 'form-action');
            break;
          case 'button':
            if (a.formaction !== undefined) add(a.formaction, 'form-action');
            break;
          case 'form':
            if (a.action !== undefined && a.action.trim() !== '') add(a.action, 'form-action');
            break;
          case 'meta': {
            const equiv = (a['http-equiv'] ?? '').toLowerCase();
            if (equiv === 'refresh' && a.content) {
              const m = /url\s*=\s*['"]?([^'"\s;]+)/i.exec(a.content);
              if (m) add(m[1], 'meta-refresh', { follow: true });
            } else if (equiv === 'content-security-policy' && a.content) cspMeta.push(a.content);
            if ((a.property ?? '').toLowerCase() === 'og:url') ogRaw ??= a.content;
            break;
          }
          case 'image':
          case 'use': {
            const href = a.href ?? a['xlink:href'];
            if (href !== undefined && !href.startsWith('#')) add(href, name === 'image' ? 'svg-image' : 'svg-use');
            break;
          }
        }
        if (a.style && /url\(|image-set/i.test(a.style)) {
          locate();
          cssBlocks.push({ text: a.style, context: 'declarationList', line: currentLine, snippet: currentSnippet });
        }
        stack.push(name);
        if (stack.length > MAX_HTML_DEPTH && depthLimitLine === undefined) {
          depthLimitLine = lines.line(tagStart);
          parser.pause();
        }
      },
      ontext(text) {
        if (inStyle) inStyle.text += text;
        else if (inScript) inScript.text += text;
      },
      onclosetag(name) {
        if (name === 'style' && inStyle) {
          cssBlocks.push({ text: inStyle.text, context: 'stylesheet', line: inStyle.line, snippet: '' });
          inStyle = undefined;
        } else if (name === 'script' && inScript) {
          scripts.push(inScript);
          inScript = undefined;
        }
        const i = stack.lastIndexOf(name);
        if (i !== -1) stack.length = i;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();

  let base = pageUrl;
  let baseHref: string | undefined;
  if (baseRaw !== undefined) {
    const b = resolve(baseRaw, pageUrl);
    if (b) {
      base = b;
      baseHref = b;
    }
  }
  const baseInsecure = baseHref?.startsWith('http:') ?? false;
  const refs: RawRef[] = [];
  const links: string[] = [];
  const stylesheets: Array<{ url: string; line?: number }> = [];
  let manifest: string | undefined;
  const linkStats = { sameHostHttp: 0, sameHostHttps: 0, relative: 0 };
  const count = (raw: string, abs: string) => {
    if (!isAbsolute(raw)) {
      linkStats.relative++;
      return;
    }
    try {
      const u = new URL(abs);
      if (u.host !== pageHost) return;
      if (u.protocol === 'http:') linkStats.sameHostHttp++;
      else if (u.protocol === 'https:') linkStats.sameHostHttps++;
    } catch {
      /* unreachable: abs was resolved */
    }
  };
  if (baseHref) {
    count(baseRaw!, baseHref);
    refs.push({ url: baseHref, kind: 'base', line: undefined, snippet: `<base href="${baseRaw}">` });
  }
  for (const p of pending) {
    const url = resolve(p.raw, base);
    if (!url) continue;
    count(p.raw, url);
    const viaBase = baseInsecure && !isAbsolute(p.raw);
    refs.push({
      url,
      kind: p.kind,
      line: p.line,
      snippet: p.snippet,
      viaBase: viaBase || undefined,
      upgradablePreload: p.upgradablePreload,
    });
    if (p.follow) {
      const hash = url.indexOf('#');
      links.push(hash === -1 ? url : url.slice(0, hash));
    }
    if (p.stylesheet) stylesheets.push({ url, line: p.line });
    if (p.manifest) manifest ??= url;
  }
  let htmlLines: string[] | undefined;
  const snippetOf = (l: number) => {
    htmlLines ??= html.split('\n');
    return (htmlLines[l - 1] ?? '').trim().slice(0, 300);
  };
  for (const block of cssBlocks) {
    for (const r of extractCss(block.text, base, block.context, block.line - 1, snippetOf)) {
      refs.push({ ...r, snippet: r.snippet || block.snippet, viaBase: (baseInsecure && r.relative) || undefined });
    }
  }
  for (const s of scripts) {
    const re = /["'`](ws:\/\/[^"'`\s]+)["'`]/g;
    for (let m = re.exec(s.text); m; m = re.exec(s.text)) {
      const before = s.text.slice(0, m.index);
      const line = s.line + (before.match(/\n/g)?.length ?? 0);
      refs.push({ url: m[1]!, kind: 'websocket', line, snippet: snippetOf(line) });
    }
  }
  const canonical = canonicalRaw !== undefined ? resolve(canonicalRaw, base) : undefined;
  const ogUrl = ogRaw !== undefined ? resolve(ogRaw, base) : undefined;
  const out: HtmlExtract = { refs, links, stylesheets, manifest, baseHref, canonical, ogUrl, cspMeta, linkStats };
  if (depthLimitLine !== undefined) out.depthLimitLine = depthLimitLine;
  return out;
}
