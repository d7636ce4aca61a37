/**
 * node/proxy-addr-advisory: CVE-2026-90711 / GHSA-jqcg-44mw-7w3h (proxy-addr >=1.1.0 <2.0.8), which Express's
 * `trust proxy` and Fastify's `trustProxy` compile their address lists with. Read in proxy-addr's source (2.0.7's
 * index.js from github:jshttp/proxy-addr against the published 2.0.8): up to 2.0.7, `trustMulti`/`trustSingle`
 * compared an IPv4 peer with an IPv6 trust entry by converting the peer to `::ffff:a.b.c.d`, and an IPv4-mapped
 * peer with an IPv6 entry directly; so an IPv6 entry whose prefix is shorter than 96 bits and covers the mapped
 * block `::ffff:0:0/96` (`::/64`, or `::ffff:10.0.0.0/8` — an IPv4 prefix written on the mapped notation, which
 * proxy-addr reads as an IPv6 /8) trusts EVERY IPv4 address: any client forges X-Forwarded-For (req.ip) and, on
 * Express, X-Forwarded-Proto/-Host. 2.0.8 lets an IPv6 entry match IPv4 only when it is a mapped subnet of at
 * least /96, so the same entry then trusts no IPv4 address at all: a proxy it was meant to name is not trusted.
 * Either way the entry is wrong; which way is decided by the proxy-addr the lockfile pins
 * (`settings['proxy-addr installed']`, collectors/node/lockfile.ts).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { FrameworkFacts } from '../../model/facts.js';
import type { Evidence, Finding, Fix } from '../../model/finding.js';
import { proxyAddrAffected, spansMappedBlock } from '../../model/proxy-addr.js';
import { bindText, evidenceOf, NODE_REFS, proxyContext, trustClass, usesForwardedLib } from './common.js';

export const PROXY_ADDR_ADVISORY = 'https://github.com/jshttp/proxy-addr/security/advisories/GHSA-jqcg-44mw-7w3h';

const meta: CheckMeta = {
  id: 'node/proxy-addr-advisory',
  severity: 'high',
  title: 'A trust proxy entry that proxy-addr < 2.0.8 reads as every IPv4 address',
  summary:
    'GHSA-jqcg-44mw-7w3h: an IPv6 trust entry shorter than /96 that covers ::ffff:0:0/96 (e.g. ::ffff:10.0.0.0/8) trusts every IPv4 client in proxy-addr 1.1.0-2.0.7 and none in 2.0.8; write IPv4 ranges as IPv4.',
  references: [PROXY_ADDR_ADVISORY, NODE_REFS.proxyAddr, NODE_REFS.expressBehindProxies],
};

/** The entries of a list-class trust setting (a comma-separated string or an array of strings). */
function trustEntries(fw: FrameworkFacts): string[] {
  const v = fw.trustProxy?.value;
  if (typeof v === 'string') return v.split(',').map((x) => x.trim());
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').map((x) => x.trim());
  return [];
}

