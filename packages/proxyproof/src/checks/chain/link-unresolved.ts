import { type GenericAppEnd, genericAppEnd } from '../../chain/generic-app.js';
import { proxyById } from '../../chain/model.js';
import { isMarkdownName } from '../../collectors/fenced.js';
import type { Check, CheckMeta } from '../../model/check.js';
import { finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { analysis, evidences } from './common.js';

export const meta: CheckMeta = {
  id: 'chain/link-unresolved',
  severity: 'low',
  title: 'A proxy upstream could not be linked to what listens there',
  summary:
    'The doctor found no app server (or several) listening on an upstream address; it does not guess, and says which file would settle it.',
  references: [
    'https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server',
    'https://docs.docker.com/compose/how-tos/networking/',
  ],
};

/** The generic HTTP app at the end of an unresolved link (chain/generic-app.ts), for the browser's visit of this route. */
function arrivesAtBackend(a: ReturnType<typeof analysis>, hopId: string, routeId: string): GenericAppEnd | undefined {
  const v = a.verdict.routes.find((r) => r.hopId === hopId && r.routeId === routeId && r.trace.kind === 'browser');
  return v ? genericAppEnd(v.trace, v.scheme.expected) : undefined;
}

export const linkUnresolved: Check = {
  meta,
  run(facts) {
    const a = analysis(facts);
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const l of a.topology.links) {
      if (l.target.kind !== 'unresolved') continue;
      const hop = proxyById(a.topology, l.fromHop);
      const route = hop?.routes.find((r) => r.id === l.routeId);
      const up = route?.upstreams[l.upstream];
      const key = `${up?.text}|${l.target.reason}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const arrives = arrivesAtBackend(a, l.fromHop, l.routeId);
      // A proxy shown in a Markdown guide (collectors/fenced.ts) proxies to the reader's app, which a document
      // seldom has beside it: what it sends is still said, as information.
      const documented = hop !== undefined && isMarkdownName(hop.ref.file.split('/').pop() ?? '');
      out.push(
        finding(meta, {
          ...(documented ? { severity: 'info' as const } : {}),
          message: `${hop?.label ?? 'a proxy'} ${route?.match ?? ''} -> ${up?.text ?? '?'}: ${l.target.reason} — ${l.target.need}.${arrives ? ` ${arrives.text}` : ''}`,
          evidence: evidences(facts, [
            [up?.ref ?? route?.ref, 'upstream'],
            ...(arrives?.ref ? [[arrives.ref, arrives.note] as [typeof arrives.ref, string]] : []),
          ]),
          why: arrives
            ? 'Without the app server the doctor cannot tell whether the app trusts what its proxy sends or whether the backend is spoofable; the route ends at a generic HTTP app hop that says what arrives there.'
            : 'Without the app server the doctor cannot tell whether the scheme survives the last hop or whether the backend is spoofable; the verdict for this route is "unknown".',
          data: { reason: l.target.reason, need: l.target.need, upstream: up?.text, arrives: arrives?.scheme },
        }),
      );
    }
    return out;
  },
};
