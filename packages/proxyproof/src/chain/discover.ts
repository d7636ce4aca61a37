/**
 * Finding a deployment's files: a project folder (`doctor DIR`), or system locations under a
 * root (`doctor --root /`): nginx under etc/nginx, systemd units, Caddy, supervisor, and the
 * project folders those units name (WorkingDirectory=, --chdir, DJANGO_SETTINGS_MODULE's package).
 * Bounded: per-location file caps, no directory symlinks, unreadable places become notes.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type DiscoveredFile, discover } from '../engine/discover.js';
import type { NotRead } from '../model/collector.js';
import { InputError } from '../model/finding.js';
import { MAX_CONFIG_BYTES, MAX_SOURCE_BYTES, tooLarge } from '../model/limits.js';
import type { ProxyFile } from './topology/index.js';

export interface DeploymentFiles {
  files: DiscoveredFile[];
  /** Where we looked. */
  searched: string[];
  /** Places that could not be read, and why. */
  problems: string[];
  /** Proxy configs read by the chain's own readers (no collector reads them yet). */
  proxyFiles: ProxyFile[];
  unmodelled: Array<{ what: string; file: string; why: string }>;
  /** Left out on the way (unreadable subfolders, oversized proxy files): listed under "Not read". */
  skipped: NotRead[];
  /**
   * Files already read while discovering (a `.conf` file is read to see whether it is Apache's), by absolute
   * path: the collectors take their bytes from here instead of reading a 9 MB config a second time.
   */
  bytes?: Map<string, Buffer>;
}

/** `/<VirtualHost\b/i` on the bytes read as latin1, without decoding them (a 9 MB nginx config has few `<`). */
export function hasVirtualHost(b: Buffer): boolean {
  const word = 'virtualhost';
  for (let i = b.indexOf(0x3c); i >= 0; i = b.indexOf(0x3c, i + 1)) {
    let k = 0;
    // ASCII letters compared case-insensitively (| 0x20 maps A-Z to a-z; no other byte becomes a letter of the word).
    while (k < word.length && ((b[i + 1 + k] as number) | 0x20) === word.charCodeAt(k)) k++;
    if (k < word.length) continue;
    const next = b[i + 1 + word.length];
    const wordChar =
      next !== undefined &&
      ((next >= 0x30 && next <= 0x39) || (next >= 0x41 && next <= 0x5a) || (next >= 0x61 && next <= 0x7a) || next === 0x5f);
    if (!wordChar) return true;
  }
  return false;
}

/** System locations relative to the root, in the order they are searched. */
export const SYSTEM_LOCATIONS = [
  'etc/nginx',
  'etc/caddy',
  'etc/systemd/system',
  'etc/supervisor',
  'etc/supervisord.conf',
  'etc/haproxy',
  'etc/apache2/sites-enabled',
  'etc/httpd/conf.d',
];

/** Project places searched under the root only when units do not name one. */
const PROJECT_LOCATIONS = ['srv', 'opt', 'var/www'];
const MAX_PROJECT_DIRS = 16;
const UNIT_HINT = /gunicorn|uvicorn|daphne|hypercorn|node|npm|python|manage\.py/;

function isCaddyfile(name: string): boolean {
  return name === 'Caddyfile' || /^Caddyfile\./.test(name) || /\.caddyfile$/i.test(name) || /\.Caddyfile$/.test(name);
}

function proxyKindOf(f: DiscoveredFile, name: string, sniff: () => Buffer): ProxyFile['kind'] | null {
  if (isCaddyfile(name)) return 'caddy';
  if (name === 'haproxy.cfg' || /haproxy.*\.cfg$/.test(name)) return 'haproxy';
  if ((name.endsWith('.conf') || name === 'httpd.conf') && f.size <= MAX_CONFIG_BYTES && hasVirtualHost(sniff())) return 'apache';
  return null;
}

/**
 * A file of a proxy the chain does not model. `envoy.yaml` is Envoy's bootstrap only when it is not a Kubernetes
 * manifest (`kind:` at the start of a line): Contour's Envoy Service or DaemonSet is often kept under that name, and
 * the Kubernetes collector reads it.
 */
function classifyUnmodelled(f: DiscoveredFile, sniff: () => Buffer): { what: string; why: string } | null {
  const name = basename(f.abs);
  if ((name === 'envoy.yaml' || name === 'envoy.yml') && !/^kind:\s*\w/m.test(sniff().toString('utf8')))
    return { what: 'Envoy', why: 'Envoy configs are not modelled yet: the chain stops there' };
  return null;
}

function safeDiscover(paths: string[], out: DeploymentFiles, cwd: string): DiscoveredFile[] {
  const got: DiscoveredFile[] = [];
  for (const p of paths) {
    try {
      got.push(...discover([p], cwd, out.skipped));
      out.searched.push(p);
    } catch (e) {
      if (e instanceof InputError) {
        if (e.message !== 'no such file or directory') out.problems.push(e.format());
      } else out.problems.push(`${p}: ${(e as Error).message}`);
    }
  }
  return got;
}

