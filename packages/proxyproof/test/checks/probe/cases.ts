/** ProbeFacts builders for the probe checks' case tables. */
import { forgedHeaders } from '../../../src/probe/run.js';
import type { ProbeExchange, ProbeFacts, ProbeResponse } from '../../../src/probe/types.js';

export function resp(
  status: number,
  opts: { location?: string; cookies?: string[]; body?: string; headers?: Record<string, string> } = {},
): ProbeResponse {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.location) headers.location = opts.location;
  return { status, headers, setCookies: opts.cookies ?? [], body: opts.body ?? '', truncated: false };
}

export function facts(
  base: ProbeResponse | undefined,
  forged: Partial<Record<'scheme' | 'host' | 'client', ProbeResponse>>,
  opts: { backend?: string; netns?: string; error?: string } = {},
): ProbeFacts {
  const exchanges: ProbeExchange[] = [];
  exchanges.push(
    base ? { name: 'baseline', sent: {}, response: base } : { name: 'baseline', sent: {}, error: opts.error ?? 'ECONNREFUSED' },
  );
  for (const [name, r] of Object.entries(forged))
    exchanges.push({ name: name as ProbeExchange['name'], sent: forgedHeaders(name as ProbeExchange['name']), response: r });
  const f: ProbeFacts = {
    backend: opts.backend ?? 'http://198.51.100.2:8000/',
    hostHeader: 'app.test',
    reachable: base ? { ok: true } : { ok: false, error: opts.error ?? 'ECONNREFUSED' },
    exchanges,
  };
  if (opts.netns) f.fromNetns = opts.netns;
  return f;
}
