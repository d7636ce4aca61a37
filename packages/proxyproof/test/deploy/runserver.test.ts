// Django's development server (`manage.py runserver`) as an app server (collectors/deploy servers.ts kind `runserver`,
// appserver.ts buildRunserver): `[addr:]port` with 127.0.0.1:8000 by default, no forwarded header read (wsgiref takes
// the scheme from the connection), every header handed to Django's META so SECURE_PROXY_SSL_HEADER decides; found by
// the deploy collector's launch reader wherever gunicorn would be (compose, Dockerfile, unit, Procfile, scripts).
// The real runserver (Debian's Django 3.2) is started at the end and compared with the doctor's verdict.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runserverBind } from '../../src/collectors/deploy/appserver.js';
import { findInvocations, shlexSplit } from '../../src/collectors/deploy/servers.js';
import { compose, nginxTls, settings, systemdUnit, WSGI } from '../python/fixtures.js';
import { doctorFiles as doctor, lintFiles } from '../python/lint-files.js';
import { getBody, startOnFreePorts } from '../real-program.js';

test('runserverBind: Django naiveip_re, default 127.0.0.1:8000 (::1 with -6)', () => {
  const table: Array<[string | undefined, boolean, ReturnType<typeof runserverBind>]> = [
    [undefined, false, { host: '127.0.0.1', port: 8000 }],
    [undefined, true, { host: '::1', port: 8000 }],
    ['8001', false, { host: '127.0.0.1', port: 8001 }],
    ['0.0.0.0:8000', false, { host: '0.0.0.0', port: 8000 }],
    // `0` is a host name the resolver makes 0.0.0.0 (trap: it looks like a port of 0 or a typo)
    ['0:8000', false, { host: '0.0.0.0', port: 8000 }],
    ['[::]:8000', false, { host: '::', port: 8000 }],
    ['localhost:9000', false, { host: 'localhost', port: 9000 }],
    // runserver refuses these: an address alone, a variable the shell did not fill
    ['0.0.0.0', false, undefined],
    ['0.0.0.0:$PORT', false, undefined],
  ];
  for (const [arg, v6, want] of table) assert.deepEqual(runserverBind(arg, v6), want, String(arg));
});

test('findInvocations: runserver through manage.py, django-admin, python -m django and wrappers; other commands are not', () => {
  const table: Array<[string, Array<[string, string[]]>]> = [
    ['python manage.py runserver 0.0.0.0:8000', [['runserver', ['0.0.0.0:8000']]]],
    ['python3 src/manage.py runserver --noreload', [['runserver', ['--noreload']]]],
    ['./manage.py runserver 8080', [['runserver', ['8080']]]],
    ['django-admin runserver --settings=mysite.settings 0:8000', [['runserver', ['--settings=mysite.settings', '0:8000']]]],
    ['python -m django runserver', [['runserver', []]]],
    ['poetry run python manage.py runserver 0.0.0.0:8000', [['runserver', ['0.0.0.0:8000']]]],
    ['sh -c "python manage.py migrate && python manage.py runserver 0.0.0.0:8000"', [['runserver', ['0.0.0.0:8000']]]],
    // traps: manage.py commands that serve nothing, a lookalike command, gunicorn after migrate
    ['python manage.py migrate', []],
    ['python manage.py runserver_plus 0.0.0.0:8000', []],
    ['python manage.py collectstatic --noinput', []],
    ['sh -c "python manage.py migrate && gunicorn mysite.wsgi"', [['gunicorn', ['mysite.wsgi']]]],
  ];
  for (const [cmd, want] of table)
    assert.deepEqual(
      findInvocations(shlexSplit(cmd)).map((i) => [i.kind, i.args]),
      want,
      cmd,
    );
});

const FLASK_SCRIPT_MANAGE =
  'from app import create_app, db\nfrom flask_script import Manager, Shell\n\napp = create_app("default")\nmanager = Manager(app)\n\nif __name__ == "__main__":\n    manager.run()\n';

