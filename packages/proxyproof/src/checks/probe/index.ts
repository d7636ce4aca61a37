/** Every probe check (pure functions of ProbeFacts); not part of lint's ALL_CHECKS. */
import type { Finding } from '../../model/finding.js';
import type { ProbeFacts } from '../../probe/types.js';
import { backendReachable } from './backend-reachable.js';
import { clientIpSpoofable } from './client-ip-spoofable.js';
import type { ProbeCheck } from './common.js';
import { hostSpoofable } from './host-spoofable.js';
import { schemeSpoofable } from './scheme-spoofable.js';

export type { ProbeCheck } from './common.js';

export const PROBE_CHECKS: ProbeCheck[] = [backendReachable, schemeSpoofable, hostSpoofable, clientIpSpoofable];

export function runProbeChecks(facts: ProbeFacts, checks: ProbeCheck[] = PROBE_CHECKS): Finding[] {
  return checks.flatMap((c) => c.run(facts));
}
