/**
 * ingress-nginx/forwarded-headers-at-edge: `use-forwarded-headers: "true"` while the controller's own
 * Service is an L4 load balancer (AWS NLB, Azure/GCP TCP LB) that sets no X-Forwarded-* at all. The
 * controller then passes the client's own X-Forwarded-Proto/-Host/-Port to every backend
 * (`$pass_access_scheme` takes `$http_x_forwarded_proto` in nginx.tmpl) and, with the default
 * `proxy-real-ip-cidr` 0.0.0.0/0, takes the client address from a client-sent X-Forwarded-For.
 */

import { lbKind } from '../../collectors/kube/lb.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { ingressNginxForwardedHeaders } from '../../model/proxy.js';
import { ev } from '../proxy/common.js';
import { controllerServices, controllerSettings, defaultsFix, INGRESS_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'ingress-nginx/forwarded-headers-at-edge',
  severity: 'high',
  title: 'ingress-nginx trusts X-Forwarded-* behind a load balancer that sends none',
  summary:
    'use-forwarded-headers behind an L4 load balancer: only clients can have set those headers, so scheme, host and client IP are spoofable.',
  references: [INGRESS_DOCS.configMap, INGRESS_DOCS.template],
};

const FIX =
  'Remove use-forwarded-headers (the controller is the edge), or enable proxy protocol on both the LB and the controller (use-proxy-protocol) to learn the client address.';

// Before 0.22 nothing written means true: the setting must be written as false (or the controller upgraded).
const FIX_DEFAULT =
  'Set use-forwarded-headers to "false" (before 0.22 it defaults to true; the controller is the edge), or upgrade the controller; enable proxy protocol on both the LB and the controller (use-proxy-protocol) to learn the client address.';

export const ingressForwardedHeadersAtEdge: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const svcs = controllerServices(facts);
    const l7Front = (facts.fronts ?? []).some((f) => f.sends.length > 0 && f.name !== 'none');
    for (const cm of controllerSettings(facts)) {
      const effective = ingressNginxForwardedHeaders(facts.kube, cm);
      // Unset, it is true on a controller older than 0.22: its image tag is then the evidence.
      const s = effective.written ?? (effective.version ? { ...effective.version, value: 'true' } : undefined);
      if (!s || !effective.on || l7Front) continue;
      const l4 = svcs.map((x) => ({ x, k: lbKind(x) })).filter((y) => y.k.layer === 'l4');
      if (l4.length === 0 || l4.length < svcs.length) continue;
      const cidr = cm.settings['proxy-real-ip-cidr'];
      out.push(
        finding(meta, {
          message: `use-forwarded-headers is ${effective.written ? '"true"' : effective.why} but the controller sits behind ${l4.map((y) => `${y.x.name} (${y.k.provider}, L4)`).join(', ')}, which adds no X-Forwarded-* headers: every such header the backends receive was written by the client${cidr ? '' : ' (and with the default proxy-real-ip-cidr 0.0.0.0/0 the client IP too)'}`,
          evidence: [
            ev(s.ref, 'trusts incoming X-Forwarded-*'),
            ...l4.flatMap((y) => [ev(y.x.ref, 'L4 load balancer in front'), ...y.k.why.map((r) => ev(r))]),
          ],
          why: 'With use-forwarded-headers ingress-nginx forwards the incoming X-Forwarded-Proto/-Host/-Port unchanged instead of its own view. An L4 load balancer passes the TCP stream without those headers, so only a client could have set them: it can claim https, any host, any IP.',
          fix: cm.defaults
            ? defaultsFix(facts, cm, 'use-forwarded-headers: "false"', FIX_DEFAULT)
            : {
                description: FIX,
                file: effective.written ? s.ref.file : cm.ref.file,
                line: effective.written ? s.ref.line : cm.ref.line,
                lines: [`${effective.written ? '' : (cm.indent ?? '  ')}use-forwarded-headers: "false"`],
                placement: effective.written ? 'replace' : 'after',
              },
        }),
      );
    }
    return out;
  },
};
