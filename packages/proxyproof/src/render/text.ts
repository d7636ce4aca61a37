/**
 * What a person wants to read: per finding the message, `file:line`, the offending lines,
 * why it matters, and the fix as the lines to write.
 */
import pc from 'picocolors';
import type { Evidence, Finding, Severity } from '../model/finding.js';
import { docsResolver } from './docs.js';
import { evidenceItems, twoColumns } from './evidence.js';
import type { Renderer, RenderOptions, Report } from './types.js';

const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  info: 'INFO',
};

function colours(on: boolean) {
  const c = pc.createColors(on);
  return {
    sev(s: Severity, t: string) {
      return s === 'critical' || s === 'high'
        ? c.red(c.bold(t))
        : s === 'medium'
          ? c.yellow(t)
          : s === 'low'
            ? c.cyan(t)
            : c.dim(t);
    },
    bold: c.bold,
    dim: c.dim,
    green: c.green,
  };
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}

export function renderFinding(f: Finding, opt: RenderOptions): string {
  const c = colours(opt.color);
  const out: string[] = [];
  const first = f.evidence[0];
  const where = first ? `${first.file}${first.line ? `:${first.line}` : ''}` : '';
  out.push(`${c.sev(f.severity, SEVERITY_LABEL[f.severity])} ${c.bold(f.id)}  ${where}`);
  out.push(indent(f.message, '  '));
  const at = (e: Evidence) => {
    const loc = `${e.file}${e.line ? `:${e.line}` : ''}${e.source === 'builtin' ? ' (built-in copy: file not found)' : ''}`;
    out.push(`  ${c.dim('at')} ${loc}${e.note ? `  ${c.dim(`— ${e.note}`)}` : ''}`);
  };
  const snippet = (e: Evidence) => {
    if (!e.snippet) return;
    e.snippet.split('\n').forEach((l, i) => {
      const n = e.line ? String(e.line + i).padStart(5) : '     ';
      out.push(`  ${c.dim(`${n} |`)} ${l}`);
    });
  };
  for (const item of evidenceItems(f.evidence)) {
    if (item.kind === 'one') {
      at(item.e);
      snippet(item.e);
      continue;
    }
    // Both answers side by side: the notes say what each request carried, the columns what came back.
    const { baseline, compared } = item;
    at(baseline);
    at(compared);
    const rows =
      baseline.snippet !== undefined && compared.snippet !== undefined
        ? twoColumns(baseline.snippet.split('\n'), compared.snippet.split('\n'), [
            (baseline.note ?? 'baseline').replace(/\s*\(.*$/, ''),
            (compared.note ?? 'compared').replace(/:.*$/, ''),
          ])
        : null;
    if (rows) for (const r of rows) out.push(`  ${c.dim('      |')} ${r}`);
    else {
      snippet(baseline);
      snippet(compared);
    }
  }
  out.push(`  ${c.bold('why:')} ${f.why}`);
  if (f.fix) {
    const fx = f.fix;
    const placed = fx.file && fx.line && fx.placement && (fx.lines?.length ?? 0) > 0;
    const target = fx.file && !placed ? ` (${fx.file}${fx.line ? `:${fx.line}` : ''})` : '';
    out.push(`  ${c.bold('fix:')} ${fx.description}${target}`);
    if (placed) {
      out.push(
        `  ${c.dim(fx.placement === 'replace' ? `in ${fx.file}, replace line ${fx.line} with:` : `in ${fx.file}, after line ${fx.line}:`)}`,
      );
    }
    for (const l of fx.lines ?? []) out.push(`  ${c.green(`+ ${l}`)}`);
  }
  out.push(`  ${c.dim(`docs: ${(opt.docs ?? docsResolver()).path(f.docs)}`)}`);
  return out.join('\n');
}

/**
 * Text output per check id (and diagnostics per level) at most this many entries; then one line says how many
 * more there are. A 15 MB config with 12,000 copies of one mistake reads as the first few and a count.
 */
export const MAX_TEXT_PER_CHECK = 20;

/** `... and 12,000 more like this (nginx/forwarded-proto-missing); --all to show` */
export function moreLine(n: number, what: string): string {
  return `... and ${n.toLocaleString('en')} more like this (${what}); --all to show`;
}

export const textRenderer: Renderer = {
  name: 'text',
  render(report: Report, opt: RenderOptions) {
    const parts: string[] = [];
    renderParts(report, opt, (p) => parts.push(p));
    return `${parts.join('\n\n')}\n`;
  },
  write(report: Report, opt: RenderOptions, out: (chunk: string) => void) {
    let first = true;
    renderParts(report, opt, (p) => {
      out(first ? p : `\n\n${p}`);
      first = false;
    });
    out('\n');
  },
};

function renderParts(report: Report, opt: RenderOptions, push: (part: string) => void): void {
  const c = colours(opt.color);
  const cap = opt.all ? Number.POSITIVE_INFINITY : MAX_TEXT_PER_CHECK;
  const parts = { push };
  if (!opt.quiet) {
    for (const s of report.sections ?? []) if (s.position !== 'after') parts.push(`${c.bold(s.title)}\n${s.lines.join('\n')}`);
    const perLevel = new Map<string, number>();
    for (const d of report.diagnostics) {
      const n = (perLevel.get(d.level) ?? 0) + 1;
      perLevel.set(d.level, n);
      if (n > cap) continue;
      const where = `${d.file}${d.line ? `:${d.line}` : ''}${d.column ? `:${d.column}` : ''}`;
      parts.push(`${d.level === 'error' ? c.sev('high', 'error') : c.dim(d.level)}: ${where}: ${d.message}`);
    }
    for (const [level, n] of perLevel) if (n > cap) parts.push(c.dim(moreLine(n - cap, `${level} diagnostics`)));
  }
  const perCheck = new Map<string, number>();
  for (const f of report.findings) {
    const n = (perCheck.get(f.id) ?? 0) + 1;
    perCheck.set(f.id, n);
    if (n <= cap) parts.push(renderFinding(f, opt));
  }
  for (const [id, n] of perCheck) if (n > cap) parts.push(c.dim(moreLine(n - cap, id)));
  if (!opt.quiet) {
    for (const s of report.sections ?? []) if (s.position === 'after') parts.push(`${c.bold(s.title)}\n${s.lines.join('\n')}`);
    const counts = new Map<Severity, number>();
    for (const f of report.findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
    const summary =
      report.findings.length === 0
        ? report.incomplete
          ? `${c.sev('high', report.incomplete)}; no findings in what was covered`
          : c.green('no findings')
        : `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} (${[...counts]
            .map(([s, n]) => `${n} ${s}`)
            .join(', ')})`;
    const hidden = report.suppressed ?? [];
    const by = (k: string) => hidden.filter((s) => s.by === k).length;
    const notes = [
      by('comment') ? `${by('comment')} ignored by comments` : '',
      by('config') ? `${by('config')} ignored by .proxyproof.json` : '',
      by('baseline') ? `${by('baseline')} in the baseline` : '',
    ].filter(Boolean);
    const line = notes.length ? `${summary}; ${notes.join(', ')}` : summary;
    parts.push(report.incomplete && report.findings.length ? `${c.sev('high', report.incomplete)}; ${line}` : line);
  }
}
