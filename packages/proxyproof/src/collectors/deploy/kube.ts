/**
 * Kubernetes manifests as deployment facts (plain manifests and Helm templates, read rendered by the shared
 * template reader): the containers of workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob,
 * Pod) with the argv they run (`command` replaces the image's ENTRYPOINT, `args` its CMD), their literal `env`
 * and the lines of both; and the entries that route outside traffic in (Ingress, Gateway API routes and
 * Gateways, Traefik IngressRoute, OpenShift Route) with the line that makes them end TLS.
 * Pure parsing: the deploy collector turns containers into AppServerFacts.
 */
import type { Node } from 'yaml';
import { at, get, obj, type YDoc, yaml, yamlDocs } from '../proxy/yaml.js';

export interface KubeContainerRaw {
  name: string;
  image?: string;
  imageLine?: number;
  line: number;
  /** command + args as Kubernetes passes them; undefined when neither is written (the image's own CMD runs). */
  argv?: string[];
  /** `command` is written: it replaces the image's ENTRYPOINT (its start-up scripts do not run). */
  command?: true;
  /** Lines spanned by the command/args values (the server's own line is searched for in them). */
  argvLines?: [number, number];
  env: Record<string, { value: string; line: number }>;
  /** `env` entries whose value comes from elsewhere (valueFrom): unknown unless `valueFrom` finds it in the tree. */
  envFrom: string[];
  /**
   * Where each `valueFrom` entry's value is: a ConfigMap's key (`configMapKeyRef`), a Secret's (`secretKeyRef`: never
   * in the files we read), or the pod's own field/resource (`fieldRef`, `resourceFieldRef`: known only at run time).
   */
  valueFrom: Record<string, EnvValueFrom>;
  /** envFrom sources (configMapRef / secretRef names). */
  envSources: Array<{ kind: 'configMap' | 'secret'; name: string; line: number }>;
  envKey?: { line: number; itemIndent?: string };
  ports: number[];
  /**
   * ConfigMap keys mounted as files (`volumeMounts` of a pod `volumes:` entry with `configMap:` or a projected
   * `configMap` source): the keys the container sees (`items:` narrows them, a `subPath` picks one), by ConfigMap.
   */
  configMapMounts: Array<{
    configMap: string;
    keys?: string[];
    mountPath: string;
    line: number;
    /** Mounted with `subPath`: `mountPath` is the one file itself, not a folder. */
    subPath?: boolean;
    /** `items:` that give a key another file name in the folder (key -> path). */
    paths?: Record<string, string>;
  }>;
}

export interface EnvValueFrom {
  line: number;
  kind: 'configMap' | 'secret' | 'field';
  /** The ConfigMap or Secret named. */
  name?: string;
  key?: string;
  /** `optional: true`: a missing ConfigMap or key leaves the variable unset instead of stopping the pod. */
  optional?: boolean;
}

export interface KubeWorkloadRaw {
  kind: string;
  name: string;
  line: number;
  hostNetwork: boolean;
  containers: KubeContainerRaw[];
}

export interface KubeEntryRaw {
  kind: string;
  name: string;
  line: number;
  /** The `kind:` line: where the object is declared. */
  kindLine: number;
  tlsLine?: number;
}

export interface KubeConfigMapRaw {
  name: string;
  data: Record<string, { value: string; line: number }>;
}

export interface KubeManifest {
  workloads: KubeWorkloadRaw[];
  entries: KubeEntryRaw[];
  configMaps: KubeConfigMapRaw[];
}

const POD_SPEC: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  // Argo Rollouts and Knative Services carry a pod template too.
  Rollout: ['spec', 'template', 'spec'],
};

const ENTRY_KINDS = new Set(['Ingress', 'HTTPRoute', 'GRPCRoute', 'Gateway', 'IngressRoute', 'Route']);

/** A quick test before YAML parsing: only files that declare one of these kinds are read. */
export function looksLikeKubeManifest(text: string): boolean {
  return /^\s*kind:\s*["']?(Pod|Deployment|StatefulSet|DaemonSet|ReplicaSet|ReplicationController|Job|CronJob|Rollout|Ingress|HTTPRoute|GRPCRoute|Gateway|IngressRoute|Route|ConfigMap)\b/m.test(
    text,
  );
}

