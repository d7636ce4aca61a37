/**
 * Which program reads a patched file, how that program checks it (`nginx -t`, `caddy validate`,
 * `haproxy -c`, `apache2ctl -t`, Python's parser, `node --check`), and how to reload it afterwards.
 * The check runs only where the program is installed; it runs on the original first, so a config the
 * program cannot check on this machine (missing certificates, another host's paths) is not held against
 * the patch.
 */
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { NginxDirective } from '../collectors/nginx/ast.js';
import { STOCK_FILES } from '../collectors/nginx/stock.js';
import { detemplate, isTemplateName, renderedName } from '../collectors/template/index.js';
import type { Facts } from '../model/facts.js';

export type ProgramKind =
  | 'nginx'
  | 'caddy'
  | 'caddy-json'
  | 'haproxy'
  | 'apache'
  | 'python'
  | 'compose'
  | 'systemd'
  | 'node'
  | 'other';

const SEARCH = ['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SEARCH];
  for (const d of dirs) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** nginx config files read by the collectors: file -> the entry (main) file whose tree includes it. */
function nginxEntries(facts: Facts, cwd: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const tree of facts.nginx.configs) {
    const entry = tree.config[0];
    if (!entry) continue;
    const main = entry.abs ?? resolve(cwd, entry.file);
    for (const f of tree.config) if (f.source !== 'builtin') out.set(f.abs ?? resolve(cwd, f.file), main);
  }
  return out;
}

/**
 * An `include` of an nginx tree as the collectors resolved it: the file and line it is written at, the argument as
 * written, and the files it pulled in. A check on a copy of the tree points it at their copies: as written, an
 * absolute `include /etc/nginx/sites-enabled/*;` (which the collector reads in the tree's own copy of /etc/nginx)
 * would read this machine's files, and a relative one in a site file would be resolved against the check's own
 * wrapper config.
 */
export interface NginxIncludeRef {
  file: string;
  line: number;
  column?: number;
  arg: string;
  targets: string[];
}

/** The includes of the tree whose entry is `main`, from its parse tree (blocks too: `http { include ...; }`). */
function nginxIncludes(facts: Facts, main: string, cwd: string): NginxIncludeRef[] {
  const tree = facts.nginx.configs.find((t) => t.config[0] && (t.config[0].abs ?? resolve(cwd, t.config[0].file)) === main);
  if (!tree) return [];
  const out: NginxIncludeRef[] = [];
  for (const f of tree.config) {
    if (f.source === 'builtin') continue;
    const file = f.abs ?? resolve(cwd, f.file);
    const walk = (ds: NginxDirective[]): void => {
      for (const d of ds) {
        if (d.directive === 'include' && d.args[0] !== undefined) {
          const files = (d.includes ?? []).map((i) => tree.config[i]);
          // A stock params file read from our built-in copy is not a file to copy: the include stays as written.
          if (files.every((x) => x !== undefined && x.source !== 'builtin'))
            out.push({
              file,
              line: d.line,
              ...(d.column !== undefined ? { column: d.column } : {}),
              arg: d.args[0],
              targets: files.map((x) => x?.abs ?? resolve(cwd, x?.file ?? '')),
            });
        }
        if (d.block) walk(d.block);
      }
    };
    walk(f.parsed);
  }
  return out;
}

/** `include ARG;` at the start of a text (ARG bare or quoted). */
const INCLUDE_AT = /^include\s+(?:"[^"]*"|'[^']*'|[^\s;]+)\s*;/;

/** The entry file is a whole nginx.conf (top-level `events`/`http`), not a site file included inside `http`. */
function isMainConf(facts: Facts, main: string, cwd: string): boolean {
  const tree = facts.nginx.configs.find((t) => t.config[0] && (t.config[0].abs ?? resolve(cwd, t.config[0].file)) === main);
  return Boolean(tree?.config[0]?.parsed.some((d) => d.directive === 'http' || d.directive === 'events'));
}

