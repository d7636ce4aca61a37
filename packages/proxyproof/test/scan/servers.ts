/** Local servers for the scan tests: a test CA, a leaf for the *.test names, a self-signed cert, tiny HTTP(S) servers. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_SAFETY_TIMEOUT_MS } from '../real-program.js';

export const NAMES = ['app.test', 'cdn.test', 'other.test', 'www.app.test'];

export interface Certs {
  dir: string;
  caFile: string;
  key: Buffer;
  cert: Buffer;
  selfKey: Buffer;
  selfCert: Buffer;
  cleanup(): void;
}

function ossl(args: string[], cwd: string) {
  execFileSync('openssl', args, { cwd, stdio: 'ignore', timeout: RUN_SAFETY_TIMEOUT_MS });
}

export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), 'pp-scan-certs-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=proxyproof test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  ossl(['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=app.test'], dir);
  writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${NAMES.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
  ossl(
    [
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'leaf.pem',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    ],
    dir,
  );
  ossl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'self.key',
      '-out',
      'self.pem',
      '-days',
      '2',
      '-subj',
      '/CN=app.test',
      '-addext',
      'subjectAltName=DNS:app.test',
    ],
    dir,
  );
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    key: readFileSync(join(dir, 'leaf.key')),
    cert: readFileSync(join(dir, 'leaf.pem')),
    selfKey: readFileSync(join(dir, 'self.key')),
    selfCert: readFileSync(join(dir, 'self.pem')),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Running {
  port: number;
  close(): Promise<void>;
}

function track(server: http.Server): Running & { ready: Promise<void> } {
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const ready = new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const r = {
    port: 0,
    ready: ready.then(() => {
      r.port = (server.address() as AddressInfo).port;
    }),
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
  return r;
}

export async function startHttps(handler: http.RequestListener, tls: { key: Buffer; cert: Buffer }): Promise<Running> {
  const t = track(https.createServer({ key: tls.key, cert: tls.cert }, handler) as unknown as http.Server);
  await t.ready;
  return t;
}

export async function startHttp(handler: http.RequestListener): Promise<Running> {
  const t = track(http.createServer(handler));
  await t.ready;
  return t;
}

export function html(res: http.ServerResponse, body: string, headers: Record<string, string | string[]> = {}, status = 200) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(body);
}

/** `--resolve` entries mapping every test name to 127.0.0.1 on the given ports. */
export function resolveAll(...ports: number[]) {
  return NAMES.flatMap((host) => ports.map((port) => ({ host, port, address: '127.0.0.1' })));
}