function lineOfNode(doc: YDoc, n: Node | null | undefined): number {
  return n?.range ? doc.lines.linePos(n.range[0]).line : 0;
}

function endLineOfNode(doc: YDoc, n: Node | null | undefined): number {
  return n?.range ? doc.lines.linePos(Math.max(n.range[0], n.range[1] - 1)).line : 0;
}

function strList(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((x) => (x === null || x === undefined ? '' : String(x)));
}

function container(doc: YDoc, base: Array<string | number>, raw: Record<string, unknown>, lines: string[]): KubeContainerRaw {
  const c: KubeContainerRaw = {
    name: String(raw.name ?? ''),
    image: typeof raw.image === 'string' ? raw.image : undefined,
    imageLine: at(doc, [...base, 'image'])?.keyLine,
    line: at(doc, base)?.line ?? 0,
    env: {},
    envFrom: [],
    valueFrom: {},
    envSources: [],
    ports: [],
    configMapMounts: [],
  };
  const command = strList(raw.command);
  const args = strList(raw.args);
  if (command || args) {
    c.argv = [...(command ?? []), ...(args ?? [])];
    if (command) c.command = true;
    const nodes = ['command', 'args'].map((k) => at(doc, [...base, k])).filter((x) => x !== undefined);
    const first = Math.min(...nodes.map((n) => n.keyLine));
    const last = Math.max(...nodes.map((n) => endLineOfNode(doc, n.node)));
    c.argvLines = [first, Math.max(first, last)];
  }
  const env = raw.env;
  const envAt = at(doc, [...base, 'env']);
  if (envAt) {
    const key: KubeContainerRaw['envKey'] = { line: envAt.keyLine };
    if (yaml().isSeq(envAt.node) && envAt.node.items.length > 0) {
      const l = lineOfNode(doc, envAt.node.items[0] as Node);
      const text = lines[l - 1] ?? '';
      const m = /^(\s*)-\s/.exec(text);
      if (m) key.itemIndent = m[1];
    }
    c.envKey = key;
  }
  if (Array.isArray(env))
    env.forEach((item, i) => {
      const o = obj(item);
      if (!o || typeof o.name !== 'string') return;
      const line = at(doc, [...base, 'env', i])?.line ?? envAt?.keyLine ?? c.line;
      if (o.value !== undefined && o.value !== null) c.env[o.name] = { value: String(o.value), line };
      else if (o.valueFrom !== undefined) {
        c.envFrom.push(o.name);
        const vf = obj(o.valueFrom);
        const cm = obj(vf?.configMapKeyRef);
        const sec = obj(vf?.secretKeyRef);
        const ref = cm ?? sec;
        c.valueFrom[o.name] = {
          line,
          kind: cm ? 'configMap' : sec ? 'secret' : 'field',
          ...(ref && typeof ref.name === 'string' ? { name: ref.name } : {}),
          ...(ref && typeof ref.key === 'string' ? { key: ref.key } : {}),
          ...(ref?.optional === true ? { optional: true } : {}),
        };
      } else c.env[o.name] = { value: '', line };
    });
  if (Array.isArray(raw.envFrom))
    raw.envFrom.forEach((item, i) => {
      const o = obj(item);
      if (!o) return;
      const line = at(doc, [...base, 'envFrom', i])?.line ?? c.line;
      const cm = obj(o.configMapRef);
      const sec = obj(o.secretRef);
      if (cm && typeof cm.name === 'string') c.envSources.push({ kind: 'configMap', name: cm.name, line });
      if (sec && typeof sec.name === 'string') c.envSources.push({ kind: 'secret', name: sec.name, line });
    });
  if (Array.isArray(raw.ports))
    for (const p of raw.ports) {
      const n = Number(obj(p)?.containerPort);
      if (Number.isInteger(n)) c.ports.push(n);
    }
  return c;
}

/** A ConfigMap of the tree as the lookups see it (the file it is in, shown as the user named it). */
export interface TreeConfigMap {
  name: string;
  data: Record<string, { value: string; line: number }>;
  file: string;
}

