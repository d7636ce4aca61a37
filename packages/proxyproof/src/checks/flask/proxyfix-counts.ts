/**
 * flask/proxyfix-counts: ProxyFix hop counts that do not match the proxies in front: x_proto=0
 * (scheme never taken) or counts larger than the proxies seen (the extra values are client-forged).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { REFS } from '../appserver/common.js';
import { ev } from '../appserver/context.js';
import { flaskApps, forwardedForDepth, hasProxyFix, proxiesSeen, proxiesToCount } from './common.js';

const meta: CheckMeta = {
  id: 'flask/proxyfix-counts',
  severity: 'medium',
  title: 'ProxyFix counts do not match the proxies in front of the app',
  summary: 'x_proto=0 ignores the scheme; a count larger than the number of proxies trusts values a client wrote.',
  references: [REFS.werkzeugProxyFix, REFS.flaskProxies],
};

/** ProxyFix's positional parameters after the app (Werkzeug >= 0.15): `ProxyFix(app, x_for, x_proto, x_host, ...)`. */
const POSITIONAL = ['x_for', 'x_proto', 'x_host', 'x_port', 'x_prefix'];

/**
 * The ProxyFix line with the counts set to `want`, everything else as written (the app's name, the other counts,
 * spacing, a trailing comment): keyword counts are rewritten where they stand, positional ones in their place, a
 * count written nowhere is added as a keyword before the closing parenthesis. Undefined when the call does not
 * open and close on that one line or an argument is not a plain literal (then the fix is advice).
 */
export function rewriteCounts(line: string, want: Record<string, number>): string | undefined {
  const open = line.indexOf('ProxyFix(');
  if (open < 0) return undefined;
  const start = open + 'ProxyFix('.length;
  let depth = 1;
  let end = -1;
  for (let i = start; i < line.length; i++) {
    const ch = line[i];
    if (ch === '#' || ch === '"' || ch === "'") return undefined;
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) {
      end = i;
      break;
    }
  }
  if (end < 0) return undefined;
  const args = line.slice(start, end).split(',');
  const left = { ...want };
  let positional = 0;
  let plain = true;
  const out = args.map((a, i) => {
    if (i === 0) return a;
    const kw = /^(\s*)([a-z_]+)(\s*=\s*)(\d+)(\s*)$/.exec(a);
    if (kw) {
      const name = kw[2] as string;
      if (!(name in left)) return a;
      const v = left[name] as number;
      delete left[name];
      return `${kw[1]}${name}${kw[3]}${v}${kw[5]}`;
    }
    const pos = /^(\s*)(\d+)(\s*)$/.exec(a);
    if (!pos) {
      if (a.trim() !== '' || i !== args.length - 1) plain = false;
      return a;
    }
    const name = POSITIONAL[positional++] as string;
    if (!(name in left)) return a;
    const v = left[name] as number;
    delete left[name];
    return `${pos[1]}${v}${pos[3]}`;
  });
  if (!plain) return undefined;
  // A trailing comma (`ProxyFix(app, x_for=1,)`) keeps its place after what is added.
  const trailing = out.length > 1 && (out[out.length - 1] as string).trim() === '';
  const kept = trailing ? out.slice(0, -1) : out;
  const added = Object.entries(left).map(([k, v]) => ` ${k}=${v}`);
  const inner = [...kept, ...added].join(',') + (trailing ? ',' : '');
  return `${line.slice(0, start)}${inner}${line.slice(end)}`;
}

export const proxyfixCounts: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    const proxies = proxiesSeen(facts);
    const depth = forwardedForDepth(facts);
    for (const fw of flaskApps(facts)) {
      if (!hasProxyFix(fw) || !fw.hopCounts || fw.hopCounts.origin === 'unknown') continue;
      const c = fw.hopCounts.value;
      const problems: string[] = [];
      // The counts the fix writes: only those this finding names change.
      const want: Record<string, number> = {};
      let severity = meta.severity;
      if (c.x_proto === 0) {
        problems.push('x_proto=0: X-Forwarded-Proto is never applied, so the app sees http behind a TLS-terminating proxy');
        // One: a proxy that ends TLS sets X-Forwarded-Proto (one value); ProxyFix ignores a header with fewer values.
        want.x_proto = 1;
      }
      if (proxies > 0) {
        const over = Object.entries(c).filter(([, n]) => n > proxies);
        for (const [k] of over) want[k] = proxies;
        if (over.length > 0) {
          problems.push(
            `${over.map(([k, n]) => `${k}=${n}`).join(', ')} while ${proxies} proxy is seen in front: the ${over.length > 1 ? 'values' : 'value'} beyond the first hop come${over.length > 1 ? '' : 's'} from the client and can be forged`,
          );
          if (over.some(([k]) => k === 'x_for' || k === 'x_proto' || k === 'x_host')) severity = 'high';
        }
      }
      // Fewer than the proxies that append: the right-most entry it takes is a proxy's own address (every client
      // looks like the edge proxy to rate limits and logs).
      if (depth !== undefined && depth > 1 && c.x_for !== undefined && c.x_for > 0 && c.x_for < depth) {
        problems.push(
          `x_for=${c.x_for} while ${depth} proxies append to X-Forwarded-For: request.remote_addr is a proxy's address, not the client's`,
        );
        want.x_for = depth;
      }
      if (problems.length === 0) continue;
      const ref = fw.hopCounts.ref;
      const written = ref?.line ? facts.sources.get(ref.file)?.[ref.line - 1] : undefined;
      const rewritten = written === undefined ? undefined : rewriteCounts(written, want);
      out.push(
        finding(meta, {
          severity,
          message: problems.join('; '),
          evidence: [
            ev(
              fw.hopCounts.ref,
              `ProxyFix(${Object.entries(c)
                .map(([k, n]) => `${k}=${n}`)
                .join(', ')})`,
            ),
          ],
          why: 'ProxyFix takes the N-th value from the right of each X-Forwarded-* header. With N larger than the number of proxies that append to it, it reads a value the client sent; with N=0 it ignores the header.',
          // The line as written with the counts this finding names set (`rewriteCounts`): a replacement `fix --write`
          // makes. A call spread over lines, or with arguments that are not literals, keeps the advice.
          fix:
            rewritten !== undefined && ref
              ? {
                  description: `Set ${Object.entries(want)
                    .map(([k, n]) => `${k}=${n}`)
                    .join(', ')}: each count is the number of proxies that set that header.`,
                  file: ref.file,
                  line: ref.line,
                  lines: [rewritten],
                  placement: 'replace',
                }
              : {
                  description: `Set each count to the number of proxies that set that header (${depth !== undefined && depth > 1 ? `x_for=${depth}: that many proxies append to X-Forwarded-For` : 'usually 1'}).`,
                  file: ref?.file,
                  line: ref?.line,
                  lines: [
                    `app.wsgi_app = ProxyFix(app.wsgi_app, x_for=${Math.max(1, depth ?? proxiesToCount(facts))}, x_proto=1, x_host=1)`,
                  ],
                },
          data: { counts: c, proxiesSeen: proxies },
        }),
      );
    }
    return out;
  },
};
