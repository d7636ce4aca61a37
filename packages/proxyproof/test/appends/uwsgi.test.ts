// collectors/uwsgi: a uWSGI ini as an app server (binds, app target, env), and the chain's uWSGI hop: the scheme
// comes from nginx's HTTPS / UWSGI_SCHEME params or a passed X-Forwarded-Proto (uWSGI's core/protocol.c), as the
// lab's scenario 42 shows with Debian's uwsgi 2.0.21.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uwsgiBind } from '../../src/collectors/uwsgi/collector.js';
import { lintFiles } from '../python/lint-files.js';

const ref = { file: 'uwsgi.ini', line: 1 };

test('uwsgiBind: the address forms uWSGI accepts', () => {
  assert.deepEqual(uwsgiBind('127.0.0.1:8001', ref), { kind: 'tcp', host: '127.0.0.1', port: 8001, exposure: 'loopback', ref });
  assert.equal(uwsgiBind(':8000', ref)?.exposure, 'all-interfaces');
  assert.equal(uwsgiBind('[::]:8000', ref)?.host, '::');
  assert.equal(uwsgiBind('10.0.0.5:3031', ref)?.exposure, 'specific');
  assert.deepEqual(uwsgiBind('/run/uwsgi/app.sock', ref), { kind: 'unix', path: '/run/uwsgi/app.sock', exposure: 'unix', ref });
  assert.equal(uwsgiBind('%(port)', ref)?.port, undefined, 'a placeholder stays unknown');
  assert.equal(uwsgiBind('not an address', ref), null);
});

const INI = (socket: string) =>
  `[uwsgi]\nplugins = python3\nchdir = /srv/app\nmodule = mysite.wsgi:application\nenv = DJANGO_SETTINGS_MODULE=mysite.settings\n${socket}\n`;
const SETTINGS = "SECRET_KEY = 'x'\nALLOWED_HOSTS = ['a.test']\n";
const NGINX = (params: string) =>
  `http { server { listen 443 ssl; server_name a.test; location / { uwsgi_pass 127.0.0.1:8001; ${params} } } }\n`;
const PARAMS_NO_HTTPS = 'uwsgi_param QUERY_STRING $query_string; uwsgi_param REQUEST_METHOD $request_method;';

for (const c of [
  {
    name: 'a uwsgi socket: the app server, its bind, target and env',
    files: { 'uwsgi.ini': INI('socket = 127.0.0.1:8001'), 'mysite/settings.py': SETTINGS },
    want: { count: 1, bind: '127.0.0.1:8001' },
  },
  {
    name: 'uwsgi-socket is the same',
    files: { 'uwsgi.ini': INI('uwsgi-socket = 127.0.0.1:8001') },
    want: { count: 1, bind: '127.0.0.1:8001' },
  },
  {
    name: 'an http-socket is an HTTP bind of the app server (no uwsgi protocol)',
    files: { 'uwsgi.ini': INI('http-socket = 127.0.0.1:8000'), 'mysite/settings.py': SETTINGS },
    want: { count: 1, bind: '127.0.0.1:8000', protocol: undefined },
  },
  {
    name: 'trap: if-not-env / if-env alternatives are one bind (the one used when the variable is unset), not two',
    files: {
      'uwsgi.ini': INI(
        'if-not-env = LISTEN_IPV6\nhttp-socket = 127.0.0.1:8000\nendif =\nif-env = LISTEN_IPV6\nhttp-socket = [::]:8000\nendif =',
      ),
      'mysite/settings.py': SETTINGS,
    },
    want: { count: 1, bind: '127.0.0.1:8000', binds: 1 },
  },
  {
    name: 'a .conf whose path names uWSGI (`uwsgi --ini /app/etc/uwsgi.conf`) is read like an ini',
    files: { 'etc/uwsgi.conf': INI('socket = 127.0.0.1:8001'), 'mysite/settings.py': SETTINGS },
    want: { count: 1, bind: '127.0.0.1:8001' },
  },
  {
    name: 'a .cfg under a uwsgi folder is read too',
    files: { 'deploy/uwsgi/site.cfg': INI('http-socket = 127.0.0.1:8000'), 'mysite/settings.py': SETTINGS },
    want: { count: 1, bind: '127.0.0.1:8000' },
  },
  {
    name: 'trap: a .conf named uwsgi without a [uwsgi] section (nginx params) is no app server',
    files: { 'nginx/uwsgi.conf': 'uwsgi_param QUERY_STRING $query_string;\n', 'mysite/settings.py': SETTINGS },
    want: { count: 0 },
  },
  {
    name: 'trap: an ini of something else is not uWSGI',
    files: { 'tox.ini': '[tox]\nenvlist = py311\n', 'mysite/settings.py': SETTINGS },
    want: { count: 0 },
  },
]) {
  test(`uwsgi collector: ${c.name}`, async () => {
    const { facts, notRead } = await lintFiles(c.files);
    const servers = facts.appServers.filter((s) => s.name === 'uwsgi');
    assert.equal(servers.length, c.want.count);
    const s = servers[0];
    if (s && 'binds' in c.want) assert.equal(s.binds.length, c.want.binds);
    if (s && 'protocol' in c.want) assert.equal(s.binds[0]?.protocol, c.want.protocol);
    if (s && c.want.bind) {
      assert.equal(`${s.binds[0]?.host}:${s.binds[0]?.port}`, c.want.bind);
      assert.equal(s.appTarget, 'mysite.wsgi:application');
      assert.equal(s.env.DJANGO_SETTINGS_MODULE?.value, 'mysite.settings');
    }
    if (c.want.notRead)
      assert.ok(
        notRead.some((n) => n.file.endsWith('uwsgi.ini') && c.want.notRead?.test(n.reason)),
        JSON.stringify(notRead),
      );
  });
}

