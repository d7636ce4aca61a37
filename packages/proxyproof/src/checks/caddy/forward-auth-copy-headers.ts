/**
 * caddy/forward-auth-copy-headers: a `forward_auth` with `copy_headers` on a Caddy that may be 2.10.0–2.11.1. Those
 * releases (caddyserver/caddy#6608, a regression) set each copied header only when the auth service's reply has it and
 * never delete the client's own: when the auth service answers 2xx without one of them, the client's value (`Remote-User:
 * admin`) reaches the backend. GHSA-7r4p-vjf4-gxv4, fixed in 2.11.2 (caddyserver/caddy#7545: an unconditional delete
 * before each set). Info: it matters only where the backend trusts these headers and the auth service can answer 2xx
 * without them (bypass rules, stateless token checks).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { ev } from '../proxy/common.js';

const meta: CheckMeta = {
  id: 'caddy/forward-auth-copy-headers',
  severity: 'info',
  title: 'forward_auth copy_headers keeps a client’s own identity headers on Caddy 2.10.0–2.11.1',
  summary:
    'On Caddy 2.10.0 to 2.11.1, copy_headers does not remove a client-sent header the auth service did not return (GHSA-7r4p-vjf4-gxv4).',
  references: [
    'https://github.com/caddyserver/caddy/security/advisories/GHSA-7r4p-vjf4-gxv4',
    'https://github.com/caddyserver/caddy/pull/7545',
    'https://caddyserver.com/docs/caddyfile/directives/forward_auth',
  ],
};

/** [major, minor, patch] of a version text (`2.10.2`, `v2.11`, `2-alpine` gives [2]); undefined when none. */
function parts(v: string): number[] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v.trim());
  return m ? [m[1], m[2], m[3]].filter((x) => x !== undefined).map(Number) : undefined;
}

/** Affected: 2.10.0 <= v < 2.11.2. A version written to the patch decides; a floating one (`2`, `2.11`, `latest`) may be either. */
export function affected(version: string | undefined): 'yes' | 'no' | 'maybe' {
  const p = version ? parts(version) : undefined;
  if (!p) return 'maybe';
  const [maj, min, pat] = p;
  if (maj !== 2) return maj !== undefined && maj < 2 ? 'no' : 'maybe';
  if (min === undefined) return 'maybe';
  if (min < 10) return 'no';
  if (min === 10) return 'yes';
  if (min === 11) return pat === undefined ? 'maybe' : pat < 2 ? 'yes' : 'no';
  return 'no';
}

export const caddyForwardAuthCopyHeaders: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const p of facts.proxies ?? []) {
      const copies = p.caddy?.forwardAuthCopies;
      if (!copies?.length) continue;
      const version = p.container?.version;
      const verdict = affected(version?.value);
      if (verdict === 'no') continue;
      for (const c of copies)
        out.push(
          finding(meta, {
            message: `forward_auth copies ${c.headers.join(', ')} from the auth reply; ${verdict === 'yes' ? `Caddy ${version?.value}` : version ? `Caddy ${version.value} (not pinned to a patch release)` : 'a Caddy of unknown version'} ${verdict === 'yes' ? 'is' : 'may be'} 2.10.0–2.11.1, where a header the auth service does not return keeps the client's own value (GHSA-7r4p-vjf4-gxv4)`,
            evidence: [ev(c.ref, 'copy_headers'), ...(version ? [ev(version.ref, `Caddy ${version.value}`)] : [])],
            why: 'The backend reads these headers as the authenticated identity. On the affected releases Caddy sets each one only when the auth service returns it and never removes what the client sent, so a client with any valid session can send Remote-User/Remote-Groups of its choosing whenever the auth service answers 2xx without that header (bypass rules, stateless token checks).',
            fix: {
              description:
                'Run Caddy 2.11.2 or later (pin the image tag), or remove each copied header before forward_auth inside a `route { request_header -Remote-User ... forward_auth ... reverse_proxy ... }` block (outside `route`, Caddy sorts request_header after forward_auth, which would delete the copied value too).',
            },
          }),
        );
    }
    return out;
  },
};
