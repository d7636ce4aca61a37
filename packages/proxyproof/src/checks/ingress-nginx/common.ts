/** ingress-nginx references and helpers: its settings and the Service (cloud LB) in front of it. */
import type { Facts } from '../../model/facts.js';
import type { KubeFacts } from '../../model/proxy.js';

export const INGRESS_DOCS = {
  configMap: 'https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#use-forwarded-headers',
  changelog022: 'https://github.com/kubernetes/ingress-nginx/blob/main/Changelog.md#0220',
  template: 'https://github.com/kubernetes/ingress-nginx/blob/main/rootfs/etc/nginx/template/nginx.tmpl',
  awsNlbTls: 'https://kubernetes.github.io/ingress-nginx/deploy/#tls-termination-in-aws-load-balancer-nlb',
  awsL7: 'https://kubernetes.github.io/ingress-nginx/deploy/#aws',
  k8sSourceIp: 'https://kubernetes.io/docs/tutorials/services/source-ip/#source-ip-for-services-with-typeloadbalancer',
};

export type IngressSettings = KubeFacts['ingressNginx'][number];
export type KubeService = KubeFacts['services'][number];

export function controllerServices(facts: Facts): KubeService[] {
  return (facts.kube?.services ?? []).filter((s) => s.controller === 'ingress-nginx' && s.type === 'LoadBalancer');
}
