// runserver's default address as a project sets it (collectors/deploy/runserver-defaults.ts): a patch of Django's
// `Command.default_addr`/`default_port` in manage.py or the settings, or the project's own `runserver` command when
// its app is listed before staticfiles/daphne/channels. Checked against Debian's Django 3.2 at the end: the patched
// port is where the real runserver listens, and get_commands() picks the app listed first.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { runserverBind } from '../../src/collectors/deploy/appserver.js';
import { type PyText, runserverDefaults, runserverSubclasses } from '../../src/collectors/deploy/runserver-defaults.js';
import { findInvocations, shlexSplit } from '../../src/collectors/deploy/servers.js';
import { compose, settings, WSGI } from '../python/fixtures.js';
import { lintFiles } from '../python/lint-files.js';
import { getBody, startOnFreePorts } from '../real-program.js';

const py = (files: Record<string, string>): PyText[] =>
  Object.entries(files).map(([display, text]) => ({ display, lines: text.split('\n') }));

const PATCH_CLASS = 'from django.core.management.commands.runserver import Command as runserver\n';
const OWN = (attrs: string) =>
  `from django.core.management.commands.runserver import Command as Base\n\n\nclass Command(Base):\n${attrs}\n    def handle(self, *a, **kw):\n        default_port = 'not me'\n        super().handle(*a, **kw)\n`;
const APPS = (apps: string[]) => `INSTALLED_APPS = [\n${apps.map((a) => `    '${a}',`).join('\n')}\n]\n`;
const OWN_PATH = 'devtools/management/commands/runserver.py';

test('runserverDefaults: patches in manage.py/settings, the own command by INSTALLED_APPS order; what is not a default', () => {
  const table: Array<[string, Record<string, string>, Record<string, string | undefined>]> = [
    ['manage.py patch', { 'manage.py': `${PATCH_CLASS}runserver.default_port = "8080"\n` }, { default_port: '8080' }],
    [
      'module import, int value, settings file',
      {
        'mysite/settings.py': `from django.core.management.commands import runserver\nSECRET_KEY = 'x'\nrunserver.Command.default_addr = "0.0.0.0"\nrunserver.Command.default_port = 8000\n`,
      },
      { default_addr: '0.0.0.0', default_port: '8000' },
    ],
    [
      'a value from the environment is unknown',
      { 'manage.py': `${PATCH_CLASS}runserver.default_port = os.environ["PORT"]\n` },
      { default_port: undefined },
    ],
    [
      'two literals that disagree are unknown',
      {
        'manage.py': `${PATCH_CLASS}runserver.default_port = "8080"\n`,
        'mysite/settings.py': `${PATCH_CLASS}SECRET_KEY = 'x'\nrunserver.default_port = "9090"\n`,
      },
      { default_port: undefined },
    ],
    [
      'own command listed first wins over the patch',
      {
        'manage.py': `${PATCH_CLASS}runserver.default_port = "8080"\n`,
        [OWN_PATH]: OWN("    default_addr = '0.0.0.0'\n    default_port = '9000'"),
        'mysite/settings.py': APPS(['devtools.apps.DevtoolsConfig', 'django.contrib.staticfiles']),
      },
      { default_addr: '0.0.0.0', default_port: '9000' },
    ],
    [
      "own command setting the defaults in a method, or its own addrport default: unknown, not Django's",
      {
        [OWN_PATH]:
          'from django.core.management.commands.runserver import Command as B\n\nclass Command(B):\n    def add_arguments(self, parser):\n        super().add_arguments(parser)\n        self.default_addr = "10.0.0.11"\n',
        'mysite/settings.py': APPS(['devtools', 'django.contrib.staticfiles']),
      },
      { default_addr: undefined },
    ],
    [
      'own command with its own addrport default (parser.set_defaults): every default unknown',
      {
        'sub/management/commands/runserver.py':
          'from django.core.management.commands.runserver import Command as B\n\nclass Command(B):\n    def add_arguments(self, parser):\n        parser.set_defaults(addrport="0.0.0.0:8000")\n',
        'mysite/settings.py': APPS(['sub', 'django.contrib.staticfiles']),
      },
      { default_addr: undefined, default_addr_ipv6: undefined, default_port: undefined },
    ],
    // traps: each looks like a default and is none
    [
      'trap: own command listed after staticfiles (staticfiles runserver wins)',
      {
        [OWN_PATH]: OWN("    default_addr = '0.0.0.0'"),
        'mysite/settings.py': APPS(['django.contrib.staticfiles', 'devtools']),
      },
      {},
    ],
    ['trap: own command of an app not installed', { [OWN_PATH]: OWN("    default_addr = '0.0.0.0'") }, {}],
    [
      "trap: a vendored virtualenv's Django and staticfiles commands are no project command",
      {
        'venv/Lib/site-packages/django/core/management/commands/runserver.py':
          "class Command(BaseCommand):\n    default_addr = '127.0.0.1'\n    default_port = '8000'\n",
        'venv/Lib/site-packages/django/contrib/staticfiles/management/commands/runserver.py':
          "class Command(RunserverCommand):\n    default_port = '1'\n",
        'mysite/settings.py': APPS(['django.contrib.staticfiles']),
      },
      {},
    ],
    [
      'trap: a view reading or setting the attribute (imported after the address is chosen), a comparison',
      {
        'shop/views.py': `${PATCH_CLASS}runserver.default_port = "1"\nURL = runserver.default_addr + ':' + runserver.default_port\n`,
        'manage.py': `${PATCH_CLASS}if runserver.default_port == "8000":\n    pass\n`,
      },
      {},
    ],
    [
      'trap: another class with the same attribute name',
      { 'manage.py': 'class Runserver:\n    default_port = "1"\nRunserver.default_port = "2"\n' },
      {},
    ],
  ];
  for (const [name, files, want] of table) {
    const got = runserverDefaults(py(files));
    assert.deepEqual(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v?.value])), want, name);
  }
});

