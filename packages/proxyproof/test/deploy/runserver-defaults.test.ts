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
import { type PyText, runserverDefaults } from '../../src/collectors/deploy/runserver-defaults.js';
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
async function listensWhereTheFilesSay(files: (port: number) => Record<string, string>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-runserver-defaults-'));
  try {
    const app = await startOnFreePorts({
      name: 'django runserver (project defaults)',
      ports: 1,
      command: ([port]) => {
        writeTree(dir, files(port as number));
        return { cmd: '/usr/bin/python3', args: ['manage.py', 'runserver', '--noreload'], cwd: dir, env: ENV(dir) };
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
