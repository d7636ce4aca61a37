// The lab's data model: a scenario (a deployment folder template + its topology + the expected outcome),
// the process kinds that start its programs, and a running scenario.

/** A host of the topology. `client` is always the machine's root network namespace (where Chromium runs). */
export type HostName = string;

/**
 * A point-to-point link between two hosts (a veth pair). `a`/`b` name hosts ('client' = root namespace).
 * Each side gets one address of a /30 taken from `net` (a documentation range); `aVar`/`bVar` name the
 * template variables that receive those addresses.
 */
export interface LinkSpec {
  a: HostName;
  b: HostName;
  net: '192.0.2.0/24' | '198.51.100.0/24' | '203.0.113.0/24';
  aVar?: string;
  bVar?: string;
}

/** Network namespaces the scenario needs. Absent: everything runs on this machine's loopback. */
export interface NetworkSpec {
  /** Hosts to create as network namespaces (not 'client'). */
  hosts: HostName[];
  links: LinkSpec[];
}

/** One process of the deployment, started FROM a rendered file. */
export interface ProcessSpec {
  /** Unique within the scenario, e.g. 'proxy', 'app'. */
  name: string;
  /** The process kind (see src/kinds/): 'nginx', 'gunicorn', 'uvicorn', 'caddy', 'haproxy', 'apache', 'node'... */
  kind: string;
  /** The rendered file it starts from, relative to the rendered dir: a systemd unit, nginx.conf, Caddyfile... */
  file: string;
  /** The host it runs on (a NetworkSpec host); default: the machine itself (loopback). */
  host?: HostName;
  /** Where it listens, for the readiness probe: template variable names. */
  listen: { addressVar: string; portVar: string };
  /** Kind-specific options (e.g. { prefix: 'nginx' }). */
  options?: Record<string, unknown>;
}

/** What the browser (and the outside host) must observe; tests assert it, the CLI prints it. */
export interface Expected {
  summary: string;
  /** The scheme the app believes (build_absolute_uri / is_secure) for a browser request through the proxy. */
  appScheme?: 'http' | 'https';
  /** Chromium reports mixed content on the entry page. */
  mixedContent?: boolean;
  /** Navigation ends in net::ERR_TOO_MANY_REDIRECTS. */
  redirectLoop?: boolean;
  /** A plain-HTTP request from the outside host with X-Forwarded-Proto: https. */
  outsideSpoof?: 'accepted' | 'ignored' | 'unreachable';
  [k: string]: unknown;
}

export interface VariantSpec {
  title: string;
  /** Folder (relative to the scenario folder) whose files replace/add to the base files; default `variants/<name>`. */
  overlay?: string;
  /** Extra/overridden template variables. */
  vars?: Record<string, string>;
  /** Replace the base topology for this variant (null: run on loopback). */
  network?: NetworkSpec | null;
  ports?: Record<string, number>;
  processes?: ProcessSpec[];
  entry?: ScenarioDef['entry'];
  backend?: ScenarioDef['backend'];
  outside?: HostName | null;
  expected: Expected;
}

export interface ScenarioDef {
  /** Folder name, e.g. '01-nginx-gunicorn-no-xfp'. Filled in by the loader. */
  id: string;
  /** The scenario number (1..13). */
  number: number;
  title: string;
  /** The framework app copied to `<dir>/app` before the scenario's own `app/` files overlay it: 'django', 'flask', 'express'. */
  app?: string;
  /** The names the browser uses; all map to the entry address. First = entry host. Default ['app.test']. */
  names?: string[];
  /** Ports: variable -> the realistic port. In network namespaces these are used as they are; on loopback a free port replaces each. */
  ports: Record<string, number>;
  /** Additional fixed template variables. */
  vars?: Record<string, string>;
  network?: NetworkSpec;
  processes: ProcessSpec[];
  /** The URL the browser opens: https://<names[0]>:<port>/<path>, connecting to <addressVar>. */
  entry: { addressVar: string; portVar: string; path?: string; scheme?: 'https' | 'http' };
  /** The app server's listen address (the "backend" a probe would test). */
  backend: { addressVar: string; portVar: string };
  /** The outside host (a NetworkSpec host) that tests use for spoofing requests. */
  outside?: HostName;
  expected: Expected;
  variants?: Record<string, VariantSpec>;
}

