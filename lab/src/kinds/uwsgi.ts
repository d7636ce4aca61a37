// uWSGI (Debian's uwsgi with uwsgi-plugin-python3) from a systemd unit: ExecStart=/usr/bin/uwsgi --ini <file>
// (or other uwsgi options). The ini names the plugin (`plugins = python3`): Debian's uwsgi core has none built in.
import type { ProcessKind } from '../types.js';
import { startUnit } from './unit.js';

const uwsgi: ProcessKind = {
  kind: 'uwsgi',
  start(ctx) {
    return startUnit(ctx, (unit) => {
      const [exe] = unit.execStart;
      if (exe !== '/usr/bin/uwsgi' && exe !== '/usr/bin/uwsgi_python3')
        throw new Error(`${unit.file}:${unit.execStartLine}: ExecStart must run Debian's uwsgi (/usr/bin/uwsgi), got ${exe}`);
    });
  },
};
export default uwsgi;
