/**
 * The doctor's view of one Analysis (engine/report.ts holds the parts lint shares): what was found and not
 * found, the hop-by-hop chain, the probes and the fix plan, and the `doctor` JSON payload (docs/doctor.md).
 * Its own module so that `lint` does not load the fix planner (issue 10: start-up).
 */

import type { ChainAnalysis } from '../chain/analyze.js';
import type { HeaderRule, Topology } from '../chain/model.js';
import { chainLines, type Inventory, probeCommands, verdictLine } from '../chain/render.js';
import { spoofSummary } from '../chain/verdict.js';
import { type FixPlan, fixPlanLines, patchData, planFixes } from '../fix/plan.js';
import type { Report } from '../render/types.js';
import type { Analysis } from './analyze.js';
import { common, listed, notReadSection } from './report.js';
import { placeholderShower, showPlaceholders } from './template-display.js';

/** 2: a route's trailing proxy-default header rules are named by index in `topology.defaultHeaders`. */
export const DOCTOR_SCHEMA_VERSION = 2;

/**
 * The topology as `doctor --format json` writes it (docs/doctor.md): a route's trailing run of proxy default header
 * rules (nginx's `Connection close`, `Content-Length $proxy_internal_body_length`...: the same list on every route of
 * a file, half of the report at 10,000 servers) is written once in `topology.defaultHeaders` and named by its index
 * in the route's `defaultHeaders`; the route's `headers` keep the rules before it. The rules the route gets are
 * `headers` followed by `defaultHeaders[route.defaultHeaders]`, in that order. Nothing else changes.
 */
export function topologyJson(t: Topology): Topology & { defaultHeaders: HeaderRule[][] } {
  const sets: HeaderRule[][] = [];
  const index = new Map<string, number>();
  const proxies = t.proxies.map((p) => {
    let shared = false;
    const routes = p.routes.map((r) => {
      let k = r.headers.length;
      while (k > 0 && r.headers[k - 1]?.from === 'default') k--;
      if (k === r.headers.length) return r;
      const tail = r.headers.slice(k);
      const key = JSON.stringify(tail);
      let i = index.get(key);
      if (i === undefined) {
        i = sets.length;
        sets.push(tail);
        index.set(key, i);
      }
      shared = true;
      return { ...r, headers: r.headers.slice(0, k), defaultHeaders: i };
    });
    return shared ? { ...p, routes } : p;
  });
  return { ...t, proxies, defaultHeaders: sets };
}

/** The JSON payload of `doctor --format json` (schema: docs/doctor.md). */
export function doctorPayload(a: ChainAnalysis, inv: Inventory, plan: unknown, fix?: FixPlan): Record<string, unknown> {
  return {
    doctor: {
      schemaVersion: DOCTOR_SCHEMA_VERSION,
      found: inv.found,
      notFound: inv.missing,
      topology: topologyJson(a.topology),
      routes: a.verdict.routes.map((r) => ({
        id: r.id,
        url: r.url,
        route: r.route,
        complete: r.complete,
        verdict: {
          text: verdictLine(r),
          scheme: r.scheme,
          host: r.host,
          client: r.client,
          redirect: r.redirect ?? null,
          spoofable: r.spoofable.map((s) => ({ from: s.from, reach: s.reach, via: s.via, what: s.what, ref: s.ref ?? null })),
        },
        spoofing: spoofSummary(r),
        trace: r.trace,
      })),
      // bindIndex is the doctor's own join key (probe commands), not part of the documented JSON.
      backends: a.verdict.backends.map(({ bindIndex: _index, ...b }) => ({
        ...b,
        spoof: b.spoof
          ? {
              from: b.spoof.from,
              reach: b.spoof.reach,
              via: b.spoof.via,
              what: b.spoof.what,
              ref: b.spoof.ref ?? null,
              trace: b.spoof.trace,
            }
          : null,
      })),
      entrySpoofs: a.verdict.entrySpoofs.map((s) => ({
        from: s.from,
        reach: s.reach,
        via: s.via,
        what: s.what,
        ref: s.ref ?? null,
        trace: s.trace,
      })),
      plan,
      ...(fix ? { fix: fixPayload(fix) } : {}),
    },
  };
}

