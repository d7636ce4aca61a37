import type { Renderer, Report } from './types.js';

/** The document's top-level members, in output order (documented in docs/json-output.md). */
function members(report: Report): [string, unknown][] {
  const { command, inputs, findings, diagnostics, data, incomplete } = report;
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  const suppressed = (report.suppressed ?? []).map((s) => ({
    id: s.finding.id,
    severity: s.finding.severity,
    file: s.finding.evidence[0]?.file ?? '',
    line: s.finding.evidence[0]?.line ?? 0,
    fingerprint: s.finding.fingerprint ?? null,
    by: s.by,
    justification: s.justification ?? null,
    at: s.at ?? null,
  }));
  const doc: Record<string, unknown> = {
    tool: 'proxyproof',
    schemaVersion: 1,
    command,
    inputs,
    summary: {
      findings: findings.length,
      bySeverity: counts,
      suppressed: suppressed.length,
      ...(incomplete ? { incomplete } : {}),
    },
    findings,
    diagnostics,
    suppressed,
    ...data,
  };
  // JSON.stringify leaves out members whose value is undefined
  return Object.entries(doc).filter(([, v]) => v !== undefined);
}

/**
 * Stable machine output, always complete (no caps): the common envelope (tool, schemaVersion, command, inputs,
 * summary, findings, diagnostics, suppressed) plus each command's payload. Documented in docs/json-output.md;
 * JSON Schemas in schema/<command>.schema.json.
 */
export const jsonRenderer: Renderer = {
  name: 'json',
  render(report) {
    return `${JSON.stringify(Object.fromEntries(members(report)), null, 2)}\n`;
  },
  /**
   * The same bytes as render(), written piece by piece: plain objects and arrays are descended into (to
   * WRITE_DEPTH levels) and only their members are stringified, so that a report with 11,000 findings, or the
   * doctor's topology of 10,000 proxies, is never one string of tens of MB (stdout is synchronous for files and
   * pipes on Linux).
   */
  write(report, _options, out) {
    writeJson(Object.fromEntries(members(report)), '', 0, out);
    out('\n');
  },
};

/**
 * What write() writes for `value` as a member at indentation `pad` (the JSON of a member at depth n is written with
 * n * 2 spaces): `JSON.stringify(value, null, 2)` with every line after the first prefixed by `pad`.
 */
export function jsonAt(value: unknown, pad: string): string {
  let text = '';
  writeJson(value, pad, pad.length / 2, (chunk) => {
    text += chunk;
  });
  return text;
}

/** How deep write() descends before stringifying a member whole (report > doctor > topology > proxies > one proxy). */
const WRITE_DEPTH = 4;

