// Processes: each in its own process group, registered globally so that teardown always happens — on
// stop(), on test failure (the test's after hooks), on SIGINT/SIGTERM of the runner and on process exit.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import type { ExecResult, LabProcess } from './types.js';

const MAX_LOG = 256 * 1024;
/** How long `exited` waits, after the exit, for output a descendant still holds open (see spawnGroup). */
export const OUTPUT_DRAIN_MS = 2000;

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

/** One process as /proc/PID/stat tells it. */
interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** R, S, D, Z (zombie: dead, waiting for its parent to reap it), ... */
  state: string;
  comm: string;
}

/** Every process of this machine (its /proc); empty where there is no /proc. */
function processTable(): ProcEntry[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcEntry[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${n}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const rest = stat.slice(close + 2).split(' ');
    out.push({
      pid: Number(n),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      state: rest[0] ?? '?',
      ppid: Number(rest[1]),
      pgid: Number(rest[2]),
    });
  }
  return out;
}

/**
 * The process groups a started process made: its own, plus those of descendants that left it with setsid or
 * setpgid (a daemonizing worker). Workers that gunicorn/uvicorn fork after readiness stay in the leader's
 * group; this also finds the ones that do not.
 */
export function groupsOf(leader: number, table = processTable()): number[] {
  const children = new Map<number, ProcEntry[]>();
  for (const p of table) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const groups = new Set<number>([leader]);
  for (const p of table) if (p.pgid === leader) groups.add(p.pgid);
  // descendants of every member of the leader's group (bounded by the table's size)
  const queue = table.filter((p) => p.pgid === leader || p.pid === leader).map((p) => p.pid);
  const seen = new Set<number>(queue);
  while (queue.length) {
    const pid = queue.pop() as number;
    for (const c of children.get(pid) ?? []) {
      if (seen.has(c.pid)) continue;
      seen.add(c.pid);
      groups.add(c.pgid);
      queue.push(c.pid);
    }
  }
  return [...groups].filter((g) => g > 1 && g !== process.pid && g !== groupOfSelf());
}

let selfGroup: number | undefined;
function groupOfSelf(): number {
  selfGroup ??= processTable().find((p) => p.pid === process.pid)?.pgid ?? -1;
  return selfGroup;
}

/** Members of a process group that still run (zombies excluded), e.g. `12 gunicorn (S)`. */
export function liveMembers(pgid: number, table = processTable()): string[] {
  return table.filter((p) => p.pgid === pgid && p.state !== 'Z').map((p) => `${p.pid} ${p.comm} (${p.state})`);
}

/** Whether the group still exists at all (zombies included: they vanish once their parent or init reaps them). */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `cond` every `intervalMs` until it holds or `timeoutMs` passed; returns whether it held. */
export async function waitUntil(cond: () => boolean, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (cond()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/**
 * Ends process groups: SIGTERM (a gunicorn master then stops and reaps its own workers), waits until no member
 * runs, SIGKILL what is left, and waits (bounded) until the groups are gone, zombies reaped. Returns the
 * members still alive at the end (empty on success).
 */
export async function endGroups(groups: number[], graceMs = 3000, killMs = 5000): Promise<string[]> {
  const live = () => groups.flatMap((g) => liveMembers(g));
  for (const g of groups) killGroup(g, 'SIGTERM');
  if (!(await waitUntil(() => live().length === 0, graceMs))) for (const g of groups) killGroup(g, 'SIGKILL');
  await waitUntil(() => live().length === 0 && !groups.some(groupExists), killMs);
  return live();
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
    // Resolved once the process has exited AND its output pipes are closed: node emits 'exit' before the stdio
    // streams end, and callers read logs() right after (the start's error message, the runner's port-race retry on
    // "address already in use"), so output still in a pipe, or written by a child that outlives the leader, was
    // missing from them. Bounded: a descendant that keeps a pipe open (a daemon) delays it by OUTPUT_DRAIN_MS at most.
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let done = false;
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (done || !exit) return;
      done = true;
      clearTimeout(drainTimer);
      out.push(`[lab] exited with ${exit.code ?? exit.signal}\n`);
      exitCode = exit.code;
      resolve(exit.code);
    };
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      drainTimer = setTimeout(finish, OUTPUT_DRAIN_MS);
    });
    child.on('close', finish);
  });
  // On exit or a signal the runner cannot wait: SIGKILL the group and every group its descendants made.
  const unregister =
    pid > 0
      ? registerCleanup(() => {
          for (const g of groupsOf(pid)) killGroup(g, 'SIGKILL');
        })
      : () => {};
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
        // Every group this process made, found before the leader dies (its children are re-parented then).
        const left = await endGroups(groupsOf(pid));
        // reap the leader (bounded: it is dead or SIGKILLed)
        if (exitCode === undefined) await Promise.race([exited, sleep(2000)]);
        if (left.length) out.push(`[lab] still running after SIGKILL: ${left.join(', ')}\n`);
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
/**
 * Safety nets, never assertions, for a run of a short command (nginx -t, gunicorn --print-config, python -c,
 * openssl, a program's --version), a start wait, a page, and one request to a program under test; the lab's and
 * proxyproof's tests' one pair of numbers (packages/proxyproof/test/real-program.ts re-exports them). They end a hung
 * run with a clear message; a run that is only slow must pass. Generous because CI runs the suite under its stress
 * bar (two CPU burners) beside three other test files: at load ~50 on the 2-core machine `gunicorn --print-config`
 * took 8-19 s wall for 0.18 s of CPU, near or past the 20 s net it had (b251bfd recorded two such failures), `npm
 * pack` was killed by its 120 s net, and a program-detection run that timed out silently skipped its whole test file.
 * The forwarded package's tests keep their own copy of the values: that package is published alone, and its tests'
 * rootDir is the package.
 */
