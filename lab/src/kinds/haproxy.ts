// HAProxy (Debian's 2.6): `haproxy -db -f <haproxy.cfg>` in the foreground. The config is checked first with
// `haproxy -c` so a template mistake fails with HAProxy's own message (file:line) instead of a timeout.
// Logging goes to stderr when the config says `log stderr ...` (the lab's templates do), captured by the lab.

import type { KindContext, LabProcess, ProcessKind } from '../types.js';
import { waitUntilListening } from './ready.js';

export const haproxyKind: ProcessKind = {
  kind: 'haproxy',
  async start(ctx: KindContext): Promise<LabProcess> {
    const check = ctx.spawn([ctx.bin.haproxy, '-c', '-f', ctx.file], { cwd: ctx.dir });
    const code = await check.exited;
    if (code !== 0) throw new Error(`haproxy rejected ${ctx.file} (exit ${code}):\n${check.logs()}`);
    const proc = ctx.spawn([ctx.bin.haproxy, '-db', '-f', ctx.file], { cwd: ctx.dir });
    return waitUntilListening(ctx, proc, 20000);
  },
};

export default haproxyKind;
