/**
 * The python collector: Django settings (split settings included), gunicorn config files no launcher
 * referenced, Flask/FastAPI/Starlette app modules (Werkzeug ProxyFix, ProxyHeadersMiddleware,
 * hypercorn ProxyFixMiddleware) and `uvicorn.run(...)` calls. Parses with @lezer/python and
 * evaluates statically (evaluate.ts); nothing is imported or executed.
 *
 * Runs after collectors/deploy, so the environment a deployment gives the process (compose
 * `environment:`, systemd `Environment=`) decides DJANGO_SETTINGS_MODULE and env-dependent settings.
 */
import { basename, dirname, join, relative, sep } from 'node:path';
import type { CollectContext, Collector, DiscoveredFile } from '../../model/collector.js';
import type { AppServerFacts, EnvSwitchFacts, FrameworkFacts, FrameworkKind, SourceRef, Valued } from '../../model/facts.js';
import { MAX_SOURCE_BYTES } from '../../model/limits.js';
import { buildAppServer } from '../deploy/appserver.js';
import { guarded, readText, refIn } from '../deploy/collector.js';
import type { FoundInvocation } from '../deploy/servers.js';
import { deploymentBlock } from './deploy-block.js';
import {
  type Binding,
  type CallSite,
  collectCalls,
  decideSwitch,
  type EnvSwitch,
  type Ev,
  evaluateModule,
  type ParsedPython,
  parsePython,
  type Scope,
  show,
  toJs,
} from './evaluate.js';
import { routeOf } from './routes.js';

import { isRequirementsFile, type Pinned, readPins } from './versions.js';

/** uvicorn's ProxyHeadersMiddleware as Debian's uvicorn 0.17.6 ships it (trusted_hosts: exact addresses or "*"). */
export const UVICORN_PROXY_HEADERS_SOURCE = 'https://github.com/encode/uvicorn/blob/0.17.6/uvicorn/middleware/proxy_headers.py';

/** At most this many code uses of each kind per file (`codeUses`). */
const CODE_USES_PER_FILE = 3;

