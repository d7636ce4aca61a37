/**
 * The HTML report: one self-contained file a person can hand to whoever runs the servers. Inline CSS,
 * a few lines of inline JS, the chain drawn as inline SVG, screenshots as data: URIs, and a
 * Content-Security-Policy that forbids every network request, so opening it offline shows everything
 * and leaks nothing. Readable on a phone (one column, the SVG scales) and printable (@media print).
 *
 * Layout: the verdict in one sentence; per HTTPS route the chain picture (browser -> proxies -> app
 * server -> framework, what each hop believes about scheme, host and client address, a red mark with
 * file:line where it goes wrong); the fix plan as highlighted diffs; findings grouped by the hop whose
 * file they are in; for scans the pages with their insecure URLs and screenshots; input problems.
 */
import type { ChainAnalysis } from '../chain/analyze.js';
import type { PlannedFix } from '../chain/plan.js';
import type { Step } from '../chain/simulate.js';
import type { RouteVerdict } from '../chain/verdict.js';
import { type Evidence, type Finding, SEVERITIES, type Severity, severityRank } from '../model/finding.js';
import { docsResolver } from './docs.js';
import { evidenceItems } from './evidence.js';
import { MAX_TEXT_PER_CHECK, moreLine } from './text.js';
import type { Renderer, RenderOptions, Report } from './types.js';

const esc = (s: unknown): string =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const where = (file: string | undefined, line: number | undefined) =>
  file ? `${file}${line && line > 0 ? `:${line}` : ''}` : '';

/** Words into lines of at most `max` characters (long words are cut). */
export function wrap(text: string, max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (let w of text.split(/\s+/).filter(Boolean)) {
    while (w.length > max) {
      if (cur) {
        out.push(cur);
        cur = '';
      }
      out.push(w.slice(0, max));
      w = w.slice(max);
    }
    if (!cur) cur = w;
    else if (cur.length + 1 + w.length <= max) cur += ` ${w}`;
    else {
      out.push(cur);
      cur = w;
    }
  }
  if (cur) out.push(cur);
  return out;
}

// ---------- the verdict sentence ----------

function routeBroken(r: RouteVerdict): boolean {
  return r.scheme.status === 'lost' || r.host.status === 'lost' || Boolean(r.redirect?.loop) || r.spoofable.length > 0;
}

function shortRef(ref: { file: string; line: number } | undefined): string {
  if (!ref) return '';
  return where(ref.file, ref.line);
}

function routeSentence(r: RouteVerdict): string {
  const fw = r.trace.steps[r.trace.steps.length - 1];
  // A route to an app the chain could not link ends at a generic HTTP app hop after the last proxy (the trace's
  // last step is that proxy, not the app).
  const app = r.trace.unresolved ? `the app behind ${fw?.label ?? 'the proxy'} (not linked)` : (fw?.label ?? 'the app');
  if (r.scheme.status === 'lost') {
    const l = r.scheme.lostAt;
    const at = l
      ? ` — the scheme is lost at ${l.label}: ${l.reason}${l.ref && l.ref.line > 0 && !l.reason.includes(shortRef(l.ref)) ? ` (${shortRef(l.ref)})` : ''}`
      : '';
    return `An HTTPS request to ${r.url} reaches ${app} as ${r.scheme.believed}${at}${r.redirect?.loop ? (r.redirect.paths ? `, so ${r.redirect.paths.join(' and ')} are a redirect loop` : ', so every page is a redirect loop') : ''}.`;
  }
  if (r.host.status === 'lost')
    return `An HTTPS request to ${r.url} reaches ${app} with host ${r.host.believed ?? '?'} instead of ${r.host.expected}${r.host.lostAt ? ` — lost at ${r.host.lostAt.label}: ${r.host.lostAt.reason}` : ''}.`;
  if (r.spoofable.length)
    return `${r.url} reaches ${app} correctly, but ${r.spoofable[0]?.from} can forge its ${r.spoofable[0]?.what.join(' and ')}.`;
  if (r.scheme.status === 'delivered' && r.scheme.arrives?.header === 'TLS connection')
    return `An HTTPS request to ${r.url} reaches ${app} over TLS, with no X-Forwarded-Proto: the app believes https if it reads its own connection.`;
  if (r.scheme.status === 'delivered' && r.scheme.arrives)
    return `An HTTPS request to ${r.url} reaches ${app} with ${r.scheme.arrives.header}: https: the app believes https if it trusts that header from the proxy.`;
  if (r.scheme.status === 'unknown')
    return `The chain for ${r.url} could not be followed to the app${r.trace.unresolved ? `: ${r.trace.unresolved.what}` : ''}.`;
  return `An HTTPS request to ${r.url} reaches ${app} as https, with the right host.`;
}

