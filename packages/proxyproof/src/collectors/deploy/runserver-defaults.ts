/**
 * The address `runserver` takes when its command line names none (or names a port only): Django's
 * `Command.default_addr`/`default_addr_ipv6`/`default_port` (django/core/management/commands/runserver.py, 1.10+:
 * 127.0.0.1, ::1, 8000), which a project changes in one of two ways, both common in real trees:
 * - a patch of the class before the command runs, in `manage.py` or a module Django imports at setup (the settings,
 *   an app's `apps.py`/`__init__.py`): `from django.core.management.commands.runserver import Command as runserver;
 *   runserver.default_port = "8080"`. staticfiles' and Daphne's runserver subclass that class, so the patch is theirs
 *   too;
 * - its own `runserver` command, `<app>/management/commands/runserver.py` with `class Command(...)` setting the
 *   attributes: Django's get_commands() registers the apps' commands in reverse INSTALLED_APPS order, so the first
 *   listed app with a `runserver` wins — the project's only when it is listed before `django.contrib.staticfiles`,
 *   `daphne` or `channels` (checked on Debian's Django 3.2, test/deploy/runserver.test.ts).
 * A value that is not a literal (`os.environ['PORT']`) or two patches that disagree make the default unknown.
 * A project command under another name whose `class Command` subclasses a runserver `Command` (Django's, staticfiles',
 * Daphne's or Channels') — `<app>/management/commands/devserver.py`, run as `manage.py devserver` — is runserver with
 * that class's attributes over the patches (checked on Debian's Django 3.2, test/deploy/runserver-defaults.test.ts).
 * Files are read as text, line by line: the patch is one assignment statement.
 */
import { basename } from 'node:path';
import type { SourceRef } from '../../model/facts.js';
import { refAt } from '../appends/lines.js';

export type RunserverAttr = 'default_addr' | 'default_addr_ipv6' | 'default_port';

export interface RunserverDefault {
  /** The literal value, or undefined when the file sets it from something only the run knows. */
  value?: string;
  ref: SourceRef;
}

export type RunserverDefaults = Partial<Record<RunserverAttr, RunserverDefault>>;

/** A .py file of the tree as lines, with its display path. */
export interface PyText {
  display: string;
  lines: string[];
}

const ATTR = /^(default_addr_ipv6|default_addr|default_port)$/;
/** Modules Django imports before a command runs: manage.py, a settings module, an app's apps.py/__init__.py. */
const SETTINGS_MARKER = /^\s*(INSTALLED_APPS|ROOT_URLCONF|SECRET_KEY|ALLOWED_HOSTS|MIDDLEWARE)\s*[+]?=/m;
/** Apps whose own `runserver` replaces core's when listed before the project's app. */
const RUNSERVER_APPS = new Set(['django.contrib.staticfiles', 'daphne', 'channels']);

function literal(expr: string): string | undefined {
  const m = /^(?:"([^"\\]*)"|'([^'\\]*)'|(\d+))$/.exec(expr.replace(/\s+#.*$/, '').trim());
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/** Where runserver's `Command` classes live: Django's own and staticfiles' (the ones a patch changes). */
const DJANGO_RUNSERVER = String.raw`django\.(?:core|contrib\.staticfiles)`;
/** Daphne's and Channels' runserver too: a project command may subclass any of them (same `[addr:]port`, same defaults). */
const ANY_RUNSERVER = String.raw`(?:django\.core|django\.contrib\.staticfiles|daphne|channels)`;

/** The names a file's imports give runserver's `Command` class (`runserver`, `Base`, `runserver.Command`). */
function runserverClassNames(lines: string[], modules: string): Set<string> {
  const cls = new RegExp(String.raw`^\s*from\s+${modules}\.management\.commands\.runserver\s+import\s+Command(?:\s+as\s+(\w+))?`);
  const mod = new RegExp(String.raw`^\s*from\s+${modules}\.management\.commands\s+import\s+runserver(?:\s+as\s+(\w+))?`);
  const names = new Set<string>();
  // A parenthesised import (`import (\n    Command as RunserverCommand,\n)`) read as one line.
  const joined = lines
    .join('\n')
    .replace(/\bimport\s*\(([^)]*)\)/g, (_, inner: string) => `import ${inner.replace(/\s+/g, ' ').trim()}`);
  for (const l of joined.split('\n')) {
    const c = cls.exec(l);
    if (c) names.add(c[1] ?? 'Command');
    const m = mod.exec(l);
    if (m) names.add(`${m[1] ?? 'runserver'}.Command`);
  }
  return names;
}

