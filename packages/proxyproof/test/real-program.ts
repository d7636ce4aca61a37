/**
 * Real programs started by tests, on ports the test chose: one free-port picker, one loopback listener on a port
 * the kernel picks, and one start that waits on readiness (never a sleep), shows the program's own words when it
 * exits, and retries only the exit a contested port causes.
 *
 * Why the retry: `freePort` closes the port it found, so a test running beside this one (the runner runs four
 * files at once) can bind it before our program does. The program then exits with "address already in use";
 * that exit, and only that one, is retried with new ports, a bounded number of times.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { REQUEST_SAFETY_TIMEOUT_MS, RUN_SAFETY_TIMEOUT_MS } from '../../../lab/src/proc.js';

/**
 * Safety nets, never assertions, for work a test hands to a real program (one short command's run; one request to
 * a program under test): one pair of numbers for the tests and the lab, defined (with the evidence for their size)
 * beside the lab's runner, which may not import a test folder. The CLI's own net is helpers.ts CLI_SAFETY_TIMEOUT_MS.
 */
export { REQUEST_SAFETY_TIMEOUT_MS, RUN_SAFETY_TIMEOUT_MS };

/** A loopback port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts `server` (net or http) on 127.0.0.1 on a port the kernel picks (no window for another test to take it). */
export function listenOnFreePort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'));
    });
  });
}

/** True when 127.0.0.1:port accepts a TCP connection (readiness of a TLS or non-HTTP listener). */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => resolve(false));
  });
}

/** The words programs use when a listen address is taken: Go/Node/Python, Apache, HAProxy, nginx, gunicorn. */
export const ADDRESS_IN_USE = /address already in use|could not bind|cannot bind|connection in use/i;

export interface ProgramCommand {
  cmd: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Its own process group: Apache's prefork MPM (which mod_php needs) signals its whole process group on shutdown
   * (`ap_unixd_killpg(getpgrp(), SIGTERM)`), and with `-D FOREGROUND` that group is the test runner's.
   */
  detached?: boolean;
}

export interface RealProgram {
  child: ChildProcess;
  ports: number[];
  /** What the program printed on stderr so far (its last 20,000 characters). */
  stderr(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after a 10 s safety net). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** How many ports to pick (each distinct). */
  ports: number;
  /** The command for these ports (write its config here too). */
  command(ports: number[]): ProgramCommand;
  /**
   * True once the program serves. Make it answer only for this program (a response only it gives, its pid file):
   * when another process took one of the ports, that process may answer before ours exits.
   */
  ready(ports: number[], child: ChildProcess): Promise<boolean>;
  /** A name for messages. */
  name: string;
  /** Attempts when the program exits because a port is taken (default 3). */
  attempts?: number;
  /** Readiness polls, 100 ms apart (default 300): a safety net, never the assertion. */
  polls?: number;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/**
 * Waits until a program's output matches, polling 50 ms apart a bounded number of times (default 600: at least 30 s), and
 * returns the output last read. Why: a program may answer a request before it writes its log line about it (uWSGI answers
 * nginx's broken request by closing, then logs "invalid request block size"); reading once races that write. The
 * poll count is a safety net, never the assertion: the caller asserts on what is returned.
 */
export async function awaitOutput(read: () => string, pattern: RegExp, polls = 600): Promise<string> {
  let out = read();
  for (let i = 0; i < polls && !pattern.test(out); i++) {
    await new Promise((r) => setTimeout(r, 50));
    out = read();
  }
  return out;
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let guard = 0; ports.length < n && guard < n * 20; guard++) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  if (ports.length < n) throw new Error(`could not pick ${n} distinct free ports`);
  return ports;
}

/**
 * Starts a program on fresh free ports and waits until it is ready. Fails with the program's stderr when it exits
 * before that (or never gets ready); an exit saying a port is taken is retried with new ports.
 */
