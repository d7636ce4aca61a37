/**
 * probe/client-ip-spoofable: a forged X-Forwarded-For (or Forwarded for=) is echoed back as the
 * client's address — the app (or a middleware) believes any peer about who the client is.
 */
import type { CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import type { ProbeFacts } from '../../probe/types.js';
import {
  echoes,
  FORGED_VALUES,
  finding,
  LOCAL_NOTE,
  localOnly,
  NOT_MECHANICAL,
  PROBE_REFS,
  type ProbeCheck,
  pair,
  sideBySide,
  spoofSeverity,
} from './common.js';

const meta: CheckMeta = {
  id: 'probe/client-ip-spoofable',
  severity: 'medium',
  title: 'The backend believes a forged client address (X-Forwarded-For)',
  summary: 'A forged X-Forwarded-For / Forwarded for= sent straight to the app is echoed back as the client address.',
  references: [PROBE_REFS.gunicornForwarded, PROBE_REFS.uvicornProxy, PROBE_REFS.expressTrustProxy, PROBE_REFS.rfc7239],
};

function run(facts: ProbeFacts): Finding[] {
  const p = pair(facts, 'client');
  if (!p) return [];
  const where = echoes(p.forged, FORGED_VALUES.ip);
  if (where.length === 0 || echoes(p.base, FORGED_VALUES.ip).length > 0) return [];
  return [
    finding(meta, {
      severity: spoofSeverity(facts, meta.severity),
      message: `${facts.backend}${facts.fromNetns ? ` (from ${facts.fromNetns})` : ''} reports the forged client address ${FORGED_VALUES.ip} in ${where.join(', ')}.${localOnly(facts) ? LOCAL_NOTE : ''}`,
      evidence: sideBySide(facts, p),
      why: 'Rate limits, allow-lists, audit logs and "login from a new address" checks keyed on the client address can be bypassed or poisoned by anyone who reaches the app port directly.',
      fix: { description: NOT_MECHANICAL },
      data: { where },
    }),
  ];
}

export const clientIpSpoofable: ProbeCheck = { meta, run };