/** `X.default_port = ...` where X names runserver's Command class in this file. */
function patches(f: PyText): Array<[RunserverAttr, RunserverDefault]> {
  const text = f.lines.join('\n');
  if (!/management\.commands(?:\.runserver|\s+import\s+[^\n]*\brunserver\b)/.test(text)) return [];
  const names = runserverClassNames(f.lines, DJANGO_RUNSERVER);
  if (names.size === 0) return [];
  const out: Array<[RunserverAttr, RunserverDefault]> = [];
  f.lines.forEach((l, i) => {
    const m = /^\s*([\w.]+)\.(\w+)\s*=(?!=)\s*(.*)$/.exec(l);
    if (!m || !names.has(m[1] as string) || !ATTR.test(m[2] as string)) return;
    const value = literal(m[3] as string);
    out.push([m[2] as RunserverAttr, { ...(value !== undefined ? { value } : {}), ref: refAt(f.display, f.lines, i + 1) }]);
  });
  return out;
}

/**
 * The class attributes a project's own runserver command sets (indented one level under `class Command`). One its
 * methods set (`self.default_port = ...`), or an `addrport` default of its own (`parser.set_defaults(addrport=...)`,
 * `options['addrport'] = ...`), is code the files cannot run: those defaults are unknown.
 */
