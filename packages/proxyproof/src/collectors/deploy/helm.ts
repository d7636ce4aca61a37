/**
 * Helm charts: a template's `{{ .Values.a.b }}` is read as an opaque placeholder by the shared template reader;
 * the chart's own `values.yaml` (next to `Chart.yaml`, above `templates/`) gives its default value and the line
 * an operator edits. Used to resolve a container's image (is it a proxy?) and to point a finding at the value
 * that feeds a command line.
 */
import { dirname, join } from 'node:path';
import type { Node } from 'yaml';
import type { CollectContext } from '../../model/collector.js';
import { MAX_CONFIG_BYTES } from '../../model/limits.js';
import { yaml } from '../proxy/yaml.js';

export interface HelmValue {
  /** The value as YAML gives it (string, number, boolean, map, list, null). */
  value: unknown;
  /** Display path of values.yaml and the 1-based line of the key. */
  file: string;
  line: number;
}

export interface HelmValues {
  file: string;
  get(path: string[]): HelmValue | undefined;
}

const cache = new WeakMap<CollectContext, Map<string, HelmValues | null>>();

/** The chart of a template file: the nearest folder above it (at most 4 levels) holding Chart.yaml. */
export function chartValues(ctx: CollectContext, fileAbs: string): HelmValues | undefined {
  let dir = dirname(fileAbs);
  for (let i = 0; i < 4; i++) {
    const chart = ctx.files.find((f) => f.abs === join(dir, 'Chart.yaml'));
    if (chart) return loadValues(ctx, dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

function loadValues(ctx: CollectContext, dir: string): HelmValues | undefined {
  let per = cache.get(ctx);
  if (!per) {
    per = new Map();
    cache.set(ctx, per);
  }
  const hit = per.get(dir);
  if (hit !== undefined) return hit ?? undefined;
  const f = ctx.files.find((x) => x.abs === join(dir, 'values.yaml') || x.abs === join(dir, 'values.yml'));
  let out: HelmValues | null = null;
  if (f && f.size <= MAX_CONFIG_BYTES) {
    const text = ctx.read(f).toString('utf8');
    const lines = new (yaml().LineCounter)();
    const doc = yaml().parseDocument(text, { lineCounter: lines, uniqueKeys: false });
    if (doc.errors.length === 0) {
      const display = f.display;
      out = {
        file: display,
        get(path) {
          let node: Node | null | undefined = doc.contents as Node | null;
          let line = 0;
          for (const k of path) {
            if (!node || !yaml().isMap(node)) return undefined;
            const pair = node.items.find((p) => yaml().isScalar(p.key) && String(p.key.value) === k);
            if (!pair) return undefined;
            const kn = pair.key as Node;
            line = kn.range ? lines.linePos(kn.range[0]).line : 0;
            node = pair.value as Node | null;
          }
          const value =
            node && typeof (node as { toJSON?: unknown }).toJSON === 'function' ? (node as { toJSON(): unknown }).toJSON() : null;
          return { value, file: display, line };
        },
      };
    }
  }
  per.set(dir, out);
  return out ?? undefined;
}

/** `.Values.a.b`, `$.Values.a.b` -> ['a', 'b']; undefined for any other expression. */
export function valuesPath(expr: string): string[] | undefined {
  const m = /^\s*\$?\.Values((?:\.[A-Za-z_][\w-]*)+)/.exec(expr);
  return m ? (m[1] as string).slice(1).split('.') : undefined;
}

/** The `.Values...` placeholders written on one line of a template, resolved against the chart's values. */
export function valuesOnLine(
  ctx: CollectContext,
  display: string,
  fileAbs: string,
  line: number,
): Array<{ expr: string; path: string[]; value?: HelmValue }> {
  const note = ctx.facts.templates?.get(display);
  if (!note) return [];
  const values = chartValues(ctx, fileAbs);
  const out: Array<{ expr: string; path: string[]; value?: HelmValue }> = [];
  for (const p of note.placeholders) {
    if (p.line !== line) continue;
    const path = valuesPath(p.expr);
    if (!path) continue;
    out.push({ expr: p.expr, path, value: values?.get(path) });
  }
  return out;
}

/** The name the shared template reader gives a placeholder (collectors/template `opaque`): `__tpl_<expr>__`. */
export function placeholderName(expr: string): string {
  const name = expr
    .replace(/^[\s.$]+/, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  return `__tpl_${name}__`;
}

/**
 * The chart's values for the `.Values` placeholders written on lines [from, to] of a template: placeholder
 * name -> value (scalars only), as `helm template` would render them with the chart's defaults.
 */
export function valuesForLines(
  ctx: CollectContext,
  display: string,
  fileAbs: string,
  from: number,
  to: number,
): Map<string, string> {
  const out = new Map<string, string>();
  const note = ctx.facts.templates?.get(display);
  if (!note) return out;
  const values = chartValues(ctx, fileAbs);
  if (!values) return out;
  for (const p of note.placeholders) {
    if (p.line < from || p.line > to) continue;
    const path = valuesPath(p.expr);
    if (!path) continue;
    const v = values.get(path)?.value;
    // Helm's `default` applies only to an empty value; the reader already rendered the written default.
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      if (String(v) !== '' || p.default === undefined) out.set(placeholderName(p.expr), String(v));
  }
  return out;
}