test('runserverBind with project defaults: what the command line leaves out comes from them', () => {
  const ref = (line: number) => ({ file: 'manage.py', line, snippet: '' });
  const d = { default_addr: { value: '0.0.0.0', ref: ref(3) }, default_port: { value: '8080', ref: ref(4) } };
  assert.deepEqual(runserverBind(undefined, false, d), { host: '0.0.0.0', port: 8080, from: [ref(3), ref(4)] });
  assert.deepEqual(runserverBind('9000', false, d), { host: '0.0.0.0', port: 9000, from: [ref(3)] });
  // trap: a full [addr:]port on the command line needs no default; -6 takes default_addr_ipv6 (not patched)
  assert.deepEqual(runserverBind('127.0.0.1:9000', false, d), { host: '127.0.0.1', port: 9000 });
  assert.deepEqual(runserverBind(undefined, true, d), { host: '::1', port: 8080, from: [ref(4)] });
  assert.deepEqual(runserverBind('9000', false, { default_addr: { ref: ref(5) } }), { unknown: ref(5) });
});

const PROJECT = {
  'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
  'mysite/__init__.py': '',
  'mysite/wsgi.py': WSGI,
};

const DEVSERVER = 'devtools/management/commands/devserver.py';

test('a project command under another name subclassing runserver: found by name, its class attributes over the patches', () => {
  const table: Array<[string, Record<string, string>, string, Record<string, string | undefined>, number]> = [
    [
      'subclass of core runserver',
      { [DEVSERVER]: OWN("    default_addr = '0.0.0.0'\n    default_port = '9000'") },
      'devserver',
      { default_addr: '0.0.0.0', default_port: '9000' },
      1,
    ],
    [
      'module import, staticfiles base; a manage.py patch of the base class still applies to what the subclass leaves',
      {
        'manage.py': `${PATCH_CLASS}runserver.default_addr = "0.0.0.0"\n`,
        [DEVSERVER]:
          'from django.contrib.staticfiles.management.commands import runserver\n\nclass Command(runserver.Command):\n    default_port = 8800\n',
      },
      'devserver',
      { default_addr: '0.0.0.0', default_port: '8800' },
      1,
    ],
    [
      "Channels' runserver after a mixin",
      {
        [DEVSERVER]:
          "from channels.management.commands.runserver import Command as RunServerCommand\nfrom .command import DjangoCommand\n\nclass Command(DjangoCommand, RunServerCommand):\n    default_addr = '0.0.0.0'\n",
      },
      'devserver',
      { default_addr: '0.0.0.0' },
      1,
    ],
    [
      'a parenthesised import over several lines',
      {
        [DEVSERVER]:
          'from django.contrib.staticfiles.management.commands.runserver import (\n    Command as RunserverCommand,\n)\n\n\nclass Command(RunserverCommand):\n    default_port = "8002"\n',
      },
      'devserver',
      { default_port: '8002' },
      1,
    ],
    [
      "Daphne's runserver as the base",
      {
        [DEVSERVER]:
          "from daphne.management.commands.runserver import Command as RunserverCommand\n\nclass Command(RunserverCommand):\n    default_port = '8001'\n",
      },
      'devserver',
      { default_port: '8001' },
      1,
    ],
    [
      'two apps define it: the one listed first in INSTALLED_APPS',
      {
        [DEVSERVER]: OWN("    default_port = '9000'"),
        'other/management/commands/devserver.py': OWN("    default_port = '9999'"),
        'mysite/settings.py': APPS(['other', 'devtools']),
      },
      'devserver',
      { default_port: '9999' },
      1,
    ],
    // traps
    [
      'trap: a command of that name that is a plain BaseCommand (it serves nothing)',
      {
        [DEVSERVER]:
          'from django.core.management.base import BaseCommand\n\nclass Command(BaseCommand):\n    default_port = "9000"\n',
      },
      'devserver',
      {},
      0,
    ],
    [
      "trap: the file imports runserver's Command but its own Command subclasses something else",
      {
        [DEVSERVER]:
          'from django.core.management.base import BaseCommand\nfrom django.core.management.commands.runserver import Command as RS\n\nclass Command(BaseCommand):\n    default_port = RS.default_port\n',
      },
      'devserver',
      {},
      0,
    ],
    ['trap: a subclass under another command name', { [DEVSERVER]: OWN("    default_port = '9000'") }, 'serve', {}, 0],
    [
      "trap: a vendored package's command",
      { 'venv/lib/python3.11/site-packages/devtools/management/commands/devserver.py': OWN("    default_port = '1'") },
      'devserver',
      {},
      0,
    ],
  ];
  for (const [name, files, command, want, count] of table) {
    assert.equal(runserverSubclasses(py(files), command).length, count, name);
    if (count === 0) continue;
    const got = runserverDefaults(py(files), command);
    assert.deepEqual(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v?.value])), want, name);
  }
  // runserver's own defaults are not the subclass's: `manage.py runserver` keeps Django's 127.0.0.1:8000
  assert.deepEqual(runserverDefaults(py({ [DEVSERVER]: OWN("    default_port = '9000'") })), {});
});

