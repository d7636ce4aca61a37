import type { Check, CheckMeta } from '../../model/check.js';
import { finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { analysis, evidences, fixOf } from './common.js';

export const meta: CheckMeta = {
  id: 'chain/fragile-trust',
  severity: 'low',
  title: 'Correct only because the app server trusts loopback by default',
  summary:
    'The scheme survives today only because the proxy connects from 127.0.0.1 (or a unix socket), which gunicorn/uvicorn trust by default; moving the proxy to another host or container breaks it.',
  references: [
    'https://docs.gunicorn.org/en/stable/settings.html#forwarded-allow-ips',
    'https://docs.djangoproject.com/en/stable/ref/settings/#secure-proxy-ssl-header',
  ],
};

export const fragileTrust: Check = {
  meta,
  run(facts) {
    const a = analysis(facts);
    const out: Finding[] = [];
    for (const f of a.plan.fixes.filter((x) => x.kind === 'robustness')) {
      const app = a.topology.apps.find((x) => f.id.endsWith(x.id));
      out.push(
        finding(meta, {
          message: `${f.because}. Fix: ${f.title}.`,
          evidence: evidences(facts, [
            [app?.trusted.ref ?? app?.ref, 'trusts 127.0.0.1 by default'],
            [{ file: f.file, line: f.line }, 'add here'],
          ]),
          why: 'The day nginx moves into its own container or onto another host, the app silently believes http again (mixed content, redirect loops).',
          fix: fixOf(f),
        }),
      );
    }
    return out;
  },
};
