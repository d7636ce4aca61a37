/**
 * The trust of the scan's browser: Chromium on Linux verifies certificates against its own root store plus the
 * CAs of the NSS database in $HOME/.pki/nssdb (it never reads /etc/ssl/certs). So every scan gets a fresh HOME
 * holding a fresh NSS database with the scan's anchors (system store, NODE_EXTRA_CA_CERTS, --ca-cert), written
 * by Debian's `certutil` (libnss3-tools), and Chromium is started with that HOME.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TrustAnchor } from '../../scan/trust.js';

export function findCertutil(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const d of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(d, 'certutil');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export interface BrowserHome {
  /** The HOME given to Chromium; its NSS database is `.pki/nssdb`. */
  home: string;
  /** Anchors written to the database. */
  imported: number;
  cleanup(): void;
}

/**
 * tmpfs when there is one: NSS's sqlite database syncs every insert, ~6x slower on a disk for the ~150
 * certificates of a system store.
 */
export function scratchDir(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

const PREFIX = 'proxyproof-browser-home-';

/**
 * Removes the homes of scans that were killed before they could clean up (the pid in the name is gone):
 * only ours (same uid), only dead pids.
 */
function sweepStale(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const n of names) {
    const pid = Number(/^proxyproof-browser-home-(\d+)-/.exec(n)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // alive
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    try {
      if (statSync(join(dir, n)).uid === process.getuid?.()) rmSync(join(dir, n), { recursive: true, force: true });
    } catch {
      /* gone already */
    }
  }
}

function run(file: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number; stderr: string }> {
  return new Promise((res) => {
    execFile(file, args, { cwd, timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, _out, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      res({ code, stderr: String(stderr || (err ? err.message : '')) });
    });
  });
}

/**
 * A fresh HOME with `.pki/nssdb` trusting exactly the given anchors: CAs as `C,,` (trusted to issue server
 * certificates), a self-signed server certificate given as its own anchor as `P,,` (trusted peer). One
 * certutil process in batch mode (a process per certificate costs seconds).
 */
export async function makeBrowserHome(anchors: TrustAnchor[], certutil: string, timeoutMs = 120_000): Promise<BrowserHome> {
  const scratch = scratchDir();
  sweepStale(scratch);
  const home = mkdtempSync(join(scratch, `${PREFIX}${process.pid}-`));
  const cleanup = () => rmSync(home, { recursive: true, force: true });
  try {
    const db = join(home, '.pki', 'nssdb');
    mkdirSync(db, { recursive: true });
    const init = await run(certutil, ['-N', '-d', 'sql:.pki/nssdb', '--empty-password'], home, timeoutMs);
    if (init.code !== 0) throw new Error(`certutil -N failed: ${init.stderr.trim().split('\n')[0]}`);
    if (anchors.length) {
      const pemDir = join(home, 'anchors');
      mkdirSync(pemDir);
      // Relative paths in the batch file: certutil splits its lines on spaces.
      const lines = anchors.map((a, i) => {
        writeFileSync(join(pemDir, `${i}.pem`), a.pem);
        return `-A -n proxyproof-anchor-${i} -t ${a.ca ? 'C,,' : 'P,,'} -i anchors/${i}.pem`;
      });
      writeFileSync(join(home, 'batch.txt'), `${lines.join('\n')}\n`);
      const r = await run(certutil, ['-B', '-d', 'sql:.pki/nssdb', '-i', 'batch.txt'], home, timeoutMs);
      rmSync(pemDir, { recursive: true, force: true });
      if (r.code !== 0) throw new Error(`certutil could not import the trusted certificates: ${r.stderr.trim().split('\n')[0]}`);
    }
    return { home, imported: anchors.length, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}
