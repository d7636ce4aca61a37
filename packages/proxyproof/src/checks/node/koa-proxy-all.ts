/**
 * koa/proxy-all: `app.proxy = true` (or `new Koa({ proxy: true })`) makes Koa believe X-Forwarded-Proto/-Host/-For
 * from any peer — Koa has no address check. Fine only when nothing but the proxy can connect and ctx.ip reads the
 * proxy's own entry (maxIpsCount 1).
 */

import { koaMaxIps } from '../../collectors/node/meaning.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding, Severity } from '../../model/finding.js';
import {
  bindText,
  evidenceOf,
  forgeable,
  forgedReadsEvidence,
  forwardedSnippet,
  frameworksOf,
  NODE_REFS,
  proxyContext,
  recommendedTrust,
  trustClass,
} from './common.js';

const meta: CheckMeta = {
  id: 'koa/proxy-all',
  severity: 'high',
  title: 'Koa app.proxy trusts X-Forwarded-* from any peer',
  summary:
    'app.proxy = true: any client that reaches the app sets ctx.protocol, ctx.host and ctx.ip; through the proxy, ctx.ip is still the client-written left-most X-Forwarded-For entry unless maxIpsCount is 1.',
  references: [NODE_REFS.koaProxy, NODE_REFS.koaRequest, NODE_REFS.forwarded],
};

export const koaProxyAll: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of frameworksOf(facts, 'koa')) {
      if (trustClass(fw) !== 'all') continue;
      const ctx = proxyContext(facts, fw);
      const maxIps = koaMaxIps(
        fw.settings.maxIpsCount?.value === undefined ? undefined : { kind: 'literal', value: fw.settings.maxIpsCount.value },
      );
      const binds = ctx.servers.flatMap((s) => s.binds);
      const reachKnown = ctx.servers.length > 0 && binds.every((b) => b.reach !== 'unknown');
      let severity: Severity;
      let message: string;
      if (ctx.open) {
        severity = 'high';
        message = `app.proxy = true and the app listens on ${bindText(ctx.open)}, reachable without the proxy: any client sets X-Forwarded-Proto/-Host/-For and Koa believes it`;
      } else if (maxIps !== 1) {
        severity = 'medium';
        message = `app.proxy = true with maxIpsCount ${maxIps === 0 ? 'unset (0 = all entries)' : maxIps}: ctx.ip is the left-most X-Forwarded-For entry, which the client writes even through the proxy${reachKnown ? '' : '; and whether anything but the proxy can reach the app is not known from these files'}`;
      } else if (!reachKnown) {
        severity = 'low';
        message =
          'app.proxy = true: Koa believes X-Forwarded-* from any peer, and the files do not show that only the proxy can reach the app';
      } else continue; // only the proxy reaches it and ctx.ip is the proxy's own entry: the correct Koa setup
      const trust = recommendedTrust(ctx);
      const evidence: Evidence[] = [evidenceOf(fw.trustProxy?.ref, 'app.proxy = true here')];
      if (ctx.open) evidence.push(evidenceOf(ctx.open.published?.ref ?? ctx.open.ref, 'reachable without the proxy'));
      if (fw.settings.maxIpsCount?.ref) evidence.push(evidenceOf(fw.settings.maxIpsCount.ref, 'maxIpsCount'));
      // ctx.host/ctx.protocol/ctx.origin reads take what a client wrote where it reaches the app, or where a proxy in
      // front passes its own header on (the chain's request-reads fact).
      evidence.push(...forgedReadsEvidence(fw, forgeable(facts, fw, ctx, ctx.open !== undefined || !reachKnown)));
      out.push(
        finding(meta, {
          severity,
          message: `Koa app in ${fw.file}: ${message}`,
          evidence,
          why: 'Koa has no notion of trusted proxy addresses: with app.proxy every peer may set the scheme (ctx.protocol, ctx.secure), the host used for links (ctx.host) and the client address (ctx.ip is the first entry of X-Forwarded-For after maxIpsCount). A client that reaches the app directly claims https; through the proxy it still prepends a fake address unless maxIpsCount is 1.',
          fix: {
            description: `Resolve with @proxyproof/forwarded, trusting only the proxy (${trust}); or bind the app to 127.0.0.1 (or keep it off published ports) and set app.maxIpsCount = 1.`,
            file: fw.file,
            line: fw.trustProxy?.ref?.line,
            lines: [
              ...forwardedSnippet('koa', trust),
              '// or: app.proxy = true only with app.maxIpsCount = 1 and a loopback-only listen()',
            ],
          },
          data: { framework: 'koa', maxIpsCount: maxIps, directlyReachable: ctx.open !== undefined },
        }),
      );
    }
    return out;
  },
};
