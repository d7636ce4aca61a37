/**
 * k8s/loadbalancer-client-ip-snat: a Service of type LoadBalancer behind an L4 cloud load balancer
 * (no X-Forwarded-For, no proxy protocol) with the default `externalTrafficPolicy: Cluster`. kube-proxy
 * then SNATs the traffic to the node's address: the pods (an nginx that terminates TLS itself, an app)
 * never see the client IP.
 */
import { lbKind } from '../../collectors/kube/lb.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { INGRESS_DOCS } from '../ingress-nginx/common.js';
import { ev } from '../proxy/common.js';

const meta: CheckMeta = {
  id: 'k8s/loadbalancer-client-ip-snat',
  severity: 'medium',
  title: 'An L4 LoadBalancer Service hides the client address (externalTrafficPolicy: Cluster)',
  summary:
    'With the default Cluster policy kube-proxy SNATs to the node IP; an L4 LB adds no X-Forwarded-For, so the pods never learn the client IP.',
  references: [INGRESS_DOCS.k8sSourceIp],
};

export const k8sLoadBalancerClientIpSnat: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const s of facts.kube?.services ?? []) {
      if (s.type !== 'LoadBalancer' || s.externalTrafficPolicy?.value === 'Local') continue;
      const k = lbKind(s);
      if (k.layer !== 'l4' || k.proxyProtocol || k.tlsAtLb) continue;
      if (!s.ports.some((p) => p.port === 443 || p.port === 80)) continue;
      out.push(
        finding(meta, {
          message: `Service ${s.name} is a LoadBalancer (${k.provider}, L4) without externalTrafficPolicy: Local: kube-proxy replaces the client address with a node's, and nothing carries the original one`,
          evidence: [ev(s.ref, 'externalTrafficPolicy defaults to Cluster')],
          why: 'An L4 load balancer forwards TCP without headers; with the Cluster policy the node forwards to a pod on any node after SNAT. Logs, rate limits, IP allow-lists and X-Forwarded-For built by the pod all carry a node address.',
          fix: {
            description: 'Preserve the source address.',
            file: s.ref.file,
            line: s.ref.line,
            lines: ['externalTrafficPolicy: Local'],
            placement: 'after',
          },
        }),
      );
    }
    return out;
  },
};
