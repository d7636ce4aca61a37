/**
 * The one analysis behind `lint` and `doctor`:
 *   discover -> collect (each collector isolated) -> facts -> chain (topology, verdict, plan)
 *   -> layer checks refined by the chain + chain checks -> one finding per root cause -> findings.
 * Both commands call `analyze` and differ only in what they show (engine/report.ts), so they always agree
 * on findings, ids, severities and exit codes. No printing here.
 */
import { readFileSync } from 'node:fs';
import { analyzeChain, type ChainAnalysis, setChainOptions } from '../chain/analyze.js';
import { type DeploymentFiles, discoverProject, discoverSystem } from '../chain/discover.js';
import type { Ref } from '../chain/model.js';
import { mergeRootCauses, refineFindings } from '../chain/refine.js';
import { type Inventory, inventory } from '../chain/render.js';
import { CHAIN_CHECKS } from '../checks/chain/index.js';
import { mergeGenericTwins } from '../checks/proxy/twins.js';
import { checksFor } from '../checks/registry.js';
import { FRONTS } from '../collectors/front/fronts.js';
import { displayFile, nginxModel } from '../facts/nginx/index.js';
import type { Check } from '../model/check.js';
import type { CollectOptions, NotRead } from '../model/collector.js';
import type { Facts } from '../model/facts.js';
import { type Finding, InputError, sortFindings } from '../model/finding.js';
import type { FrontFacts, FrontKind } from '../model/proxy.js';
import { collectAll } from './collect.js';
import { filesUsed, notReadFiles, notReadLine } from './not-read.js';
import { count } from './progress.js';
import { mergeRenderings, otherRenderings, picksOf, type Rendering } from './template-branches.js';
import { placeholderShower, showPlaceholders } from './template-display.js';
import { withTemplateValues } from './template-values.js';

/** A front door named by the user: `--front` (origin declared) or `.proxyproof.json` `front` (origin config). */
export interface DeclaredFront {
  name: FrontKind;
  origin: 'declared' | 'config';
  /** The config file's "front" line. */
  ref?: Ref;
}

export interface AnalyzeOptions extends CollectOptions {
  cwd?: string;
  /** Read system locations under this root (`--root /`) instead of `paths`. */
  root?: string;
  /** The public URL to diagnose when several servers match. */
  url?: string;
  /** A TLS-terminating load balancer sits in front of the proxy. */
  behindTlsLb?: boolean;
  /** The front door the user named; it replaces the fronts inferred from the tree (`none`: no front at all). */
  front?: DeclaredFront;
  /**
   * Test seam for one check's case table: run exactly these checks on the facts, unrefined (no chain checks,
   * no chain refinement, no merging). The commands never set it.
   */
  checks?: Check[];
  /** Where the run is, for progress on stderr (engine/progress.ts); analyze itself never prints. */
  onStage?: (text: string, done?: number, total?: number) => void;
}

export interface Analysis {
  facts: Facts;
  files: DeploymentFiles;
  chain: ChainAnalysis;
  inventory: Inventory;
  /** Sorted, most severe first; one finding per root cause. */
  findings: Finding[];
  /** Deployment-looking files under the paths that were not used, with the reason. */
  notRead: NotRead[];
}

export { sortFindings } from '../model/finding.js';

/** Runs checks; a check that throws (our bug) is reported and the others go on. */
export function runChecksIsolated(checks: Check[], facts: Facts, onCheck?: (done: number, total: number) => void): Finding[] {
  const out: Finding[] = [];
  for (const [i, c] of checks.entries()) {
    onCheck?.(i, checks.length);
    try {
      out.push(...c.run(facts));
    } catch (e) {
      facts.diagnostics.push({
        level: 'warning',
        file: `(${c.meta.id})`,
        message: `check ${c.meta.id} stopped: ${(e as Error).message}`,
      });
    }
  }
  return out;
}

