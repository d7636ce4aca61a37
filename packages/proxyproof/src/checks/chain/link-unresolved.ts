import type { Ref } from '../../chain/model.js';
import { proxyById } from '../../chain/model.js';
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

/**
 * The generic HTTP app at the end of an unresolved link: what the last proxy of the browser's route tells whatever
 * listens there (the scheme it conveys and the header that carries it), so the chain still says where https is
 * lost and what the app must trust, even when the app end is not one we model or not in the files.
 */
function arrivesAtBackend(
  a: ReturnType<typeof analysis>,
  hopId: string,
  routeId: string,
): { text: string; scheme: string; ref?: Ref; note: string } | undefined {
  const v = a.verdict.routes.find((r) => r.hopId === hopId && r.routeId === routeId && r.trace.kind === 'browser');
  if (!v) return undefined;
  const last = [...v.trace.steps].reverse().find((s) => s.kind === 'proxy' || s.kind === 'lb');
  const c = last?.conveys;
  if (!last || !c) return undefined;
  const expected = v.scheme.expected;
  const header = (c.header ?? 'X-Forwarded-Proto').replace(/(^|-)([a-z])/g, (_m, d: string, ch: string) => d + ch.toUpperCase());
  if (c.scheme === 'https')
    return {
      scheme: 'https',
      ref: c.ref,
      note: `${header}: https, sent to the backend`,
      text: `The backend receives ${header}: https from ${last.label} over plain HTTP: an app there believes https only if it trusts ${header} from that proxy's address; otherwise it builds http:// URLs.`,
    };
  if (c.scheme === 'unknown') return undefined;
  const lost = expected === 'https';
  return {
    scheme: c.scheme,
    ref: c.ref ?? last.ref,
    note: c.scheme === 'absent' ? `no ${header} is sent to the backend` : `${header}: ${c.scheme}, sent to the backend`,
    text: `The backend receives ${c.scheme === 'absent' ? `no ${header}` : `${header}: ${c.scheme}`} from ${last.label}${lost ? ': an https request is already http there (lost at this proxy), whatever the app trusts' : ''}.`,
  };
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
      out.push(
        finding(meta, {
          message: `${hop?.label ?? 'a proxy'} ${route?.match ?? ''} -> ${up?.text ?? '?'}: ${l.target.reason} — ${l.target.need}.${arrives ? ` ${arrives.text}` : ''}`,
          evidence: evidences(facts, [
            [up?.ref ?? route?.ref, 'upstream'],
            ...(arrives?.ref ? [[arrives.ref, arrives.note] as [typeof arrives.ref, string]] : []),
          ]),
          why: 'Without the app server the doctor cannot tell whether the scheme survives the last hop or whether the backend is spoofable; the verdict for this route is "unknown".',
          data: { reason: l.target.reason, need: l.target.need, upstream: up?.text, arrives: arrives?.scheme },
        }),
      );
    }
    return out;
  },
};
