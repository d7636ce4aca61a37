/**
 * Deployment facts: compose services and their networking, and how far a bind address reaches.
 * Filled by collectors/deploy; read by checks (deploy/, appserver/, django/) and the doctor's chain
 * builder (to link `proxy_pass http://web:8000` to the compose service `web`).
 */
import type { SourceRef, Valued } from './facts.js';

/**
 * Who can connect to a bind:
 * - `loopback`: only processes on the same host (or in the same container) over 127.0.0.1/::1;
 * - `unix`: a unix socket (whoever can open the file; a local proxy);
 * - `fd`: a socket handed over by a supervisor (systemd socket activation): decided elsewhere;
 * - `container-network`: other containers on the same compose/docker network, not the host's interfaces;
 * - `host-loopback`: published on the host's loopback (`127.0.0.1:8000:8000`), plus the container network;
 * - `network`: any machine that can route to the host (0.0.0.0 on a host, or a port published on all interfaces);
 * - `unknown`: depends on something we cannot see (an environment variable without default, `docker run -p`).
 */
export type Reach = 'loopback' | 'unix' | 'fd' | 'container-network' | 'host-loopback' | 'network' | 'unknown';

export interface ComposePort {
  /** Host address the port is published on; '0.0.0.0' when none is written (all interfaces). */
  hostIp: string;
  /** Host port; undefined when docker picks one ("8000" short syntax publishes an ephemeral host port). */
  hostPort?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
  /** As written. */
  raw: string;
  ref: SourceRef;
  /** What publishes it when not compose (`the Podman quadlet web.kube`). */
  by?: string;
}

export interface ComposeService {
  name: string;
  file: string;
  ref: SourceRef;
  image?: string;
  /** Build context folder (relative to the compose file as written) and Dockerfile. */
  /** `target`: the stage of a multi-stage Dockerfile the service's image is (compose `build.target`). */
  build?: { context: string; dockerfile?: string; target?: string };
  /** The command as argv after compose's own splitting (string form split like a shell, without a shell). */
  command?: { argv: string[]; ref: SourceRef };
  entrypoint?: { argv: string[]; ref: SourceRef };
  /** `unresolved`: a compose interpolation of a variable the files do not set (`DOMAIN=${DOMAIN}`): compose makes it
   * empty unless the shell or a `.env` the tree does not hold sets it. */
  environment: Record<
    string,
    { value: string; ref: SourceRef; origin: 'literal' | 'env'; envVar?: string; unresolved?: boolean }
  >;
  /** Host folders (or files) bind-mounted into the container (`volumes: - ./src:/app`): absolute source, container path. */
  binds?: Array<{
    source: string;
    target: string;
    ref: SourceRef;
    /** The source as a display path, like the linted tree's files (`..` first when above the tree). */
    display?: string;
  }>;
  /** The container's whole environment as the deploy collector resolves it: Dockerfile ENV < env_file < environment. */
  runEnv?: Record<string, Valued<string>>;
  /** The `environment:` key, with the indentation of its entries and their form (`- K=v` list or `K: v` map). */
  envKey?: SourceRef & { itemIndent: string; list: boolean };
  envFiles: string[];
  /** The env_file files found in the linted tree (display path, line 1). */
  envFileRefs?: SourceRef[];
  /**
   * The variables of those env_file files (or of their committed templates, `.env.prod-sample` for `.env.prod`): the
   * container's environment below `environment:`, which wins. Read by what routes by a container's environment
   * (nginx-proxy's VIRTUAL_HOST), not merged into `environment` (the checks that edit it edit that key's lines).
   */
  envFileValues?: Record<string, { value: string; ref: SourceRef }>;
  ports: ComposePort[];
  expose: Array<{ port: number; ref: SourceRef }>;
  /** Networks named under `networks:` (empty: the project's default network). */
  networks: string[];
  /** Other names the service answers to on its networks: `container_name`, `hostname`, network `aliases`. */
  aliases?: string[];
  /**
   * Signs that a reverse proxy outside these files routes to the service: Traefik/Caddy labels, nginx-proxy's
   * VIRTUAL_HOST, an external network, a comment of the compose file naming the proxy (each with its line).
   */
  outsideProxy?: Array<{ why: string; ref: SourceRef }>;
  networkMode?: string;
  /** A reverse proxy by its image or build (nginx, caddy, traefik, haproxy, httpd, envoy). */
  role: 'proxy' | 'app' | 'other';
  /**
   * For a service that only names its `image:`: the tree's Dockerfile that builds it and the evidence (a compose
   * service or a CI/script/README build command tagging it, or the tree's only Dockerfile); `build` is then set.
   */
  imageBuild?: { dockerfile: string; why: string; ref: SourceRef };
  /** Override files whose service of this name compose merges into this one (their values are in it). */
  mergedFrom?: string[];
  /** This is an override file's part of the base file's service (the base's record is the merged service). */
  mergedInto?: string;
  /** Indexes into Facts.appServers started by this service. */
  appServers: number[];
  /** What its container runs: entrypoint and command as compose resolves them over its image's (when known). */
  runs?: { argv: string[]; ref: SourceRef };
}

