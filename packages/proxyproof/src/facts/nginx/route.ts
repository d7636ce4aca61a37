/**
 * Which server and location of the model answer a request: nginx's selection rules, so the chain
 * simulator can say "an HTTPS request to https://shop.example.com/api/ is handled by location /api/".
 *
 * Server: among servers listening on the port (and, for TLS, with an ssl listener), by server_name —
 * exact name, longest `*.` wildcard, longest `.*` wildcard, first regex (`~`) in order — else the port's
 * default_server, else the first server on the port (ngx_http_find_virtual_server).
 * Location (ngx_http_core_find_location): `=` exact match wins; else the longest prefix, searched
 * recursively in its nested locations; then, unless that prefix is `^~`, the level's regex locations
 * in order of appearance (`~` case-sensitive, `~*` not), first match wins. Named locations are only
 * reached internally. `if` blocks depend on run-time values and are not evaluated.
 */
import type { NginxModel, NginxScope, NginxServer } from './types.js';

export interface RouteRequest {
  host: string;
  port: number;
  /** Scheme the client used; https requires an ssl listener on the port. */
  tls: boolean;
}

function nameMatches(name: string, host: string): number {
  const h = host.toLowerCase();
  const n = name.toLowerCase();
  if (n.startsWith('~')) {
    try {
      return new RegExp(name.slice(1), 'i').test(host) ? 1 : 0;
    } catch {
      return 0;
    }
  }
  if (n === h) return 1_000_000;
  if (n.startsWith('*.') && h.endsWith(n.slice(1))) return 100_000 + n.length;
  if (n.startsWith('.') && (h === n.slice(1) || h.endsWith(n))) return 100_000 + n.length;
  if (n.endsWith('.*') && h.startsWith(n.slice(0, -1))) return 10_000 + n.length;
  return 0;
}

/** The server nginx picks for a request, or undefined when no server listens on that port with that scheme. */
export function selectServer(model: NginxModel, req: RouteRequest): NginxServer | undefined {
  const onPort = model.servers.filter((s) => s.listens.some((l) => l.port === req.port && l.ssl === req.tls));
  if (onPort.length === 0) return undefined;
  let best: NginxServer | undefined;
  let bestScore = 0;
  for (const s of onPort) {
    for (const name of s.serverNames) {
      const score = nameMatches(name, req.host);
      // regexes (score 1) are tried in order: only the first one counts
      if (score > bestScore) {
        best = s;
        bestScore = score;
      }
    }
  }
  if (best) return best;
  return onPort.find((s) => s.listens.some((l) => l.port === req.port && l.defaultServer)) ?? onPort[0];
}

interface ParsedMatch {
  kind: 'exact' | 'prefix' | 'noregex' | 'regex' | 'named';
  value: string;
  caseless: boolean;
}

function parseMatch(match: string): ParsedMatch {
  const m = /^(=|\^~|~\*|~)\s*(.*)$/.exec(match.trim());
  if (match.startsWith('@')) return { kind: 'named', value: match, caseless: false };
  if (!m) return { kind: 'prefix', value: match.trim(), caseless: false };
  const op = m[1] as string;
  const value = m[2] as string;
  if (op === '=') return { kind: 'exact', value, caseless: false };
  if (op === '^~') return { kind: 'noregex', value, caseless: false };
  return { kind: 'regex', value, caseless: op === '~*' };
}

function children(server: NginxServer, parent: NginxScope): NginxScope[] {
  return server.scopes.filter((s) => s.parent === parent.index && s.kind === 'location');
}

function regexMatch(p: ParsedMatch, path: string): boolean {
  try {
    return new RegExp(p.value, p.caseless ? 'i' : '').test(path);
  } catch {
    return false;
  }
}

/** One level of ngx_http_core_find_location: returns the chosen scope, or undefined for no match. */
function findIn(server: NginxServer, level: NginxScope, path: string, depth: number): NginxScope | undefined {
  if (depth > 32) return undefined;
  const locs = children(server, level);
  let prefix: NginxScope | undefined;
  let prefixLen = -1;
  let noregex = false;
  for (const l of locs) {
    const p = parseMatch(l.match);
    if (p.kind === 'exact' && p.value === path) return l;
    if ((p.kind === 'prefix' || p.kind === 'noregex') && path.startsWith(p.value) && p.value.length > prefixLen) {
      prefix = l;
      prefixLen = p.value.length;
      noregex = p.kind === 'noregex';
    }
  }
  let found = prefix;
  if (prefix) {
    const inner = findIn(server, prefix, path, depth + 1);
    if (inner) {
      if (parseMatch(inner.match).kind === 'exact' || parseMatch(inner.match).kind === 'regex') return inner;
      found = inner;
    }
  }
  if (!noregex) {
    for (const l of locs) {
      const p = parseMatch(l.match);
      if (p.kind === 'regex' && regexMatch(p, path)) return findIn(server, l, path, depth + 1) ?? l;
    }
  }
  return found;
}

/** The location handling `path` (the URI without query), or the server scope when none matches. */
export function selectLocation(server: NginxServer, path: string): NginxScope {
  const top = server.scopes[0] as NginxScope;
  return findIn(server, top, path, 0) ?? top;
}
