/**
 * Ruby app ends: Rails (`config/application.rb`, `config/environments/<env>.rb`) and Puma
 * (`config/puma.rb`, `config/puma/<env>.rb`). Read line by line (collectors/appends/lines.ts): we take
 * `config.force_ssl`, `config.assume_ssl`, `config.load_defaults`, `config.action_dispatch.trusted_proxies`,
 * `config.action_controller.forgery_protection_origin_check` and Puma's `bind`/`port`.
 *
 * Trust model (read from the sources, cited in docs/checks/app/*.md):
 * - Rack::Request#scheme believes `HTTPS`, `X-Forwarded-Ssl`, `X-Forwarded-Scheme`, `X-Forwarded-Proto`
 *   from every peer (rack/lib/rack/request.rb: no trusted-proxy test on the scheme).
 * - ActionDispatch::RemoteIp takes the client address from X-Forwarded-For only through TRUSTED_PROXIES
 *   (loopback and private ranges) unless `trusted_proxies` is set.
 * - `force_ssl` (ActionDispatch::SSL) redirects when `request.ssl?` is false; `assume_ssl` (Rails 7.1+,
 *   ActionDispatch::AssumeSSL) marks every request https before it.
 * - `load_defaults 5.0`+ turns on `forgery_protection_origin_check` (Origin vs request.base_url).
 */

import { basename, dirname, resolve, sep } from 'node:path';
import { passThroughServer } from '../../model/appserver.js';
import type { CollectContext, Collector, DiscoveredFile } from '../../model/collector.js';
import type { AppEndFacts, AppServerFacts, BindAddress, FrameworkFacts, SourceRef, Valued } from '../../model/facts.js';
import { balanced, boolLiteral, codeLines, envVarIn, lit, MAX_APP_SOURCE_BYTES, quotedStrings, refAt } from '../appends/lines.js';
import { inServiceContainer } from '../deploy/appserver.js';
import { commandLaunches, placeBind } from '../deploy/command-launches.js';
import { commandLineBind, launchFor, placeRailsServers, type RailsLaunch, railsLaunches } from './launch.js';
import { passengerfileServer, passengerStartArgs, passengerStartBind, passengerStartServer } from './passenger.js';

