/**
 * Command lines of Python app servers, parsed the way each server parses them:
 * gunicorn and daphne and hypercorn use argparse (long options may be abbreviated to a unique
 * prefix, `--opt=value`, `-bVALUE`), uvicorn uses click (no abbreviations, `--x/--no-x` flags,
 * `UVICORN_*` environment variables). Option tables were taken from the servers' own sources
 * (gunicorn 20.1 and uvicorn 0.17.6 as installed by Debian, daphne 4.1, hypercorn 0.17).
 * Django's development server (`manage.py runserver`, `django-admin runserver`, `python -m django runserver`) is the
 * kind `runserver`: its one positional is `[addr:]port` (django/core/management/commands/runserver.py).
 */
import { shlexSplit, splitCommands, type VarLookup } from './shell.js';

export type PyServerKind = 'gunicorn' | 'uvicorn' | 'daphne' | 'hypercorn' | 'runserver';

interface OptSpec {
  names: string[];
  dest: string;
  /** Takes a value (store/append); false for flags. */
  value: boolean;
  append?: boolean;
  /** For flags: the value stored (store_true: true, --no-x: false). */
  flag?: boolean;
}

const o = (names: string[], dest: string, value = true, extra: Partial<OptSpec> = {}): OptSpec => ({
  names,
  dest,
  value,
  ...extra,
});
const f = (names: string[], dest: string, flag = true): OptSpec => ({ names, dest, value: false, flag });

/** gunicorn 20.1 (Debian 12), from gunicorn/config.py KNOWN_SETTINGS; plus argparse's -v/--version. */
const GUNICORN_OPTS: OptSpec[] = [
  o(['-c', '--config'], 'config'),
  o(['-b', '--bind'], 'bind', true, { append: true }),
  ...[
    '--backlog',
    '--threads',
    '--worker-connections',
    '--max-requests',
    '--max-requests-jitter',
    '--graceful-timeout',
    '--keep-alive',
    '--limit-request-line',
    '--limit-request-fields',
    '--limit-request-field_size',
    '--reload-engine',
    '--chdir',
    '--worker-tmp-dir',
    '--access-logfile',
    '--access-logformat',
    '--log-level',
    '--logger-class',
    '--log-config',
    '--log-syslog-to',
    '--log-syslog-prefix',
    '--log-syslog-facility',
    '--statsd-host',
    '--dogstatsd-tags',
    '--statsd-prefix',
    '--pythonpath',
    '--ssl-version',
    '--cert-reqs',
    '--ca-certs',
    '--ciphers',
    '--log-config-dict',
    '--header-map',
    '--forwarder-headers',
  ].map((n) => o([n], n.slice(2).replace(/-/g, '_'))),
  o(['-w', '--workers'], 'workers'),
  o(['-k', '--worker-class'], 'worker_class'),
  o(['-t', '--timeout'], 'timeout'),
  o(['--reload-extra-file'], 'reload_extra_files', true, { append: true }),
  o(['-e', '--env'], 'raw_env', true, { append: true }),
  o(['-p', '--pid'], 'pidfile'),
  o(['-u', '--user'], 'user'),
  o(['-g', '--group'], 'group'),
  o(['-m', '--umask'], 'umask'),
  o(['--forwarded-allow-ips'], 'forwarded_allow_ips'),
  o(['--error-logfile', '--log-file'], 'errorlog'),
  o(['-n', '--name'], 'proc_name'),
  o(['--paste', '--paster'], 'paste'),
  o(['--proxy-allow-from'], 'proxy_allow_ips'),
  o(['--keyfile'], 'keyfile'),
  o(['--certfile'], 'certfile'),
  o(['--paste-global'], 'raw_paste_global_conf', true, { append: true }),
  ...[
    '--reload',
    '--spew',
    '--check-config',
    '--print-config',
    '--preload',
    '--reuse-port',
    '--initgroups',
    '--disable-redirect-access-to-syslog',
    '--capture-output',
    '--log-syslog',
    '--suppress-ragged-eofs',
    '--do-handshake-on-connect',
    '--strip-header-spaces',
    '--tolerate-dangerous-framing',
    '--proxy-protocol',
  ].map((n) => f([n], n.slice(2).replace(/-/g, '_'))),
  f(['--no-sendfile'], 'sendfile', false),
  f(['-D', '--daemon'], 'daemon'),
  f(['-R', '--enable-stdio-inheritance'], 'enable_stdio_inheritance'),
  f(['-v', '--version'], 'version'),
  f(['-h', '--help'], 'help'),
];

