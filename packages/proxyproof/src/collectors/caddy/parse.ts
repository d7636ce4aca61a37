/**
 * Caddyfile lexer/parser: tokens per line (quotes, backticks, `#` comments, `{`/`}` at line end),
 * nested blocks, with and without the braces around a single site (the form Caddy's own docs use),
 * snippets `(name) { ... }` expanded at `import name [args]` (with `{args[0]}` / `{args.0}`), bounded
 * in depth and expansions. Errors are returned with line numbers, never thrown.
 */
import { MAX_DEPTH } from '../proxy/common.js';

export interface CaddyTok {
  text: string;
  line: number;
  quoted: boolean;
}

export interface CaddyNode {
  args: CaddyTok[];
  line: number;
  block?: CaddyNode[];
}

export interface CaddyParse {
  /** The global options block (`{ ... }` first in the file), if any. */
  global?: CaddyNode;
  sites: Array<{ addrs: string[]; line: number; body: CaddyNode[]; braces: boolean }>;
  errors: Array<{ line: number; message: string }>;
}

const MAX_EXPANSIONS = 2000;

function tokenize(src: string): CaddyTok[][] {
  const lines: CaddyTok[][] = [];
  src.split(/\r?\n/).forEach((raw, i) => {
    const out: CaddyTok[] = [];
    let j = 0;
    while (j < raw.length) {
      const ch = raw[j] as string;
      if (ch === ' ' || ch === '\t') {
        j++;
        continue;
      }
      if (ch === '#' && (j === 0 || /\s/.test(raw[j - 1] ?? ' '))) break;
      if (ch === '"' || ch === '`') {
        let k = j + 1;
        let s = '';
        while (k < raw.length && raw[k] !== ch) {
          // Caddy's lexer (caddyconfig/caddyfile/lexer.go): in a quoted token a backslash escapes the next
          // character, but only an escaped `"` loses its backslash; `\\` stays two backslashes, `\d` stays `\d`
          // (real caddy 2.6.2 `caddy adapt`: "\\8" gives the regexp `\\8`).
          if (ch === '"' && raw[k] === '\\' && k + 1 < raw.length) {
            if (raw[k + 1] !== '"') s += '\\';
            k++;
          }
          s += raw[k];
          k++;
        }
        out.push({ text: s, line: i + 1, quoted: true });
        j = k + 1;
        continue;
      }
      let k = j;
      while (k < raw.length && !/\s/.test(raw[k] as string)) k++;
      out.push({ text: raw.slice(j, k), line: i + 1, quoted: false });
      j = k;
    }
    if (out.length) lines.push(out);
  });
  return lines;
}

function parseBlock(
  lines: CaddyTok[][],
  pos: { i: number },
  depth: number,
  errors: CaddyParse['errors'],
  opener?: number,
): CaddyNode[] {
  const out: CaddyNode[] = [];
  while (pos.i < lines.length) {
    const l = lines[pos.i] as CaddyTok[];
    pos.i++;
    if (l.length === 1 && l[0]?.text === '}' && !l[0].quoted) {
      if (depth === 0) errors.push({ line: l[0].line, message: 'unexpected }' });
      return out;
    }
    const last = l[l.length - 1];
    if (last && last.text === '{' && !last.quoted) {
      const node: CaddyNode = { args: l.slice(0, -1), line: l[0]?.line ?? 0 };
      if (depth >= MAX_DEPTH) {
        errors.push({ line: node.line, message: `blocks nested deeper than ${MAX_DEPTH}` });
        return out;
      }
      node.block = parseBlock(lines, pos, depth + 1, errors, node.line);
      out.push(node);
    } else if (last?.text.endsWith('}') && l.length > 1 && l.some((t) => t.text === '{' && !t.quoted)) {
      // one-line block: `handle /x { respond 200 }`
      const open = l.findIndex((t) => t.text === '{' && !t.quoted);
      const inner = l.slice(open + 1);
      const innerLast = inner[inner.length - 1];
      if (innerLast && innerLast.text === '}') inner.pop();
      else if (innerLast) innerLast.text = innerLast.text.slice(0, -1);
      out.push({
        args: l.slice(0, open),
        line: l[0]?.line ?? 0,
        block: inner.length ? [{ args: inner, line: l[0]?.line ?? 0 }] : [],
      });
    } else out.push({ args: l, line: l[0]?.line ?? 0 });
  }
  if (depth > 0) errors.push({ line: opener ?? 0, message: 'block opened here is never closed' });
  return out;
}

function substituteArgs(nodes: CaddyNode[], args: string[]): CaddyNode[] {
  const sub = (t: CaddyTok): CaddyTok => ({
    ...t,
    text: t.text.replace(/\{args(?:\[(\d+)\]|\.(\d+))\}/g, (_m, a?: string, b?: string) => args[Number(a ?? b)] ?? ''),
  });
  return nodes.map((n) => ({ args: n.args.map(sub), line: n.line, block: n.block ? substituteArgs(n.block, args) : undefined }));
}

export function parseCaddyfile(src: string): CaddyParse {
  const errors: CaddyParse['errors'] = [];
  const lines = tokenize(src);
  const top = parseBlock(lines, { i: 0 }, 0, errors);
  const snippets = new Map<string, CaddyNode[]>();
  let global: CaddyNode | undefined;
  const rest: CaddyNode[] = [];
  top.forEach((n, i) => {
    if (i === 0 && n.args.length === 0 && n.block) global = n;
    else if (n.block && n.args.length === 1 && /^\(.+\)$/.test(n.args[0]?.text ?? ''))
      snippets.set((n.args[0]?.text ?? '').slice(1, -1), n.block);
    else rest.push(n);
  });
  let expansions = 0;
  const expand = (nodes: CaddyNode[], depth: number): CaddyNode[] => {
    const out: CaddyNode[] = [];
    for (const n of nodes) {
      if (n.args[0]?.text === 'import' && !n.block) {
        const name = n.args[1]?.text ?? '';
        const snip = snippets.get(name);
        if (snip && depth < 16 && expansions++ < MAX_EXPANSIONS) {
          out.push(
            ...expand(
              substituteArgs(
                snip,
                n.args.slice(2).map((t) => t.text),
              ),
              depth + 1,
            ),
          );
          continue;
        }
        if (!snip) errors.push({ line: n.line, message: `import ${name}: not a snippet of this file (files are not followed)` });
      }
      out.push(n.block ? { ...n, block: expand(n.block, depth + 1) } : n);
    }
    return out;
  };
  const sites: CaddyParse['sites'] = [];
  const body = expand(rest, 0);
  if (body.length > 0 && !body[0]?.block) {
    // No braces: the first line is the site's addresses, everything after it is the site.
    const first = body[0] as CaddyNode;
    sites.push({ addrs: addrList(first.args), line: first.line, body: body.slice(1), braces: false });
  } else {
    for (const n of body) {
      if (n.block && n.args.length > 0) sites.push({ addrs: addrList(n.args), line: n.line, body: n.block, braces: true });
      else if (n.args.length > 0) errors.push({ line: n.line, message: `directive ${n.args[0]?.text} outside a site block` });
    }
  }
  return { global, sites, errors };
}

function addrList(args: CaddyTok[]): string[] {
  return args
    .flatMap((t) => t.text.split(','))
    .map((a) => a.trim())
    .filter(Boolean);
}
