/**
 * Test helpers: run the built CLI as a user does, with a timeout. The timeout is a safety net that ends a hung
 * run with a clear message, never the assertion: it is generous because CI machines are shared and can be
 * loaded far beyond their core count.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/proxyproof.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How long a CLI run may take before the helper kills it (a safety net, see above). */
export const CLI_SAFETY_TIMEOUT_MS = 300_000;

export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? CLI_SAFETY_TIMEOUT_MS,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const killed = r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? killedNote(args, opts.timeoutMs) : '';
  return { code: r.status, stdout: r.stdout, stderr: r.stderr + killed };
}

/**
 * The CLI as a child process without blocking this one: for tests whose servers (a site, a backend) run in
 * this process and must answer while the CLI talks to them. Killed after the timeout.
 */
export function runCliAsync(
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    let killed = '';
    const t = setTimeout(() => {
      killed = killedNote(args, opts.timeoutMs);
      p.kill('SIGKILL');
    }, opts.timeoutMs ?? CLI_SAFETY_TIMEOUT_MS);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr: stderr + killed });
    });
  });
}

function killedNote(args: string[], timeoutMs: number | undefined): string {
  return `\n[test helper: proxyproof ${args.join(' ')} killed after ${(timeoutMs ?? CLI_SAFETY_TIMEOUT_MS) / 1000} s]\n`;
}
