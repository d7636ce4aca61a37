/**
 * Kubernetes collector for the front door: Services of type LoadBalancer/NodePort (annotations that make
 * the cloud LB L4 or L7 and where TLS ends, externalTrafficPolicy, port -> targetPort) and ingress-nginx
 * controller settings (the controller ConfigMap's `data`, or `controller.config` / `controller.service` in
 * the Helm chart's values). Helm templates are read rendered (the shared template reader, via ctx.read).
 * Files are read, not claimed: the deploy collector may read the same manifests for app settings.
 */

import type { Ref } from '../../chain/model.js';
import type { Collector } from '../../model/collector.js';
import type { Facts } from '../../model/facts.js';
import { MAX_CONFIG_BYTES } from '../../model/limits.js';
import {
  ingressNginxImageVersion,
  isIngressNginxImage,
  type KubeFacts,
  type KubeIngress,
  type TrustList,
  tagVersion,
} from '../../model/proxy.js';
import { valuesForLines } from '../deploy/helm.js';
import { ingressFronts } from '../front/fronts.js';
import { configName, readText } from '../proxy/common.js';
import { at, get, obj, type YDoc, yamlDocs } from '../proxy/yaml.js';
import { type ContourProxyDoc, type ContourSettings, contourProxyConfigs, contourSettingsOf, isHttpProxy } from './contour.js';
import { ingressNginxChartAppVersion } from './ingress-nginx-chart.js';
import { publishPodsThroughServices } from './reach.js';
import { ingressSnippets } from './snippets.js';

type Svc = KubeFacts['services'][number];

const NGINX_CM = /ingress-nginx|nginx-configuration|nginx-ingress|ingress-controller/i;

/**
 * Which ingress controller a Service fronts, from its name, namespace, labels and selector. Contour's Envoy
 * Service is `envoy` in `projectcontour` (selector `app: envoy`) in Contour's own manifests, `<release>-contour-envoy`
 * (`app.kubernetes.io/component: envoy`) in Bitnami's chart: an `envoy` word counts only beside a `contour` one, so a
 * Service of another Envoy-based gateway (Envoy Gateway, Istio) stays `other`.
 */
function controllerOf(v: Record<string, unknown>): Svc['controller'] {
  const text = JSON.stringify([
    get(v, ['metadata', 'name']),
    get(v, ['metadata', 'namespace']),
    get(v, ['metadata', 'labels']),
    get(v, ['spec', 'selector']),
  ]);
  if (/ingress-nginx|nginx-ingress/i.test(text)) return 'ingress-nginx';
  if (/traefik/i.test(text)) return 'traefik';
  if (/contour/i.test(text) && /envoy/i.test(text)) return 'contour';
  // Heptio Contour before the Envoy split (namespace heptio-contour): Envoy ran in the contour pod and the public
  // Service was `contour` itself (80 -> 8080, 443 -> 8443). Today's `contour` Service is the xDS one (ClusterIP :8001).
  const spec = obj(v.spec) ?? {};
  const web = Array.isArray(spec.ports) && spec.ports.some((p) => [80, 443].includes(Number(get(p, ['port']))));
  if (/contour/i.test(text) && (spec.type === 'LoadBalancer' || spec.type === 'NodePort') && web) return 'contour';
  return 'other';
}

function settingsFrom(
  doc: YDoc,
  path: string[],
  data: Record<string, unknown>,
  file: string,
): Record<string, { value: string; ref: Ref }> {
  const out: Record<string, { value: string; ref: Ref }> = {};
  for (const [k, val] of Object.entries(data)) {
    const line = at(doc, [...path, k])?.keyLine ?? 0;
    out[k] = { value: String(val), ref: { file, line, snippet: `${k}: ${String(val).split('\n')[0]}` } };
  }
  return out;
}

function serviceFrom(
  doc: YDoc,
  file: string,
  path: string[],
  spec: Record<string, unknown>,
  annotations: Record<string, unknown>,
  annPath: string[],
  name: string,
  controller: Svc['controller'],
  ports: Svc['ports'],
): Svc {
  const etp = spec.externalTrafficPolicy;
  return {
    name,
    type: String(spec.type ?? 'LoadBalancer'),
    ref: { file, line: at(doc, path)?.keyLine ?? 0, snippet: `Service ${name}` },
    annotations: settingsFrom(doc, annPath, annotations, file),
    externalTrafficPolicy:
      etp !== undefined
        ? { value: String(etp), ref: { file, line: at(doc, [...path, 'externalTrafficPolicy'])?.keyLine ?? 0 } }
        : undefined,
    ports,
    controller,
  };
}