/** uvicorn 0.17.6 click options (uvicorn/main.py). */
const UVICORN_OPTS: OptSpec[] = [
  ...[
    '--host',
    '--port',
    '--uds',
    '--fd',
    '--reload-delay',
    '--workers',
    '--loop',
    '--http',
    '--ws',
    '--ws-max-size',
    '--ws-ping-interval',
    '--ws-ping-timeout',
    '--ws-per-message-deflate',
    '--lifespan',
    '--interface',
    '--env-file',
    '--log-config',
    '--log-level',
    '--forwarded-allow-ips',
    '--root-path',
    '--limit-concurrency',
    '--backlog',
    '--limit-max-requests',
    '--timeout-keep-alive',
    '--ssl-keyfile',
    '--ssl-certfile',
    '--ssl-keyfile-password',
    '--ssl-version',
    '--ssl-cert-reqs',
    '--ssl-ca-certs',
    '--ssl-ciphers',
    '--app-dir',
    '--timeout-graceful-shutdown',
    '--h11-max-incomplete-event-size',
  ].map((n) => o([n], n.slice(2).replace(/-/g, '_'))),
  ...['--reload-dir', '--reload-include', '--reload-exclude', '--header'].map((n) =>
    o([n], n.slice(2).replace(/-/g, '_'), true, { append: true }),
  ),
  ...['--debug', '--reload', '--version', '--factory', '--help'].map((n) => f([n], n.slice(2))),
  ...['access-log', 'use-colors', 'proxy-headers', 'server-header', 'date-header'].flatMap((n) => [
    f([`--${n}`], n.replace(/-/g, '_'), true),
    f([`--no-${n}`], n.replace(/-/g, '_'), false),
  ]),
];

/** daphne 4.1 argparse options (daphne/cli.py). */
const DAPHNE_OPTS: OptSpec[] = [
  o(['-p', '--port'], 'port'),
  o(['-b', '--bind'], 'host'),
  o(['--websocket_timeout'], 'websocket_timeout'),
  o(['--websocket_connect_timeout'], 'websocket_connect_timeout'),
  o(['-u', '--unix-socket'], 'unix_socket'),
  o(['--fd'], 'file_descriptor'),
  o(['-e', '--endpoint'], 'socket_strings', true, { append: true }),
  o(['-v', '--verbosity'], 'verbosity'),
  o(['-t', '--http-timeout'], 'http_timeout'),
  o(['--access-log'], 'access_log'),
  o(['--ping-interval'], 'ping_interval'),
  o(['--ping-timeout'], 'ping_timeout'),
  o(['--application-close-timeout'], 'application_close_timeout'),
  o(['--ws-protocol'], 'ws_protocols', true, { append: true }),
  o(['--asgi-protocol'], 'asgi_protocol'),
  o(['--root-path'], 'root_path'),
  f(['--proxy-headers'], 'proxy_headers'),
  o(['--proxy-headers-host'], 'proxy_headers_host'),
  o(['--proxy-headers-port'], 'proxy_headers_port'),
  o(['-s', '--server-name'], 'server_name'),
  f(['-h', '--help'], 'help'),
];

