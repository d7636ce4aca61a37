/**
 * Apache httpd configuration reader: directives and `<Section args>` blocks with line numbers,
 * backslash continuation lines, `#` comments. Bounded: nesting depth and line count are capped;
 * an unbalanced section is reported, never thrown.
 */
import { MAX_DEPTH, splitWords } from '../proxy/common.js';

export interface ApacheNode {
  name: string;
  /** Arguments with quotes removed. */
  args: string[];
  line: number;
  /** The directive as written (continuations joined). */
  raw: string;
  /** Children of a `<Section>`. */
  block?: ApacheNode[];
  /** The file the directive is written in, when it came from an `Include`d file (else the file being read). */
  file?: string;
}

export interface ApacheParse {
  nodes: ApacheNode[];
  errors: Array<{ line: number; message: string }>;
}

export function parseApache(src: string): ApacheParse {
  const errors: ApacheParse['errors'] = [];
  const root: ApacheNode[] = [];
  const stack: Array<{ node: ApacheNode | null; children: ApacheNode[] }> = [{ node: null, children: root }];
  const lines = src.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i] as string;
    while (/\\\s*$/.test(text) && i + 1 < lines.length) {
      text = text.replace(/\\\s*$/, ' ') + (lines[++i] as string);
    }
    const t = text.trim();
    if (!t || t.startsWith('#')) continue;
    const top = stack[stack.length - 1] as (typeof stack)[number];
    const close = /^<\/([A-Za-z0-9_]+)\s*>/.exec(t);
    if (close) {
      const want = top.node?.name.toLowerCase();
      if (!top.node) errors.push({ line: start + 1, message: `</${close[1]}> without an open section` });
      else if (want !== (close[1] as string).toLowerCase())
        errors.push({ line: start + 1, message: `</${close[1]}> closes <${top.node.name}> (line ${top.node.line})` });
      if (stack.length > 1) stack.pop();
      continue;
    }
    const open = /^<([A-Za-z0-9_]+)(\s[^>]*)?>\s*$/.exec(t);
    if (open) {
      const node: ApacheNode = {
        name: open[1] as string,
        args: splitWords((open[2] ?? '').trim()).map((w) => w.text),
        line: start + 1,
        raw: t,
        block: [],
      };
      top.children.push(node);
      if (stack.length >= MAX_DEPTH) {
        errors.push({ line: start + 1, message: `sections nested deeper than ${MAX_DEPTH}` });
        continue;
      }
      stack.push({ node, children: node.block as ApacheNode[] });
      continue;
    }
    if (t.startsWith('<')) {
      errors.push({ line: start + 1, message: `malformed section line: ${t.slice(0, 60)}` });
      continue;
    }
    const w = splitWords(t).map((x) => x.text);
    top.children.push({ name: w[0] as string, args: w.slice(1), line: start + 1, raw: t });
  }
  for (const s of stack.slice(1)) if (s.node) errors.push({ line: s.node.line, message: `<${s.node.name}> is never closed` });
  return { nodes: root, errors };
}

/** Every directive under `nodes`, depth first, with the chain of enclosing sections. */
export function* walkApache(
  nodes: ApacheNode[],
  parents: ApacheNode[] = [],
): Generator<{ node: ApacheNode; parents: ApacheNode[] }> {
  for (const n of nodes) {
    yield { node: n, parents };
    if (n.block) yield* walkApache(n.block, [...parents, n]);
  }
}
