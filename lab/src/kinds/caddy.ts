// Caddy (Debian's caddy 2.6): `caddy run` from the rendered Caddyfile, fully offline — the Caddyfile carries
// `admin off` and `skip_install_trust` and its own certificates (`tls <cert> <key>`); HOME and the XDG dirs
// point into the process's run dir so Caddy's storage (certificates, autosave.json, locks) never touches the
// machine's. Caddy picks its adapter from the file name: a file whose name starts with "Caddyfile" is a
// Caddyfile, anything else is JSON.
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { KindContext, LabProcess, ProcessKind } from '../types.js';
import { waitUntilListening } from './ready.js';

/** The environment Caddy runs with: PATH and its storage/config dirs inside runDir, nothing else inherited. */
export function caddyEnv(runDir: string): Record<string, string> {
  const home = join(runDir, 'home');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
  };
  for (const d of [env.HOME!, env.XDG_DATA_HOME!, env.XDG_CONFIG_HOME!]) mkdirSync(d, { recursive: true });
  return env;
}

export function caddyArgv(caddy: string, file: string): string[] {
  const adapter = basename(file).startsWith('Caddyfile') ? ['--adapter', 'caddyfile'] : [];
  return [caddy, 'run', '--config', file, ...adapter];
}

export const caddyKind: ProcessKind = {
  kind: 'caddy',
  async start(ctx: KindContext): Promise<LabProcess> {
    const proc = ctx.spawn(caddyArgv(ctx.bin.caddy, ctx.file), { cwd: ctx.dir, env: caddyEnv(ctx.runDir) });
    return waitUntilListening(ctx, proc, 20000);
  },
};

export default caddyKind;