test('chain: nginx TLS -> uwsgi_pass without HTTPS: Django believes http, lost at nginx; with HTTPS $https: https', async () => {
  const { runDoctor } = await import('../../src/chain/run.js');
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  for (const [params, want] of [
    [PARAMS_NO_HTTPS, 'http'],
    [`${PARAMS_NO_HTTPS} uwsgi_param HTTPS $https if_not_empty;`, 'https'],
    [`${PARAMS_NO_HTTPS} uwsgi_param UWSGI_SCHEME $scheme;`, 'https'],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'pp-uwsgi-'));
    try {
      mkdirSync(join(dir, 'mysite'));
      writeFileSync(join(dir, 'uwsgi.ini'), INI('socket = 127.0.0.1:8001'));
      writeFileSync(join(dir, 'mysite', 'settings.py'), SETTINGS);
      writeFileSync(join(dir, 'nginx.conf'), NGINX(params));
      const { analysis } = await runDoctor([dir]);
      const routes = analysis.verdict.routes;
      assert.ok(routes.length > 0, params);
      for (const r of routes) {
        assert.equal(r.scheme.believed, want, `${params}: ${r.scheme.lostAt?.reason ?? r.scheme.status}`);
        if (want === 'http') assert.equal(r.scheme.lostAt?.label.split(' ')[0], 'nginx');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

async function doctorOn(files: Record<string, string>) {
  const { runDoctor } = await import('../../src/chain/run.js');
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'pp-uwsgi-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const r = await runDoctor([dir]);
    return { verdict: r.analysis.verdict, findings: r.all.findings };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("chain: uwsgi_param HTTP_X_FORWARDED_PROTO replaces the client's header (nginx skips it): a plain listener stops being spoofable", async () => {
  const nginx = (params: string) =>
    `http { server { listen 80; server_name a.test; location / { uwsgi_pass 127.0.0.1:8001; ${PARAMS_NO_HTTPS} ${params} } } }\n`;
  const files = (params: string) => ({
    'uwsgi.ini': INI('socket = 127.0.0.1:8001'),
    'mysite/settings.py': SETTINGS,
    'nginx.conf': nginx(params),
  });
  const open = await doctorOn(files('uwsgi_param UWSGI_SCHEME $scheme;'));
  const spoof = open.verdict.entrySpoofs.find((s) => s.what.includes('scheme'));
  assert.ok(spoof, 'UWSGI_SCHEME alone: the client X-Forwarded-Proto: https reaches uWSGI after it and wins');
  const finding = open.findings.find((f) => f.id === 'chain/spoofable-backend');
  assert.ok(
    finding?.fix?.lines?.some((l) => /uwsgi_param HTTP_X_FORWARDED_PROTO \$scheme;/.test(l)),
    JSON.stringify(finding?.fix),
  );
  assert.ok(!finding?.fix?.lines?.some((l) => /proxy_set_header/.test(l)), 'a proxy_set_header is ignored by uwsgi_pass');
  const closed = await doctorOn(files('uwsgi_param UWSGI_SCHEME $scheme; uwsgi_param HTTP_X_FORWARDED_PROTO $scheme;'));
  assert.deepEqual(
    closed.verdict.entrySpoofs.filter((s) => s.what.includes('scheme')),
    [],
    'the param replaces the client header',
  );
});

test('chain: a published http-socket run by its compose service is that container; a scheme-only spoof is info with no proxy in the files, medium with one', async () => {
  const compose = (ports: string) =>
    `services:\n  web:\n    build: .\n    ports:\n      - "${ports}"\n    command: bash -c 'sleep 1; uwsgi /opt/app/docker/uwsgi.ini'\n`;
  const files = {
    'docker/uwsgi.ini': INI('http-socket = :8000'),
    'docker/docker-compose.yml': compose('8000:8000'),
    'mysite/settings.py': SETTINGS,
  };
  const alone = await doctorOn(files);
  const backend = alone.verdict.backends.find((b) => b.label.startsWith('uwsgi'));
  assert.match(
    backend?.reachableFrom ?? '',
    /published on 0\.0\.0\.0 at .*docker-compose\.yml:5/,
    "the ini's bind is the compose container's",
  );
  const info = alone.findings.filter((f) => f.id === 'chain/spoofable-backend');
  assert.deepEqual(
    info.map((f) => [f.severity, f.evidence[0]?.file.split('/').pop(), f.evidence[0]?.line]),
    [['info', 'uwsgi.ini', 6]],
    'uWSGI believes X-Forwarded-Proto from anyone (scheme only); the proxy is outside the files: info',
  );
  // With a proxy in the files the same published port is a real bypass: one step below gunicorn's trust-all (high).
  const withProxy = await doctorOn({
    ...files,
    'nginx.conf':
      'http { server { listen 443 ssl; server_name a.test; location / { proxy_pass http://127.0.0.1:8000; proxy_set_header X-Forwarded-Proto $scheme; } } }\n',
  });
  const direct = withProxy.findings.filter(
    (f) => f.id === 'chain/spoofable-backend' && (f.data as { via?: string })?.via === 'direct',
  );
  assert.deepEqual([...new Set(direct.map((f) => f.severity))], ['medium'], JSON.stringify(direct.map((f) => f.message)));
});

// `uwsgi --ini FILE` loads a config of any suffix; a bare argument is a config only as `*.ini` (checked on Debian's
// uwsgi 2.0.21: `uwsgi a.conf` says "unable to load configuration from a.conf", `uwsgi --ini a.conf` and
// `uwsgi a.ini` start).
for (const c of [
  { name: '`--ini` naming a .conf: the server runs in that service', command: 'uwsgi --ini /srv/etc/uwsgi.conf', want: 'web' },
  { name: '`--ini=` naming a .conf: the same', command: 'uwsgi --ini=/srv/etc/uwsgi.conf', want: 'web' },
  {
    name: 'trap: a bare .conf argument is no config uWSGI loads: not placed',
    command: 'uwsgi /srv/etc/uwsgi.conf',
    want: undefined,
  },
])
  test(`uwsgi collector, compose launch: ${c.name}`, async () => {
    const { facts } = await lintFiles({
      'etc/uwsgi.conf': INI('http-socket = :8000'),
      'docker-compose.yml': `services:\n  web:\n    build: .\n    command: ${c.command}\n`,
      'mysite/settings.py': SETTINGS,
    });
    const servers = facts.appServers.filter((s) => s.name === 'uwsgi');
    assert.deepEqual(
      servers.map((s) => s.service),
      [c.want],
    );
  });

// The compose command runs a script of the tree (`command: /opt/app/run.sh`) whose last line starts uWSGI.
for (const c of [
  { name: 'the script starts uWSGI with the ini: the server runs in that service', line: 'uwsgi /etc/uwsgi.ini', want: 'web' },
  {
    name: 'trap: the ini only in a comment of the script: not placed',
    line: '# uwsgi /etc/uwsgi.ini\ncelery worker',
    want: undefined,
  },
])
  test(`uwsgi collector, compose script launch: ${c.name}`, async () => {
    const { facts } = await lintFiles({
      'worker/uwsgi.ini': INI('http-socket = 0.0.0.0:59999'),
      'worker/run.sh': `#!/bin/bash\necho 'Starting...'\n${c.line}\n`,
      'docker-compose.yml': 'services:\n  web:\n    build: worker\n    command: /opt/app/run.sh\n',
      'mysite/settings.py': SETTINGS,
    });
    assert.deepEqual(
      facts.appServers.filter((s) => s.name === 'uwsgi').map((s) => s.service),
      [c.want],
    );
  });
