/**
 * Scan checks: pure functions of ScanFacts (what the crawler and the browser learned about a live site).
 * They reuse CheckMeta and `finding()`; they are not part of lint's ALL_CHECKS.
 */
import { type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding, Severity } from '../../model/finding.js';
import { type Attribution, attribute } from '../../scan/attribution.js';
import { trustAdvice } from '../../scan/django.js';
import type { Classification, PageFacts, ScanFacts, UrlRef } from '../../scan/types.js';

export interface ScanCheck {
  meta: CheckMeta;
  run(facts: ScanFacts): Finding[];
}

export { finding };

/** At most this many pages are listed as evidence of one finding; `data.pages` has them all. */
export const MAX_EVIDENCE_PAGES = 20;

export function hasUpgradeInsecureRequests(page: PageFacts): boolean {
  return page.csp.some((p) => p.split(/[;,]/).some((d) => d.trim().toLowerCase() === 'upgrade-insecure-requests'));
}

/**
 * The mixed content of a page as the engine saw it: Chromium's own reports (browser engine), or the raw
 * HTML/CSS classified by Chromium's rules (static engine). With upgrade-insecure-requests Chromium upgrades
 * everything before checking, so the static engine reports nothing there either (see masked-by-uir).
 */
export function mixedContent(page: PageFacts): UrlRef[] {
  if (page.observed) {
    // Fill the line and snippet (and CSS origin) from the raw HTML when the static pass found the same URL.
    return page.observed.map((o) => {
      const raw = page.insecure.find((r) => r.url === o.url);
      return raw
        ? {
            ...o,
            doc: raw.doc,
            line: raw.line,
            snippet: raw.snippet,
            source: raw.source === 'css' ? 'css' : 'browser',
            viaBase: raw.viaBase,
          }
        : o;
    });
  }
  if (hasUpgradeInsecureRequests(page)) return [];
  return page.insecure;
}

export interface Occurrence {
  page: PageFacts;
  ref: UrlRef;
}

/** Groups occurrences by URL (and classification): one finding per insecure URL, listing every page. */
export function groupByUrl(
  facts: ScanFacts,
  accept: (r: UrlRef) => boolean,
  pick: (p: PageFacts) => UrlRef[] = mixedContent,
): Map<string, Occurrence[]> {
  const groups = new Map<string, Occurrence[]>();
  for (const page of facts.pages) {
    const seenOnPage = new Set<string>();
    for (const ref of pick(page)) {
      if (!accept(ref)) continue;
      const key = `${ref.classification} ${ref.url}`;
      if (seenOnPage.has(key)) continue;
      seenOnPage.add(key);
      let g = groups.get(key);
      if (!g) {
        g = [];
        groups.set(key, g);
      }
      g.push({ page, ref });
    }
  }
  return groups;
}

export function pageEvidence(occ: Occurrence[], note?: (o: Occurrence) => string | undefined): Evidence[] {
  return occ.slice(0, MAX_EVIDENCE_PAGES).map((o) => ({
    file: o.ref.doc && o.ref.doc !== o.page.finalUrl ? o.ref.doc : o.page.finalUrl,
    line: o.ref.line ?? 0,
    snippet: o.ref.snippet,
    note: note?.(o) ?? (o.ref.doc !== o.page.finalUrl ? `linked from ${o.page.finalUrl}` : undefined),
    source: 'live' as const,
  }));
}

export function pagesText(occ: Occurrence[]): string {
  const urls = [...new Set(occ.map((o) => o.page.finalUrl))];
  const shown = urls.slice(0, 5).join(', ');
  return urls.length > 5 ? `${shown} and ${urls.length - 5} more` : shown;
}

/** Builds one finding per insecure URL with the attribution of its first occurrence. */
export function mixedContentFindings(
  meta: CheckMeta,
  facts: ScanFacts,
  classes: Classification[],
  describe: (
    ref: UrlRef,
    a: Attribution,
    occ: Occurrence[],
  ) => { message: string; why: string; severity?: Severity; fix: string },
): Finding[] {
  const out: Finding[] = [];
  for (const occ of groupByUrl(facts, (r) => classes.includes(r.classification)).values()) {
    const first = occ[0]!;
    const a = attribute(facts, first.page, first.ref);
    const d = describe(first.ref, a, occ);
    const evidence = pageEvidence(occ);
    for (const l of a.lint) evidence.push({ file: l.file, line: l.line, note: `${l.id}: ${l.message}`, source: 'file' });
    out.push(
      finding(meta, {
        ...(d.severity ? { severity: d.severity } : {}),
        message: `${d.message}\n${occ.length === 1 ? 'page' : `${new Set(occ.map((o) => o.page.finalUrl)).size} pages`}: ${pagesText(occ)}\ncause: ${a.explanation}`,
        evidence,
        why: d.why,
        fix: { description: d.fix },
        data: {
          url: first.ref.url,
          classification: first.ref.classification,
          kind: first.ref.kind,
          resourceType: first.ref.resourceType,
          cause: a.cause,
          proved: a.proved,
          pages: [...new Set(occ.map((o) => o.page.finalUrl))],
        },
      }),
    );
  }
  return out;
}

/** The fix of a mixed-content finding; `facts` decide whether the app's trust setting may be named as Django's. */
export function fixFor(a: Attribution, url: string, facts: ScanFacts): string {
  if (a.cause === 'backend-generated') {
    return `make the proxy send X-Forwarded-Proto $scheme (or Forwarded: proto=https) and make the app trust it from the proxy only (${trustAdvice(facts.pages.flatMap((p) => p.cookies))}); run \`proxyproof lint\` on the deployment for the exact lines`;
  }
  if (a.cause === 'third-party') return `load ${url.replace(/^http:/, 'https:')} instead (or self-host it)`;
  return `write the URL as https:// or relative in the template/content/stylesheet that contains it`;
}
