/**
 * fastify/trust-proxy-advisory: GHSA-444r-cwp2-x5xf (CVE-2026-3635, fixed in fastify 5.8.3). With a restrictive
 * `trustProxy` (an address, a subnet, a hop count or a function), fastify <= 5.8.2's `request.protocol` and
 * `request.host` read X-Forwarded-Proto / X-Forwarded-Host from ANY connection, trusted or not: whoever reaches the
 * app without the proxy chooses the scheme and host the app sees (request.ip is not affected: proxy-addr walks it).
 * The version is the package.json range: a range that cannot reach 5.8.3 (an exact 5.8.2, `~5.7.0`, any 4.x/3.x,
 * which got no fix) is medium; a caret 5.x range below 5.8.3 is low (the lockfile decides what is installed), and so
 * is an app that listens on loopback or a unix socket only (only local processes reach it without the proxy). When the
 * package's lockfile pins fastify (`settings['fastify installed']`, collectors/node/lockfile.ts), its versions decide
 * instead of the range: one <= 5.8.2 is affected, none is no finding.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding, Fix } from '../../model/finding.js';
import { parseVersion, type Version, versionBelow } from '../../model/npm-version.js';
import { bindText, evidenceOf, frameworksOf, NODE_REFS, proxyContext, trustClass, usesForwardedLib } from './common.js';

export const FASTIFY_ADVISORY = 'https://github.com/fastify/fastify/security/advisories/GHSA-444r-cwp2-x5xf';
const FIXED = [5, 8, 3] as const;

const meta: CheckMeta = {
  id: 'fastify/trust-proxy-advisory',
  severity: 'medium',
  title: 'fastify <= 5.8.2 with a restrictive trustProxy: request.protocol/host believe any peer',
  summary:
    'GHSA-444r-cwp2-x5xf: with trustProxy set to an address, subnet, hop count or function, fastify up to 5.8.2 takes X-Forwarded-Proto/-Host from untrusted connections too; upgrade to 5.8.3.',
  references: [FASTIFY_ADVISORY, NODE_REFS.fastifyTrustProxy],
};

/**
 * What a package.json range says about the advisory: `affected` when every version it admits is <= 5.8.2, `maybe`
 * when it admits both (a caret 5.x range below 5.8.3), undefined when it admits none or cannot be read.
 */
export function advisoryRange(range: string): 'affected' | 'maybe' | undefined {
  const m = /^\s*([\^~]|>=|=)?\s*v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?\s*$/.exec(range);
  if (!m) return undefined;
  const op = m[1] ?? '';
  const num = (x: string | undefined): number | undefined => (x === undefined || x === 'x' || x === '*' ? undefined : Number(x));
  const major = Number(m[2]);
  const minor = num(m[3]);
  const patch = num(m[4]);
  const low: Version = [major, minor ?? 0, patch ?? 0];
  if (!versionBelow(low, FIXED)) return undefined;
  if (major < 5) return 'affected'; // 4.x and 3.x got no fix
  if (major > 5) return undefined;
  if (op === '>=') return 'maybe';
  if (op === '^' || minor === undefined) return 'maybe'; // ^5.a.b, 5, 5.x reach 5.8.3
  if (op === '~' || patch === undefined) return minor === 8 ? 'maybe' : 'affected'; // ~5.8.0 / 5.8.x reach 5.8.3
  return 'affected'; // an exact version below 5.8.3
}