/** True when nothing usable was recognised (a folder of unrelated files): a usage error, not "no findings". */
export function nothingFound(facts: Facts, files: DeploymentFiles, notRead: NotRead[] = []): boolean {
  // A proxy file a collector recognised but could not use (Caddy 1 syntax, too many placeholders) is no input.
  const unusable = new Set(notRead.map((n) => n.file));
  return (
    facts.nginx.configs.length === 0 &&
    facts.appServers.length === 0 &&
    facts.frameworks.length === 0 &&
    (facts.compose?.files.length ?? 0) === 0 &&
    (facts.proxies ?? []).length === 0 &&
    (facts.fronts ?? []).filter((f) => f.origin === 'inferred').length === 0 &&
    (facts.kube?.services.length ?? 0) + (facts.kube?.ingressNginx.length ?? 0) + (facts.kube?.ingresses?.length ?? 0) === 0 &&
    files.proxyFiles.every((p) => unusable.has(p.file))
  );
}

/** What `--behind-tls-lb` declares when no front is named. */
export const TLS_LB_FRONT: DeclaredFront = { name: 'tls-lb', origin: 'declared' };

function declaredFrontFacts(d: DeclaredFront): FrontFacts {
  const f = FRONTS[d.name];
  const how =
    d.name === 'tls-lb'
      ? 'declared with --behind-tls-lb'
      : d.origin === 'declared'
        ? `declared with --front ${d.name}`
        : `declared with --front ${d.name} (the "front" of ${d.ref?.file ?? '.proxyproof.json'})`;
  return {
    name: d.name,
    origin: d.origin,
    evidence: d.ref ? [d.ref] : [],
    terminatesTls: f.terminatesTls,
    sends: f.sends,
    ranges: f.ranges,
    why: `${how}: ${f.what}`,
  };
}

/**
 * The analysis, with each other rendering of the tree's templates that matters (engine/template-branches.ts): the
 * facts, chain and inventory are the default rendering's (the first alternative of each conditional); the findings
 * are every rendering's, a finding found in some only saying in which.
 */
export async function analyze(paths: string[], opts: AnalyzeOptions = {}): Promise<Analysis> {
  const { analysis, used } = await analyzeRendering(paths, opts);
  // A check's case table (opts.checks) and a rendering already chosen analyse exactly what they are given.
  if (opts.checks || opts.templatePicks) return analysis;
  const absOf = new Map(analysis.files.files.map((f) => [f.display, f.abs]));
  // nginx servers whose TLS only a template branch switches on: the default rendering simulates them both ways.
  // Computed on the first conditional asked about (a tree without templates never builds it here).
  let tlsBranches: Set<string> | undefined;
  const tlsBranchesOf = (): Set<string> => {
    if (tlsBranches) return tlsBranches;
    tlsBranches = new Set();
    if (analysis.facts.nginx.configs.length > 0)
      for (const server of nginxModel(analysis.facts).servers) {
        const by = server.tlsOnlyInBranch;
        if (by?.templateBranch) tlsBranches.add(`${displayFile(analysis.facts, by.file)}\u0000${by.templateBranch.line}`);
      }
    return tlsBranches;
  };
  const { renderings, leftOut } = otherRenderings(
    analysis.facts.templates,
    (d) => absOf.get(d),
    (d) => used.has(d),
    (d, chain) => chain.alternatives.some((b) => tlsBranchesOf().has(`${d}\u0000${b.line}`)),
  );
  if (renderings.length === 0) return analysis;
  const others: Array<{ rendering: Rendering; findings: Finding[] }> = [];
  for (const [i, rendering] of renderings.entries()) {
    opts.onStage?.(`template branches: ${rendering.file}:${rendering.chain.line}`, i, renderings.length);
    try {
      const r = await analyzeRendering(paths, { ...opts, templatePicks: picksOf(rendering) });
      others.push({ rendering, findings: r.analysis.findings });
    } catch (e) {
      // A rendering with nothing to analyse (its branch empties the only config) has no finding.
      if (!(e instanceof InputError)) throw e;
      others.push({ rendering, findings: [] });
    }
  }
  if (leftOut.length > 0) {
    const where = [...new Set(leftOut.map((r) => `${r.file}:${r.chain.line}`))];
    analysis.facts.diagnostics.push({
      level: 'note',
      file: leftOut[0]?.file ?? '(templates)',
      line: leftOut[0]?.chain.line ?? 1,
      message: `template branches: ${renderings.length} other renderings analysed (the limit, MAX_TEMPLATE_RENDERINGS); ${leftOut.length} more alternatives were not, of the conditionals at ${where.slice(0, 5).join(', ')}${where.length > 5 ? ` and ${where.length - 5} more` : ''}: their findings may be missing`,
    });
  }
  analysis.findings = sortFindings(mergeRenderings(analysis.findings, others));
  return analysis;
}

