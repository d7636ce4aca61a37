/**
 * Terraform `templatefile(path, { VAR : expr, ... })` calls: which expression each placeholder of a
 * rendered template (Helm values, a ConfigMap) receives. Line-based and bounded: the call's map is read
 * until its closing brace (at most MAX_MAP_LINES lines); `${path.module}/` is dropped from the path.
 */
import type { TemplateBinding } from '../../model/proxy.js';

const MAX_MAP_LINES = 400;

export function templatefileBindings(src: string, file: string): TemplateBinding[] {
  const out: TemplateBinding[] = [];
  const lines = src.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (!/\btemplatefile\s*\(/.test(lines[i] as string)) continue;
    // The path: on the same line or the next non-empty one.
    let pathLine = i;
    let m = /templatefile\s*\(\s*"([^"]+)"/.exec(lines[i] as string);
    while (!m && pathLine < i + 3 && pathLine + 1 < lines.length) {
      pathLine++;
      m = /^\s*"([^"]+)"/.exec(lines[pathLine] as string);
    }
    if (!m) continue;
    const template = (m[1] as string).replace(/^\$\{path\.(module|root|cwd)\}\//, '');
    const vars: TemplateBinding['vars'] = {};
    let depth = 0;
    let opened = false;
    for (let k = pathLine; k < Math.min(lines.length, pathLine + MAX_MAP_LINES); k++) {
      const l = (
        k === pathLine ? (lines[k] as string).slice((lines[k] as string).indexOf(m[0]) + m[0].length) : lines[k]
      ) as string;
      const kv = /^\s*"?([A-Za-z_][\w-]*)"?\s*[:=]\s*(.+?)\s*,?\s*$/.exec(l);
      if (opened && depth === 1 && kv)
        vars[kv[1] as string] = { expr: kv[2] as string, ref: { file, line: k + 1, snippet: l.trim() } };
      for (const ch of l) {
        if (ch === '{') {
          depth++;
          opened = true;
        } else if (ch === '}') depth--;
      }
      if (opened && depth <= 0) break;
    }
    out.push({ template, ref: { file, line: i + 1, snippet: (lines[i] as string).trim() }, vars });
  }
  return out;
}

/** The binding of placeholder NAME in the template at display path FILE, when a templatefile() call renders it. */
export function bindingFor(
  bindings: TemplateBinding[] | undefined,
  file: string,
  name: string,
): { expr: string; ref: TemplateBinding['ref'] } | undefined {
  for (const b of bindings ?? []) {
    if (!file.endsWith(`/${b.template}`) && file !== b.template) continue;
    const v = b.vars[name];
    if (v) return v;
  }
  return undefined;
}
