/**
 * Where a Node app's code reads the request's host or scheme: what its `trust proxy` (Express), `trustProxy`
 * (Fastify) or `app.proxy` (Koa) decides. A forged X-Forwarded-Host that the trust lets through changes nothing the
 * app does unless something reads the host: Express `req.hostname`/`req.host` (X-Forwarded-Host from a trusted
 * peer), Fastify `request.hostname`/`request.host`, Koa `ctx.host`/`ctx.hostname`/`ctx.origin`/`ctx.href` (with
 * `app.proxy`), a header read of X-Forwarded-Host itself, or passport's relative `callbackURL` (passport-oauth2
 * resolves it against `X-Forwarded-Host` when the app trusts proxies). The scheme: `req.protocol`, `req.secure`,
 * `ctx.protocol`, `ctx.secure`, `ctx.origin`/`ctx.href`, a header read of X-Forwarded-Proto. A raw `Host` header
 * read (`req.get('host')`, `req.headers.host`) is recorded as `via: 'header'`: no trust setting changes it.
 *
 * Read per line of every JavaScript/TypeScript file of the app's package (route files often never mention the
 * framework), comment lines skipped, the request object by its usual names (`req`, `request`, `ctx`, `context`,
 * `_req`); never run.
 */
import type { SourceRef } from '../../model/facts.js';

export interface RequestRead {
  kind: 'host' | 'scheme';
  /**
   * `trust`: the value the trust setting decides; `header`: a header read as it arrived (raw Host, X-Forwarded-*);
   * `connection`: the app's own connection decides, no setting can change it (Hono).
   */
  via: 'trust' | 'header' | 'connection';
  /** What the code reads, as written (`req.hostname`). */
  what: string;
  ref: SourceRef;
}

const REQ = String.raw`\b(?:req|request|ctx|context|_req)(?:\.request)?`;
/** Not an assignment (`req.host = ...`): `=` that is not `==`/`===`. */
const NOT_SET = String.raw`(?!\s*=(?!=))`;
const Q = `['"\`]`;

const PATTERNS: Array<{ kind: RequestRead['kind']; via: RequestRead['via']; re: RegExp }> = [
  { kind: 'host', via: 'trust', re: new RegExp(String.raw`${REQ}\.(?:hostname|host|origin|href)\b${NOT_SET}`) },
  { kind: 'scheme', via: 'trust', re: new RegExp(String.raw`${REQ}\.(?:protocol|secure|origin|href)\b${NOT_SET}`) },
  {
    kind: 'host',
    via: 'header',
    re: new RegExp(
      String.raw`${REQ}\.(?:get|header)\(\s*${Q}(?:host|x-forwarded-host)${Q}\s*\)|${REQ}\.headers(?:\.host\b|\[\s*${Q}(?:host|x-forwarded-host)${Q}\s*\])`,
      'i',
    ),
  },
  {
    kind: 'scheme',
    via: 'header',
    re: new RegExp(
      String.raw`${REQ}\.(?:get|header)\(\s*${Q}x-forwarded-proto${Q}\s*\)|${REQ}\.headers\[\s*${Q}x-forwarded-proto${Q}\s*\]`,
      'i',
    ),
  },
  // Hono (@hono/node-server): `c.req.url` is built from the connection (`https` only on a TLS socket), and
  // hono/csrf's `csrf()` without an `origin` option compares the Origin header with that URL's origin.
  { kind: 'scheme', via: 'connection', re: /\bc\.req\.url\b|\bcsrf\(\s*\)/ },
  // passport-oauth2 (and the strategies built on it): a relative callbackURL is resolved against the request's
  // host and scheme (utils.originalURL: X-Forwarded-Host/-Proto when the app trusts proxies).
  { kind: 'host', via: 'trust', re: new RegExp(String.raw`\bcallbackURL\s*:\s*${Q}\/`) },
  { kind: 'scheme', via: 'trust', re: new RegExp(String.raw`\bcallbackURL\s*:\s*${Q}\/`) },
];

/** At most this many reads of each kind per file (the first ones are the evidence). */
const PER_FILE = 5;

export function requestReads(text: string, file: string): RequestRead[] {
  if (!/\b(?:req|request|ctx|context|_req)\b|callbackURL|\bcsrf\(/.test(text)) return [];
  const out: RequestRead[] = [];
  const counts = { host: 0, scheme: 0 };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const t = line.trimStart();
    if (t.startsWith('//') || t.startsWith('*') || t.startsWith('/*')) continue;
    for (const p of PATTERNS) {
      if (counts[p.kind] >= PER_FILE) continue;
      const m = p.re.exec(line);
      if (!m) continue;
      if (m[0].startsWith('csrf') && !text.includes('hono/csrf')) continue;
      if (out.some((r) => r.kind === p.kind && r.ref.line === i + 1)) continue;
      counts[p.kind]++;
      out.push({ kind: p.kind, via: p.via, what: m[0].trim(), ref: { file, line: i + 1, snippet: t.trimEnd() } });
    }
  }
  return out;
}