/** An Ingress manifest: class, annotations, TLS, backends. */
function ingressFrom(doc: YDoc, file: string, v: Record<string, unknown>): KubeIngress {
  const name = String(get(v, ['metadata', 'name']) ?? '');
  const annotations = settingsFrom(doc, ['metadata', 'annotations'], obj(get(v, ['metadata', 'annotations'])) ?? {}, file);
  const spec = obj(v.spec) ?? {};
  const backends: KubeIngress['backends'] = [];
  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  const hosts: string[] = [];
  rules.forEach((r, i) => {
    const host = get(r, ['host']);
    if (typeof host === 'string' && host) hosts.push(host);
    const paths = get(r, ['http', 'paths']);
    if (!Array.isArray(paths)) return;
    paths.forEach((p, j) => {
      const svc = obj(get(p, ['backend', 'service'])) ?? {};
      const port = obj(svc.port) ?? {};
      const legacy = obj(get(p, ['backend'])) ?? {};
      const path = get(p, ['path']);
      backends.push({
        service: String(svc.name ?? legacy.serviceName ?? ''),
        port: String(port.number ?? port.name ?? legacy.servicePort ?? ''),
        ref: { file, line: at(doc, ['spec', 'rules', i, 'http', 'paths', j, 'backend'])?.keyLine ?? 0 },
        ...(typeof path === 'string' ? { path } : {}),
        ...(typeof host === 'string' && host ? { host } : {}),
      });
    });
  });
  return {
    name,
    ref: { file, line: at(doc, ['kind'])?.keyLine || 1, snippet: `Ingress ${name}` },
    className: classOf(doc, ['spec', 'ingressClassName'], spec.ingressClassName, annotations, file),
    annotations,
    tls: tlsRef(doc, ['spec', 'tls'], spec.tls, file),
    fromHelmValues: false,
    backends,
    hosts,
  };
}

/** String labels of a mapping, placeholders (`__tpl_x__`, an unrendered include) left out. */
/** Labels written literally, or filled from a chart's values (`fill`); a label still holding a template is left out. */
function literalLabels(v: unknown, fill: (x: string) => string = (x) => x): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v) ?? {})) {
    if (typeof x !== 'string' && typeof x !== 'number') continue;
    const value = fill(String(x));
    if (!/__tpl_/.test(`${k}${value}`)) out[k] = value;
  }
  return out;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod', 'Job', 'DeploymentConfig']);

/** A workload's pod template labels and container ports (what a Service selects and targets). */
function podLabelsFrom(
  doc: YDoc,
  file: string,
  v: Record<string, unknown>,
  fill?: (x: string) => string,
): NonNullable<KubeFacts['podLabels']>[number] {
  const pod = v.kind === 'Pod' ? v : (obj(get(v, ['spec', 'template'])) ?? {});
  const containers = get(pod, ['spec', 'containers']);
  const ports: Array<{ name?: string; port: number }> = [];
  for (const c of Array.isArray(containers) ? containers : [])
    for (const p of Array.isArray(get(c, ['ports'])) ? (get(c, ['ports']) as unknown[]) : []) {
      const n = Number(get(p, ['containerPort']));
      const name = get(p, ['name']);
      if (Number.isInteger(n)) ports.push({ port: n, ...(typeof name === 'string' ? { name } : {}) });
    }
  const name = String(get(v, ['metadata', 'name']) ?? '');
  return {
    workload: name,
    ref: { file, line: at(doc, ['kind'])?.keyLine || 1, snippet: `${String(v.kind)} ${name}` },
    labels: literalLabels(get(pod, ['metadata', 'labels']), fill),
    ports,
  };
}

/**
 * The ingress-nginx controller a workload runs (its container image, model/proxy.ts INGRESS_NGINX_IMAGE): where it
 * is, the ConfigMap its `--configmap` flag names, and its version when the image tag gives one.
 */
