/**
 * The cloud and PaaS fronts' table (what each sends, where it connects from) and the fronts an Ingress's class
 * creates. Apart from the front collector (collector.ts) so that the analysis, the chain and the checks use
 * them without loading that collector when no front's file is linted (issue 10: start-up).
 */
import type { Ref } from '../../chain/model.js';
import type { FrontFacts, FrontKind, FrontName, KubeIngress } from '../../model/proxy.js';

/**
 * The addresses Cloudflare's proxy connects to an origin from: its published lists, https://www.cloudflare.com/ips-v4
 * and https://www.cloudflare.com/ips-v6 (linked from developers.cloudflare.com/fundamentals/concepts/cloudflare-ip-addresses).
 * Looked up 2026-12-07 through two copies that track them: rezmoss/cloud-provider-ip-addresses
 * `cloudflare/*_allow.conf` ("Updated: 2026-02-11", regenerated daily from those URLs) and MISP's warning list
 * `lists/cloudflare/list.json` (version 20221024): both the same 15 IPv4 and 7 IPv6 ranges, in Cloudflare's order.
 * Older copies have 104.16.0.0/12, which covers 104.16.0.0/13 and 104.24.0.0/14. A Cloudflare Tunnel does not
 * connect from these ranges but from cloudflared's own host (cloudflared.ts).
 */
export const CLOUDFLARE_RANGES: string[] = [
  '173.245.48.0/20',
  '103.21.244.0/22',
  '103.22.200.0/22',
  '103.31.4.0/22',
  '141.101.64.0/18',
  '108.162.192.0/18',
  '190.93.240.0/20',
  '188.114.96.0/20',
  '197.234.240.0/22',
  '198.41.128.0/17',
  '162.158.0.0/15',
  '104.16.0.0/13',
  '104.24.0.0/14',
  '172.64.0.0/13',
  '131.0.72.0/22',
  '2400:cb00::/32',
  '2606:4700::/32',
  '2803:f800::/32',
  '2405:b500::/32',
  '2405:8100::/32',
  '2a06:98c0::/29',
  '2c0f:f248::/32',
];

/**
 * What each front sends upstream and where it connects from (provider documentation). `xffOwnEntry`: the front
 * appends a second X-Forwarded-For entry after the client's, its own address (Fly: "the last address in this
 * list will be a shared or dedicated IP address assigned to your app", fly.io/docs/networking/request-headers;
 * Google's load balancers: `<client-ip>,<load-balancer-ip>`, cloud.google.com/load-balancing/docs/https), so an
 * app must trust two entries to reach the client. The address stands for that documented entry.
 */
export const FRONTS: Record<
  FrontKind,
  { terminatesTls: boolean; sends: string[]; ranges: string[]; what: string; xffOwnEntry?: string }
