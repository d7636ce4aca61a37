// Puma (Debian's `puma` package, running a Rails app from ruby-rails) from a systemd unit:
// ExecStart=/usr/bin/puma -C config/puma.rb config.ru.
import type { ProcessKind } from '../types.js';
import { startUnit } from './unit.js';

const puma: ProcessKind = {
  kind: 'puma',
  start(ctx) {
    return startUnit(
      ctx,
      (unit) => {
        const [exe] = unit.execStart;
        if (exe !== '/usr/bin/puma') {
          throw new Error(`${unit.file}:${unit.execStartLine}: ExecStart must run Debian's puma (/usr/bin/puma), got ${exe}`);
        }
      },
      // Booting Rails takes a few seconds on a busy machine; readiness is the listening socket.
      { timeoutMs: 60000 },
    );
  },
};
export default puma;
