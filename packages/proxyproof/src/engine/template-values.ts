/**
 * A finding whose evidence cites a template line with a placeholder the tree's variable files filled (Ansible's
 * `group_vars`, role defaults...: collectors/template/ansible.ts; a container's environment for an envsubst
 * template: collectors/template/envsubst.ts) also points at where that value is written, so
 * "proxies to http://127.0.0.1:8000" on `proxy_pass http://127.0.0.1:{{ app_port }};` says where 8000 comes from.
 */
import type { Facts } from '../model/facts.js';
import type { Evidence, Finding } from '../model/finding.js';
import type { TemplatePlaceholder } from '../model/template.js';

export function withTemplateValues(facts: Facts, findings: Finding[]): Finding[] {
  const filled = new Map<string, TemplatePlaceholder[]>();
  for (const [file, note] of facts.templates ?? []) {
    const with_ = note.placeholders.filter((p) => p.from !== undefined);
    if (with_.length > 0) filled.set(file, with_);
  }
  if (filled.size === 0) return findings;
  return findings.map((f) => {
    const added: Evidence[] = [];
    for (const e of f.evidence) {
      const ps = filled.get(e.file);
      if (!ps || e.line <= 0) continue;
      const last = e.line + (e.snippet ? e.snippet.split('\n').length - 1 : 0);
      for (const p of ps) {
        if (p.line < e.line || p.line > last || !p.from) continue;
        const { file, line } = p.from;
        if (added.some((a) => a.file === file && a.line === line) || f.evidence.some((x) => x.file === file && x.line === line))
          continue;
        const snippet = facts.sources.get(file)?.[line - 1];
        added.push({
          file,
          line,
          ...(snippet !== undefined ? { snippet } : {}),
          note: p.env
            ? `${p.bare ? `$${p.expr}` : `\${${p.expr}}`} in ${e.file}:${p.line} is ${p.value}, from ${file}:${line} (the one value the environment of the container that renders it gives it)`
            : `{{ ${p.expr} }} in ${e.file}:${p.line} is ${p.value}, from ${file}:${line} (the one value the tree's variable files give it)`,
        });
      }
    }
    return added.length ? { ...f, evidence: [...f.evidence, ...added] } : f;
  });
}
