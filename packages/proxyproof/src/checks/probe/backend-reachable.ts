/**
 * probe/backend-reachable: the app port answers HTTP from where the probe ran. From the proxy's own host
 * over loopback that is expected (info); from anywhere else every other check of the probe applies to
 * whoever sits there.
 */
import type { CheckMeta } from '../../model/check.js';
import type { Finding, Severity } from '../../model/finding.js';
import type { ProbeFacts } from '../../probe/types.js';
import { exchange, finding, PROBE_REFS, type ProbeCheck, summary } from './common.js';

const meta: CheckMeta = {
  id: 'probe/backend-reachable',
  severity: 'medium',
  title: 'The app port answers without going through the proxy',
  summary: 'A plain-HTTP request straight to the backend gets an answer from where the probe ran.',
  references: [PROBE_REFS.gunicornForwarded, 'https://docs.docker.com/reference/compose-file/services/#ports'],
};

function loopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

function run(facts: ProbeFacts): Finding[] {
  const base = exchange(facts, 'baseline')?.response;
  if (!facts.reachable.ok || !base) return [];
  const host = new URL(facts.backend).hostname;
  const local = loopback(host) && !facts.fromNetns;
  const severity: Severity = local ? 'info' : meta.severity;
  return [
    finding(meta, {
      severity,
      message: local
        ? `${facts.backend} answers over loopback (HTTP ${base.status}): only processes on this host reach it, as for a proxy on the same host.`
        : `${facts.backend} answers HTTP ${base.status} ${facts.fromNetns ? `from ${facts.fromNetns}` : 'from this host'}: clients there reach the app without the proxy (no TLS, no proxy rules).`,
      evidence: [
        {
          file: facts.backend,
          line: 0,
          source: 'live',
          note: `baseline (Host: ${facts.hostHeader})`,
          snippet: summary(base, facts.hostHeader),
        },
      ],
      why: 'Whatever reaches the app server directly skips the proxy: no TLS, no access rules or rate limits, and if the app trusts forwarded headers from that peer, forged X-Forwarded-Proto/-Host/-For (see the other probe findings).',
      fix: {
        description:
          'Bind the app server to 127.0.0.1, a unix socket, or an address only the proxy reaches (compose: publish as 127.0.0.1:PORT:PORT or use expose:); or firewall the port.',
      },
      data: { status: base.status, from: facts.fromNetns ?? 'this host' },
    }),
  ];
}

export const backendReachable: ProbeCheck = { meta, run };
