/** ingress-nginx references and helpers: its settings and the Service (cloud LB) in front of it. */
import type { Facts } from '../../model/facts.js';
import type { Fix } from '../../model/finding.js';
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

/**
 * The controller settings to check: every controller ConfigMap / Helm `controller.config` in the tree, else, when the
 * controller itself is deployed here (a workload with its image, its chart's values) but nothing configures it, one
 * entry with no settings: every option has its version's default (`defaults`).
 */
export function controllerSettings(facts: Facts): Array<IngressSettings & { defaults?: boolean }> {
  const kube = facts.kube;
  if (!kube) return [];
  if (kube.ingressNginx.length) return kube.ingressNginx;
  const c = kube.ingressNginxController;
  return c ? [{ ref: c.ref, settings: {}, defaults: true }] : [];
}

/**
 * The fix for a controller nothing configures (`controllerSettings`' `defaults` entry): a new `config:` with `entry`
 * (`use-forwarded-headers: "true"`) under Helm's `controller:`, in the file's own indentation; for a workload, whose
 * ConfigMap is not in the tree, advice naming the ConfigMap its `--configmap` flag reads.
 */
export function defaultsFix(facts: Facts, at: IngressSettings, entry: string, description: string): Fix {
  const c = facts.kube?.ingressNginxController;
  if (c?.helm)
    return {
      description,
      file: c.ref.file,
      line: c.ref.line,
      lines: [`${c.helm.indent}config:`, `${c.helm.indent}${c.helm.step}${entry}`],
      placement: 'after',
    };
  const where = c?.configMapFlag
    ? `create the one its --configmap flag names (${c.configMapFlag})`
    : "create one and pass it with the controller's --configmap=<namespace>/<name> flag";
  return {
    description: `${description} No controller ConfigMap is in the tree: ${where}, with ${entry} in its data.`,
    file: at.ref.file,
    line: at.ref.line,
  };
}