/** One rendering's analysis, and the files it used. */
async function analyzeRendering(paths: string[], opts: AnalyzeOptions): Promise<{ analysis: Analysis; used: Set<string> }> {
  const cwd = opts.cwd ?? process.cwd();
  const stage = opts.onStage ?? (() => {});
  stage(`looking for files under ${opts.root ? `--root ${opts.root}` : paths.length ? paths.join(', ') : '.'}`);
  const files = opts.root ? discoverSystem(opts.root, cwd) : discoverProject(paths.length ? paths : ['.'], cwd);
  // Bytes discovery already read are used once, then dropped (the collectors keep their own copy).
  const read = (abs: string): Buffer => {
    const b = files.bytes?.get(abs);
    if (!b) return readFileSync(abs);
    files.bytes?.delete(abs);
    return b;
  };
  const collected = await collectAll(
    files.files,
    {
      comments: opts.comments,
      ...(opts.relocated ? { relocated: opts.relocated } : {}),
      ...(opts.templatePicks ? { templatePicks: opts.templatePicks } : {}),
    },
    read,
    undefined,
    (name, done, total) => stage(`reading ${count(files.files.length)} files: ${name}`, done, total),
  );
  delete files.bytes;
  const facts = collected.facts;
  const explicitFiles = new Set(files.files.filter((f) => f.explicit).map((f) => f.display));

  const usage = filesUsed(files.files, collected);
  const notRead = notReadFiles({
    files: files.files,
    collected,
    usedElsewhere: new Set(files.proxyFiles.map((p) => p.file)),
    known: files.unmodelled.map((u) => ({ file: u.file, reason: `${u.what}: ${u.why}` })),
    usage,
  });
  notRead.unshift(...files.skipped);

  // A file named on the command line that cannot be used makes the input unusable (exit 2); under a folder
  // it is listed under "Not read" and the rest is analysed.
  for (const n of notRead) {
    if (!explicitFiles.has(n.file)) continue;
    if (facts.diagnostics.some((d) => d.level === 'error' && d.file === n.file)) continue;
    facts.diagnostics.push({ level: 'error', file: n.file, ...(n.line ? { line: n.line } : {}), message: n.reason });
  }
  if (explicitFiles.size === 0) for (const d of facts.diagnostics) if (d.level === 'error') d.level = 'warning';
  // Only about files the analysis used: a collector may have read a file to sniff it (an image beside a
  // Dockerfile) without using it, and its bytes then change nothing.
  const { used } = usage;
  const notReadSet = new Set(notRead.map((n) => n.file));
  // A proxy reads its config as bytes: UTF-16 there is a file the real program would not understand.
  const proxyConfigs =
    collected.utf16.size > 0
      ? new Set([...facts.nginx.configs.flatMap((t) => t.config.map((c) => c.file)), ...(facts.proxies ?? []).map((p) => p.file)])
      : new Set<string>();
  for (const file of collected.utf16) {
    if (!proxyConfigs.has(file) || notReadSet.has(file)) continue;
    facts.diagnostics.push({
      level: 'warning',
      file,
      line: 1,
      message:
        'UTF-16 text (it starts with a byte-order mark): read here as UTF-16, but the proxy reads its config as bytes and would not understand it; save it as UTF-8',
    });
  }
  for (const [file, at] of collected.nonUtf8) {
    if (notReadSet.has(file)) continue;
    if (!facts.sources.has(file) || !used.has(file)) continue;
    facts.diagnostics.push({
      level: 'warning',
      file,
      line: at.line,
      message: `byte 0x${at.byte.toString(16).toUpperCase().padStart(2, '0')} is not UTF-8: read as U+FFFD, the rest of the file is analysed`,
    });
  }

  if (nothingFound(facts, files, notRead)) {
    const where = opts.root ? `--root ${opts.root}` : paths.length ? paths.join(', ') : '.';
    const first = notRead.find((n) => explicitFiles.has(n.file)) ?? notRead[0];
    const error = facts.diagnostics.find((d) => d.level === 'error');
    const why = error
      ? `; ${error.file}${error.line ? `:${error.line}` : ''}: ${error.message}`
      : first
        ? `; not read: ${notReadLine(first)}${notRead.length > 1 ? ` (and ${notRead.length - 1} more)` : ''}`
        : files.files.length === 0
          ? '; no files there'
          : '';
    throw new InputError(
      `found no proxy configuration, app-server, framework or deployment file to analyse${why}`,
      opts.root ? undefined : where,
    );
  }

  // --behind-tls-lb with no named front declares the generic balancer as the front (`tls-lb`), so the layer checks and
  // the fix planner stand behind it as the chain does; a named front (--front, .proxyproof.json) wins over it.
  const front = opts.front ?? (opts.behindTlsLb ? TLS_LB_FRONT : undefined);
  if (front) facts.fronts = front.name === 'none' ? [] : [declaredFrontFacts(front)];

  setChainOptions(facts, {
    proxyFiles: files.proxyFiles,
    url: opts.url,
    behindTlsLb: opts.behindTlsLb || front?.name === 'tls-lb',
    noFront: opts.front?.name === 'none',
    unmodelled: files.unmodelled,
    onProgress: stage,
  });
  let chain: ChainAnalysis;
  stage(
    `chain: ${count(facts.nginx.configs.length + (facts.proxies ?? []).length)} proxy configs, ${count(facts.appServers.length)} app servers`,
  );
  try {
    chain = analyzeChain(facts);
  } catch (e) {
    // A bug in the chain must not hide the layer findings: report it and analyse an empty chain.
    facts.diagnostics.push({
      level: 'warning',
      file: '(chain)',
      message: `the chain could not be analysed: ${(e as Error).message}`,
    });
    chain = analyzeChain({ ...facts, nginx: { configs: [] }, appServers: [], frameworks: [], compose: undefined } as Facts, {});
    setChainOptions(facts, {});
  }

  let findings: Finding[];
  const checksText = `checks: ${count(chain.topology.proxies.length)} proxy hops, ${count(chain.topology.entries.length)} entries`;
  stage(checksText);
  if (opts.checks) findings = mergeGenericTwins(runChecksIsolated(opts.checks, facts));
  else {
    const layerChecks = await checksFor(facts);
    const layer = refineFindings(
      // A generic proxy check and a proxy's own check on the same rule: one finding (checks/proxy/twins.ts).
      mergeGenericTwins(
        runChecksIsolated(layerChecks, facts, (done, total) => stage(checksText, done, total + CHAIN_CHECKS.length)),
      ),
      chain,
      facts,
    );
    const chainFindings = runChecksIsolated(CHAIN_CHECKS, facts, (done, total) =>
      stage(checksText, layerChecks.length + done, layerChecks.length + total),
    );
    findings = mergeRootCauses(layer, chainFindings);
  }
  // The inventory (what was found and not found) is the doctor's: computed on first use, so `lint` never pays
  // for it (7 MB on the 10,000-server bench, allocated just before the output where the memory peaks).
  let inv: Inventory | undefined;
  const analysis: Analysis = {
    facts,
    files,
    chain,
    get inventory(): Inventory {
      inv ??= inventory(facts, chain, files);
      return inv;
    },
    findings: sortFindings(shownAsWritten(facts, withTemplateValues(facts, findings))),
    notRead,
  };
  return { analysis, used };
}

/** Findings with each template placeholder shown as its template wrote it (engine/template-display.ts). */
function shownAsWritten(facts: Facts, findings: Finding[]): Finding[] {
  const show = placeholderShower(facts);
  return show ? findings.map((f) => showPlaceholders(f, show)) : findings;
}
