/**
 * front/tls-ends-at-front: the tree shows a cloud/PaaS front that ends TLS (Fly's proxy, Heroku's router,
 * an Elastic Beanstalk or Terraform ALB) in front of an app found in the same tree. Context for the app's
 * own findings: the app only learns https from the front's X-Forwarded-Proto, so its server/framework must
 * trust that header from the front.
 */
import { FRONTS } from '../../collectors/front/fronts.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { ev } from '../proxy/common.js';

const meta: CheckMeta = {
  id: 'front/tls-ends-at-front',
  severity: 'low',
  title: 'TLS ends at a cloud/PaaS front: the app sees plain HTTP',
  summary:
    'A load balancer or PaaS router ends TLS before the app; the app must read X-Forwarded-Proto from it to know requests are https.',
  references: [
    'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html',
    'https://fly.io/docs/networking/request-headers/',
    'https://devcenter.heroku.com/articles/http-routing#heroku-headers',
  ],
};

export const frontTlsEndsAtFront: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const hasApp = facts.appServers.length > 0 || facts.frameworks.length > 0;
    if (!hasApp) return out;
    for (const f of facts.fronts ?? []) {
      if (!f.terminatesTls || f.origin !== 'inferred') continue;
      out.push(
        finding(meta, {
          message: `${FRONTS[f.name].what} ends TLS in front of the app (${f.why}); it sends ${f.sends.join(', ')}: the app server and framework must take the scheme from X-Forwarded-Proto and trust it from the front only`,
          evidence: f.evidence.map((r) => ev(r, `inferred: ${f.name}`)),
          why: "Behind a TLS-terminating front the app receives plain HTTP. Unless the app server or framework trusts the front's X-Forwarded-Proto, it builds http:// URLs, rejects CSRF origins and drops secure cookies.",
          fix: {
            description:
              "Configure the app side to trust the front's forwarded headers (see the app server and framework findings), or declare the front with --front.",
          },
          data: { front: f.name },
        }),
      );
    }
    return out;
  },
};
