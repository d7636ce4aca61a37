// Tomcat 10 (Debian's tomcat10, OpenJDK 17) from the rendered server.xml: `catalina.sh run -config <file>` with
// CATALINA_HOME=/usr/share/tomcat10 and a CATALINA_BASE in the process's run dir whose conf/ holds Debian's own
// web.xml, context.xml, catalina.properties and logging.properties (the machine's files, as /var/lib/tomcat10
// links them); the deployment's server.xml and webapps are used where they are, so the doctor reads what ran.
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessKind } from '../types.js';
import { waitUntilListening } from './ready.js';

export const CATALINA_HOME = '/usr/share/tomcat10';
const DEBIAN_CONF = '/etc/tomcat10';

const tomcat: ProcessKind = {
  kind: 'tomcat',
  async start(ctx) {
    const base = join(ctx.runDir, 'catalina-base');
    for (const d of ['conf', 'logs', 'temp', 'work']) mkdirSync(join(base, d), { recursive: true });
    for (const f of ['web.xml', 'context.xml', 'catalina.properties', 'logging.properties']) {
      const link = join(base, 'conf', f);
      if (!existsSync(link)) symlinkSync(join(DEBIAN_CONF, f), link);
    }
    const proc = ctx.spawn([join(CATALINA_HOME, 'bin', 'catalina.sh'), 'run', '-config', ctx.file], {
      cwd: base,
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        LANG: 'C.UTF-8',
        HOME: ctx.runDir,
        CATALINA_HOME,
        CATALINA_BASE: base,
        CATALINA_TMPDIR: join(base, 'temp'),
        // Small heap, no JIT tiers beyond C1: two shared cores start it in a few seconds.
        JAVA_OPTS: '-Djava.awt.headless=true -Xms32m -Xmx192m -XX:TieredStopAtLevel=1 -Xshare:auto',
      },
      logFiles: [],
    });
    return waitUntilListening(ctx, proc, 90000);
  },
};
export default tomcat;