test('findInvocations: a management command is runserver only when the project says it subclasses runserver', () => {
  const isOwn = (name: string) => name === 'devserver';
  const table: Array<[string, Array<[string, string[], string | undefined]>]> = [
    ['python manage.py devserver 0.0.0.0:9000', [['runserver', ['0.0.0.0:9000'], 'devserver']]],
    ['sh -c "python manage.py migrate && exec python manage.py devserver"', [['runserver', [], 'devserver']]],
    ['python -m django devserver --settings=mysite.settings', [['runserver', ['--settings=mysite.settings'], 'devserver']]],
    ['python manage.py runserver 8080', [['runserver', ['8080'], undefined]]],
    // traps: other commands; a subclass name the predicate does not know
    ['python manage.py migrate', []],
    ['python manage.py serve 0.0.0.0:9000', []],
  ];
  for (const [cmd, want] of table)
    assert.deepEqual(
      findInvocations(shlexSplit(cmd), {}, [], { runserverLike: isOwn, notDjango: () => false }).map((i) => [
        i.kind,
        i.args,
        i.command,
      ]),
      want,
      cmd,
    );
  // without the project's commands (the default) `devserver` is nothing
  assert.deepEqual(findInvocations(shlexSplit('python manage.py devserver')), []);
});

test('lint: compose runs the project command devserver (a runserver subclass binding 0.0.0.0): placed, published, noted', async () => {
  const servers = async (command: string, own: string) =>
    (
      await lintFiles({
        ...PROJECT,
        'mysite/settings.py': settings([]),
        [DEVSERVER]: own,
        'docker-compose.yml': compose([`command: ${command}`, 'ports:', '  - "8000:8000"'], { proxy: false }),
      })
    ).facts.appServers.filter((s) => s.name === 'runserver');
  const dev = await servers('python manage.py devserver', OWN("    default_addr = '0.0.0.0'"));
  assert.deepEqual(
    dev.map((s) => [s.service, s.binds[0]?.host, s.binds[0]?.port, s.binds[0]?.reach, s.binds[0]?.published?.hostPort]),
    [['web', '0.0.0.0', 8000, 'network', 8000]],
  );
  assert.match(
    dev[0]?.notes?.join('\n') ?? '',
    /manage\.py devserver is the project's own command subclassing runserver \(devtools\/management\/commands\/devserver\.py:4\)/,
  );
  assert.match(
    dev[0]?.notes?.join('\n') ?? '',
    /default address is the project's: devtools\/management\/commands\/devserver\.py:5/,
  );
  // trap: a project command of that name that is no runserver starts no server
  const plain = await servers(
    'python manage.py devserver',
    'from django.core.management.base import BaseCommand\n\nclass Command(BaseCommand):\n    def handle(self, *a, **kw):\n        pass\n',
  );
  assert.deepEqual(plain, []);
});

