/**
 * The real nginx for a test (Debian's, when installed): started on loopback with the test's own `server` blocks in
 * a temporary prefix, waited for (bounded), stopped by its own pid. One request helper that never follows redirects.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  pidFileIs,
  REQUEST_SAFETY_TIMEOUT_MS,
  type RealProgram,
  RUN_SAFETY_TIMEOUT_MS,
  startOnFreePorts,
} from './real-program.js';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);

export { freePort } from './real-program.js';

export interface Answer {
  status: number;
  location?: string;
  body: string;
}

/** One GET to 127.0.0.1:port with these headers (Host given by the caller); 5 s safety timeout. */
export function getOnce(port: number, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: REQUEST_SAFETY_TIMEOUT_MS }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += String(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

export interface RunningNginx {
  /** The ports nginx listens on (as many as asked for; the first is the one readiness probed). */
  ports: number[];
  stop(): void;
}

/**
 * Starts nginx with `servers(ports)` inside `http {}` on `count` free ports; resolves once nginx has written its
 * pid file (it does so only after binding every listener) and the first port answers. A port another test took in
 * the meantime makes nginx exit "address already in use": that start is retried with new ports (see real-program.ts).
 */
export async function startNginx(servers: (ports: number[]) => string, count = 1): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-real-nginx-'));
  for (const d of ['logs', 'tmp']) mkdirSync(join(dir, d));
  try {
    const program = await startNginxConf(
      dir,
      count,
      (ports) => nginxConf(dir, servers(ports)),
      async ([port]) => (await getOnce(port as number, '/', { Host: 'probe.invalid' })).status > 0,
    );
    return {
      ports: program.ports,
      stop: () => {
        if (program.child.exitCode === null) program.child.kill('SIGTERM');
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * nginx on a test's whole config `conf(ports)` written to `dir/nginx.conf` (it must say `daemon off;` and
 * `pid <dir>/nginx.pid;`), on `count` free ports: `nginx -t` first (a refusal fails with nginx's words and the
 * config), then started; ready once its pid file names it (written after it bound every listener) and `ready`
 * holds. A port taken meanwhile is retried with new ports (real-program.ts).
 */
export function startNginxConf(
  dir: string,
  count: number,
  conf: (ports: number[]) => string,
  ready: (ports: number[]) => Promise<boolean>,
): Promise<RealProgram> {
  const bin = NGINX;
  if (!bin) throw new Error('nginx is not installed');
  const file = join(dir, 'nginx.conf');
  return startOnFreePorts({
    name: 'nginx',
    ports: count,
    command: (ports) => {
      rmSync(join(dir, 'nginx.pid'), { force: true });
      const text = conf(ports);
      writeFileSync(file, text);
      // -e: the log nginx opens before it reads the config (by default /var/log/nginx/error.log, the machine's).
      const args = ['-p', dir, '-c', file, '-e', join(dir, 'startup.log')];
      const t = spawnSync(bin, ['-t', ...args], { encoding: 'utf8', timeout: RUN_SAFETY_TIMEOUT_MS });
      if (t.status !== 0) throw new Error(`nginx -t rejects the config:\n${t.stderr}\n${text}`);
      return { cmd: bin, args };
    },
    ready: async (ports, child) => nginxPidIs(dir, child.pid) && (await ready(ports)),
    polls: 600,
  });
}

/** A whole nginx.conf that keeps every file nginx writes (pid, logs, temp bodies) under `dir`. */
export function nginxConf(dir: string, servers: string): string {
  return (
    `daemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/logs/error.log;\nevents {}\nhttp {\n  access_log off;\n` +
    `  client_body_temp_path ${dir}/tmp/cb;\n  proxy_temp_path ${dir}/tmp/p;\n  fastcgi_temp_path ${dir}/tmp/f;\n` +
    `  uwsgi_temp_path ${dir}/tmp/u;\n  scgi_temp_path ${dir}/tmp/s;\n${servers}}\n`
  );
}

/** nginx writes its pid file after it has bound its listeners (`daemon off`: the pid is the child's own). */
export function nginxPidIs(dir: string, pid: number | undefined): boolean {
  return pidFileIs(join(dir, 'nginx.pid'), pid);
}
