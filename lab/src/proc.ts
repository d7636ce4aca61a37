// Processes: each in its own process group, registered globally so that teardown always happens — on
// stop(), on test failure (the test's after hooks), on SIGINT/SIGTERM of the runner and on process exit.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { ExecResult, LabProcess } from './types.js';

const MAX_LOG = 256 * 1024;

/** Cleanups that must run even when the runner dies: kill process groups, delete namespaces. */
const syncCleanups = new Map<number, () => void>();
let cleanupSeq = 0;
let handlersInstalled = false;

export function registerCleanup(fn: () => void): () => void {
  installHandlers();
  const id = ++cleanupSeq;
  syncCleanups.set(id, fn);
  return () => {
    syncCleanups.delete(id);
  };
}

export function runAllCleanupsSync(): void {
  // Newest first: processes before the namespaces they run in.
  for (const id of [...syncCleanups.keys()].sort((a, b) => b - a)) {
    const fn = syncCleanups.get(id);
    syncCleanups.delete(id);
    try {
      fn?.();
    } catch {
      // teardown is best effort; keep going
    }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', runAllCleanupsSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      // Another handler (the CLI's graceful stop, Playwright's) will end the process; the 'exit' hook
      // above still runs every cleanup then. Alone, we clean up and exit as the signal would have.
      if (process.listenerCount(sig) > 1) return;
      process.off(sig, onSignal);
      runAllCleanupsSync();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    process.on(sig, onSignal);
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

class Ring {
  private text = '';
  push(s: string): void {
    this.text += s;
    if (this.text.length > MAX_LOG) this.text = `[…truncated…]\n${this.text.slice(-MAX_LOG)}`;
  }
  toString(): string {
    return this.text;
  }
}

export interface SpawnOptions {
  name: string;
  kind: string;
  cwd?: string;
  env?: Record<string, string>;
  netns?: string;
  ipBin?: string;
  /** Files whose content logs() appends (e.g. nginx's error.log). */
  logFiles?: string[];
}

/** Starts argv in a new process group (inside a network namespace when given). */
export function spawnGroup(argv: string[], opts: SpawnOptions): LabProcess {
  const full = opts.netns ? [opts.ipBin ?? 'ip', 'netns', 'exec', opts.netns, ...argv] : argv;
  const [cmd, ...args] = full;
  if (!cmd) throw new Error('spawnGroup: empty argv');
  const out = new Ring();
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? (process.env as Record<string, string>),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    throw new Error(`cannot start ${opts.name} (${argv.join(' ')}): ${(e as Error).message}`);
  }
  child.stdout?.setEncoding('utf8').on('data', (d: string) => out.push(d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => out.push(d));
  const pid = child.pid ?? -1;
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      out.push(`[lab] spawn error: ${e.message}\n`);
      exitCode = -1;
      resolve(-1);
    });
    child.on('exit', (code, signal) => {
      out.push(`[lab] exited with ${code ?? signal}\n`);
      exitCode = code;
      resolve(code);
    });
  });
  const unregister = pid > 0 ? registerCleanup(() => killGroup(pid, 'SIGKILL')) : () => {};
  let stopping: Promise<void> | undefined;
  const proc: LabProcess = {
    name: opts.name,
    kind: opts.kind,
    pid,
    argv: full,
    exited,
    logs() {
      let s = `----- ${opts.name} (${opts.kind}, pid ${pid}): ${full.join(' ')}\n${out.toString()}`;
      for (const f of opts.logFiles ?? []) {
        try {
          const t = readFileSync(f, 'utf8');
          s += `----- ${f}\n${t.length > MAX_LOG ? t.slice(-MAX_LOG) : t}`;
        } catch {
          // the file may not exist (yet)
        }
      }
      return s;
    },
    stop() {
      stopping ??= (async () => {
        if (pid <= 0) return;
        if (groupAlive(pid)) {
          killGroup(pid, 'SIGTERM');
          const deadline = Date.now() + 3000;
          while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
          if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
        }
        // reap the leader (bounded: it is dead or SIGKILLed)
        if (exitCode === undefined) await Promise.race([exited, sleep(2000)]);
        unregister();
      })();
      return stopping;
    },
  };
  return proc;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs a command to completion with a timeout (killing its process group on timeout). */
export function execCmd(
  argv: string[],
  opts: { netns?: string; ipBin?: string; timeoutMs?: number; env?: Record<string, string>; input?: string } = {},
): Promise<ExecResult> {
  const full = opts.netns ? [opts.ipBin ?? 'ip', 'netns', 'exec', opts.netns, ...argv] : argv;
  const [cmd, ...args] = full;
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(cmd!, args, { env: opts.env ?? (process.env as Record<string, string>), detached: true });
    const unregister = child.pid ? registerCleanup(() => killGroup(child.pid!, 'SIGKILL')) : () => {};
    const timer = setTimeout(() => {
      stderr += `\n[lab] timed out after ${opts.timeoutMs ?? 15000} ms: ${full.join(' ')}`;
      if (child.pid) killGroup(child.pid, 'SIGKILL');
    }, opts.timeoutMs ?? 15000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
    child.on('error', (e) => {
      clearTimeout(timer);
      unregister();
      resolve({ code: -1, stdout, stderr: `${stderr}${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      unregister();
      resolve({ code, stdout, stderr });
    });
  });
}

/** Synchronous variant for setup/teardown steps (ip, openssl). Throws with the output on failure. */
export function run(argv: string[], opts: { allowFail?: boolean; timeoutMs?: number } = {}): ExecResult {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 20000 });
  const res = { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
  if (!opts.allowFail && r.status !== 0) {
    throw new Error(`command failed (${r.status ?? r.signal ?? r.error}): ${argv.join(' ')}\n${res.stderr}${res.stdout}`);
  }
  return res;
}

/** One TCP connection attempt from this namespace. */
export function tcpProbe(address: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port });
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      s.destroy();
      resolve(false);
    });
  });
}

/** Waits for address:port to accept connections (from inside netns when given) or the process to die. */
export async function waitForTcp(
  proc: LabProcess,
  address: string,
  port: number,
  opts: { netns?: string; ipBin?: string; bash?: string; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20000);
  let dead = false;
  void proc.exited.then(() => {
    dead = true;
  });
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${proc.name} (${proc.kind}) exited before listening on ${address}:${port}\n${proc.logs()}`);
    let ok: boolean;
    if (opts.netns) {
      const host = address.includes(':') ? `[${address}]` : address;
      const r = await execCmd([opts.bash ?? 'bash', '-c', `exec 3<>/dev/tcp/${host.replace(/[[\]]/g, '')}/${port}`], {
        netns: opts.netns,
        ipBin: opts.ipBin,
        timeoutMs: 2000,
      });
      ok = r.code === 0;
    } else {
      ok = await tcpProbe(address, port);
    }
    if (ok) return;
    await sleep(100);
  }
  throw new Error(
    `${proc.name} (${proc.kind}) not listening on ${address}:${port} after ${opts.timeoutMs ?? 20000} ms\n${proc.logs()}`,
  );
}