test("a Flask-Script manage.py's runserver is Werkzeug's, not Django's: no runserver server; a Django manage.py beside it still is", async () => {
  const notDjango = (path: string) => path.endsWith('manage.py') && !path.includes('web/');
  assert.deepEqual(
    findInvocations(shlexSplit('python manage.py runserver --host 0.0.0.0'), {}, [], { runserverLike: () => false, notDjango }),
    [],
  );
  assert.deepEqual(
    findInvocations(shlexSplit('python web/manage.py runserver 0.0.0.0:8000'), {}, [], {
      runserverLike: () => false,
      notDjango,
    }).map((i) => i.kind),
    ['runserver'],
  );
  const servers = async (files: Record<string, string>) =>
    (await lintFiles(files)).facts.appServers.filter((s) => s.name === 'runserver');
  const flask = await servers({
    'manage.py': FLASK_SCRIPT_MANAGE,
    'app/__init__.py': 'from flask import Flask\ndef create_app(name):\n    return Flask(__name__)\n',
    Dockerfile:
      'FROM python:3\nCOPY . /app\nWORKDIR /app\nENTRYPOINT [ "python", "manage.py"]\nCMD ["runserver", "--host", "0.0.0.0"]\n',
  });
  assert.deepEqual(flask, []);
  // trap: the launch names the Django project's manage.py; a Flask-Script manage.py elsewhere in the tree changes nothing
  const django = await servers({
    ...Object.fromEntries(Object.entries(PROJECT).map(([k, v]) => [`web/${k}`, v])),
    'web/mysite/settings.py': settings([]),
    'tools/manage.py': FLASK_SCRIPT_MANAGE,
    'docker-compose.yml': compose(['command: python web/manage.py runserver 0.0.0.0:8000'], { proxy: false }),
  });
  assert.deepEqual(
    django.map((s) => [s.binds[0]?.host, s.binds[0]?.port]),
    [['0.0.0.0', 8000]],
  );
});

const PROJECT = {
  'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
  'mysite/__init__.py': '',
  'mysite/wsgi.py': WSGI,
};

test('runserver launches: compose (container, published port), systemd unit, Procfile; the bind and --settings as runserver reads them', async () => {
  const servers = async (files: Record<string, string>) =>
    (await lintFiles({ ...PROJECT, 'mysite/settings.py': settings([]), ...files })).facts.appServers.filter(
      (s) => s.name === 'runserver',
    );
  const inCompose = await servers({
    'docker-compose.yml': compose(['command: python manage.py runserver 0.0.0.0:8000', 'ports:', '  - "8000:8000"'], {
      proxy: false,
    }),
  });
  assert.deepEqual(
    inCompose.map((s) => [s.kind, s.launch.via, s.service, s.binds[0]?.host, s.binds[0]?.port, s.binds[0]?.container]),
    [['other', 'compose', 'web', '0.0.0.0', 8000, true]],
  );
  assert.equal(inCompose[0]?.binds[0]?.published?.hostPort, 8000);
  assert.equal(inCompose[0]?.proxyHeaders.value, false);
  const unit = await servers({
    'deploy/app.service': systemdUnit('/srv/venv/bin/python manage.py runserver --settings=mysite.prod'),
  });
  assert.deepEqual(
    unit.map((s) => [
      s.launch.via,
      s.binds[0]?.host,
      s.binds[0]?.port,
      s.binds[0]?.exposure,
      s.env.DJANGO_SETTINGS_MODULE?.value,
    ]),
    [['systemd', '127.0.0.1', 8000, 'loopback', 'mysite.prod']],
  );
  const proc = await servers({ Procfile: 'web: python manage.py runserver 0.0.0.0:$PORT\n' });
  assert.deepEqual(
    proc.map((s) => [s.launch.via, s.binds[0]?.exposure]),
    [['procfile', 'unknown']],
  );
  // trap: a Dockerfile that runs migrations at build time and gunicorn at start runs no runserver
  const build = await servers({
    Dockerfile:
      'FROM python:3.12\nRUN python manage.py collectstatic --noinput\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "mysite.wsgi"]\n',
  });
  assert.deepEqual(build, []);
});

const NGINX_TO_WEB = nginxTls('http://web:8000');

