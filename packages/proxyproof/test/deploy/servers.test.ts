// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} here is shell/compose syntax under test, not a template
/** Command-line parsing per server, as each parses it (argparse for gunicorn/daphne/hypercorn, click for uvicorn). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAppServer, type LaunchContext } from '../../src/collectors/deploy/appserver.js';
import { findInvocations, parseServerArgs } from '../../src/collectors/deploy/servers.js';
import { shlexSplit, splitCommands } from '../../src/collectors/deploy/shell.js';
import type { Valued } from '../../src/model/facts.js';

function facts(cmd: string, env: Record<string, string> = {}, extra: Partial<LaunchContext> = {}) {
  const invs = findInvocations(shlexSplit(cmd));
  assert.equal(invs.length, 1, `one invocation in ${cmd}`);
  const e: Record<string, Valued<string>> = {};
  for (const [k, v] of Object.entries(env)) e[k] = { value: v, origin: 'env', envVar: k };
  return buildAppServer(invs[0] as never, {
    via: 'systemd',
    ref: { file: 'x.service', line: 1 },
    env: e,
    container: false,
    notes: [],
    versions: {},
    ...extra,
  });
}
const binds = (f: ReturnType<typeof facts>) =>
  f.binds.map((b) => (b.kind === 'unix' ? `unix:${b.path}` : b.kind === 'fd' ? `fd:${b.path}` : `${b.host}:${b.port}`));

test('gunicorn: bind forms and repetition (-b, --bind=, -bVALUE, abbreviations, unix:, fd://, [::])', () => {
  const table: Array<[string, string[]]> = [
    ['gunicorn app:app', ['127.0.0.1:8000']],
    ['gunicorn -b 0.0.0.0:8000 app:app', ['0.0.0.0:8000']],
    ['gunicorn --bind=0.0.0.0:9000 app:app', ['0.0.0.0:9000']],
    ['gunicorn -b0.0.0.0:7000 app:app', ['0.0.0.0:7000']],
    ['gunicorn --bi 10.1.1.1:80 app:app', ['10.1.1.1:80']],
    ['gunicorn -b 127.0.0.1:8000 -b [::1]:8000 app:app', ['127.0.0.1:8000', '::1:8000']],
    ['gunicorn -b unix:/run/gunicorn.sock app:app', ['unix:/run/gunicorn.sock']],
    ['gunicorn -b unix:///run/g.sock app:app', ['unix:/run/g.sock']],
    ['gunicorn -b fd://3 app:app', ['fd:3']],
    ['gunicorn -b :8000 app:app', [':8000']],
    ['gunicorn -b localhost app:app', ['localhost:8000']],
    ['gunicorn -D -w 3 -k gevent --bind 0.0.0.0:80 app:app', ['0.0.0.0:80']],
  ];
  for (const [cmd, want] of table) assert.deepEqual(binds(facts(cmd)), want, cmd);
  assert.equal(facts('gunicorn -b :8000 app:app').binds[0]?.exposure, 'all-interfaces');
  assert.equal(facts('gunicorn -b unix:/run/g.sock app:app').binds[0]?.reach, 'unix');
  assert.equal(facts('gunicorn -b 0.0.0.0:8000 app:app').binds[0]?.reach, 'network');
  assert.equal(facts('gunicorn -b 127.0.0.1:8000 app:app').binds[0]?.reach, 'loopback');
});

test('gunicorn defaults by version: forwarded_allow_ips 127.0.0.1 (20.1..22), 127.0.0.1,::1 (23+); FORWARDED_ALLOW_IPS env; PORT', () => {
  const d = facts('gunicorn app:app');
  assert.deepEqual(d.trustedProxies.value, ['127.0.0.1']);
  assert.equal(d.trustedProxies.origin, 'default');
  assert.equal(d.assumedVersion, '20.1.0');
  assert.deepEqual(d.schemeHeaders.value, {
    'X-FORWARDED-PROTOCOL': 'ssl',
    'X-FORWARDED-PROTO': 'https',
    'X-FORWARDED-SSL': 'on',
  });
  assert.deepEqual(facts('gunicorn app:app', {}, { versions: { gunicorn: '23.0.0' } }).trustedProxies.value, [
    '127.0.0.1',
    '::1',
  ]);
  const env = facts('gunicorn app:app', { FORWARDED_ALLOW_IPS: '10.0.0.1,10.0.0.2' });
  assert.deepEqual(env.trustedProxies.value, ['10.0.0.1', '10.0.0.2']);
  assert.equal(env.trustedProxies.envVar, 'FORWARDED_ALLOW_IPS');
  assert.deepEqual(facts('gunicorn --forwarded-allow-ips="*" app:app').trustedProxies.value, ['*']);
  assert.deepEqual(binds(facts('gunicorn app:app', { PORT: '5000' })), ['0.0.0.0:5000']);
  assert.deepEqual(binds(facts('gunicorn -b 127.0.0.1:1 app:app', { PORT: '5000' })), ['127.0.0.1:1']);
});

test('gunicorn: GUNICORN_CMD_ARGS sits between the config file and the command line', () => {
  const f = facts('gunicorn app:app', { GUNICORN_CMD_ARGS: '--bind=0.0.0.0:9000 --forwarded-allow-ips=10.0.0.9' });
  assert.deepEqual(binds(f), ['0.0.0.0:9000']);
  assert.deepEqual(f.trustedProxies.value, ['10.0.0.9']);
  const cli = facts('gunicorn -b 127.0.0.1:1 --forwarded-allow-ips 1.2.3.4 app:app', {
    GUNICORN_CMD_ARGS: '--bind=0.0.0.0:9000 --forwarded-allow-ips=10.0.0.9',
  });
  assert.deepEqual(binds(cli), ['127.0.0.1:1']);
  assert.deepEqual(cli.trustedProxies.value, ['1.2.3.4']);
});

test('gunicorn: uvicorn worker reads X-Forwarded-For too; --certfile means TLS on gunicorn', () => {
  const f = facts('gunicorn -k uvicorn.workers.UvicornWorker --certfile c.pem main:app');
  assert.equal(f.workerClass, 'uvicorn.workers.UvicornWorker');
  assert.deepEqual(f.clientAddressHeaders, ['X-Forwarded-For']);
  assert.equal(f.tls, true);
});

test('uvicorn: --host/--port/--uds/--fd, proxy headers on by default, UVICORN_* env, FORWARDED_ALLOW_IPS', () => {
  const d = facts('uvicorn main:app');
  assert.deepEqual(binds(d), ['127.0.0.1:8000']);
  assert.equal(d.proxyHeaders.value, true);
  assert.equal(d.proxyHeaders.origin, 'default');
  assert.deepEqual(d.trustedProxies.value, ['127.0.0.1']);
  assert.deepEqual(binds(facts('uvicorn main:app --host 0.0.0.0 --port=9000')), ['0.0.0.0:9000']);
  assert.deepEqual(binds(facts('uvicorn --uds /tmp/u.sock main:app')), ['unix:/tmp/u.sock']);
  assert.deepEqual(binds(facts('uvicorn --fd 0 main:app')), ['fd:0']);
  assert.equal(facts('uvicorn main:app --no-proxy-headers').proxyHeaders.value, false);
  assert.equal(facts('uvicorn main:app', { UVICORN_PROXY_HEADERS: 'false' }).proxyHeaders.value, false);
  assert.deepEqual(binds(facts('uvicorn main:app', { UVICORN_HOST: '0.0.0.0', UVICORN_PORT: '8080' })), ['0.0.0.0:8080']);
  assert.deepEqual(facts('uvicorn main:app', { FORWARDED_ALLOW_IPS: '*' }).trustedProxies.value, ['*']);
  assert.deepEqual(
    facts('uvicorn main:app', { FORWARDED_ALLOW_IPS: '*', UVICORN_FORWARDED_ALLOW_IPS: '10.0.0.1' }).trustedProxies.value,
    ['10.0.0.1'],
  );
  assert.deepEqual(
    facts("uvicorn main:app --forwarded-allow-ips='10.0.0.1, 10.0.0.2'", { FORWARDED_ALLOW_IPS: '*' }).trustedProxies.value,
    ['10.0.0.1', '10.0.0.2'],
  );
  // click does not accept abbreviations: --forwarded-allow is an unknown option, not --forwarded-allow-ips
  const abbrev = facts('uvicorn main:app --forwarded-allow 1.1.1.1');
  assert.deepEqual(abbrev.trustedProxies.value, ['127.0.0.1']);
  assert.ok(abbrev.notes?.some((n) => /unknown option --forwarded-allow/.test(n)));
});

test('daphne: -b/-p/-u/--fd/-e, defaults 127.0.0.1:8000, --proxy-headers off by default and trusting everyone when on', () => {
  const d = facts('daphne mysite.asgi:application');
  assert.deepEqual(binds(d), ['127.0.0.1:8000']);
  assert.equal(d.proxyHeaders.value, false);
  assert.deepEqual(binds(facts('daphne -b 0.0.0.0 mysite.asgi:application')), ['0.0.0.0:8000']);
  assert.deepEqual(binds(facts('daphne -p 8001 mysite.asgi:application')), ['127.0.0.1:8001']);
  assert.deepEqual(binds(facts('daphne -u /run/d.sock mysite.asgi:application')), ['unix:/run/d.sock']);
  assert.deepEqual(binds(facts('daphne -e tcp:port=8002:interface=127.0.0.1 mysite.asgi:application')), ['127.0.0.1:8002']);
  const on = facts('daphne --proxy-headers --proxy-headers-host X-Real-IP mysite.asgi:application');
  assert.equal(on.proxyHeaders.value, true);
  assert.deepEqual(on.trustedProxies.value, ['*']);
  assert.deepEqual(on.clientAddressHeaders, ['X-Real-IP', 'X-Forwarded-Port']);
});

test('hypercorn: --bind repeatable, default 127.0.0.1:8000, no proxy headers of its own', () => {
  const d = facts('hypercorn main:app');
  assert.deepEqual(binds(d), ['127.0.0.1:8000']);
  assert.equal(d.proxyHeaders.value, false);
  assert.deepEqual(binds(facts('hypercorn -b 0.0.0.0:8000 --bind unix:/run/h.sock main:app')), [
    '0.0.0.0:8000',
    'unix:/run/h.sock',
  ]);
});

test('wrappers: exec, env, python -m, poetry run, gosu, sh -c, /venv/bin paths; not pip install', () => {
  const kinds = (cmd: string) => findInvocations(shlexSplit(cmd)).map((i) => `${i.kind} ${i.args.join(' ')}`);
  assert.deepEqual(kinds('/srv/app/venv/bin/gunicorn app:app'), ['gunicorn app:app']);
  assert.deepEqual(kinds('python3 -m gunicorn -b 0.0.0.0:1 app:app'), ['gunicorn -b 0.0.0.0:1 app:app']);
  assert.deepEqual(kinds('python -u -m uvicorn main:app'), ['uvicorn main:app']);
  assert.deepEqual(kinds('poetry run uvicorn main:app'), ['uvicorn main:app']);
  assert.deepEqual(kinds('gosu app gunicorn app:app'), ['gunicorn app:app']);
  assert.deepEqual(kinds('env FORWARDED_ALLOW_IPS=* gunicorn app:app'), ['gunicorn app:app']);
  assert.equal(findInvocations(shlexSplit('env FORWARDED_ALLOW_IPS=* gunicorn app:app'))[0]?.env.FORWARDED_ALLOW_IPS, '*');
  assert.deepEqual(kinds('sh -c "python manage.py migrate && exec gunicorn -b 0.0.0.0:8000 app:app"'), [
    'gunicorn -b 0.0.0.0:8000 app:app',
  ]);
  assert.deepEqual(kinds('pip install gunicorn uvicorn'), []);
  // Django's development server is a server too (test/deploy/runserver.test.ts); other manage.py commands are not.
  assert.deepEqual(kinds('python manage.py runserver'), ['runserver ']);
  assert.deepEqual(kinds('python manage.py migrate'), []);
  assert.deepEqual(kinds('echo gunicorn'), []);
});

test('shell splitting: quotes, escapes, ${VAR:-default}, operators, assignments', () => {
  const cmds = splitCommands('A=1 gunicorn -b "0.0.0.0:${PORT:-8000}" \'x y\' a\\ b && echo done; exec uvicorn $APP', (n) =>
    n === 'APP' ? 'main:app' : undefined,
  );
  assert.equal(cmds.length, 3);
  assert.deepEqual(cmds[0]?.assignments, { A: '1' });
  assert.deepEqual(
    cmds[0]?.argv.map((w) => w.text),
    ['gunicorn', '-b', '0.0.0.0:8000', 'x y', 'a b'],
  );
  assert.deepEqual(
    cmds[2]?.argv.map((w) => w.text),
    ['exec', 'uvicorn', 'main:app'],
  );
  const un = splitCommands('gunicorn -b $BIND app:app')[0];
  assert.equal(un?.argv[2]?.unresolved, true);
  assert.deepEqual(shlexSplit(`--bind=0.0.0.0:1 --forwarded-allow-ips="a, b"`), [
    '--bind=0.0.0.0:1',
    '--forwarded-allow-ips=a, b',
  ]);
});

test('parseServerArgs reports unknown options and missing values instead of guessing', () => {
  const p = parseServerArgs('gunicorn', ['--nope', '-b']);
  assert.deepEqual(p.problems, ['unknown option --nope', '-b needs a value']);
  const amb = parseServerArgs('gunicorn', ['--log', 'x']);
  assert.ok(
    amb.problems.some((x) => /unknown option --log/.test(x)),
    'ambiguous prefix is not accepted',
  );
});