function countText(findings: Finding[]): string {
  if (findings.length === 0) return 'no findings';
  const by = new Map<Severity, number>();
  for (const f of findings) by.set(f.severity, (by.get(f.severity) ?? 0) + 1);
  const parts = [...SEVERITIES]
    .reverse()
    .filter((s) => by.get(s))
    .map((s) => `${by.get(s)} ${s}`);
  return `${findings.length} finding${findings.length === 1 ? '' : 's'} (${parts.join(', ')})`;
}

interface ScanPage {
  url: string;
  finalUrl?: string;
  status?: number;
  redirectLoop?: string;
  hsts?: string;
  insecure?: Array<{ url: string; classification: string; kind: string; doc?: string; line?: number }>;
  screenshot?: string;
  /** Browser engine: Chromium's own status, or why it could not load the page. */
  browser?: { status?: number; error?: { code: string; reason: string; hint?: string } };
}

function scanPages(report: Report): ScanPage[] {
  const p = report.data?.pages;
  return Array.isArray(p) ? (p as ScanPage[]) : [];
}

export function verdictSentence(report: Report): { text: string; status: 'bad' | 'ok' | 'unknown' } {
  const routes = report.chain?.verdict.routes ?? [];
  const bad = report.findings.some((f) => severityRank(f.severity) >= severityRank('medium'));
  if (routes.length) {
    const broken = routes.filter(routeBroken);
    const spoofBackends = (report.chain?.verdict.backends ?? []).filter((b) => b.spoof);
    if (broken.length) {
      const more = broken.length > 1 ? ` ${broken.length - 1} more of ${routes.length} routes are broken too.` : '';
      return { text: `${routeSentence(broken[0] as RouteVerdict)}${more}`, status: 'bad' };
    }
    if (spoofBackends.length) {
      const b = spoofBackends[0];
      return {
        text: `Every HTTPS route reaches the app correctly, but ${b?.label} is reachable from ${b?.reachableFrom} and believes forged ${b?.spoof?.what.join(', ')}.`,
        status: 'bad',
      };
    }
    if (routes.every((r) => r.scheme.status === 'correct'))
      return {
        text:
          routes.length === 1
            ? routeSentence(routes[0] as RouteVerdict)
            : `All ${routes.length} HTTPS routes reach the app as https, with the right host; nothing is spoofable from outside.`,
        status: bad ? 'bad' : 'ok',
      };
    // Not all correct, none broken: some route ends where the app decides (delivered) or could not be followed.
    const open = routes.find((r) => r.scheme.status === 'unknown') ?? routes.find((r) => r.scheme.status !== 'correct');
    return { text: routeSentence(open as RouteVerdict), status: 'unknown' };
  }
  if (report.command === 'scan') {
    const pages = scanPages(report);
    const mixed = pages.filter((p) => (p.insecure ?? []).some((u) => u.classification !== 'navigation'));
    const loops = pages.filter((p) => p.redirectLoop);
    const parts = [`${pages.length} page${pages.length === 1 ? '' : 's'} of ${report.inputs[0] ?? 'the site'} scanned`];
    if (mixed.length) parts.push(`${mixed.length} with insecure (http://) content`);
    if (loops.length) parts.push(`${loops.length} in a redirect loop`);
    if (report.incomplete) parts.push(report.incomplete);
    if (!mixed.length && !loops.length) parts.push(report.findings.length ? countText(report.findings) : 'no insecure content');
    return { text: `${parts.join(': ')}.`, status: mixed.length || loops.length || bad || report.incomplete ? 'bad' : 'ok' };
  }
  return {
    text: report.findings.length
      ? `${countText(report.findings)} in ${report.inputs.join(', ')}.`
      : `No findings in ${report.inputs.join(', ')}.`,
    status: bad ? 'bad' : report.findings.length ? 'unknown' : 'ok',
  };
}