test('lint: runserver in compose with a patched default_addr binds 0.0.0.0 (reached through the published port), with the line', async () => {
  const servers = async (manage: string, command: string) =>
    (
      await lintFiles({
        ...PROJECT,
        'manage.py': `${PROJECT['manage.py']}${manage}`,
        'mysite/settings.py': settings([]),
        'docker-compose.yml': compose([`command: ${command}`, 'ports:', '  - "8000:8000"'], { proxy: false }),
      })
    ).facts.appServers.filter((s) => s.name === 'runserver');
  const patched = await servers(`${PATCH_CLASS}runserver.default_addr = "0.0.0.0"\n`, 'python manage.py runserver');
  assert.deepEqual(
    patched.map((s) => [s.binds[0]?.host, s.binds[0]?.port, s.binds[0]?.reach, s.binds[0]?.published?.hostPort]),
    [['0.0.0.0', 8000, 'network', 8000]],
  );
  assert.match(patched[0]?.notes?.join('\n') ?? '', /default address is the project's: manage\.py:4/);
  // trap: without the patch, Django's own default: loopback inside the container, reached by nobody
  const plain = await servers('', 'python manage.py runserver');
  assert.deepEqual(
    plain.map((s) => [s.binds[0]?.host, s.binds[0]?.port]),
    [['127.0.0.1', 8000]],
  );
  const unknown = await servers(`${PATCH_CLASS}runserver.default_addr = os.environ["HOST"]\n`, 'python manage.py runserver 8000');
  assert.deepEqual(
    unknown.map((s) => s.binds[0]?.exposure),
    ['unknown'],
  );
});

// ---------------------------------------------------------------------------------------------- the real runserver

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
}

const SITE = (apps: string[]) =>
  `SECRET_KEY = 'x'\nDEBUG = True\nALLOWED_HOSTS = ['*']\nROOT_URLCONF = 'ppsite'\nSTATIC_URL = '/static/'\n${APPS(apps)}from django.http import HttpResponse\nfrom django.urls import path\nurlpatterns = [path('', lambda r: HttpResponse('pp runserver'))]\n`;
const ENV = (dir: string) => ({ PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONPATH: dir, PYTHONDONTWRITEBYTECODE: '1' });
const APP_FILES = {
  'devtools/__init__.py': '',
  'devtools/management/__init__.py': '',
  'devtools/management/commands/__init__.py': '',
};

