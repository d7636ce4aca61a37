/**
 * What a Node app needs to know from Kubernetes/OpenShift manifests in the tree: the containers that run it
 * (image, the environment they get, where `env:` is written) and the routes that end TLS in front of it
 * (OpenShift Route `tls.termination: edge|reencrypt`, Ingress with `tls:`, Traefik IngressRoute with `tls:`).
 * Read with `yaml` (all documents, LineCounter for lines); a file that does not parse is left to the others.
 */
import { basename } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';
import type { CollectContext } from '../../model/collector.js';
import type { SourceRef } from '../../model/facts.js';

export interface KubeContainer {
  /** Workload kind and name (`Deployment admin`). */
  workload: string;
  name: string;
  image?: string;
  /** The container's `env:` key line, else its `name:` line. */
  ref: SourceRef;
  env: Record<string, { value?: string; ref: SourceRef }>;
  /** `envFrom:` entries (ConfigMaps/Secrets not in view) make any variable possible. */
  envFrom?: SourceRef;
}

export interface KubeEdge {
  what: string;
  /** The route/rule that sends traffic to the app (the Route's `termination:` line). */
  ref: SourceRef;
  /** The `tls:` key, where TLS is said to end (Ingress, IngressRoute). */
  tlsRef?: SourceRef;
}

export interface NodeKubeFacts {
  containers: KubeContainer[];
  edges: KubeEdge[];
}

const WORKLOADS = /^(Deployment|StatefulSet|DaemonSet|DeploymentConfig|Job|CronJob|Pod)$/;

export function readKube(ctx: CollectContext): NodeKubeFacts {
  const out: NodeKubeFacts = { containers: [], edges: [] };
  for (const f of ctx.files) {
    if (!/\.ya?ml$/i.test(f.abs) || f.size > 512 * 1024) continue;
    if (/^(docker-compose|compose|pnpm-lock|\.gitlab-ci)/i.test(basename(f.abs))) continue;
    const text = ctx.read(f).toString('utf8');
    if (
      !/^\s*(-\s*)?kind:\s*(Deployment|StatefulSet|DaemonSet|DeploymentConfig|Route|Ingress|IngressRoute|Pod|Job|CronJob)\b/m.test(
        text,
      )
    )
      continue;
    const lc = new LineCounter();
    let docs: ReturnType<typeof parseAllDocuments>;
    try {
      docs = parseAllDocuments(text, { lineCounter: lc });
    } catch {
      continue;
    }
    const lines = text.split(/\r?\n/);
    const at = (n: Node | null | undefined): SourceRef => {
      const line = n?.range ? lc.linePos(n.range[0]).line : 1;
      return { file: f.display, line, snippet: (lines[line - 1] ?? '').trim() };
    };
    const keyRef = (map: Node | null | undefined, key: string): SourceRef | undefined => {
      if (!isMap(map)) return undefined;
      const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
      return pair ? at(pair.key as Node) : undefined;
    };
    const docList = Array.isArray(docs) ? docs : [docs];
    for (const doc of docList) {
      if (doc.errors.length > 0) continue;
      const root = doc.contents as Node | null;
      // OpenShift Templates (and Lists) hold objects under `objects:` / `items:`.
      const objects: Node[] = [];
      const k0 = isMap(root) ? root.get('kind') : undefined;
      if (isMap(root) && (k0 === 'Template' || k0 === 'List')) {
        const items = root.get(k0 === 'Template' ? 'objects' : 'items', true);
        if (isSeq(items)) for (const it of items.items) objects.push(it as Node);
      } else if (root) objects.push(root);
      for (const o of objects) {
        if (!isMap(o)) continue;
        const kind = String(o.get('kind') ?? '');
        const name = String((o.getIn(['metadata', 'name']) as string | undefined) ?? '?');
        if (kind === 'Route') {
          const term = o.getIn(['spec', 'tls', 'termination']);
          if (term === 'edge' || term === 'reencrypt')
            out.edges.push({
              what: `OpenShift Route ${name} ends TLS at the router (termination: ${term})`,
              ref: at(o.getIn(['spec', 'tls', 'termination'], true) as Node),
            });
          continue;
        }
        if (kind === 'Ingress' || kind === 'IngressRoute') {
          const tls = o.getIn(['spec', 'tls'], true) as Node | undefined;
          if (!tls) continue;
          const routes = o.getIn(['spec', kind === 'Ingress' ? 'rules' : 'routes'], true);
          const first = isSeq(routes) ? (routes.items[0] as Node) : tls;
          out.edges.push({
            what: `${kind === 'Ingress' ? 'Ingress' : 'Traefik IngressRoute'} ${name} ends TLS in front of the app`,
            ref: at(first),
            tlsRef: keyRef(o.get('spec', true) as Node, 'tls') ?? at(tls),
          });
          continue;
        }
        if (!WORKLOADS.test(kind)) continue;
        const spec =
          kind === 'Pod'
            ? o.get('spec', true)
            : kind === 'CronJob'
              ? o.getIn(['spec', 'jobTemplate', 'spec', 'template', 'spec'], true)
              : o.getIn(['spec', 'template', 'spec'], true);
        if (!isMap(spec)) continue;
        const containers = spec.get('containers', true);
        if (!isSeq(containers)) continue;
        for (const c of containers.items) {
          if (!isMap(c)) continue;
          const env: KubeContainer['env'] = {};
          const envSeq = c.get('env', true);
          if (isSeq(envSeq))
            for (const e of envSeq.items) {
              if (!isMap(e)) continue;
              const n = e.get('name');
              if (typeof n !== 'string') continue;
              const v = e.get('value');
              env[n] = { ref: at(e as Node), ...(v !== undefined && v !== null ? { value: String(v) } : {}) };
            }
          const cont: KubeContainer = {
            workload: `${kind} ${name}`,
            name: String(c.get('name') ?? '?'),
            ref: keyRef(c as Node, 'env') ?? keyRef(c as Node, 'name') ?? at(c as Node),
            env,
          };
          const image = c.get('image');
          if (typeof image === 'string') cont.image = image;
          const ef = keyRef(c as Node, 'envFrom');
          if (ef) cont.envFrom = ef;
          out.containers.push(cont);
        }
      }
    }
  }
  return out;
}

/** The container that runs the package `pkgName` (`@org/admin`) from folder `dirName` (`admin`), by image name. */
export function containerFor(k: NodeKubeFacts, names: string[]): KubeContainer | undefined {
  const wanted = new Set(names.filter(Boolean).map((n) => n.toLowerCase()));
  const byImage = k.containers.filter((c) => {
    const last = (c.image ?? '').split('/').pop()?.split(/[:@]/)[0]?.toLowerCase() ?? '';
    return wanted.has(last) || wanted.has(c.name.toLowerCase());
  });
  if (byImage.length === 1) return byImage[0];
  return k.containers.length === 1 ? k.containers[0] : undefined;
}
