/** The python collector on small real-looking projects (through the real engine). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compose, settings, WSGI } from './fixtures.js';
import { lintFiles } from './lint-files.js';

const split = {
  'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings.dev')\n",
  'mysite/__init__.py': '',
  'mysite/settings/__init__.py': '',
  'mysite/settings/base.py': settings(["ALLOWED_HOSTS = ['localhost']", 'SESSION_COOKIE_SECURE = True']),
  'mysite/settings/dev.py': 'from .base import *\nDEBUG = True\n',
  'mysite/settings/production.py':
    "import os\nfrom .base import *\nALLOWED_HOSTS = os.environ.get('HOSTS', 'example.com').split(',')\nSECURE_SSL_REDIRECT = os.environ.get('SSL_REDIRECT', 'off') == 'on'\n",
};

test('split settings: DJANGO_SETTINGS_MODULE from compose picks production.py; base.py values keep their own lines', async () => {
  const { facts } = await lintFiles({
    ...split,
    'docker-compose.yml': compose([
      'command: gunicorn mysite.wsgi -b 0.0.0.0:8000',
      'environment:',
      '  DJANGO_SETTINGS_MODULE: mysite.settings.production',
      '  HOSTS: a.example,b.example',
      '  SSL_REDIRECT: "on"',
    ]),
  });
  const dj = facts.frameworks.filter((f) => f.kind === 'django');
  assert.equal(dj.length, 1);
  const fw = dj[0];
  assert.equal(fw?.file, 'mysite/settings/production.py');
  assert.equal(fw?.module, 'mysite.settings.production');
  assert.deepEqual(fw?.allowedHosts?.value, ['a.example', 'b.example']);
  assert.equal(fw?.allowedHosts?.origin, 'env');
  assert.equal(fw?.allowedHosts?.envVar, 'HOSTS');
  assert.equal(fw?.sslRedirect?.value, true);
  assert.equal(fw?.sessionCookieSecure?.value, true);
  assert.deepEqual(
    fw?.sessionCookieSecure?.ref && { file: fw.sessionCookieSecure.ref.file, line: fw.sessionCookieSecure.ref.line },
    { file: 'mysite/settings/base.py', line: 8 },
  );
  assert.equal(fw?.settings.DJANGO_SETTINGS_MODULE?.value, 'mysite.settings.production');
  assert.equal(fw?.schemeHeader?.value, null);
  assert.equal(fw?.usesServerScheme, true);
});

test('no deployment: manage.py alone picks dev; wsgi.py (what servers load) outranks it; env defaults are used', async () => {
  const dev = await lintFiles(split);
  assert.deepEqual(
    dev.facts.frameworks.map((f) => f.module),
    ['mysite.settings.dev'],
  );
  const prod = await lintFiles({ ...split, 'mysite/wsgi.py': WSGI.replace('mysite.settings', 'mysite.settings.production') });
  const mods = prod.facts.frameworks.map((f) => f.module).sort();
  assert.deepEqual(mods, ['mysite.settings.production']);
  const p = prod.facts.frameworks.find((f) => f.module === 'mysite.settings.production');
  assert.deepEqual(p?.allowedHosts?.value, ['example.com']);
  assert.equal(p?.sslRedirect?.value, false);
  assert.equal(p?.sslRedirect?.envVar, 'SSL_REDIRECT');
});

test('without any DJANGO_SETTINGS_MODULE the production-named leaf is chosen; absolute star imports resolve', async () => {
  const files = {
    ...split,
    'manage.py': 'print(1)\n',
    'mysite/settings/production.py': 'from mysite.settings.base import *\nSECURE_SSL_REDIRECT = True\n',
  };
  const { facts } = await lintFiles(files);
  assert.deepEqual(
    facts.frameworks.map((f) => f.module),
    ['mysite.settings.production'],
  );
  assert.deepEqual(facts.frameworks[0]?.allowedHosts?.value, ['localhost']);
});

test('Django version comes from requirements.txt; else Debian 12 (3.2) is assumed and said so', async () => {
  const pinned = await lintFiles({
    'settings.py': settings([]),
    'requirements.txt': 'gunicorn==23.0.0\nDjango[argon2]==4.2.16\n',
  });
  assert.equal(pinned.facts.frameworks[0]?.assumedVersion, '4.2.16');
  const unpinned = await lintFiles({ 'settings.py': settings([]) });
  assert.equal(unpinned.facts.frameworks[0]?.assumedVersion, '3.2');
  assert.match(String(unpinned.facts.frameworks[0]?.settings.__versionNote?.value), /not pinned/);
});

test('a Python syntax error is a diagnostic with file:line and the rest of the lint goes on', async () => {
  const { facts, findings } = await lintFiles({
    'mysite/settings.py': settings(['SECURE_SSL_REDIRECT = True', 'ALLOWED_HOSTS = [', "CSRF_TRUSTED_ORIGINS = ['x'"]),
    'app.service': '[Service]\nExecStart=gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app\n',
  });
  const d = facts.diagnostics.find((x) => x.file === 'mysite/settings.py');
  assert.ok(d, JSON.stringify(facts.diagnostics));
  // Under a folder: a warning, the rest is analysed (named on the command line it is an error, exit 2).
  assert.equal(d?.level, 'warning');
  assert.ok((d?.line ?? 0) >= 8, `line ${d?.line}`);
  assert.equal(facts.frameworks[0]?.sslRedirect?.value, true);
  assert.ok(findings.some((f) => f.id === 'gunicorn/forwarded-allow-all'));
});

test('files over the size cap are skipped with a note, not read', async () => {
  const big = `SECURE_SSL_REDIRECT = True\n${'# padding\n'.repeat(120_000)}`;
  const { facts, notRead } = await lintFiles({ 'settings.py': big, 'app.service': '[Service]\nExecStart=gunicorn app:app\n' });
  assert.equal(facts.frameworks.length, 0);
  assert.ok(facts.diagnostics.some((d) => d.level === 'note' && d.file === 'settings.py' && /over the/.test(d.message)));
  assert.ok(
    notRead.some(
      (n) =>
        n.file === 'settings.py' &&
        /^too large: \d+ bytes, over the 1 MB limit for deployment files and app source; not read$/.test(n.reason),
    ),
    JSON.stringify(notRead),
  );
  // Alone, nothing usable is left: a usage error that names the reason.
  await assert.rejects(
    lintFiles({ 'settings.py': big }),
    /settings\.py: too large: \d+ bytes, over the 1 MB limit for deployment files and app source/,
  );
});

test('Flask app factory with ProxyFix (positional and keyword counts); FastAPI ProxyHeadersMiddleware', async () => {
  const { facts } = await lintFiles({
    'web/app.py':
      'from flask import Flask\nfrom werkzeug.middleware.proxy_fix import ProxyFix\n\ndef create_app():\n    app = Flask(__name__)\n    app.config["SESSION_COOKIE_SECURE"] = True\n    app.wsgi_app = ProxyFix(app.wsgi_app, 2, x_host=1)\n    return app\n',
    'api/main.py':
      'import os\nfrom fastapi import FastAPI\nfrom uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware\napp = FastAPI()\napp.add_middleware(ProxyHeadersMiddleware, trusted_hosts=os.environ.get("TRUSTED", "10.0.0.1"))\n',
  });
  const flask = facts.frameworks.find((f) => f.kind === 'flask');
  assert.deepEqual(flask?.hopCounts?.value, { x_for: 2, x_proto: 1, x_host: 1, x_port: 0, x_prefix: 0 });
  assert.equal(flask?.hopCounts?.ref?.line, 7);
  const fastapi = facts.frameworks.find((f) => f.kind === 'fastapi');
  assert.deepEqual((fastapi?.trustProxy?.value as { trustedHosts?: string[] } | undefined)?.trustedHosts, ['10.0.0.1']);
  assert.equal(fastapi?.trustProxy?.origin, 'env');
  assert.equal(fastapi?.trustProxy?.envVar, 'TRUSTED');
});

test('a gunicorn.conf.py no launcher names still yields an app server (via config)', async () => {
  const { facts } = await lintFiles({
    'deploy/gunicorn.conf.py':
      "import os\nbind = os.environ.get('BIND', '0.0.0.0:8000')\nforwarded_allow_ips = '*'\nsecure_scheme_headers = {'X-Forwarded-Proto': 'https'}\n",
  });
  const s = facts.appServers[0];
  assert.equal(s?.launch.via, 'config');
  assert.equal(s?.binds[0]?.host, '0.0.0.0');
  assert.deepEqual(s?.trustedProxies.value, ['*']);
  assert.equal(s?.trustedProxies.ref?.line, 3);
  assert.ok(
    s?.notes?.some((n) => /not upper case/.test(n)),
    'lower-case secure_scheme_headers keys never match in gunicorn',
  );
});

test('uvicorn.run() in code becomes an app server with its keyword arguments', async () => {
  const { facts } = await lintFiles({
    'main.py':
      "import os\nimport uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\nif __name__ == '__main__':\n    uvicorn.run('main:app', host=os.getenv('HOST', '0.0.0.0'), port=8000, proxy_headers=False)\n",
  });
  const s = facts.appServers[0];
  assert.equal(s?.kind, 'uvicorn');
  assert.equal(s?.launch.via, 'code');
  assert.equal(s?.launch.line, 6);
  assert.equal(s?.binds[0]?.host, '0.0.0.0');
  assert.equal(s?.proxyHeaders.value, false);
  assert.ok(s?.notes?.some((n) => /HOST/.test(n)));
});

// uvicorn.run() keywords whose value only the run knows, and the development reloader in a function only the main
// block calls. `bind`: the first bind's host:port and exposure; `trusted`: forwarded_allow_ips as read; undefined
// server: not a deployed server.
const APP_HEAD = 'import uvicorn\nfrom fastapi import FastAPI\nfrom .config import settings\napp = FastAPI()\n\n';
for (const c of [
  {
    name: 'invalid before: host=/port=/forwarded_allow_ips= from a settings object are unknown, not 127.0.0.1:8000 and 127.0.0.1',
    code: 'def main():\n    uvicorn.run("main:app", host=settings.API_HOST, port=settings.API_PORT, forwarded_allow_ips=settings.HOST_IP)\n\n\nif __name__ == "__main__":\n    main()\n',
    want: { bind: '$host:undefined unknown', trusted: '$forwarded_allow_ips' },
  },
  {
    name: 'literal keywords keep their values',
    code: 'def main():\n    uvicorn.run("main:app", host="0.0.0.0", port=9000, forwarded_allow_ips="*")\n\n\nif __name__ == "__main__":\n    main()\n',
    want: { bind: '0.0.0.0:9000 all-interfaces', trusted: '*' },
  },
  {
    name: 'reload=True in a function only the main block calls: a development entry point, no server',
    code: 'def main():\n    uvicorn.run("main:app", host="0.0.0.0", port=8000, reload=True, forwarded_allow_ips="*")\n\n\nif __name__ == "__main__":\n    main()\n',
    want: undefined,
  },
  {
    name: 'trap: reload=True in a function the module itself calls at import time is not only a hand start: kept',
    code: 'def serve():\n    uvicorn.run("main:app", host="0.0.0.0", port=8000, reload=True)\n\n\nserve()\n\nif __name__ == "__main__":\n    serve()\n',
    want: { bind: '0.0.0.0:8000 all-interfaces', trusted: '127.0.0.1' },
  },
])
  test(`uvicorn.run(): ${c.name}`, async () => {
    const { facts } = await lintFiles({ 'main.py': APP_HEAD + c.code, 'config.py': 'settings = None\n' });
    const s = facts.appServers.find((x) => x.kind === 'uvicorn');
    if (!c.want) {
      assert.equal(s, undefined, JSON.stringify(s?.binds));
      return;
    }
    const b = s?.binds[0];
    assert.equal(`${b?.host}:${b?.port} ${b?.exposure}`, c.want.bind);
    assert.equal(s?.trustedProxies.value.join(','), c.want.trusted);
  });

// ------------------------------------------------------------------ DJANGO_SETTINGS_MODULE followed to any module (r5i12)

const anyName = {
  'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.conf.local')\n",
  'shop/__init__.py': '',
  'shop/conf/__init__.py': '',
  'shop/conf/common.py': settings(["ALLOWED_HOSTS = ['localhost']"]),
  'shop/conf/local.py': 'from .common import *\nDEBUG = True\n',
  // Named by nothing but DJANGO_SETTINGS_MODULE: no Django marker, no "settings" in its path.
  'shop/conf/live.py': 'from .common import *\nDEBUG = False\nSESSION_COOKIE_SECURE = True\n',
};

test('DJANGO_SETTINGS_MODULE names a module of any name: a systemd Environment= picks shop/conf/live.py', async () => {
  const { facts } = await lintFiles({
    ...anyName,
    'shop.service':
      '[Service]\nEnvironment=DJANGO_SETTINGS_MODULE=shop.conf.live\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 shop.wsgi\n',
  });
  const dj = facts.frameworks.filter((f) => f.kind === 'django');
  assert.deepEqual(
    dj.map((f) => f.file),
    ['shop/conf/live.py'],
  );
  assert.equal(dj[0]?.sessionCookieSecure?.value, true);
  assert.equal(dj[0]?.sessionCookieSecure?.ref?.line, 3);
  assert.equal(dj[0]?.settings.DJANGO_SETTINGS_MODULE?.ref?.file, 'shop.service');
});

test('Dockerfile ENV DJANGO_SETTINGS_MODULE and a wsgi variant module (wsgi_production.py) are followed too', async () => {
  const docker = await lintFiles({
    ...anyName,
    Dockerfile:
      'FROM python:3.12\nENV DJANGO_SETTINGS_MODULE=shop.conf.live\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "shop.wsgi"]\n',
  });
  assert.deepEqual(
    docker.facts.frameworks.map((f) => f.file),
    ['shop/conf/live.py'],
  );
  // The server's entry module sets it with setdefault: it outranks manage.py's dev default.
  const variant = await lintFiles({
    ...anyName,
    'shop/wsgi_production.py':
      "import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.conf.live')\napplication = get_wsgi_application()\n",
  });
  assert.deepEqual(
    variant.facts.frameworks.map((f) => f.file),
    ['shop/conf/live.py'],
  );
});

test("os.environ['DJANGO_SETTINGS_MODULE'] = ... in wsgi.py overwrites the deployment's value; in manage.py it is only a dev default", async () => {
  const forced = await lintFiles({
    ...anyName,
    'shop/wsgi.py':
      "import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ['DJANGO_SETTINGS_MODULE'] = 'shop.conf.live'\napplication = get_wsgi_application()\n",
    'shop.service':
      '[Service]\nEnvironment=DJANGO_SETTINGS_MODULE=shop.conf.local\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 shop.wsgi\n',
  });
  assert.deepEqual(
    forced.facts.frameworks.map(
      (f) => `${f.file} ${f.settings.DJANGO_SETTINGS_MODULE?.ref?.file}:${f.settings.DJANGO_SETTINGS_MODULE?.ref?.line}`,
    ),
    ['shop/conf/live.py shop/wsgi.py:3'],
  );
  // Trap: a module name that is no file of the tree is a note, never a guess.
  const missing = await lintFiles({
    ...anyName,
    'shop.service':
      '[Service]\nEnvironment=DJANGO_SETTINGS_MODULE=shop.conf.staging\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 shop.wsgi\n',
  });
  assert.ok(
    missing.facts.diagnostics.some((d) =>
      /DJANGO_SETTINGS_MODULE=shop\.conf\.staging is not among the linted files/.test(d.message),
    ),
  );
  assert.ok(!missing.facts.frameworks.some((f) => f.file === 'shop/conf/live.py'));
});

test('asgi.py (what uvicorn/daphne load) names the settings module: myproj.conf.live, not the dev module beside it', async () => {
  const files = {
    'myproj/__init__.py': '',
    'myproj/conf/__init__.py': '',
    'myproj/conf/live.py': 'DEBUG = False\nALLOWED_HOSTS = ["shop.example.com"]\nSECURE_SSL_REDIRECT = True\n',
    'myproj/conf/dev.py': 'DEBUG = True\nALLOWED_HOSTS = ["*"]\n',
    'myproj/asgi.py':
      'import os\nfrom django.core.asgi import get_asgi_application\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproj.conf.live")\napplication = get_asgi_application()\n',
    'app.service': '[Service]\nExecStart=/usr/bin/uvicorn myproj.asgi:application --host 127.0.0.1 --port 8000\n',
  };
  const { facts } = await lintFiles(files);
  assert.deepEqual(
    facts.frameworks.map(
      (f) => `${f.module} ${f.settings.DJANGO_SETTINGS_MODULE?.ref?.file}:${f.settings.DJANGO_SETTINGS_MODULE?.ref?.line}`,
    ),
    ['myproj.conf.live myproj/asgi.py:3'],
  );
  assert.equal(facts.frameworks[0]?.sslRedirect?.value, true);
  // Trap: without asgi.py nothing names a module; the dev-looking module is not taken for production.
  const bare = await lintFiles(Object.fromEntries(Object.entries(files).filter(([name]) => name !== 'myproj/asgi.py')));
  assert.ok(
    !bare.facts.frameworks.some((f) => f.module === 'myproj.conf.dev'),
    bare.facts.frameworks.map((f) => f.module).join(', '),
  );
});
