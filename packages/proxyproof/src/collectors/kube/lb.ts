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
  if (azure || s.type === 'LoadBalancer')
    return { layer: 'l4', tlsAtLb: false, proxyProtocol: false, provider: azure ? 'azure-lb' : 'cloud-lb', why };
  return { layer: 'unknown', tlsAtLb: false, proxyProtocol: false, provider: 'unknown', why };
}
