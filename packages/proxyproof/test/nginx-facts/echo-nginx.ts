/**
 * A real nginx in front of a Node backend that echoes the path and headers it receives: the nginx-facts tests that
 * compare the model's effective headers with what nginx really sends (fragments, named locations) start it here.
 * nginx runs in the foreground in its own temporary folder (pid, temp paths), ready once its pid file names it
 * (test/real-nginx.ts startNginxConf), and a request is bounded by REQUEST_SAFETY_TIMEOUT_MS.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNginxConf } from '../real-nginx.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from '../real-program.js';

export interface EchoNginx {
  dir: string;
  port: number;
  get(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }>;
  close(): void;
}

/** One GET to a loopback port, its status and whole body (the echo backend's answers and nginx's own). */
export function getText(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: REQUEST_SAFETY_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Starts the echo backend and nginx with `http(echoPort, port, dir)` as the body of its `http` block (after the temp
 * paths); `prepare(dir)` writes the files the config includes first. `ready` is the path whose answer means nginx serves.
 */
export async function startEchoNginx(
  prefix: string,
  http: (echoPort: number, port: number, dir: string) => string,
  ready: { path: string; headers: Record<string, string> },
  prepare: (dir: string) => void = () => {},
): Promise<EchoNginx> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const echo = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url, headers: req.headers }));
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  const echoPort = (echo.address() as AddressInfo).port;
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'tmp', d), { recursive: true });
  mkdirSync(join(dir, 'root'));
  prepare(dir);
  const conf = (port: number) => `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'tmp/body')};
  proxy_temp_path ${join(dir, 'tmp/proxy')};
  fastcgi_temp_path ${join(dir, 'tmp/fastcgi')};
  uwsgi_temp_path ${join(dir, 'tmp/uwsgi')};
  scgi_temp_path ${join(dir, 'tmp/scgi')};
${http(echoPort, port, dir)}
}
`;
  let nginx: Awaited<ReturnType<typeof startNginxConf>> | undefined;
  try {
    nginx = await startNginxConf(
      dir,
      1,
      ([p]) => conf(p as number),
      async ([p]) => (await getText(p as number, ready.path, ready.headers)).status > 0,
    );
  } catch (e) {
    echo.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const port = nginx.ports[0] as number;
  const running = nginx;
  return {
    dir,
    port,
    get: (path, headers) => getText(port, path, headers),
    close() {
      running.child.kill('SIGTERM');
      echo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
