// HTTP requests as a user's curl would make them, from any host of the topology (the machine itself or a
// namespace), with the lab CA and --resolve for the test names. Bounded by --max-time.
import { systemBinaries } from './bins.js';
import { REQUEST_SAFETY_TIMEOUT_MS } from './proc.js';
import type { RunningScenario } from './types.js';

export interface HttpResult {
  ok: boolean;
  status: number;
  headers: Record<string, string>;
  setCookies: string[];
  body: string;
  /** curl's error (connection refused, timeout...) when ok is false */
  error?: string;
  exitCode: number | null;
}

// curl's --max-time when the caller gives none: a safety net (proc.ts); with 5 s a slow answer was a failed request.
const DEFAULT_MAX_TIME_S = REQUEST_SAFETY_TIMEOUT_MS / 1000;

export async function curlVia(
  sc: Pick<RunningScenario, 'execOn' | 'resolve' | 'caFile'>,
  url: string,
  opts: {
    from?: string;
    headers?: Record<string, string>;
    method?: string;
    data?: string;
    maxTimeS?: number;
    resolve?: boolean;
  } = {},
): Promise<HttpResult> {
  const bin = systemBinaries();
  const argv = [bin.curl, '-sS', '-i', '--max-time', String(opts.maxTimeS ?? DEFAULT_MAX_TIME_S), '--cacert', sc.caFile];
  if (opts.method) argv.push('-X', opts.method);
  if (opts.data !== undefined) argv.push('--data-raw', opts.data);
  if (opts.resolve !== false) for (const r of sc.resolve) argv.push('--resolve', `${r.host}:${r.port}:${r.address}`);
  for (const [k, v] of Object.entries(opts.headers ?? {})) argv.push('-H', `${k}: ${v}`);
  argv.push(url);
  const r = await sc.execOn(opts.from ?? 'client', argv, (opts.maxTimeS ?? DEFAULT_MAX_TIME_S) * 1000 + 3000);
  if (r.code !== 0)
    return { ok: false, status: 0, headers: {}, setCookies: [], body: '', error: r.stderr.trim(), exitCode: r.code };
  const raw = r.stdout.replace(/\r\n/g, '\n');
  const split = raw.indexOf('\n\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const body = split >= 0 ? raw.slice(split + 2) : '';
  const lines = head.split('\n');
  const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  const setCookies: string[] = [];
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i <= 0) continue;
    const name = l.slice(0, i).trim().toLowerCase();
    const value = l.slice(i + 1).trim();
    if (name === 'set-cookie') setCookies.push(value);
    headers[name] = headers[name] && name !== 'set-cookie' ? `${headers[name]}, ${value}` : value;
  }
  return { ok: true, status, headers, setCookies, body, exitCode: r.code };
}
