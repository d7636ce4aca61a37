/**
 * haproxy/http-rules-without-http-mode: a frontend/backend writes `http-request` (or legacy
 * `reqadd`) rules but neither it nor the `defaults` above it says `mode http`. HAProxy's default mode
 * is tcp, where HTTP rules are not evaluated (haproxy warns "'http-request' rules ignored for proxy
 * ... as they require HTTP mode"), so the headers are never set.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { ev, PROXY_DOCS } from '../proxy/common.js';

const meta: CheckMeta = {
  id: 'haproxy/http-rules-without-http-mode',
  severity: 'low',
  title: 'HAProxy http-request rules without `mode http` in view',
  summary: 'The section relies on a `mode http` this file does not show; in the default tcp mode the header rules are ignored.',
  references: [PROXY_DOCS.haproxyMode],
};

export const haproxyHttpRulesWithoutHttpMode: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const p of facts.proxies ?? [])
      for (const s of p.haproxy?.rulesWithoutHttpMode ?? [])
        out.push(
          finding(meta, {
            message: `${s.section} writes HTTP header rules, but no \`mode http\` is set there or in a defaults section of ${p.file}: in HAProxy's default tcp mode they are ignored`,
            evidence: [ev(s.ref, 'no mode http in view')],
            why: 'HAProxy evaluates http-request rules only in HTTP mode. A file cut from a larger config may rely on a defaults section elsewhere; if there is none, X-Forwarded-* rules silently do nothing.',
            fix: {
              description: 'Set the mode in the section.',
              file: s.ref.file,
              line: s.ref.line,
              lines: ['    mode http'],
              placement: 'after',
            },
          }),
        );
    return out;
  },
};
