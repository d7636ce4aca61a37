/**
 * The prober (a collector of ProbeFacts): at most four GETs to the one backend the user named —
 * the baseline, then the same request with forged scheme headers, forged host headers and a forged
 * client address. Reachability is the baseline itself: when it gets no HTTP answer nothing else is sent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../model/finding.js';
import { type GetResult, type GetSpec, httpGet, httpGetFromNetns } from './http.js';
import { CLIENT_IP_PATHS, type ExchangeName, FORGED, type ProbeExchange, type ProbeFacts } from './types.js';

export { CLIENT_IP_PATHS };

export interface ProbeOptions {
  backend: string;
  public?: string;
  fromNetns?: string;
  timeoutMs?: number;
  /** The path to request (default: the backend URL's path, else /). */
  path?: string;
  /**
   * More paths where the app shows the client's address (a "what is my IP" view, a log-in page that greets the
   * address): each gets its own baseline and forged X-Forwarded-For, two GETs, at most CLIENT_IP_PATHS of them.
   */
  clientIpPaths?: string[];
}

/** A path the user (or the doctor's suggestion) gave: an absolute path, with its query, nothing else. */
export function clientIpPath(path: string): string {
  if (!/^\/[^\s#]*$/.test(path) || path.startsWith('//'))
    throw new InputError(`--client-ip-path: not a path on the backend: '${path}' (expected /path, e.g. /whoami)`);
  return path;
}

/** The forged headers per exchange: every common spelling of the same claim in one request. */
export function forgedHeaders(name: ExchangeName): Record<string, string> {
  switch (name) {
    case 'scheme':
      return { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Ssl': 'on', 'Front-End-Https': 'on', Forwarded: 'proto=https' };
    case 'host':
      return { 'X-Forwarded-Host': FORGED.host, Forwarded: `host="${FORGED.host}"` };
    case 'client':
      return { 'X-Forwarded-For': `${FORGED.ip}, ${FORGED.ip2}`, Forwarded: `for=${FORGED.ip}` };
    default:
      return {};
  }
}

export function parseBackend(backend: string): URL {
  let u: URL;
  try {
    u = new URL(backend);
  } catch {
    throw new InputError(`--backend: not a URL: ${backend} (expected http://HOST:PORT)`);
  }
  if (u.protocol !== 'http:')
    throw new InputError(`--backend: ${backend}: the backend is probed over plain http:// (the proxy's side)`);
  return u;
}

/**
 * `--from-netns NAME` names a namespace `ip netns` made (a file under /run/netns): checked before anything is sent,
 * so a typo is an input error, not an unreachable backend (a missing `ip` program fails the first request: notRun).
 */
export function netnsUsable(name: string): void {
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(name) || name === '.' || name === '..')
    throw new InputError(`--from-netns: not a network namespace name: '${name}'`);
  if (!['/run/netns', '/var/run/netns'].some((d) => existsSync(join(d, name))))
    throw new InputError(`--from-netns: no network namespace named '${name}' (\`ip netns list\` shows the names)`);
}

export async function probeBackend(opts: ProbeOptions): Promise<ProbeFacts> {
  const u = parseBackend(opts.backend);
  let pub: URL | undefined;
  if (opts.public) {
    try {
      pub = new URL(opts.public);
    } catch {
      throw new InputError(`--public: not a URL: ${opts.public}`);
    }
  }
  if (opts.fromNetns !== undefined) netnsUsable(opts.fromNetns);
  if (opts.path) u.pathname = opts.path;
  const extra = [...new Set((opts.clientIpPaths ?? []).map(clientIpPath))]
    .map((p) => new URL(p, u).href)
    .filter((href) => href !== u.href);
  if (extra.length > CLIENT_IP_PATHS)
    throw new InputError(`--client-ip-path: at most ${CLIENT_IP_PATHS} paths (the probe sends two requests per path)`);
  const hostHeader = pub ? pub.host : u.host;
  const get = async (spec: GetSpec): Promise<GetResult> =>
    opts.fromNetns ? httpGetFromNetns(opts.fromNetns, spec) : httpGet(spec);
  const facts: ProbeFacts = {
    backend: u.href,
    hostHeader,
    reachable: { ok: false },
    exchanges: [],
  };
  if (pub) facts.public = pub.origin;
  if (opts.fromNetns) facts.fromNetns = opts.fromNetns;
  for (const name of ['baseline', 'scheme', 'host', 'client'] as const) {
    const sent = forgedHeaders(name);
    const r = await get({ url: u.href, headers: { Host: hostHeader, ...sent }, timeoutMs: opts.timeoutMs });
    const ex: ProbeExchange = { name, sent };
    if (r.ok) ex.response = r.response;
    else ex.error = r.error;
    facts.exchanges.push(ex);
    // A worker that never ran is no answer from the network: a probe that could not be made is an error, never
    // "not reachable" (which would read as "the backend is safe").
    if (name === 'baseline' && !r.ok && r.notRun)
      throw new InputError(`--from-netns ${opts.fromNetns}: the probe could not run: ${r.error}`);
    if (name === 'baseline') {
      facts.reachable = r.ok ? { ok: true } : { ok: false, error: r.error };
      if (!r.ok) return facts;
    }
  }
  // The client-address pairs on the other paths: the same baseline-then-forged comparison, its own baseline each.
  for (const url of extra) {
    for (const name of ['baseline', 'client'] as const) {
      const sent = forgedHeaders(name);
      const r = await get({ url, headers: { Host: hostHeader, ...sent }, timeoutMs: opts.timeoutMs });
      const ex: ProbeExchange = { name, sent, url };
      if (r.ok) ex.response = r.response;
      else ex.error = r.error;
      facts.exchanges.push(ex);
      if (!r.ok) break;
    }
  }
  return facts;
}
