/**
 * `lint`: discover -> collect facts -> run every check -> filter/sort findings.
 * No printing here; the CLI hands the report to a renderer.
 */
import { readFileSync } from 'node:fs';
import { analyzeChain } from '../chain/analyze.js';
import { nginxModel } from '../facts/nginx/index.js';

/** Above this many nginx servers lint skips the chain verdict (see chainVerdictSection). */
export const CHAIN_VERDICT_MAX_SERVERS = 300;

import { picture, verdictLine } from '../chain/render.js';
import { ALL_CHECKS } from '../checks/index.js';
import type { Check } from '../model/check.js';
import type { Facts } from '../model/facts.js';
import { type Finding, InputError, type Severity, severityRank } from '../model/finding.js';
import type { Report, ReportSection } from '../render/types.js';
import { type CollectOptions, collectFacts } from './collect.js';
import { discover } from './discover.js';

export interface LintOptions extends CollectOptions {
  cwd?: string;
  checks?: Check[];
}

export function runChecks(facts: Facts, checks: Check[] = ALL_CHECKS): Finding[] {
  const out: Finding[] = [];
  for (const c of checks) out.push(...c.run(facts));
  return sortFindings(out);
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      (a.evidence[0]?.file ?? '').localeCompare(b.evidence[0]?.file ?? '') ||
      (a.evidence[0]?.line ?? 0) - (b.evidence[0]?.line ?? 0) ||
      a.id.localeCompare(b.id),
  );
}

export function atOrAbove(findings: Finding[], min: Severity): Finding[] {
  return findings.filter((f) => severityRank(f.severity) >= severityRank(min));
}

export async function lintPaths(paths: string[], options: LintOptions = {}): Promise<{ facts: Facts; report: Report }> {
  const files = discover(paths, options.cwd);
  const facts = await collectFacts(files, options, (abs) => readFileSync(abs));
  if (nothingFound(facts)) {
    throw new InputError(
      'found no nginx configuration, app-server, framework or deployment file to lint',
      paths.length === 1 ? paths[0] : paths.join(', '),
    );
  }
  const findings = runChecks(facts, options.checks);
  const verdict = chainVerdictSection(facts);
  return {
    facts,
    report: {
      command: 'lint',
      inputs: paths,
      findings,
      diagnostics: facts.diagnostics,
      sections: verdict ? [verdict.section] : [],
      data: verdict ? { chain: verdict.routes } : undefined,
      // memoized: the analysis the verdict section used, for the HTML report's chain picture
      chain: verdict ? analyzeChain(facts) : undefined,
    },
  };
}

/** True when no collector recognised anything (a folder of unrelated files): a usage error, not "no findings". */
export function nothingFound(facts: Facts): boolean {
  return (
    facts.nginx.configs.length === 0 &&
    facts.appServers.length === 0 &&
    facts.frameworks.length === 0 &&
    (facts.proxies ?? []).length === 0 &&
    (facts.fronts ?? []).filter((f) => f.origin === 'inferred').length === 0 &&
    (facts.kube?.services.length ?? 0) + (facts.kube?.ingressNginx.length ?? 0) === 0 &&
    facts.diagnostics.length === 0
  );
}

/**
 * lint reads the files as one chain: it ends with the chain's one-line verdict per HTTPS route
 * (the doctor command prints the hop-by-hop detail and the fix plan). A chain that cannot be built
 * from what was linted (only a settings file, say) gives no section rather than a guess.
 */
function chainVerdictSection(
  facts: Facts,
): { section: ReportSection; routes: Array<{ url: string; picture: string; verdict: string }> } | null {
  let routes: Array<{ url: string; picture: string; verdict: string }>;
  const servers = nginxModel(facts).servers.length;
  if (servers > CHAIN_VERDICT_MAX_SERVERS) {
    // The chain builder/planner grows faster than linearly in the number of servers; lint stays fast on
    // generated configs of thousands of sites, and says where the verdict is instead of silently dropping it.
    facts.diagnostics.push({
      level: 'note',
      file: '(chain)',
      message: `${servers} nginx servers: the chain verdict is left to \`proxyproof doctor --url https://<site>/\` (lint computes it up to ${CHAIN_VERDICT_MAX_SERVERS} servers)`,
    });
    return null;
  }
  try {
    routes = analyzeChain(facts).verdict.routes.map((r) => ({
      url: `${r.url} (${r.route})`,
      picture: picture(r.trace),
      verdict: verdictLine(r),
    }));
  } catch (e) {
    facts.diagnostics.push({
      level: 'note',
      file: '(chain)',
      message: `the chain verdict could not be computed: ${(e as Error).message}`,
    });
    return null;
  }
  if (routes.length === 0) return null;
  const lines: string[] = [];
  for (const r of routes) lines.push(`  ${r.url}`, `    ${r.picture}`, `    ${r.verdict}`);
  lines.push('  (proxyproof doctor prints each hop, the spoofing checks and the smallest fix)');
  return { section: { title: 'Chain verdict', lines, position: 'after' }, routes };
}
