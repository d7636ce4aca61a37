/**
 * YAML helpers for the Kubernetes / Traefik / compose readers: every document of a file with line
 * numbers, and path lookups that return the value with the line of its key.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { LineCounter, Node } from 'yaml';

let yamlModule: typeof Yaml | undefined;

/**
 * The yaml package, loaded on first use: a lint without YAML files (one nginx.conf) never pays for it. yaml's
 * Node entry is CommonJS, so `require` gives the same instance an `import` would.
 */
export function yaml(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yamlModule;
}

export interface YDoc {
  /** Plain JS value of the document. */
  value: unknown;
  root: Node | null;
  lines: LineCounter;
}

/**
 * Aliases a document may expand: far above what a real config uses (a compose file's `<<: *defaults` per
 * service), far below what exhausts memory (nine levels of nine aliases each is 387 million nodes).
 */
export const MAX_YAML_ALIASES = 1000;

export interface YamlProblem {
  line: number;
  message: string;
}

/**
 * What a YAML document that cannot be turned into values says, in one line: an alias bomb (the yaml package's
 * "Excessive alias count") names the line of the first alias and the bound; anything else its own message.
 */
export function yamlValueProblem(e: unknown, src: string): YamlProblem {
  const message = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
  if (/alias count/i.test(message)) {
    const at = /(^|[\s,[{:-])\*[\w.-]+/m.exec(src);
    const line = at ? src.slice(0, at.index).split('\n').length : 1;
    return {
      line,
      message: `YAML: its aliases expand past ${MAX_YAML_ALIASES} (an alias bomb, or a file no deployment needs): not read`,
    };
  }
  return { line: 1, message: `YAML: ${message}` };
}

/**
 * Parses every document; undefined when the file is not YAML at all (errors in every document). A document
 * that expands too many aliases is left out and reported through `onProblem`.
 */
export function yamlDocs(src: string, onProblem?: (p: YamlProblem) => void): YDoc[] | undefined {
  const { LineCounter: Lines, parseAllDocuments } = yaml();
  const lines = new Lines();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(src, { lineCounter: lines, uniqueKeys: false });
  } catch (e) {
    onProblem?.(yamlValueProblem(e, src));
    return undefined;
  }
  if (!Array.isArray(docs)) return undefined;
  const out: YDoc[] = [];
  for (const d of docs) {
    // A document that does not parse is left out silently (a template, another YAML dialect): "Not read" says
    // why by its content. One that parses but cannot become values (an alias bomb) is reported.
    if (d.errors.length > 0) continue;
    let value: unknown;
    try {
      value = d.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (e) {
      onProblem?.(yamlValueProblem(e, src));
      continue;
    }
    out.push(...(listItems(value, d.contents as Node | null, lines) ?? [{ value, root: d.contents as Node | null, lines }]));
  }
  return out.length ? out : undefined;
}

/**
 * A Kubernetes `kind: List` (what `kubectl get -o yaml` writes, and manifests saved from it): each of its `items` is a
 * manifest of its own, as `kubectl apply` reads them. Each item becomes a document rooted at its node, so paths and
 * lines are the item's own (`spec.template.spec.containers` at the item's lines).
 */
function listItems(value: unknown, root: Node | null, lines: LineCounter): YDoc[] | undefined {
  const v = obj(value);
  if (!v || typeof v.kind !== 'string' || !/List$/.test(v.kind) || !Array.isArray(v.items) || !yaml().isMap(root))
    return undefined;
  const pair = root.items.find((p) => yaml().isScalar(p.key) && String(p.key.value) === 'items');
  const seq = pair?.value;
  if (!yaml().isSeq(seq) || seq.items.length !== v.items.length) return undefined;
  return v.items.map((item, i) => ({ value: item, root: seq.items[i] as Node | null, lines }));
}

/** The node at a key path (case-sensitive keys), with the 1-based line of its key. */
export function at(doc: YDoc, path: Array<string | number>): { node: Node; line: number; keyLine: number } | undefined {
  let node: Node | null | undefined = doc.root;
  let keyLine = 0;
  for (const k of path) {
    if (!node) return undefined;
    if (yaml().isMap(node)) {
      const pair = node.items.find((p) => yaml().isScalar(p.key) && String(p.key.value) === String(k));
      if (!pair) return undefined;
      const kn = pair.key as Node;
      keyLine = kn.range ? doc.lines.linePos(kn.range[0]).line : 0;
      node = pair.value as Node | null;
    } else if (yaml().isSeq(node) && typeof k === 'number') {
      node = node.items[k] as Node | null;
      keyLine = node?.range ? doc.lines.linePos(node.range[0]).line : keyLine;
    } else return undefined;
  }
  if (!node) return undefined;
  const line = node.range ? doc.lines.linePos(node.range[0]).line : keyLine;
  return { node, line, keyLine: keyLine || line };
}

export function lineOf(doc: YDoc, path: Array<string | number>): number {
  return at(doc, path)?.keyLine ?? 0;
}

export function get(v: unknown, path: Array<string | number>): unknown {
  let cur: unknown = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(k)];
  }
  return cur;
}

export function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
