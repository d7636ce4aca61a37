/**
 * probe/client-ip-spoofable: a forged X-Forwarded-For (or Forwarded for=) is echoed back as the
 * client's address — the app (or a middleware) believes any peer about who the client is. The forged list has
 * two addresses, so an app that picks one (left-most or right-most) differs from a page echoing the raw header.
 */
import type { CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import type { ProbeFacts } from '../../probe/types.js';
import { echoes, echoFinding, FORGED_VALUES, PROBE_REFS, type ProbeCheck, pairs } from './common.js';

const meta: CheckMeta = {
  id: 'probe/client-ip-spoofable',
  severity: 'medium',
  title: 'The backend believes a forged client address (X-Forwarded-For)',
  summary: 'A forged X-Forwarded-For / Forwarded for= sent straight to the app is echoed back as the client address.',
  references: [PROBE_REFS.gunicornForwarded, PROBE_REFS.uvicornProxy, PROBE_REFS.expressTrustProxy, PROBE_REFS.rfc7239],
};

function run(facts: ProbeFacts): Finding[] {
  // The backend URL first, then each path `--client-ip-path` named (where the app shows the address; `/` may only
  // redirect): one finding, at the first URL that echoes a forged address.
  for (const p of pairs(facts, 'client')) {
    // Either forged address reported on its own (the raw header values sent, echoed verbatim, do not count).
    const forged = [FORGED_VALUES.ip, FORGED_VALUES.ip2];
    const where = echoes(p.forged, forged, Object.values(p.ex.sent));
    const shown = forged.filter((ip) => echoes(p.forged, ip, Object.values(p.ex.sent)).length > 0);
    const found = echoFinding(meta, facts, p, {
      where,
      forged,
      says: `reports the forged client address ${shown.join(' and ') || FORGED_VALUES.ip}`,
      bodyValues: shown,
      why: 'Rate limits, allow-lists, audit logs and "login from a new address" checks keyed on the client address can be bypassed or poisoned by anyone who reaches the app port directly.',
    });
    if (found.length > 0) return found;
  }
  return [];
}

export const clientIpSpoofable: ProbeCheck = { meta, run };
