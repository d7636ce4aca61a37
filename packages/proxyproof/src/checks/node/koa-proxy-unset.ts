/**
 * koa/proxy-unset: a reverse proxy forwards to a Koa app whose `app.proxy` is false (the default): ctx.protocol is
 * http, ctx.secure false, and `ctx.cookies.set(name, value, { secure: true })` throws "Cannot send secure cookie
 * over unencrypted connection".
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding } from '../../model/finding.js';
import {
  evidenceOf,
  forwardedSnippet,
  frameworksOf,
  NODE_REFS,
  proxyContext,
  recommendedTrust,
  tlsInFront,
  trustClass,
  usesForwardedLib,
} from './common.js';

const meta: CheckMeta = {
  id: 'koa/proxy-unset',
  severity: 'medium',
  title: 'Koa behind a reverse proxy with app.proxy off',
  summary:
    'A reverse proxy forwards to a Koa app whose app.proxy is false: X-Forwarded-Proto is ignored, ctx.secure is false and secure cookies throw.',
  references: [NODE_REFS.koaProxy, NODE_REFS.koaRequest, NODE_REFS.forwarded],
};

export const koaProxyUnset: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of frameworksOf(facts, 'koa')) {
      if (usesForwardedLib(fw) || trustClass(fw) !== 'none') continue;
      const ctx = proxyContext(facts, fw);
      const peer = ctx.peers[0];
      if (!peer && !ctx.weak) continue;
      const trust = recommendedTrust(ctx);
      // No front of the files ends TLS: the site is http, so the ignored X-Forwarded-Proto says http too.
      const plainOnly = !!peer && !ctx.front && !tlsInFront(facts, ctx);
      const evidence: Evidence[] = [
        evidenceOf(
          fw.trustProxy?.ref,
          fw.trustProxy?.origin === 'default' ? 'Koa app created here; app.proxy defaults to false' : 'app.proxy set here',
        ),
      ];
      evidence.push(peer ? peer.evidence : (ctx.weak as Evidence));
      if (ctx.https) evidence.push(ctx.https);
      out.push(
        finding(meta, {
          severity: peer && !plainOnly ? 'medium' : 'low',
          message: `Koa app in ${fw.file}: app.proxy is ${fw.trustProxy?.origin === 'default' ? 'not set (false)' : JSON.stringify(fw.trustProxy?.value)}; ${peer ? peer.what : 'a reverse proxy is configured in the linted files'}, ${plainOnly ? "but no front in the files serves HTTPS: the scheme is http either way today, and ctx.ip is the proxy's address; once TLS ends at the proxy, ctx.protocol is http and ctx.secure false behind it" : 'so ctx.protocol is http and ctx.secure false behind it'}`,
          evidence,
          why: 'Koa reads X-Forwarded-Proto/-Host/-For only when app.proxy is true. Behind a TLS-terminating proxy ctx.protocol stays http: redirects and absolute links come out http://, HTTPS-only middleware loops, and ctx.cookies.set(..., { secure: true }) throws "Cannot send secure cookie over unencrypted connection".',
          fix: {
            description: `Either set app.proxy = true — but Koa then believes X-Forwarded-* from ANY peer (see koa/proxy-all), so the app must be reachable only through the proxy and maxIpsCount should be 1 — or keep app.proxy off and resolve with @proxyproof/forwarded, which trusts only the proxy's address (${trust}).`,
            file: fw.file,
            line: fw.trustProxy?.ref?.line,
            lines: [
              ...forwardedSnippet('koa', trust),
              '// or, only if nothing but the proxy can reach the app:',
              '// app.proxy = true; app.maxIpsCount = 1;',
            ],
          },
          data: { framework: 'koa', proxy: peer?.place ?? 'configured', recommendedTrust: trust },
        }),
      );
    }
    return out;
  },
};