/** hypercorn 0.17 argparse options (hypercorn/__main__.py), the ones that matter plus the value-taking rest. */
const HYPERCORN_OPTS: OptSpec[] = [
  o(['-b', '--bind'], 'binds', true, { append: true }),
  o(['--insecure-bind'], 'insecure_binds', true, { append: true }),
  o(['--quic-bind'], 'quic_binds', true, { append: true }),
  o(['-c', '--config'], 'config'),
  o(['-w', '--workers'], 'workers'),
  o(['-k', '--worker-class'], 'worker_class'),
  o(['--certfile'], 'certfile'),
  o(['--keyfile'], 'keyfile'),
  o(['--root-path'], 'root_path'),
  o(['--server-name'], 'server_names', true, { append: true }),
  ...[
    '--access-log',
    '--access-logformat',
    '--backlog',
    '--ca-certs',
    '--ciphers',
    '--error-log',
    '--graceful-timeout',
    '--read-timeout',
    '--max-requests',
    '--max-requests-jitter',
    '-g',
    '--group',
    '-m',
    '--umask',
    '-u',
    '--user',
    '--keyfile-password',
    '--log-config',
    '--log-level',
    '-p',
    '--pid',
    '--statsd-host',
    '--statsd-prefix',
    '--websocket-ping-interval',
    '--keep-alive',
    '--max-keep-alive-requests',
    '--h11-max-incomplete-size',
    '--h2-max-concurrent-streams',
    '--h2-max-header-list-size',
    '--h2-max-inbound-frame-size',
    '--include-server-header',
    '--cert-reqs',
    '--verify-mode',
    '--ssl-handshake-timeout',
  ].map((n) => o([n], n.replace(/^-+/, '').replace(/-/g, '_'))),
  ...['--debug', '--reload', '--daemon', '--help', '--verbose'].map((n) => f([n], n.slice(2))),
  f(['-h'], 'help'),
];

/**
 * Django's `runserver` (3.2 as Debian ships it .. 5.x): its own, staticfiles' `--insecure`/`--nostatic` (with
 * django.contrib.staticfiles installed), `--skip-checks` (4.0+; Django 3.2 refuses it, checked), and BaseCommand's.
 * `--settings` names the settings module (DJANGO_SETTINGS_MODULE for that process).
 */
const RUNSERVER_OPTS: OptSpec[] = [
  f(['-6', '--ipv6'], 'use_ipv6'),
  f(['--nothreading'], 'nothreading'),
  f(['--noreload'], 'noreload'),
  f(['--insecure'], 'insecure'),
  f(['--nostatic'], 'nostatic'),
  f(['--skip-checks'], 'skip_checks'),
  o(['--settings'], 'settings'),
  o(['--pythonpath'], 'pythonpath'),
  o(['-v', '--verbosity'], 'verbosity'),
  f(['--traceback'], 'traceback'),
  f(['--no-color'], 'no_color'),
  f(['--force-color'], 'force_color'),
  f(['--version'], 'version'),
  f(['-h', '--help'], 'help'),
];

const TABLES: Record<PyServerKind, { opts: OptSpec[]; abbrev: boolean }> = {
  gunicorn: { opts: GUNICORN_OPTS, abbrev: true },
  uvicorn: { opts: UVICORN_OPTS, abbrev: false },
  daphne: { opts: DAPHNE_OPTS, abbrev: true },
  hypercorn: { opts: HYPERCORN_OPTS, abbrev: true },
  runserver: { opts: RUNSERVER_OPTS, abbrev: true },
};

export interface ParsedArgs {
  values: Map<string, string[]>;
  flags: Map<string, boolean>;
  positionals: string[];
  /** Options the server would reject or we do not know (kept, reported as notes). */
  problems: string[];
}

