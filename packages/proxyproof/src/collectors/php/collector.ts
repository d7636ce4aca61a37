/**
 * PHP app ends: Laravel (`app/Http/Middleware/TrustProxies.php` `$proxies`/`$headers`, Laravel 11+
 * `bootstrap/app.php` `->trustProxies(at: ...)`, `TrustProxies::at(...)`, `config/trustedproxy.php`), Symfony
 * (`config/packages[/ENV]/framework.yaml` `framework.trusted_proxies`/`trusted_headers`,
 * `Request::setTrustedProxies()` in `public/index.php`), WordPress (`wp-config.php` `$_SERVER['HTTPS']`,
 * `FORCE_SSL_ADMIN`). PHP is read line by line (collectors/appends/lines.ts), YAML with `yaml`.
 *
 * Trust model: Symfony HttpFoundation's Request::isSecure() believes X-Forwarded-Proto only from
 * trusted proxies, otherwise the `HTTPS` server variable (the FastCGI param); Laravel's TrustProxies
 * middleware trusts nobody unless `$proxies`/`at()`/config('trustedproxy.proxies') says so, and `'*'`
 * trusts the calling peer, i.e. everyone (laravel/framework src/Illuminate/Http/Middleware/TrustProxies.php).
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, parseDocument } from 'yaml';
import type { CollectContext, Collector, DiscoveredFile } from '../../model/collector.js';
import type { AppEndFacts, AppServerFacts, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { balanced, boolLiteral, codeLines, envVarIn, lit, MAX_APP_SOURCE_BYTES, quotedStrings, refAt } from '../appends/lines.js';
import { parseDockerfile } from '../deploy/formats.js';
import { isDockerfileName } from '../sniff.js';
import { builtinServers } from './builtin-server.js';
import { fpmLaunches, fpmServers, isFpmPool, poolServers } from './fpm.js';
import { imageWordpressFrameworks, modPhpServers } from './mod-php.js';
import { octaneServers } from './octane.js';
import { serversideupServers } from './serversideup.js';

export const LARAVEL_TRUST_SOURCE =
  'https://github.com/laravel/framework/blob/11.x/src/Illuminate/Http/Middleware/TrustProxies.php';
export const SYMFONY_SESSION_SOURCE =
  'https://github.com/symfony/symfony/blob/v5.4.53/src/Symfony/Component/HttpKernel/EventListener/SessionListener.php (cookie_secure auto: true when the main request isSecure())';
export const SYMFONY_REQUEST_SOURCE =
  'https://github.com/symfony/symfony/blob/7.1/src/Symfony/Component/HttpFoundation/Request.php';

interface Root {
  dir: string;
  laravel: Array<{ role: 'middleware' | 'bootstrap' | 'trustedproxy' | 'provider' | 'session'; file: string; raw: string[] }>;
  /** The app's `.env` / `.env.production` (not `.env.example`): what an `env('X')` in its config reads. */
  dotenv: Array<{ file: string; raw: string[] }>;
  /** framework.yaml files, and csrf.yaml (`csrfOnly`: read for csrf_protection only, never the fix's anchor). */
  symfony: Array<{ file: string; raw: string[]; env?: string; csrfOnly?: boolean }>;
  symfonyIndex?: { file: string; raw: string[] };
  wordpress?: { file: string; raw: string[] };
}

function rootOf(display: string, re: RegExp): string | undefined {
  const m = re.exec(display.replace(/\\/g, '/'));
  return m ? (m[1] ?? '').replace(/\/$/, '') : undefined;
}

/** A PHP trust expression -> list: '*' -> ['*'], [..] -> entries, env('X') -> env, null -> []. */
/**
 * Symfony's `private_ranges` keyword (5.2+) stands for `IpUtils::PRIVATE_SUBNETS`
 * (symfony/http-foundation IpUtils.php): loopback, RFC 1918, link-local and the IPv6 equivalents.
 */
const SYMFONY_PRIVATE_SUBNETS = [
  '127.0.0.0/8',
  '10.0.0.0/8',
  '192.168.0.0/16',
  '172.16.0.0/12',
  '169.254.0.0/16',
  '0.0.0.0/8',
  '240.0.0.0/4',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  '::ffff:0:0/96',
  '::/128',
];

/**
 * The expression of one array item or assignment starting at (line, col): up to a `,` or `;` at depth 0, or the
 * close of the enclosing array, across at most `maxLines` lines; quotes are respected (`explode(',', ...)`).
 */
export function phpItemExpr(lines: string[], line: number, col: number, maxLines = 12): string {
  let depth = 0;
  let text = '';
  let quote: string | null = null;
  for (let l = line; l < lines.length && l < line + maxLines; l++) {
    const s = l === line ? (lines[l] ?? '').slice(col) : (lines[l] ?? '');
    for (let i = 0; i < s.length; i++) {
      const c = s[i] as string;
      if (quote) {
        if (c === '\\') {
          text += c + (s[i + 1] ?? '');
          i++;
          continue;
        }
        if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '[' || c === '(' || c === '{') depth++;
      else if (c === ']' || c === ')' || c === '}') {
        if (depth === 0) return text;
        depth--;
      } else if (depth === 0 && (c === ',' || c === ';')) return text;
      text += c;
    }
    text += ' ';
  }
  return text;
}

/** Top-level `cond ? a : b` of a PHP expression (quotes and brackets respected; `?:`/`??` are not ternaries here). */
function phpTernary(e: string): { cond: string; ifTrue: string; ifFalse: string } | undefined {
  let depth = 0;
  let quote: string | null = null;
  let q = -1;
  let nested = 0;
  for (let i = 0; i < e.length; i++) {
    const c = e[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && c === '?' && e[i + 1] !== '?' && e[i - 1] !== '?' && e[i + 1] !== ':') {
      if (q < 0) q = i;
      else nested++;
    } else if (depth === 0 && c === ':' && q >= 0 && e[i + 1] !== ':' && e[i - 1] !== ':') {
      if (nested > 0) nested--;
      else return { cond: e.slice(0, q).trim(), ifTrue: e.slice(q + 1, i).trim(), ifFalse: e.slice(i + 1).trim() };
    }
  }
  return undefined;
}

/**
 * The value a trust expression that reads an environment variable has when the variable is unset: Laravel's
 * `env('X', default)`, or a ternary on the variable (`env('X') !== null ? explode(',', env('X')) : '*'`, the
 * shape of fideloper/proxy's and many apps' config/trustedproxy.php). Undefined when it cannot be told.
 */
