/**
 * node/client-ip-header-trusted: the code takes the client address from a request header itself
 * (`clientIp = request.headers['x-forwarded-for']`, `req.headers[process.env.CLIENT_IP_HEADER]`) instead of the
 * framework's trust-checked req.ip. No peer check happens: whoever reaches the app writes that header. One
 * finding per header name, every read site as evidence.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding, Severity } from '../../model/finding.js';
import { bindText, evidenceOf, NODE_REFS, proxyContext } from './common.js';

const meta: CheckMeta = {
  id: 'node/client-ip-header-trusted',
  severity: 'high',
  title: 'The client address is read from a request header without checking who sent it',
  summary:
    "Code that takes the client IP from X-Forwarded-For, CF-Connecting-IP, X-Real-IP or a configurable header believes any caller that reaches the app: rate limits, IP allow-lists and 'same IP' checks are spoofable.",
  references: [NODE_REFS.expressBehindProxies, NODE_REFS.proxyAddr, NODE_REFS.fastifyTrustProxy],
};

interface Read {
  header: string;
  file: string;
  line: number;
  snippet?: string;
}

export const clientIpHeaderTrusted: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const fw of facts.frameworks) {
      const reads = (fw.settings.clientIpReads?.value ?? []) as Read[];
      if (reads.length === 0) continue;
      const ctx = proxyContext(facts, fw);
      const byHeader = new Map<string, Read[]>();
      for (const r of reads) {
        const k = `${r.header}|${r.file}:${r.line}`;
        if (seen.has(k)) continue;
        seen.add(k);
        byHeader.set(r.header, [...(byHeader.get(r.header) ?? []), r]);
      }
      for (const [header, sites] of byHeader) {
        const name = header.startsWith('env:') ? `the header named by ${header.slice(4)}` : header;
        const behind = ctx.peers.length > 0 || ctx.front !== undefined;
        let severity: Severity;
        let why: string;
        if (ctx.open || !behind) {
          severity = 'high';
          why = ctx.open
            ? `the app listens on ${bindText(ctx.open)}, so a client that skips the proxy writes ${name} itself`
            : `nothing in the files restricts who connects to the app, so any caller writes ${name}`;
        } else if (header === 'x-forwarded-for') {
          severity = 'medium';
          why =
            'the proxy appends to X-Forwarded-For, so its left-most entries are whatever the client sent (only the right-most entry the proxy wrote is reliable)';
        } else continue; // a header the proxy in front overwrites, on an app only the proxy reaches
        const evidence: Evidence[] = sites
          .slice(0, 8)
          .map((s) => evidenceOf({ file: s.file, line: s.line, snippet: s.snippet }, `client address taken from ${name}`));
        if (ctx.open) evidence.push(evidenceOf(ctx.open.ref, 'reachable without the proxy'));
        out.push(
          finding(meta, {
            severity,
            message: `${sites.length} place${sites.length === 1 ? '' : 's'} take${sites.length === 1 ? 's' : ''} the client address from ${name} with no check of the peer: ${why}. Rate limits, IP allow-lists and "same IP" checks built on it can be forged.`,
            evidence,
            why: "A header is whatever the sender wrote. Only the framework's trust list (Express 'trust proxy', Fastify trustProxy with the proxy's addresses) checks that the value came from your proxy before using it as req.ip.",
            fix: {
              description:
                "Use the framework's req.ip / request.ip with the trust setting limited to the proxy's addresses (Cloudflare: its published ranges), and restrict the app's port to the proxy.",
            },
            data: { header, sites: sites.length, directlyReachable: ctx.open !== undefined },
          }),
        );
      }
    }
    return out;
  },
};