export interface ComposeFile {
  file: string;
  /** Compose project name (top-level `name:`) when written. */
  name?: string;
  /** Top-level networks declared `external: true` (made outside this file: other stacks' containers may join). */
  externalNetworks?: string[];
  /** Top-level networks' `ipam` subnets: the range a container on that network gets its address from. */
  subnets?: Array<{ network: string; subnet: string; ref: SourceRef }>;
  /**
   * The compose file whose top-level `include:` names this one (`include: [app/compose.yml]`, or first in a `- path:`
   * list): compose copies its services into that file's project, on its networks (its `default` network is the
   * includer's). Absent when several files include it (alternative stacks).
   */
  includedBy?: string;
  services: ComposeService[];
}

export interface ComposeFacts {
  files: ComposeFile[];
}

/** A container of a Kubernetes workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod). */
export interface KubeContainer {
  name: string;
  image?: string;
  /** A reverse proxy by its image (nginx, caddy, traefik, haproxy, httpd, envoy): a sidecar when in an app's pod. */
  proxy: boolean;
  ref: SourceRef;
  /** The container's `env:` key (a fix inserts FORWARDED_ALLOW_IPS after it), with the indentation of its items. */
  envKey?: { line: number; itemIndent: string };
  /** Indexes into Facts.appServers started by this container. */
  appServers: number[];
  /** What the container runs: its command/args, or its image's ENTRYPOINT/CMD when the tree builds the image. */
  runs?: { argv: string[]; ref: SourceRef };
  /**
   * Keys of the tree's ConfigMaps this container mounts as files (its `volumeMounts`): where each key is written
   * (`file`:`line` of the key) and the mount (`ref`). An nginx config embedded in such a key runs in this pod.
   */
  configFiles?: Array<{ configMap: string; key: string; file: string; line: number; mountPath: string; ref: SourceRef }>;
}

export interface KubeWorkload {
  kind: string;
  name: string;
  file: string;
  ref: SourceRef;
  /** `hostNetwork: true`: the pod's binds are the node's interfaces. */
  hostNetwork: boolean;
  containers: KubeContainer[];
}

/** What routes outside traffic into the cluster: Ingress, Gateway API routes, Traefik IngressRoute, OpenShift Route. */
export interface KubeEntry {
  kind: string;
  name: string;
  ref: SourceRef;
  /** Its `kind:` line (where the object starts; `ref` is its `spec:`). */
  declared?: SourceRef;
  /** The line that makes it terminate TLS (`tls:`, an HTTPS listener), when written. */
  tls?: SourceRef;
}

/** Kubernetes workloads and entries (filled by collectors/deploy; issue 12). */
export interface WorkloadFacts {
  workloads: KubeWorkload[];
  entries: KubeEntry[];
}
