/**
 * Evidence as the renderers lay it out: single pieces, and pairs to compare side by side (a `side: 'baseline'`
 * evidence followed by a `side: 'compared'` one, e.g. probe's baseline and forged responses).
 */
import type { Evidence } from '../model/finding.js';

export type EvidenceItem = { kind: 'one'; e: Evidence } | { kind: 'pair'; baseline: Evidence; compared: Evidence };

export function evidenceItems(evidence: Evidence[]): EvidenceItem[] {
  const out: EvidenceItem[] = [];
  for (let i = 0; i < evidence.length; i++) {
    const e = evidence[i] as Evidence;
    const next = evidence[i + 1];
    if (e.side === 'baseline' && next?.side === 'compared') {
      out.push({ kind: 'pair', baseline: e, compared: next });
      i++;
    } else out.push({ kind: 'one', e });
  }
  return out;
}

/** Width of each column on a terminal: two columns and the gutter fit in about 110 characters. */
export const COLUMN_WIDTH = 48;

/** A line cut at spaces where it can (at the width where it cannot), so nothing is lost. */
export function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    const space = rest.lastIndexOf(' ', width);
    const cut = space > width / 3 ? space : width;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  out.push(rest);
  return out;
}

/** What a line is about (`HTTP`, `Location`, `Set-Cookie: sid`, `body`): lines about the same thing share a row. */
function label(line: string): string {
  const m = /^(Set-Cookie: [^=]*|[A-Za-z-]+)/.exec(line);
  return m ? (m[1] as string) : line;
}

/** The two snippets' lines paired by what they are about, in order; a line the other side lacks faces a blank. */
function alignRows(left: string[], right: string[]): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    const a = left[i];
    const b = right[j];
    if (a !== undefined && b !== undefined && label(a) === label(b)) {
      rows.push([a, b]);
      i++;
      j++;
    } else if (b !== undefined && (a === undefined || right.slice(j).some((x) => label(x) === label(a)))) {
      rows.push(['', b]);
      j++;
    } else {
      rows.push([a ?? '', '']);
      i++;
    }
  }
  return rows;
}

/**
 * Two snippets as rows of `left | right`, lines about the same thing (the status line, a Location, a cookie, the
 * body) on the same row, long lines wrapped at the column width so nothing is cut.
 */
export function twoColumns(left: string[], right: string[], heads: [string, string], width = COLUMN_WIDTH): string[] {
  const pairs: Array<[string, string]> = [heads, ...alignRows(left, right)];
  const w = Math.min(width, Math.max(...pairs.map((p) => p[0].length)));
  const rows: string[] = [];
  for (const [l, r] of pairs) {
    const a = wrap(l, w);
    const b = r ? wrap(r, width) : [];
    for (let k = 0; k < Math.max(a.length, b.length); k++) {
      const x = a[k] ?? '';
      const y = b[k] ?? '';
      rows.push(y ? `${x.padEnd(w)} | ${y}` : x);
    }
  }
  return rows;
}