export const RUN_SAFETY_TIMEOUT_MS = 300_000;
export const REQUEST_SAFETY_TIMEOUT_MS = 60_000;

export function execCmd(
  argv: string[],
  opts: {
    netns?: string;
    ipBin?: string;
    timeoutMs?: number;
    env?: Record<string, string>;
    input?: string;
    /** Ends the command's process group early (its result then has the exit status of the kill). */
    signal?: AbortSignal;
  } = {},
): Promise<ExecResult> {
  const full = opts.netns ? [opts.ipBin ?? 'ip', 'netns', 'exec', opts.netns, ...argv] : argv;
  const [cmd, ...args] = full;
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(cmd!, args, { env: opts.env ?? (process.env as Record<string, string>), detached: true });
    const unregister = child.pid ? registerCleanup(() => killGroup(child.pid!, 'SIGKILL')) : () => {};
    const timer = setTimeout(() => {
      stderr += `\n[lab] timed out after ${opts.timeoutMs ?? RUN_SAFETY_TIMEOUT_MS} ms: ${full.join(' ')}`;
      if (child.pid) killGroup(child.pid, 'SIGKILL');
    }, opts.timeoutMs ?? RUN_SAFETY_TIMEOUT_MS);
    const abort = () => {
      if (child.pid) killGroup(child.pid, 'SIGKILL');
    };
    if (opts.signal?.aborted) abort();
    else opts.signal?.addEventListener('abort', abort, { once: true });
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
      opts.signal?.removeEventListener('abort', abort);
      unregister();
      resolve({ code: -1, stdout, stderr: `${stderr}${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', abort);
      unregister();
      resolve({ code, stdout, stderr });
    });
  });
}

/** Synchronous variant for setup/teardown steps (ip, openssl). Throws with the output on failure. */
export function run(argv: string[], opts: { allowFail?: boolean; timeoutMs?: number } = {}): ExecResult {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? RUN_SAFETY_TIMEOUT_MS });
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

/** `/proc/net/tcp` local address of an IPv4 address (4 bytes, little-endian hex as the kernel prints it on x86). */
function procNetV4(address: string): string {
  return address
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0').toUpperCase())
    .reverse()
    .join('');
}

/**
 * Inodes of the sockets LISTENING on port at address, or on a wildcard address that also accepts it, in the
 * network namespace of `/proc/<pid>/net` (default: this process's). IPv4 and IPv6 (dual-stack `::`, v4-mapped).
 */
export function listeningInodes(address: string, port: number, netOf: number | 'self' = 'self'): number[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const v4 = address.includes(':') ? undefined : procNetV4(address);
  const accept = new Set<string>(['00000000', '00000000000000000000000000000000']);
  if (v4) {
    accept.add(v4);
    accept.add(`0000000000000000FFFF0000${v4}`); // ::ffff:a.b.c.d
  }
  if (address === '::1') accept.add('00000000000000000000000001000000');
  const out: number[] = [];
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${netOf}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (f.length < 10 || f[3] !== '0A') continue;
      const [addr, p] = (f[1] ?? '').split(':');
      if (p === hexPort && addr !== undefined && accept.has(addr)) out.push(Number(f[9]));
    }
  }
  return out.filter((i) => i > 0);
}

/** Processes holding any of these socket inodes (a scan of /proc/<pid>/fd; unreadable processes are skipped). */
export function socketOwners(inodes: number[], table = processTable()): ProcEntry[] {
  const wanted = new Set(inodes.map((i) => `socket:[${i}]`));
  const owners: ProcEntry[] = [];
  if (wanted.size === 0) return owners;
  for (const p of table) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p.pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${p.pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (wanted.has(target)) {
        owners.push(p);
        break;
      }
    }
  }
  return owners;
}

/**
 * Who answers on address:port: the started process (its group, or a descendant of it) or another one. A port
 * from freePort() can be taken between the probe and the program's bind; a squatter that LISTENS there answers a
 * TCP readiness probe as well as the program would, so readiness also asks the kernel who owns the listener.
 * `unknown` when the listener or its owner cannot be read (no /proc, another user's process, the socket just
 * closed): the caller then keeps the TCP answer, as before.
 */
export function listenerOwnership(
  leader: number,
  address: string,
  port: number,
): { owner: 'started' } | { owner: 'other'; who: string } | { owner: 'unknown' } {
  const inodes = listeningInodes(address, port);
  if (inodes.length === 0) return { owner: 'unknown' };
  const table = processTable();
  const owners = socketOwners(inodes, table);
  if (owners.length === 0) return { owner: 'unknown' };
  const byPid = new Map(table.map((p) => [p.pid, p]));
  const fromLeader = (p: ProcEntry) => {
    // the leader's group, or a descendant (a worker that left the group); bounded by the table's size
    for (let q: ProcEntry | undefined = p, n = 0; q && n < table.length; q = byPid.get(q.ppid), n++)
      if (q.pid === leader || q.pgid === leader) return true;
    return false;
  };
  if (owners.some(fromLeader)) return { owner: 'started' };
  return { owner: 'other', who: owners.map((o) => `pid ${o.pid} (${o.comm})`).join(', ') };
}

/**
 * Waits for address:port to accept connections (from inside netns when given) or the process to die.
 *
 * On this machine's loopback (freePort's ports) the listener must belong to the started process: a squatter
 * that took the port between freePort and the program's bind and LISTENS there would answer the probe too. That
 * start fails with "address already in use ... (held by pid N)", which the runner retries with new ports.
 *
 * Inside a network namespace the probe is ONE process started there (`ip netns exec NS bash`) that retries the
 * connection itself until it succeeds: one `ip netns exec` per attempt, each killed after 2 s, could never answer
 * on a machine so loaded that `ip netns exec` + bash take longer than that (a 90 s readiness timeout was seen at
 * load 30 while gunicorn had logged "Listening" in its namespace). That cause is inferred, not shown: in round 7
 * one such attempt took 0.2-0.9 s (30 timed at load 28) and the teardown test passed 6 of 6 times at load 27-36
 * with two burners, so the old probe's 2 s kill is not proven to be what failed then. One prober per wait is kept
 * (it is cheaper, and it reports its own errors). The probe's own errors are in the message.
 */
export async function waitForTcp(
  proc: LabProcess,
  address: string,
  port: number,
  opts: { netns?: string; ipBin?: string; bash?: string; timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? REQUEST_SAFETY_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void proc.exited.then(() => {
    dead = true;
  });
  const exitedError = () =>
    new Error(`${proc.name} (${proc.kind}) exited before listening on ${address}:${port}\n${proc.logs()}`);
  if (opts.netns) {
    const host = address.replace(/[[\]]/g, '');
    // A subshell per attempt (a fork, no exec); a local address is refused or accepted at once.
    const script = `until (exec 3<>/dev/tcp/${host}/${port}) 2>/dev/null; do sleep 0.1; done`;
    const stopProbe = new AbortController();
    const probe = execCmd([opts.bash ?? 'bash', '-c', script], {
      netns: opts.netns,
      ipBin: opts.ipBin,
      timeoutMs,
      signal: stopProbe.signal,
    });
    const r = await Promise.race([probe, proc.exited.then(() => 'died' as const)]);
    if (r === 'died') {
      stopProbe.abort();
      await probe;
      throw exitedError();
    }
    if (r.code === 0) return;
    if (dead) throw exitedError();
    throw new Error(
      `${proc.name} (${proc.kind}) not listening on ${address}:${port} after ${timeoutMs} ms (probed from network namespace ${opts.netns}: ${r.stderr.trim() || `exit ${r.code}`})\n${proc.logs()}`,
    );
  }
  while (Date.now() < deadline) {
    if (dead) throw exitedError();
    if (await tcpProbe(address, port)) {
      const who = listenerOwnership(proc.pid, address, port);
      if (who.owner !== 'other') return;
      if (dead) throw exitedError();
      throw new Error(
        `${proc.name} (${proc.kind}): ${address}:${port}: address already in use: another process listens there (${who.who}), not pid ${proc.pid}\n${proc.logs()}`,
      );
    }
    await sleep(100);
  }
  throw new Error(`${proc.name} (${proc.kind}) not listening on ${address}:${port} after ${timeoutMs} ms\n${proc.logs()}`);
}
