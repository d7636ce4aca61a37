// Apache httpd (Debian's apache2 2.4) from a self-contained httpd.conf: the rendered file holds what a user's
// site config holds (LoadModule lines, Listen, the TLS VirtualHost, ProxyPass, RequestHeader). The machine-
// specific runtime directives are given on the command line so the deployment file stays realistic:
//   -C (before the file): ServerRoot, DefaultRuntimeDir, PidFile, Mutex, and when running as root
//      User/Group (the workers drop to nobody:nogroup, as Debian's www-data would; Apache refuses `User root`).
//   -c (after the file): ErrorLog into the run dir (Apache cannot open /dev/stderr when stderr is a socket,
//      as Node's pipes are), which the lab appends to the process's logs.
// The config is checked first with `-t`, so a template mistake fails with Apache's own file:line message.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KindContext, LabProcess, ProcessKind } from '../types.js';
import { waitUntilListening } from './ready.js';

export function apacheErrorLog(runDir: string): string {
  return join(runDir, 'httpd', 'error.log');
}

export function apacheArgv(apache2: string, file: string, runDir: string, asRoot: boolean): string[] {
  const root = join(runDir, 'httpd');
  mkdirSync(root, { recursive: true });
  const before = [
    `ServerRoot ${root}`,
    `DefaultRuntimeDir ${root}`,
    `PidFile ${join(root, 'httpd.pid')}`,
    `Mutex file:${root} default`,
    ...(asRoot ? ['User nobody', 'Group nogroup'] : []),
  ];
  const after = [`ErrorLog ${apacheErrorLog(runDir)}`];
  return [apache2, ...before.flatMap((d) => ['-C', d]), '-f', file, ...after.flatMap((d) => ['-c', d])];
}

/** Apache's environment: Debian's apache2 binary reads APACHE_* only through apache2ctl; keep a clean one. */
function apacheEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };
}

export const apacheKind: ProcessKind = {
  kind: 'apache',
  async start(ctx: KindContext): Promise<LabProcess> {
    const asRoot = process.getuid?.() === 0;
    const argv = apacheArgv(ctx.bin.apache2, ctx.file, ctx.runDir, asRoot);
    const check = ctx.spawn([...argv, '-t'], { cwd: ctx.dir, env: apacheEnv() });
    const code = await check.exited;
    if (code !== 0) throw new Error(`apache2 rejected ${ctx.file} (exit ${code}):\n${check.logs()}`);
    const proc = ctx.spawn([...argv, '-DFOREGROUND'], { cwd: ctx.dir, env: apacheEnv(), logFiles: [apacheErrorLog(ctx.runDir)] });
    return waitUntilListening(ctx, proc, 20000);
  },
};

export default apacheKind;
