/**
 * SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers): one run, one rule per check id,
 * one result per finding. Config findings carry a physical location (a URI relative to `%SRCROOT%`, the
 * folder proxyproof ran in, plus a region); live findings (scan/probe/verify) carry the URL as a logical
 * location. `partialFingerprints` come from render/fingerprint.ts (no line numbers), so an alert survives
 * an unrelated edit above it. Suppressed findings (ignore comments, .proxyproof.json, a baseline) are
 * results with `suppressions`, as code scanning expects. Generic over the Report: any command's findings.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import type { Evidence, Finding, Severity } from '../model/finding.js';
import { docsResolver } from './docs.js';
import { evidenceItems } from './evidence.js';
import { FINGERPRINT_KEY, fingerprints } from './fingerprint.js';
import type { Renderer, RenderOptions, Report, SuppressedFinding } from './types.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SRCROOT = '%SRCROOT%';

/** SARIF levels: what code scanning shows as error / warning / note. */
export const SARIF_LEVEL: Record<Severity, Sarif.ReportingConfiguration.level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub's `security-severity` (a CVSS-like score; >9 critical, 7-8.9 high, 4-6.9 medium, <4 low). */
export const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

function isUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
}

/** A file evidence as a SARIF artifact location: relative to %SRCROOT% when below it, else a file:// URI. */
function artifact(file: string, root: string): Sarif.ArtifactLocation | null {
  if (!file || /^\(.*\)$/.test(file)) return null; // `(chain)`, `(doctor)`: no file
  if (isUrl(file)) return null;
  const abs = resolve(root, file);
  const rel = relative(root, abs);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) {
    return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
  }
  return { uri: pathToFileURL(abs).href };
}

function region(e: { line?: number; column?: number; snippet?: string }): Sarif.Region | undefined {
  if (!e.line || e.line < 1) return undefined;
  const r: Sarif.Region = { startLine: e.line };
  if (e.column && e.column > 0) r.startColumn = e.column;
  if (e.snippet) {
    const n = e.snippet.split('\n').length;
    if (n > 1) r.endLine = e.line + n - 1;
    r.snippet = { text: e.snippet };
  }
  return r;
}

function location(e: Evidence, root: string, id?: number): Sarif.Location | null {
  const note = e.note ? { message: { text: e.note } } : {};
  const idPart = id !== undefined ? { id } : {};
  if (e.source === 'live' || isUrl(e.file)) {
    // A URL has no region to carry a snippet: what was seen there (a response) goes into the location's message.
    const text = [e.note, e.snippet].filter(Boolean).join('\n');
    return {
      ...idPart,
      logicalLocations: [{ fullyQualifiedName: e.file, kind: 'resource' }],
      ...(text ? { message: { text } } : {}),
    };
  }
  const a = artifact(e.file, root);
  if (!a) return null;
  const r = region(e);
  return { ...idPart, physicalLocation: { artifactLocation: a, ...(r ? { region: r } : {}) }, ...note };
}

function fixOf(f: Finding, root: string): Sarif.Fix[] | undefined {
  const fx = f.fix;
  if (!fx?.file || !fx.line || !fx.placement || !fx.lines?.length) return undefined;
  // The main edit and the same change at the other places (Fix.also): one artifactChange per file.
  const byFile = new Map<string, { location: Sarif.ArtifactLocation; replacements: Sarif.Replacement[] }>();
  for (const e of [{ file: fx.file, line: fx.line, lines: fx.lines, placement: fx.placement }, ...(fx.also ?? [])]) {
    const a = artifact(e.file, root);
    if (!a) return undefined;
    const deletedRegion: Sarif.Region =
      e.placement === 'replace'
        ? { startLine: e.line }
        : { startLine: e.line + 1, startColumn: 1, endLine: e.line + 1, endColumn: 1 };
    const g = byFile.get(e.file) ?? { location: a, replacements: [] };
    g.replacements.push({ deletedRegion, insertedContent: { text: `${e.lines.join('\n')}\n` } });
    byFile.set(e.file, g);
  }
  return [
    {
      description: { text: fx.description },
      artifactChanges: [...byFile.values()].map((g) => ({ artifactLocation: g.location, replacements: g.replacements })),
    },
  ];
}

function mdCell(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/`/g, "'").replace(/</g, '&lt;').replace(/>/g, '&gt;'))
    .join('<br>');
}

/** Pairs of answers to compare (probe: baseline and forged) as a two-column markdown table. */
function markdownPairs(f: Finding): string {
  const out: string[] = [];
  for (const item of evidenceItems(f.evidence)) {
    if (item.kind !== 'pair') continue;
    const { baseline: b, compared: c } = item;
    out.push(
      `\n\n| ${mdCell(b.note ?? 'baseline')} | ${mdCell(c.note ?? 'compared')} |\n|---|---|\n| ${mdCell(b.snippet ?? '')} | ${mdCell(c.snippet ?? '')} |`,
    );
  }
  return out.join('');
}

function markdownFix(f: Finding): string {
  if (!f.fix) return '';
  const lines = f.fix.lines?.length ? `\n\n\`\`\`\n${f.fix.lines.join('\n')}\n\`\`\`` : '';
  return `\n\n**Fix:** ${f.fix.description}${lines}`;
}

