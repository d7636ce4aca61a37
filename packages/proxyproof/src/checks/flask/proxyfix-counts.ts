/**
 * flask/proxyfix-counts: ProxyFix hop counts that do not match the proxies in front: x_proto=0
 * (scheme never taken) or counts larger than the proxies seen (the extra values are client-forged).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { REFS } from '../appserver/common.js';
import { ev } from '../appserver/context.js';
import { flaskApps, forwardedForDepth, hasProxyFix, proxiesSeen, proxiesToCount } from './common.js';

const meta: CheckMeta = {
  id: 'flask/proxyfix-counts',
  severity: 'medium',
  title: 'ProxyFix counts do not match the proxies in front of the app',
  summary: 'x_proto=0 ignores the scheme; a count larger than the number of proxies trusts values a client wrote.',
  references: [REFS.werkzeugProxyFix, REFS.flaskProxies],
};

export const proxyfixCounts: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const proxies = proxiesSeen(facts);
    const depth = forwardedForDepth(facts);
    for (const fw of flaskApps(facts)) {
      if (!hasProxyFix(fw) || !fw.hopCounts || fw.hopCounts.origin === 'unknown') continue;
      const c = fw.hopCounts.value;
      const problems: string[] = [];
      let severity = meta.severity;
      if (c.x_proto === 0)
        problems.push('x_proto=0: X-Forwarded-Proto is never applied, so the app sees http behind a TLS-terminating proxy');
      if (proxies > 0) {
        const over = Object.entries(c).filter(([, n]) => n > proxies);
        if (over.length > 0) {
          problems.push(
            `${over.map(([k, n]) => `${k}=${n}`).join(', ')} while ${proxies} proxy is seen in front: the ${over.length > 1 ? 'values' : 'value'} beyond the first hop come${over.length > 1 ? '' : 's'} from the client and can be forged`,
          );
          if (over.some(([k]) => k === 'x_for' || k === 'x_proto' || k === 'x_host')) severity = 'high';
        }
      }
      // Fewer than the proxies that append: the right-most entry it takes is a proxy's own address (every client
      // looks like the edge proxy to rate limits and logs).
      if (depth !== undefined && depth > 1 && c.x_for !== undefined && c.x_for > 0 && c.x_for < depth)
        problems.push(
          `x_for=${c.x_for} while ${depth} proxies append to X-Forwarded-For: request.remote_addr is a proxy's address, not the client's`,
        );
      if (problems.length === 0) continue;
      out.push(
        finding(meta, {
          severity,
          message: problems.join('; '),
          evidence: [
            ev(
              fw.hopCounts.ref,
              `ProxyFix(${Object.entries(c)
                .map(([k, n]) => `${k}=${n}`)
                .join(', ')})`,
            ),
          ],
          why: 'ProxyFix takes the N-th value from the right of each X-Forwarded-* header. With N larger than the number of proxies that append to it, it reads a value the client sent; with N=0 it ignores the header.',
          fix: {
            description: `Set each count to the number of proxies that set that header (${depth !== undefined && depth > 1 ? `x_for=${depth}: that many proxies append to X-Forwarded-For` : 'usually 1'}).`,
            file: fw.hopCounts.ref?.file,
            line: fw.hopCounts.ref?.line,
            lines: [
              `app.wsgi_app = ProxyFix(app.wsgi_app, x_for=${Math.max(1, depth ?? proxiesToCount(facts))}, x_proto=1, x_host=1)`,
            ],
          },
          data: { counts: c, proxiesSeen: proxies },
        }),
      );
    }
    return out;
  },
};
