// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} here is shell/compose syntax under test, not a template
/** Parsers of the files that start app servers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dockerArgv,
  interpolate,
  parseCompose,
  parseComposePort,
  parseDockerfile,
  parseEnvFile,
  parseProcfile,
  parseSupervisord,
  parseSystemdUnit,
  supervisordEnvironment,
  systemdEnvironment,
  systemdExecArgv,
} from '../../src/collectors/deploy/formats.js';

test('systemd: sections, continuation lines, comments, repeated and reset Environment=', () => {
  const u = parseSystemdUnit(
    [
      '[Service]',
      '# comment',
      'Environment=A=1 "B=two words"',
      'Environment=C=3',
      'ExecStart=/venv/bin/gunicorn \\',
      '    --bind 0.0.0.0:8000 \\',
      '; a comment inside',
      '    app:app',
      'Environment=',
      'Environment=D=4',
    ].join('\n'),
  );
  const svc = u.sections.get('Service');
  assert.deepEqual(svc?.get('ExecStart'), [{ value: '/venv/bin/gunicorn  --bind 0.0.0.0:8000   app:app', line: 5 }]);
  assert.deepEqual(Object.keys(systemdEnvironment(svc?.get('Environment') ?? [])), ['D']);
  assert.deepEqual(systemdEnvironment([{ value: 'A=1 "B=two words"', line: 3 }]), {
    A: { value: '1', line: 3 },
    B: { value: 'two words', line: 3 },
  });
});

test('systemd ExecStart: prefixes, quoting, $VAR word-splitting and ${VAR}', () => {
  assert.deepEqual(systemdExecArgv('-/usr/bin/gunicorn --bind "0.0.0.0:8000" $OPTS app:app', { OPTS: '-w 3 -k gevent' }).argv, [
    '/usr/bin/gunicorn',
    '--bind',
    '0.0.0.0:8000',
    '-w',
    '3',
    '-k',
    'gevent',
    'app:app',
  ]);
  assert.deepEqual(systemdExecArgv('/usr/bin/gunicorn -b ${BIND} app:app', { BIND: '127.0.0.1:1' }).argv, [
    '/usr/bin/gunicorn',
    '-b',
    '127.0.0.1:1',
    'app:app',
  ]);
  assert.deepEqual(systemdExecArgv('/usr/bin/gunicorn -b $BIND app:app', {}).unresolved, ['BIND']);
  assert.deepEqual(systemdExecArgv('@/usr/bin/gunicorn gunicorn-name -b x app:app', {}).argv, [
    '/usr/bin/gunicorn',
    '-b',
    'x',
    'app:app',
  ]);
});

test('Dockerfile: last stage only, ENV forms, EXPOSE, exec and shell CMD, ENTRYPOINT + CMD', () => {
  const df = parseDockerfile(
    [
      'FROM node:20 AS assets',
      'ENV NOT_MINE=1',
      'CMD ["npm", "start"]',
      'FROM python:3.12-slim',
      'ENV PORT=8000 \\',
      '    FORWARDED_ALLOW_IPS="*"',
      'ENV LEGACY value with spaces',
      'EXPOSE ${PORT}/tcp 9000',
      'ENTRYPOINT ["/docker-entrypoint.sh"]',
      'CMD ["gunicorn", "app:app"]',
    ].join('\n'),
  );
  assert.equal(df.from, 'python:3.12-slim');
  assert.deepEqual(Object.keys(df.env), ['PORT', 'FORWARDED_ALLOW_IPS', 'LEGACY']);
  assert.equal(df.env.FORWARDED_ALLOW_IPS?.value, '*');
  assert.equal(df.env.FORWARDED_ALLOW_IPS?.line, 5);
  assert.equal(df.env.LEGACY?.value, 'value with spaces');
  assert.deepEqual(
    df.expose.map((e) => e.port),
    [8000, 9000],
  );
  assert.deepEqual(dockerArgv(df)?.argv, ['/docker-entrypoint.sh', 'gunicorn', 'app:app']);
  const shell = parseDockerfile('FROM python\nCMD gunicorn -b 0.0.0.0:$PORT app:app\n');
  assert.deepEqual(dockerArgv(shell)?.argv, ['/bin/sh', '-c', 'gunicorn -b 0.0.0.0:$PORT app:app']);
  const shellEp = parseDockerfile('FROM python\nCMD ["ignored"]\nENTRYPOINT exec gunicorn app:app\n');
  assert.deepEqual(dockerArgv(shellEp)?.argv, ['/bin/sh', '-c', 'exec gunicorn app:app']);
});

test('compose ports: short and long syntax, host IPs, ranges, protocols', () => {
  const p = (x: unknown) => parseComposePort(x).map((r) => `${r.hostIp}|${r.hostPort ?? ''}|${r.containerPort}|${r.protocol}`);
  assert.deepEqual(p('8000:8000'), ['0.0.0.0|8000|8000|tcp']);
  assert.deepEqual(p('127.0.0.1:8000:8000'), ['127.0.0.1|8000|8000|tcp']);
  assert.deepEqual(p('8000'), ['0.0.0.0||8000|tcp']);
  assert.deepEqual(p(8000), ['0.0.0.0||8000|tcp']);
  assert.deepEqual(p('[::1]:8000:80/udp'), ['::1|8000|80|udp']);
  assert.deepEqual(p('8000-8001:9000-9001'), ['0.0.0.0|8000|9000|tcp', '0.0.0.0|8001|9001|tcp']);
  assert.deepEqual(p({ target: 80, published: '8080', host_ip: '127.0.0.1' }), ['127.0.0.1|8080|80|tcp']);
  assert.deepEqual(p({ target: 80, published: 8080 }), ['0.0.0.0|8080|80|tcp']);
});

test('compose: services with lines, merges (<<), interpolation, YAML errors with line', () => {
  const c = parseCompose(
    [
      'x-common: &common',
      '  environment:',
      '    A: "1"',
      'services:',
      '  web:',
      '    <<: *common',
      '    command: gunicorn app:app',
      '    ports:',
      '      - "8000:8000"',
    ].join('\n'),
  );
  assert.equal(c.problems.length, 0);
  const web = c.services[0];
  assert.equal(web?.name, 'web');
  assert.equal(web?.line, 5);
  assert.deepEqual(web?.value.environment, { A: '1' });
  assert.equal(web?.keyLine('command'), 7);
  assert.equal(web?.itemLine('ports', 0), 9);
  const bad = parseCompose('services:\n  web:\n    image: [unclosed\n');
  assert.ok(bad.problems.length > 0);
  assert.ok((bad.problems[0]?.line ?? 0) >= 3);
  assert.deepEqual(interpolate('${A:-x}-${B-y}-$C-$$D', (n) => (n === 'C' ? 'c' : n === 'A' ? '' : undefined)).value, 'x-y-c-$D');
});

test('Procfile, supervisord and env files', () => {
  assert.deepEqual(
    parseProcfile('web: gunicorn app:app --log-file -\nworker: celery -A app worker\n').map((p) => p.process),
    ['web', 'worker'],
  );
  const sv = parseSupervisord(
    '[supervisord]\nnodaemon=true\n\n[program:web]\ncommand=/venv/bin/gunicorn -b 0.0.0.0:8000\n    app:app\nenvironment=FORWARDED_ALLOW_IPS="*",DJANGO_SETTINGS_MODULE="mysite.settings"\n',
  );
  assert.equal(sv[0]?.program, 'web');
  assert.equal(sv[0]?.command?.value, '/venv/bin/gunicorn -b 0.0.0.0:8000 app:app');
  assert.deepEqual(supervisordEnvironment(sv[0]?.environment?.value ?? ''), {
    FORWARDED_ALLOW_IPS: '*',
    DJANGO_SETTINGS_MODULE: 'mysite.settings',
  });
  assert.deepEqual(parseEnvFile('# c\nexport A=1\nB="two words"\nC=x # trailing\n'), {
    A: { value: '1', line: 2 },
    B: { value: 'two words', line: 3 },
    C: { value: 'x', line: 4 },
  });
});