function controllerWorkload(
  doc: YDoc,
  file: string,
  v: Record<string, unknown>,
): { controller: NonNullable<KubeFacts['ingressNginxController']>; version?: KubeFacts['ingressNginxVersion'] } | undefined {
  const path = v.kind === 'Pod' ? ['spec'] : ['spec', 'template', 'spec'];
  const containers = get(v, [...path, 'containers']);
  const list = Array.isArray(containers) ? containers : [];
  for (const [i, c] of list.entries()) {
    const image = get(c, ['image']);
    if (typeof image !== 'string' || !isIngressNginxImage(image)) continue;
    const ref = { file, line: at(doc, [...path, 'containers', i, 'image'])?.line ?? 1, snippet: `image: ${image}` };
    const argv = [get(c, ['command']), get(c, ['args'])].flatMap((a) => (Array.isArray(a) ? a.map(String) : []));
    const k = argv.findIndex((a) => /^--configmap(?:=|$)/.test(a));
    const flag = k < 0 ? undefined : argv[k]?.includes('=') ? argv[k]?.slice('--configmap='.length) : argv[k + 1];
    const version = ingressNginxImageVersion(image);
    return {
      controller: { ref, ...(flag ? { configMapFlag: flag } : {}) },
      ...(version ? { version: { value: version, ref } } : {}),
    };
  }
  return undefined;
}

/**
 * Chart.yaml (and Helm 2's requirements.yaml) facts about ingress-nginx: an umbrella chart's dependency on it (its
 * values then sit under the dependency's alias or name, and its chart version gives the controller's, see
 * ingress-nginx-chart.ts), or the ingress-nginx chart itself vendored into the tree (`name: ingress-nginx` with
 * its `appVersion`). `dir`: the chart's folder; values files in it or below belong to it.
 */
interface IngressChart {
  dir: string;
  /** The values key of an umbrella's dependency (alias, else name); undefined for the chart itself. */
  key?: string;
  version?: { value: string; ref: Ref };
}

function ingressNginxCharts(ctx: Parameters<Collector['collect']>[0]): IngressChart[] {
  const out: IngressChart[] = [];
  for (const f of ctx.files) {
    const name = configName(f.display);
    if ((name !== 'Chart.yaml' && name !== 'requirements.yaml') || f.size > MAX_CONFIG_BYTES) continue;
    const src = readText(ctx, f);
    if (!src || !/ingress-nginx/.test(src)) continue;
    const doc = yamlDocs(src)?.[0];
    const v = obj(doc?.value);
    if (!doc || !v) continue;
    const dir = f.display.replace(/\/?[^/]*$/, '');
    if (v.name === 'ingress-nginx' && (typeof v.appVersion === 'string' || typeof v.appVersion === 'number')) {
      const value = tagVersion(String(v.appVersion));
      const line = at(doc, ['appVersion'])?.keyLine ?? 1;
      out.push({
        dir,
        ...(value ? { version: { value, ref: { file: f.display, line, snippet: `appVersion: ${String(v.appVersion)}` } } } : {}),
      });
    }
    const deps = Array.isArray(v.dependencies) ? v.dependencies : [];
    deps.forEach((d, i) => {
      const o = obj(d);
      if (o?.name !== 'ingress-nginx') return;
      const key = typeof o.alias === 'string' && o.alias ? o.alias : 'ingress-nginx';
      const chart = typeof o.version === 'string' || typeof o.version === 'number' ? String(o.version) : undefined;
      const app = chart ? ingressNginxChartAppVersion(chart) : undefined;
      const line = at(doc, ['dependencies', i, 'version'])?.keyLine ?? at(doc, ['dependencies', i])?.line ?? 1;
      out.push({
        dir,
        key,
        ...(app
          ? {
              version: {
                value: app,
                ref: { file: f.display, line, snippet: `ingress-nginx chart ${chart} (controller ${app})` },
              },
            }
          : {}),
      });
    });
  }
  return out;
}

/** The charts a values file belongs to: those whose folder holds it (at any depth). */
function chartsOf(charts: IngressChart[], file: string): IngressChart[] {
  return charts.filter((c) => c.dir === '' || file === c.dir || file.startsWith(`${c.dir}/`));
}

/**
 * Where ingress-nginx's chart values are in a values document: at the top (`controller:`), or nested under the key
 * an umbrella chart gives its dependency (`ingress-nginx:` or the dependency's `alias`).
 */
