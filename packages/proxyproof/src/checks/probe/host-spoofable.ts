/**
 * probe/host-spoofable: a forged X-Forwarded-Host (or Forwarded host=) shows up in the backend's
 * answer — a redirect, an absolute URL, a cookie — where the baseline had no trace of it.
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
  id: 'probe/host-spoofable',
  severity: 'high',
  title: 'The backend builds URLs from a forged X-Forwarded-Host',
  summary: 'A forged X-Forwarded-Host / Forwarded host= sent straight to the app appears in its redirects, links or cookies.',
  references: [PROBE_REFS.djangoForwardedHost, PROBE_REFS.expressTrustProxy, PROBE_REFS.rfc7239, PROBE_REFS.owaspHostHeader],
};

function run(facts: ProbeFacts): Finding[] {
  const p = pair(facts, 'host');
  if (!p) return [];
  const where = echoes(p.forged, FORGED_VALUES.host);
  if (where.length === 0 || echoes(p.base, FORGED_VALUES.host).length > 0) return [];
  return [
    finding(meta, {
      severity: spoofSeverity(facts, meta.severity),
      message: `${facts.backend}${facts.fromNetns ? ` (from ${facts.fromNetns})` : ''} uses the forged host ${FORGED_VALUES.host} in ${where.join(', ')}.${localOnly(facts) ? LOCAL_NOTE : ''}`,
      evidence: sideBySide(facts, p),
      why: "An app that takes its host from a header anyone can send builds password-reset links, redirects and absolute URLs for an attacker's domain (host header poisoning), and caches may store the poisoned page.",
      fix: { description: NOT_MECHANICAL },
      data: { where },
    }),
  ];
}

export const hostSpoofable: ProbeCheck = { meta, run };