/** ActionDispatch::RemoteIp::TRUSTED_PROXIES (actionpack/lib/action_dispatch/middleware/remote_ip.rb). */
export const RAILS_TRUSTED_PROXIES = ['127.0.0.0/8', '::1', 'fc00::/7', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
/**
 * Rack::Request#scheme's order after `HTTPS` (rack/lib/rack/request.rb): Rack 2.2 reads X-Forwarded-Ssl, then
 * X-Forwarded-Scheme, then X-Forwarded-Proto (checked on Debian's ruby-rack 2.2.22: `X-Forwarded-Proto: https` with
 * `X-Forwarded-Scheme: http` is http). Rack 3 reads X-Forwarded-Proto before X-Forwarded-Scheme
 * (`x_forwarded_proto_priority` [:proto, :scheme], rack 3.0 CHANGELOG, rack/rack#1809).
 */
export const RACK_SCHEME_HEADERS = ['x-forwarded-ssl', 'x-forwarded-scheme', 'x-forwarded-proto'];
export const RACK3_SCHEME_HEADERS = ['x-forwarded-ssl', 'x-forwarded-proto', 'x-forwarded-scheme'];
const NON_PRODUCTION = new Set(['development', 'test']);

interface RailsApp {
  root: string;
  application?: { file: string; lines: string[] };
  envs: Array<{ name: string; file: string; lines: string[] }>;
  puma: Array<{ file: string; lines: string[] }>;
  /** config/initializers/*.rb that configure the app (config.hosts, host_authorization): run after the environment. */
  initializers: Array<{ file: string; lines: string[] }>;
  railsVersion?: string;
  /** Rack's major version from Gemfile.lock (`    rack (3.1.8)`): decides the forwarded scheme headers' order. */
  rackMajor?: number;
}

function railsRoot(
  display: string,
): { root: string; role: 'application' | 'env' | 'puma' | 'lock' | 'initializer'; env?: string } | null {
  const norm = display.replace(/\\/g, '/');
  let m = /^(.*?)(?:^|\/)config\/application\.rb$/.exec(norm);
  if (m) return { root: m[1] ?? '', role: 'application' };
  m = /^(.*?)(?:^|\/)config\/environments\/([A-Za-z0-9_-]+)\.rb$/.exec(norm);
  if (m) return { root: m[1] ?? '', role: 'env', env: m[2] };
  m = /^(.*?)(?:^|\/)config\/initializers\/[^/]+\.rb$/.exec(norm);
  if (m) return { root: m[1] ?? '', role: 'initializer' };
  m = /^(.*?)(?:^|\/)config\/puma(?:\/([A-Za-z0-9_-]+))?\.rb$/.exec(norm);
  if (m) return { root: m[1] ?? '', role: 'puma', env: m[2] };
  if (basename(norm) === 'Gemfile.lock') return { root: dirname(norm) === '.' ? '' : dirname(norm), role: 'lock' };
  return null;
}

/** `config.NAME = EXPR` (NAME dotted) in code lines: the last assignment wins. */
function assignment(lines: string[], name: string): { expr: string; line: number } | undefined {
  const re = new RegExp(`^\\s*config\\.${name.replace(/\./g, '\\.')}\\s*=\\s*(.+?)\\s*$`);
  let found: { expr: string; line: number } | undefined;
  lines.forEach((l, i) => {
    const m = re.exec(l);
    if (m) found = { expr: m[1] as string, line: i + 1 };
  });
  return found;
}

function boolSetting(file: string, code: string[], raw: string[], name: string): Valued<boolean> | undefined {
  const a = assignment(code, name);
  if (!a) return undefined;
  const ref = refAt(file, raw, a.line);
  const b = boolLiteral(a.expr);
  if (b !== undefined) return lit(b, ref);
  const envVar = envVarIn(a.expr);
  // `ENV['X'].present?` and friends: on in the deployments that set it. Checks treat it as "may be on".
  if (envVar) return lit(true, ref, 'env', { envVar, note: a.expr });
  return lit(true, ref, 'unknown', { note: a.expr });
}

/**
 * Constants and variables a puma.rb assigns (`PORT = ENV["PORT"] || 3000`, `host = ENV.fetch("HOST", "127.0.0.1")`,
 * `PORT = ENV.fetch("PORT") { 3000 }`, `LISTEN = "0.0.0.0"`): the value when the environment sets nothing, so that
 * `bind "tcp://#{LISTEN}:#{PORT}"` resolves to what a default start binds.
 */
function rubyDefaults(code: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of code) {
    const m = /^\s*([A-Za-z_]\w*)\s*=\s*(.+?)\s*$/.exec(l);
    if (!m) continue;
    const expr = m[2] as string;
    const v =
      /^(["'])([^"'#]*)\1$/.exec(expr)?.[2] ??
      /^(\d+)$/.exec(expr)?.[1] ??
      /\|\|\s*(?:(["'])([^"']*)\1|(\d+))\s*\)?(?:\.to_i)?$/
        .exec(expr)
        ?.slice(2)
        .find((x) => x !== undefined) ??
      /ENV\.fetch\(\s*["'][^"']+["']\s*,\s*(?:(["'])([^"']*)\1|(\d+))\s*\)/
        .exec(expr)
        ?.slice(2)
        .find((x) => x !== undefined) ??
      /ENV\.fetch\(\s*["'][^"']+["']\s*\)\s*\{\s*(?:(["'])([^"']*)\1|(\d+))\s*\}/
        .exec(expr)
        ?.slice(2)
        .find((x) => x !== undefined);
    if (v !== undefined) out.set(m[1] as string, v);
  }
  return out;
}

/**
 * For each code line, the `if`/`unless ENV[...]` branch it sits in (`"<line of the if>:<branch number>"`), or
 * undefined outside such a conditional. Other blocks (`do ... end`, `def`, `begin`, `case`) are tracked only so that
 * their `end` closes the right frame.
 */
function envBranches(code: string[]): Array<string | undefined> {
  const stack: Array<{ env: boolean; line: number; branch: number }> = [];
  return code.map((l, i) => {
    let here: string | undefined;
    const envFrame = [...stack].reverse().find((f) => f.env);
    if (envFrame) here = `${envFrame.line}:${envFrame.branch}`;
    const cond = /^\s*(?:if|unless)\s+(.+?)\s*(?:then)?\s*$/.exec(l);
    // A one-line `if x then y end` opens nothing.
    if (cond && !/\bend\s*$/.test(l)) {
      stack.push({ env: /\bENV\b/.test(cond[1] as string), line: i + 1, branch: 0 });
      return here;
    }
    if (/^\s*(?:elsif\b|else\s*$)/.test(l)) {
      const top = stack[stack.length - 1];
      if (top) top.branch++;
      return undefined;
    }
    if (/^\s*end\b/.test(l)) {
      stack.pop();
      return here;
    }
    if (/^\s*(?:def|begin|case|while|until|class|module)\b/.test(l) || /\bdo\s*(?:\|[^|]*\|)?\s*$/.test(l))
      stack.push({ env: false, line: i + 1, branch: 0 });
    return here;
  });
}

function pumaBinds(file: string, raw: string[]): BindAddress[] {
  const code = codeLines(raw.join('\n'), 'hash');
  const defaults = rubyDefaults(code);
  const out: BindAddress[] = [];
  const branches = envBranches(code);
  const branchOf = new Map<BindAddress, string>();
  code.forEach((l, i) => {
    const ref = refAt(file, raw, i + 1);
    const before = out.length;
    collectBind(l, ref);
    const branch = branches[i];
    for (const b of out.slice(before)) if (branch) branchOf.set(b, branch);
  });
  // `if ENV["HEROKU"] ... port 3000 else bind "unix://..." end`: the environment picks one of these per deployment.
  // A network bind in one branch of a conditional whose other branch binds too is not a listener of every deployment
  // that runs this file: its exposure is unknown (the proxy's link to the other branch says which one runs there).
  const branchesOfIf = new Map<string, Set<string>>();
  for (const br of branchOf.values()) {
    const [ifLine, n] = br.split(':') as [string, string];
    branchesOfIf.set(ifLine, (branchesOfIf.get(ifLine) ?? new Set()).add(n));
  }
  for (const [b, br] of branchOf) {
    const alternatives = (branchesOfIf.get(br.split(':')[0] as string)?.size ?? 0) > 1;
    if (alternatives && b.kind === 'tcp' && b.exposure !== 'loopback') b.exposure = 'unknown';
  }
  return out;

  function collectBind(l: string, ref: SourceRef): void {
    const bind = /^\s*bind\s*\(?\s*(["'])(.+?)\1/.exec(l);
    if (bind) {
      // `#{NAME}` of a constant assigned above: its default value; others stay (a unix path keeps `*`).
      const uri = (bind[2] as string).replace(/#\{\s*([A-Za-z_]\w*)\s*\}/g, (all, n: string) => defaults.get(n) ?? all);
      const unix = /^unix:\/\/(.+)$/.exec(uri);
      if (unix) {
        // `#{app_dir}` is computed at run time: keep the fixed tail for matching (`*/tmp/puma.sock`).
        const path = (unix[1] as string).replace(/#\{[^}]*\}/g, '*').replace(/\/{2,}/g, '/');
        out.push({ kind: 'unix', path, exposure: 'unix', ref });
        return;
      }
      const tcp = /^(?:tcp|ssl):\/\/\[?([^\]]*?)\]?:(\d+)/.exec(uri);
      if (tcp) {
        const host = tcp[1] as string;
        out.push({
          kind: 'tcp',
          host,
          port: Number(tcp[2]),
          exposure: /^(127\.|localhost$|::1$)/.test(host)
            ? 'loopback'
            : host === '0.0.0.0' || host === '::'
              ? 'all-interfaces'
              : 'specific',
          ref,
        });
      }
      return;
    }
    // `port 3000` / `port ENV.fetch("PORT") { 3000 }`: Puma binds tcp://0.0.0.0:PORT (Puma::DSL#port).
    const port = /^\s*port\b(?!\s*=[^=])\s*\(?\s*(.+?)\s*$/.exec(l);
    if (port) {
      const expr = port[1] as string;
      const n = /^(\d+)\b/.exec(expr)?.[1] ?? /\{\s*(\d+)\s*\}/.exec(expr)?.[1] ?? /,\s*(\d+)\s*\)/.exec(expr)?.[1];
      const host = /,\s*["']([^"']+)["']\s*\)?\s*$/.exec(expr)?.[1] ?? '0.0.0.0';
      out.push({
        kind: 'tcp',
        host,
        port: n ? Number(n) : undefined,
        exposure:
          host === '0.0.0.0' || host === '::' ? 'all-interfaces' : /^(127\.|localhost$)/.test(host) ? 'loopback' : 'specific',
        ref,
      });
    }
  }
}

/** The entries of a Ruby list or single value as written: quoted strings, `/regexp/`s, anything else as its text. */
function hostEntries(expr: string): string[] {
  // `config.hosts << "a" << "b"`: Array#<< returns the array, so a chain appends each operand.
  const body = expr
    .replace(/\s*<<\s*/g, ', ')
    .trim()
    .replace(/^\[([\s\S]*)\]$/, '$1')
    .replace(/^\(([\s\S]*)\)$/, '$1');
  const out: string[] = [];
  // `%r{...}flags` (Ruby's other regexp literal, braces may nest once: `%r{\d{1,3}}`) is written `/.../flags`.
  const re = /"([^"\\]*)"|'([^'\\]*)'|%r\{((?:[^{}\\]|\\.|\{[^{}]*\})*)\}([a-z]*)|(\/(?:[^/\\\n]|\\.)+\/[a-z]*)|([^,\s][^,]*)/g;
  for (const m of body.matchAll(re)) {
    const v = m[1] ?? m[2] ?? (m[3] !== undefined ? `/${m[3]}/${m[4] ?? ''}` : undefined) ?? m[5] ?? (m[6] as string).trim();
    if (v !== '' && v !== 'nil') out.push(v);
  }
  return out;
}

/**
 * `config.hosts` (HostAuthorization) after config/application.rb and then the deployed environment file run:
 * `<<`, `push`, `concat`, `+=` add, `=` replaces, `clear` / `= nil` / `= []` empty it. Undefined when no line touches
 * it (the production default: empty, every host accepted; railties 6.1 application/configuration.rb). A conditional
 * line (`... if ENV["APP_HOST"]`) counts, its origin `env` or `unknown`.
 */
function hostsSetting(sources: Array<{ file: string; raw: string[]; code: string[] }>): Valued<string[]> | undefined {
  let entries: string[] | undefined;
  let last: { ref: SourceRef; origin: Valued<string[]>['origin']; note?: string; envVar?: string } | undefined;
  for (const s of sources) {
    s.code.forEach((l, i) => {
      const m = /^\s*config\.hosts\s*(?:(<<|\+=|=(?!=))\s*|\.(push|concat|append|clear)\b\s*\(?\s*)(.*)$/.exec(l);
      if (!m) return;
      const op = m[1] ?? m[2];
      let expr = (m[3] ?? '').trim();
      if (/^[[(]/.test(expr) && !/[\])]/.test(expr)) expr = balanced(s.code, i, l.indexOf(expr)).text;
      const cond = /\s+(?:if|unless)\s+(.+)$/.exec(expr);
      if (cond) expr = expr.slice(0, cond.index).trim();
      if (op === 'clear' || (op === '=' && /^(nil|\[\s*\])$/.test(expr))) entries = [];
      else if (op === '=') entries = hostEntries(expr);
      else entries = [...(entries ?? []), ...hostEntries(expr.replace(/\)\s*$/, ''))];
      const envVar = envVarIn(l);
      last = {
        ref: refAt(s.file, s.raw, i + 1),
        origin: cond ? (envVar ? 'env' : 'unknown') : envVar ? 'env' : 'literal',
        note: cond ? `only ${cond[0].trim()}` : undefined,
        envVar,
      };
    });
  }
  if (!entries || !last) return undefined;
  const extra: Partial<Valued<string[]>> = {};
  if (last.note) extra.note = last.note;
  if (last.envVar) extra.envVar = last.envVar;
  return lit(entries, last.ref, last.origin, extra);
}

/** `Rails.env.development?`, `Rails.env.test?`, `!Rails.env.production?`, `Rails.env == "test"`: not the deployed one. */
const NOT_PRODUCTION_TEST =
  /Rails\.env\.(?:development|test)\?|!\s*Rails\.env\.production\?|Rails\.env\s*==\s*["'](?:development|test)["']/;
const PRODUCTION_TEST = /Rails\.env\.production\?|Rails\.env\s*==\s*["']production["']/;

/**
 * The code lines as the production boot runs them: `Rails.application.config.X` (an initializer's spelling) is
 * `config.X`; a line under `if Rails.env.development?` (or `unless Rails.env.production?`), or ending in such a
 * modifier, is blanked, since production never runs it. Other conditionals are kept (the deployed value may be either).
 */
function productionCode(code: string[]): string[] {
  // Per open block: whether production skips it, and whether its test names the environment (only then does `else`
  // flip it).
  const stack: Array<{ skip: boolean; byEnv: boolean }> = [];
  return code.map((raw) => {
    const l = raw.replace(/\bRails\.application\.config\./g, 'config.');
    const skipped = stack.some((f) => f.skip);
    const cond = /^\s*(if|unless)\s+(.+?)\s*(?:then)?\s*$/.exec(l);
    if (cond && !/\bend\s*$/.test(l)) {
      const test = cond[2] as string;
      const byEnv = NOT_PRODUCTION_TEST.test(test) || PRODUCTION_TEST.test(test);
      const skip = cond[1] === 'if' ? NOT_PRODUCTION_TEST.test(test) : PRODUCTION_TEST.test(test) && !/!/.test(test);
      stack.push({ skip, byEnv });
      return '';
    }
    if (/^\s*(?:elsif\b|else\s*$)/.test(l)) {
      // The other branch of `if Rails.env.development?` runs in production, and the other of `if production?` does not.
      const top = stack[stack.length - 1];
      if (top?.byEnv) top.skip = !top.skip;
      return '';
    }
    if (/^\s*end\b/.test(l)) {
      stack.pop();
      return '';
    }
    if (/^\s*(?:def|begin|case|while|until|class|module)\b/.test(l) || /\bdo\s*(?:\|[^|]*\|)?\s*$/.test(l))
      stack.push({ skip: false, byEnv: false });
    if (skipped) return '';
    const modifier = /\s+(if|unless)\s+(.+)$/.exec(l);
    if (modifier && (modifier[1] === 'if' ? NOT_PRODUCTION_TEST : PRODUCTION_TEST).test(modifier[2] as string)) return '';
    return l;
  });
}

/**
 * `config.host_authorization = { exclude: ->(request) { ... } }` (Rails 7+; 6.1 spells it
 * `config.host_authorization = { exclude: ... }` too): requests the lambda matches skip HostAuthorization.
 */
function hostAuthorizationExclude(sources: Array<{ file: string; raw: string[]; code: string[] }>): string | undefined {
  let found: string | undefined;
  for (const s of sources)
    s.code.forEach((l, i) => {
      if (
        /^\s*config\.host_authorization\s*=.*\bexclude:/.test(l) ||
        (/^\s*config\.host_authorization\s*=\s*\{?\s*$/.test(l) && /\bexclude:/.test(s.code.slice(i + 1, i + 4).join(' ')))
      )
        found = `${s.file}:${i + 1}`;
    });
  return found;
}

function versionOf(loadDefaults: string | undefined, lock: string | undefined): string | undefined {
  return lock ?? loadDefaults;
}

/**
 * The session cookie's Secure flag. `session_store ... secure: true` writes it Secure always (ActionDispatch::Cookies
 * then skips writing it on a request it believes is http: `write_cookie?`); `config.force_ssl` flags every cookie
 * Secure on the requests it believes are https (ActionDispatch::SSL `flag_cookies_as_secure!`, secure_cookies on by
 * default) and redirects the others; neither: never Secure (Rack's cookie options default `secure: false`).
 */
function railsSessionCookie(
  appEnd: AppEndFacts,
  forceSsl: Valued<boolean> | undefined,
  files: Array<{ file: string; raw: string[]; code: string[] }>,
  anchor: SourceRef,
): void {
  appEnd.secureCookieName = 'the session cookie';
  // The cookie store sets no Expires unless `expire_after:` is given: it ends with the browser.
  if (!files.some((f) => f.code.some((l) => /\bsession_store\b.*\bexpire_after:/.test(l))))
    appEnd.secureCookieLifetime = 'session';
  appEnd.secureCookieFix = 'config.force_ssl = true (with the scheme forwarded), or secure: true on config.session_store';
  appEnd.defaultsFrom?.push(
    'https://github.com/rails/rails/blob/v6.1.7/actionpack/lib/action_dispatch/middleware/ssl.rb (flag_cookies_as_secure!)',
    'https://github.com/rails/rails/blob/v6.1.7/actionpack/lib/action_dispatch/middleware/cookies.rb (write_cookie?)',
  );
  for (const f of files)
    for (let i = 0; i < f.code.length; i++) {
      const l = f.code[i] as string;
      if (!/\bsession_store\b/.test(l)) continue;
      const m = /\bsecure:\s*([^,)\s]+)/.exec(l);
      if (!m) continue;
      const v = m[1] as string;
      const ref = refAt(f.file, f.raw, i + 1);
      if (v === 'true') {
        appEnd.secureCookies = lit<'always'>('always', ref);
        // CookieJar#write skips a Secure cookie unless request.ssl? (always_write_cookie is development's only).
        appEnd.secureCookieSkippedOnHttp = true;
      } else if (v === 'false' || v === 'nil') {
        if (forceSsl?.value !== true) appEnd.secureCookies = lit<'never'>('never', ref, 'literal', { note: `secure: ${v}` });
        else break;
      } else appEnd.secureCookies = lit<'always'>('always', ref, 'unknown', { note: `secure: ${v}` });
      if (appEnd.secureCookies) return;
    }
  if (forceSsl?.value === true) {
    appEnd.secureCookies = lit<'auto'>('auto', forceSsl.ref as SourceRef, forceSsl.origin === 'env' ? 'env' : 'literal', {
      note: 'config.force_ssl flags cookies Secure on requests Rails believes are https',
      ...(forceSsl.envVar ? { envVar: forceSsl.envVar } : {}),
    });
    return;
  }
  // force_ssl from a setting the files do not decide: unknown; unset: Rack's default.
  if (forceSsl && forceSsl.origin !== 'literal' && forceSsl.origin !== 'default') return;
  appEnd.secureCookies = lit<'never'>('never', forceSsl?.ref ?? anchor, 'default', {
    note: 'no config.force_ssl and no secure: on session_store',
  });
}

export function railsFacts(app: RailsApp): { framework?: FrameworkFacts; servers: AppServerFacts[] } {
  const settings: Record<string, Valued<unknown>> = {};
  const sources: Array<{ file: string; raw: string[]; code: string[]; env: boolean }> = [];
  if (app.application) {
    const raw = app.application.lines;
    sources.push({ file: app.application.file, raw, code: codeLines(raw.join('\n'), 'hash'), env: false });
  }
  // Production first, then other deployed environments (staging...): the first that sets a value decides.
  const envs = app.envs
    .filter((e) => !NON_PRODUCTION.has(e.name))
    .sort((a, b) => (a.name === 'production' ? -1 : b.name === 'production' ? 1 : a.name.localeCompare(b.name)));
  for (const e of envs) sources.push({ file: e.file, raw: e.lines, code: codeLines(e.lines.join('\n'), 'hash'), env: true });
  // Initializers run after the environment file (Rails::Engine load_config_initializers, before the middleware stack
  // that hands config.hosts to HostAuthorization is built), in file name order.
  const initializers = [...app.initializers]
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .map((x) => ({ file: x.file, raw: x.lines, code: productionCode(codeLines(x.lines.join('\n'), 'hash')), env: false }));
  const pick = (name: string): Valued<boolean> | undefined => {
    for (const s of [...sources.filter((x) => x.env), ...sources.filter((x) => !x.env)]) {
      const v = boolSetting(s.file, s.code, s.raw, name);
      if (v) return v;
    }
    return undefined;
  };
  let loadDefaults: Valued<string> | undefined;
  for (const s of sources) {
    s.code.forEach((l, i) => {
      const m = /^\s*config\.load_defaults\s*\(?\s*["']?(\d+\.\d+)/.exec(l);
      if (m) loadDefaults = lit(m[1] as string, refAt(s.file, s.raw, i + 1));
    });
  }
  const forceSsl = pick('force_ssl');
  const assumeSsl = pick('assume_ssl');
  let originCheck = pick('action_controller.forgery_protection_origin_check');
  const ld = loadDefaults ? Number(loadDefaults.value) : undefined;
  if (!originCheck && ld !== undefined && ld >= 5) {
    // railties/lib/rails/application/configuration.rb, load_defaults "5.0".
    originCheck = lit(true, loadDefaults?.ref as SourceRef, 'default', { note: `load_defaults ${loadDefaults?.value}` });
  }
  let trusted: Valued<string[]> | undefined;
  for (const s of sources) {
    s.code.forEach((l, i) => {
      const m = /^\s*config\.action_dispatch\.trusted_proxies\s*=\s*(.+)$/.exec(l);
      if (!m) return;
      const ref = refAt(s.file, s.raw, i + 1);
      const expr = m[1] as string;
      const list = quotedStrings(expr);
      // `... + ActionDispatch::RemoteIp::TRUSTED_PROXIES` keeps the defaults.
      const keeps = /TRUSTED_PROXIES/.test(expr) ? RAILS_TRUSTED_PROXIES : [];
      trusted =
        list.length > 0 || keeps.length > 0 ? lit([...list, ...keeps], ref) : lit([] as string[], ref, 'unknown', { note: expr });
    });
  }
  const servers: AppServerFacts[] = [];
  for (const p of app.puma) {
    const binds = pumaBinds(p.file, p.lines);
    const first = binds[0]?.ref ?? refAt(p.file, p.lines, 1);
    servers.push(
      passThroughServer({
        name: 'puma',
        launch: { ...first, via: 'config' },
        appTarget: app.root || '.',
        binds,
        configFiles: [p.file],
        notes: ['Puma passes forwarded headers to Rack unchanged; Rails decides the scheme'],
      }),
    );
  }
  if (sources.length === 0) return { servers };
  const main = sources.find((s) => s.env) ?? (sources[0] as (typeof sources)[number]);
  for (const [k, v] of Object.entries({ force_ssl: forceSsl, assume_ssl: assumeSsl, load_defaults: loadDefaults }))
    if (v) settings[k] = v as Valued<unknown>;
  const anchor = forceSsl?.ref ?? refAt(main.file, main.raw, 1);
  const appEnd: AppEndFacts = {
    name: 'Rails',
    ref: anchor,
    // No lock file: Rack 2.2's order (Debian 12's ruby-rack with Rails 6.1).
    schemeHeaders: (app.rackMajor ?? 2) >= 3 ? RACK3_SCHEME_HEADERS : RACK_SCHEME_HEADERS,
    // Rack::Request#scheme: `HTTPS == 'on'` first, then X-Forwarded-Ssl, X-Forwarded-Scheme, X-Forwarded-Proto.
    serverHttpsFirst: true,
    clientHeaders: ['x-forwarded-for', 'client-ip'],
    trustScheme: lit(['*'], anchor, 'default', { note: 'Rack believes forwarded scheme headers from every peer' }),
    trustClient: trusted ?? lit(RAILS_TRUSTED_PROXIES, anchor, 'default'),
    defaultsFrom: [
      'https://github.com/rack/rack/blob/v3.1.8/lib/rack/request.rb',
      'https://github.com/rails/rails/blob/v7.1.0/actionpack/lib/action_dispatch/middleware/remote_ip.rb',
    ],
  };
  // ActionDispatch::Http::URL#raw_host_with_port: the last X-Forwarded-Host value, from any peer (no trusted-proxy
  // test); HostAuthorization (config.hosts) refuses a request whose last X-Forwarded-Host it does not list.
  appEnd.hostHeaders = ['x-forwarded-host'];
  const deployed = [
    ...sources.filter((x) => !x.env).map((x) => ({ ...x, code: productionCode(x.code) })),
    ...sources.filter((x) => x.env && x.file === main.file),
    ...initializers,
  ];
  const hosts = hostsSetting(deployed);
  const exclude = hostAuthorizationExclude(deployed);
  if (hosts && exclude && hosts.value.length > 0)
    hosts.note = [hosts.note, `except the requests host_authorization's exclude (${exclude}) lets through`]
      .filter(Boolean)
      .join('; ');
  appEnd.hostAllowList =
    hosts ??
    lit([] as string[], refAt(main.file, main.raw, 1), 'default', {
      note: 'config.hosts is empty in production by default: every host is accepted',
    });
  appEnd.defaultsFrom?.push('https://github.com/rails/rails/blob/v6.1.7/actionpack/lib/action_dispatch/http/url.rb');
  if (forceSsl) appEnd.sslRedirect = forceSsl;
  if (assumeSsl) {
    // ActionDispatch::AssumeSSL exists from Rails 7.1; before, railties' Configuration#method_missing stores
    // `config.assume_ssl = true` silently and nothing reads it (Debian railties 6.1.7.10). The version: Gemfile.lock's
    // rails, else load_defaults 7.1+ (which needs 7.1); unknown -> taken as 7.1+, and said.
    const v = app.railsVersion ?? (ld !== undefined && ld >= 7.1 ? loadDefaults?.value : undefined);
    const [maj, min] = (v ?? '').split('.').map(Number);
    const below = v !== undefined && maj !== undefined && (maj < 7 || (maj === 7 && (min ?? 0) < 1));
    if (below && assumeSsl.value === true) {
      appEnd.notes = [
        ...(appEnd.notes ?? []),
        `config.assume_ssl at ${assumeSsl.ref?.file}:${assumeSsl.ref?.line} does nothing on Rails ${v} (ActionDispatch::AssumeSSL is 7.1+)`,
      ];
      // The Rails version (Gemfile.lock) that ignores it: app/ssl-redirect-loop names the line instead of advising it.
      settings.assume_ssl_ignored = lit(v, assumeSsl.ref as SourceRef, 'literal', {
        note: `Rails ${v} has no ActionDispatch::AssumeSSL (7.1+)`,
      });
    } else {
      appEnd.assumeHttps =
        v === undefined && assumeSsl.value === true
          ? { ...assumeSsl, note: 'Rails version unknown (no Gemfile.lock): assume_ssl taken to work (7.1+)' }
          : assumeSsl;
      if (v === undefined && assumeSsl.value === true)
        appEnd.notes = [
          ...(appEnd.notes ?? []),
          'Rails version unknown (no Gemfile.lock): config.assume_ssl assumed to work (7.1+)',
        ];
    }
  }
  if (originCheck) appEnd.originCheck = originCheck;
  railsSessionCookie(appEnd, forceSsl, [...sources, ...initializers], anchor);
  const framework: FrameworkFacts = {
    kind: 'rails',
    file: main.file,
    module: app.root || '.',
    usesServerScheme: false,
    sslRedirect: forceSsl,
    assumedVersion: versionOf(loadDefaults?.value, app.railsVersion),
    settings,
    appEnd,
  };
  return { framework, servers };
}

/**
 * A Passengerfile.json inside the build context of a compose service runs in that service's container: its binds are
 * container binds (reached through the service's network and its published ports) and the server carries the
 * service's name, so `proxy_pass http://app:3000` links to it.
 */
function placeInComposeService(ctx: CollectContext, server: AppServerFacts, absFile: string): void {
  for (const cf of ctx.facts.compose?.files ?? []) {
    const composeAbs = ctx.files.find((x) => x.display === cf.file)?.abs ?? resolve(cf.file);
    for (const svc of cf.services) {
      if (!svc.build) continue;
      const dir = resolve(dirname(composeAbs), svc.build.context);
      if (!absFile.startsWith(dir + sep)) continue;
      server.service = svc.name;
      server.notes = [...(server.notes ?? []), `runs in compose service ${svc.name} (built from ${svc.build.context})`];
      for (const b of server.binds) inServiceContainer(b, svc);
      return;
    }
  }
}

/** The app's folder as an absolute path, from one of its files (display paths are relative to the working folder). */
function rootAbs(ctx: CollectContext, app: RailsApp): string {
  const d = app.application?.file ?? app.envs[0]?.file ?? app.puma[0]?.file;
  const f = d === undefined ? undefined : ctx.files.find((x) => x.display === d);
  if (!f || d === undefined) return resolve(app.root || '.');
  const rel = d.replace(/\\/g, '/').slice(app.root.length).replace(/^\//, '');
  return f.abs.slice(0, f.abs.length - rel.length).replace(/[\\/]+$/, '');
}

/** The Puma a launch starts when the app has no config/puma.rb: its command-line bind, or the launcher's default. */
function defaultServer(app: RailsApp, launch: RailsLaunch): AppServerFacts {
  const rails = !/(?:^|\/)puma$/.test(launch.words[0] ?? '');
  const bind: BindAddress = commandLineBind(launch.words, launch.ref) ?? {
    kind: 'tcp',
    host: '0.0.0.0',
    port: rails ? 3000 : 9292,
    exposure: 'all-interfaces',
    ref: launch.ref,
  };
  return passThroughServer({
    name: 'puma',
    launch: { ...launch.ref, via: launch.service ? 'compose' : 'dockerfile' },
    appTarget: app.root || '.',
    binds: [bind],
    configFiles: [],
    notes: [
      `no config/puma.rb: ${rails ? '`rails server` binds 0.0.0.0:3000 outside development' : 'Puma binds tcp://0.0.0.0:9292'} unless its command line says otherwise`,
      'Puma passes forwarded headers to Rack unchanged; Rails decides the scheme',
    ],
  });
}

/**
 * Passenger Standalone started by a command line (`bundle exec passenger start -a 127.0.0.1 -p 3000` in a unit, a
 * Procfile, a compose command, an image's CMD): the command line's bind wins over a Passengerfile.json of the same
 * folder (Passenger reads that file, then the environment, then the command line), else a new Passenger server.
 */
function passengerStartLaunches(ctx: CollectContext): void {
  const launches = commandLaunches(ctx, ctx.facts, { mentions: /\bpassenger\s+start\b/, match: passengerStartArgs });
  for (const l of launches) {
    const file = ctx.facts.appServers.find(
      (a) =>
        a.name === 'passenger' &&
        a.launch.via === 'config' &&
        /Passengerfile\.json$/.test(a.launch.file) &&
        (l.context === undefined || ctx.files.some((f) => f.display === a.launch.file && f.abs.startsWith(l.context + sep))),
    );
    const bind = placeBind(passengerStartBind(l.match, l.env, l.ref, file?.binds[0]), l);
    const launch = { ...l.ref, via: l.service ? ('compose' as const) : l.via };
    if (file) {
      file.binds = [bind];
      file.launch = launch;
      file.notes = [...(file.notes ?? []), `started by \`${l.words.join(' ')}\`: its command-line bind wins over the file`];
      if (l.service) file.service = l.service.name;
      continue;
    }
    const root = dirname(l.ref.file).replace(/^\.$/, '');
    const server = passengerStartServer(bind, launch, root);
    if (l.service) server.service = l.service.name;
    ctx.facts.appServers.push(server);
  }
}

export const rubyCollector: Collector = {
  name: 'ruby',
  collect(ctx: CollectContext) {
    const apps = new Map<string, RailsApp>();
    const get = (root: string): RailsApp => {
      let a = apps.get(root);
      if (!a) {
        a = { root, envs: [], puma: [], initializers: [] };
        apps.set(root, a);
      }
      return a;
    };
    const read = (f: DiscoveredFile): string[] | null => {
      if (f.size > MAX_APP_SOURCE_BYTES) return null;
      return ctx.read(f).toString('utf8').split(/\r?\n/);
    };
    for (const f of ctx.files) {
      if (ctx.claimed.has(f.abs)) continue;
      if (basename(f.display) === 'Passengerfile.json' && f.size <= MAX_APP_SOURCE_BYTES) {
        // Passenger Standalone: its own listener (collectors/ruby/passenger.ts).
        const dir = dirname(f.display);
        const server = passengerfileServer(f.display, ctx.read(f).toString('utf8'), dir === '.' ? '' : dir);
        if (server) {
          placeInComposeService(ctx, server, f.abs);
          ctx.facts.appServers.push(server);
          ctx.claimed.add(f.abs);
        } else
          ctx.facts.diagnostics.push({
            level: 'warning',
            file: f.display,
            line: 1,
            message: 'Passengerfile.json: not a JSON object',
          });
        continue;
      }
      const r = railsRoot(f.display);
      if (!r) continue;
      if (r.role === 'lock') {
        const a = apps.get(r.root);
        // Only read a lock file next to a Rails app (other Gemfile.lock files are not ours).
        if (!a && !ctx.files.some((x) => railsRoot(x.display)?.root === r.root && railsRoot(x.display)?.role !== 'lock'))
          continue;
        const lines = read(f);
        const v = lines?.map((l) => /^\s{4}rails \((\d+\.\d+)[^)]*\)/.exec(l)?.[1]).find(Boolean);
        if (v) get(r.root).railsVersion = v;
        const rack = lines?.map((l) => /^\s{4}rack \((\d+)\.\d+[^)]*\)/.exec(l)?.[1]).find(Boolean);
        if (rack) get(r.root).rackMajor = Number(rack);
        continue;
      }
      const lines = read(f);
      if (!lines) continue;
      // A file named like Rails config but not Rails/Puma code (no `config.` nor Puma DSL) is left alone.
      const text = lines.join('\n');
      if (r.role === 'puma') {
        if (!/^\s*(bind|port|workers|threads|environment)\b/m.test(text)) continue;
        get(r.root).puma.push({ file: f.display, lines });
      } else if (r.role === 'initializer') {
        // Only an initializer that configures host authorization or the session store is the app's config; the
        // others stay unread.
        if (!/\bconfig\.(?:hosts|host_authorization|session_store)\b/.test(text)) continue;
        get(r.root).initializers.push({ file: f.display, lines });
      } else if (r.role === 'application') {
        if (!/Rails::Application|config\./.test(text)) continue;
        get(r.root).application = { file: f.display, lines };
      } else {
        if (!/Rails\.application\.configure|config\./.test(text)) continue;
        get(r.root).envs.push({ name: r.env as string, file: f.display, lines });
      }
      ctx.claimed.add(f.abs);
    }
    passengerStartLaunches(ctx);
    // Web servers that run an app through Passenger (collectors/apache, nginx run before this one).
    // Passenger Standalone's Passengerfile.json (read above) serves the app of its own folder.
    const passengerRoots = ctx.facts.appServers
      .filter((a) => a.name === 'passenger')
      .flatMap((a) =>
        a.binds.map((b) =>
          b.kind === 'unix' ? /^passenger:(.*)$/.exec(b.path ?? '')?.[1] : dirname(a.launch.file).replace(/^\.$/, ''),
        ),
      )
      .filter((r): r is string => r !== undefined);
    let launches: RailsLaunch[] | undefined;
    for (const app of apps.values()) {
      const { framework, servers } = railsFacts(app);
      if (framework) ctx.facts.frameworks.push(framework);
      const root = app.root.replace(/\/+$/, '');
      // The app root a web server names is a path on the server (`/home/app/community`), seldom the tree's own path:
      // one Rails app and one Passenger app in the tree are the same app.
      const viaPassenger =
        passengerRoots.find((r) =>
          root === '' ? apps.size === 1 || r === '' : r === root || r.endsWith(`/${root}`) || (r !== '' && root.endsWith(r)),
        ) ?? (apps.size === 1 && new Set(passengerRoots).size === 1 ? passengerRoots[0] : undefined);
      if (viaPassenger) {
        // A config/puma.rb (Rails generates one) in an app the web server runs through Passenger starts nothing:
        // Passenger is this app's server, so that Puma is not a second backend.
        continue;
      }
      // A compose service or an image of the tree that starts this app's server runs it in a container
      // (collectors/ruby/launch.ts); without a config/puma.rb that launch is the server.
      launches ??= railsLaunches(ctx);
      const abs = rootAbs(ctx, app);
      const own = launchFor(abs, launches, false);
      if (servers.length === 0 && framework && own) servers.push(defaultServer(app, own));
      const launch = own ?? launchFor(abs, launches, apps.size === 1);
      if (launch) placeRailsServers(servers, launch);
      ctx.facts.appServers.push(...servers);
    }
  },
};