/** Text markers that make a .py file worth parsing (others are skipped unread by the parser). */
const RELEVANT =
  /SECURE_|ALLOWED_HOSTS|INSTALLED_APPS|MIDDLEWARE|DJANGO_SETTINGS_MODULE|CSRF_|SESSION_COOKIE|USE_X_FORWARDED|Flask\(|FastAPI\(|Starlette\(|Quart\(|ProxyFix|ProxyHeadersMiddleware|uvicorn\.run|forwarded_allow_ips|secure_scheme_headers|^bind\s*=/m;
const DJANGO_MARKERS = [
  'INSTALLED_APPS',
  'MIDDLEWARE',
  'ROOT_URLCONF',
  'SECRET_KEY',
  'ALLOWED_HOSTS',
  'SECURE_PROXY_SSL_HEADER',
  'SECURE_SSL_REDIRECT',
  'CSRF_TRUSTED_ORIGINS',
  'WSGI_APPLICATION',
  'DATABASES',
];
const GUNICORN_SETTINGS = [
  'bind',
  'workers',
  'worker_class',
  'forwarded_allow_ips',
  'secure_scheme_headers',
  'proxy_protocol',
  'proxy_allow_ips',
  'wsgi_app',
];

export const DEBIAN_DJANGO = '3.2';

/** Django settings that make it trust the proxy; set only inside an environment switch, they are recorded as one. */
const DJANGO_TRUST_SETTINGS = ['SECURE_PROXY_SSL_HEADER', 'USE_X_FORWARDED_HOST', 'USE_X_FORWARDED_PORT'];
const PY_SERVERS = new Set(['gunicorn', 'uvicorn', 'daphne', 'hypercorn']);

/** The line inside the switch's body where `name = ...` is written, if any. */
function assignLine(p: ParsedPython, sw: EnvSwitch, name: string): number | undefined {
  const body = p.text.slice(sw.bodyFrom, sw.bodyTo);
  const m = new RegExp(`^[ \\t]*${name}\\s*=`, 'm').exec(body);
  if (!m) return undefined;
  return p.text.slice(0, sw.bodyFrom + m.index + (m[0].length - m[0].trimStart().length)).split('\n').length;
}

interface PyFile {
  f: DiscoveredFile;
  parsed: ParsedPython;
}

class PythonRun {
  private readonly cache = new Map<string, PyFile | null>();
  private readonly pins: Pinned = {};
  private readonly reported = new Set<string>();

  constructor(private readonly ctx: CollectContext) {}

  private load(f: DiscoveredFile, report: boolean): PyFile | undefined {
    let hit = this.cache.get(f.abs);
    if (hit === undefined) {
      const text = readText(this.ctx, f);
      hit = text === undefined ? null : { f, parsed: parsePython(f.display, text) };
      this.cache.set(f.abs, hit);
    }
    if (hit && report && !this.reported.has(f.abs)) {
      this.reported.add(f.abs);
      for (const e of hit.parsed.errors)
        this.ctx.facts.diagnostics.push({
          level: 'error',
          file: e.file,
          line: e.line,
          column: e.column,
          message: `${e.message}; the rest of the file was read as far as possible`,
        });
    }
    return hit ?? undefined;
  }

  private resolveImport = (fromDisplay: string, dots: number, dotted: string): ParsedPython | undefined => {
    const from = this.ctx.files.find((f) => f.display === fromDisplay);
    if (!from) return undefined;
    const rel = dotted.split('.').filter(Boolean);
    const candidates: string[] = [];
    if (dots > 0) {
      let base = dirname(from.abs);
      for (let i = 1; i < dots; i++) base = dirname(base);
      candidates.push(`${join(base, ...rel)}.py`, join(base, ...rel, '__init__.py'));
      const hit = this.ctx.files.find((f) => candidates.includes(f.abs));
      return hit ? this.load(hit, true)?.parsed : undefined;
    }
    const tails = [`${sep}${rel.join(sep)}.py`, `${sep}${rel.join(sep)}${sep}__init__.py`];
    const hits = this.ctx.files.filter((f) => tails.some((t) => f.abs.endsWith(t)));
    hits.sort((a, b) => commonPrefix(a.abs, from.abs) - commonPrefix(b.abs, from.abs)).reverse();
    return hits[0] ? this.load(hits[0], true)?.parsed : undefined;
  };

  run(): void {
    const py: PyFile[] = [];
    for (const f of this.ctx.files) {
      if (this.ctx.claimed.has(f.abs)) continue;
      if (isRequirementsFile(basename(f.abs))) {
        const t = readText(this.ctx, f);
        if (t !== undefined) readPins(f.display, t, this.pins);
      }
      if (!f.abs.endsWith('.py')) continue;
      if (f.size > MAX_SOURCE_BYTES) {
        readText(this.ctx, f); // records the "skipped" note
        continue;
      }
      const text = this.ctx.read(f).toString('utf8');
      this.codeUses(f, text);
      if (!RELEVANT.test(text) && !(/settings/i.test(f.display) && /^\s*from\s+\S+\s+import\s+\*/m.test(text))) continue;
      const p = this.load(f, true);
      if (p) py.push(p);
    }
    guarded(this.ctx, 'python settings', () => this.django(py));
    guarded(this.ctx, 'gunicorn config files', () => this.gunicornConfigs(py));
    for (const p of py) guarded(this.ctx, p.f.display, () => this.apps([p]));
  }

  /**
   * Code that shows the consequence of a lost scheme or client address: absolute URLs built from the request
   * and client addresses read from it. Tests and migrations are skipped; at most a few per kind and file.
   */
  private codeUses(f: DiscoveredFile, text: string): void {
    if (/(^|\/)(tests?|migrations|site-packages|\.venv|venv)\//.test(f.display) || /(^|\/)test_[^/]*\.py$/.test(f.display))
      return;
    const patterns: Array<[kind: 'url' | 'client' | 'cookie', re: RegExp, what: string]> = [
      [
        'url',
        // Starlette's request.url_for/base_url; Werkzeug's host_url (`scheme://host/`) and url_root (with the script root).
        /\brequest\.url_for\(|\brequest\.(?:base_url|host_url|url_root)\b/,
        'builds an absolute URL from the request (scheme and host as the app server saw them)',
      ],
      ['url', /\.build_absolute_uri\(/, 'builds an absolute URL from the request (scheme and host as the app server saw them)'],
      [
        'url',
        /\burl_for\([^)]*_external\s*=\s*True/,
        'builds an absolute URL from the request (scheme and host as the app server saw them)',
      ],
      [
        'client',
        /\brequest\.client\.host\b|\brequest\.remote_addr\b|\bget_remote_address\b/,
        "reads the client address (the proxy's address when the proxy is not trusted)",
      ],
      [
        'cookie',
        /\bsecure\s*=\s*(?:flask_)?request\.is_secure\b/,
        "sets the cookie's Secure flag from request.is_secure (no Secure while the scheme is lost)",
      ],
    ];
    const lines = text.split(/\r?\n/);
    // The first few of each kind per file: a finding cites where its consequence shows (an OAuth redirect_uri and
    // a logout URL built from request.host_url in one routes file are two places the user must look at).
    const seen = new Map<string, number>();
    for (let i = 0; i < lines.length && i < 50_000; i++) {
      const l = lines[i] as string;
      if (/^\s*#/.test(l)) continue;
      for (const [kind, re, what] of patterns) {
        const n = seen.get(kind) ?? 0;
        if (n >= CODE_USES_PER_FILE || !re.test(l)) continue;
        seen.set(kind, n + 1);
        this.ctx.facts.codeUses ??= [];
        if (this.ctx.facts.codeUses.length < 200)
          this.ctx.facts.codeUses.push({
            kind,
            ref: refIn(this.ctx, f.display, i + 1),
            what,
            ...(kind === 'client' ? routeField(lines, i) : {}),
          });
      }
    }
  }

  // ---------------------------------------------------------------- Django

  /** Where DJANGO_SETTINGS_MODULE is set, ranked: the deployment (0) over wsgi.py/asgi.py (1) over manage.py (2, a dev default). */
  private settingsModuleHints(
    py: PyFile[],
  ): Array<{ module: string; ref: SourceRef; env?: AppServerFacts['env']; rank: number }> {
    const hints: Array<{ module: string; ref: SourceRef; env?: AppServerFacts['env']; rank: number }> = [];
    for (const s of this.ctx.facts.appServers) {
      const d = s.env.DJANGO_SETTINGS_MODULE;
      if (d?.value) hints.push({ module: d.value, ref: d.ref ?? s.launch, env: s.env, rank: 0 });
    }
    for (const p of py) {
      const name = basename(p.f.abs);
      // manage.py, and the module the server imports: wsgi.py/asgi.py and their variants (`wsgi_production.py`,
      // `config/asgi/prod.py`, `myproject_wsgi.py`).
      const entry = /(^|[\\/_.-])[wa]sgi([\\/_.-]|$)/.test(relative(p.f.root, p.f.abs));
      if (name !== 'manage.py' && !entry) continue;
      // `os.environ["DJANGO_SETTINGS_MODULE"] = "x"` overwrites the deployment's value when the server imports
      // this module (setdefault does not): in the server's entry module it outranks the environment.
      const lines = p.parsed.text.split(/\r?\n/);
      lines.forEach((l, i) => {
        const m = /^\s*os\.environ\[\s*(['"])DJANGO_SETTINGS_MODULE\1\s*\]\s*=\s*(['"])([\w.]+)\2/.exec(l);
        if (m?.[3]) hints.push({ module: m[3], ref: refIn(this.ctx, p.f.display, i + 1), rank: name === 'manage.py' ? 2 : -1 });
      });
      const scope = evaluateModule(p.parsed);
      // manage.py sets it inside main(): look at calls in function bodies too
      collectCalls(p.parsed, scope, /environ\.setdefault$/);
      for (const c of scope.calls) {
        if (
          /environ\.setdefault$/.test(c.callee) &&
          c.args[0]?.value.t === 'str' &&
          c.args[0].value.v === 'DJANGO_SETTINGS_MODULE' &&
          c.args[1]?.value.t === 'str'
        )
          hints.push({
            module: c.args[1].value.v,
            ref: refIn(this.ctx, p.f.display, c.line),
            rank: name === 'manage.py' ? 2 : 1,
          });
      }
    }
    return hints;
  }

  /** The linted file a dotted module name resolves to (`a.b.c` -> `.../a/b/c.py` or `.../a/b/c/__init__.py`), the shallowest. */
  private moduleFile(module: string): DiscoveredFile | undefined {
    const rel = module.split('.').filter(Boolean);
    if (rel.length === 0 || rel.some((x) => !/^[A-Za-z_]\w*$/.test(x))) return undefined;
    const tails = [`${sep}${rel.join(sep)}.py`, `${sep}${rel.join(sep)}${sep}__init__.py`];
    const hits = this.ctx.files.filter((f) => tails.some((t) => f.abs.endsWith(t)) && f.size <= MAX_SOURCE_BYTES);
    return hits.sort((a, b) => a.abs.length - b.abs.length)[0];
  }

  private moduleName(f: DiscoveredFile, all: PyFile[]): string {
    // The project root: the nearest ancestor holding manage.py, else the lint root.
    let dir = dirname(f.abs);
    let root = f.root;
    for (let i = 0; i < 20 && dir.length >= f.root.length; i++) {
      if (all.some((p) => p.f.abs === join(dir, 'manage.py')) || this.ctx.files.some((x) => x.abs === join(dir, 'manage.py'))) {
        root = dir;
        break;
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    const rel = relative(root, f.abs).replace(/\.py$/, '').split(sep);
    if (rel.at(-1) === '__init__') rel.pop();
    return rel.join('.');
  }

  private django(py: PyFile[]): void {
    const settingsFiles = py.filter((p) => {
      const n = basename(p.f.abs);
      if (['manage.py', 'wsgi.py', 'asgi.py', 'urls.py', 'gunicorn.conf.py'].includes(n)) return false;
      return (
        DJANGO_MARKERS.some((m) => new RegExp(`^${m}\\s*[+]?=`, 'm').test(p.parsed.text)) ||
        // A settings fragment (`flyio_settings.py` appended to settings.py) sets them inside `if` blocks.
        (/settings/i.test(basename(p.f.abs)) &&
          DJANGO_MARKERS.some((m) =>
            new RegExp(`^\\s*${m}(?:\\s*[+]?=|\\.(?:append|extend)\\(|\\[)`, 'm').test(p.parsed.text),
          )) ||
        (/^\s*from\s+\S+\s+import\s+\*/m.test(p.parsed.text) && /settings/.test(p.f.abs))
      );
    });
    const hints = this.settingsModuleHints(py);
    // The module DJANGO_SETTINGS_MODULE names is the settings, whatever it holds (`conf/live.py` with only
    // `from .common import *` and DEBUG = False) and whatever it is called.
    for (const h of hints) {
      const f = this.moduleFile(h.module);
      if (!f || settingsFiles.some((x) => x.f.abs === f.abs) || /^(manage|wsgi|asgi)\.py$/.test(basename(f.abs))) continue;
      const p = py.find((x) => x.f.abs === f.abs) ?? this.load(f, true);
      if (p) settingsFiles.push(p);
    }
    if (settingsFiles.length === 0) return;
    const modules = new Map(settingsFiles.map((p) => [p.f.abs, this.moduleName(p.f, py)]));
    // star-imported by another settings file -> not a leaf
    const imported = new Set<string>();
    for (const p of settingsFiles) {
      const scope = evaluateModule(p.parsed, { resolveImport: this.resolveImport });
      for (const file of scope.files.slice(1)) {
        const hit = this.ctx.files.find((f) => f.display === file);
        if (hit) imported.add(hit.abs);
      }
    }
    const matches = (mod: string, hint: string) => mod === hint || mod.endsWith(`.${hint}`) || hint.endsWith(`.${mod}`);
    const chosen = new Map<string, { p: PyFile; hint?: (typeof hints)[number] }>();
    const usable = hints.filter((h) => settingsFiles.some((s) => matches(modules.get(s.f.abs) as string, h.module)));
    const best = Math.min(...usable.map((h) => h.rank));
    for (const h of hints) {
      if (h.rank > best && usable.includes(h)) continue;
      const p = settingsFiles.find((s) => matches(modules.get(s.f.abs) as string, h.module));
      if (p && !chosen.has(p.f.abs)) chosen.set(p.f.abs, { p, hint: h });
      else if (!p && !settingsFiles.some((s) => matches(modules.get(s.f.abs) as string, h.module)))
        this.ctx.facts.diagnostics.push({
          level: 'note',
          file: h.ref.file,
          line: h.ref.line,
          message: `DJANGO_SETTINGS_MODULE=${h.module} is not among the linted files`,
        });
    }
    if (chosen.size === 0) {
      let leaves = settingsFiles.filter((p) => !imported.has(p.f.abs) && DJANGO_MARKERS.some((m) => p.parsed.text.includes(m)));
      const prod = leaves.filter((p) => /prod|live/i.test(basename(p.f.abs)));
      if (prod.length > 0) leaves = prod;
      for (const p of leaves) chosen.set(p.f.abs, { p });
    }
    for (const { p, hint } of chosen.values()) this.djangoFacts(p, modules.get(p.f.abs) as string, hint);
  }

  private djangoFacts(
    p: PyFile,
    module: string,
    hint: { module: string; ref: SourceRef; env?: AppServerFacts['env']; rank: number } | undefined,
  ): void {
    const deploymentEnv: Record<string, string> = {};
    const envSources = hint?.env
      ? [hint.env]
      : this.ctx.facts.appServers.filter((s) => s.appTarget?.split('.')[0] === module.split('.')[0]).map((s) => s.env);
    // Several deployments of the same settings: only what they all set alike decides a setting here (a variable
    // one deployment sets and another does not is read with its code default; checks/deploy/trust-switch-off
    // judges each deployment's own value).
    for (const e of envSources)
      for (const [k, v] of Object.entries(e))
        if (v.origin !== 'unknown' && envSources.every((o) => o[k]?.value === v.value)) deploymentEnv[k] = v.value;
    const scope = evaluateModule(p.parsed, { resolveImport: this.resolveImport, deploymentEnv });
    const settings: Record<string, Valued<unknown>> = {};
    for (const [name, b] of scope.bindings) if (/^[A-Z][A-Z0-9_]*$/.test(name)) settings[name] = this.valued(b, toJs(b.value));
    const get = (n: string) => scope.bindings.get(n);
    const bool = (n: string): Valued<boolean> => {
      const b = get(n);
      if (!b) return { value: false, origin: 'default', note: `${n} is not set; Django's default is False` };
      const v =
        b.value.t === 'bool' ? b.value.v : b.value.t === 'num' ? b.value.v !== 0 : b.value.t === 'none' ? false : undefined;
      return this.valued(b, v ?? false, v === undefined ? `not known statically (${show(b.value)})` : undefined);
    };
    const strList = (n: string): Valued<string[]> | undefined => {
      const b = get(n);
      if (!b) return undefined;
      if (b.value.t === 'list' || b.value.t === 'tuple')
        return this.valued(
          b,
          b.value.items.map((i) => (i.t === 'str' ? i.v : i.t === 'unknown' && i.template ? i.template : '<unknown>')),
        );
      if (b.value.t === 'str') return this.valued(b, [b.value.v], 'a string, not a list');
      return this.valued(b, [], `not known statically (${show(b.value)})`);
    };
    const sph = get('SECURE_PROXY_SSL_HEADER');
    let schemeHeader: FrameworkFacts['schemeHeader'];
    if (!sph) schemeHeader = { value: null, origin: 'default', note: 'SECURE_PROXY_SSL_HEADER is not set (Django default None)' };
    else if (
      (sph.value.t === 'tuple' || sph.value.t === 'list') &&
      sph.value.items.length === 2 &&
      sph.value.items.every((i) => i.t === 'str')
    )
      schemeHeader = this.valued(sph, {
        header: (sph.value.items[0] as { v: string }).v,
        value: (sph.value.items[1] as { v: string }).v,
      });
    else if (sph.value.t === 'none') schemeHeader = this.valued(sph, null);
    else schemeHeader = this.valued(sph, null, `malformed: ${show(sph.value)}`);
    const dj = this.pins.django;
    const fw: FrameworkFacts = {
      kind: 'django',
      file: p.f.display,
      module,
      schemeHeader,
      usesServerScheme: true,
      useForwardedHost: bool('USE_X_FORWARDED_HOST'),
      useForwardedPort: bool('USE_X_FORWARDED_PORT'),
      sslRedirect: bool('SECURE_SSL_REDIRECT'),
      sessionCookieSecure: bool('SESSION_COOKIE_SECURE'),
      csrfCookieSecure: bool('CSRF_COOKIE_SECURE'),
      csrfTrustedOrigins: strList('CSRF_TRUSTED_ORIGINS') ?? { value: [], origin: 'default' },
      allowedHosts: strList('ALLOWED_HOSTS') ?? { value: [], origin: 'default' },
      assumedVersion: dj ? dj.version : DEBIAN_DJANGO,
      settings,
    };
    if (!dj)
      fw.settings.__versionNote = {
        value: `Django version not pinned in the linted files; assuming ${DEBIAN_DJANGO} (Debian 12)`,
        origin: 'default',
      };
    else
      fw.settings.__versionNote = {
        value: `Django ${dj.exact ? '' : '>= '}${dj.version} from ${dj.file}:${dj.line}`,
        origin: 'literal',
        ref: { file: dj.file, line: dj.line },
      };
    if (hint)
      fw.settings.DJANGO_SETTINGS_MODULE = { value: hint.module, origin: 'env', envVar: 'DJANGO_SETTINGS_MODULE', ref: hint.ref };
    const switches = scope.switches.flatMap((sw) => {
      const set = DJANGO_TRUST_SETTINGS.map((name) => ({ name, line: assignLine(p.parsed, sw, name) })).find((x) => x.line);
      return set ? [this.switchFacts(p.parsed, scope, sw, set.name, set.line as number)] : [];
    });
    if (switches.length) fw.envSwitches = switches;
    const block = deploymentBlock(p.parsed);
    if (block) fw.deployBlock = { ref: refIn(this.ctx, p.f.display, block.line), test: block.test };
    this.ctx.facts.frameworks.push(fw);
  }

  /**
   * A trust setting behind an environment switch, decided for every Python app server's own environment (each
   * deployment may set the variable or not); `onValue` is the first usual spelling that turns it on.
   */
  private switchFacts(p: ParsedPython, scope: Scope, sw: EnvSwitch, what: string, setLine: number): EnvSwitchFacts {
    const onByDefault = decideSwitch(p, scope, sw, {}) === true;
    const onValue = ['true', '1', 'yes', 'on', 'True'].find((v) => decideSwitch(p, scope, sw, { [sw.envVar]: v }) === true);
    const deployments: EnvSwitchFacts['deployments'] = [];
    this.ctx.facts.appServers.forEach((s, i) => {
      if (!PY_SERVERS.has(s.kind)) return;
      const env = Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, v.value]));
      const set = s.env[sw.envVar];
      // Set to a value the files do not hold (asked for at deploy time): not known either way.
      const on = set?.origin === 'unknown' ? undefined : decideSwitch(p, scope, sw, env);
      deployments.push({ appServer: i, on, setBy: set?.ref, value: set?.value });
    });
    return {
      what,
      envVar: sw.envVar,
      ref: refIn(this.ctx, sw.file, sw.line),
      setRef: refIn(this.ctx, sw.file, setLine),
      test: sw.test,
      codeDefault: sw.default,
      onByDefault,
      onValue,
      deployments,
    };
  }

  private valued<T>(b: Binding, value: T, note?: string): Valued<T> {
    const undecided = b.conditional?.includes('not known statically');
    const origin: Valued<T>['origin'] =
      undecided || b.value.t === 'unknown'
        ? b.origin === 'env'
          ? 'env'
          : 'unknown'
        : b.origin === 'literal'
          ? 'literal'
          : b.origin === 'env'
            ? 'env'
            : b.origin === 'computed'
              ? 'computed'
              : 'unknown';
    const notes = [
      note,
      b.conditional,
      b.origin === 'env' && b.envDefault ? `default ${show(b.envDefault)}` : undefined,
      b.note,
    ].filter(Boolean);
    return {
      value,
      origin,
      ref: refIn(this.ctx, b.file, b.line),
      envVar: b.envVar,
      ...(notes.length ? { note: notes.join('; ') } : {}),
    };
  }

  // ---------------------------------------------------------------- gunicorn config files no launcher referenced

  private gunicornConfigs(py: PyFile[]): void {
    const used = new Set(this.ctx.facts.appServers.flatMap((s) => s.configFiles));
    for (const p of py) {
      if (used.has(p.f.display)) continue;
      const n = basename(p.f.abs);
      const looksLike =
        /gunicorn/i.test(n) || (/conf(ig)?\.py$/.test(n) && /^(bind|forwarded_allow_ips|workers)\s*=/m.test(p.parsed.text));
      if (!looksLike) continue;
      const scope = evaluateModule(p.parsed);
      if (!GUNICORN_SETTINGS.some((s) => scope.bindings.has(s))) continue;
      const line = scope.bindings.get('bind')?.line ?? scope.bindings.get('forwarded_allow_ips')?.line ?? 1;
      const inv: FoundInvocation = { kind: 'gunicorn', args: ['-c', p.f.display], env: {}, unresolvedVars: [] };
      const facts = buildAppServer(inv, {
        via: 'config',
        ref: refIn(this.ctx, p.f.display, line),
        env: {},
        container: false,
        notes: ['no command line starting gunicorn with this config file was found among the linted files'],
        versions: { gunicorn: this.pins.gunicorn?.version },
        loadConfig: () => ({ scope, file: p.f.display, assumed: false }),
      });
      this.ctx.facts.appServers.push(facts);
    }
  }

  // ---------------------------------------------------------------- Flask / FastAPI / Starlette apps

  private apps(py: PyFile[]): void {
    for (const p of py) {
      if (!/Flask\(|FastAPI\(|Starlette\(|Quart\(|ProxyFix|ProxyHeadersMiddleware|uvicorn\.run/.test(p.parsed.text)) continue;
      const scope = evaluateModule(p.parsed, { resolveImport: this.resolveImport });
      collectCalls(
        p.parsed,
        scope,
        /(^|\.)(Flask|FastAPI|Starlette|Quart|ProxyFix|ProxyHeadersMiddleware|ProxyFixMiddleware|add_middleware|run)$/,
      );
      const appCall = scope.calls.find((c) => /(^|\.)(Flask|FastAPI|Starlette|Quart)$/.test(c.callee));
      if (appCall) this.appFacts(p, scope, appCall);
      for (const c of scope.calls)
        if (
          c.callee === 'uvicorn.run' ||
          (c.callee === 'run' && scope.imports.some((i) => i.module === 'uvicorn' && i.names.includes('run')))
        )
          this.uvicornRun(p, c);
    }
  }

  private appFacts(p: PyFile, scope: Scope, appCall: CallSite): void {
    const kindName = (/(Flask|FastAPI|Starlette|Quart)$/.exec(appCall.callee)?.[1] ?? 'Flask').toLowerCase();
    const kind: FrameworkKind = kindName === 'quart' ? 'other' : (kindName as FrameworkKind);
    const fw: FrameworkFacts = {
      kind,
      file: p.f.display,
      module: this.moduleName(p.f, []),
      usesServerScheme: true,
      settings: {},
    };
    if (appCall.assignedTo) {
      fw.settings.__app = { value: appCall.assignedTo, origin: 'literal', ref: refIn(this.ctx, p.f.display, appCall.line) };
      // The module's last `app.wsgi_app = Middleware(app.wsgi_app)`: where the WSGI middleware stack is built (and
      // where ProxyFix belongs). Kept only for a one-line statement, so a line added after it stays valid Python.
      const wrap = scope.bindings.get(`${appCall.assignedTo}.wsgi_app`);
      const text = wrap && wrap.file === p.parsed.file ? p.parsed.text.split(/\r?\n/)[wrap.line - 1] : undefined;
      if (wrap && text !== undefined && !wrap.conditional && oneLineStatement(text))
        fw.settings.__wsgiWrap = { value: text.trim(), origin: 'literal', ref: refIn(this.ctx, p.f.display, wrap.line) };
    }
    const num = (e: Ev | undefined, d: number): number | undefined =>
      e === undefined ? d : e.value.t === 'num' ? e.value.v : e.value.t === 'bool' ? Number(e.value.v) : undefined;
    let pf = scope.calls.find((c) => /(^|\.)ProxyFix$/.test(c.callee));
    if (pf?.switch) {
      const sw = this.switchFacts(p.parsed, scope, pf.switch, 'ProxyFix', pf.line);
      fw.envSwitches = [sw];
      // Off unless every deployment that runs a Python server here turns it on: the app is then read without it.
      const on = sw.deployments.length > 0 ? sw.deployments.every((d) => d.on === true) : sw.onByDefault;
      if (!on) pf = undefined;
    }
    if (pf) {
      // ProxyFix(app, x_for=1, x_proto=1, x_host=0, x_port=0, x_prefix=0) (Werkzeug >= 0.15)
      const names = ['x_for', 'x_proto', 'x_host', 'x_port', 'x_prefix'];
      const defaults = [1, 1, 0, 0, 0];
      const counts: Record<string, number> = {};
      let unknownCount = false;
      let origin: Valued<unknown>['origin'] = 'literal';
      names.forEach((n, i) => {
        const e = pf.kwargs[n] ?? pf.args[i + 1];
        const v = num(e, defaults[i] as number);
        if (v === undefined) unknownCount = true;
        else counts[n] = v;
        if (e?.origin === 'env') origin = 'env';
      });
      const ref = refIn(this.ctx, p.f.display, pf.line);
      const notes: string[] = [];
      if (pf.kwargs.num_proxies) notes.push('num_proxies was removed in Werkzeug 1.0');
      if (unknownCount) notes.push('some counts are not known statically');
      if (pf.conditional) notes.push(pf.conditional);
      fw.hopCounts = {
        value: counts,
        origin: unknownCount ? 'unknown' : origin,
        ref,
        ...(notes.length ? { note: notes.join('; ') } : {}),
      };
      fw.trustProxy = {
        value: { middleware: 'werkzeug.middleware.proxy_fix.ProxyFix', wraps: pf.argSources[0] ?? '', assignedTo: pf.assignedTo },
        origin: 'literal',
        ref,
      };
    }
    const phm = scope.calls.find(
      (c) =>
        (/add_middleware$/.test(c.callee) && /ProxyHeadersMiddleware$/.test(c.argSources[0] ?? '')) ||
        /(^|\.)ProxyHeadersMiddleware$/.test(c.callee),
    );
    if (phm) {
      const th = phm.kwargs.trusted_hosts ?? (phm.callee.endsWith('ProxyHeadersMiddleware') ? phm.args[1] : undefined);
      const hosts = th ? toJs(th.value) : '127.0.0.1';
      const list = Array.isArray(hosts)
        ? hosts.map(String)
        : typeof hosts === 'string'
          ? hosts.split(',').map((s) => s.trim())
          : [];
      const origin = th ? (th.origin === 'env' ? 'env' : th.value.t === 'unknown' ? 'unknown' : 'literal') : 'default';
      const ref = refIn(this.ctx, p.f.display, phm.line);
      fw.trustProxy = {
        value: { middleware: 'uvicorn.middleware.proxy_headers.ProxyHeadersMiddleware', trustedHosts: list },
        origin,
        ref,
        envVar: th?.envVar,
      };
      // The middleware in the app (uvicorn/middleware/proxy_headers.py, Debian uvicorn 0.17.6) rewrites
      // scope["scheme"] from X-Forwarded-Proto and scope["client"] from X-Forwarded-For whenever scope["client"] (the
      // peer, or the client the server's own --proxy-headers already put there) is in trusted_hosts; "*" trusts
      // every peer and takes the left-most X-Forwarded-For entry. An app end: the chain and app/trust-all read it.
      const trust: Valued<string[]> = {
        value: list,
        origin,
        ref,
        ...(th?.envVar ? { envVar: th.envVar } : {}),
        ...(origin === 'default' ? { note: 'trusted_hosts unset: 127.0.0.1' } : {}),
      };
      fw.appEnd = {
        name: kind === 'fastapi' ? 'FastAPI' : 'Starlette',
        ref,
        schemeHeaders: ['x-forwarded-proto'],
        clientHeaders: ['x-forwarded-for'],
        trustScheme: trust,
        trustClient: trust,
        defaultsFrom: [UVICORN_PROXY_HEADERS_SOURCE],
        notes: ['uvicorn ProxyHeadersMiddleware added in the app'],
      };
    }
    const hpf = scope.calls.find((c) => /(^|\.)ProxyFixMiddleware$/.test(c.callee));
    if (hpf) {
      const mode = hpf.kwargs.mode?.value.t === 'str' ? hpf.kwargs.mode.value.v : 'legacy';
      const hops = num(hpf.kwargs.trusted_hops, 1);
      fw.hopCounts = {
        value: hops === undefined ? {} : { trusted_hops: hops },
        origin: hops === undefined ? 'unknown' : 'literal',
        ref: refIn(this.ctx, p.f.display, hpf.line),
      };
      fw.trustProxy = {
        value: { middleware: 'hypercorn.middleware.ProxyFixMiddleware', mode },
        origin: 'literal',
        ref: refIn(this.ctx, p.f.display, hpf.line),
      };
    }
    for (const [name, b] of scope.bindings) {
      const m = /\.config\[['"]([A-Z_]+)['"]\]$/.exec(name);
      if (m) fw.settings[m[1] as string] = this.valued(b, toJs(b.value));
    }
    for (const c of scope.calls) {
      if (/\.config\.update$/.test(c.callee))
        for (const [k, e] of Object.entries(c.kwargs))
          fw.settings[k] = {
            value: toJs(e.value),
            origin: e.origin === 'env' ? 'env' : 'literal',
            ref: refIn(this.ctx, p.f.display, c.line),
            envVar: e.envVar,
          };
    }
    fw.assumedVersion = kind === 'flask' ? (this.pins.werkzeug?.version ?? this.pins.flask?.version) : undefined;
    this.ctx.facts.frameworks.push(fw);
  }

  /**
   * `uvicorn.run(...)` under `if __name__ == "__main__":` is how a developer starts the module by hand; with
   * `reload=True` (uvicorn's development reloader) or when a launcher in the tree (Dockerfile, compose, systemd,
   * Procfile, Kubernetes) serves the same module, it is not the deployed server.
   */
  private devEntryPoint(p: PyFile, c: CallSite): boolean {
    const lines = p.parsed.text.split(/\r?\n/);
    const main = lines.findIndex((l) => /^if\s+__name__\s*==\s*['"]__main__['"]\s*:/.test(l));
    if (main < 0 || !/^\s+\S/.test(lines[c.line - 1] ?? '')) return false;
    // Under the main block, or in a top-level function only the main block calls (`def main(): uvicorn.run(...)`
    // then `if __name__ == "__main__": main()`): both run only when the module is started by hand.
    if (c.line <= main + 1 && !calledOnlyFromMain(lines, c.line, main)) return false;
    if (c.kwargs.reload && toJs(c.kwargs.reload.value) === true) return true;
    const mod = this.moduleName(p.f, []);
    const same = (m: string) => m === mod || mod.endsWith(`.${m}`) || m.endsWith(`.${mod}`);
    return this.ctx.facts.appServers.some(
      (s) => s.launch.via !== 'code' && s.appTarget !== undefined && same(s.appTarget.split(':')[0] as string),
    );
  }

  private uvicornRun(p: PyFile, c: CallSite): void {
    if (this.devEntryPoint(p, c)) return;
    const args: string[] = [];
    const target = c.args[0];
    if (target?.value.t === 'str') args.push(target.value.v);
    else args.push(c.argSources[0] ?? 'app');
    const notes: string[] = [];
    for (const [k, e] of Object.entries(c.kwargs)) {
      const v = toJs(e.value);
      if (e.origin === 'env') notes.push(`${k} depends on ${e.envVar}; its default was used`);
      if (v === undefined) {
        notes.push(`${k}= is not known statically`);
        // A value only the run knows (`host=settings.API_HOST`) is not uvicorn's default: it stays unknown, written
        // as the command-line readers write an unset `$VAR` (no bind address, no trusted peer it could match).
        if (BIND_AND_TRUST_KWARGS.includes(k)) args.push(`--${k.replace(/_/g, '-')}`, `$${k}`);
        continue;
      }
      if (k === 'proxy_headers') args.push(v ? '--proxy-headers' : '--no-proxy-headers');
      else if (k === 'forwarded_allow_ips') args.push('--forwarded-allow-ips', Array.isArray(v) ? v.join(',') : String(v));
      else if (BIND_AND_TRUST_KWARGS.includes(k)) args.push(`--${k}`, String(v));
    }
    if (c.conditional) notes.push(c.conditional);
    const facts = buildAppServer(
      { kind: 'uvicorn', args, env: {}, unresolvedVars: [] },
      {
        via: 'code',
        ref: refIn(this.ctx, p.f.display, c.line),
        env: {},
        container: false,
        notes,
        versions: { uvicorn: this.pins.uvicorn?.version },
      },
    );
    // forwarded_allow_ips only the run knows: the trust is unknown, not a list to judge.
    if (c.kwargs.forwarded_allow_ips && toJs(c.kwargs.forwarded_allow_ips.value) === undefined)
      facts.trustedProxies = { ...facts.trustedProxies, origin: 'unknown' };
    this.ctx.facts.appServers.push(facts);
  }
}

/**
 * The call on line `line` (1-based) sits in a top-level `def NAME(...)` that the `if __name__ == "__main__":` block
 * (0-based index `main`) calls and that nothing else in the file calls: the function runs only when the module is
 * started by hand (an importer calling it is outside this file; a launcher naming it, `python -c`, is rare).
 */
function calledOnlyFromMain(lines: string[], line: number, main: number): boolean {
  let def: string | undefined;
  for (let i = line - 2; i >= 0; i--) {
    const l = lines[i] ?? '';
    const m = /^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/.exec(l);
    if (m) {
      def = m[1];
      break;
    }
    if (/^\S/.test(l) && !/^[#@)]/.test(l)) return false;
  }
  if (!def) return false;
  const call = new RegExp(`(?<![\\w.])${def}\\s*\\(`);
  const outside = lines.some((l, i) => i !== main && i < main && call.test(l) && !/^(?:async\s+)?def\s/.test(l));
  const inMain = lines.slice(main + 1).some((l) => /^\s+\S/.test(l) && call.test(l));
  return inMain && !outside;
}

/** `uvicorn.run` keywords that place the server or choose whom it trusts (`forwarded_allow_ips` has its own branch). */
const BIND_AND_TRUST_KWARGS = ['host', 'port', 'uds', 'fd', 'forwarded_allow_ips'];

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

export const pythonCollector: Collector = {
  name: 'python',
  collect(ctx) {
    new PythonRun(ctx).run();
  },
};

/** A Python line that is a whole statement: brackets balanced (outside strings and comments), no `\\` continuation. */
function oneLineStatement(line: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '#') break;
    if (c === '"' || c === "'") quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
  }
  return depth === 0 && !quote && !/\\\s*$/.test(line);
}

/** The `route` of a client-address read: the view's path, when its decorator names one (routes.ts). */
function routeField(lines: string[], i: number): { route?: string } {
  const route = routeOf(lines, i);
  return route ? { route } : {};
}
