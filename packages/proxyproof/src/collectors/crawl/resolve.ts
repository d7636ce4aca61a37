/** curl-style `--resolve host:port:address` (no dependencies: the CLI parses it before loading the crawler). */
import { isIP } from 'node:net';
import { InputError } from '../../model/finding.js';

export interface ResolveEntry {
  host: string;
  port: number;
  address: string;
}

/** Parses curl's `host:port:address` (IPv6 addresses may be bracketed). */
export function parseResolve(spec: string): ResolveEntry {
  const m = /^([^:\s]+):(\d{1,5}):\[?([0-9A-Fa-f:.]+)\]?$/.exec(spec.trim());
  if (!m || isIP(m[3]!) === 0 || Number(m[2]) > 65535) {
    throw new InputError(`--resolve '${spec}': expected HOST:PORT:ADDRESS (like curl), e.g. app.test:443:127.0.0.1`);
  }
  return { host: m[1]!.toLowerCase(), port: Number(m[2]), address: m[3]! };
}
