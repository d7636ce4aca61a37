/**
 * The generic HTTP app at the end of a route the chain could not link (the app is not one we model, or not in the
 * files): what the last proxy of the route tells whatever listens there — the scheme it conveys and the header that
 * carries it — so the doctor still says where https is lost and what the app must trust, instead of "unknown".
 * Used by the doctor's verdict line (chain/render.ts) and by checks/chain/link-unresolved.
 */
import type { Ref } from './model.js';
import type { Trace } from './simulate.js';

export interface GenericAppEnd {
  /** What the last proxy conveys: 'https', 'http' or 'absent' (never 'unknown': then there is nothing to say). */
  scheme: string;
  /** 1-based index of the last proxy step in the trace. */
  step: number;
  label: string;
  header: string;
  ref?: Ref;
  /** Evidence note for the line that decides it. */
  note: string;
  /** One sentence: what arrives at the backend and what follows for an app there. */
  text: string;
  /** True when an https request is already http (or scheme-less) when it leaves the last proxy. */
  lost: boolean;
  /** The last proxy reaches the backend over TLS and sends no scheme header (nginx `proxy_pass https://`). */
  tls?: boolean;
}

export function genericAppEnd(trace: Trace, expected: string): GenericAppEnd | undefined {
  const steps = trace.steps;
  let idx = -1;
  for (let i = steps.length - 1; i >= 0; i--) {
    const k = steps[i]?.kind;
    if (k === 'proxy' || k === 'lb') {
      idx = i;
      break;
    }
  }
  const last = steps[idx];
  if (!last || (last.kind !== 'proxy' && last.kind !== 'lb')) return undefined;
  const c = last.conveys;
  if (!c || c.scheme === 'unknown') return undefined;
  // https by the link alone (proxy_pass https://, no scheme header): the backend gets a TLS connection, no header.
  if (c.scheme === 'https' && c.header === undefined)
    return {
      scheme: 'https',
      step: idx,
      label: last.label,
      header: 'TLS connection',
      ref: c.ref ?? last.ref,
      lost: false,
      tls: true,
      note: 'proxies over TLS, with no X-Forwarded-Proto',
      text: `The backend is reached over TLS from ${last.label}, which sends it no X-Forwarded-Proto: an app there that reads its own connection believes https; one that reads only X-Forwarded-Proto gets none and builds http:// URLs.`,
    };
  const header = (c.header ?? 'X-Forwarded-Proto').replace(/(^|-)([a-z])/g, (_m, d: string, ch: string) => d + ch.toUpperCase());
  if (c.scheme === 'https')
    return {
      scheme: 'https',
      step: idx,
      label: last.label,
      header,
      ref: c.ref,
      lost: false,
      note: `${header}: https, sent to the backend`,
      // The link to the backend may be TLS (HAProxy `server ... ssl`, proxy_pass https://): not said to be plain.
      text: `The backend receives ${header}: https from ${last.label}: an app there believes https only if it trusts ${header} from that proxy's address or the link to it is TLS; otherwise it builds http:// URLs.`,
    };
  const lost = expected === 'https';
  return {
    scheme: c.scheme,
    step: idx,
    label: last.label,
    header,
    ref: c.ref ?? last.ref,
    lost,
    note: c.scheme === 'absent' ? `no ${header} is sent to the backend` : `${header}: ${c.scheme}, sent to the backend`,
    text: `The backend receives ${c.scheme === 'absent' ? `no ${header}` : `${header}: ${c.scheme}`} from ${last.label}${lost ? ': an https request is already http there (lost at this proxy), whatever the app trusts' : ''}.`,
  };
}