// ---------- the chain picture ----------

const SVG_W = 400;
const BOX_X = 8;
const BOX_W = SVG_W - 16;
const LINE_H = 15;
const CHARS = 54;

function beliefLines(s: Step): string[] {
  const out: string[] = [];
  if (s.kind === 'client') {
    out.push(`requests ${s.scheme}://${s.host ?? '?'}`);
    if (s.client) out.push(`client address ${s.client}`);
    return out;
  }
  out.push(`scheme: ${s.scheme}${s.schemeWhy ? ` — ${s.schemeWhy}` : ''}`);
  if (s.host !== undefined) out.push(`host: ${s.host}${s.hostWhy ? ` — ${s.hostWhy}` : ''}`);
  if (s.client !== undefined) out.push(`client: ${s.client}${s.clientWhy ? ` — ${s.clientWhy}` : ''}`);
  if (s.redirect) out.push(`redirects to ${s.redirect.location}${s.redirect.loop ? ' — a redirect loop' : ''}`);
  return out;
}

function arrowLabel(s: Step): string {
  if (s.kind === 'client') return `${s.scheme}`;
  if (s.kind === 'proxy' || s.kind === 'lb') {
    const sent = s.sent ?? {};
    const xfp = sent['x-forwarded-proto'];
    const scheme = s.kind === 'proxy' && s.conveys?.why.startsWith('proxies over TLS') ? 'https' : 'http';
    if (xfp !== undefined) return `${scheme}, X-Forwarded-Proto: ${xfp}`;
    if (sent.forwarded !== undefined) return `${scheme}, Forwarded: ${sent.forwarded}`;
    return `${scheme}, X-Forwarded-Proto missing`;
  }
  return '';
}

interface Mark {
  step: number;
  text: string;
}

function marksOf(r: RouteVerdict): Mark[] {
  const marks: Mark[] = [];
  const add = (step: number | undefined, text: string) => {
    if (step === undefined) return;
    const m = marks.find((x) => x.step === step);
    if (m) m.text += `; ${text}`;
    else marks.push({ step, text });
  };
  const l = r.scheme.lostAt;
  if (r.scheme.status === 'lost' && l)
    add(l.step, `scheme lost: ${l.reason}${l.ref && l.ref.line > 0 ? ` (${shortRef(l.ref)})` : ''}`);
  const h = r.host.lostAt;
  if (r.host.status === 'lost' && h)
    add(h.step, `host lost: ${h.reason}${h.ref && h.ref.line > 0 ? ` (${shortRef(h.ref)})` : ''}`);
  if (r.redirect?.loop) add(r.trace.steps.length - 1, `redirect loop${r.redirect.ref ? ` (${shortRef(r.redirect.ref)})` : ''}`);
  return marks;
}

