/**
 * The real nginx for a test (Debian's, when installed): started on loopback with the test's own `server` blocks in
 * a temporary prefix, waited for (bounded), stopped by its own pid. One request helper that never follows redirects.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Answer {
  status: number;
  location?: string;
  body: string;
}

/** One GET to 127.0.0.1:port with these headers (Host given by the caller); 5 s safety timeout. */
export function getOnce(port: number, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 5000 }, (res) => {
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
  stop(): void;
}

/** Starts nginx with `servers` inside `http {}`; resolves once `port` answers (at most ~30 s). */
export async function startNginx(servers: string, port: number): Promise<RunningNginx> {
  if (!NGINX) throw new Error('nginx is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'pp-real-nginx-'));
  for (const d of ['logs', 'tmp']) mkdirSync(join(dir, d));
  const conf =
    `daemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/logs/error.log;\nevents {}\nhttp {\n  access_log off;\n` +
    `  client_body_temp_path ${dir}/tmp/cb;\n  proxy_temp_path ${dir}/tmp/p;\n  fastcgi_temp_path ${dir}/tmp/f;\n` +
    `  uwsgi_temp_path ${dir}/tmp/u;\n  scgi_temp_path ${dir}/tmp/s;\n${servers}}\n`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const nginx: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  nginx.stderr?.on('data', (c) => {
    stderr += String(c);
  });
  const stop = () => {
    if (nginx.exitCode === null) nginx.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      await getOnce(port, '/', { Host: 'probe.invalid' });
      return { stop };
    } catch (e) {
      if (i > 300 || nginx.exitCode !== null) {
        stop();
        throw new Error(`nginx did not start: ${stderr} ${String(e)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
