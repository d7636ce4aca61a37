/**
 * A Helm chart's template rendered enough to read the manifest it makes, line for line (the shared template reader,
 * collectors/template `detemplate`): a `{{ .Values.a.b }}` takes the chart's default from its `values.yaml` (a
 * scalar; anything else stays the opaque `__tpl_...__` name), and a `{{ .Files.Get "files/x" | indent N }}` — a
 * chart file put into a ConfigMap key — becomes a marker naming that file, indented as `indent` would, so the key
 * can stand for the file (the file keeps its own lines). `include`, `.Release` and the rest stay opaque: a value
 * holding one is not used (collectors/template/envsubst.ts `usable`).
 * Pure: the caller gives the files of the tree and how to read them.
 */
import { posix } from 'node:path';
import { placeholderName, valuesPath } from '../deploy/helm.js';
import { yaml } from '../proxy/yaml.js';
import { detemplate } from './index.js';

/** A marker line standing for the chart file a ConfigMap key holds (`.Files.Get`); the index into `files`. */
const FILE_MARKER = /^\s*__helm_file_(\d+)__\s*$/;

export interface HelmRendered {
  /** The template rendered with the chart's default values; same line count. */
  text: string;
  /** Chart files `.Files.Get` puts in the text (absolute), by marker index. */
  files: string[];
}

/** The folder of the chart a template belongs to: the nearest above it (4 levels at most) holding Chart.yaml. */
export function chartDir(abs: string, has: (abs: string) => boolean): string | undefined {
  let dir = posix.dirname(abs);
  for (let i = 0; i < 4; i++) {
    if (has(`${dir}/Chart.yaml`)) return dir;
    const up = posix.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/**
 * Renders a chart template (`abs`, shown as `display`) with the chart's `values` (the parsed values.yaml, or
 * undefined); undefined when the file is not in a chart or the reader finds it too template-heavy.
 */
export function renderHelmTemplate(
  text: string,
  display: string,
  chart: string,
  values: unknown,
  has: (abs: string) => boolean,
): HelmRendered | undefined {
  // `.Files.Get` first: the reader drops an `indent`ed expression alone on its line (a block of YAML it cannot see).
  const files: string[] = [];
  const marked = text.replace(
    /^([ \t]*)(.*?)\{\{-?\s*\.Files\.Get\s+"([^"\n]+)"(?:\s*\|\s*(n?)indent\s+(\d+))?\s*-?\}\}/gm,
    (all, lead: string, before: string, rel: string, n: string, width: string | undefined) => {
      const file = posix.normalize(posix.join(chart, rel));
      if (!has(file)) return all;
      const marker = `__helm_file_${files.length}__`;
      files.push(file);
      // `indent N` puts N spaces before the file's first line (a block scalar's content needs them); after a key
      // (`key: {{ ... | nindent N }}`) the marker is the key's value on its own line.
      if (before === '' && width !== undefined && n === '') return ' '.repeat(Number(width)) + marker;
      return `${lead}${before}${marker}`;
    },
  );
  const d = detemplate(marked, { name: display });
  if (!d || d.heavy) return undefined;
  const lines = d.text.split('\n');
  for (const p of d.placeholders) {
    const at = p.line - 1;
    const line = lines[at];
    const path = valuesPath(p.expr);
    if (line === undefined || !path) continue;
    const name = placeholderName(p.expr);
    const v = valueAt(values, path);
    if (line.includes(name) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
      lines[at] = line.split(name).join(String(v));
  }
  return { text: lines.join('\n'), files };
}

/** The chart file a ConfigMap key's rendered value stands for (`.Files.Get`), or undefined. */
export function helmFileOf(value: string, rendered: HelmRendered): string | undefined {
  const m = FILE_MARKER.exec(value);
  return m ? rendered.files[Number(m[1])] : undefined;
}

/** values.yaml parsed once per chart (undefined when absent or not YAML). */
export function parseValues(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return yaml().parse(text, { uniqueKeys: false });
  } catch {
    return undefined;
  }
}

function valueAt(values: unknown, path: string[]): unknown {
  let v: unknown = values;
  for (const k of path) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}