/** The route as an SVG: one box per hop, top to bottom, arrows labelled with what is sent. */
export function chainSvg(r: RouteVerdict): string {
  const steps = r.trace.steps;
  const marks = marksOf(r);
  const parts: string[] = [];
  let y = 8;
  steps.forEach((s, i) => {
    const mark = marks.find((m) => m.step === i);
    const title = wrap(s.kind === 'client' ? 'browser' : s.label, CHARS - 4);
    const body = beliefLines(s).flatMap((l) => wrap(l, CHARS));
    const markLines = mark ? wrap(`✗ ${mark.text}`, CHARS) : [];
    const refLine = s.ref && s.kind !== 'client' ? wrap(shortRef(s.ref), CHARS) : [];
    const h = 14 + (title.length + body.length + markLines.length + refLine.length) * LINE_H + (mark ? 6 : 0);
    const cls = mark ? 'hop bad' : s.kind === 'client' ? 'hop client' : 'hop';
    parts.push(
      `<g class="${cls}" data-step="${i}" data-kind="${esc(s.kind)}"><title>${esc(s.label)}</title><rect x="${BOX_X}" y="${y}" width="${BOX_W}" height="${h}" rx="8"/>`,
    );
    let ty = y + 4 + LINE_H;
    for (const t of title) {
      parts.push(`<text class="t" x="${BOX_X + 10}" y="${ty}">${esc(t)}</text>`);
      ty += LINE_H;
    }
    for (const t of refLine) {
      parts.push(`<text class="ref" x="${BOX_X + 10}" y="${ty}">${esc(t)}</text>`);
      ty += LINE_H;
    }
    for (const t of body) {
      parts.push(`<text class="b" x="${BOX_X + 10}" y="${ty}">${esc(t)}</text>`);
      ty += LINE_H;
    }
    if (mark) {
      ty += 4;
      for (const t of markLines) {
        parts.push(`<text class="mark" x="${BOX_X + 10}" y="${ty}">${esc(t)}</text>`);
        ty += LINE_H;
      }
    }
    parts.push('</g>');
    y += h;
    if (i < steps.length - 1) {
      const label = arrowLabel(s);
      const bad = /missing/.test(label);
      const ax = BOX_X + 40;
      parts.push(
        `<g class="arrow${bad ? ' bad' : ''}"><line x1="${ax}" y1="${y + 2}" x2="${ax}" y2="${y + 34}"/><path d="M${ax - 6} ${y + 28} L${ax} ${y + 38} L${ax + 6} ${y + 28}"/>` +
          (label ? `<text x="${ax + 14}" y="${y + 24}">${esc(label)}</text>` : '') +
          '</g>',
      );
      y += 40;
    }
  });
  if (!r.trace.complete) {
    parts.push(
      `<g class="hop unknown"><rect x="${BOX_X}" y="${y}" width="${BOX_W}" height="${LINE_H + 16}" rx="8"/><text class="b" x="${BOX_X + 10}" y="${y + LINE_H + 4}">${esc(`? ${r.trace.unresolved?.what ?? 'unresolved'}`.slice(0, CHARS))}</text></g>`,
    );
    y += LINE_H + 16;
  }
  const height = y + 8;
  return `<svg class="chain" role="img" aria-label="${esc(`chain of ${r.url}`)}" viewBox="0 0 ${SVG_W} ${height}" width="${SVG_W}" height="${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

// ---------- findings, fixes ----------

const SEV_CLASS: Record<Severity, string> = { critical: 'crit', high: 'high', medium: 'med', low: 'low', info: 'info' };

function fixHtml(f: Finding): string {
  const fx = f.fix;
  if (!fx) return '';
  const placed = fx.file && fx.line && fx.placement && fx.lines?.length;
  const head = placed
    ? `${fx.placement === 'replace' ? 'replace line' : 'after line'} ${fx.line} of ${fx.file}`
    : fx.file
      ? where(fx.file, fx.line)
      : '';
  const old =
    fx.placement === 'replace'
      ? f.evidence.find((e) => e.file === fx.file && e.line === fx.line)?.snippet?.split('\n')[0]
      : undefined;
  const diff = fx.lines?.length
    ? `<pre class="diff">${old !== undefined ? `<span class="del">- ${esc(old)}</span>\n` : ''}${fx.lines.map((l) => `<span class="add">+ ${esc(l)}</span>`).join('\n')}</pre>`
    : '';
  return `<div class="fix"><b>Fix:</b> ${esc(fx.description)}${head ? ` <span class="loc">${esc(head)}</span>` : ''}${diff}</div>`;
}

function oneEvidenceHtml(e: Evidence): string {
  const loc = `<div class="loc">${esc(where(e.file, e.line))}${e.note ? ` — ${esc(e.note)}` : ''}${e.source === 'builtin' ? ' (built-in copy)' : ''}</div>`;
  if (!e.snippet) return loc;
  const lines = e.snippet.split('\n').map((l, i) => `<span class="ln">${e.line ? e.line + i : ''}</span>${esc(l)}`);
  return `${loc}<pre class="snippet">${lines.join('\n')}</pre>`;
}

function evidenceHtml(f: Finding): string {
  return evidenceItems(f.evidence)
    .map((item) =>
      item.kind === 'one'
        ? oneEvidenceHtml(item.e)
        : `<div class="pair"><div>${oneEvidenceHtml(item.baseline)}</div><div>${oneEvidenceHtml(item.compared)}</div></div>`,
    )
    .join('');
}

function findingHtml(f: Finding, opt: RenderOptions): string {
  const docs = (opt.docs ?? docsResolver()).path(f.docs);
  return `<article class="finding sev-${SEV_CLASS[f.severity]}" data-severity="${f.severity}" data-id="${esc(f.id)}">
<h4><span class="badge ${SEV_CLASS[f.severity]}">${f.severity.toUpperCase()}</span> <code>${esc(f.id)}</code></h4>
<p class="msg">${esc(f.message)}</p>
${evidenceHtml(f)}
<p class="why"><b>Why:</b> ${esc(f.why)}</p>
${fixHtml(f)}
<p class="docs">docs: <code>${esc(docs)}</code>${f.references.length ? ` · ${f.references.map((r) => esc(r)).join(' · ')}` : ''}</p>
</article>`;
}

interface HopGroup {
  label: string;
  files: Set<string>;
  findings: Finding[];
}

/** Groups findings by the hop whose files hold their primary evidence (first match in chain order). */
export function groupByHop(findings: Finding[], chain: ChainAnalysis | undefined): HopGroup[] {
  const groups: HopGroup[] = [];
  const byLabel = new Map<string, HopGroup>();
  const add = (label: string, file: string | undefined) => {
    if (!file) return;
    let g = byLabel.get(label);
    if (!g) {
      g = { label, files: new Set(), findings: [] };
      byLabel.set(label, g);
      groups.push(g);
    }
    g.files.add(file);
  };
  for (const r of chain?.verdict.routes ?? []) {
    for (const s of r.trace.steps) {
      if (s.kind === 'client') continue;
      add(s.label, s.ref?.file);
      if (s.kind !== 'proxy' && s.kind !== 'lb') add(s.label, s.schemeRef?.file);
    }
  }
  for (const p of chain?.topology.proxies ?? []) add(p.label, p.ref.file);
  for (const a of chain?.topology.apps ?? []) {
    add(a.label, a.ref.file);
    if (a.framework) add(a.framework.label, a.framework.ref.file);
  }
  // Without a chain (a scan, a lone settings file) there are no hops: one group without a heading.
  const other: HopGroup = { label: groups.length ? 'Not tied to a hop' : '', files: new Set(), findings: [] };
  for (const f of findings) {
    const files = f.evidence.map((e) => e.file);
    const g =
      groups.find((x) => files[0] && x.files.has(files[0] as string)) ?? groups.find((x) => files.some((fl) => x.files.has(fl)));
    (g ?? other).findings.push(f);
  }
  return [...groups.filter((g) => g.findings.length), ...(other.findings.length ? [other] : [])];
}

interface PatchData {
  file: string;
  findings: string[];
  diff: string;
}

/** The doctor's fix plan: the patches `proxyproof fix` prints, built from the findings' own fixes. */
function patchesHtml(patches: PatchData[]): string {
  if (!patches.length) return '';
  const line = (l: string) =>
    l.startsWith('+')
      ? `<span class="add">${esc(l)}</span>`
      : l.startsWith('-')
        ? `<span class="del">${esc(l)}</span>`
        : l.startsWith('@@')
          ? `<span class="hunk">${esc(l)}</span>`
          : `<span class="ctx">${esc(l)}</span>`;
  return `<section id="plan"><h2>Fix plan</h2><p class="loc">the patches <code>proxyproof fix</code> prints (<code>fix --write</code> applies them, with backups)</p><ol class="plan">${patches
    .map(
      (p) =>
        `<li class="planfix"><p><b>${esc(p.file)}</b> <span class="kind">(${esc(p.findings.join(', '))})</span></p><pre class="diff">${p.diff
          .replace(/\n$/, '')
          .split('\n')
          .filter((l) => !l.startsWith('--- ') && !l.startsWith('+++ '))
          .map(line)
          .join('')}</pre></li>`,
    )
    .join('')}</ol></section>`;
}

function planHtml(fixes: PlannedFix[]): string {
  if (!fixes.length) return '';
  const kind = {
    required: 'required',
    robustness: "needed once the app server no longer trusts the proxy's address",
    recommended: 'recommended',
  };
  return `<section id="plan"><h2>Fix plan</h2><ol class="plan">${fixes
    .map(
      (f) =>
        `<li class="planfix ${f.kind}"><p><b>${esc(f.title)}</b> <span class="kind">(${esc(kind[f.kind])})</span></p><p class="loc">${esc(f.line > 0 ? `${f.file}, ${f.after ? `after line ${f.line}` : `line ${f.line}`}` : f.file)}</p><pre class="diff">${f.lines.map((l) => `<span class="add">+ ${esc(l)}</span>`).join('\n')}</pre><p class="because">because ${esc(f.because)}</p></li>`,
    )
    .join('')}</ol></section>`;
}

function scanHtml(report: Report): string {
  const pages = scanPages(report);
  if (!pages.length) return '';
  const images = report.images ?? {};
  const items = pages.map((p) => {
    const insecure = (p.insecure ?? [])
      .map(
        (u) =>
          `<li><span class="badge cls-${esc(u.classification)}">${esc(u.classification)}</span> <code>${esc(u.url)}</code> <span class="loc">${esc(u.kind)}${u.doc ? ` in ${esc(where(u.doc, u.line))}` : ''}</span></li>`,
      )
      .join('');
    const shot = p.screenshot && images[p.screenshot];
    // Browser engine: Chromium's status, never the crawler's as if the browser had loaded the page.
    const failed = p.browser?.error;
    const status = p.redirectLoop ? 'LOOP' : failed ? 'FAILED' : (p.browser?.status ?? p.status);
    return `<article class="page"><h3><span class="status">${esc(status)}</span> <code>${esc(p.url)}</code></h3>
${p.finalUrl && p.finalUrl !== p.url ? `<p class="loc">ends at ${esc(p.finalUrl)}</p>` : ''}
${failed ? `<p class="loaderror">the browser could not load this page: ${esc(failed.reason)} (${esc(failed.code)})${failed.hint ? `; ${esc(failed.hint)}` : ''}</p>` : insecure ? `<ul class="insecure">${insecure}</ul>` : '<p class="ok">no insecure URLs</p>'}
${shot ? `<figure><img class="shot" alt="${esc(`screenshot of ${p.url}`)}" src="${esc(shot)}"><figcaption>what Chromium showed</figcaption></figure>` : ''}
</article>`;
  });
  return `<section id="pages"><h2>Pages (${pages.length})</h2>${items.join('')}</section>`;
}

const CSS = `
:root{--bad:#c62828;--ok:#2e7d32;--warn:#b26a00;--muted:#5f6368;--bg:#fff;--card:#f7f7f8;--line:#dadce0;--add:#e6f4ea;--del:#fce8e6}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#202124;background:var(--bg)}
main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:1.2rem;margin:0 0 8px;color:var(--muted);font-weight:600}
h2{font-size:1.15rem;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:1rem;margin:16px 0 8px;overflow-wrap:anywhere}
h4{margin:0 0 6px;font-size:.95rem}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{overflow-wrap:anywhere}
.verdict{font-size:1.3rem;font-weight:600;padding:14px 16px;border-radius:10px;border-left:6px solid var(--muted);background:var(--card);margin:0 0 10px}
.verdict.bad{border-color:var(--bad);background:#fdecea}.verdict.ok{border-color:var(--ok);background:#e8f5e9}
.counts{color:var(--muted);margin:0 0 8px}
.route{margin:0 0 18px}
.route .vline{font-family:ui-monospace,monospace;font-size:13px;color:var(--muted);overflow-wrap:anywhere}
svg.chain{width:100%;max-width:520px;height:auto;display:block}
svg .hop rect{fill:#fff;stroke:#9aa0a6;stroke-width:1.2}
svg .hop.client rect{fill:#e8f0fe;stroke:#4285f4}
svg .hop.bad rect{fill:#fdecea;stroke:var(--bad);stroke-width:2.5}
svg .hop.unknown rect{fill:#fff8e1;stroke:var(--warn);stroke-dasharray:4 3}
svg text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#202124}
svg text.t{font-weight:700;font-size:12px}
svg text.ref{fill:var(--muted)}
svg text.mark{fill:var(--bad);font-weight:700}
svg .arrow line{stroke:#5f6368;stroke-width:2}svg .arrow path{fill:#5f6368}
svg .arrow.bad line{stroke:var(--bad)}svg .arrow.bad path{fill:var(--bad)}svg .arrow.bad text{fill:var(--bad);font-weight:700}
.finding,.page,.planfix{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--muted);border-radius:8px;padding:10px 12px;margin:0 0 12px;break-inside:avoid}.planfix p{overflow-wrap:anywhere;min-width:0}pre.diff .ctx,pre.diff .hunk{display:block;white-space:pre}pre.diff .hunk{color:var(--muted)}.planfix pre.diff{max-width:100%}.plan{min-width:0}
.sev-crit,.sev-high{border-left-color:var(--bad)}.sev-med{border-left-color:var(--warn)}.sev-low{border-left-color:#1a73e8}
.badge{display:inline-block;font-size:11px;font-weight:700;padding:1px 6px;border-radius:4px;background:#e0e0e0;color:#202124;vertical-align:1px}
.badge.crit,.badge.high{background:var(--bad);color:#fff}.badge.med{background:var(--warn);color:#fff}.badge.low{background:#1a73e8;color:#fff}
.badge.cls-blocked,.badge.cls-websocket{background:var(--bad);color:#fff}.badge.cls-upgraded,.badge.cls-form,.badge.cls-warning,.badge.cls-base{background:var(--warn);color:#fff}
.loc{color:var(--muted);font-size:13px;overflow-wrap:anywhere}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px}.pair>div{min-width:0}.pair pre{white-space:pre-wrap;overflow-wrap:anywhere}
.loaderror{color:var(--bad);font-weight:600;overflow-wrap:anywhere}
pre{background:#fff;border:1px solid var(--line);border-radius:6px;padding:6px 8px;overflow-x:auto;margin:4px 0 8px}
pre .ln{display:inline-block;min-width:3.2em;color:var(--muted);user-select:none}
pre.diff .add{background:var(--add);color:#0d652d;display:block}pre.diff .del{background:var(--del);color:#a50e0e;display:block}
.msg{margin:4px 0}.why,.docs{margin:6px 0;font-size:14px}.docs{color:var(--muted);overflow-wrap:anywhere}
.filters{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0 12px}
.filters button{font:inherit;font-size:13px;border:1px solid var(--line);background:#fff;border-radius:14px;padding:2px 10px;cursor:pointer}
.filters button[aria-pressed=false]{opacity:.45}
.hidden{display:none}
ul.insecure{padding-left:18px;margin:6px 0}
img.shot{max-width:100%;height:auto;border:1px solid var(--line);border-radius:6px}
figure{margin:8px 0}figcaption{color:var(--muted);font-size:12px}
footer{color:var(--muted);font-size:12px;margin:32px 0 8px;border-top:1px solid var(--line);padding-top:8px;overflow-wrap:anywhere}
details{margin:8px 0}
@media (max-width:600px){body{font-size:14px}main{padding:10px}.verdict{font-size:1.08rem}}
@media print{.filters{display:none}.hidden{display:block}body{font-size:11pt}main{max-width:none}.finding,.page,.planfix{border-color:#999}a{color:inherit}}
`;

const JS = `
(function(){
  var buttons=document.querySelectorAll('.filters button');
  function apply(){
    var on={};buttons.forEach(function(b){on[b.dataset.sev]=b.getAttribute('aria-pressed')==='true';});
    document.querySelectorAll('article.finding').forEach(function(a){a.classList.toggle('hidden',!on[a.dataset.severity]);});
  }
  buttons.forEach(function(b){b.addEventListener('click',function(){b.setAttribute('aria-pressed',b.getAttribute('aria-pressed')==='true'?'false':'true');apply();});});
  window.addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=true;});});
})();
`;

export function renderHtml(report: Report, opt: RenderOptions): string {
  const verdict = verdictSentence(report);
  const routes = report.chain?.verdict.routes ?? [];
  const title = `proxyproof ${report.command}: ${report.inputs.join(' ')}`;
  const present = SEVERITIES.filter((s) => report.findings.some((f) => f.severity === s)).reverse();
  const filters = present.length
    ? `<div class="filters" aria-label="show severities">${present.map((s) => `<button type="button" data-sev="${s}" aria-pressed="true">${s} (${report.findings.filter((f) => f.severity === s).length})</button>`).join('')}</div>`
    : '';
  const chainHtml = routes.length
    ? `<section id="chain"><h2>The chain</h2>${routes
        .map(
          (r) =>
            `<div class="route${routeBroken(r) ? ' broken' : ''}"><h3>${esc(r.url)} <span class="loc">(${esc(r.route)})</span></h3>${chainSvg(r)}<p class="vline">${esc(routeSentence(r))}</p>${r.spoofable.length ? `<p class="loc">spoofable: ${r.spoofable.map((s) => esc(`${s.what.join('+')} from ${s.from}`)).join('; ')}</p>` : ''}</div>`,
        )
        .join('')}${(report.chain?.verdict.backends ?? [])
        .filter((b) => b.reachableFrom)
        .map(
          (b) =>
            `<p class="backend${b.spoof ? ' bad' : ''}">backend ${esc(b.label)}: reachable from ${esc(b.reachableFrom)}; ${b.spoof ? `believes forged ${esc(b.spoof.what.join(', '))}` : 'forged headers are ignored'}</p>`,
        )
        .join('')}</section>`
    : '';
  const groups = groupByHop(report.findings, report.chain);
  // Capped per check as the text output is (a 10,000-server config's 11,000 copies of one mistake read as the
  // first ones and a count); --all shows every finding.
  const cap = opt.all ? Number.POSITIVE_INFINITY : MAX_TEXT_PER_CHECK;
  const perCheck = new Map<string, number>();
  const shown = (f: Finding): boolean => {
    const n = (perCheck.get(f.id) ?? 0) + 1;
    perCheck.set(f.id, n);
    return n <= cap;
  };
  const groupsHtml = groups
    .map((g) => {
      const items = g.findings.filter(shown);
      return items.length
        ? `<section class="group">${g.label ? `<h3>${esc(g.label)}</h3>` : ''}${items.map((f) => findingHtml(f, opt)).join('')}</section>`
        : '';
    })
    .join('');
  const moreHtml = [...perCheck]
    .filter(([, n]) => n > cap)
    .map(([id, n]) => `<p class="more">${esc(moreLine(n - cap, id))}</p>`)
    .join('');
  const findingsHtml = report.findings.length
    ? `<section id="findings"><h2>Findings (${report.findings.length})</h2>${filters}${groupsHtml}${moreHtml}</section>`
    : '<section id="findings"><h2>Findings</h2><p class="ok">None at or above the threshold.</p></section>';
  const suppressed = report.suppressed ?? [];
  const suppressedHtml = suppressed.length
    ? `<details id="suppressed"><summary>${suppressed.length} finding${suppressed.length === 1 ? '' : 's'} ignored or in the baseline</summary><ul>${suppressed
        .map(
          (s) =>
            `<li><code>${esc(s.finding.id)}</code> ${esc(where(s.finding.evidence[0]?.file, s.finding.evidence[0]?.line))} — ${esc(s.by === 'baseline' ? 'in the baseline' : `ignored (${s.at ?? s.by})`)}${s.justification ? `: ${esc(s.justification)}` : ''}</li>`,
        )
        .join('')}</ul></details>`
    : '';
  const diags = report.diagnostics.length
    ? `<section id="diagnostics"><h2>Input problems (${report.diagnostics.length})</h2><ul>${report.diagnostics
        .map((d) => `<li><b>${esc(d.level)}</b> <code>${esc(where(d.file, d.line))}</code> ${esc(d.message)}</li>`)
        .join('')}</ul></section>`
    : '';
  const patches = (report.data?.doctor as { fix?: { patches?: PatchData[] } } | undefined)?.fix?.patches;
  const plan = patches ? patchesHtml(patches) : report.chain ? planHtml(report.chain.plan.fixes) : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>proxyproof ${esc(report.command)} · ${esc(report.inputs.join(' '))}</h1>
<p class="verdict ${verdict.status}" id="verdict">${esc(verdict.text)}</p>
<p class="counts">${esc(countText(report.findings))}${suppressed.length ? ` · ${suppressed.length} ignored or in the baseline` : ''}${report.diagnostics.length ? ` · ${report.diagnostics.length} input problem${report.diagnostics.length === 1 ? '' : 's'}` : ''}</p>
${chainHtml}
${plan}
${findingsHtml}
${suppressedHtml}
${scanHtml(report)}
${diags}
<footer>proxyproof${opt.version ? ` ${esc(opt.version)}` : ''} · <code>proxyproof ${esc([report.command, ...report.inputs].join(' '))}</code> · this file makes no network request</footer>
</main>
<script>${JS}</script>
</body>
</html>
`;
}

export const htmlRenderer: Renderer = { name: 'html', render: renderHtml };