/** A plain object or array whose JSON.stringify is its members' (no toJSON, no Map/Date/class instance). */
function descendable(v: unknown): v is Record<string, unknown> | unknown[] {
  if (Array.isArray(v)) return true;
  if (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

const wrappers = new Map<number, { head: number; tail: number; wrap: (v: unknown) => unknown[] }>();
/** `levels` arrays around a value, and how many characters JSON.stringify(…, null, 2) puts before and after it. */
function wrapperOf(levels: number): { head: number; tail: number; wrap: (v: unknown) => unknown[] } {
  let w = wrappers.get(levels);
  if (!w) {
    const wrap = (v: unknown): unknown[] => {
      let out: unknown[] = [v];
      for (let k = 1; k < levels; k++) out = [out];
      return out;
    };
    const sample = JSON.stringify(wrap(0), null, 2);
    const at = sample.indexOf('0');
    w = { head: at, tail: sample.length - at - 1, wrap };
    wrappers.set(levels, w);
  }
  return w;
}

/**
 * Values of at most this many nodes (array items and object members, counted through every level) are stringified in
 * one call: one JSON.stringify per finding instead of one per member and evidence (11,000 findings: ~130,000 calls
 * of which each pays its wrapping and indentation set-up, about two thirds of the JSON output's CPU). A piece stays
 * small: a few hundred short strings at most.
 */
const WHOLE_NODES = 512;

/** Whether `value` has at most `WHOLE_NODES` nodes; stops counting past that. */
function fewNodes(value: Record<string, unknown> | unknown[]): boolean {
  let left = WHOLE_NODES;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      left -= v.length;
      if (left < 0) return false;
      for (const x of v) if (x !== null && typeof x === 'object') stack.push(x);
      continue;
    }
    for (const k in v) {
      if (--left < 0) return false;
      const x = (v as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object') stack.push(x);
    }
  }
  return true;
}

/**
 * How many whole items of an array one JSON.stringify call writes (the findings of a big report: ~2.5 KB each, so a
 * piece stays about 10 KB). One call per finding paid its wrapping and indentation set-up 11,000 times (8 at a time
 * saved a little more, but pieces of 20 KB and more are past what the output's 64 KB buffer takes three of).
 */
export const BATCH = 4;

/** An array item writeJson would stringify whole: a plain object or array, at the depth limit or of few nodes. */
function wholeItem(item: unknown, depth: number): boolean {
  return descendable(item) && (depth >= WRITE_DEPTH || fewNodes(item));
}

/** The items of `items` as writeJson writes them at indentation `inner` (inside an array at `pad`), `,`-separated. */
function itemsText(items: unknown[], pad: string, inner: string): string {
  const { head, tail, wrap } = wrapperOf(pad.length / 2);
  const text = pad ? JSON.stringify(wrap(items), null, 2) : JSON.stringify(items, null, 2);
  const from = pad ? head : 0;
  const to = text.length - (pad ? tail : 0);
  // Cut `[` + newline + inner before the first item, and newline + pad + `]` after the last.
  return text.slice(from + 2 + inner.length, to - pad.length - 2);
}

/** Writes `JSON.stringify(value, null, 2)` with every line after the first prefixed by `pad`, in pieces. */
function writeJson(value: unknown, pad: string, depth: number, out: (chunk: string) => void): void {
  if (depth >= WRITE_DEPTH || !descendable(value) || fewNodes(value)) {
    if (!pad) {
      out(JSON.stringify(value, null, 2) ?? 'null');
      return;
    }
    // Stringified inside as many arrays as `pad` has levels, the value's lines come indented by `pad` natively (no
    // regular expression over its text afterwards): the same bytes once the wrapping is cut off.
    const { head, tail, wrap } = wrapperOf(pad.length / 2);
    const text = JSON.stringify(wrap(value), null, 2);
    out(text.slice(head, text.length - tail));
    return;
  }
  const inner = `${pad}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out('[]');
      return;
    }
    out('[');
    for (let i = 0; i < value.length; ) {
      out(`${i ? ',' : ''}\n${inner}`);
      // Consecutive items that are stringified whole anyway go in one call, BATCH at a time: the items of an array
      // stringified together are the same bytes as each one alone (an array's items are written at one indentation,
      // separated by `,` and a newline). Only plain objects and arrays: a toJSON would be called with another key.
      let end = i;
      while (end < value.length && end - i < BATCH && wholeItem(value[end], depth + 1)) end++;
      if (end - i > 1) {
        out(itemsText(value.slice(i, end), pad, inner));
        i = end;
        continue;
      }
      const item = value[i];
      writeJson(omitted(item) ? null : item, inner, depth + 1, out);
      i++;
    }
    out(`\n${pad}]`);
    return;
  }
  const keys = Object.keys(value).filter((k) => !omitted(value[k]));
  if (keys.length === 0) {
    out('{}');
    return;
  }
  out('{');
  keys.forEach((k, i) => {
    out(`${i ? ',' : ''}\n${inner}${JSON.stringify(k)}: `);
    writeJson(value[k], inner, depth + 1, out);
  });
  out(`\n${pad}}`);
}
