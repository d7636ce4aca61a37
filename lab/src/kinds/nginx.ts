// nginx from the rendered main configuration: nginx -c <dir>/<file> -p <runDir>/ -e stderr -g 'daemon off; ...'.
// The prefix (-p) is this process's own run dir, so temp dirs and relative paths stay inside the lab.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessKind } from '../types.js';

const nginx: ProcessKind = {
  kind: 'nginx',
  async start(ctx) {
    const conf = readFileSync(ctx.file, 'utf8');
    const globals = ['daemon off;'];
    if (!/^\s*pid\s/m.test(conf)) globals.push(`pid ${join(ctx.runDir, 'nginx.pid')};`);
    const base = [ctx.bin.nginx, '-c', ctx.file, '-p', `${ctx.runDir}/`, '-e', 'stderr'];
    // Validate first: a config error is reported with nginx's own file:line message.
    const test = ctx.spawn([...base, '-t', '-g', globals.join(' ')], {});
    const code = await test.exited;
    if (code !== 0) throw new Error(`nginx -t failed for ${ctx.file}\n${test.logs()}`);
    const proc = ctx.spawn([...base, '-g', globals.join(' ')], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
    });
    const address = ctx.vars[ctx.spec.listen.addressVar]!;
    const port = Number(ctx.vars[ctx.spec.listen.portVar]);
    try {
      // The safety net of every other kind's start (ready.ts waitUntilListening): a start ends the wait at once.
      await ctx.waitForTcp(proc, address === '0.0.0.0' ? '127.0.0.1' : address, port, 90_000);
    } catch (e) {
      await proc.stop();
      throw e;
    }
    return proc;
  },
};
export default nginx;