/** What an `env` entry's `valueFrom` gives, as the files tell it. */
export type ValueFromResult =
  | { value: string; line: number; file: string; configMap: string }
  /** The variable is not set (an `optional` reference to a key the ConfigMap does not hold). */
  | { unset: true; why: string }
  | { unknown: string };

/**
 * The value of a `valueFrom` entry: a `configMapKeyRef` to a ConfigMap the tree holds (one of that name, or several
 * that agree on the key: a kustomize base and its overlays) gives that key's value, as the kubelet puts it in the
 * container's environment. A Secret, a field/resource reference, a ConfigMap the files do not hold, several that
 * disagree, or a key it lacks (the pod would not start unless `optional`) stay unknown, and say why. `same` matches
 * a name that is a template (`{{ include "x.fullname" . }}-config`).
 */
export function valueFromConfigMap(
  ref: EnvValueFrom,
  configMaps: readonly TreeConfigMap[],
  same: (a: string, b: string) => boolean = (a, b) => a === b,
): ValueFromResult {
  if (ref.kind === 'secret')
    return { unknown: `from Secret ${ref.name ?? '?'}${ref.key ? ` key ${ref.key}` : ''}: a Secret's value is not in the files` };
  if (ref.kind === 'field' || !ref.name || !ref.key)
    return { unknown: 'from the pod itself (fieldRef/resourceFieldRef): known only at run time' };
  const name = ref.name;
  const exact = configMaps.filter((c) => c.name === name);
  const cms = exact.length > 0 ? exact : configMaps.filter((c) => same(c.name, name));
  if (cms.length === 0) return { unknown: `from ConfigMap ${name}, which is not among the linted files` };
  const key = ref.key;
  const hits = cms.map((c) => ({ c, e: c.data[key] }));
  if (hits.every((h) => h.e === undefined))
    return ref.optional
      ? { unset: true, why: `ConfigMap ${name} has no key ${key} (optional: the variable is not set)` }
      : { unknown: `ConfigMap ${name} has no key ${key} in the files (the pod would not start with it)` };
  const first = hits[0];
  if (!first?.e || hits.some((h) => h.e?.value !== first.e?.value))
    return { unknown: `ConfigMap ${name} is written ${cms.length} times with different values of ${key}` };
  return { value: first.e.value, line: first.e.line, file: first.c.file, configMap: first.c.name };
}

/** A ConfigMap a pod volume carries, with the `items:` it narrows to (key -> file name in the volume); all keys when unset. */
interface ConfigMapSource {
  configMap: string;
  items?: Array<{ key: string; path: string }>;
}

/** Pod `volumes:` that carry ConfigMaps (`configMap:` or `projected.sources[].configMap`), by volume name. */
function configMapVolumes(spec: Record<string, unknown>): Map<string, ConfigMapSource[]> {
  const out = new Map<string, ConfigMapSource[]>();
  const sourceOf = (cm: Record<string, unknown> | undefined): ConfigMapSource | undefined => {
    if (!cm || typeof cm.name !== 'string') return undefined;
    if (!Array.isArray(cm.items)) return { configMap: cm.name };
    const items = cm.items
      .map((i) => obj(i))
      .filter((i) => i !== undefined && typeof i.key === 'string')
      .map((i) => ({ key: String(i?.key), path: String(i?.path ?? i?.key) }));
    return { configMap: cm.name, items };
  };
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    const o = obj(v);
    if (!o || typeof o.name !== 'string') continue;
    const list: ConfigMapSource[] = [];
    const direct = sourceOf(obj(o.configMap));
    if (direct) list.push(direct);
    const projected = obj(o.projected);
    for (const src of Array.isArray(projected?.sources) ? projected.sources : []) {
      const s = sourceOf(obj(obj(src)?.configMap));
      if (s) list.push(s);
    }
    if (list.length) out.set(o.name, list);
  }
  return out;
}

