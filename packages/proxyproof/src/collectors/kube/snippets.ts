/**
 * ingress-nginx snippet annotations read as nginx, through the nginx collector's own parser (no second reader):
 * `nginx.ingress.kubernetes.io/configuration-snippet` is pasted into every `location` the controller writes for the
 * Ingress's paths, `server-snippet` into its `server` block (nginx.tmpl: `{{ $location.ConfigurationSnippet }}` after
 * the controller's own `proxy_set_header` lines, `{{ $server.ServerSnippet }}` at server level).
 *
 * Line-preserving: the text handed to the parser has the YAML file's line count, every line blanked but the
 * snippet's own, so a directive's line is the manifest's line. Bounded: one pass over the value's lines.
 */
import type { Ref } from '../../chain/model.js';
import type { KubeIngress } from '../../model/proxy.js';
import type { NginxDirective } from '../nginx/ast.js';
import { parseNginxText } from '../nginx/parser.js';

export type SnippetKind = 'configuration-snippet' | 'server-snippet';

export interface IngressSnippet {
  kind: SnippetKind;
  /** The annotation's key line. */
  ref: Ref;
  /** `proxy_set_header NAME VALUE;` lines written at the snippet's top level, in order. */
  headers: Array<{ name: string; value: string; ref: Ref }>;
  /** Parse errors of the snippet (file:line). */
  errors: Array<{ line: number; message: string }>;
}

const KINDS: SnippetKind[] = ['configuration-snippet', 'server-snippet'];

/** The snippets of an Ingress (its annotations), each parsed as nginx in its context. */
export function ingressSnippets(ing: KubeIngress, sourceLines: string[]): IngressSnippet[] {
  const out: IngressSnippet[] = [];
  for (const kind of KINDS) {
    const a = ing.annotations[`nginx.ingress.kubernetes.io/${kind}`];
    if (!a?.value.trim()) continue;
    const text = placeLines(a.value, a.ref.line, sourceLines);
    if (!text) continue;
    const tree = parseNginxText(text, a.ref.file, {
      single: true,
      context: kind === 'configuration-snippet' ? ['http', 'server', 'location'] : ['http', 'server'],
      builtinStock: false,
    });
    const parsed: NginxDirective[] = tree.config[0]?.parsed ?? [];
    const headers: IngressSnippet['headers'] = [];
    for (const d of parsed) {
      if (d.directive !== 'proxy_set_header' || d.args.length < 2) continue;
      const [name, value] = d.args as [string, string];
      headers.push({
        name,
        value,
        ref: { file: a.ref.file, line: d.line, snippet: (sourceLines[d.line - 1] ?? '').trim() },
      });
    }
    out.push({
      kind,
      ref: a.ref,
      headers,
      errors: tree.errors.map((e) => ({ line: e.line ?? a.ref.line, message: e.error })),
    });
  }
  return out;
}

/**
 * The file's text with only the value's lines kept, each at the line where it is written (searched forward from the
 * annotation's key line, in order); undefined when a line of the value is not found as written (a quoted scalar
 * with escapes, a template that renders it).
 */
function placeLines(value: string, keyLine: number, lines: string[]): string | undefined {
  const out = lines.map(() => '');
  let at = Math.max(0, keyLine - 1);
  const want = value.split('\n').map((l) => l.trim());
  for (const w of want) {
    if (w === '') continue;
    let found = -1;
    // The first value line may share the key's line (`configuration-snippet: proxy_set_header ...;`).
    for (let i = at; i < Math.min(lines.length, at + 50); i++) {
      const l = lines[i] ?? '';
      if (l.trim() === w || (i === keyLine - 1 && l.trimEnd().endsWith(w))) {
        found = i;
        break;
      }
    }
    if (found < 0) return undefined;
    out[found] = found === keyLine - 1 ? w : (lines[found] ?? '');
    at = found + 1;
  }
  return out.join('\n');
}
