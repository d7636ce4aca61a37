/**
 * hypercorn/forwarded-allow-all: ProxyFixMiddleware trusts by hop count, not by peer address, so a
 * hypercorn bind reachable beyond the proxy lets any client set X-Forwarded-Proto / -For.
 */
import { onlyProxiesBeside } from '../../facts/compose-network.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { allowAllSeverity, containerised, containerTrustAllFix, pyServers, REFS, reachText } from './common.js';
import { describeBind, ev } from './context.js';

const meta: CheckMeta = {
  id: 'hypercorn/forwarded-allow-all',
  severity: 'high',
  title: 'hypercorn ProxyFixMiddleware on a port others can reach',
  summary:
    'ProxyFixMiddleware believes X-Forwarded-* from any peer (hop counts only) while hypercorn is reachable beyond the proxy.',
  references: [REFS.hypercornProxy],
};

export const hypercornForwardedAllowAll: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const mw = facts.frameworks.find((f) => /ProxyFixMiddleware/.test(JSON.stringify(f.trustProxy?.value ?? '')));
    if (!mw) return out;
    for (const { s, index } of pyServers(facts, 'hypercorn')) {
      const sev = allowAllSeverity(s, onlyProxiesBeside(facts, index));
      if (!sev) continue;
      out.push(
        finding(meta, {
          severity: sev.severity,
          message: `the app trusts X-Forwarded-* through ProxyFixMiddleware while hypercorn's ${describeBind(sev.bind)} is ${reachText(sev.bind)}`,
          evidence: [
            ev(mw.trustProxy?.ref, 'ProxyFixMiddleware trusts the last hops, whoever sent them'),
            ev(sev.bind.published?.ref ?? sev.bind.ref ?? s.launch, 'reachable bind'),
          ],
          why: 'ProxyFixMiddleware has no address allow-list: a client connecting to hypercorn directly supplies the hop values itself and can claim https or any client IP.',
          fix: containerised(s, sev.bind)
            ? containerTrustAllFix(
                s,
                sev.bind,
                'ProxyFixMiddleware has no address list (it believes the last hops from any peer), so what reaches hypercorn must be only the proxy',
              )
            : {
                description: 'Bind hypercorn to 127.0.0.1 or a unix socket only the proxy reaches (or stop publishing its port).',
              },
          data: { appServer: index, reach: sev.bind.reach },
        }),
      );
    }
    return out;
  },
};
