// Rendering and starting a scenario: render the deployment folder, create the network namespaces, start each
// process from its rendered file through its kind, and hand back a RunningScenario that always tears down.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingPrograms, systemBinaries } from './bins.js';
import { ensureCerts } from './certs.js';
import { getKind } from './kinds/index.js';
import { createTopology, linkAddress, netnsAvailable, type Topology } from './netns.js';
import { ADDRESS_IN_USE, freePort, PORT_RACE_ATTEMPTS } from './ports.js';
import { execCmd, registerCleanup, spawnGroup, waitForTcp } from './proc.js';
import { renderTree } from './render.js';
import { APPS_DIR, resolveEntry, SCENARIOS_DIR } from './scenarios.js';
import type { ExecResult, KindContext, LabProcess, RunningScenario, ScenarioDef } from './types.js';

/** Thrown when a scenario cannot run here (no privilege for namespaces, a missing program). Tests skip on it. */
export class LabSkip extends Error {
  override name = 'LabSkip';
}

/** Why this scenario cannot run on this machine, or undefined when it can. */
export function skipReason(def: ScenarioDef): string | undefined {
  if (def.network) {
    const n = netnsAvailable(systemBinaries().ip);
    if (!n.ok) return n.reason;
  }
  const missing = missingPrograms(def.processes.map((p) => p.kind));
  return missing.length ? missing.join('; ') : undefined;
}

const LOOPBACK_ADDRESS_VARS = ['PROXY_ADDR', 'APP_ADDR', 'PROXY_INNER_ADDR', 'CLIENT_ADDR'];

export interface StartOptions {
  /** Leave the rendered and runtime files on disk after stop() (for debugging; the CLI's --keep). */
  keep?: boolean;
  /** Extra template variables (override the scenario's). */
  vars?: Record<string, string>;
  /** Where loopback scenarios' ports come from (default freePort); tests inject a taken port through it. */
  portSource?: () => Promise<number>;
}

// Loopback scenarios whose program finds a freePort() port taken are retried with new ports (ports.ts).
export { PORT_RACE_ATTEMPTS };

async function buildVars(
  def: ScenarioDef,
  variantVars: Record<string, string> | undefined,
  dirs: { dir: string; runDir: string; logDir: string },
  topo: Topology | undefined,
  extra?: Record<string, string>,
  portSource: () => Promise<number> = freePort,
) {
  const bin = systemBinaries();
  const certs = ensureCerts(bin.openssl);
  const names = def.names ?? ['app.test'];
  const vars: Record<string, string> = {
    SERVER_NAME: names[0]!,
    SERVER_NAMES: names.join(' '),
    CERT: certs.cert,
    KEY: certs.key,
    CA: certs.caFile,
    FULLCHAIN: certs.fullchain,
    CERT_COMBINED: certs.combined,
    DEPLOY_DIR: dirs.dir,
    APP_DIR: join(dirs.dir, 'app'),
    RUN_DIR: dirs.runDir,
    LOG_DIR: dirs.logDir,
    PYTHON: bin.python3,
    GUNICORN: bin.gunicorn,
  };
  if (topo) {
    Object.assign(vars, topo.addresses);
    for (const [k, p] of Object.entries(def.ports)) vars[k] = String(p);
  } else {
    const addressVars = new Set([
      ...LOOPBACK_ADDRESS_VARS,
      def.entry.addressVar,
      def.backend.addressVar,
      ...def.processes.map((p) => p.listen.addressVar),
    ]);
    for (const v of addressVars) vars[v] = '127.0.0.1';
    for (const k of Object.keys(def.ports)) vars[k] = String(await portSource());
  }
  Object.assign(vars, def.vars ?? {}, variantVars ?? {}, extra ?? {});
  return vars;
}

function renderInto(def: ScenarioDef, variant: string | undefined, dir: string, vars: Record<string, string>): void {
  const folder = join(SCENARIOS_DIR, def.id);
  if (def.app) {
    const appSrc = join(APPS_DIR, def.app);
    if (!existsSync(appSrc)) throw new Error(`${def.id}: app '${def.app}' not found at ${appSrc}`);
    renderTree(appSrc, join(dir, 'app'), vars, { label: `lab/apps/${def.app}/` });
  }
  renderTree(folder, dir, vars, { top: true, label: `lab/scenarios/${def.id}/` });
  if (variant) {
    const overlay = join(folder, def.variants?.[variant]?.overlay ?? join('variants', variant));
    if (existsSync(overlay)) renderTree(overlay, dir, vars, { label: `lab/scenarios/${def.id}/variants/${variant}/` });
  }
}