function unsetDefault(e: string, envVar: string): string | undefined {
  const t = phpTernary(e);
  if (t && envVarIn(t.cond) === envVar) {
    const c = t.cond.replace(/\s+/g, ' ');
    // Is the condition true when the variable is unset (env() returns null)?
    const trueWhenUnset =
      /((?<!!)===?\s*null\b|\bnull\s*===?|\bis_null\s*\(|\bempty\s*\()/i.test(c) && !/^!\s*(empty|is_null)\b/.test(c);
    return trueWhenUnset ? t.ifTrue : t.ifFalse;
  }
  const call = new RegExp(`\\benv\\s*\\(\\s*["']${envVar}["']\\s*,`).exec(e);
  if (call) return phpItemExpr([e], 0, call.index + call[0].length);
  return undefined;
}

/**
 * Trust lists whose variable the expression explodes into an array (`explode(',', env('TRUSTED_PROXIES'))`): Laravel
 * then hands Symfony an array, where `'*'` is no address (laravelEnvEntries). A WeakSet keeps Valued's shape.
 */
const EXPLODED = new WeakSet<Valued<string[]>>();

function trustList(expr: string, ref: SourceRef): Valued<string[]> {
  const out = trustListOf(expr, ref);
  if (out.origin === 'env' && /\bexplode\s*\(/.test(expr)) EXPLODED.add(out);
  return out;
}

function trustListOf(expr: string, ref: SourceRef): Valued<string[]> {
  const e = expr.trim().replace(/;$/, '').trim();
  if (/^null$/i.test(e)) return lit([] as string[], ref);
  const envVar = envVarIn(e);
  const dflt = envVar !== undefined ? unsetDefault(e, envVar) : undefined;
  if (envVar && dflt !== undefined) {
    const d = dflt.trim();
    const value = /^null$/i.test(d) || d === '' ? [] : quotedStrings(d).flatMap((s) => s.split(',').map((x) => x.trim()));
    return lit(value, ref, 'env', { envVar, note: `${envVar} unset: ${d || 'null'}` });
  }
  const strings = quotedStrings(e).filter((s) => !envVar || s !== envVar);
  if (envVar) return lit(strings, ref, 'env', { envVar, note: e });
  if (strings.length > 0 || /^\[\s*\]$/.test(e.replace(/\s+/g, ''))) return lit(strings, ref);
  return lit([] as string[], ref, 'unknown', { note: e });
}

/**
 * Symfony HttpFoundation's Request::HEADER_* bits (Request.php 5.4-7.x; Debian php-symfony-http-foundation 5.4):
 * which forwarded headers setTrustedProxies() believes. HEADER_X_FORWARDED_ALL (<= 5.x: FOR|HOST|PROTO|PORT plus a
 * marker bit), AWS_ELB (FOR|PROTO|PORT) and TRAEFIK (FOR|HOST|PROTO|PORT|PREFIX) are unions of the single bits.
 */
const HEADER_BITS: Record<string, number> = {
  HEADER_FORWARDED: 0b000001,
  HEADER_X_FORWARDED_FOR: 0b000010,
  HEADER_X_FORWARDED_HOST: 0b000100,
  HEADER_X_FORWARDED_PROTO: 0b001000,
  HEADER_X_FORWARDED_PORT: 0b010000,
  HEADER_X_FORWARDED_PREFIX: 0b100000,
  HEADER_X_FORWARDED_ALL: 0b1011110,
  HEADER_X_FORWARDED_AWS_ELB: 0b0011010,
  HEADER_X_FORWARDED_TRAEFIK: 0b0111110,
};

/** What a trusted-headers bit set makes the app read: the scheme from X-Forwarded-Proto / Forwarded, the client likewise. */
export interface TrustedHeaderSet {
  schemeHeaders: string[];
  clientHeaders: string[];
  /** The expression as written, for notes. */
  text: string;
}

/**
 * A trusted-headers expression (`Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_HOST`, an integer,
 * `SymfonyRequest::HEADER_X_FORWARDED_AWS_ELB`, or Laravel's string form `'HEADER_X_FORWARDED_AWS_ELB'`) -> the headers
 * it trusts. Undefined when the expression is anything else (`~`, `&`, a variable, a method call): not guessed.
 * Laravel's getTrustedHeaderNames() maps an unknown string to its full default (laravel/framework TrustProxies.php).
 */
export function trustedHeaderSet(expr: string): TrustedHeaderSet | undefined {
  const text = expr.replace(/\s+/g, ' ').trim().replace(/;$/, '').trim();
  let bits = 0;
  const str = /^['"](\w+)['"]$/.exec(text);
  if (str) bits = HEADER_BITS[str[1] as string] ?? 0b111110;
  else {
    for (const raw of text.split('|')) {
      const t = raw
        .trim()
        .replace(/^\((.*)\)$/, '$1')
        .trim();
      const name = /^(?:\\?[\w\\]+::|static::|self::)?(HEADER_\w+)$/.exec(t)?.[1];
      if (name && HEADER_BITS[name] !== undefined) bits |= HEADER_BITS[name] as number;
      else if (/^(0b[01]+|0x[0-9a-f]+|\d+)$/i.test(t)) bits |= Number(t);
      else return undefined;
    }
  }
  return {
    schemeHeaders: [...(bits & 0b001000 ? ['x-forwarded-proto'] : []), ...(bits & 0b000001 ? ['forwarded'] : [])],
    clientHeaders: [...(bits & 0b000010 ? ['x-forwarded-for'] : []), ...(bits & 0b000001 ? ['forwarded'] : [])],
    text,
  };
}

function laravelFacts(root: Root, ctx: CollectContext): FrameworkFacts | undefined {
  if (root.laravel.length === 0) return undefined;
  let trust: Valued<string[]> | undefined;
  let anchor: SourceRef | undefined;
  let headersNote: string | undefined;
  // The trusted-headers bit set: TrustProxies::withHeaders()/trustProxies(headers:) > $headers > fideloper's
  // config('trustedproxy.headers') > the middleware's default (every X-Forwarded-* header).
  let headers: { set: TrustedHeaderSet | undefined; ref: SourceRef; rank: number } | undefined;
  const setHeaders = (expr: string, ref: SourceRef, rank: number) => {
    if (!headers || rank >= headers.rank) headers = { set: trustedHeaderSet(expr), ref, rank };
  };
  const notes: string[] = [];
  let assume: Valued<boolean> | undefined;
  let version: string | undefined;
  // Precedence in the framework: TrustProxies::at()/trustProxies(at:) > $proxies > config('trustedproxy.proxies').
  const byRole = (r: string) => root.laravel.filter((x) => x.role === r);
  for (const f of byRole('trustedproxy')) {
    const code = codeLines(f.raw.join('\n'), 'php');
    code.forEach((l, i) => {
      const m = /['"]proxies['"]\s*=>\s*/.exec(l);
      if (m) trust = trustList(phpItemExpr(code, i, m.index + m[0].length), refAt(f.file, f.raw, i + 1));
      const h = /['"]headers['"]\s*=>\s*/.exec(l);
      if (h) setHeaders(phpItemExpr(code, i, h.index + h[0].length), refAt(f.file, f.raw, i + 1), 1);
    });
  }
  for (const f of byRole('middleware')) {
    const code = codeLines(f.raw.join('\n'), 'php');
    let seen = false;
    code.forEach((l, i) => {
      const m = /(?:protected|public)\s+(?:[?\w|]+\s+)?\$proxies\s*(=\s*)?/.exec(l);
      if (m) {
        seen = true;
        const ref = refAt(f.file, f.raw, i + 1);
        anchor = ref;
        if (!m[1]) {
          if (!trust) trust = lit([] as string[], ref, 'default', { note: '$proxies unset: nobody is trusted' });
          return;
        }
        const start = l.indexOf('=', m.index) + 1;
        const { text } = balanced(code, i, start);
        trust = trustList(text, ref);
      }
      const h = /(?:protected|public)\s+(?:[?\w|]+\s+)?\$headers\s*=\s*(.+)$/.exec(l);
      if (h) {
        headersNote = balanced(code, i, l.indexOf('=') + 1)
          .text.replace(/\s+/g, ' ')
          .trim();
        setHeaders(headersNote, refAt(f.file, f.raw, i + 1), 2);
      }
    });
    if (!seen) {
      anchor = refAt(f.file, f.raw, Math.max(1, code.findIndex((l) => /\bclass\s+\w+/.test(l)) + 1));
      if (!trust) trust = lit([] as string[], anchor, 'default', { note: '$proxies unset: nobody is trusted' });
    }
  }
  for (const f of [...byRole('bootstrap'), ...byRole('provider')]) {
    const code = codeLines(f.raw.join('\n'), 'php');
    if (f.role === 'bootstrap' && /Application::configure\s*\(/.test(code.join('\n'))) version = '11';
    code.forEach((l, i) => {
      const m = /(?:->trustProxies\s*\(|TrustProxies::at\s*\()/.exec(l);
      if (m) {
        const ref = refAt(f.file, f.raw, i + 1);
        const { text } = balanced(code, i, (m.index ?? 0) + m[0].length - 1);
        const args = text.slice(1, -1);
        const at = /\bat\s*:\s*(.+)$/s.exec(args)?.[1] ?? (m[0].includes('::at') ? args : '');
        if (at.trim() !== '') trust = trustList(at.replace(/,\s*headers\s*:.*$/s, ''), ref);
        // Laravel 11 Middleware::trustProxies(at:, headers:) calls TrustProxies::withHeaders($headers).
        const hd = /\bheaders\s*:\s*(.+)$/s.exec(args)?.[1];
        if (hd && !m[0].includes('::at')) setHeaders(hd.replace(/,\s*at\s*:.*$/s, ''), ref, 3);
        if (at.trim() !== '' || !hd) anchor = ref;
      }
      const w = /TrustProxies::withHeaders\s*\(/.exec(l);
      if (w) {
        const { text } = balanced(code, i, (w.index ?? 0) + w[0].length - 1);
        setHeaders(text.slice(1, -1), refAt(f.file, f.raw, i + 1), 3);
      }
      if (/URL::forceScheme\s*\(\s*['"]https['"]/.test(l)) {
        assume = lit(true, refAt(f.file, f.raw, i + 1), /if\s*\(|\?/.test(l) ? 'unknown' : 'literal', {
          note: 'URL::forceScheme("https"): generated URLs are https, request->isSecure() is not',
        });
      }
    });
    if (f.role === 'bootstrap' && !anchor) {
      const w = code.findIndex((l) => /->withMiddleware\s*\(/.test(l));
      if (w >= 0) anchor = refAt(f.file, f.raw, w + 1);
    }
  }
  if (!anchor) anchor = refAt(root.laravel[0]?.file ?? '', root.laravel[0]?.raw ?? [], 1);
  if (!trust)
    trust = lit([] as string[], anchor, 'default', {
      note: 'no trustProxies(at:) and no TrustProxies::$proxies: nobody is trusted',
    });
  // TRUSTED_PROXIES (or whichever variable the code reads) as the deployment sets it.
  {
    const read = trust;
    trust = withDeployedValue(ctx, root, read, (v) => laravelEnvEntries(v, EXPLODED.has(read)));
  }
  if (headersNote) notes.push(`$headers = ${headersNote}`);
  // A written header set without X-Forwarded-Proto (nor Forwarded): Request::isSecure() never reads a forwarded
  // scheme, whoever is trusted (Debian php-symfony-http-foundation 5.4: isSecure=false with the bit left out).
  const hs = headers?.set;
  if (headers && !hs) notes.push(`trusted headers ${headers.ref.snippet ?? ''}: not read, the default set assumed`);
  const appEnd: AppEndFacts = {
    name: 'Laravel',
    ref: anchor,
    schemeHeaders: hs ? hs.schemeHeaders : ['x-forwarded-proto'],
    ...(hs && hs.schemeHeaders.length === 0 && headers ? { schemeHeadersRef: headers.ref } : {}),
    clientHeaders: hs ? hs.clientHeaders : ['x-forwarded-for'],
    trustScheme: trust,
    trustClient: trust,
    defaultsFrom: [LARAVEL_TRUST_SOURCE],
    notes,
  };
  if (assume) appEnd.assumeHttps = assume;
  laravelSessionCookie(root, appEnd);
  return {
    kind: 'laravel',
    file: anchor.file,
    module: root.dir || '.',
    usesServerScheme: true,
    trustProxy: trust,
    assumedVersion: version,
    settings: {},
    appEnd,
  };
}

/** Laravel's StartSession writes the session cookie with `$config['secure'] ?? false` (framework 8.83.26 .. 11.x). */
export const LARAVEL_SESSION_SOURCE =
  'https://github.com/laravel/framework/blob/v8.83.26/src/Illuminate/Session/Middleware/StartSession.php (addCookieToResponse)';

/** `VAR=value` in the app's .env files (the last file and line win, as phpdotenv's immutable loader reads one file). */
function dotenvValue(root: Root, name: string, symfony = false): { value: string; ref: SourceRef } | undefined {
  let hit: { value: string; ref: SourceRef } | undefined;
  const rank = (file: string) =>
    ['.env', '.env.local', '.env.prod', '.env.prod.local', '.env.production'].indexOf(file.slice(file.lastIndexOf('/') + 1));
  const files = root.dotenv
    .filter((f) => symfony || !/\.env\.(local|prod|prod\.local)$/.test(f.file))
    .sort((a, b) => rank(a.file) - rank(b.file));
  for (const f of files)
    f.raw.forEach((l, i) => {
      const m = new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=\\s*(.*?)\\s*$`).exec(l);
      if (m) hit = { value: (m[1] ?? '').replace(/^(['"])(.*)\1$/, '$2'), ref: refAt(f.file, f.raw, i + 1) };
    });
  return hit;
}

/**
 * The value an environment variable has where the app runs, and where it is set: a compose service's environment
 * (its resolved run environment: Dockerfile ENV < env_file < environment), else a Dockerfile ENV of the tree, else the
 * app's `.env` files. phpdotenv (Laravel) and Symfony's Dotenv never overwrite a variable the process already has, so
 * the container's value wins over `.env`. Undefined when no file sets it (or only an unresolved `${X}`).
 */
export function deployedEnv(
  ctx: CollectContext,
  root: Root,
  name: string,
  symfony = false,
): { value: string; ref: SourceRef; where: string } | undefined {
  for (const cf of ctx.facts.compose?.files ?? [])
    for (const s of cf.services) {
      if (s.role === 'proxy') continue;
      const e = s.environment[name];
      if (e && !e.unresolved) return { value: e.value, ref: e.ref, where: `compose service ${s.name}` };
      const r = s.runEnv?.[name];
      if (r?.ref) return { value: r.value, ref: r.ref, where: `compose service ${s.name} (${r.note ?? 'env_file'})` };
    }
  for (const f of ctx.files) {
    const base = f.display.slice(f.display.lastIndexOf('/') + 1);
    if (!isDockerfileName(base) || f.size > MAX_APP_SOURCE_BYTES) continue;
    const raw = ctx.read(f).toString('utf8');
    if (!raw.includes(name)) continue;
    const e = parseDockerfile(raw).env[name];
    if (e) return { value: e.value, ref: refAt(f.display, raw.split(/\r?\n/), e.line), where: `${f.display} ENV` };
  }
  const d = dotenvValue(root, name, symfony);
  return d ? { ...d, where: d.ref.file } : undefined;
}

/**
 * Symfony's trusted_proxies entries as HttpFoundation reads them: a comma list (FrameworkBundle explodes the string),
 * `REMOTE_ADDR` replaced by the peer's own address (every peer), `private_ranges` (5.2+) by IpUtils::PRIVATE_SUBNETS.
 */
function symfonyEntries(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((s) =>
      s === 'REMOTE_ADDR' ? ['*'] : s === 'private_ranges' || s === 'PRIVATE_SUBNETS' ? SYMFONY_PRIVATE_SUBNETS : [s],
    );
}

/**
 * Laravel's TrustProxies on a value that came from the environment: a string `'*'`/`'**'` trusts the calling peer
 * (every peer), another string is exploded on commas; an array (`explode(',', env('X'))` in the config) is passed to
 * Symfony as it is, where `'*'` is no address at all. `REMOTE_ADDR` in a list is the calling peer.
 */
function laravelEnvEntries(value: string, exploded: boolean): string[] {
  const v = value.trim().replace(/^(['"])(.*)\1$/, '$2');
  if (!exploded && (v === '*' || v === '**')) return ['*'];
  return v
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '' && !(exploded && (x === '*' || x === '**')))
    .map((x) => (x === 'REMOTE_ADDR' ? '*' : x));
}

/** A trust list read from an environment variable, with the value the deployment gives it (deployedEnv), if any. */
function withDeployedValue(
  ctx: CollectContext,
  root: Root,
  trust: Valued<string[]>,
  entries: (value: string) => string[],
  symfony = false,
): Valued<string[]> {
  if (trust.origin !== 'env' || !trust.envVar) return trust;
  const set = deployedEnv(ctx, root, trust.envVar, symfony);
  if (!set) return trust;
  return lit(entries(set.value), set.ref, 'literal', {
    envVar: trust.envVar,
    note: `${trust.envVar}=${set.value} (${set.where}), read at ${trust.ref?.file ?? ''}:${trust.ref?.line ?? 0}`,
  });
}

/** A PHP/.env boolean as Laravel's env() reads it: true/(true)/on/1 are true; false/null/empty/0 false. */
function phpTruthy(v: string): boolean | undefined {
  const t = v
    .trim()
    .replace(/^\((.*)\)$/, '$1')
    .toLowerCase();
  if (/^(true|on|1|yes)$/.test(t)) return true;
  if (/^(false|off|0|no|null|empty|)$/.test(t)) return false;
  return undefined;
}

/**
 * The session cookie's Secure flag: config/session.php `'secure' => env('SESSION_SECURE_COOKIE')` (the skeleton's line;
 * Laravel 11 without the file: the framework's own config/session.php, the same line). StartSession passes
 * `$config['secure'] ?? false` to the Cookie, so unset/null is never Secure (not "follow the request": only the
 * XSRF-TOKEN cookie, written with the raw null, follows the request's scheme in Response::prepare).
 */
function laravelSessionCookie(root: Root, appEnd: AppEndFacts): void {
  const session = root.laravel.find((x) => x.role === 'session');
  // `written`: the default as the code writes it (`env('SECURE_COOKIES', false)`), undefined for a bare env('X') (null).
  const fromEnv = (envVar: string, dflt: boolean, ref: SourceRef, written?: string): void => {
    // The variable the deployment sets is the one the code reads (Snipe-IT's SECURE_COOKIES), not always the skeleton's.
    appEnd.secureCookieFix = `${envVar}=true in the production environment (config/session.php 'secure')`;
    const set = dotenvValue(root, envVar);
    const b = set ? phpTruthy(set.value) : undefined;
    if (set && b !== undefined)
      appEnd.secureCookies = lit<'always' | 'never'>(b ? 'always' : 'never', set.ref, 'literal', {
        note: `${envVar}=${set.value}`,
      });
    else if (set) appEnd.secureCookies = lit<'always' | 'never'>('never', set.ref, 'unknown', { note: `${envVar}=${set.value}` });
    else
      appEnd.secureCookies = lit<'always' | 'never'>(dflt ? 'always' : 'never', ref, 'env', {
        envVar,
        note: `${envVar} not set in the files: ${written !== undefined ? `the default ${written}` : dflt ? 'true' : 'null, which StartSession reads as false'}`,
      });
  };
  appEnd.secureCookieName = 'the session cookie';
  // 'lifetime' => minutes (the skeleton's env('SESSION_LIFETIME', 120)); expire_on_close true: a browser-session cookie.
  const lines = session ? codeLines(session.raw.join('\n'), 'php') : [];
  const life = lines.map((l) => /['"]lifetime['"]\s*=>\s*(?:env\s*\(\s*['"]\w+['"]\s*,\s*)?(\d+)/.exec(l)?.[1]).find(Boolean);
  const onClose = lines.some((l) => /['"]expire_on_close['"]\s*=>\s*true\b/.test(l));
  appEnd.secureCookieLifetime = onClose ? 'session' : Number(life ?? 120) * 60;
  appEnd.defaultsFrom = [...(appEnd.defaultsFrom ?? []), LARAVEL_SESSION_SOURCE];
  if (!session) {
    fromEnv('SESSION_SECURE_COOKIE', false, appEnd.ref);
    return;
  }
  const code = codeLines(session.raw.join('\n'), 'php');
  for (let i = 0; i < code.length; i++) {
    const m = /['"]secure['"]\s*=>\s*/.exec(code[i] as string);
    if (!m) continue;
    const ref = refAt(session.file, session.raw, i + 1);
    const expr = phpItemExpr(code, i, m.index + m[0].length).trim();
    const envVar = envVarIn(expr);
    if (envVar && /^env\s*\(/.test(expr)) {
      const d = /,\s*(.+?)\s*\)\s*$/.exec(expr)?.[1];
      const b = d === undefined ? false : phpTruthy(d);
      if (b === undefined) appEnd.secureCookies = lit<'never'>('never', ref, 'unknown', { note: expr });
      else fromEnv(envVar, b, ref, d);
      return;
    }
    const b = phpTruthy(expr);
    appEnd.secureCookieFix = "'secure' => true in config/session.php";
    appEnd.secureCookies =
      b === undefined
        ? lit<'never'>('never', ref, 'unknown', { note: expr })
        : lit<'always' | 'never'>(b ? 'always' : 'never', ref, 'literal', { note: `'secure' => ${expr}` });
    return;
  }
  // The file has no 'secure' key: the framework's default config is merged in (env('SESSION_SECURE_COOKIE')).
  fromEnv('SESSION_SECURE_COOKIE', false, refAt(session.file, session.raw, 1));
}

interface YamlHit {
  value: unknown;
  ref: SourceRef;
}

function yamlGet(file: string, raw: string[], path: string[]): { hit?: YamlHit; top?: SourceRef } {
  const lc = new LineCounter();
  const doc = parseDocument(raw.join('\n'), { lineCounter: lc, strict: false, uniqueKeys: false });
  let node: unknown = doc.contents;
  let top: SourceRef | undefined;
  for (let i = 0; i < path.length; i++) {
    if (!isMap(node)) return { top };
    const pair = (node.items as Pair[]).find((p) => isScalar(p.key) && String(p.key.value) === path[i]);
    if (!pair) return { top };
    const line = lc.linePos((pair.key as Node).range?.[0] ?? 0).line;
    if (i === 0) top = refAt(file, raw, line);
    node = pair.value;
    if (i === path.length - 1) {
      const v = isScalar(node) ? node.value : isSeq(node) ? node.items.map((x) => (isScalar(x) ? x.value : String(x))) : node;
      return { hit: { value: v, ref: refAt(file, raw, line) }, top };
    }
  }
  return { top };
}

export const SYMFONY_SAME_ORIGIN_CSRF_SOURCE =
  'https://github.com/symfony/symfony/blob/7.2/src/Symfony/Component/Security/Csrf/SameOriginCsrfTokenManager.php (isValidOrigin)';

/**
 * `framework.session.cookie_secure` as written: `auto` is Secure when Request::isSecure() (the framework's
 * SessionListener sets `cookie_secure` true when `$mainRequest->isSecure()`; Debian's php-symfony-http-kernel 5.4.53), true always, false never. Unset is not read:
 * its default differs between Symfony versions (null: php.ini's session.cookie_secure), which the files do not pin.
 */
function symfonySessionCookie(appEnd: AppEndFacts, hit: YamlHit): void {
  const v = String(hit.value).trim().toLowerCase();
  appEnd.secureCookieName = 'the session cookie';
  appEnd.secureCookieFix = 'framework.session.cookie_secure: true (or auto with the proxy trusted)';
  appEnd.defaultsFrom?.push(SYMFONY_SESSION_SOURCE);
  if (v === 'auto')
    appEnd.secureCookies = lit<'auto'>('auto', hit.ref, 'literal', { note: 'cookie_secure: auto follows Request::isSecure()' });
  else if (v === 'true') appEnd.secureCookies = lit<'always'>('always', hit.ref);
  else if (v === 'false') appEnd.secureCookies = lit<'never'>('never', hit.ref, 'literal', { note: 'cookie_secure: false' });
  else appEnd.secureCookies = lit<'never'>('never', hit.ref, 'unknown', { note: `cookie_secure: ${v}` });
}

function symfonyFacts(root: Root, ctx: CollectContext): FrameworkFacts | undefined {
  // A Symfony app: its framework.yaml, or a front controller that builds the Request itself (HttpFoundation
  // without the framework bundle: `Request::createFromGlobals()`, trusting whatever setTrustedProxies says).
  if (root.symfony.every((f) => f.csrfOnly) && !root.symfonyIndex) return undefined;
  // prod overrides the base file; csrf.yaml holds csrf_protection only.
  const files = [...root.symfony]
    .filter((f) => !f.csrfOnly)
    .sort((a, b) => (a.env === 'prod' ? 1 : 0) - (b.env === 'prod' ? 1 : 0));
  let trust: Valued<string[]> | undefined;
  let indexHeaders: { set: TrustedHeaderSet | undefined; ref: SourceRef } | undefined;
  let headers: YamlHit | undefined;
  let stateless: YamlHit | undefined;
  let cookie: YamlHit | undefined;
  let anchor: SourceRef | undefined;
  // A file's `when@prod: framework:` block is the production environment's, read after the file's own `framework:`
  // (Symfony 5.3+ loads it only when APP_ENV is prod, over the base keys).
  const blocks = files.flatMap((f) => [
    { f, at: ['framework'] },
    { f, at: ['when@prod', 'framework'] },
  ]);
  for (const { f, at } of blocks) {
    const t = yamlGet(f.file, f.raw, [...at, 'trusted_proxies']);
    const h = yamlGet(f.file, f.raw, [...at, 'trusted_headers']);
    if (!anchor && t.top && at.length === 1) anchor = t.top;
    if (t.hit) {
      const v = t.hit.value;
      const text = Array.isArray(v) ? v.join(',') : String(v ?? '');
      const envVar = envVarIn(text);
      trust = envVar ? lit([] as string[], t.hit.ref, 'env', { envVar, note: text }) : lit(symfonyEntries(text), t.hit.ref);
    }
    if (h.hit) headers = h.hit;
    const c = yamlGet(f.file, f.raw, ['framework', 'session', 'cookie_secure']);
    if (c.hit) cookie = c.hit;
  }
  for (const f of [...files, ...root.symfony.filter((x) => x.csrfOnly)])
    for (const at of [['framework'], ['when@prod', 'framework']]) {
      const c = yamlGet(f.file, f.raw, [...at, 'csrf_protection', 'stateless_token_ids']);
      if (c.hit) stateless = c.hit;
    }
  if (root.symfonyIndex) {
    const code = codeLines(root.symfonyIndex.raw.join('\n'), 'php');
    code.forEach((l, i) => {
      const m = /Request::setTrustedProxies\s*\(/.exec(l);
      if (!m) return;
      const ref = refAt(root.symfonyIndex?.file ?? '', root.symfonyIndex?.raw ?? [], i + 1);
      const { text } = balanced(code, i, (m.index ?? 0) + m[0].length - 1);
      const args = text.slice(1, -1);
      const first = phpItemExpr([args], 0, 0);
      trust = /REMOTE_ADDR/.test(first) ? lit(['*'], ref, 'literal', { note: first }) : trustList(first, ref);
      // The second argument: the Request::HEADER_* bits it believes from those proxies.
      const second = args.slice(first.length + 1).trim();
      if (second) indexHeaders = { set: trustedHeaderSet(second), ref };
      anchor = ref;
    });
  }
  const first = files[0] ?? (root.symfonyIndex as NonNullable<Root['symfonyIndex']>);
  if (!anchor) {
    const create = root.symfonyIndex?.raw.findIndex((l) => /Request::createFromGlobals\s*\(/.test(l)) ?? -1;
    anchor = files[0] || create < 0 ? refAt(first.file, first.raw, 1) : refAt(first.file, first.raw, create + 1);
  }
  if (!trust)
    trust = lit([] as string[], anchor, 'default', {
      note: files[0]
        ? 'framework.trusted_proxies unset: nobody is trusted'
        : 'no Request::setTrustedProxies(): nobody is trusted',
    });
  // '%env(TRUSTED_PROXIES)%' as the deployment sets it (FrameworkBundle explodes the string on commas).
  trust = withDeployedValue(ctx, root, trust, symfonyEntries, true);
  // trusted_headers as written: X-Forwarded-Proto, RFC 7239 Forwarded (its proto=), both, or neither (Request.php
  // getScheme via isSecure reads only the trusted ones). Unset: Symfony's default list has both; the proxies send XFP.
  const listed = headers && Array.isArray(headers.value) ? headers.value.map((x) => String(x).toLowerCase()) : undefined;
  // Without trusted_headers, a front controller's setTrustedProxies($proxies, Request::HEADER_...) bits decide.
  const bits = !listed && indexHeaders?.set ? indexHeaders : undefined;
  const schemeHeaders = listed
    ? [
        ...(listed.some((x) => /x-forwarded-proto|x_forwarded_proto/.test(x)) ? ['x-forwarded-proto'] : []),
        ...(listed.some((x) => x === 'forwarded' || x === 'header_forwarded') ? ['forwarded'] : []),
      ]
    : (bits?.set?.schemeHeaders ?? ['x-forwarded-proto']);
  const schemeRef = headers?.ref ?? bits?.ref;
  const appEnd: AppEndFacts = {
    name: 'Symfony',
    ref: anchor,
    schemeHeaders,
    ...(schemeHeaders.length === 0 && schemeRef ? { schemeHeadersRef: schemeRef } : {}),
    clientHeaders: bits?.set?.clientHeaders ?? ['x-forwarded-for'],
    trustScheme: trust,
    trustClient: trust,
    defaultsFrom: [SYMFONY_REQUEST_SOURCE, 'https://symfony.com/doc/current/deployment/proxies.html'],
  };
  // Stateless CSRF tokens (7.2+, the framework-bundle recipe's csrf.yaml: submit, authenticate, logout) are checked
  // by SameOriginCsrfTokenManager, which accepts the request's Origin (else Referer) only when it starts with
  // getSchemeAndHttpHost(). Session-stored tokens (the default before 7.2) compare no Origin.
  const ids = Array.isArray(stateless?.value) ? (stateless.value as unknown[]).map(String) : [];
  if (stateless && ids.length > 0) {
    appEnd.originCheck = lit(true, stateless.ref, 'literal', { note: `stateless CSRF token ids ${ids.join(', ')}` });
    appEnd.defaultsFrom?.push(SYMFONY_SAME_ORIGIN_CSRF_SOURCE);
  }
  if (cookie) symfonySessionCookie(appEnd, cookie);
  return {
    kind: 'symfony',
    file: anchor.file,
    module: root.dir || '.',
    usesServerScheme: true,
    trustProxy: trust,
    settings: headers ? { trusted_headers: lit(headers.value, headers.ref) } : {},
    appEnd,
  };
}

/** WordPress's own source, where its https decisions are read (Debian's wordpress 6.1.9 carries the same code). */
export const WORDPRESS_SOURCE = {
  isSsl: 'https://github.com/WordPress/wordpress-develop/blob/6.1/src/wp-includes/load.php (is_ssl)',
  authRedirect: 'https://github.com/WordPress/wordpress-develop/blob/6.1/src/wp-includes/pluggable.php (auth_redirect)',
  login: 'https://github.com/WordPress/wordpress-develop/blob/6.1/src/wp-login.php (force_ssl_admin() && ! is_ssl())',
  constants: 'https://github.com/WordPress/wordpress-develop/blob/6.1/src/wp-includes/default-constants.php (wp_ssl_constants)',
  docs: 'https://developer.wordpress.org/advanced-administration/security/https/',
};

/**
 * A value is_ssl() takes as https when assigned to $_SERVER['HTTPS']: 'on' in any case, or anything == '1'
 * (`'1'`, `1`, `true` under PHP's loose comparison).
 */
const WP_HTTPS_ON = /^\s*(?:(['"])(?:on|1)\1|1|true)\s*;/i;

function wordpressFacts(root: Root): FrameworkFacts | undefined {
  const wp = root.wordpress;
  if (!wp) return undefined;
  const code = codeLines(wp.raw.join('\n'), 'php');
  let assume: Valued<boolean> | undefined;
  let forceAdmin: Valued<boolean> | undefined;
  code.forEach((l, i) => {
    const ref = refAt(wp.file, wp.raw, i + 1);
    // `$_SERVER['HTTPS'] = 'on';` (or '1'), or `$_SERVER['SERVER_PORT'] = 443;`, which is_ssl() reads only when
    // HTTPS is not set at all (nginx's stock fastcgi_params send HTTPS only on TLS: `$https if_not_empty`).
    const https = /\$_SERVER\s*\[\s*['"]HTTPS['"]\s*\]\s*=(?!=)(.*)$/.exec(l);
    const port = /\$_SERVER\s*\[\s*['"]SERVER_PORT['"]\s*\]\s*=(?!=)\s*(['"]?)443\1\s*;/.exec(l);
    if ((https && WP_HTTPS_ON.test(https[1] as string)) || port) {
      // Conditional on the forwarded header (the documented snippet) or unconditional.
      const cond = code.slice(Math.max(0, i - 3), i + 1).join('\n');
      const computed = /HTTP_X_FORWARDED_PROTO|HTTP_X_FORWARDED_SSL/.test(cond);
      if (!assume || (assume.origin === 'literal' && computed)) assume = lit(true, ref, computed ? 'computed' : 'literal');
    }
    const f = /define\s*\(\s*['"]FORCE_SSL_ADMIN['"]\s*,\s*(\w+)/.exec(l);
    if (f) forceAdmin = lit(boolLiteral(f[1] as string) ?? true, ref);
  });
  const anchor = assume?.ref ?? forceAdmin?.ref ?? refAt(wp.file, wp.raw, 1);
  const appEnd: AppEndFacts = {
    name: 'WordPress',
    ref: anchor,
    // is_ssl() reads $_SERVER['HTTPS'] only; wp-config.php may copy X-Forwarded-Proto into it from anyone.
    schemeHeaders: assume?.origin === 'computed' ? ['x-forwarded-proto'] : [],
    clientHeaders: [],
    trustScheme: lit(assume?.origin === 'computed' ? ['*'] : [], anchor, assume ? 'literal' : 'default'),
    trustClient: lit([] as string[], anchor, 'default'),
    serverHttps: { on: ['on', '1'], port443: true },
    defaultsFrom: [WORDPRESS_SOURCE.isSsl, WORDPRESS_SOURCE.docs],
  };
  if (assume && assume.origin === 'literal') appEnd.assumeHttps = assume;
  if (forceAdmin) {
    // FORCE_SSL_ADMIN redirects only the admin: auth_redirect() for a REQUEST_URI containing wp-admin, and
    // wp-login.php; the rest of the site is served as it arrived.
    appEnd.sslRedirect = forceAdmin;
    appEnd.sslRedirectSetting = 'FORCE_SSL_ADMIN';
    appEnd.sslRedirectPaths = ['/wp-admin/', '/wp-login.php'];
    appEnd.defaultsFrom?.push(WORDPRESS_SOURCE.authRedirect, WORDPRESS_SOURCE.login);
  }
  const settings: Record<string, Valued<unknown>> = {};
  const req = code.findIndex((l) => /^\s*require(?:_once)?\b.*wp-settings\.php/.test(l));
  if (req >= 0) appEnd.insertBefore = refAt(wp.file, wp.raw, req + 1);
  return { kind: 'wordpress', file: wp.file, module: root.dir || '.', usesServerScheme: true, settings, appEnd };
}

/**
 * Laravel Octane: its servers (collectors/php/octane.ts, wherever the tree starts one) and OCTANE_HTTPS in compose
 * environments. Octane serves plain HTTP (FrankenPHP's `--https` aside); OCTANE_HTTPS=true makes it treat every request
 * as https.
 */
function octaneFacts(ctx: CollectContext): { servers: AppServerFacts[]; https?: Valued<string> } {
  const servers = octaneServers(ctx, ctx.facts);
  let https: Valued<string> | undefined;
  for (const cf of ctx.facts.compose?.files ?? [])
    for (const s of cf.services) {
      const v = s.environment.OCTANE_HTTPS;
      if (!v) continue;
      const dflt = /\$\{OCTANE_HTTPS:?-([^}]*)\}/.exec(v.value)?.[1];
      https =
        dflt !== undefined || v.origin === 'env'
          ? lit(dflt ?? v.value, v.ref, 'env', { envVar: 'OCTANE_HTTPS' })
          : lit(v.value, v.ref, 'literal');
    }
  return { servers, https };
}

export const phpCollector: Collector = {
  name: 'php',
  collect(ctx: CollectContext) {
    const roots = new Map<string, Root>();
    const get = (dir: string): Root => {
      let r = roots.get(dir);
      if (!r) {
        r = { dir, laravel: [], symfony: [], dotenv: [] };
        roots.set(dir, r);
      }
      return r;
    };
    const read = (f: DiscoveredFile): string[] | null =>
      f.size > MAX_APP_SOURCE_BYTES ? null : ctx.read(f).toString('utf8').split(/\r?\n/);
    type Role =
      | 'middleware'
      | 'bootstrap'
      | 'trustedproxy'
      | 'provider'
      | 'session'
      | 'dotenv'
      | 'symfony'
      | 'symfonycsrf'
      | 'index'
      | 'wordpress';
    const ROLES: Array<[Role, RegExp]> = [
      ['middleware', /^(.*?)(?:^|\/)app\/Http\/Middleware\/TrustProxies\.php$/],
      ['bootstrap', /^(.*?)(?:^|\/)bootstrap\/app\.php$/],
      ['trustedproxy', /^(.*?)(?:^|\/)config\/trustedproxy\.php$/],
      ['provider', /^(.*?)(?:^|\/)app\/Providers\/AppServiceProvider\.php$/],
      ['session', /^(.*?)(?:^|\/)config\/session\.php$/],
      // Laravel: .env (.env.production with APP_ENV=production); Symfony's Dotenv: .env < .env.local < .env.prod <
      // .env.prod.local (the production files, in that order of precedence).
      ['dotenv', /^(.*?)(?:^|\/)\.env(?:\.production|\.local|\.prod|\.prod\.local)?$/],
      ['symfony', /^(.*?)(?:^|\/)config\/packages\/(?:[a-z]+\/)?framework\.ya?ml$/],
      // Symfony 7.2+'s recipe keeps `framework.csrf_protection` in its own file.
      ['symfonycsrf', /^(.*?)(?:^|\/)config\/packages\/(?:[a-z]+\/)?csrf\.ya?ml$/],
      ['index', /^(.*?)(?:^|\/)public\/index\.php$/],
      ['wordpress', /^(.*?)(?:^|\/)wp-config\.php$/],
    ];
    const pools: AppServerFacts[] = [];
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs)) continue;
      const d = f.display.replace(/\\/g, '/');
      if (/\.conf(?:\.\w+)?$/.test(d) && f.size <= MAX_APP_SOURCE_BYTES) {
        const raw = ctx.read(f).toString('utf8').split(/\r?\n/);
        if (isFpmPool(d, raw.join('\n'))) {
          pools.push(...poolServers(f.display, raw));
          ctx.claimed.add(f.abs);
          continue;
        }
      }
      const hit = ROLES.map(([role, re]) => ({ role, dir: rootOf(d, re) })).find((x) => x.dir !== undefined);
      if (!hit || hit.dir === undefined) continue;
      const raw = read(f);
      if (!raw) continue;
      const text = raw.join('\n');
      const dir = hit.dir;
      switch (hit.role) {
        case 'middleware':
        case 'trustedproxy':
        case 'session':
          get(dir).laravel.push({ role: hit.role, file: f.display, raw });
          break;
        case 'dotenv':
          // Read, not claimed: compose and the other collectors read the same file for their own variables.
          get(dir).dotenv.push({ file: f.display, raw });
          continue;
        case 'bootstrap':
          if (!/Application::configure|Illuminate\\Foundation\\Application/.test(text)) continue;
          get(dir).laravel.push({ role: 'bootstrap', file: f.display, raw });
          break;
        case 'provider':
          if (!/TrustProxies::at|forceScheme/.test(text)) continue;
          get(dir).laravel.push({ role: 'provider', file: f.display, raw });
          break;
        case 'symfony':
        case 'symfonycsrf':
          if (!/^framework\s*:/m.test(text)) continue;
          get(dir).symfony.push({
            file: f.display,
            raw,
            env: /config\/packages\/([a-z]+)\/(?:framework|csrf)/.exec(d)?.[1],
            csrfOnly: hit.role === 'symfonycsrf',
          });
          break;
        case 'index':
          if (!/setTrustedProxies|Request::createFromGlobals\s*\(/.test(text)) continue;
          get(dir).symfonyIndex = { file: f.display, raw };
          break;
        case 'wordpress':
          get(dir).wordpress = { file: f.display, raw };
          break;
      }
      ctx.claimed.add(f.abs);
    }
    const octane = octaneFacts(ctx);
    for (const r of roots.values()) {
      // A Laravel app is one with its middleware or bootstrap; a lone provider file is not enough.
      if (r.laravel.some((x) => x.role !== 'provider' && x.role !== 'session')) {
        const fw = laravelFacts(r, ctx);
        if (fw?.appEnd) {
          if (octane.servers.length > 0) {
            fw.appEnd.binds = octane.servers.flatMap((x) => x.binds);
            fw.appEnd.notes = [...(fw.appEnd.notes ?? []), 'Laravel Octane serves plain HTTP itself'];
          }
          if (octane.https) {
            fw.settings.OCTANE_HTTPS = octane.https;
            if (octane.https.value === 'true' && octane.https.origin === 'literal')
              fw.appEnd.assumeHttps = lit(true, octane.https.ref as SourceRef, 'literal', { note: 'OCTANE_HTTPS=true' });
          }
        }
        if (fw) ctx.facts.frameworks.push(fw);
      }
      const sf = symfonyFacts(r, ctx);
      if (sf) ctx.facts.frameworks.push(sf);
      const wp = wordpressFacts(r);
      if (wp) ctx.facts.frameworks.push(wp);
    }
    ctx.facts.appServers.push(...fpmServers(ctx.facts, pools, pools.length > 0 ? [] : fpmLaunches(ctx)));
    // The official php:*-apache / wordpress images: PHP inside Apache is the app server of its compose service.
    ctx.facts.appServers.push(...modPhpServers(ctx.facts));
    // serversideup/php's fpm-nginx / fpm-apache images: their web server in front of php-fpm is the service's app hop.
    ctx.facts.appServers.push(...serversideupServers(ctx.facts));
    // PHP's built-in server (`php -S HOST:PORT`) started by compose, an image, a script, a unit or a Procfile.
    ctx.facts.appServers.push(...builtinServers(ctx, ctx.facts));
    // Laravel Octane (Swoole, RoadRunner, FrankenPHP): a pass-through server in front of Laravel.
    ctx.facts.appServers.push(...octane.servers);
    // No wp-config.php in the tree: the official wordpress image writes its own (wp-config-docker.php).
    if (!ctx.facts.frameworks.some((f) => f.kind === 'wordpress'))
      ctx.facts.frameworks.push(...imageWordpressFrameworks(ctx.facts));
  },
};
