/**
 * Compose override files merged into the base file's service (collectors/deploy/compose-merge.ts): compose runs
 * one container per service name, so `docker-compose.override.yml` (loaded with `docker-compose.yml` by default)
 * or an overlay such as `compose.prod.yml` (a service with neither image nor build: it cannot run alone) changes
 * the base's container and never starts a second app server. Alternative full stacks stay apart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeService } from '../../src/collectors/deploy/compose-merge.js';
import { parseCompose } from '../../src/collectors/deploy/formats.js';
import { lintFiles } from '../python/lint-files.js';

const DOCKERFILE = 'FROM python:3.12\nCOPY . /app\nCMD ["gunicorn", "app.wsgi:application", "--bind", "0.0.0.0:8000"]\n';
const APP = { Dockerfile: DOCKERFILE, 'app/wsgi.py': 'application = None\n' };

/** The gunicorn servers the tree starts: port, trusted proxies, the launch line and the ports' lines. */
async function servers(files: Record<string, string>) {
  const { facts } = await lintFiles({ ...APP, ...files });
  return facts.appServers
    .filter((s) => s.kind === 'gunicorn')
    .map((s) => {
      const svc = facts.compose?.files.flatMap((f) => f.services).find((x) => x.appServers.includes(facts.appServers.indexOf(s)));
      return {
        port: s.binds[0]?.port,
        trusted: s.trustedProxies.value.join(','),
        launch: `${s.launch.file}:${s.launch.line}`,
        service: svc ? `${svc.file}#${svc.name}` : undefined,
        published: (svc?.ports ?? []).map((p) => `${p.ref.file}:${p.ref.line}`).join(' '),
      };
    });
}

const BASE = 'services:\n  web:\n    build: .\n    environment:\n      - FORWARDED_ALLOW_IPS=*\n';

const cases: Array<{
  name: string;
  files: Record<string, string>;
  want: Array<Partial<Awaited<ReturnType<typeof servers>>[number]>>;
}> = [
  {
    name: 'invalid before: docker-compose.override.yml repeating `build: .` is the same container, one gunicorn',
    files: {
      'docker-compose.yml': BASE,
      'docker-compose.override.yml': 'services:\n  web:\n    build: .\n    ports:\n      - "8000:8000"\n',
    },
    want: [
      {
        port: 8000,
        trusted: '*',
        launch: 'Dockerfile:3',
        service: 'docker-compose.yml#web',
        published: 'docker-compose.override.yml:5',
      },
    ],
  },
  {
    name: "the override's command replaces the image's CMD (its line is the launch)",
    files: {
      'docker-compose.yml': BASE,
      'docker-compose.override.yml':
        'services:\n  web:\n    command: gunicorn app.wsgi:application -b 0.0.0.0:8000 --forwarded-allow-ips 10.0.0.1\n',
    },
    want: [{ port: 8000, trusted: '10.0.0.1', launch: 'docker-compose.override.yml:3', service: 'docker-compose.yml#web' }],
  },
  {
    name: "the override's environment wins key by key (FORWARDED_ALLOW_IPS from the override)",
    files: {
      'docker-compose.yml': BASE,
      'compose.override.yaml': 'services:\n  web:\n    environment:\n      FORWARDED_ALLOW_IPS: 172.18.0.0/16\n',
    },
    want: [{ port: 8000, trusted: '172.18.0.0/16', service: 'docker-compose.yml#web' }],
  },
  {
    name: 'an overlay that cannot run alone (compose.prod.yml without image/build) merges into compose.yml',
    files: {
      'compose.yml': BASE,
      'compose.prod.yml': 'services:\n  web:\n    ports:\n      - "127.0.0.1:8000:8000"\n',
    },
    want: [{ port: 8000, service: 'compose.yml#web', published: 'compose.prod.yml:4' }],
  },
  {
    name: 'trap: alternative full stacks (each service with its own build) stay two deployments',
    files: {
      'docker-compose.yml': BASE,
      'docker-compose.staging.yml':
        'services:\n  web:\n    build: .\n    command: gunicorn app.wsgi:application -b 0.0.0.0:9000\n',
    },
    want: [
      { port: 8000, service: 'docker-compose.yml#web' },
      { port: 9000, service: 'docker-compose.staging.yml#web' },
    ],
  },
  {
    name: 'trap: an override service the base does not define is its own container',
    files: {
      'docker-compose.yml': BASE,
      'docker-compose.override.yml':
        'services:\n  admin:\n    build: .\n    command: gunicorn app.wsgi:application -b 0.0.0.0:8002\n',
    },
    want: [
      { port: 8000, service: 'docker-compose.yml#web' },
      { port: 8002, service: 'docker-compose.override.yml#admin' },
    ],
  },
  {
    name: 'include `path: [base, override]`: the override (another folder, any name) merges into the included base service',
    files: {
      'compose.yaml': 'include:\n  - path:\n      - stack/compose.yaml\n      - deploy/prod-env.yml\n',
      'stack/compose.yaml': 'services:\n  web:\n    build: ..\n',
      'deploy/prod-env.yml': 'services:\n  web:\n    environment:\n      FORWARDED_ALLOW_IPS: 172.18.0.0/16\n',
    },
    want: [{ port: 8000, trusted: '172.18.0.0/16', service: 'stack/compose.yaml#web' }],
  },
  {
    name: 'include: the later files of the list win in order; a string item is one file and merges nothing',
    files: {
      'compose.yaml': 'include:\n  - other/compose.yaml\n  - path: [stack/compose.yaml, stack/a.yml, stack/b.yml]\n',
      'stack/compose.yaml': 'services:\n  web:\n    build: ..\n',
      'stack/a.yml': 'services:\n  web:\n    environment:\n      FORWARDED_ALLOW_IPS: 10.0.0.1\n',
      'stack/b.yml': 'services:\n  web:\n    environment:\n      FORWARDED_ALLOW_IPS: 10.0.0.2\n',
      'other/compose.yaml': 'services:\n  admin:\n    build: ..\n    command: gunicorn app.wsgi:application -b 0.0.0.0:8002\n',
    },
    want: [
      { port: 8000, trusted: '10.0.0.2', service: 'stack/compose.yaml#web' },
      { port: 8002, service: 'other/compose.yaml#admin' },
    ],
  },
  {
    name: 'trap: one base included by two stacks with different overrides (nginx / no proxy) takes neither',
    files: {
      'run-nginx.yaml': 'include:\n  - path:\n      - stack/compose.yaml\n      - stack/behind-nginx.yaml\n',
      'run-open.yaml': 'include:\n  - path: [stack/compose.yaml, stack/open.yaml]\n',
      'stack/compose.yaml': 'services:\n  web:\n    build: ..\n',
      'stack/behind-nginx.yaml': 'services:\n  web:\n    environment:\n      FORWARDED_ALLOW_IPS: 172.18.0.0/16\n',
      'stack/open.yaml': 'services:\n  web:\n    environment:\n      FORWARDED_ALLOW_IPS: "*"\n',
    },
    want: [{ port: 8000, trusted: '127.0.0.1', service: 'stack/compose.yaml#web' }],
  },
  {
    name: 'trap: the same override file not named by any include stays apart (another folder is another project)',
    files: {
      'stack/compose.yaml': 'services:\n  web:\n    build: ..\n',
      'deploy/compose.prod.yml': 'services:\n  web:\n    environment:\n      FORWARDED_ALLOW_IPS: 172.18.0.0/16\n',
    },
    want: [{ port: 8000, trusted: '127.0.0.1', service: 'stack/compose.yaml#web' }],
  },
];