/** The file's bytes (empty past the size cap or when unreadable), kept in `out.bytes` for the collectors. */
function sniffer(f: DiscoveredFile, out: DeploymentFiles): () => Buffer {
  let cache: Buffer | undefined;
  return () => {
    if (cache === undefined) {
      cache = Buffer.alloc(0);
      if (f.size <= MAX_CONFIG_BYTES) {
        try {
          cache = readFileSync(f.abs);
          out.bytes ??= new Map();
          out.bytes.set(f.abs, cache);
        } catch {
          // Unreadable: the collectors' own read reports it.
        }
      }
    }
    return cache;
  };
}

function finish(files: DiscoveredFile[], out: DeploymentFiles): DeploymentFiles {
  const seen = new Set<string>();
  for (const f of files) {
    // systemd enables a unit with a symlink in *.wants/: the same file, once.
    let real = f.abs;
    try {
      real = realpathSync(f.abs);
    } catch {
      /* dangling: keep the path */
    }
    if (seen.has(real)) continue;
    seen.add(real);
    out.files.push(f);
    const name = basename(f.abs);
    const sniff = sniffer(f, out);
    const kind = proxyKindOf(f, name, sniff);
    if (kind) {
      if (f.size > MAX_CONFIG_BYTES) {
        out.skipped.push({
          file: f.display,
          reason: tooLarge(f.size, MAX_CONFIG_BYTES, `a ${kind} config`),
        });
        continue;
      }
      try {
        const b = out.bytes?.get(f.abs) ?? readFileSync(f.abs);
        if (!b.includes(0)) out.proxyFiles.push({ kind, file: f.display, text: b.toString('utf8') });
        else out.skipped.push({ file: f.display, reason: 'a binary file (it contains NUL bytes)' });
      } catch (e) {
        out.skipped.push({ file: f.display, reason: `unreadable: ${(e as Error).message}` });
      }
      continue;
    }
    const u = classifyUnmodelled(f, sniff);
    if (u) out.unmodelled.push({ ...u, file: f.display });
  }
  return out;
}

/** The files of a project folder (or files) given on the command line. */
export function discoverProject(paths: string[], cwd = process.cwd()): DeploymentFiles {
  const out: DeploymentFiles = { files: [], searched: [], problems: [], proxyFiles: [], unmodelled: [], skipped: [] };
  const files: DiscoveredFile[] = [];
  for (const p of paths) {
    // A missing folder is a usage error (exit 2); anything else is reported and the rest goes on.
    files.push(...discover([p], cwd, out.skipped));
    out.searched.push(p);
  }
  return finish(files, out);
}

function unitDirs(root: string, unitFiles: DiscoveredFile[]): string[] {
  const dirs: string[] = [];
  for (const f of unitFiles) {
    let text: string;
    try {
      text = f.size <= MAX_SOURCE_BYTES ? readFileSync(f.abs, 'utf8') : '';
    } catch {
      continue;
    }
    if (!UNIT_HINT.test(text)) continue;
    for (const m of text.matchAll(/^\s*WorkingDirectory=-?(\S+)/gm)) dirs.push(m[1] as string);
    for (const m of text.matchAll(/--chdir[ =](\S+)/g)) dirs.push(m[1] as string);
    for (const m of text.matchAll(/^\s*directory\s*=\s*(\S+)/gm)) dirs.push(m[1] as string);
  }
  return [...new Set(dirs)]
    .filter((d) => d.startsWith('/'))
    .map((d) => join(root, d))
    .slice(0, MAX_PROJECT_DIRS);
}

/** System locations under `root` (`--root /`), plus the project folders their units name. */
export function discoverSystem(root: string, cwd = process.cwd()): DeploymentFiles {
  const out: DeploymentFiles = { files: [], searched: [], problems: [], proxyFiles: [], unmodelled: [], skipped: [] };
  const r = resolve(cwd, root);
  try {
    if (!statSync(r).isDirectory()) throw new InputError('--root is not a directory', root);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('no such directory', root);
  }
  const files: DiscoveredFile[] = [];
  for (const loc of SYSTEM_LOCATIONS) {
    const p = join(r, loc);
    try {
      statSync(p);
    } catch {
      continue;
    }
    let got = safeDiscover([p], out, cwd);
    if (loc === 'etc/systemd/system') {
      // Only units that start something the doctor understands (a system has hundreds of units).
      got = got.filter(
        (f) =>
          f.abs.endsWith('.service') &&
          (() => {
            try {
              return f.size <= MAX_SOURCE_BYTES && UNIT_HINT.test(readFileSync(f.abs, 'utf8'));
            } catch {
              return false;
            }
          })(),
      );
    }
    files.push(...got);
  }
  const units = files.filter((f) => f.abs.endsWith('.service') || f.abs.includes('/supervisor'));
  let projects = unitDirs(r, units);
  if (projects.length === 0) {
    // No unit names a folder: look for small project folders in the usual places.
    for (const loc of PROJECT_LOCATIONS) {
      const base = join(r, loc);
      let names: string[] = [];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      for (const n of names.sort().slice(0, MAX_PROJECT_DIRS)) {
        const d = join(base, n);
        try {
          if (statSync(d).isDirectory()) projects.push(d);
        } catch {
          /* unreadable: skipped */
        }
      }
    }
    projects = projects.slice(0, MAX_PROJECT_DIRS);
  }
  files.push(...safeDiscover(projects, out, cwd));
  return finish(files, out);
}