/** Renders a scenario (id or id:variant) into dir with its default variables, without starting anything. */
export async function renderScenario(id: string, dir: string): Promise<{ dir: string; vars: Record<string, string> }> {
  const { def, variant } = await resolveEntry(id);
  const runDir = join(dir, '.run');
  const vars = await buildVars(
    def,
    variant ? def.variants?.[variant]?.vars : undefined,
    { dir, runDir, logDir: join(runDir, 'logs') },
    undefined,
  );
  if (def.network) {
    // Without namespaces, show the addresses the topology would use (slot 0, preferred ranges).
    def.network.links.forEach((l, i) => {
      if (l.aVar) vars[l.aVar] = linkAddress(l.net, 0, i, 'a');
      if (l.bVar) vars[l.bVar] = linkAddress(l.net, 0, i, 'b');
    });
    for (const [k, p] of Object.entries(def.ports)) vars[k] = String(p);
  }
  renderInto(def, variant, dir, vars);
  return { dir, vars };
}

export async function startScenario(id: string, opts: StartOptions = {}): Promise<RunningScenario> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startScenarioOnce(id, opts, attempt);
    } catch (e) {
      const retry =
        e instanceof PortRaceError &&
        attempt < PORT_RACE_ATTEMPTS &&
        !Object.keys(e.ports).some((k) => opts.vars?.[k] !== undefined);
      if (!retry) throw e instanceof PortRaceError ? e.cause : e;
    }
  }
}

/** A start that failed because a program found its (freePort) port taken: startScenario retries it. */
class PortRaceError extends Error {
  constructor(
    override readonly cause: Error,
    readonly ports: Record<string, string>,
  ) {
    super(cause.message);
  }
}