/** The container's mounts of ConfigMap volumes, with the keys it sees (a `subPath` mounts one file of the volume). */
function mountsOf(
  doc: YDoc,
  base: Array<string | number>,
  raw: Record<string, unknown>,
  volumes: Map<string, ConfigMapSource[]>,
): KubeContainerRaw['configMapMounts'] {
  const out: KubeContainerRaw['configMapMounts'] = [];
  const mounts = Array.isArray(raw.volumeMounts) ? raw.volumeMounts : [];
  mounts.forEach((m, i) => {
    const o = obj(m);
    if (!o || typeof o.name !== 'string') return;
    const line = at(doc, [...base, 'volumeMounts', i])?.line ?? 0;
    const subPath = typeof o.subPath === 'string' && o.subPath !== '' ? o.subPath : undefined;
    for (const src of volumes.get(o.name) ?? []) {
      let keys = src.items?.map((x) => x.key);
      // A subPath is a file name in the volume: the item mapped to it, else the key of that name.
      if (subPath) keys = src.items ? src.items.filter((x) => x.path === subPath).map((x) => x.key) : [subPath];
      const renamed = src.items?.filter((x) => x.path !== x.key) ?? [];
      out.push({
        configMap: src.configMap,
        ...(keys ? { keys } : {}),
        mountPath: String(o.mountPath ?? ''),
        line,
        ...(subPath ? { subPath: true } : {}),
        ...(renamed.length > 0 && !subPath ? { paths: Object.fromEntries(renamed.map((x) => [x.key, x.path])) } : {}),
      });
    }
  });
  return out;
}

/** Reads every document of a manifest file; undefined when it is not YAML. */
export function parseKubeManifest(text: string): KubeManifest | undefined {
  const docs = yamlDocs(text);
  if (!docs) return undefined;
  const lines = text.split(/\r?\n/);
  const out: KubeManifest = { workloads: [], entries: [], configMaps: [] };
  for (const doc of docs) {
    const v = obj(doc.value);
    if (!v || typeof v.kind !== 'string') continue;
    const kind = v.kind;
    const name = String(get(v, ['metadata', 'name']) ?? '');
    const line = at(doc, ['kind'])?.keyLine ?? 1;
    const podPath = POD_SPEC[kind];
    if (podPath) {
      const spec = obj(get(v, podPath));
      if (!spec) continue;
      const w: KubeWorkloadRaw = { kind, name, line, hostNetwork: spec.hostNetwork === true, containers: [] };
      for (const key of ['initContainers', 'containers'] as const) {
        // init containers run to completion before the app starts: they serve nothing.
        if (key === 'initContainers') continue;
        const list = Array.isArray(spec[key]) ? (spec[key] as unknown[]) : [];
        const volumes = configMapVolumes(spec);
        list.forEach((c, i) => {
          const o = obj(c);
          if (!o) return;
          const k = container(doc, [...podPath, key, i], o, lines);
          k.configMapMounts = mountsOf(doc, [...podPath, key, i], o, volumes);
          w.containers.push(k);
        });
      }
      out.workloads.push(w);
    } else if (ENTRY_KINDS.has(kind)) {
      // Route is OpenShift's (route.openshift.io); a Traefik IngressRoute has `tls:` like an Ingress.
      if (kind === 'Route' && !/openshift/.test(String(v.apiVersion ?? ''))) continue;
      const e: KubeEntryRaw = { kind, name, line: at(doc, ['spec'])?.keyLine ?? line, kindLine: line };
      const tls = at(doc, ['spec', 'tls']);
      if (tls) e.tlsLine = tls.keyLine;
      if (kind === 'Gateway') {
        const listeners = get(v, ['spec', 'listeners']);
        if (Array.isArray(listeners)) {
          const i = listeners.findIndex((l) => /^(HTTPS|TLS)$/i.test(String(obj(l)?.protocol ?? '')));
          if (i >= 0) e.tlsLine = at(doc, ['spec', 'listeners', i])?.line;
        }
      }
      out.entries.push(e);
    } else if (kind === 'ConfigMap') {
      const data = obj(v.data);
      if (!data) continue;
      const cm: KubeConfigMapRaw = { name, data: {} };
      for (const [k, val] of Object.entries(data))
        if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean')
          cm.data[k] = { value: String(val), line: at(doc, ['data', k])?.keyLine ?? line };
      out.configMaps.push(cm);
    }
  }
  return out;
}
