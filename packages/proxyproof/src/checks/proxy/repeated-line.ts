/**
 * One finding for an nginx `proxy_set_header` line that repeats earlier lines of the same name in the level a
 * route takes its headers from. nginx sends every such line, duplicates included, in the order written (checked on
 * nginx 1.22.1 for X-Forwarded-Proto, Host and X-Forwarded-For), so the app server receives two header lines of one
 * name. Shared by `proxy/forwarded-proto-appended` (the scheme header) and `proxy/header-repeated` (the other
 * forwarding headers): the evidence, the lines it repeats, and the fix (comment out the earlier lines of the user's
 * own file, or this line when a stock include already sends the same value) are the same for every name; what the
 * app makes of the two lines, and so the severity and the message's end, are the caller's.
 */
import type { CheckMeta } from '../../model/check.js';
import { finding } from '../../model/check.js';
import type { Finding, Severity } from '../../model/finding.js';
import type { HeaderRule, ProxySite } from '../../model/proxy.js';
import { ev, valueFor } from './common.js';

export interface RepeatJudgement {
  severity: Severity;
  /** The message after "so ": what the app gets and does with it. */
  consequence: string;
}

/** Written in a stock params file (Debian's proxy_params), not in the user's own lines. */
export const stockRule = (h: HeaderRule) => h.from === 'builtin-include' || h.ref.origin === 'builtin';

/**
 * The earlier lines of the route's headers that `r` repeats: same name (any case), not empty, not nginx's default.
 * `end`: only `before`'s first `end` rules (a caller walking a route's list passes the list and its place, no copy).
 */
export function earlierOfName(before: HeaderRule[], r: HeaderRule, end: number = before.length): HeaderRule[] {
  const name = r.name.toLowerCase();
  const out: HeaderRule[] = [];
  for (let k = 0; k < end && k < before.length; k++) {
    const h = before[k] as HeaderRule;
    if (h.value !== null && h.from !== 'default' && h.name.toLowerCase() === name) out.push(h);
  }
  return out;
}

/**
 * The finding for `r`, repeating `earlier` (non-empty) of `site`. `display`: the header's name as the message and
 * the fix's fallback snippet write it; `judge`: the severity and consequence from the values as shown and whether
 * every line is the same.
 */
export function nginxRepeatFinding(
  meta: CheckMeta,
  site: ProxySite,
  earlier: HeaderRule[],
  r: HeaderRule,
  tls: boolean,
  display: string,
  why: string,
  judge: (values: string[], same: boolean) => RepeatJudgement,
): Finding {
  // The value sent, where the config alone decides it ($scheme, a literal); else nginx's own expression (the
  // client's $http_x_forwarded_proto, a map), as written.
  const shown = (h: HeaderRule) => {
    const v = /\{(?:in|map|\?)/.test(h.value ?? '') ? undefined : valueFor(h, tls);
    return v || (h.ref.snippet?.replace(/^\s*\S+\s+\S+\s+|;\s*$/g, '') ?? '?');
  };
  const values = [...earlier, r].map(shown);
  const same = values.every((v) => v === values[values.length - 1]) && earlier.every((h) => h.value === r.value);
  const { severity, consequence } = judge(values, same);
  // Lines the user can edit: a stock include (Debian's proxy_params) is not commented out for them.
  const own = earlier.filter((h) => !stockRule(h) && h.ref.line > 0);
  const [first, ...rest] = own;
  const base = (f: string) => f.split('/').pop() ?? f;
  const lines = earlier
    .map((h) => (h.ref.file === r.ref.file ? `line ${h.ref.line}` : `${base(h.ref.file)}:${h.ref.line}`))
    .join(', ');
  // The same value after a stock include that already sets it: this line is the one to drop.
  const dropThis = same && !stockRule(r) && own.length < earlier.length;
  const fallback = `proxy_set_header ${display}`;
  return finding(meta, {
    severity,
    message: `${site.label} sets ${display} again (after ${lines}): nginx sends every proxy_set_header line of a name, so ${consequence}`,
    // The repeat is in a stock include (Debian's proxy_params): the user's own line leads, the one the fix edits.
    evidence: (stockRule(r) && first ? [first, ...earlier.filter((h) => h !== first), r] : [r, ...earlier]).map((h) =>
      h === r ? ev(r.ref, 'sets the header again: both lines are sent') : ev(h.ref, `${display}: ${shown(h)}, sent before it`),
    ),
    why,
    fix:
      first && own.length === earlier.length
        ? {
            description: `Keep one line: comment out the earlier ${earlier.length > 1 ? 'lines' : 'line'} of the same header (the last line's value is the one nginx's other checks judge).`,
            file: first.ref.file,
            line: first.ref.line,
            lines: [`# ${first.ref.snippet ?? fallback}`],
            placement: 'replace',
            ...(rest.length
              ? {
                  also: rest.map((h) => ({
                    file: h.ref.file,
                    line: h.ref.line,
                    lines: [`# ${h.ref.snippet ?? fallback}`],
                    placement: 'replace' as const,
                  })),
                }
              : {}),
          }
        : dropThis
          ? {
              description: 'Keep one line: the stock include (proxy_params) already sends this value; comment out this line.',
              file: r.ref.file,
              line: r.ref.line,
              lines: [`# ${r.ref.snippet ?? fallback}`],
              placement: 'replace',
            }
          : {
              description: `Keep one line: the earlier ${display} comes from a stock include (proxy_params); either drop this line or replace the include with its lines minus ${display}.`,
              file: r.ref.file,
              line: r.ref.line,
            },
    data: { proxy: 'nginx', site: site.id },
  });
}