export function programOf(abs: string, facts: Facts, cwd: string): ProgramKind {
  if (nginxEntries(facts, cwd).has(abs)) return 'nginx';
  // A template is the file it renders to (`haproxy.cfg.j2` is HAProxy's).
  const name = renderedName(basename(abs)).toLowerCase();
  if (name === 'caddyfile' || name.endsWith('.caddyfile') || name.endsWith('.caddy')) return 'caddy';
  // Caddy's native JSON config (collectors/caddy/json.ts) is validated without the Caddyfile adapter.
  if (facts.proxies?.some((p) => p.kind === 'caddy' && p.caddy?.format === 'json' && resolve(cwd, p.file) === abs))
    return 'caddy-json';
  if (/haproxy.*\.cfg$/.test(name) || name === 'haproxy.cfg') return 'haproxy';
  if (name.endsWith('.py')) return 'python';
  if (apacheMainOf(abs, facts, cwd)) return 'apache';
  if (/(^|[-.])(docker-)?compose[^/]*\.ya?ml$/.test(name) || name.endsWith('.yml') || name.endsWith('.yaml')) return 'compose';
  if (/\.(service|socket)$/.test(name)) return 'systemd';
  if (/\.(c|m)?[jt]s$/.test(name)) return 'node';
  if (/apache|httpd|vhost/.test(abs.toLowerCase()) && name.endsWith('.conf')) return 'apache';
  return 'other';
}

/** The main file of the Apache config (collectors/apache) that holds this file: itself, or the file that includes it. */
function apacheMainOf(abs: string, facts: Facts, cwd: string): string | undefined {
  for (const p of facts.proxies ?? []) {
    if (p.kind !== 'apache') continue;
    const main = resolve(cwd, p.file);
    const files = new Set([
      main,
      ...(p.apache?.vhosts ?? []).flatMap((v) => [v.ref.file, ...v.headerRules.map((h) => h.ref?.file ?? '')]),
      ...(p.apache?.remoteIp ?? []).map((r) => r.ref.file),
      ...p.sites.flatMap((s) => s.routes.map((r) => r.ref?.file ?? '')),
    ]);
    for (const f of files) if (f && resolve(cwd, f) === abs) return main;
  }
  return undefined;
}

const APACHE_MODULES_DIR = '/etc/apache2/mods-available';
/**
 * Modules loaded around a site file checked alone (a vhost from sites-available has no LoadModule of its own), in
 * load order (each after what it depends on): the ones proxy sites use. A site that needs another module fails on
 * the original too, so the check is then not used (programs.ts runs it on the original first).
 */
const APACHE_SITE_MODULES = [
  'mpm_event',
  'authz_core',
  'authz_host',
  'access_compat',
  'alias',
  'dir',
  'mime',
  'env',
  'setenvif',
  'filter',
  'deflate',
  'expires',
  'headers',
  'rewrite',
  'remoteip',
  'socache_shmcb',
  'ssl',
  'http2',
  'proxy',
  'proxy_http',
  'proxy_http2',
  'proxy_wstunnel',
  'proxy_fcgi',
  'slotmem_shm',
  'lbmethod_byrequests',
  'proxy_balancer',
  'unique_id',
];

/** The LoadModule lines of those modules that this machine has (Debian's mods-available). */
function apacheSiteModules(): string[] {
  const out: string[] = [];
  for (const m of APACHE_SITE_MODULES) {
    let text: string;
    try {
      text = readFileSync(join(APACHE_MODULES_DIR, `${m}.load`), 'utf8');
    } catch {
      continue;
    }
    out.push(...text.split('\n').filter((l) => /^\s*LoadModule\s/.test(l)));
  }
  return out;
}

/** A whole Apache config (it loads its modules itself), not a site file meant for Debian's `sites-enabled/`. */
function isApacheMain(abs: string): boolean {
  try {
    return /^\s*(LoadModule|ServerRoot)\s/im.test(readFileSync(abs, 'utf8'));
  } catch {
    return false;
  }
}

export interface Validation {
  /** The program's verdict: ok, rejected, or not run (not installed / cannot check the original either). */
  status: 'ok' | 'rejected' | 'skipped';
  command?: string;
  output?: string;
}

interface Checker {
  command: string;
  run(): { ok: boolean; output: string };
}

function runCmd(argv: string[], env?: NodeJS.ProcessEnv): { ok: boolean; output: string } {
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, ...env },
    maxBuffer: 4 * 1024 * 1024,
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return { ok: r.status === 0, output: r.error ? `${r.error.message}\n${output}` : output };
}

/** Runs `fn` in a fresh throw-away folder under the system temp dir (`prefix` names it) and removes the folder after. */
function withTempDir<T>(prefix: string, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs a program check on the file as the program will read it: a template by its name (`site.conf.j2`,
 * `haproxy.cfg.erb`, `Caddyfile.tmpl`) is rendered first by the same tolerant reader the collectors use
 * (collectors/template: the first branch of each conditional, placeholders as opaque words, defaults where written)
 * into a throw-away folder, under the name it renders to. The check runs on the original's rendering too
 * (write.ts), so a rendering the program cannot read (a placeholder where a number must be) is not held against the
 * patch.
 */
function onRendering(abs: string, check: (path: string) => { ok: boolean; output: string }): { ok: boolean; output: string } {
  if (!isTemplateName(basename(abs))) return check(abs);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    return { ok: false, output: (e as Error).message };
  }
  const d = detemplate(text, { name: abs });
  if (!d || d.heavy) return check(abs);
  return withTempDir('proxyproof-render-', (tmp) => {
    const file = join(tmp, renderedName(basename(abs)));
    writeFileSync(file, d.text);
    return check(file);
  });
}

