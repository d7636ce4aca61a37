/**
 * The doctor pipeline: discover the deployment -> collect facts (each collector isolated, so one
 * confused parser never stops the rest) -> chain analysis -> layer checks refined by the chain +
 * chain checks -> a Report with sections (text) and a documented JSON payload (docs/doctor.md).
 */
import { readFileSync } from 'node:fs';
import { CHAIN_CHECKS } from '../checks/chain/index.js';
import { ALL_CHECKS } from '../checks/index.js';
import { COLLECTORS } from '../collectors/index.js';
import { renderForCollectors } from '../collectors/template/index.js';
import { type CollectContext, emptyFacts } from '../engine/collect.js';
import type { DiscoveredFile } from '../engine/discover.js';
import { sortFindings } from '../engine/lint.js';
import type { Check } from '../model/check.js';
import type { Facts } from '../model/facts.js';
import type { Finding } from '../model/finding.js';
import type { Report } from '../render/types.js';
import { analyzeChain, type ChainAnalysis, setChainOptions } from './analyze.js';
import { type DeploymentFiles, discoverProject, discoverSystem } from './discover.js';
import { refineFindings } from './refine.js';
import { chainLines, type Inventory, inventory, planLines, probeCommands, verdictLine } from './render.js';

export interface DoctorOptions {
  root?: string;
  url?: string;
  behindTlsLb?: boolean;
  cwd?: string;
}

export interface DoctorResult {
  facts: Facts;
  analysis: ChainAnalysis;
  files: DeploymentFiles;
  inventory: Inventory;
  report: Report;
}

export const DOCTOR_SCHEMA_VERSION = 1;

async function collectIsolated(files: DiscoveredFile[]): Promise<Facts> {
  const facts = emptyFacts();
  const cache = new Map<string, Buffer>();
  const ctx: CollectContext = {
    files,
    facts,
    options: {},
    claimed: new Set(),
    read(file) {
      let b = cache.get(file.abs);
      if (!b) {
        try {
          b = readFileSync(file.abs);
        } catch (e) {
          facts.diagnostics.push({ level: 'warning', file: file.display, message: `cannot read: ${(e as Error).message}` });
          b = Buffer.alloc(0);
        }
        facts.sources.set(file.display, b.toString('utf8').split(/\r?\n/));
        facts.templates ??= new Map();
        b = renderForCollectors(file.display, b, facts.diagnostics, facts.templates);
        cache.set(file.abs, b);
      }
      return b;
    },
  };
  for (const c of COLLECTORS) {
    try {
      await c.collect(ctx);
    } catch (e) {
      facts.diagnostics.push({
        level: 'warning',
        file: '(doctor)',
        message: `the ${c.name} collector stopped: ${(e as Error).message}; its files are not in the verdict`,
      });
    }
  }
  return facts;
}

function runIsolated(checks: Check[], facts: Facts): Finding[] {
  const out: Finding[] = [];
  for (const c of checks) {
    try {
      out.push(...c.run(facts));
    } catch (e) {
      facts.diagnostics.push({
        level: 'warning',
        file: '(doctor)',
        message: `check ${c.meta.id} stopped: ${(e as Error).message}`,
      });
    }
  }
  return out;
}

/** The JSON payload of `doctor --format json` (schema: docs/doctor.md). */
export function doctorPayload(a: ChainAnalysis, inv: Inventory): Record<string, unknown> {
  return {
    doctor: {
      schemaVersion: DOCTOR_SCHEMA_VERSION,
      found: inv.found,
      notFound: inv.missing,
      topology: a.topology,
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
        trace: r.trace,
      })),
      backends: a.verdict.backends.map((b) => ({
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
      plan: a.plan,
    },
  };
}

export async function runDoctor(paths: string[], opts: DoctorOptions = {}): Promise<DoctorResult> {
  const cwd = opts.cwd ?? process.cwd();
  const files = opts.root ? discoverSystem(opts.root, cwd) : discoverProject(paths.length ? paths : ['.'], cwd);
  const facts = await collectIsolated(files.files);
  setChainOptions(facts, {
    proxyFiles: files.proxyFiles,
    url: opts.url,
    behindTlsLb: opts.behindTlsLb,
    unmodelled: files.unmodelled,
  });
  let analysis: ChainAnalysis;
  try {
    analysis = analyzeChain(facts);
  } catch (e) {
    // A bug in the chain must not hide the layer findings: report it and analyse nothing.
    facts.diagnostics.push({ level: 'error', file: '(doctor)', message: `chain analysis failed: ${(e as Error).message}` });
    analysis = analyzeChain(
      { ...facts, nginx: { configs: [] }, appServers: [], frameworks: [], compose: undefined } as Facts,
      {},
    );
  }
  const layer = runIsolated(ALL_CHECKS, facts);
  const chain = runIsolated(CHAIN_CHECKS, facts);
  const findings = sortFindings([...refineFindings(layer, analysis), ...chain]);
  const inv = inventory(facts, analysis, files);
  const sections = [
    {
      title: `Found (searched ${files.searched.join(', ') || '(nothing)'})`,
      lines: inv.found.length ? inv.found.map((l) => `  ${l}`) : ['  nothing the doctor understands'],
    },
    {
      title: 'Not found / could not see',
      lines: inv.missing.length ? inv.missing.map((l) => `  - ${l}`) : ['  (nothing missing)'],
    },
    { title: 'Chain', lines: chainLines(analysis) },
  ];
  const probes = probeCommands(analysis);
  if (probes.length > 0) sections.push({ title: 'Probe the live backends (proxyproof probe)', lines: probes });
  const report: Report = {
    command: 'doctor',
    inputs: opts.root ? [`--root ${opts.root}`] : paths,
    findings,
    diagnostics: facts.diagnostics,
    sections,
    data: doctorPayload(analysis, inv),
  };
  return { facts, analysis, files, inventory: inv, report };
}

export { planLines };