/** Parses a server's argv (after the program name) with its option table. */
export function parseServerArgs(kind: PyServerKind, args: string[]): ParsedArgs {
  const { opts, abbrev } = TABLES[kind];
  const byName = new Map<string, OptSpec>();
  for (const s of opts) for (const n of s.names) byName.set(n, s);
  const out: ParsedArgs = { values: new Map(), flags: new Map(), positionals: [], problems: [] };
  const setValue = (s: OptSpec, v: string) => {
    if (s.append) out.values.set(s.dest, [...(out.values.get(s.dest) ?? []), v]);
    else out.values.set(s.dest, [v]);
  };
  const lookupLong = (name: string): OptSpec | undefined => {
    const exact = byName.get(name);
    if (exact || !abbrev) return exact;
    // argparse allow_abbrev: a unique prefix of one option's long names
    const hits = new Set<OptSpec>();
    for (const [n, s] of byName) if (n.startsWith('--') && n.startsWith(name)) hits.add(s);
    return hits.size === 1 ? [...hits][0] : undefined;
  };
  for (let i = 0; i < args.length && i < 10_000; i++) {
    const a = args[i] as string;
    if (a === '--') {
      out.positionals.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(0, eq) : a;
      const s = lookupLong(name);
      if (!s) {
        out.problems.push(`unknown option ${name}`);
        continue;
      }
      if (!s.value) {
        out.flags.set(s.dest, s.flag ?? true);
        continue;
      }
      if (eq >= 0) setValue(s, a.slice(eq + 1));
      else if (i + 1 < args.length) setValue(s, args[++i] as string);
      else out.problems.push(`${name} needs a value`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      // short options, possibly clustered (-Db addr) or attached (-b0.0.0.0:8000)
      let j = 1;
      while (j < a.length) {
        const s = byName.get(`-${a[j]}`);
        if (!s) {
          out.problems.push(`unknown option -${a[j]}`);
          break;
        }
        if (!s.value) {
          out.flags.set(s.dest, s.flag ?? true);
          j++;
          continue;
        }
        const rest = a.slice(j + 1).replace(/^=/, '');
        if (rest) setValue(s, rest);
        else if (i + 1 < args.length) setValue(s, args[++i] as string);
        else out.problems.push(`-${a[j]} needs a value`);
        break;
      }
      continue;
    }
    out.positionals.push(a);
  }
  return out;
}

export interface FoundInvocation {
  kind: PyServerKind;
  /** Arguments after the server program. */
  args: string[];
  /** `NAME=value` prefixes and `env NAME=value` wrappers: environment for this process. */
  env: Record<string, string>;
  /** A `$VAR` in the command had no known value. */
  unresolvedVars: string[];
  /** The project's own management command that subclasses runserver's `Command` (`manage.py devserver`). */
  command?: string;
}

/**
 * What the tree says of `manage.py` commands: whether a project command (not `runserver` itself) is a runserver
 * subclass, and whether the `manage.py` a launch names is no Django one (a Flask-Script `Manager` has a `runserver`
 * of its own: Werkzeug's, `--host`/`--port`).
 */
export interface ManageCommands {
  runserverLike: (command: string) => boolean;
  notDjango: (manage: string) => boolean;
}

const NO_OWN_COMMANDS: ManageCommands = { runserverLike: () => false, notDjango: () => false };

const SERVERS = new Set<PyServerKind>(['gunicorn', 'uvicorn', 'daphne', 'hypercorn']);
/** Programs that run another program given later on their command line. */
const WRAPPERS = new Set([
  'exec',
  'env',
  'nice',
  'nohup',
  'time',
  'timeout',
  'sudo',
  'runuser',
  'poetry',
  'pipenv',
  'uv',
  'uvx',
  'pdm',
  'hatch',
  'rye',
  'su-exec',
  'gosu',
  'chpst',
  'setpriv',
  's6-setuidgid',
  'dumb-init',
  'tini',
  'ddtrace-run',
  'newrelic-admin',
  'opentelemetry-instrument',
  'watchmedo',
  'doppler',
  'infisical',
  'op',
  'dotenv',
  'with-contenv',
  'catatonit',
]);

function base(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function serverName(tok: string): PyServerKind | undefined {
  const b = base(tok).replace(/3$/, '');
  return SERVERS.has(b as PyServerKind) ? (b as PyServerKind) : undefined;
}

function isPython(tok: string): boolean {
  return /^python(\d+(\.\d+)?)?$/.test(base(tok));
}

/** Django's command runners: a project's `manage.py` (any folder) and `django-admin`. */
function isDjangoManage(tok: string): boolean {
  return /^(?:manage\.py|django-admin(?:\.py)?)$/.test(base(tok));
}

/**
 * Finds app-server invocations in one argv (after shell splitting), looking through wrappers
 * (`exec`, `poetry run`, `gosu app`, `python -m gunicorn`, `sh -c "..."`). `commands` says which of the project's own
 * management commands subclass runserver's `Command` (a `devserver` command serves HTTP as runserver does) and which
 * `manage.py` is no Django one.
 */
export function findInvocations(
  argv: string[],
  env: Record<string, string> = {},
  unresolved: string[] = [],
  commands: ManageCommands = NO_OWN_COMMANDS,
  depth = 0,
): FoundInvocation[] {
  if (argv.length === 0 || depth > 4) return [];
  const first = argv[0] as string;
  const found = (kind: PyServerKind, at: number): FoundInvocation[] => [
    { kind, args: argv.slice(at), env, unresolvedVars: unresolved },
  ];
  // `./manage.py runserver 0.0.0.0:8000`, `django-admin runserver`: only the runserver command (or a project command
  // subclassing it) serves HTTP.
  const manage = (at: number): FoundInvocation[] => {
    const command = argv[at];
    const file = argv[at - 1] ?? '';
    if (base(file) === 'manage.py' && commands.notDjango(file)) return [];
    if (command === 'runserver') return found('runserver', at + 1);
    if (command === undefined || !/^[a-z_][a-z0-9_]*$/i.test(command) || !commands.runserverLike(command)) return [];
    return [{ kind: 'runserver', args: argv.slice(at + 1), env, unresolvedVars: unresolved, command }];
  };
  const direct = serverName(first);
  if (direct) return found(direct, 1);
  if (isDjangoManage(first)) return manage(1);
  if (isPython(first)) {
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i] as string;
      if (a === '-m') {
        const mod = argv[i + 1];
        if (mod === 'django') return manage(i + 2);
        const k = mod ? serverName(mod) : undefined;
        return k && mod === k ? found(k, i + 2) : [];
      }
      if (isDjangoManage(a)) return manage(i + 1);
      if (a === '-c' || !a.startsWith('-')) return [];
    }
    return [];
  }
  const b = base(first);
  if (b === 'sh' || b === 'bash' || b === 'dash' || b === 'ash' || b === 'zsh') {
    const ci = argv.findIndex((x, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(x));
    const script = ci > 0 ? argv[ci + 1] : undefined;
    if (script === undefined) return [];
    const out: FoundInvocation[] = [];
    for (const cmd of splitCommands(script, (n) => env[n])) {
      const u = cmd.argv.filter((w) => w.unresolved).flatMap((w) => w.vars);
      out.push(
        ...findInvocations(
          cmd.argv.map((w) => w.text),
          { ...env, ...cmd.assignments },
          [...unresolved, ...u],
          commands,
          depth + 1,
        ),
      );
    }
    return out;
  }
  if (!WRAPPERS.has(b)) return [];
  const newEnv = { ...env };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
    if (b === 'env' && m) {
      newEnv[m[1] as string] = m[2] as string;
      continue;
    }
    if (serverName(a) || isPython(a) || isDjangoManage(a) || base(a) === 'sh' || base(a) === 'bash') {
      const r = findInvocations(argv.slice(i), newEnv, unresolved, commands, depth + 1);
      if (r.length > 0) return r;
    }
  }
  return [];
}