function ingressValuesPrefixes(v: Record<string, unknown>, charts: IngressChart[]): string[][] {
  const keys = new Set(['ingress-nginx', ...charts.flatMap((c) => (c.key ? [c.key] : []))]);
  const out = [[], ...[...keys].map((k) => [k])];
  return out.filter((p) => {
    const c = obj(get(v, [...p, 'controller']));
    return c && (obj(c.config) || obj(c.service));
  });
}

function indentOf(src: string, line: number | undefined): { indent?: string } {
  const c = line ? childIndent(src.split('\n'), line) : undefined;
  return c ? { indent: c.indent } : {};
}

/** The indentation of the keys under the mapping at `line` (1-based), and one nesting step; undefined for `{}`. */
function childIndent(lines: string[], line: number): { indent: string; step: string } | undefined {
  const own = /^\s*/.exec(lines[line - 1] ?? '')?.[0] ?? '';
  for (let i = line; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (!l.trim() || /^\s*#/.test(l)) continue;
    const ind = /^\s*/.exec(l)?.[0] ?? '';
    return ind.length > own.length ? { indent: ind, step: ' '.repeat(ind.length - own.length) } : undefined;
  }
  return undefined;
}

function classOf(
  doc: YDoc,
  path: Array<string | number>,
  value: unknown,
  annotations: KubeIngress['annotations'],
  file: string,
): KubeIngress['className'] {
  if (typeof value === 'string' && value) return { value, ref: { file, line: at(doc, path)?.keyLine ?? 0 } };
  const a = annotations['kubernetes.io/ingress.class'];
  return a ? { value: a.value, ref: a.ref } : undefined;
}

function tlsRef(doc: YDoc, path: Array<string | number>, value: unknown, file: string): Ref | undefined {
  return Array.isArray(value) && value.length > 0 ? { file, line: at(doc, path)?.keyLine ?? 0, snippet: 'tls:' } : undefined;
}

/** Helm values' `ingress:` (top level or one level down, `server.ingress`) with `enabled: true`. */
function helmIngresses(doc: YDoc, file: string, v: Record<string, unknown>): KubeIngress[] {
  const out: KubeIngress[] = [];
  const candidates: Array<Array<string>> = [['ingress']];
  for (const [k, x] of Object.entries(v)) if (obj(x) && obj(obj(x)?.ingress)) candidates.push([k, 'ingress']);
  for (const path of candidates) {
    const ing = obj(get(v, path));
    if (!ing || !(ing.enabled === true || ing.enabled === 'true')) continue;
    if (!('annotations' in ing || 'hosts' in ing || 'className' in ing || 'ingressClassName' in ing)) continue;
    const annotations = settingsFrom(doc, [...path, 'annotations'], obj(ing.annotations) ?? {}, file);
    const cls = ing.className !== undefined ? 'className' : 'ingressClassName';
    out.push({
      name: `${path.join('.')} (Helm values)`,
      ref: { file, line: at(doc, path)?.keyLine ?? 1, snippet: `${path.join('.')}:` },
      className: classOf(doc, [...path, cls], ing[cls], annotations, file),
      annotations,
      tls: tlsRef(doc, [...path, 'tls'], ing.tls, file),
      fromHelmValues: true,
      backends: [],
    });
  }
  return out;
}

/** Setting names that hold the app's trusted-proxy list (Mastodon's TRUSTED_PROXY_IP, Laravel's TRUSTED_PROXIES...). */
export const TRUST_LIST_KEY = /^(?:trusted[_-]?prox(?:y|ies)(?:[_-]?(?:ips?|list|cidrs?|ranges?|addresses))?)$/i;

/** Every trusted-proxy setting in a YAML document: mapping keys, and container env `{name, value}` items. */
function trustLists(doc: YDoc, file: string): TrustList[] {
  const out: TrustList[] = [];
  const walk = (v: unknown, path: Array<string | number>, depth: number): void => {
    if (depth > 24 || out.length > 50) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        const o = obj(x);
        if (o && typeof o.name === 'string' && TRUST_LIST_KEY.test(o.name) && typeof o.value === 'string')
          out.push({
            key: o.name,
            raw: o.value,
            ref: { file, line: at(doc, [...path, i])?.line ?? 0, snippet: `${o.name}: ${o.value}` },
            valueAt: { line: at(doc, [...path, i, 'value'])?.keyLine ?? 0, key: 'value' },
          });
        else walk(x, [...path, i], depth + 1);
      });
      return;
    }
    const o = obj(v);
    if (!o) return;
    for (const [k, x] of Object.entries(o)) {
      if (TRUST_LIST_KEY.test(k) && (typeof x === 'string' || typeof x === 'number'))
        out.push({
          key: k,
          raw: String(x),
          ref: { file, line: at(doc, [...path, k])?.keyLine ?? 0, snippet: `${k}: ${x}` },
          valueAt: { line: at(doc, [...path, k])?.keyLine ?? 0, key: k },
        });
      else walk(x, [...path, k], depth + 1);
    }
  };
  walk(doc.value, [], 0);
  return out;
}

