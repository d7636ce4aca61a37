/**
 * ingress-nginx/tls-at-l4-lb: an AWS NLB terminates TLS (`aws-load-balancer-ssl-cert` on an NLB) and
 * forwards port 443 to the controller's plain HTTP port. An NLB adds no X-Forwarded-Proto, so the
 * controller sees http and tells every backend the request was http — unless proxy protocol carries
 * nothing about TLS either. Only re-encrypting to the controller's https port keeps the scheme.
 */
import { lbKind } from '../../collectors/kube/lb.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { ev } from '../proxy/common.js';
import { controllerServices, INGRESS_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'ingress-nginx/tls-at-l4-lb',
  severity: 'high',
  title: 'TLS ends at an L4 load balancer that forwards plain HTTP to ingress-nginx',
  summary:
    'The NLB ends TLS and sends http to the controller with no X-Forwarded-Proto: backends see http for every HTTPS request.',
  references: [INGRESS_DOCS.awsNlbTls, INGRESS_DOCS.configMap],
};

export const ingressTlsAtL4Lb: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const s of controllerServices(facts)) {
      const k = lbKind(s);
      if (k.layer !== 'l4' || !k.tlsAtLb) continue;
      const p = s.ports.find((x) => x.port === 443 && /^(http|80|8080)$/i.test(x.targetPort));
      if (!p) continue;
      out.push(
        finding(meta, {
          message: `${s.name}: the ${k.provider} terminates TLS and forwards 443 to the controller's ${p.targetPort} port; an L4 LB sends no X-Forwarded-Proto, so ingress-nginx tells the backends http for HTTPS requests`,
          evidence: [ev(p.ref, `443 -> targetPort ${p.targetPort}`), ev(s.ref, 'L4 load balancer'), ...k.why.map((r) => ev(r))],
          why: 'ingress-nginx computes the scheme from its own connection ($scheme) unless it trusts forwarded headers; an NLB forwards bytes and adds none. Trusting X-Forwarded-* there would only trust clients.',
          fix: {
            description:
              "Forward 443 to the controller's https port (TLS passthrough / re-encrypt) or put an L7 load balancer (ALB) in front; with an NLB that must end TLS, set a fixed X-Forwarded-Proto https for the 443 listener port via a server-snippet on a dedicated port.",
            file: p.ref.file,
            line: p.ref.line,
            lines: ['https: https'],
            placement: 'replace',
          },
        }),
      );
    }
    return out;
  },
};