/** Finds invocations in shell text (a script, a RUN/CMD shell form, an ExecStart after systemd's own splitting). */
export function findInShell(text: string, lookup: VarLookup): Array<FoundInvocation & { offset: number }> {
  const out: Array<FoundInvocation & { offset: number }> = [];
  for (const cmd of splitCommands(text, lookup)) {
    const u = cmd.argv.filter((w) => w.unresolved).flatMap((w) => w.vars);
    for (const inv of findInvocations(
      cmd.argv.map((w) => w.text),
      cmd.assignments,
      u,
    ))
      out.push({ ...inv, offset: 0 });
  }
  return out;
}

export { shlexSplit };

/**
 * A command that is only a server's arguments (`CMD ["-b :8080", "--workers=2", "app.wsgi"]`) runs under the base
 * image's ENTRYPOINT, which the files do not show. The server is inferred when exactly one server's own option
 * table accepts every option and an app target (`pkg.wsgi`, `main:app`) ends the line; otherwise nothing is.
 */
export function serverFromArgsOnly(args: string[]): PyServerKind | undefined {
  if (args.length < 2 || !(args[0] ?? '').startsWith('-')) return undefined;
  const fits = [...SERVERS].filter((kind) => {
    const parsed = parseServerArgs(kind, args);
    const target = parsed.positionals.at(-1) ?? '';
    return (
      parsed.problems.length === 0 &&
      parsed.values.size > 0 &&
      parsed.positionals.length === 1 &&
      !/\.(txt|json|ya?ml|conf|cfg|ini|py|sh|log|toml|html?)$/i.test(target) &&
      /^[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*(\(.*\))?)?$/.test(target) &&
      /[.:]/.test(target)
    );
  });
  return fits.length === 1 ? fits[0] : undefined;
}
