/**
 * What a Kubernetes `LoadBalancer` or `NodePort` Service makes public (issue 12, containers and pods): a pod's
 * `0.0.0.0` bind is reached from the cluster network only, unless such a Service selects the pod and targets that
 * port; then clients outside the cluster connect to it directly (the Service forwards L4, no proxy in between).
 * Runs after the deploy collector made the pods' app servers and this collector read the Services: it marks those
 * binds published (`by` names the Service), which `deploy/backend-port-published`, the trust checks and the chain's
 * reach read like a compose `ports:` entry. Ingress controllers' own Services publish the controller, not the app.
 */
import type { Facts } from '../../model/facts.js';

export function publishPodsThroughServices(facts: Facts): void {
  const kube = facts.kube;
  if (!kube?.services.length || !kube.serviceIndex?.length) return;
  const pods = kube.podLabels ?? [];
  for (const svc of kube.services) {
    if (svc.type !== 'LoadBalancer' && svc.type !== 'NodePort') continue;
    if (svc.controller === 'ingress-nginx' || svc.controller === 'traefik' || svc.controller === 'contour') continue;
    const index = kube.serviceIndex.find((s) => s.name === svc.name && s.ref.file === svc.ref.file);
    // Only a literal selector says which pods it reaches (a templated one is unknown: nothing is assumed).
    if (!index || Object.keys(index.selector).length === 0) continue;
    const selected = pods.filter((p) => Object.entries(index.selector).every(([k, v]) => p.labels[k] === v));
    if (selected.length === 0) continue;
    const names = new Set(selected.map((p) => p.workload));
    const containerPort = (target: string): number | undefined => {
      const n = Number(target);
      if (Number.isInteger(n) && n > 0) return n;
      for (const p of selected) {
        const hit = p.ports.find((x) => x.name === target);
        if (hit) return hit.port;
      }
      return undefined;
    };
    for (const a of facts.appServers) {
      if (a.launch.via !== 'k8s' || !a.service || !names.has(a.service)) continue;
      for (const b of a.binds) {
        if (b.kind !== 'tcp' || b.published || b.exposure === 'loopback' || b.port === undefined) continue;
        const port = svc.ports.find((p) => containerPort(p.targetPort) === b.port);
        if (!port) continue;
        b.published = {
          hostIp: '0.0.0.0',
          hostPort: port.port,
          ref: { file: port.ref.file, line: port.ref.line },
          by: `${svc.type} Service ${svc.name}`,
        };
        b.reach = 'network';
      }
    }
  }
}
