/**
 * One root cause, one headline, between a generic proxy check and a proxy's own check. The generic checks of
 * `checks/proxy/` run on every proxy's sites (`everySite`: nginx's and Ingresses' derived sites too). Where a
 * proxy has its own check for the same mistake (nginx's were written first and know more: template branches,
 * `internal` locations, the geo/map fix behind a front), both report the same rule or route. The proxy's own
 * finding stays the headline (its id, severity, message and fix) and names the generic id in `data.aliases`;
 * a generic finding with no twin at its place stays a finding of its own (a mistake the proxy's check misses).
 * The docs page of each generic check lists its twins (docs/checks/proxy/*.md, "Same finding on nginx").
 */
import type { Finding } from '../../model/finding.js';

/** Generic id -> per proxy kind (`data.proxy`), the ids of that proxy's checks that report the same root cause. */
export const GENERIC_TWINS: Record<string, Record<string, string[]>> = {
  'proxy/forwarded-proto-missing': {
    nginx: ['nginx/forwarded-proto-missing', 'nginx/proxy-header-inheritance'],
  },
  'proxy/forwarded-proto-invalid': { nginx: ['nginx/scheme-header-value'] },
  'proxy/scheme-https-on-plain-listener': {
    nginx: ['nginx/forwarded-proto-hardcoded'],
    haproxy: ['haproxy/scheme-https-on-plain-bind'],
    traefik: ['traefik/custom-header-hardcodes-scheme'],
  },
  'proxy/client-header-copied': {
    nginx: ['nginx/forwarded-proto-client-controlled', 'nginx/forwarded-host-client-controlled'],
  },
};

const at = (e: { file: string; line: number }) => `${e.file}:${e.line}`;

/** A finding's places: its evidence lines and its fix line. */
function placesOf(f: Finding): Set<string> {
  const out = new Set(f.evidence.filter((e) => e.line > 0).map(at));
  if (f.fix?.file && f.fix.line) out.add(at({ file: f.fix.file, line: f.fix.line }));
  return out;
}

/**
 * Folds each generic finding into its proxy's own twin at the same place (the generic finding's first evidence,
 * the rule or route it is about, is one of the twin's places). Order and every other finding are kept.
 */
export function mergeGenericTwins(findings: Finding[]): Finding[] {
  const byId = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byId.get(f.id);
    if (list) list.push(f);
    else byId.set(f.id, [f]);
  }
  const aliases = new Map<Finding, Set<string>>();
  const folded = new Set<Finding>();
  const placeCache = new Map<Finding, Set<string>>();
  const places = (f: Finding) => {
    let p = placeCache.get(f);
    if (!p) {
      p = placesOf(f);
      placeCache.set(f, p);
    }
    return p;
  };
  for (const [generic, perProxy] of Object.entries(GENERIC_TWINS)) {
    for (const g of byId.get(generic) ?? []) {
      const twinIds = perProxy[String(g.data?.proxy ?? '')];
      const first = g.evidence[0];
      if (!twinIds || !first || first.line <= 0) continue;
      const where = at(first);
      const twin = twinIds.flatMap((id) => byId.get(id) ?? []).find((t) => places(t).has(where));
      if (!twin) continue;
      folded.add(g);
      let set = aliases.get(twin);
      if (!set) {
        set = new Set();
        aliases.set(twin, set);
      }
      set.add(generic);
    }
  }
  if (folded.size === 0) return findings;
  const out: Finding[] = [];
  for (const f of findings) {
    if (folded.has(f)) continue;
    const names = aliases.get(f);
    out.push(names ? { ...f, data: { ...f.data, aliases: [...names] } } : f);
  }
  return out;
}