export const proxyAddrAdvisory: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of facts.frameworks) {
      const kind = fw.kind === 'nestjs' ? String(fw.settings.platform?.value ?? 'express') : fw.kind;
      if (kind !== 'express' && kind !== 'fastify') continue;
      if (usesForwardedLib(fw) || trustClass(fw) !== 'list') continue;
      const spanning = trustEntries(fw)
        .map((e) => ({ entry: e, span: spansMappedBlock(e) }))
        .filter((x) => x.span !== undefined);
      if (spanning.length === 0) continue;
      const installed = fw.settings['proxy-addr installed'];
      const versions = Array.isArray(installed?.value) ? (installed.value as string[]) : [];
      const affected = versions.filter((v) => proxyAddrAffected(v) === true);
      const verdict = versions.length === 0 ? 'unknown' : affected.length > 0 ? 'affected' : 'fixed';
      // Under 2.0.8 an IPv6 range (`::/64`) that was never meant for IPv4 does what it says: only the
      // mapped-notation IPv4 prefix then misses the proxy it names.
      const meant = spanning.filter((x) => x.span?.ipv4 !== undefined);
      if (verdict === 'fixed' && meant.length === 0) continue;
      const ctx = proxyContext(facts, fw);
      const name = kind === 'express' ? 'Express' : 'Fastify';
      const setting = kind === 'express' ? "'trust proxy'" : 'trustProxy';
      const list = spanning.map((x) => x.entry).join(', ');
      const evidence: Evidence[] = [
        evidenceOf(
          fw.trustProxy?.ref,
          `${setting} ${list}: an IPv6 prefix shorter than /96 that covers every IPv4-mapped address`,
        ),
      ];
      if (installed?.ref)
        evidence.push(
          evidenceOf(
            installed.ref,
            `proxy-addr ${versions.join(', ')} installed (${installed.note ?? 'lockfile'})${verdict === 'affected' ? ': inside >=1.1.0 <2.0.8' : ': 2.0.8 or later'}`,
          ),
        );
      if (verdict === 'affected' && ctx.open?.ref)
        evidence.push(evidenceOf(ctx.open.ref, `binds ${bindText(ctx.open)}: reachable without the proxy`));
      const fix = fixFor(facts.sources.get(fw.trustProxy?.ref?.file ?? ''), fw, meant);
      const reach = ctx.open ? `, and the app listens on ${bindText(ctx.open)}, reachable without the proxy` : '';
      const message =
        verdict === 'affected'
          ? `${name} app in ${fw.file}: ${setting} includes ${list}, which the installed proxy-addr ${affected.join(', ')} (< 2.0.8, GHSA-jqcg-44mw-7w3h) matches against EVERY IPv4 address: any IPv4 client is a trusted proxy and chooses req.ip${kind === 'express' ? ', the scheme and the host' : ''} with X-Forwarded-* headers${reach}`
          : verdict === 'fixed'
            ? `${name} app in ${fw.file}: ${setting} includes ${list}, which proxy-addr ${versions.join(', ')} (2.0.8 and later) matches against no IPv4 address: the proxy at ${meant.map((x) => x.span?.ipv4).join(', ')} it names is not trusted`
            : `${name} app in ${fw.file}: ${setting} includes ${list}: proxy-addr 1.1.0-2.0.7 (GHSA-jqcg-44mw-7w3h) matches it against EVERY IPv4 address, 2.0.8 against none, and no lockfile says which one is installed`;
      out.push(
        finding(meta, {
          severity: verdict === 'affected' ? (ctx.open ? 'high' : 'medium') : verdict === 'fixed' ? 'medium' : 'low',
          message,
          evidence,
          why: 'proxy-addr up to 2.0.7 converted an IPv4 peer to ::ffff:a.b.c.d to compare it with an IPv6 trust entry, so an IPv6 entry covering the mapped block ::ffff:0:0/96 (any prefix shorter than /96 that holds it, such as an IPv4 prefix length written after a mapped address) matched every IPv4 address; X-Forwarded-For, and for Express X-Forwarded-Proto and X-Forwarded-Host, were then believed from anyone. 2.0.8 matches an IPv6 entry against IPv4 only when it is a mapped subnet of /96 or longer, so the same entry then trusts no IPv4 peer.',
          fix,
          data: { framework: kind, entries: spanning.map((x) => x.entry), installed: versions, verdict },
        }),
      );
    }
    return out;
  },
};

/**
 * Writing the IPv4 range as IPv4 is right under every proxy-addr version: replaced on the setting's line when the
 * entry is written there; an IPv6 range that was meant as IPv6 is left alone and the upgrade advised.
 */
function fixFor(lines: string[] | undefined, fw: FrameworkFacts, meant: Array<{ entry: string; span?: { ipv4?: string } }>): Fix {
  const ref = fw.trustProxy?.ref;
  const upgrade =
    'Upgrade proxy-addr to 2.0.8 or later (npm update proxy-addr, or update express/fastify) and refresh the lockfile.';
  if (meant.length === 0)
    return {
      description: `${upgrade} An IPv6 range then trusts IPv6 peers only: list the IPv4 addresses of your proxies as IPv4 entries.`,
      file: ref?.file,
    };
  const description = `Write the IPv4 range as IPv4 (${meant.map((x) => `${x.entry} -> ${x.span?.ipv4}`).join(', ')}): proxy-addr of every version reads it as the proxy's network. ${upgrade}`;
  const line = ref ? lines?.[ref.line - 1] : undefined;
  if (!ref || line === undefined) return { description, file: ref?.file };
  let text = line;
  for (const m of meant) text = text.split(m.entry).join(m.span?.ipv4 ?? m.entry);
  if (text === line) return { description, file: ref.file };
  return { description, file: ref.file, line: ref.line, placement: 'replace', lines: [text] };
}