export function defineScenario(def: Omit<ScenarioDef, 'id'> & { id?: string }): ScenarioDef {
  return { id: '', ...def } as ScenarioDef;
}

/** A scenario as listed: one entry per variant ('<id>' = base, '<id>:<variant>'). */
export interface ScenarioEntry {
  id: string;
  scenario: string;
  variant?: string;
  number: number;
  title: string;
  needsNetns: boolean;
  expected: Expected;
  folder: string;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A started process (one process group). */
export interface LabProcess {
  name: string;
  kind: string;
  pid: number;
  argv: string[];
  /**
   * Resolves with the exit code (or null when killed by a signal) once the output is read too (logs() then holds
   * everything it wrote; at most OUTPUT_DRAIN_MS after the exit when a descendant keeps the pipes open).
   */
  exited: Promise<number | null>;
  logs(): string;
  stop(): Promise<void>;
}

/** What a kind's start() receives. */
export interface KindContext {
  scenario: ScenarioDef;
  spec: ProcessSpec;
  /** The rendered deployment dir (the files a user has). */
  dir: string;
  /** Absolute path of spec.file in the rendered dir. */
  file: string;
  /** This process's own runtime dir (pid files, temp dirs, logs). */
  runDir: string;
  vars: Readonly<Record<string, string>>;
  /** The network namespace the process runs in, or undefined for the machine itself. */
  netns?: string;
  /** Absolute paths of the Debian programs. */
  bin: Readonly<SystemBinaries>;
  /** Starts argv in its own process group (inside ctx.netns), registered for teardown, logs captured. */
  spawn(argv: string[], opts?: { cwd?: string; env?: Record<string, string>; logFiles?: string[] }): LabProcess;
  /** Waits until address:port accepts TCP connections (from inside ctx.netns) or the process exits. */
  waitForTcp(proc: LabProcess, address: string, port: number, timeoutMs?: number): Promise<void>;
}

export interface ProcessKind {
  kind: string;
  /** Starts the process and resolves once it is ready (or rejects with its logs). */
  start(ctx: KindContext): Promise<LabProcess>;
}

export interface SystemBinaries {
  python3: string;
  gunicorn: string;
  nginx: string;
  chromium: string;
  openssl: string;
  ip: string;
  curl: string;
  bash: string;
  caddy: string;
  haproxy: string;
  apache2: string;
  node: string;
}

export interface ResolveEntry {
  host: string;
  port: number;
  address: string;
}

export interface RunningScenario {
  id: string;
  def: ScenarioDef;
  variant?: string;
  expected: Expected;
  /** The rendered deployment files (what ran). */
  dir: string;
  /** Runtime files (pids, logs, temp). */
  runDir: string;
  vars: Readonly<Record<string, string>>;
  entryUrl: string;
  /** Chromium's --host-resolver-rules value. */
  hostResolverRules: string;
  /** For HTTP clients (curl --resolve host:port:address). */
  resolve: ResolveEntry[];
  caFile: string;
  backend: { address: string; port: number };
  /** Present when the scenario has an outside host: run a command there. */
  outside?: { address: string; exec(cmd: string[], timeoutMs?: number): Promise<ExecResult> };
  /** Run a command on a named host of the topology (netns), or on the machine for 'client'/loopback. */
  execOn(host: HostName, cmd: string[], timeoutMs?: number): Promise<ExecResult>;
  /** host -> network namespace name (empty on loopback) */
  namespaces: Record<HostName, string>;
  /** The long-running processes (one per ProcessSpec), in start order. */
  processes: LabProcess[];
  logs(): string;
  /** Stops the long-running processes and starts them again from the rendered files (after editing them). */
  restart(): Promise<void>;
  /** Ends every process group and namespace; removes the files unless `keep` (or keepFiles here). */
  stop(opts?: { keepFiles?: boolean }): Promise<void>;
}