for (const c of cases)
  test(c.name, async () => {
    const got = await servers(c.files);
    const byPort = (a: { port?: number }, b: { port?: number }) => (a.port ?? 0) - (b.port ?? 0);
    got.sort(byPort);
    assert.equal(got.length, c.want.length, JSON.stringify(got));
    c.want.forEach((w, i) => {
      for (const [k, v] of Object.entries(w))
        assert.equal(got[i]?.[k as keyof (typeof got)[number]], v, `${k}: ${JSON.stringify(got)}`);
    });
  });

test('mergeService: replaced, merged by key, appended once, each value citing the file that wrote it', () => {
  const base = parseCompose(
    'services:\n  web:\n    image: a\n    command: x\n    environment:\n      A: "1"\n      B: "2"\n    ports:\n      - "80:80"\n',
  ).services[0];
  const over = parseCompose(
    'services:\n  web:\n    command: y\n    environment:\n      - B=3\n      - C=4\n    ports:\n      - "80:80"\n      - "81:81"\n',
  ).services[0];
  assert.ok(base && over);
  const m = mergeService({ file: 'base.yml', raw: base }, [{ file: 'over.yml', raw: over }]);
  assert.equal(m.value.image, 'a');
  assert.equal(m.value.command, 'y');
  assert.equal(`${m.fileOf('command')}:${m.keyLine('command')}`, 'over.yml:3');
  assert.equal(`${m.fileOf('image')}:${m.keyLine('image')}`, 'base.yml:3');
  assert.deepEqual(m.value.environment, { A: '1', B: '3', C: '4' });
  assert.deepEqual(
    [0, 1, 2].map((i) => `${m.fileOf('environment', i)}:${m.itemLine('environment', i)}`),
    ['base.yml:6', 'over.yml:5', 'over.yml:6'],
  );
  assert.deepEqual(m.value.ports, ['80:80', '81:81']);
  assert.deepEqual(
    [0, 1].map((i) => `${m.fileOf('ports', i)}:${m.itemLine('ports', i)}`),
    ['base.yml:9', 'over.yml:9'],
  );
  assert.deepEqual(m.overlays, ['over.yml']);
  // No override: the base as it is.
  const alone = mergeService({ file: 'base.yml', raw: base }, []);
  assert.equal(alone.value, base.value);
  assert.equal(alone.fileOf('ports', 0), 'base.yml');
});