async function startScenarioOnce(id: string, opts: StartOptions, attempt: number): Promise<RunningScenario> {
  const { def, variant, expected } = await resolveEntry(id);
  const reason = skipReason(def);
  if (reason) throw new LabSkip(`${id}: ${reason}`);
  const bin = systemBinaries();
  const base = mkdtempSync(join(tmpdir(), `pplab-${def.id.slice(0, 2)}-`));
  const dir = join(base, 'deploy');
  const runDir = join(base, 'run');
  const logDir = join(runDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  // Workers that drop privileges (nginx, apache) must be able to traverse into the lab's files.
  for (const d of [base, runDir, logDir]) chmodSync(d, 0o755);
  const fullId = variant ? `${def.id}:${variant}` : def.id;

  let topo: Topology | undefined;
  /** every process spawned (for logs and teardown), and the long-running ones each kind returned */
  const spawned: LabProcess[] = [];
  const processes: LabProcess[] = [];
  /** how to start each long-running process again (restart) */
  const starts: Array<() => Promise<LabProcess>> = [];
  let stopped = false;
  const removeFiles = () => {
    if (!opts.keep) rmSync(base, { recursive: true, force: true });
  };
  const unregisterFiles = registerCleanup(removeFiles);

  const collectLogs = () => {
    let s = spawned.map((p) => p.logs()).join('\n');
    if (existsSync(logDir)) {
      for (const f of readdirSync(logDir).sort()) {
        try {
          const t = readFileSync(join(logDir, f), 'utf8');
          s += `\n----- ${join(logDir, f)}\n${t.length > 65536 ? t.slice(-65536) : t}`;
        } catch {
          // unreadable: skip
        }
      }
    }
    return s;
  };
  const stop = async (o: { keepFiles?: boolean } = {}) => {
    if (stopped) return;
    stopped = true;
    for (const p of [...spawned].reverse()) await p.stop();
    topo?.destroy();
    if (!o.keepFiles) removeFiles();
    unregisterFiles();
  };

  let portsUsed: Record<string, string> | undefined;
  try {
    if (def.network) topo = createTopology(def.network, bin.ip);
    const vars = await buildVars(
      def,
      variant ? def.variants?.[variant]?.vars : undefined,
      { dir, runDir, logDir },
      topo,
      opts.vars,
      opts.portSource,
    );
    portsUsed = topo ? undefined : Object.fromEntries(Object.keys(def.ports).map((k) => [k, vars[k]!]));
    renderInto(def, variant, dir, vars);
    for (const spec of def.processes) {
      const kind = await getKind(spec.kind);
      const procRun = join(runDir, spec.name);
      mkdirSync(procRun, { recursive: true });
      chmodSync(procRun, 0o755);
      const netns = spec.host ? topo?.namespaces[spec.host] : undefined;
      const ctx: KindContext = {
        scenario: def,
        spec,
        dir,
        file: join(dir, spec.file),
        runDir: procRun,
        vars,
        netns,
        bin,
        spawn: (argv, o = {}) => {
          const p = spawnGroup(argv, {
            name: spec.name,
            kind: spec.kind,
            cwd: o.cwd,
            env: o.env,
            netns,
            ipBin: bin.ip,
            logFiles: o.logFiles,
          });
          spawned.push(p);
          return p;
        },
        waitForTcp: (proc, address, port, timeoutMs) =>
          waitForTcp(proc, address, port, { netns, ipBin: bin.ip, bash: bin.bash, timeoutMs }),
      };
      if (!existsSync(ctx.file))
        throw new Error(`${fullId}: process '${spec.name}' starts from ${spec.file}, which the template does not contain`);
      processes.push(await kind.start(ctx));
      starts.push(() => kind.start(ctx));
    }
    /** Stops the long-running processes and starts them again from the (possibly edited) rendered files. */
    const restart = async () => {
      if (stopped) throw new Error(`${fullId}: restart after stop`);
      for (const p of [...processes].reverse()) await p.stop();
      processes.length = 0;
      for (const start of starts) processes.push(await start());
    };
    const names = def.names ?? ['app.test'];
    const entryAddress = vars[def.entry.addressVar]!;
    const entryPort = Number(vars[def.entry.portVar]);
    const scheme = def.entry.scheme ?? 'https';
    const defaultPort = scheme === 'https' ? 443 : 80;
    const entryUrl = `${scheme}://${names[0]}${entryPort === defaultPort ? '' : `:${entryPort}`}${def.entry.path ?? '/'}`;
    const execOn = (host: string, cmd: string[], timeoutMs?: number): Promise<ExecResult> => {
      const ns = host === 'client' ? undefined : topo?.namespaces[host];
      if (host !== 'client' && topo && !ns) throw new Error(`${fullId}: no host '${host}'`);
      return execCmd(cmd, { netns: ns, ipBin: bin.ip, timeoutMs });
    };
    const running: RunningScenario = {
      id: fullId,
      def,
      variant,
      expected,
      dir,
      runDir,
      vars,
      entryUrl,
      hostResolverRules: names.map((n) => `MAP ${n} ${entryAddress}`).join(', '),
      resolve: names.map((n) => ({ host: n, port: entryPort, address: entryAddress })),
      caFile: vars.CA!,
      backend: { address: vars[def.backend.addressVar]!, port: Number(vars[def.backend.portVar]) },
      outside:
        def.outside && topo
          ? {
              address:
                Object.entries(topo.addresses).find(([k]) =>
                  def.network?.links.some((l) => (l.a === def.outside && l.aVar === k) || (l.b === def.outside && l.bVar === k)),
                )?.[1] ?? '',
              exec: (cmd, timeoutMs) => execOn(def.outside!, cmd, timeoutMs),
            }
          : undefined,
      execOn,
      namespaces: { ...(topo?.namespaces ?? {}) },
      processes,
      logs: collectLogs,
      restart,
      stop,
    };
    return running;
  } catch (e) {
    const logs = collectLogs();
    await stop();
    if (e instanceof LabSkip) throw e;
    const err = new Error(
      `${fullId} failed to start${attempt > 1 ? ` (attempt ${attempt}, new ports)` : ''}: ${(e as Error).message}\n${logs}`,
    );
    if (portsUsed && ADDRESS_IN_USE.test(`${(e as Error).message}\n${logs}`)) throw new PortRaceError(err, portsUsed);
    throw err;
  }
}