/** nginx's own words for an upstream name it cannot resolve while reading the config (ngx_parse_url's failure). */
const HOST_NOT_FOUND = /host not found in upstream "([^"]+)" in (.+):(\d+)/;
/** At most this many names are swapped: every round is one `nginx -t` (nginx stops at the first name it cannot resolve). */
const MAX_SWAPS = 32;

/**
 * `nginx -t` on a config whose upstream names resolve only where it runs (compose service names, Kubernetes Services,
 * hosts of another network): nginx resolves every literal upstream name while reading the config and fails on the
 * first it cannot. The files of the tree are copied into a throw-away folder (same layout under their common folder,
 * so relative includes still meet) and each name nginx reports is swapped for 127.0.0.1 in the copy only, on the
 * line nginx names, until nginx accepts the config or fails for another reason. The user's files are never changed.
 * `run(mainCopy, dir)` runs nginx on the copy of `main`; the result names the swapped names.
 */
export function nginxWithLoopbackNames(
  main: string,
  files: string[],
  run: (mainCopy: string, dir: string) => { ok: boolean; output: string },
  includes: NginxIncludeRef[] = [],
): { ok: boolean; output: string; swapped: string[] } {
  return withTempDir('proxyproof-nginx-copy-', (tmp) => {
    const all = [...new Set([main, ...files])];
    let root = dirname(main);
    for (const f of all)
      while (!f.startsWith(root.endsWith(sep) ? root : root + sep) && root !== dirname(root)) root = dirname(root);
    const copyOf = (f: string) => join(tmp, 'tree', relative(root, f));
    for (const f of all) {
      try {
        mkdirSync(dirname(copyOf(f)), { recursive: true });
        copyFileSync(f, copyOf(f));
      } catch {
        // a file that cannot be read is reported by nginx itself
      }
    }
    pointIncludesAtCopies(includes, all, copyOf);
    // A template main file is checked on its rendering (onRendering's rule), written next to the copy so that its
    // relative includes still meet and nginx's messages name a file of the copy.
    let mainCopy = copyOf(main);
    if (isTemplateName(basename(main))) {
      const d = detemplate(readFileSync(mainCopy, 'utf8'), { name: main });
      if (d && !d.heavy) {
        mainCopy = join(dirname(mainCopy), renderedName(basename(main)));
        writeFileSync(mainCopy, d.text);
      }
    }
    // A stock params file included by its relative name (`include uwsgi_params;`) is looked up by nginx in the folder
    // of the config it was started with: in the copy, the check's wrapper folder or the main copy's, which seldom hold
    // one (the collectors read this machine's /etc/nginx copy or our built-in one). Debian's copies
    // (collectors/nginx/stock.ts) are written there when the tree's copy has none of that name.
    for (const dir of new Set([tmp, dirname(mainCopy)]))
      for (const stock of STOCK_FILES) {
        if (isAbsolute(stock.name)) continue;
        const at = join(dir, stock.name);
        if (existsSync(at)) continue;
        mkdirSync(dirname(at), { recursive: true });
        writeFileSync(at, stock.content);
      }
    const swapped: string[] = [];
    let r = run(mainCopy, tmp);
    while (!r.ok && swapped.length < MAX_SWAPS) {
      const m = HOST_NOT_FOUND.exec(r.output);
      if (!m) break;
      const [, address = '', file = '', line = '0'] = m;
      const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (!file.startsWith(join(tmp, 'tree') + sep) || host === '' || swapped.includes(host)) break;
      const lines = readFileSync(file, 'utf8').split('\n');
      const i = Number(line) - 1;
      const text = lines[i];
      if (text === undefined) break;
      // The name as a whole word of the address (`app`, `app:8000`, `http://app/`), never a part of another word.
      const word = new RegExp(`(^|[\\s/"'=])${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[:/;\\s"']|$)`);
      if (!word.test(text)) break;
      lines[i] = text.replace(word, '$1127.0.0.1');
      writeFileSync(file, lines.join('\n'));
      swapped.push(host);
      r = run(mainCopy, tmp);
    }
    const note = swapped.length > 0 ? `upstream names swapped for 127.0.0.1 in a temporary copy: ${swapped.join(', ')}` : '';
    return { ok: r.ok, output: [note, r.output.split(tmp).join('<copy>')].filter(Boolean).join('\n'), swapped };
  });
}

