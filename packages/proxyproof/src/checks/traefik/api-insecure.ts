/**
 * traefik/api-insecure: `--api.insecure=true` serves the API and dashboard without authentication on
 * the `traefik` entrypoint (:8080). Not a forwarded-header problem, but it exposes the routing
 * configuration of the front door itself.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { ev } from '../proxy/common.js';
import { TRAEFIK_DOCS } from './common.js';

const meta: CheckMeta = {
  id: 'traefik/api-insecure',
  severity: 'low',
  title: 'The Traefik API and dashboard are served without authentication',
  summary: 'api.insecure exposes the dashboard on the traefik entrypoint (:8080) to whoever reaches that port.',
  references: [TRAEFIK_DOCS.api],
};

export const traefikApiInsecure: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const p of facts.proxies ?? []) {
      const r = p.traefik?.apiInsecure;
      if (!r) continue;
      out.push(
        finding(meta, {
          message:
            'api.insecure=true: the Traefik API and dashboard answer on :8080 without authentication (published ports make them public)',
          evidence: [ev(r, 'api.insecure=true')],
          why: 'The dashboard lists every router, service and middleware of the front door; insecure mode serves it with no authentication on the traefik entrypoint.',
          fix: {
            description:
              'Remove api.insecure and publish the dashboard through a router with an authentication middleware (or do not publish port 8080).',
            file: r.file,
            line: r.line,
          },
        }),
      );
    }
    return out;
  },
};
