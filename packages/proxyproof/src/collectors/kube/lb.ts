/**
 * A Service's cloud load balancer, from its annotations. Apart from the collector so that the checks and the
 * chain that ask it do not load the Kubernetes collector (and its YAML reader) when no manifest is linted.
 */
import type { Ref } from '../../chain/model.js';
import type { KubeFacts } from '../../model/proxy.js';

type Svc = KubeFacts['services'][number];

/** What the cloud load balancer of a Service is, from its annotations. */
export function lbKind(s: Svc): {
  layer: 'l4' | 'l7' | 'unknown';
  tlsAtLb: boolean;
  proxyProtocol: boolean;
  provider: string;
  why: Ref[];
} {
  const a = s.annotations;
  const val = (k: string) => a[k]?.value;
  const why: Ref[] = [];
  const pick = (k: string) => {
    if (a[k]) why.push(a[k].ref);
  };
  const awsType = val('service.beta.kubernetes.io/aws-load-balancer-type');
  const backend = val('service.beta.kubernetes.io/aws-load-balancer-backend-protocol');
  const cert = val('service.beta.kubernetes.io/aws-load-balancer-ssl-cert');
  const pp = val('service.beta.kubernetes.io/aws-load-balancer-proxy-protocol');
  const azure = Object.keys(a).some((k) => k.startsWith('service.beta.kubernetes.io/azure-'));
  // GKE: a LoadBalancer Service is a passthrough Network Load Balancer (L4) whatever its annotations: TLS ends at a
  // Google load balancer only through an Ingress or a Gateway (GKE "About LoadBalancer Services").
  const gcp = Object.keys(a).some((k) => k.startsWith('cloud.google.com/') || k.startsWith('networking.gke.io/'));
  // DigitalOcean's cloud controller: `do-loadbalancer-protocol` tcp (default) or http/https/http2/http3 (L7, with
  // X-Forwarded-Proto); a `do-loadbalancer-certificate-id` (or `-certificate-name`) ends TLS on the TLS ports (443 by
  // default) unless `do-loadbalancer-tls-passthrough` is true (digitalocean-cloud-controller-manager annotations.md).
  const doKeys = Object.keys(a).filter((k) => k.startsWith('service.beta.kubernetes.io/do-loadbalancer-'));
  if (doKeys.length > 0) {
    const protocol = (val('service.beta.kubernetes.io/do-loadbalancer-protocol') ?? 'tcp').toLowerCase();
    const certKey = [
      'service.beta.kubernetes.io/do-loadbalancer-certificate-id',
      'service.beta.kubernetes.io/do-loadbalancer-certificate-name',
    ].find((k) => val(k));
    const passthrough = /^true$/i.test(val('service.beta.kubernetes.io/do-loadbalancer-tls-passthrough') ?? '');
    const l7 = /^(https?|http2|http3)$/.test(protocol);
    pick('service.beta.kubernetes.io/do-loadbalancer-protocol');
    if (certKey) pick(certKey);
    const ppDo = /^true$/i.test(val('service.beta.kubernetes.io/do-loadbalancer-enable-proxy-protocol') ?? '');
    return { layer: l7 ? 'l7' : 'l4', tlsAtLb: Boolean(certKey) && !passthrough, proxyProtocol: ppDo, provider: 'do-lb', why };
  }
  if (awsType && /nlb|external/i.test(awsType)) {
    pick('service.beta.kubernetes.io/aws-load-balancer-type');
    pick('service.beta.kubernetes.io/aws-load-balancer-ssl-cert');
    return { layer: 'l4', tlsAtLb: Boolean(cert), proxyProtocol: Boolean(pp), provider: 'aws-nlb', why };
  }
  if (backend && /^https?$/i.test(backend)) {
    pick('service.beta.kubernetes.io/aws-load-balancer-backend-protocol');
    pick('service.beta.kubernetes.io/aws-load-balancer-ssl-cert');
    pick('service.beta.kubernetes.io/aws-load-balancer-ssl-ports');
    return { layer: 'l7', tlsAtLb: Boolean(cert), proxyProtocol: false, provider: 'aws-elb', why };
  }
  if (cert || Object.keys(a).some((k) => k.startsWith('service.beta.kubernetes.io/aws-'))) {
    pick('service.beta.kubernetes.io/aws-load-balancer-ssl-cert');
    return { layer: 'l4', tlsAtLb: Boolean(cert), proxyProtocol: Boolean(pp), provider: 'aws-elb', why };
  }
  if (azure || gcp || s.type === 'LoadBalancer')
    return { layer: 'l4', tlsAtLb: false, proxyProtocol: false, provider: azure ? 'azure-lb' : gcp ? 'gcp-lb' : 'cloud-lb', why };
  return { layer: 'unknown', tlsAtLb: false, proxyProtocol: false, provider: 'unknown', why };
}
