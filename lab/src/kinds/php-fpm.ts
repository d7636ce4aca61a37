// php-fpm (Debian's php8.2-fpm) in the foreground from the rendered php-fpm.conf: `php-fpm8.2 -F -y <file>`
// (`-R` when the lab runs as root: the pool's user = www-data is then honoured by php-fpm itself).
import type { ProcessKind } from '../types.js';
import { waitUntilListening } from './ready.js';

export const PHP_FPM = '/usr/sbin/php-fpm8.2';

const phpFpm: ProcessKind = {
  kind: 'php-fpm',
  async start(ctx) {
    const argv = [PHP_FPM, '-F', '-y', ctx.file, ...(process.getuid?.() === 0 ? ['-R'] : [])];
    const check = ctx.spawn([...argv, '-t'], { cwd: ctx.dir, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    const code = await check.exited;
    if (code !== 0) throw new Error(`php-fpm rejected ${ctx.file} (exit ${code}):\n${check.logs()}`);
    const proc = ctx.spawn(argv, { cwd: ctx.dir, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' } });
    return waitUntilListening(ctx, proc, 30000);
  },
};
export default phpFpm;
