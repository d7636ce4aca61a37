// The lab's certificates: one CA and one leaf for the test names, made with openssl once and cached
// (shared by concurrent test processes: generated in a private dir, then renamed into place).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './proc.js';

export const CERT_NAMES = ['app.test', '*.app.test', 'www.app.test', 'api.test', 'proxy.test', 'lb.test', 'app.example.test'];
const VERSION = 'v1';

export interface LabCerts {
  dir: string;
  caFile: string;
  caKey: string;
  cert: string;
  key: string;
  /** cert + CA in one file (for servers that want the chain in one PEM, e.g. HAProxy with the key appended). */
  fullchain: string;
  /** leaf cert + key in one PEM (HAProxy's `crt`). */
  combined: string;
}

export function cacheDir(): string {
  // per user: a cache made by root must not block (or be shared with) an unprivileged run
  return process.env.PROXYPROOF_LAB_CACHE ?? join(tmpdir(), `proxyproof-lab-cache-${process.getuid?.() ?? 'u'}`);
}

function files(dir: string): LabCerts {
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    cert: join(dir, 'app.test.pem'),
    key: join(dir, 'app.test-key.pem'),
    fullchain: join(dir, 'app.test-fullchain.pem'),
    combined: join(dir, 'app.test-combined.pem'),
  };
}

function valid(c: LabCerts, openssl: string): boolean {
  if (![c.caFile, c.cert, c.key, c.fullchain, c.combined].every((f) => existsSync(f))) return false;
  // still valid for at least a day
  return run([openssl, 'x509', '-checkend', '86400', '-noout', '-in', c.cert], { allowFail: true }).code === 0;
}

export function ensureCerts(openssl = 'openssl'): LabCerts {
  const root = cacheDir();
  mkdirSync(root, { recursive: true });
  const final = join(root, `certs-${VERSION}`);
  const have = files(final);
  if (valid(have, openssl)) return have;
  // One generator at a time across processes (a lock dir; a stale one older than a minute is taken over).
  const lock = join(root, 'certs.lock');
  const deadline = Date.now() + 60000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 60000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    if (valid(have, openssl)) return have;
    return generate(root, final, openssl);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function generate(root: string, final: string, openssl: string): LabCerts {
  const work = mkdtempSync(join(root, 'certs-tmp-'));
  const c = files(work);
  const ext = join(work, 'leaf.ext');
  writeFileSync(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${[...CERT_NAMES.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',')}`,
      '',
    ].join('\n'),
  );
  run([
    openssl,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '30',
    '-subj',
    '/CN=proxyproof lab CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    c.caKey,
    '-out',
    c.caFile,
  ]);
  const csr = join(work, 'leaf.csr');
  run([openssl, 'req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', '/CN=app.test', '-keyout', c.key, '-out', csr]);
  run([
    openssl,
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    c.caFile,
    '-CAkey',
    c.caKey,
    '-CAcreateserial',
    '-days',
    '29',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    c.cert,
  ]);
  writeFileSync(c.fullchain, readFileSync(c.cert, 'utf8') + readFileSync(c.caFile, 'utf8'));
  writeFileSync(c.combined, readFileSync(c.cert, 'utf8') + readFileSync(c.key, 'utf8'));
  // Readable by unprivileged workers (nginx's www-data, apache's www-data): test keys only.
  run(['chmod', '-R', 'a+rX', work]);
  if (existsSync(final)) rmSync(final, { recursive: true, force: true });
  renameSync(work, final);
  return files(final);
}
