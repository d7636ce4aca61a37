// daphne (Django Channels' ASGI server) from a systemd unit: ExecStart=/usr/bin/daphne ... (Debian package
// `daphne`). With --proxy-headers it believes X-Forwarded-For/-Port/-Proto from ANY peer: it has no
// address allow-list like gunicorn's forwarded_allow_ips or uvicorn's --forwarded-allow-ips.
import type { ProcessKind } from '../types.js';
import { startUnit } from './unit.js';

const daphne: ProcessKind = {
  kind: 'daphne',
  start(ctx) {
    return startUnit(ctx, (unit) => {
      const [exe, a1, a2] = unit.execStart;
      const ok = exe === '/usr/bin/daphne' || (exe === ctx.bin.python3 && a1 === '-m' && a2 === 'daphne');
      if (!ok)
        throw new Error(
          `${unit.file}:${unit.execStartLine}: ExecStart must be /usr/bin/daphne ..., got ${unit.execStart.join(' ')}`,
        );
    });
  },
};
export default daphne;