export const fastifyTrustProxyAdvisory: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of frameworksOf(facts, 'fastify')) {
      if (usesForwardedLib(fw)) continue;
      const cls = trustClass(fw);
      if (cls !== 'list' && cls !== 'hops' && cls !== 'custom') continue;
      const version = fw.settings['fastify version'];
      const range = typeof version?.value === 'string' ? version.value : undefined;
      // The lockfile's fastify is what is installed: it overrides the range (a caret range pinned at 5.8.4 is safe,
      // one pinned at 5.6.0 is affected).
      const installed = fw.settings['fastify installed'];
      const pinned = Array.isArray(installed?.value) ? (installed.value as string[]) : [];
      const pinnedAffected = pinned.filter((v) => {
        const parsed = parseVersion(v);
        return parsed ? versionBelow(parsed, FIXED) : false;
      });
      const verdict =
        pinned.length > 0 ? (pinnedAffected.length > 0 ? 'affected' : undefined) : range ? advisoryRange(range) : undefined;
      if (!version || !range || !verdict) continue;
      const ctx = proxyContext(facts, fw);
      const binds = ctx.servers.flatMap((s) => s.binds);
      const localOnly =
        binds.length > 0 && binds.every((b) => (b.exposure === 'loopback' || b.exposure === 'unix') && !b.published);
      const setting = fw.settings.trustProxy;
      const evidence: Evidence[] = [
        evidenceOf(
          setting?.ref,
          `trustProxy ${JSON.stringify(fw.trustProxy?.value ?? setting?.value ?? null)}: a restrictive policy`,
        ),
        evidenceOf(
          version.ref,
          pinnedAffected.length > 0
            ? `fastify ${range}: the lockfile pins ${pinnedAffected.join(', ')}`
            : verdict === 'affected'
              ? `fastify ${range}: every version it admits is <= 5.8.2`
              : `fastify ${range}: admits versions <= 5.8.2; the lockfile decides`,
        ),
      ];
      if (installed?.ref && pinnedAffected.length > 0)
        evidence.push(
          evidenceOf(installed.ref, `fastify ${pinnedAffected.join(', ')} installed (${installed.note ?? 'lockfile'}): <= 5.8.2`),
        );
      if (ctx.open?.ref) evidence.push(evidenceOf(ctx.open.ref, `binds ${bindText(ctx.open)}: reachable without the proxy`));
      const reads = fw.requestReads;
      const read = reads?.scheme.find((r) => r.via === 'trust') ?? reads?.host.find((r) => r.via === 'trust');
      if (read) evidence.push(evidenceOf(read.ref, `the app reads ${read.what} here: a direct client chooses it`));
      const line = version.ref?.snippet !== undefined ? facts.sources.get(version.ref.file)?.[version.ref.line - 1] : undefined;
      const fix: Fix = {
        description:
          'Upgrade fastify to 5.8.3 or later (4.x has no fix: move to 5.x), then refresh the lockfile. Until then, let only the proxy reach the app port.',
        file: version.ref?.file,
      };
      if (line !== undefined && version.ref) {
        fix.line = version.ref.line;
        fix.placement = 'replace';
        fix.lines = [line.replace(/("fastify"\s*:\s*")[^"]*(")/, '$1^5.8.3$2')];
      }
      out.push(
        finding(meta, {
          // Only what reaches the app without the proxy can forge: a loopback-only or unix-socket app leaves that to
          // local processes.
          severity: verdict === 'affected' && !localOnly ? 'medium' : 'low',
          message: `Fastify app in ${fw.file}: trustProxy is restrictive, but fastify ${range}${pinnedAffected.length > 0 ? ` (installed: ${pinnedAffected.join(', ')}) is` : verdict === 'affected' ? ' is' : ' may install a version'} <= 5.8.2 (GHSA-444r-cwp2-x5xf), where request.protocol and request.host take X-Forwarded-Proto/-Host from ANY connection${ctx.open ? `, and the app listens on ${bindText(ctx.open)}, reachable without the proxy` : ''}`,
          evidence,
          why: 'The advisory: with trustProxy set to an address, subnet, hop count or function, fastify up to 5.8.2 applied the trust check to request.ip only; the protocol and host getters read the forwarded headers whoever sent them. A client that reaches the app directly (a published port, a bind on every interface, another container) sets X-Forwarded-Proto: https or X-Forwarded-Host: evil.example and the app believes it: HTTPS-only logic, Secure cookies, CSRF origin checks and absolute URLs follow the forged values.',
          fix,
          data: { framework: fw.kind, range, verdict },
        }),
      );
    }
    return out;
  },
};
