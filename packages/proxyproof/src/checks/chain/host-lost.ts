import { fixForRoute } from '../../chain/plan.js';
import type { Check, CheckMeta } from '../../model/check.js';
import { finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { analysis, evidences, fixOf, path, refText } from './common.js';

export const meta: CheckMeta = {
  id: 'chain/host-lost',
  severity: 'medium',
  title: 'The app builds URLs for a different host or port than the browser used',
  summary:
    "Simulating a request through the chain, the host the framework uses for absolute URLs differs from the one in the browser's address bar (usually a lost non-default port).",
  references: [
    'https://nginx.org/en/docs/http/ngx_http_core_module.html#var_host',
    'https://docs.djangoproject.com/en/stable/ref/request-response/#django.http.HttpRequest.get_host',
  ],
};

export const hostLost: Check = {
  meta,
  run(facts) {
    const a = analysis(facts);
    const out: Finding[] = [];
    for (const r of a.verdict.routes) {
      if (r.host.status !== 'lost') continue;
      const lost = r.host.lostAt;
      const fix = fixForRoute(a.plan.fixes, a.verdict.routes, r, (f) => f.id.startsWith('nginx-host'));
      out.push(
        finding(meta, {
          message: `${r.url} (${r.route}): the app uses host ${r.host.believed ?? '(none)'} instead of ${r.host.expected}${lost ? `, lost at hop ${lost.step} (${lost.label}): ${lost.reason}${lost.ref ? ` (${refText(lost.ref)})` : ''}` : ''}.\nchain: ${path(r.trace)}`,
          evidence: evidences(facts, [[lost?.ref ?? r.trace.steps[1]?.ref, 'host decided here']]),
          why: 'Absolute URLs and redirects point to the wrong authority: a lost port sends the browser to :443 where nothing (or another site) answers.',
          fix: fixOf(fix),
          data: { route: r.id, believed: r.host.believed, expected: r.host.expected },
        }),
      );
    }
    return out;
  },
};
