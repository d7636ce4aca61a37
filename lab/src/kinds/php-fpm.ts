// php-fpm (Debian's php8.2-fpm) in the foreground from the rendered php-fpm.conf: `php-fpm8.2 -F -y <file>`
// (`-R` when the lab runs as root: the pool's user = www-data is then honoured by php-fpm itself).
// Option `writable` (paths in the rendered dir): handed to www-data first, as a deployment does for the
// folders the app writes (Laravel's storage/ and bootstrap/cache/: `chown -R www-data storage bootstrap/cache`).

import { execFileSync } from 'node:child_process';
import { chownSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessKind } from '../types.js';
import { waitUntilListening } from './ready.js';

export const PHP_FPM = '/usr/sbin/php-fpm8.2';

/** www-data's uid/gid from `id` (Debian: 33), or undefined when there is no such user. */
function wwwData(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'www-data'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'www-data'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

function chownTree(path: string, uid: number, gid: number, depth = 0): void {
  chownSync(path, uid, gid);
  if (depth < 8 && statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid, depth + 1);
}

const phpFpm: ProcessKind = {
  kind: 'php-fpm',
  async start(ctx) {
    const root = process.getuid?.() === 0;
    const writable = (ctx.spec.options?.writable as string[] | undefined) ?? [];
    const user = root && writable.length > 0 ? wwwData() : undefined;
    if (user) for (const w of writable) chownTree(join(ctx.dir, w), user.uid, user.gid);
    const argv = [PHP_FPM, '-F', '-y', ctx.file, ...(root ? ['-R'] : [])];
    const check = ctx.spawn([...argv, '-t'], { cwd: ctx.dir, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    const code = await check.exited;
    if (code !== 0) throw new Error(`php-fpm rejected ${ctx.file} (exit ${code}):\n${check.logs()}`);
    const proc = ctx.spawn(argv, { cwd: ctx.dir, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' } });
    return waitUntilListening(ctx, proc, 30000);
  },
};
export default phpFpm;
