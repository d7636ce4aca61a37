// uvicorn from a systemd unit. Debian's python3-uvicorn ships no /usr/bin/uvicorn script: the unit runs
// `/usr/bin/python3 -m uvicorn ...` (or a gunicorn with `-k uvicorn.workers.UvicornWorker`, which is kind gunicorn).
import type { ProcessKind } from '../types.js';
import { startUnit } from './unit.js';

const uvicorn: ProcessKind = {
  kind: 'uvicorn',
  start(ctx) {
    return startUnit(ctx, (unit) => {
      const [exe, a1, a2] = unit.execStart;
      const ok = (exe === ctx.bin.python3 && a1 === '-m' && a2 === 'uvicorn') || exe === '/usr/bin/uvicorn';
      if (!ok)
        throw new Error(
          `${unit.file}:${unit.execStartLine}: ExecStart must be ${ctx.bin.python3} -m uvicorn ..., got ${unit.execStart.join(' ')}`,
        );
    });
  },
};
export default uvicorn;