export async function startOnFreePorts(opts: StartOptions): Promise<RealProgram> {
  const attempts = opts.attempts ?? 3;
  const polls = opts.polls ?? 300;
  for (let attempt = 1; ; attempt++) {
    const ports = await distinctFreePorts(opts.ports);
    const { cmd, args, cwd, env, detached } = opts.command(ports);
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], ...(detached ? { detached } : {}) });
    let stderr = '';
    child.stderr?.on('data', (c) => {
      stderr = (stderr + String(c)).slice(-20_000);
    });
    const spawnError = new Promise<Error>((r) => child.once('error', r));
    let failure: Error | undefined;
    spawnError.then((e) => {
      failure = e;
    });
    const program: RealProgram = { child, ports, stderr: () => stderr, stop: () => stopChild(child) };
    for (let i = 0; ; i++) {
      if (failure) throw new Error(`${opts.name} did not start: ${failure.message}`);
      if (exited(child)) break;
      if (await opts.ready(ports, child).catch(() => false)) {
        // Ready, and still ours: a program that lost a port exits; one that answered is alive.
        if (!exited(child)) return program;
        break;
      }
      if (i >= polls) {
        await stopChild(child);
        throw new Error(`${opts.name} was not ready after ${polls} polls; stderr: ${stderr.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // Exited before it was ready: let the stderr pipe drain, then say why.
    await new Promise<void>((r) => {
      if (!child.stderr || child.stderr.readableEnded) return r();
      const timer = setTimeout(r, 5000);
      child.stderr.once('end', () => {
        clearTimeout(timer);
        r();
      });
    });
    if (attempt < attempts && ADDRESS_IN_USE.test(stderr)) continue;
    throw new Error(
      `${opts.name} exited (${child.exitCode ?? child.signalCode}) before it was ready` +
        `${ADDRESS_IN_USE.test(stderr) ? ` (a port was taken ${attempt} times)` : ''}: ${stderr.slice(-2000)}`,
    );
  }
}

/** Pid file content equal to this child's pid: written by nginx and Apache only after they bound every listener. */
export function pidFileIs(path: string, pid: number | undefined): boolean {
  try {
    return pid !== undefined && readFileSync(path, 'utf8').trim() === String(pid);
  } catch {
    return false;
  }
}

/**
 * A whole Apache config that keeps everything Apache writes under `dir` (pid, error log, runtime files such as
 * mutexes: Debian's default runtime dir is /run/apache2, shared by every Apache on the machine).
 */
export function apacheConf(dir: string, name: string, modules: string[], port: number, body: string): string {
  const mods = modules.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`).join('\n');
  return (
    `ServerRoot ${dir}\nServerName localhost\nDefaultRuntimeDir ${dir}\n${mods}\nPidFile ${dir}/${name}.pid\n` +
    `ErrorLog ${dir}/${name}.err\nListen 127.0.0.1:${port}\n${body}`
  );
}

/**
 * Debian's apache2 in the foreground (a child of the test, so its exit and stderr are seen; `-k start` daemonizes
 * after its checks, and a bind failure then only reaches the error log) with `conf(port)` written to
 * `dir/name.conf`; ready once its pid file names it and `ready(port)` holds.
 */
export async function startApache(
  dir: string,
  name: string,
  conf: (port: number) => string,
  ready: (port: number) => Promise<boolean>,
  opts: { prefork?: boolean } = {},
): Promise<RealProgram & { port: number }> {
  const file = join(dir, `${name}.conf`);
  const program = await startOnFreePorts({
    name: `apache2 (${name})`,
    ports: 1,
    command: ([port]) => {
      rmSync(join(dir, `${name}.pid`), { force: true });
      writeFileSync(file, conf(port as number));
      return { cmd: 'apache2', args: ['-f', file, '-D', 'FOREGROUND'], ...(opts.prefork ? { detached: true } : {}) };
    },
    ready: async ([port], child) => pidFileIs(join(dir, `${name}.pid`), child.pid) && (await ready(port as number)),
  });
  return { ...program, port: program.ports[0] as number };
}

/**
 * A self-signed certificate for `cn` under `dir/tls/` (openssl, bounded): the certificate, its key, and both in one
 * PEM as HAProxy's `crt` wants. Throws with openssl's own words when it fails.
 */
export function selfSignedCert(dir: string, cn: string): { cert: string; key: string; combined: string } {
  const tls = join(dir, 'tls');
  mkdirSync(tls, { recursive: true });
  const cert = join(tls, 'cert.pem');
  const key = join(tls, 'key.pem');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`, '-keyout', key, '-out', cert],
    { encoding: 'utf8', timeout: RUN_SAFETY_TIMEOUT_MS },
  );
  if (r.status !== 0) throw new Error(`openssl req for ${cn} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
  const combined = join(tls, 'combined.pem');
  writeFileSync(combined, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  return { cert, key, combined };
}

/**
 * One `GET /` to a program under test on loopback (a port or a unix socket; `tls`: HTTPS, any certificate) with these
 * headers: the body, trimmed, or undefined when the request fails or gets no answer within REQUEST_SAFETY_TIMEOUT_MS.
 * Readiness polls and assertions alike use it.
 */
export function getBody(
  target: { port?: number; socketPath?: string; tls?: boolean },
  headers: Record<string, string>,
): Promise<string | undefined> {
  const { tls, ...where } = target;
  return new Promise((res) => {
    const opts = {
      host: '127.0.0.1',
      ...where,
      path: '/',
      headers,
      timeout: REQUEST_SAFETY_TIMEOUT_MS,
      rejectUnauthorized: false,
    };
    const req = (tls ? httpsRequest : request)(opts, (r) => {
      let b = '';
      r.on('data', (c) => (b += c));
      r.on('end', () => res(b.trim()));
    });
    req.on('error', () => res(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