/** The cloud load balancers these Ingresses create, as inferred fronts (once per kind and file). */
function addFronts(facts: Facts, ingresses: KubeIngress[]): void {
  for (const x of ingressFronts(ingresses)) {
    facts.fronts ??= [];
    if (facts.fronts.some((f) => f.name === x.name && f.evidence[0]?.file === x.evidence[0]?.file)) continue;
    facts.fronts.push(x);
  }
}

export const kubeCollector: Collector = {
  name: 'kube',
  collect(ctx) {
    const contourDocs: ContourProxyDoc[] = [];
    const contour: ContourSettings = {};
    const charts = ingressNginxCharts(ctx);
    for (const f of ctx.files) {
      const name = configName(f.display);
      if (!/\.ya?ml$/i.test(name) || f.size > MAX_CONFIG_BYTES) continue;
      const src = readText(ctx, f);
      if (
        src === undefined ||
        !/kind:\s*(Service|ConfigMap|Ingress\b|Deployment|StatefulSet|DaemonSet|ReplicaSet|Pod\b|Job\b|DeploymentConfig|HTTPProxy|ContourConfiguration|ContourDeployment)|controller:|ingress:|\benvoy:|trusted[_-]?prox/i.test(
          src,
        )
      )
        continue;
      const docs = yamlDocs(src, (p) => ctx.skip(f, p.message, p.line));
      if (!docs) continue;
      const file = f.display;
      // A chart template's `{{ .Values.x }}` placeholders with values.yaml's defaults (Service names, selectors and
      // pod labels as `helm template` renders them); nothing for a plain manifest.
      let helmValues: Map<string, string> | undefined;
      const fill = (x: string): string => {
        if (!x.includes('__tpl_')) return x;
        helmValues ??= valuesForLines(ctx, f.display, f.abs, 1, Number.MAX_SAFE_INTEGER);
        return x.replace(/__tpl_[A-Za-z0-9_]*__/g, (m) => helmValues?.get(m) ?? m);
      };
      ctx.facts.kube ??= { ingressNginx: [], services: [] };
      const kube = ctx.facts.kube;
      for (const doc of docs) {
        const v = obj(doc.value);
        if (!v) continue;
        const kind = v.kind;
        const trusted = trustLists(doc, file);
        if (trusted.length) {
          kube.trustLists ??= [];
          kube.trustLists.push(...trusted);
        }
        // Contour: HTTPProxy roots become sites once every file is read (they include children by name).
        if (isHttpProxy(v)) {
          const ns = get(v, ['metadata', 'namespace']);
          contourDocs.push({
            file,
            doc,
            value: v,
            name: String(get(v, ['metadata', 'name']) ?? ''),
            ...(typeof ns === 'string' ? { namespace: ns } : {}),
          });
          continue;
        }
        if (contourSettingsOf(doc, file, v, contour)) continue;
        if (kind === 'Ingress') {
          const ing = ingressFrom(doc, file, v);
          const snippets = ingressSnippets(ing, src.split('\n'));
          if (snippets.length) ing.snippets = snippets;
          for (const sn of snippets)
            for (const e of sn.errors)
              ctx.facts.diagnostics.push({
                level: 'warning',
                file,
                line: e.line,
                message: `ingress-nginx ${sn.kind}: ${e.message}`,
              });
          kube.ingresses ??= [];
          kube.ingresses.push(ing);
          addFronts(ctx.facts, [ing]);
          continue;
        }
        if (!kind) {
          const helm = helmIngresses(doc, file, v);
          if (helm.length) {
            kube.ingresses ??= [];
            kube.ingresses.push(...helm);
            addFronts(ctx.facts, helm);
          }
        }
        if (kind === 'ConfigMap') {
          const mname = String(get(v, ['metadata', 'name']) ?? '');
          const labels = JSON.stringify(get(v, ['metadata', 'labels']) ?? {});
          if ((!NGINX_CM.test(mname) && !/ingress-nginx/.test(labels)) || /tcp-services|udp-services/.test(mname)) continue;
          const data = obj(v.data) ?? {};
          kube.ingressNginx.push({
            ref: {
              file,
              line: at(doc, ['data'])?.keyLine || at(doc, ['metadata', 'name'])?.keyLine || 1,
              snippet: `ConfigMap ${mname}`,
            },
            settings: settingsFrom(doc, ['data'], data, file),
            ...indentOf(src, at(doc, ['data'])?.keyLine),
          });
        } else if (typeof kind === 'string' && WORKLOADS.has(kind)) {
          kube.podLabels ??= [];
          kube.podLabels.push(podLabelsFrom(doc, file, v, fill));
          const ctl = controllerWorkload(doc, file, v);
          if (ctl) {
            kube.ingressNginxController ??= ctl.controller;
            kube.ingressNginxVersion ??= ctl.version;
          }
        } else if (kind === 'Service') {
          const spec = obj(v.spec) ?? {};
          const type = String(spec.type ?? 'ClusterIP');
          // A chart's Service is named by its values (`{{ .Values.api.name }}-svc`): the name another template or
          // config uses as the upstream host is the rendered one, with values.yaml's defaults (helm template).
          const sname = fill(String(get(v, ['metadata', 'name']) ?? ''));
          kube.serviceIndex ??= [];
          kube.serviceIndex.push({
            name: sname,
            ref: { file, line: at(doc, ['kind'])?.keyLine || 1, snippet: `Service ${sname}` },
            selector: literalLabels(spec.selector, fill),
            ports: (Array.isArray(spec.ports) ? spec.ports : []).flatMap((p) => {
              const o = obj(p);
              if (!o) return [];
              return [
                {
                  port: fill(String(o.port ?? '')),
                  ...(typeof o.name === 'string' ? { name: o.name } : {}),
                  targetPort: fill(String(o.targetPort ?? o.port ?? '')),
                },
              ];
            }),
          });
          if (type !== 'LoadBalancer' && type !== 'NodePort') continue;
          const ports: Svc['ports'] = [];
          const list = Array.isArray(spec.ports) ? spec.ports : [];
          list.forEach((p, i) => {
            const o = obj(p);
            if (!o) return;
            ports.push({
              port: Number(o.port),
              targetPort: String(o.targetPort ?? o.port),
              ref: {
                file,
                line: at(doc, ['spec', 'ports', i, 'targetPort'])?.keyLine || at(doc, ['spec', 'ports', i])?.line || 0,
              },
            });
          });
          kube.services.push(
            serviceFrom(
              doc,
              file,
              ['spec'],
              spec,
              obj(get(v, ['metadata', 'annotations'])) ?? {},
              ['metadata', 'annotations'],
              String(get(v, ['metadata', 'name']) ?? ''),
              controllerOf(v),
              ports,
            ),
          );
        } else if (!kind && obj(get(v, ['envoy', 'service'])) && (obj(v.contour) || v.configInline !== undefined)) {
          // Bitnami's contour chart values: its Envoy Service (templates/envoy/service.yaml: `<release>-contour-envoy`,
          // type LoadBalancer, 80 -> targetPorts.http `http` (8080), 443 -> targetPorts.https `https` (8443)).
          const svc = obj(get(v, ['envoy', 'service'])) ?? {};
          // `configInline` is Contour's own configuration file (the chart writes it into its ConfigMap).
          const hops = get(v, ['configInline', 'network', 'num-trusted-hops']);
          if (hops !== undefined && contour.numTrustedHops === undefined)
            contour.numTrustedHops = {
              value: Number(hops),
              ref: {
                file,
                line: at(doc, ['configInline', 'network', 'num-trusted-hops'])?.keyLine ?? 0,
                snippet: `num-trusted-hops: ${String(hops)}`,
              },
            };
          if (get(v, ['envoy', 'enabled']) !== false) {
            const tp = obj(svc.targetPorts) ?? {};
            const sp = obj(svc.ports) ?? {};
            const at_ = (k: string) =>
              at(doc, ['envoy', 'service', 'targetPorts', k])?.keyLine ?? at(doc, ['envoy', 'service'])?.keyLine ?? 0;
            const ports: Svc['ports'] = [
              { port: Number(sp.http ?? 80), targetPort: String(tp.http ?? 'http'), ref: { file, line: at_('http') } },
              { port: Number(sp.https ?? 443), targetPort: String(tp.https ?? 'https'), ref: { file, line: at_('https') } },
            ];
            kube.services.push(
              serviceFrom(
                doc,
                file,
                ['envoy', 'service'],
                { type: 'LoadBalancer', ...svc },
                obj(svc.annotations) ?? {},
                ['envoy', 'service', 'annotations'],
                `${typeof svc.name === 'string' && svc.name ? svc.name : 'contour-envoy'} (Helm values)`,
                'contour',
                ports,
              ),
            );
          }
        } else if (!kind) {
          // ingress-nginx Helm values: the chart's own, or an umbrella chart's under its dependency's key.
          for (const P of ingressValuesPrefixes(v, chartsOf(charts, file))) {
            const key = at(doc, [...P, 'controller'])?.keyLine ?? 1;
            const indent = childIndent(src.split('\n'), key);
            kube.ingressNginxController ??= {
              ref: { file, line: key, snippet: [...P, 'controller'].join('.') },
              ...(indent ? { helm: indent } : {}),
            };
            // ingress-nginx Helm values.
            const tag = get(v, [...P, 'controller', 'image', 'tag']);
            const repo = get(v, [...P, 'controller', 'image', 'repository']) ?? get(v, [...P, 'controller', 'image', 'image']);
            const version = typeof tag === 'string' || typeof tag === 'number' ? tagVersion(String(tag)) : undefined;
            if (version && (repo === undefined || ingressNginxImageVersion(`${String(repo)}:${String(tag)}`)))
              kube.ingressNginxVersion ??= {
                value: version,
                ref: {
                  file,
                  line: at(doc, [...P, 'controller', 'image', 'tag'])?.line ?? 1,
                  snippet: `${[...P, 'controller', 'image', 'tag'].join('.')}: ${String(tag)}`,
                },
              };
            const config = obj(get(v, [...P, 'controller', 'config']));
            if (config)
              kube.ingressNginx.push({
                ref: {
                  file,
                  line: at(doc, [...P, 'controller', 'config'])?.keyLine ?? 1,
                  snippet: [...P, 'controller', 'config'].join('.'),
                },
                settings: settingsFrom(doc, [...P, 'controller', 'config'], config, file),
                ...indentOf(src, at(doc, [...P, 'controller', 'config'])?.keyLine),
              });
            const svc = obj(get(v, [...P, 'controller', 'service']));
            if (svc && svc.enabled !== false) {
              const tp = obj(svc.targetPorts) ?? {};
              const ports: Svc['ports'] = [
                {
                  port: 80,
                  targetPort: String(tp.http ?? 'http'),
                  ref: { file, line: at(doc, [...P, 'controller', 'service', 'targetPorts', 'http'])?.keyLine ?? 0 },
                },
                {
                  port: 443,
                  targetPort: String(tp.https ?? 'https'),
                  ref: { file, line: at(doc, [...P, 'controller', 'service', 'targetPorts', 'https'])?.keyLine ?? 0 },
                },
              ];
              kube.services.push(
                serviceFrom(
                  doc,
                  file,
                  [...P, 'controller', 'service'],
                  svc,
                  obj(svc.annotations) ?? {},
                  [...P, 'controller', 'service', 'annotations'],
                  'ingress-nginx-controller (Helm values)',
                  'ingress-nginx',
                  ports,
                ),
              );
            }
          }
        }
      }
    }
    // The controller version an umbrella's Chart.yaml gives (its dependency's chart version), or the vendored chart's
    // appVersion: when no image tag in the values or a workload said it.
    const chartVersion = ctx.facts.kube?.ingressNginxController && charts.find((c) => c.version)?.version;
    if (chartVersion && ctx.facts.kube) ctx.facts.kube.ingressNginxVersion ??= chartVersion;
    if (contourDocs.length) {
      ctx.facts.proxies ??= [];
      ctx.facts.proxies.push(...contourProxyConfigs(contourDocs, contour));
    }
    publishPodsThroughServices(ctx.facts);
  },
};

export { lbKind } from './lb.js';