/** Where the first `include` directive of a line starts, or -1. */
function includeColumn(text: string): number {
  const m = /(^|[\s;{}])include\s/.exec(text);
  return m ? m.index + (m[1]?.length ?? 0) : -1;
}

/**
 * Each include of the copy that the collectors resolved to files of the tree now names their copies, one `include`
 * per file on the same line (line numbers, and so nginx's messages, stay as they were); a pattern that matched no
 * file of the tree is left out, so this machine's own files of that name are never read in its place.
 */
function pointIncludesAtCopies(includes: NginxIncludeRef[], copied: string[], copyOf: (f: string) => string): void {
  const have = new Set(copied);
  const byFile = new Map<string, NginxIncludeRef[]>();
  for (const i of includes) if (have.has(i.file)) byFile.set(i.file, [...(byFile.get(i.file) ?? []), i]);
  for (const [file, refs] of byFile) {
    let lines: string[];
    try {
      lines = readFileSync(copyOf(file), 'utf8').split('\n');
    } catch {
      continue;
    }
    // Right to left on a line, so the columns of the includes before it still hold.
    const ordered = [...refs].sort((a, b) => a.line - b.line || (b.column ?? 0) - (a.column ?? 0));
    for (const ref of ordered) {
      if (!ref.targets.every((t) => have.has(t))) continue;
      if (ref.targets.length === 0 && !/[*?[]/.test(ref.arg)) continue;
      const text = lines[ref.line - 1];
      if (text === undefined) continue;
      const at = ref.column !== undefined ? ref.column - 1 : includeColumn(text);
      const m = at >= 0 ? INCLUDE_AT.exec(text.slice(at)) : null;
      if (!m) continue;
      const into = ref.targets.map((t) => `include "${copyOf(t)}";`).join(' ');
      lines[ref.line - 1] = text.slice(0, at) + into + text.slice(at + m[0].length);
    }
    writeFileSync(copyOf(file), lines.join('\n'));
  }
}

const renderedNote = (abs: string) => (isTemplateName(basename(abs)) ? ' on its rendering' : '');

/** The program check for one patched file, or undefined when none applies or the program is missing. */
export function checkerFor(kind: ProgramKind, abs: string, facts: Facts, cwd: string): Checker | undefined {
  switch (kind) {
    case 'nginx': {
      const bin = findProgram('nginx');
      const main = nginxEntries(facts, cwd).get(abs);
      if (!bin || !main) return undefined;
      const files = [...nginxEntries(facts, cwd)].filter(([, m]) => m === main).map(([f]) => f);
      const includes = nginxIncludes(facts, main, cwd);
      if (isMainConf(facts, main, cwd))
        return {
          command: `nginx -t -c ${main}${renderedNote(main)}`,
          run: () => nginxWithLoopbackNames(main, files, (copy) => runCmd([bin, '-t', '-q', '-c', copy]), includes),
        };
      // A site file (what sites-enabled holds) is checked the way nginx.conf's `http { include ...; }` reads it.
      return {
        command: `nginx -t (${main} included in http {})${renderedNote(main)}`,
        run: () =>
          nginxWithLoopbackNames(
            main,
            files,
            (site, tmp) => {
              const conf = join(tmp, 'nginx.conf');
              writeFileSync(
                conf,
                `error_log ${join(tmp, 'error.log')};\npid ${join(tmp, 'nginx.pid')};\nevents {}\nhttp {\n    include ${site};\n}\n`,
              );
              return runCmd([bin, '-t', '-q', '-p', tmp, '-c', conf]);
            },
            includes,
          ),
      };
    }
    case 'caddy':
    case 'caddy-json': {
      const bin = findProgram('caddy');
      if (!bin) return undefined;
      const adapter = kind === 'caddy' ? ['--adapter', 'caddyfile'] : [];
      return {
        command: `caddy validate ${adapter.join(' ')}${adapter.length ? ' ' : ''}--config ${abs}${renderedNote(abs)}`,
        run: () =>
          onRendering(abs, (file) =>
            // Caddy keeps state in HOME/XDG dirs: a throw-away one, so validating never touches the user's.
            withTempDir('proxyproof-caddy-', (home) =>
              runCmd([bin, 'validate', ...adapter, '--config', file], {
                HOME: home,
                XDG_DATA_HOME: home,
                XDG_CONFIG_HOME: home,
              }),
            ),
          ),
      };
    }
    case 'haproxy': {
      const bin = findProgram('haproxy');
      if (!bin) return undefined;
      return {
        command: `haproxy -c -f ${abs}${renderedNote(abs)}`,
        run: () => onRendering(abs, (file) => runCmd([bin, '-c', '-f', file])),
      };
    }
    case 'apache': {
      const bin = findProgram('apache2ctl') ?? findProgram('apachectl');
      if (!bin) return undefined;
      const main = apacheMainOf(abs, facts, cwd) ?? abs;
      if (isApacheMain(main))
        return {
          command: `apache2ctl -t -f ${main}${renderedNote(main)}`,
          run: () => onRendering(main, (file) => runCmd([bin, '-t', '-f', file])),
        };
      // A site file (what sites-available holds) is checked the way Debian's apache2.conf reads it: inside a main
      // config that loads the modules proxy sites use, with its run-time files in a throw-away folder.
      return {
        command: `apache2ctl -t (${main} included by a main config loading the proxy modules)${renderedNote(main)}`,
        run: () =>
          onRendering(main, (site) =>
            withTempDir('proxyproof-apache-', (tmp) => {
              const conf = join(tmp, 'apache2.conf');
              writeFileSync(
                conf,
                [
                  ...(existsSync('/etc/apache2') ? ['ServerRoot /etc/apache2'] : []),
                  `DefaultRuntimeDir ${tmp}`,
                  `PidFile ${join(tmp, 'apache2.pid')}`,
                  `ErrorLog ${join(tmp, 'error.log')}`,
                  'ServerName localhost',
                  ...apacheSiteModules(),
                  `Include ${site}`,
                  '',
                ].join('\n'),
              );
              return runCmd([bin, '-t', '-f', conf]);
            }),
          ),
      };
    }
    case 'python': {
      const bin = findProgram('python3');
      if (!bin) return undefined;
      return {
        command: `python3 -c 'import ast; ast.parse(...)' ${abs}`,
        run: () => runCmd([bin, '-c', 'import ast,sys; ast.parse(open(sys.argv[1], "rb").read(), sys.argv[1])', abs]),
      };
    }
    case 'node': {
      if (!/\.(c|m)?js$/.test(abs)) return undefined;
      return { command: `node --check ${abs}`, run: () => runCmd([process.execPath, '--check', abs]) };
    }
    case 'compose':
      return {
        command: `YAML parse of ${abs}`,
        run: () => {
          try {
            const docs = parseAllDocuments(readFileSync(abs, 'utf8'));
            const errs = (Array.isArray(docs) ? docs : [docs]).flatMap((d) => d.errors.map((e) => e.message));
            return { ok: errs.length === 0, output: errs.join('\n') };
          } catch (e) {
            return { ok: false, output: (e as Error).message };
          }
        },
      };
    default:
      return undefined;
  }
}

/** How to make the running service read the change. */
export function reloadCommand(kind: ProgramKind, abs: string, facts: Facts, cwd: string): string {
  switch (kind) {
    case 'nginx': {
      const main = nginxEntries(facts, cwd).get(abs);
      if (!main || main === '/etc/nginx/nginx.conf' || !isMainConf(facts, main, cwd)) return 'nginx -t && systemctl reload nginx';
      return `nginx -t -c ${main} && nginx -s reload -c ${main}`;
    }
    case 'caddy':
      return abs.startsWith('/etc/caddy/')
        ? 'caddy validate --config /etc/caddy/Caddyfile && systemctl reload caddy'
        : `caddy reload --config ${abs} --adapter caddyfile`;
    case 'caddy-json':
      return `caddy reload --config ${abs}`;
    case 'haproxy':
      return `haproxy -c -f ${abs} && systemctl reload haproxy`;
    case 'apache':
      return 'apache2ctl configtest && systemctl reload apache2';
    case 'compose':
      return `docker compose -f ${abs} up -d`;
    case 'systemd':
      return `systemctl daemon-reload && systemctl restart ${basename(abs)}`;
    case 'python':
    case 'node': {
      const units = facts.appServers
        .filter((s) => s.launch.via === 'systemd' && /\.service$/.test(s.launch.file))
        .map((s) => basename(s.launch.file));
      if (units.length > 0) return `systemctl restart ${[...new Set(units)].join(' ')}`;
      const composes = facts.appServers.filter((s) => s.launch.via === 'compose');
      if (composes.length > 0)
        return `docker compose restart ${[...new Set(composes.map((s) => s.service ?? ''))].join(' ')}`.trim();
      return kind === 'python'
        ? 'restart the app server (gunicorn: kill -HUP <master pid>; uvicorn: restart the process)'
        : 'restart the Node process';
    }
    default:
      return `reload whatever reads ${abs}`;
  }
}