function rule(f: Finding, opt: RenderOptions): Sarif.ReportingDescriptor {
  const meta = opt.rules?.(f.id);
  const docs = opt.docs ?? docsResolver();
  const severity = meta?.severity ?? f.severity;
  const md = docs.markdown(f.docs);
  const full = meta?.summary ?? f.title;
  return {
    id: f.id,
    name: f.id
      .split(/[/-]/)
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: meta?.title ?? f.title },
    fullDescription: { text: full },
    helpUri: docs.uri(f.docs),
    help: { text: `${full}\n\nDocs: ${docs.path(f.docs)}`, ...(md ? { markdown: md } : {}) },
    defaultConfiguration: { level: SARIF_LEVEL[severity] },
    properties: {
      tags: ['security', 'reverse-proxy', f.id.split('/')[0] ?? 'proxyproof'],
      precision: 'high',
      'security-severity': SECURITY_SEVERITY[severity],
      references: meta?.references ?? f.references,
    },
  };
}

function result(f: Finding, fingerprint: string, ruleIndex: number, root: string, suppression?: SuppressedFinding): Sarif.Result {
  const [primary, ...rest] = f.evidence;
  const loc = primary ? location(primary, root) : null;
  const related = rest.map((e, i) => location(e, root, i + 1)).filter((l): l is Sarif.Location => l !== null);
  const r: Sarif.Result = {
    ruleId: f.id,
    ruleIndex,
    level: SARIF_LEVEL[f.severity],
    message: { text: f.message, markdown: `${f.message}${markdownPairs(f)}\n\n**Why:** ${f.why}${markdownFix(f)}` },
    locations: loc ? [loc] : [],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint },
    properties: { severity: f.severity, title: f.title, why: f.why, ...(f.data ? { data: f.data } : {}) },
  };
  if (related.length) r.relatedLocations = related;
  const fixes = fixOf(f, root);
  if (fixes) r.fixes = fixes;
  if (suppression) {
    r.suppressions = [
      {
        kind: suppression.kind,
        status: 'accepted',
        ...(suppression.justification ? { justification: suppression.justification } : {}),
        properties: { by: suppression.by, ...(suppression.at ? { at: suppression.at } : {}) },
      },
    ];
  }
  return r;
}

export function toSarif(report: Report, opt: RenderOptions): Sarif.Log {
  const root = opt.srcRoot ?? process.cwd();
  const suppressed = report.suppressed ?? [];
  const all = [...report.findings, ...suppressed.map((s) => s.finding)];
  const prints = fingerprints(all);
  const rules: Sarif.ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  for (const f of all) {
    if (ruleIndex.has(f.id)) continue;
    ruleIndex.set(f.id, rules.length);
    rules.push(rule(f, opt));
  }
  const results = all.map((f, i) =>
    result(
      f,
      f.fingerprint ?? (prints[i] as string),
      ruleIndex.get(f.id) as number,
      root,
      suppressed[i - report.findings.length],
    ),
  );
  const notifications: Sarif.Notification[] = report.diagnostics.map((d) => {
    const loc = location({ file: d.file, line: d.line ?? 0, column: d.column }, root);
    return {
      level: d.level === 'note' ? 'note' : d.level,
      message: { text: d.file && !loc ? `${d.file}: ${d.message}` : d.message },
      ...(loc ? { locations: [loc] } : {}),
    };
  });
  const rootUri = pathToFileURL(root).href;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'proxyproof',
            informationUri: 'https://www.npmjs.com/package/proxyproof',
            ...(opt.version ? { version: opt.version, semanticVersion: opt.version } : {}),
            rules,
          },
        },
        automationDetails: { id: `proxyproof/${report.command}/` },
        originalUriBaseIds: { [SRCROOT]: { uri: rootUri.endsWith('/') ? rootUri : `${rootUri}/` } },
        invocations: [
          {
            executionSuccessful: !report.diagnostics.some((d) => d.level === 'error'),
            arguments: [report.command, ...report.inputs],
            toolExecutionNotifications: notifications,
          },
        ],
        results,
        columnKind: 'unicodeCodePoints',
        properties: { command: report.command, inputs: report.inputs },
      },
    ],
  };
}

export const sarifRenderer: Renderer = {
  name: 'sarif',
  render(report, opt) {
    return `${JSON.stringify(toSarif(report, opt), null, 2)}\n`;
  },
};
