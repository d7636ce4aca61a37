/**
 * One bounded plain-HTTP GET: no redirects followed, a connect+response timeout, at most BODY_CAP bytes
 * of body read. Run in-process, or inside a network namespace through `ip netns exec NAME node http.js`
 * (this file is its own worker: the same code answers both ways).
 */
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { ProbeResponse } from './types.js';

export const BODY_CAP = 256 * 1024;
export const TIMEOUT_MS = 5000;
/**
 * What a worker process in a network namespace may take to start before its own request timeout begins:
 * `ip netns exec` plus a fresh node (and tsx, when run from source) took over 10 s on a shared 2-core machine
 * at load 25, so a tight bound here made a sound probe report "no answer". It only ends a hung worker.
 */
const NETNS_START_MS = 60_000;

export interface GetSpec {
  url: string;
  headers: Record<string, string>;
  timeoutMs?: number;
}

/** `notRun`: the request was never made (the namespace worker could not start or answer): no network answer. */
export type GetResult = { ok: true; response: ProbeResponse } | { ok: false; error: string; notRun?: true };

export function httpGet(spec: GetSpec): Promise<GetResult> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: GetResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    let u: URL;
    try {
      u = new URL(spec.url);
    } catch {
      finish({ ok: false, error: `not a URL: ${spec.url}` });
      return;
    }
    const timeout = spec.timeoutMs ?? TIMEOUT_MS;
    const req = request(
      {
        host: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port || 80,
        path: `${u.pathname}${u.search}`,
        method: 'GET',
        headers: { 'user-agent': 'proxyproof-probe', accept: 'text/html,*/*', connection: 'close', ...spec.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (c: Buffer) => {
          if (size >= BODY_CAP) {
            truncated = true;
            res.destroy();
            return;
          }
          chunks.push(c);
          size += c.length;
        });
        const end = () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (k === 'set-cookie' || v === undefined) continue;
            headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
          }
          finish({
            ok: true,
            response: {
              status: res.statusCode ?? 0,
              headers,
              setCookies: res.headers['set-cookie'] ?? [],
              body: Buffer.concat(chunks).subarray(0, BODY_CAP).toString('utf8'),
              truncated: truncated || size > BODY_CAP,
            },
          });
        };
        res.on('end', end);
        res.on('close', end);
        res.on('error', end);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, error: `no answer within ${timeout} ms` });
    }, timeout);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ? `${e.code} (${e.message})` : e.message }));
    req.end();
  });
}

/** The same GET made from inside a network namespace (root, `ip netns`). */
export function httpGetFromNetns(netns: string, spec: GetSpec, ipBin = 'ip'): GetResult {
  const self = fileURLToPath(import.meta.url);
  const timeout = spec.timeoutMs ?? TIMEOUT_MS;
  // Run from source (tests, through tsx) the worker is TypeScript: load it the same way.
  const loader = self.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const r = spawnSync(ipBin, ['netns', 'exec', netns, process.execPath, ...loader, self, JSON.stringify(spec)], {
    encoding: 'utf8',
    timeout: timeout + NETNS_START_MS,
    maxBuffer: BODY_CAP * 4 + 65536,
  });
  if (r.error) return { ok: false, error: `ip netns exec ${netns}: ${r.error.message}`, notRun: true };
  if (r.status !== 0)
    return {
      ok: false,
      error: `ip netns exec ${netns}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`,
      notRun: true,
    };
  try {
    return JSON.parse(r.stdout) as GetResult;
  } catch {
    return { ok: false, error: `ip netns exec ${netns}: unreadable answer`, notRun: true };
  }
}

// Worker mode: `node http.js '<GetSpec JSON>'` prints the GetResult as JSON.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as GetSpec;
  httpGet(spec).then((r) => {
    process.stdout.write(JSON.stringify(r));
  });
}
