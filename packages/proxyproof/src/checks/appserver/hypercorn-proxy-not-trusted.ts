/**
 * hypercorn/proxy-not-trusted: hypercorn never reads X-Forwarded-* itself; behind a proxy the app
 * needs hypercorn.middleware.ProxyFixMiddleware (0.15+) or its framework's own setting.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { pyServers, REFS } from './common.js';
import { ev, peerEvidence, proxyPeers } from './context.js';

const meta: CheckMeta = {
  id: 'hypercorn/proxy-not-trusted',
  severity: 'medium',
  title: "hypercorn ignores the proxy's X-Forwarded-* (no ProxyFixMiddleware)",
  summary: 'hypercorn behind a proxy with no ProxyFixMiddleware and no framework-level scheme header: the app sees http.',
  references: [REFS.hypercornProxy, REFS.djangoProxySsl],
};

export const hypercornProxyNotTrusted: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const fixed = facts.frameworks.some(
      (f) =>
        /ProxyFixMiddleware|ProxyHeadersMiddleware|ProxyFix/.test(JSON.stringify(f.trustProxy?.value ?? '')) ||
        (f.kind === 'django' && f.schemeHeader?.value),
    );
    if (fixed) return out;
    for (const { s, index } of pyServers(facts, 'hypercorn')) {
      const peers = proxyPeers(facts, s);
      if (peers.length === 0) continue;
      out.push(
        finding(meta, {
          message: `hypercorn serves the app behind ${peers[0]?.what}, but nothing turns X-Forwarded-Proto into the ASGI scheme`,
          evidence: [ev(s.launch, 'hypercorn started here'), ...peers.slice(0, 1).flatMap(peerEvidence)],
          why: 'hypercorn takes scope["scheme"] and scope["client"] from its own connection. Behind a TLS-terminating proxy every request is http from the proxy address unless the app is wrapped in ProxyFixMiddleware.',
          fix: {
            description: 'Wrap the ASGI app: app = ProxyFixMiddleware(app, mode="legacy", trusted_hops=1).',
            lines: [
              'from hypercorn.middleware import ProxyFixMiddleware',
              'app = ProxyFixMiddleware(app, mode="legacy", trusted_hops=1)',
            ],
          },
          data: { appServer: index },
        }),
      );
    }
    return out;
  },
};
