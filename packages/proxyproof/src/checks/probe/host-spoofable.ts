/**
 * probe/host-spoofable: a forged X-Forwarded-Host (or Forwarded host=) shows up in the backend's
 * answer — a redirect, an absolute URL, a cookie — where the baseline had no trace of it.
 */
import type { CheckMeta } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import type { ProbeFacts } from '../../probe/types.js';
import { echoes, echoFinding, FORGED_VALUES, PROBE_REFS, type ProbeCheck, pair } from './common.js';

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
  // Only where the name is used as a host: in a URL (`//name`), a Location or a cookie Domain. A page that
  // merely echoes the raw request headers (a debug view) shows the value without building anything from it.
  const asHost = `//${FORGED_VALUES.host}`;
  const where = [
    ...echoes(p.forged, asHost),
    ...(p.forged.setCookies.some((c) => new RegExp(`domain=\\.?${FORGED_VALUES.host.replace(/\./g, '\\.')}`, 'i').test(c))
      ? ['a Set-Cookie Domain']
      : []),
  ];
  return echoFinding(meta, facts, p, {
    where,
    forged: FORGED_VALUES.host,
    says: `uses the forged host ${FORGED_VALUES.host}`,
    bodyValues: [asHost],
    why: "An app that takes its host from a header anyone can send builds password-reset links, redirects and absolute URLs for an attacker's domain (host header poisoning), and caches may store the poisoned page.",
  });
}

export const hostSpoofable: ProbeCheck = { meta, run };