/** Starts `manage.py runserver` with no address in the tree `files` makes; the port it answers on (the one the files set). */
async function listensWhereTheFilesSay(files: (port: number) => Record<string, string>, command = 'runserver'): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-runserver-defaults-'));
  try {
    const app = await startOnFreePorts({
      name: 'django runserver (project defaults)',
      ports: 1,
      command: ([port]) => {
        writeTree(dir, files(port as number));
        return { cmd: '/usr/bin/python3', args: ['manage.py', command, '--noreload'], cwd: dir, env: ENV(dir) };
      },
      ready: async ([port]) => (await getBody({ port: port as number }, { Host: 'example.com' })) === 'pp runserver',
      polls: 600,
    });
    const port = app.ports[0] as number;
    await app.stop();
    return port;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const MANAGE = (patch: string) =>
  `import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ppsite')\n${patch}from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n`;

test('real Django runserver (Debian 3.2): a manage.py patch and the own command set where it listens; the defaults reader agrees', async () => {
  const viaPatch = (port: number) => ({
    'manage.py': MANAGE(`${PATCH_CLASS}runserver.default_port = "${port}"\n`),
    'ppsite.py': SITE(['django.contrib.staticfiles']),
  });
  const p1 = await listensWhereTheFilesSay(viaPatch);
  assert.deepEqual(runserverBind(undefined, false, runserverDefaults(py(viaPatch(p1)))), {
    host: '127.0.0.1',
    port: p1,
    from: [{ file: 'manage.py', line: 4, snippet: `runserver.default_port = "${p1}"` }],
  });
  const viaOwn = (port: number) => ({
    'manage.py': MANAGE(''),
    'ppsite.py': SITE(['devtools', 'django.contrib.staticfiles']),
    ...APP_FILES,
    [OWN_PATH]: OWN(`    default_port = '${port}'`),
  });
  const p2 = await listensWhereTheFilesSay(viaOwn);
  const bind = runserverBind(undefined, false, runserverDefaults(py(viaOwn(p2))));
  assert.deepEqual(bind && 'host' in bind ? [bind.host, bind.port] : bind, ['127.0.0.1', p2]);
  // A project command under another name subclassing staticfiles' runserver: `manage.py devserver` serves HTTP where
  // its class says; the reader finds it by that name.
  const viaSubclass = (port: number) => ({
    'manage.py': MANAGE(''),
    'ppsite.py': SITE(['devtools', 'django.contrib.staticfiles']),
    ...APP_FILES,
    [DEVSERVER]: `from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver\n\n\nclass Command(StaticRunserver):\n    default_port = '${port}'\n`,
  });
  const p3 = await listensWhereTheFilesSay(viaSubclass, 'devserver');
  const files3 = py(viaSubclass(p3));
  assert.equal(runserverSubclasses(files3, 'devserver').length, 1);
  const bind3 = runserverBind(undefined, false, runserverDefaults(files3, 'devserver'));
  assert.deepEqual(bind3 && 'host' in bind3 ? [bind3.host, bind3.port] : bind3, ['127.0.0.1', p3]);
});

test('real Django (Debian 3.2): get_commands() takes the runserver of the app listed first; the reader agrees', () => {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-runserver-order-'));
  try {
    for (const [apps, wins] of [
      [['devtools', 'django.contrib.staticfiles'], true],
      // trap: the project's command exists and is installed, but staticfiles is listed first
      [['django.contrib.staticfiles', 'devtools'], false],
    ] as const) {
      const files = {
        'ppsite.py': SITE([...apps]),
        ...APP_FILES,
        [OWN_PATH]: OWN("    default_port = '18123'"),
      };
      writeTree(dir, files);
      const r = spawnSync(
        '/usr/bin/python3',
        [
          '-m',
          'django',
          'shell',
          '--settings=ppsite',
          '-c',
          "from django.core.management import get_commands, load_command_class\nprint(load_command_class(get_commands()['runserver'], 'runserver').default_port)",
        ],
        { cwd: dir, env: ENV(dir), encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(r.stdout.trim(), wins ? '18123' : '8000', r.stderr);
      assert.equal(runserverDefaults(py(files)).default_port?.value, wins ? '18123' : undefined, apps.join(','));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