/**
 * The fix plan of an analysis: its findings' own fixes (file, line, lines, placement) as patches, exactly what
 * `proxyproof fix` prints for the same inputs (fix/plan.ts).
 */
export function findingsPlan(a: Analysis, cwd: string = process.cwd()): FixPlan {
  return planFixes(
    a.facts,
    a.findings.filter((f) => f.fix),
    { cwd },
  );
}

/** `doctor.fix` of the JSON (docs/doctor.md): the plan's patches and advice. */
export function fixPayload(fix: FixPlan): Record<string, unknown> {
  return { patches: patchData(fix), advice: fix.advice };
}

/**
 * The doctor's report with the fix plan of the findings the output stage kept (after `.proxyproof.json`, ignores,
 * baseline and `--min-severity`), as `proxyproof fix` with the same options prints it: `plan` is that plan, already
 * checked by a second analysis (commands/fix.ts checkedPlan); `notes` are the chain planner's notes.
 */
export function withFixPlan(report: Report, plan: FixPlan, notes: string[]): Report {
  return withFixParts(report, fixPlanLines(plan, notes), fixPayload(plan));
}

/**
 * The report with `lines` as the `Fix plan` section and `payload` as `doctor.fix` (the last member of the doctor's
 * JSON); the doctor command writes its report with a placeholder in both before the plan is known.
 */
export function withFixParts(report: Report, lines: string[], payload: unknown): Report {
  const doctor = report.data?.doctor as Record<string, unknown> | undefined;
  return {
    ...report,
    sections: (report.sections ?? []).map((s) => (s.title === 'Fix plan' ? { ...s, lines } : s)),
    ...(doctor ? { data: { ...report.data, doctor: { ...doctor, fix: payload } } } : {}),
  };
}

/**
 * `withPlan` false: the fix plan is left for the caller to fill with withFixPlan (the `doctor` command plans the
 * findings the output stage keeps): the `Fix plan` section is there, empty, and `doctor.fix` is absent. At
 * 10,000 servers a plan that would be thrown away cost about 2 s of CPU.
 */
export function doctorReport(a: Analysis, inputs: string[], cwd: string = process.cwd(), withPlan = true): Report {
  const r = common(a, 'doctor', inputs);
  const plan = a.chain.plan;
  const searched = a.files.searched.join(', ') || '(nothing)';
  r.sections = [
    {
      title: `Found (searched ${searched})`,
      lines: a.inventory.found.length ? listed(a.inventory.found, (l) => l) : ['  nothing the doctor understands'],
    },
    {
      title: 'Not found / could not see',
      lines: a.inventory.missing.length ? listed(a.inventory.missing, (l) => `- ${l}`) : ['  (nothing missing)'],
    },
  ];
  const nr = notReadSection(a);
  if (nr) r.sections.push(nr);
  r.sections.push({ title: 'Chain', lines: chainLines(a.chain) });
  const probes = probeCommands(a.chain, a.facts.codeUses);
  if (probes.length > 0) r.sections.push({ title: 'Probe the live backends (proxyproof probe)', lines: probes });
  const fix = withPlan ? findingsPlan(a, cwd) : undefined;
  r.sections.push({ title: 'Fix plan', lines: fix ? fixPlanLines(fix, a.chain.plan.notes) : [], position: 'after' });
  r.data = { ...r.data, ...doctorPayload(a.chain, a.inventory, plan, fix) };
  // Template placeholders as the template wrote them, never the reader's internal token (engine/template-display.ts).
  const show = placeholderShower(a.facts);
  if (show) {
    r.sections = showPlaceholders(r.sections, show);
    r.data = showPlaceholders(r.data, show);
  }
  return r;
}
