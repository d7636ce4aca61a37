/**
 * nextjs/server-action-origin: Next.js 14+ compares the Origin of every Server Action POST with the request's first
 * X-Forwarded-Host value, or its Host when none arrived (`next start` fills X-Forwarded-Host from Host), and refuses
 * the action ("Invalid Server Actions request.") when they differ and `serverActions.allowedOrigins` does not list the
 * Origin's host (next 15.5.29 dist/server/app-render/action-handler.js `parseHostHeader`, csrf-protection.js
 * `isCsrfOriginAllowed`). Only the host:port is compared, never the scheme: a proxy that loses X-Forwarded-Proto
 * breaks no action, a proxy that sends its upstream's name as Host (nginx's default `Host: $proxy_host`) or drops a
 * non-default port (`$host`) breaks every one. The headers that reach Next.js are the chain simulation's.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts, FrameworkFacts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { analysis, evidences, fixOf } from '../chain/common.js';

/** Where the comparison was read (the npm package's built files; the blog says which release brought it). */
export const NEXT_ACTION_SOURCE =
  'https://www.npmjs.com/package/next/v/15.5.29 (dist/server/app-render/action-handler.js parseHostHeader, csrf-protection.js isCsrfOriginAllowed)';

const meta: CheckMeta = {
  id: 'nextjs/server-action-origin',
  severity: 'medium',
  title: 'Next.js Server Actions refused: the Origin host differs from the X-Forwarded-Host/Host that reaches Next.js',
  summary:
    'Next.js 14+ rejects a Server Action whose Origin host is not the X-Forwarded-Host (else Host) it receives; the proxy sends another host, so every action fails.',
  references: [
    NEXT_ACTION_SOURCE,
    'https://nextjs.org/blog/security-nextjs-server-components-actions',
    'https://nextjs.org/docs/app/api-reference/config/next-config-js/serverActions#allowedorigins',
  ],
};

/** csrf-protection.js `matchWildcardDomain`: `*` one label, `**` (last only) any number; `*`/`**` alone never match. */
function wildcardMatch(domain: string, pattern: string): boolean {
  const d = domain.split('.');
  const p = pattern.split('.');
  if (p.length === 1 && (p[0] === '*' || p[0] === '**')) return false;
  if (d.length < p.length) return false;
  while (p.length > 0) {
    const pp = p.pop() as string;
    const dp = d.pop();
    if (pp === '') return false;
    if (pp === '*') {
      if (!dp) return false;
      continue;
    }
    if (pp === '**') return p.length === 0 && dp !== undefined;
    if (dp !== pp) return false;
  }
  return d.length === 0;
}

/** `isCsrfOriginAllowed(originDomain, allowedOrigins)`: an entry equal to the host (with port), or a wildcard. */
export function originAllowed(host: string, allowed: string[]): boolean {
  return allowed.some((a) => a !== '' && (a === host || wildcardMatch(host, a)));
}

/** The major version of `next 15.5.29` / `next ^14.2.0`; undefined for a tag or a range without a number. */
function nextMajor(fw: FrameworkFacts): number | undefined {
  const m = /^next\s+[\^~>=v\s]*(\d+)/.exec(fw.assumedVersion ?? '');
  return m ? Number(m[1]) : undefined;
}

export const nextServerActionOrigin: Check = {
  meta,
  run(facts: Facts) {
    const out: Finding[] = [];
    for (const fw of facts.frameworks) {
      const end = fw.appEnd;
      const actions = fw.settings.serverActions;
      if (fw.kind !== 'nextjs' || !end || actions?.value !== true) continue;
      // The comparison came with Next.js 14 (13.4–13.5's experimental actions are not judged here).
      const major = nextMajor(fw);
      if (major !== undefined && major < 14) continue;
      const allowed = fw.settings.allowedOrigins;
      // A computed list (an env var split at start-up) may hold any host: nothing to say without its value.
      if (allowed?.origin === 'unknown') continue;
      const entries = (allowed?.value as string[] | undefined) ?? [];
      const a = analysis(facts);
      const seen = new Set<string>();
      for (const r of a.verdict.routes) {
        if (r.trace.unresolved || !r.trace.complete) continue;
        const steps = r.trace.steps;
        const last = steps[steps.length - 1];
        if (last?.kind !== 'framework' || last.ref?.file !== end.ref.file || last.ref.line !== end.ref.line) continue;
        let origin: string;
        try {
          origin = new URL(r.url).host;
        } catch {
          continue;
        }
        // A host the chain had to invent (a server without a name) is not an Origin a browser sends.
        if (!origin || /[<>{}$*]/.test(origin)) continue;
        // What the app server hands Next.js: the step before the framework (next start itself).
        const server = steps[steps.length - 2];
        const sent = server?.sent;
        if (!sent) continue;
        const xfh = sent['x-forwarded-host']?.split(',')[0]?.trim();
        const compared = xfh ? { name: 'X-Forwarded-Host', value: xfh } : { name: 'Host', value: sent.host };
        if (compared.value === origin || originAllowed(origin, entries)) continue;
        if (seen.has(origin)) continue;
        seen.add(origin);
        // The proxy hop that decided the host Next.js receives: the last proxy before the app.
        const proxy = [...steps].reverse().find((s) => s.kind === 'proxy' || s.kind === 'lb');
        const hostRef = r.host.lostAt?.ref ?? proxy?.conveysHost?.ref ?? proxy?.ref;
        const planned = a.plan.fixes.find((f) => f.kind === 'required' && f.id.startsWith('nginx-host'));
        out.push(
          finding(meta, {
            message:
              `Next.js (${fw.file}) has Server Actions and ${r.url} reaches it with ${compared.name}: ${compared.value ?? '(none)'}` +
              `${proxy ? ` (from ${proxy.label})` : ''}: the browser posts each action with Origin ${r.url.replace(/^(https?:\/\/[^/]+).*$/, '$1')}, ` +
              `Next.js compares its host ${origin} with ${compared.value ?? 'nothing'}` +
              `${entries.length > 0 ? ' and serverActions.allowedOrigins does not list it' : ''}, ` +
              'and answers every action "Invalid Server Actions request."',
            evidence: evidences(facts, [
              [actions.ref, "Server Action ('use server'): Origin checked against X-Forwarded-Host, else Host (Next.js 14+)"],
              [hostRef, `${compared.name} sent to Next.js: ${compared.value ?? '(none)'}`],
              [allowed?.origin === 'literal' ? allowed.ref : undefined, `serverActions.allowedOrigins: ${origin} not listed`],
            ]),
            why: "Next.js takes the Origin's host (with its port) and accepts the action only when it equals the first X-Forwarded-Host value, or the Host header when no X-Forwarded-Host arrived, or an allowedOrigins entry. Only the host is compared, not the scheme. A proxy that passes its upstream's name as Host, or the public host without its non-default port, makes every action a cross-origin one.",
            fix: fixOf(planned) ?? {
              description: `Make the proxy pass the browser's host with its port (nginx: proxy_set_header X-Forwarded-Host $http_host; or Host $http_host), or list ${origin} in experimental.serverActions.allowedOrigins of next.config.`,
            },
            data: { route: r.id, origin, compared: compared.name, received: compared.value, framework: 'nextjs' },
          }),
        );
      }
    }
    return out;
  },
};
