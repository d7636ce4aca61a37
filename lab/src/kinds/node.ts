// A Node.js app (Debian-independent: the lab's own `node`, Node 20) — from a systemd unit whose ExecStart runs
// `node <entry>` (WorkingDirectory/Environment= honoured, as systemd would), or directly from an entry file
// (`.mjs`/`.js`/`.cjs`), run as `node <file>` in the rendered dir. The unit's `node` (/usr/bin/node,
// /usr/local/bin/node or plain `node`) is replaced by the node running the lab.
import { existsSync, lstatSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LAB_ROOT } from '../scenarios.js';
import { readUnit } from '../systemd.js';
import type { KindContext, LabProcess, ProcessKind } from '../types.js';
import { ensureNextBuild, isNextApp } from './next-build.js';
import { waitUntilListening } from './ready.js';
import { startUnit } from './unit.js';

/** The workspace's node_modules (express, @proxyproof/forwarded as a workspace link, ...). */
export const WORKSPACE_NODE_MODULES = resolve(LAB_ROOT, '..', 'node_modules');

/**
 * A deployed Node app has its node_modules next to its package.json. The lab's rendered app has the
 * package.json but not the installed packages: link the workspace's node_modules there (a real `npm ci` would
 * need the network). Only when the app dir is inside the rendered deployment and has no node_modules yet.
 */
export function linkNodeModules(appDir: string, deployDir: string): void {
  const abs = resolve(appDir);
  if (!(abs === resolve(deployDir) || abs.startsWith(`${resolve(deployDir)}/`))) return;
  if (!existsSync(join(abs, 'package.json'))) return;
  const target = join(abs, 'node_modules');
  try {
    lstatSync(target);
    return; // already there (a directory or a link)
  } catch {
    // missing: link it
  }
  symlinkSync(WORKSPACE_NODE_MODULES, target, 'dir');
}

const NODE_NAMES = /^(?:(?:\/usr(?:\/local)?)?\/bin\/)?node(?:js)?$/;

export const nodeKind: ProcessKind = {
  kind: 'node',
  async start(ctx: KindContext): Promise<LabProcess> {
    if (ctx.file.endsWith('.service')) {
      const wd = readUnit(ctx.file).workingDirectory ?? ctx.dir;
      linkNodeModules(wd, ctx.dir);
      // A Next.js app runs `next start`, which serves the `.next` build only.
      if (isNextApp(wd) && !existsSync(join(wd, '.next', 'BUILD_ID')))
        await ensureNextBuild(wd, WORKSPACE_NODE_MODULES, ctx.bin.node);
      return startUnit(ctx, (unit) => {
        const exe = unit.execStart[0];
        if (!exe || !NODE_NAMES.test(exe)) {
          throw new Error(
            `${unit.file}:${unit.execStartLine}: ExecStart must run node (e.g. /usr/bin/node server.mjs), got ${exe ?? 'nothing'}`,
          );
        }
        unit.execStart[0] = ctx.bin.node;
      });
    }
    if (!/\.(?:mjs|cjs|js)$/.test(ctx.file)) {
      throw new Error(
        `${ctx.scenario.id}: process ${ctx.spec.name}: a node process starts from a .service unit or a .mjs/.js/.cjs entry file, got ${ctx.file}`,
      );
    }
    linkNodeModules(dirname(ctx.file), ctx.dir);
    const proc = ctx.spawn([ctx.bin.node, ctx.file], {
      cwd: ctx.dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: ctx.runDir, NODE_ENV: 'production' },
    });
    return waitUntilListening(ctx, proc, 20000);
  },
};

export default nodeKind;
