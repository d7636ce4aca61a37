// gunicorn from a systemd unit (ExecStart=/usr/bin/gunicorn ... or /usr/bin/python3 -m gunicorn ...).
import type { ProcessKind } from '../types.js';
import { startUnit } from './unit.js';

const gunicorn: ProcessKind = {
  kind: 'gunicorn',
  start(ctx) {
    return startUnit(ctx, (unit) => {
      const [exe, a1, a2] = unit.execStart;
      const ok =
        exe === ctx.bin.gunicorn || exe === '/usr/bin/gunicorn3' || (exe === ctx.bin.python3 && a1 === '-m' && a2 === 'gunicorn');
      if (!ok) {
        throw new Error(
          `${unit.file}:${unit.execStartLine}: ExecStart must run Debian's gunicorn (${ctx.bin.gunicorn} or ${ctx.bin.python3} -m gunicorn), got ${exe}`,
        );
      }
    });
  },
};
export default gunicorn;
