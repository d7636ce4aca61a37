/**
 * What a person wants to read: per finding the message, `file:line`, the offending lines,
 * why it matters, and the fix as the lines to write.
 */
import pc from 'picocolors';
import type { Finding, Severity } from '../model/finding.js';
import { docsResolver } from './docs.js';
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
  for (const e of f.evidence) {
    const loc = `${e.file}${e.line ? `:${e.line}` : ''}${e.source === 'builtin' ? ' (built-in copy: file not found)' : ''}`;
    out.push(`  ${c.dim('at')} ${loc}${e.note ? `  ${c.dim(`— ${e.note}`)}` : ''}`);
    if (e.snippet) {
      const lines = e.snippet.split('\n');
      lines.forEach((l, i) => {
        const n = e.line ? String(e.line + i).padStart(5) : '     ';
        out.push(`  ${c.dim(`${n} |`)} ${l}`);
      });
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

export const textRenderer: Renderer = {
  name: 'text',
  render(report: Report, opt: RenderOptions) {
    const c = colours(opt.color);
    const parts: string[] = [];
    if (!opt.quiet) {
      for (const s of report.sections ?? []) if (s.position !== 'after') parts.push(`${c.bold(s.title)}\n${s.lines.join('\n')}`);
      for (const d of report.diagnostics) {
        const where = `${d.file}${d.line ? `:${d.line}` : ''}${d.column ? `:${d.column}` : ''}`;
        parts.push(`${d.level === 'error' ? c.sev('high', 'error') : c.dim(d.level)}: ${where}: ${d.message}`);
      }
    }
    for (const f of report.findings) parts.push(renderFinding(f, opt));
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
    return `${parts.join('\n\n')}\n`;
  },
};