> = {
  'aws-alb': {
    terminatesTls: true,
    sends: ['X-Forwarded-Proto', 'X-Forwarded-For', 'X-Forwarded-Port'],
    ranges: [],
    what: 'AWS Application Load Balancer',
  },
  'aws-nlb': { terminatesTls: false, sends: [], ranges: [], what: 'AWS Network Load Balancer (L4: no headers)' },
  'gcp-lb': {
    terminatesTls: true,
    sends: ['X-Forwarded-Proto', 'X-Forwarded-For'],
    ranges: ['130.211.0.0/22', '35.191.0.0/16'],
    what: 'Google Cloud external HTTP(S) load balancer (Google Front Ends)',
    xffOwnEntry: '192.0.2.80',
  },
  'azure-appgw': {
    terminatesTls: true,
    sends: ['X-Forwarded-Proto', 'X-Forwarded-For', 'X-Original-Host'],
    ranges: [],
    what: 'Azure Application Gateway',
  },
  cloudflare: {
    terminatesTls: true,
    sends: ['X-Forwarded-Proto', 'CF-Visitor', 'CF-Connecting-IP', 'X-Forwarded-For'],
    ranges: CLOUDFLARE_RANGES,
    what: 'Cloudflare proxy',
  },
  fly: {
    terminatesTls: true,
    sends: ['X-Forwarded-Proto', 'X-Forwarded-For', 'Fly-Client-IP'],
    ranges: [],
    what: "Fly.io's proxy",
    xffOwnEntry: '192.0.2.81',
  },
  heroku: {
    terminatesTls: true,
    sends: ['X-Forwarded-Proto', 'X-Forwarded-For', 'X-Forwarded-Port'],
    ranges: [],
    what: 'the Heroku router',
  },
  render: { terminatesTls: true, sends: ['X-Forwarded-Proto', 'X-Forwarded-For'], ranges: [], what: "Render's proxy" },
  railway: { terminatesTls: true, sends: ['X-Forwarded-Proto', 'X-Forwarded-For'], ranges: [], what: "Railway's proxy" },
  'cloud-run': {
    terminatesTls: true,
    sends: ['X-Forwarded-Proto', 'X-Forwarded-For'],
    ranges: [],
    what: 'Google Cloud Run front end',
  },
  none: { terminatesTls: false, sends: [], ranges: [], what: 'no front: the proxy or app is the edge' },
  // --behind-tls-lb: what any TLS-ending HTTP balancer sends (the scheme and the client address); its ranges unknown.
  'tls-lb': {
    terminatesTls: true,
    sends: ['X-Forwarded-Proto', 'X-Forwarded-For'],
    ranges: [],
    what: 'TLS load balancer (--behind-tls-lb)',
  },
};

/** A front as messages name it: its `--front` name, or what `--behind-tls-lb` declared. */
export function frontName(f: Pick<FrontFacts, 'name'>): string {
  return f.name === 'tls-lb' ? 'the TLS load balancer (--behind-tls-lb)' : f.name;
}

export function front(name: FrontName, evidence: Ref[], why: string): FrontFacts {
  const f = FRONTS[name];
  return { name, origin: 'inferred', evidence, terminatesTls: f.terminatesTls, sends: f.sends, ranges: f.ranges, why };
}

/**
 * Cloud load balancers that an Ingress's class creates (called by the kube collector once it read the Ingresses):
 * GKE's `gce`/`gce-internal` class is Google's HTTP(S) load balancer, AWS Load Balancer Controller's
 * `alb` an ALB, AGIC's `azure/application-gateway` an Application Gateway. Each is an L7 proxy that sends
 * X-Forwarded-Proto/-For; it ends TLS when the Ingress gives it a certificate.
 */
export function ingressFronts(ingresses: KubeIngress[]): FrontFacts[] {
  const out: FrontFacts[] = [];
  for (const ing of ingresses) {
    const cls = ing.className?.value ?? '';
    const keys = Object.keys(ing.annotations);
    const has = (prefix: string) => keys.some((k) => k.startsWith(prefix));
    let name: FrontName | undefined;
    let certs: string[] = [];
    if (/^gce(-internal)?$/.test(cls)) {
      name = 'gcp-lb';
      certs = ['networking.gke.io/managed-certificates', 'ingress.gcp.kubernetes.io/pre-shared-cert'];
    } else if (cls === 'alb' || has('alb.ingress.kubernetes.io/')) {
      name = 'aws-alb';
      certs = ['alb.ingress.kubernetes.io/certificate-arn'];
    } else if (cls === 'azure/application-gateway' || has('appgw.ingress.kubernetes.io/')) {
      name = 'azure-appgw';
      certs = ['appgw.ingress.kubernetes.io/appgw-ssl-certificate'];
    }
    if (!name) continue;
    const cert = certs.map((k) => ing.annotations[k]?.ref).find(Boolean) ?? ing.tls;
    const listenHttps = /HTTPS/.test(ing.annotations['alb.ingress.kubernetes.io/listen-ports']?.value ?? '');
    const f = front(
      name,
      [ing.className?.ref ?? ing.ref, ...(cert ? [cert] : [])],
      `${ing.name}: the ${cls || name} Ingress class creates ${FRONTS[name].what}${cert || listenHttps ? ', which ends TLS' : ''}`,
    );
    f.terminatesTls = Boolean(cert || listenHttps);
    out.push(f);
  }
  return out;
}
