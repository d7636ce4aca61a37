/**
 * The shared template reader (collectors/template) renders a placeholder with no default as the opaque token
 * `__tpl_<name>__`, so every collector can read the file; that token is internal. Output shows the placeholder as
 * the template wrote it (`${PROTO}`, `{{ proto }}`, `<%= @proto %>`), in messages, evidence, fixes and the doctor's
 * chain: a fix line then goes back into the template as valid template text.
 */
import { placeholderToken } from '../collectors/template/index.js';
import type { Facts } from '../model/facts.js';

const TOKEN = /\??__tpl_[A-Za-z0-9_]*__/gi;

/** Token -> the construct as written, from every template read (the first spelling of a name wins). */
function writtenForms(facts: Pick<Facts, 'templates'>): Map<string, string> | undefined {
  let out: Map<string, string> | undefined;
  for (const note of facts.templates?.values() ?? []) {
    for (const p of note.placeholders) {
      if (!p.written || p.value !== undefined || (p.default !== undefined && p.default !== '')) continue;
      // Lower case: a host placeholder went through URL parsing (`https://__tpl_nginx_host__/`).
      const token = placeholderToken(p.expr).toLowerCase();
      out ??= new Map();
      if (!out.has(token)) out.set(token, p.written);
    }
  }
  return out;
}

/**
 * A function showing every token of a text as written; a token no template recorded (a Helm object name built by
 * the deploy collector) is shown `<name>`, like any value the model does not know. The leading `?` the chain puts
 * on an unknown header value goes with it: the written placeholder already says the value is not known.
 */
export function placeholderShower(facts: Pick<Facts, 'templates' | 'sources'>): ((text: string) => string) | undefined {
  if (!facts.templates || facts.templates.size === 0) return undefined;
  const forms = writtenForms(facts) ?? new Map<string, string>();
  let scanned = false;
  return (text) =>
    text.includes('__tpl_')
      ? text.replace(TOKEN, (m) => {
          const token = m.replace(/^\?/, '').toLowerCase();
          // A placeholder read by a collector that keeps no note (a config inside a ConfigMap): its construct is
          // looked for once in the tree's source lines.
          if (!forms.has(token) && !scanned) {
            scanned = true;
            constructsIn(facts.sources, forms);
          }
          return forms.get(token) ?? `<${m.replace(/^\?/, '').slice(6, -2)}>`;
        })
      : text;
}

/** The template constructs written in the sources (envsubst `${X}`, `{{ x }}`, `<%= x %>`), by token; bounded. */
function constructsIn(sources: Facts['sources'], forms: Map<string, string>): void {
  const re = /\$\{[A-Za-z_][A-Za-z0-9_]*\}|\{\{[^{}\n]{1,200}\}\}|<%=[^%\n]{1,200}%>/g;
  let budget = 20_000_000;
  for (const lines of sources.values()) {
    for (const line of lines) {
      budget -= line.length;
      if (budget < 0) return;
      if (!line.includes('${') && !line.includes('{{') && !line.includes('<%=')) continue;
      for (const m of line.matchAll(re)) {
        const w = m[0];
        const expr = w.startsWith('${') ? w.slice(2, -1) : w.startsWith('<%=') ? w.slice(3, -2) : w.slice(2, -2);
        const token = placeholderToken(expr.replace(/^\s*-|-\s*$/g, '').trim()).toLowerCase();
        if (!forms.has(token)) forms.set(token, w);
      }
    }
  }
}

/** A copy of a JSON-like value with `show` applied to every string in it (objects untouched when nothing changes). */
export function showPlaceholders<T>(value: T, show: (text: string) => string): T {
  return walk(value, show, 0) as T;
}

function walk(v: unknown, show: (text: string) => string, depth: number): unknown {
  if (typeof v === 'string') return show(v);
  if (depth > 64 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((x) => {
      const y = walk(x, show, depth + 1);
      if (y !== x) changed = true;
      return y;
    });
    return changed ? out : v;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return v;
  let out: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const y = walk(x, show, depth + 1);
    if (y !== x) {
      out ??= { ...(v as Record<string, unknown>) };
      out[k] = y;
    }
  }
  return out ?? v;
}