test('chain: nginx container -> runserver in compose service web -> Django: https lost unless SECURE_PROXY_SSL_HEADER', async () => {
  const files = (extra: string[]) => ({
    ...PROJECT,
    'mysite/settings.py': settings(extra),
    'docker-compose.yml': compose(['command: python manage.py runserver 0.0.0.0:8000']),
    'nginx/site.conf': NGINX_TO_WEB,
  });
  const lost = await doctor(files([]));
  assert.match(lost.inventory.found.join('\n'), /runserver 0\.0\.0\.0:8000 .*\[container web\] runs Django/);
  const route = lost.analysis.verdict.routes[0];
  assert.equal(route?.scheme.believed, 'http');
  assert.match(route?.scheme.lostAt?.label ?? '', /runserver/);
  // trap: the header setting is the whole fix; runserver itself trusts nobody and needs no trust list
  const fixed = await doctor(files(["SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')"]));
  assert.equal(fixed.analysis.verdict.routes[0]?.scheme.believed, 'https');
  assert.equal(fixed.analysis.verdict.routes[0]?.scheme.status, 'correct');
});

// ---------------------------------------------------------------------------------------------- the real runserver

const SITE = `
import os
SECRET_KEY = 'x'
DEBUG = True
ALLOWED_HOSTS = ['*']
ROOT_URLCONF = 'ppsite'
INSTALLED_APPS = []
if os.environ.get('PP_PROXY_HEADER'):
    SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')
from django.http import HttpResponse
from django.urls import path
def scheme(request):
    return HttpResponse('%s %s' % (request.scheme, request.META.get('HTTP_X_FORWARDED_PROTO', '-')))
urlpatterns = [path('', scheme)]
`;

const ask = (port: number, header: string) => getBody({ port }, { Host: 'example.com', [header]: 'https' });

async function realRunserver(proxyHeader: boolean): Promise<{ plain: string | undefined; underscore: string | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-runserver-'));
  writeFileSync(join(dir, 'ppsite.py'), SITE);
  try {
    const app = await startOnFreePorts({
      name: 'django runserver',
      ports: 1,
      command: ([port]) => ({
        cmd: '/usr/bin/python3',
        args: ['-m', 'django', 'runserver', `127.0.0.1:${port}`, '--noreload', '--settings=ppsite'],
        cwd: dir,
        env: {
          PATH: '/usr/bin:/bin',
          LANG: 'C.UTF-8',
          PYTHONPATH: dir,
          PYTHONDONTWRITEBYTECODE: '1',
          ...(proxyHeader ? { PP_PROXY_HEADER: '1' } : {}),
        },
      }),
      // Only this app answers "<scheme> <header>".
      ready: async ([port]) => /^https? /.test((await ask(port as number, 'X-Forwarded-Proto')) ?? ''),
      polls: 600,
    });
    try {
      const port = app.ports[0] as number;
      return { plain: await ask(port, 'X-Forwarded-Proto'), underscore: await ask(port, 'X_Forwarded_Proto') };
    } finally {
      await app.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('real Django runserver (Debian 3.2): loopback X-Forwarded-Proto is not trusted by the server; the header reaches META; the doctor agrees', async () => {
  const bare = await realRunserver(false);
  // Unlike gunicorn, which trusts 127.0.0.1 by default: runserver turns no header into a scheme.
  assert.equal(bare.plain, 'http https');
  // A header name with an underscore never reaches Django (basehttp.py get_environ).
  assert.equal(bare.underscore, 'http -');
  const withSetting = await realRunserver(true);
  assert.equal(withSetting.plain, 'https https');
  // The same deployment as files: nginx on the host in front of runserver started by a unit on 127.0.0.1:8000.
  const files = (extra: string[]) => ({
    ...PROJECT,
    'mysite/settings.py': settings(extra),
    'deploy/app.service': systemdUnit('/usr/bin/python3 manage.py runserver 127.0.0.1:8000'),
    'nginx/site.conf': nginxTls('http://127.0.0.1:8000'),
  });
  assert.equal((await doctor(files([]))).analysis.verdict.routes[0]?.scheme.believed, 'http');
  assert.equal(
    (await doctor(files(["SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')"]))).analysis.verdict.routes[0]?.scheme
      .believed,
    'https',
  );
});
