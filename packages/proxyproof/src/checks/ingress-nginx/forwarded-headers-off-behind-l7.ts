/**
 * ingress-nginx/forwarded-headers-off-behind-l7: the controller's Service is an L7 load balancer that
 * ends TLS and sends X-Forwarded-Proto (AWS classic ELB with `aws-load-balancer-backend-protocol: http`
 * and an ACM certificate), but the controller ConfigMap does not set `use-forwarded-headers: "true"`.
 * Since 0.22 that option defaults to false: ingress-nginx replaces the ELB's X-Forwarded-Proto https with
 * its own `http`, and `force-ssl-redirect` loops.
 */

import { lbKind } from '../../collectors/kube/lb.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { ingressNginxForwardedHeaders } from '../../model/proxy.js';
import { ev } from '../proxy/common.js';
import { controllerServices, controllerSettings, defaultsFix, INGRESS_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'ingress-nginx/forwarded-headers-off-behind-l7',
  severity: 'high',
  title: "ingress-nginx overwrites the L7 load balancer's X-Forwarded-Proto",
  summary:
    'Behind a TLS-terminating L7 LB without use-forwarded-headers, ingress-nginx sends X-Forwarded-Proto http for HTTPS requests.',
  references: [INGRESS_DOCS.configMap, INGRESS_DOCS.changelog022, INGRESS_DOCS.awsL7],
};

const FIX = "Trust the L7 load balancer's headers in the controller ConfigMap (and limit proxy-real-ip-cidr to the VPC).";

export const ingressForwardedHeadersOffBehindL7: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const l7 = controllerServices(facts)
      .map((x) => ({ x, k: lbKind(x) }))
      .filter((y) => y.k.layer === 'l7' && y.k.tlsAtLb);
    if (l7.length === 0) return out;
    // Several copies of the controller ConfigMap (a base manifest and a provider patch): the one next to
    // the L7 Service is the one deployed with it.
    const dir = (f: string) => f.replace(/[^/]*$/, '');
    const all = controllerSettings(facts);
    const near = all.filter((cm) => l7.some((y) => dir(y.x.ref.file) === dir(cm.ref.file)));
    for (const cm of near.length ? near : all) {
      const s = cm.settings['use-forwarded-headers'];
      const effective = ingressNginxForwardedHeaders(facts.kube, cm);
      if (effective.on) continue;
      const at = s?.ref ?? cm.ref;
      out.push(
        finding(meta, {
          message: `${l7.map((y) => y.x.name).join(', ')} is a TLS-terminating L7 load balancer (${l7[0]?.k.provider}) but use-forwarded-headers is ${effective.why}: the controller replaces the LB's X-Forwarded-Proto https with http`,
          evidence: [
            ev(
              at,
              s
                ? 'use-forwarded-headers off'
                : cm.defaults
                  ? 'the controller: no ConfigMap configures it here'
                  : 'no use-forwarded-headers here',
            ),
            ...(effective.version && !s ? [ev(effective.version.ref, `ingress-nginx ${effective.version.value}`)] : []),
            ...l7.flatMap((y) => [
              ev(y.x.ref, 'L7 LB, TLS ends here'),
              ...y.k.why.map((r) => ev(r)),
              ...y.x.ports.filter((p) => p.port === 443).map((p) => ev(p.ref, `443 -> targetPort ${p.targetPort}`)),
            ]),
          ],
          why: 'ingress-nginx sees plain HTTP from the ELB; without use-forwarded-headers it ignores the X-Forwarded-Proto the ELB set and sends its own $scheme (http) upstream. Apps then build http:// URLs and force-ssl-redirect redirects forever.',
          fix: cm.defaults
            ? defaultsFix(facts, cm, 'use-forwarded-headers: "true"', FIX)
            : {
                description: FIX,
                file: at.file,
                line: at.line,
                lines: [`${cm.indent ?? '  '}use-forwarded-headers: "true"`],
                placement: s ? 'replace' : 'after',
              },
        }),
      );
    }
    return out;
  },
};