function ownCommand(f: PyText): Array<[RunserverAttr, RunserverDefault]> {
  const out: Array<[RunserverAttr, RunserverDefault]> = [];
  let inClass = false;
  f.lines.forEach((l, i) => {
    if (/^class\s+Command\b/.test(l)) inClass = true;
    else if (/^\S/.test(l)) inClass = false;
    if (!inClass) return;
    const ref = refAt(f.display, f.lines, i + 1);
    const m = /^( {4}|\t)(default_addr_ipv6|default_addr|default_port)\s*=(?!=)\s*(.*)$/.exec(l);
    if (m) {
      const value = literal(m[3] as string);
      out.push([m[2] as RunserverAttr, { ...(value !== undefined ? { value } : {}), ref }]);
      return;
    }
    const self = /\bself\.(default_addr_ipv6|default_addr|default_port)\s*=(?!=)/.exec(l);
    if (self) out.push([self[1] as RunserverAttr, { ref }]);
    else if (/addrport['"]?\s*[\]=]|set_defaults\([^)]*addrport|add_argument\(\s*['"]addrport/.test(l))
      for (const a of ['default_addr', 'default_addr_ipv6', 'default_port'] as const) out.push([a, { ref }]);
  });
  return out;
}

/** The quoted strings of the files that set INSTALLED_APPS, in text order (a list, or lists added together). */
function installedApps(files: PyText[]): string[][] {
  return files
    .filter((f) => f.lines.some((l) => /^\s*INSTALLED_APPS\s*[+]?=/.test(l)))
    .map((f) => [...f.lines.join('\n').matchAll(/["']([\w.]+)["']/g)].map((m) => m[1] as string));
}

/** Whether the app in folder `appDir` (display path) is listed before every other app with a runserver. */
/** Whether INSTALLED_APPS entry `s` (`shop`, `shop.apps.ShopConfig`) names the app in folder `appDir`. */
function listedAs(appDir: string, s: string): boolean {
  const path = appDir.replace(/\\/g, '/');
  const dotted = s.replace(/\.apps\.\w+$/, '').replace(/\.\w*Config$/, '');
  return path === dotted.replace(/\./g, '/') || path.endsWith(`/${dotted.replace(/\./g, '/')}`);
}

function ownCommandWins(appDir: string, settings: string[][]): boolean {
  return settings.some((strings) => {
    const mine = strings.findIndex((s) => listedAs(appDir, s));
    const other = strings.findIndex((s) => RUNSERVER_APPS.has(s));
    return mine >= 0 && (other < 0 || mine < other);
  });
}

/** Folders of installed packages: a vendored virtualenv's commands are no project command. */
const VENDORED = /(^|\/)(site-packages|dist-packages|node_modules)\//;

/** The `class Command(...)` line of a file whose Command subclasses a runserver `Command`, if it is one. */
function subclassLine(f: PyText): SourceRef | undefined {
  const names = runserverClassNames(f.lines, ANY_RUNSERVER);
  if (names.size === 0) return undefined;
  // Any of its bases (`class Command(DjangoCommand, RunServerCommand)`: a mixin first).
  const i = f.lines.findIndex((l) => {
    const m = /^class\s+Command\s*\(([^)]*)\)/.exec(l);
    return m !== null && (m[1] as string).split(',').some((b) => names.has(b.trim()));
  });
  return i < 0 ? undefined : refAt(f.display, f.lines, i + 1);
}

/** The app folder of a project management command `name` (`shop/management/commands/devserver.py` -> `shop`). */
function commandApp(f: PyText, name: string): string | undefined {
  const path = f.display.replace(/\\/g, '/');
  if (VENDORED.test(path) || !path.endsWith(`/management/commands/${name}.py`)) return undefined;
  return path.slice(0, -`/management/commands/${name}.py`.length);
}

/**
 * The project's own management command `name` (not `runserver`) that subclasses a runserver `Command`: its file and
 * `class Command(...)` line. Several apps defining it: Django runs the one listed first in INSTALLED_APPS
 * (get_commands()); with none of them listed in the settings read, each one found (their defaults must agree).
 */
export function runserverSubclasses(files: PyText[], name: string): Array<{ file: PyText; ref: SourceRef }> {
  if (name === 'runserver') return [];
  const found = files.flatMap((f) => {
    const app = commandApp(f, name);
    const ref = app !== undefined ? subclassLine(f) : undefined;
    return ref && app !== undefined ? [{ file: f, ref, app }] : [];
  });
  if (found.length < 2) return found.map(({ file, ref }) => ({ file, ref }));
  for (const strings of installedApps(files)) {
    const at = (app: string) => strings.findIndex((s) => listedAs(app, s));
    const listed = found.filter((c) => at(c.app) >= 0).sort((a, b) => at(a.app) - at(b.app));
    if (listed[0]) return [{ file: listed[0].file, ref: listed[0].ref }];
  }
  return found.map(({ file, ref }) => ({ file, ref }));
}

/**
 * What the tree makes runserver's defaults: the project's own command's class attributes when it wins, over patches
 * of Django's class; an attribute set to different literals in several places, or to a non-literal, is unknown.
 * `command` is the management command the launch runs: `runserver`, or a project command subclassing it (its class
 * attributes over the patches of the class it inherits from).
 */
export function runserverDefaults(files: PyText[], command = 'runserver'): RunserverDefaults {
  const out: RunserverDefaults = {};
  const settle = (found: Array<[RunserverAttr, RunserverDefault]>) => {
    const byAttr = new Map<RunserverAttr, RunserverDefault[]>();
    for (const [a, d] of found) byAttr.set(a, [...(byAttr.get(a) ?? []), d]);
    for (const [a, ds] of byAttr) {
      const values = new Set(ds.map((d) => d.value));
      out[a] = values.size === 1 ? (ds[0] as RunserverDefault) : { ref: (ds[0] as RunserverDefault).ref };
    }
  };
  settle(
    files
      .filter((f) => {
        const name = basename(f.display);
        return name === 'manage.py' || name === 'apps.py' || name === '__init__.py' || SETTINGS_MARKER.test(f.lines.join('\n'));
      })
      .flatMap(patches),
  );
  if (command !== 'runserver') {
    settle(runserverSubclasses(files, command).flatMap((c) => ownCommand(c.file)));
    return out;
  }
  const settings = installedApps(files);
  const own = files.filter((f) => {
    const m = /^(.*)\/management\/commands\/runserver\.py$/.exec(f.display.replace(/\\/g, '/'));
    return m !== null && ownCommandWins(m[1] as string, settings);
  });
  settle(own.flatMap(ownCommand));
  return out;
}
