// waitress (Debian's python3-waitress) from a systemd unit: either `/usr/bin/python3 <script>.py` where the
// script calls waitress.serve(app, ...) (the common production entry point), or `/usr/bin/waitress-serve ...`.
import type { ProcessKind } from '../types.js';
import { startUnit } from './unit.js';

const waitress: ProcessKind = {
  kind: 'waitress',
  start(ctx) {
    return startUnit(ctx, (unit) => {
      const [exe, a1] = unit.execStart;
      const ok =
        exe === '/usr/bin/waitress-serve' || (exe === ctx.bin.python3 && a1 !== undefined && (a1.endsWith('.py') || a1 === '-m'));
      if (!ok)
        throw new Error(
          `${unit.file}:${unit.execStartLine}: ExecStart must be /usr/bin/waitress-serve ... or ${ctx.bin.python3} <script>.py, got ${unit.execStart.join(' ')}`,
        );
    });
  },
};
export default waitress;
