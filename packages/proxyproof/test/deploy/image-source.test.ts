/**
 * An image-only compose service (`image: reg/app`, no `build:`) or a Kubernetes container without `command:` runs
 * the tree's Dockerfile that builds that image (collectors/deploy/image-source.ts): a compose service building it,
 * a CI/script/README build command tagging it, or the tree's only Dockerfile (an assumption, said as one).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCommandsIn, imageRepo, tagNames, wellKnownImage } from '../../src/collectors/deploy/image-source.js';
import { lintFiles } from '../python/lint-files.js';

test('imageRepo / wellKnownImage / tagNames', () => {
  assert.equal(imageRepo('reg.example.com:5000/team/app:1.2'), 'reg.example.com:5000/team/app');
  assert.equal(imageRepo('docker.io/library/postgres:16@sha256:abcd'), 'postgres');
  assert.equal(imageRepo('myorg/app'), 'myorg/app');
  assert.ok(wellKnownImage('postgres:16'));
  assert.ok(wellKnownImage('bitnami/redis:7'));
  assert.ok(!wellKnownImage('reg.example.com/surf/app:latest'));
  assert.ok(tagNames('*/app', 'reg.example.com/app:latest'));
  assert.ok(!tagNames('*/app', 'reg.example.com/other:latest'));
  assert.ok(!tagNames('*', 'anything'), 'a tag made only of unknown variables names nothing');
  assert.ok(!tagNames('*/*', 'reg/app'));
});

test('buildCommandsIn: tags, -f, context, variables of the file, continuations, Markdown', () => {
  const ci = [
    'variables:',
    '  IMAGE_NAME: shop',
    '  TEST_IMAGE: $REGISTRY/$IMAGE_NAME:$CI_COMMIT_SHA',
    'build:',
    '  script:',
    '    - docker build -f ./docker/Dockerfile --build-arg X=1 --pull -t $TEST_IMAGE .',
  ].join('\n');
  assert.deepEqual(buildCommandsIn(ci), [{ repos: ['*/shop'], dockerfile: './docker/Dockerfile', context: '.', line: 6 }]);
  const sh = 'docker buildx build \\\n  --tag=reg.example.com/api:latest \\\n  --push services/api && echo done\n';
  assert.deepEqual(buildCommandsIn(sh), [{ repos: ['reg.example.com/api'], context: 'services/api', line: 1 }]);
  const md = 'Build it:\n\n`docker build -t someone/myapp:latest .`\n';
  assert.deepEqual(buildCommandsIn(md), [{ repos: ['someone/myapp'], context: '.', line: 3 }]);
  assert.deepEqual(buildCommandsIn('docker run -t app\n'), []);
});

const DOCKERFILE =
  'FROM python:3.12\nENV FORWARDED_ALLOW_IPS=10.0.0.0/8\nCOPY . /app\nCMD ["gunicorn", "app.wsgi:application", "--bind", "0.0.0.0:8000"]\n';

/** The compose services' image ties and the gunicorn servers (port, service, launch, trust). */
async function ties(files: Record<string, string>) {
  const { facts } = await lintFiles({ 'app/wsgi.py': 'application = None\n', ...files });
  const services = (facts.compose?.files ?? []).flatMap((f) => f.services);
  return {
    built: Object.fromEntries(services.filter((s) => s.imageBuild).map((s) => [s.name, s.imageBuild])),
    servers: facts.appServers
      .filter((s) => s.kind === 'gunicorn')
      .map((s) => ({
        service: s.service,
        launch: `${s.launch.file}:${s.launch.line}`,
        trusted: s.trustedProxies.value.join(','),
        notes: (s.notes ?? []).join(' | '),
      })),
  };
}

test('a CI build command tags the image: the service runs docker/Dockerfile (its CMD and ENV)', async () => {
  const r = await ties({
    'docker/Dockerfile': DOCKERFILE,
    'docker/docker-compose.yml': 'services:\n  app:\n    image: reg.example.com/shop:latest\n',
    '.gitlab-ci.yml':
      'variables:\n  IMAGE_NAME: shop\nbuild:\n  script:\n    - docker build -f ./docker/Dockerfile -t $REGISTRY/$IMAGE_NAME:$CI_COMMIT_SHA .\n',
  });
  assert.equal(r.built.app?.dockerfile, 'docker/Dockerfile');
  assert.equal(
    `${r.built.app?.why} ${r.built.app?.ref.file}:${r.built.app?.ref.line}`,
    '.gitlab-ci.yml builds it .gitlab-ci.yml:5',
  );
  assert.deepEqual(
    r.servers.map((s) => [s.service, s.launch, s.trusted]),
    [['app', 'docker/Dockerfile:4', '10.0.0.0/8']],
  );
  assert.match(r.servers[0]?.notes ?? '', /image reg\.example\.com\/shop:latest is built from docker\/Dockerfile/);
});

test('a compose service builds the image: another service naming it runs the same Dockerfile (with its own command)', async () => {
  const r = await ties({
    Dockerfile: DOCKERFILE,
    'docker-compose.yml':
      'services:\n  web:\n    build: .\n    image: myorg/app:dev\n  api:\n    image: myorg/app:dev\n    command: gunicorn app.wsgi:application -b 0.0.0.0:9000\n',
  });
  assert.equal(r.built.api?.why, 'compose service web builds it');
  assert.deepEqual(r.servers.map((s) => [s.service, s.trusted]).sort(), [
    ['api', '10.0.0.0/8'],
    ['web', '10.0.0.0/8'],
  ]);
});

test("the tree's only Dockerfile, for the one own image of the files: tied, said as an assumption", async () => {
  const r = await ties({
    Dockerfile: DOCKERFILE,
    'docker-compose.yml': 'services:\n  app:\n    image: reg.example.com/team/app:latest\n  db:\n    image: postgres:16\n',
  });
  assert.match(r.built.app?.why ?? '', /^assumed: Dockerfile is the tree's only Dockerfile/);
  assert.equal(r.built.db, undefined);
  assert.deepEqual(
    r.servers.map((s) => s.service),
    ['app'],
  );
});

// Held-out trial: mikovp/laravel-nginx-ssl-docker@231223c (`app` builds the only Dockerfile as image `laravel`; the
// proxy service runs `staticfloat/nginx-certbot`) said the proxy's image was built from that Dockerfile.
test("trap: the only Dockerfile is another service's build: an image-only service is not assumed built from it", async () => {
  const r = await ties({
    Dockerfile: DOCKERFILE,
    'docker-compose.yml':
      'services:\n  app:\n    build:\n      context: ./\n      dockerfile: Dockerfile\n    image: laravel\n  proxy:\n    image: staticfloat/nginx-certbot\n    ports: ["443:443"]\n',
  });
  assert.equal(r.built.proxy, undefined, JSON.stringify(r.built));
  assert.deepEqual(
    r.servers.map((s) => s.service),
    ['app'],
  );
  // Without the building service, the same image-only service is still tied by the assumption, said as one.
  const alone = await ties({
    Dockerfile: DOCKERFILE,
    'docker-compose.yml': 'services:\n  proxy:\n    image: staticfloat/nginx-certbot\n',
  });
  assert.match(alone.built.proxy?.why ?? '', /^assumed: Dockerfile is the tree's only Dockerfile/);
});

const TRAPS: Array<{ name: string; files: Record<string, string> }> = [
  {
    name: 'two own images and one Dockerfile, no build evidence: neither is guessed',
    files: {
      Dockerfile: DOCKERFILE,
      'docker-compose.yml': 'services:\n  api:\n    image: myorg/api:1\n  worker:\n    image: myorg/worker:1\n',
    },
  },
  {
    name: "the image is the Dockerfile's own base: not what it builds",
    files: {
      Dockerfile: DOCKERFILE.replace('FROM python:3.12', 'FROM myorg/base:1'),
      'docker-compose.yml': 'services:\n  base:\n    image: myorg/base:1\n',
    },
  },
  {
    name: 'a build command tagging another image',
    files: {
      Dockerfile: DOCKERFILE,
      'other/Dockerfile': DOCKERFILE,
      'docker-compose.yml': 'services:\n  app:\n    image: myorg/app:1\n',
      Makefile: 'build:\n\tdocker build -t myorg/other:1 other\n',
    },
  },
];

for (const t of TRAPS)
  test(`trap: ${t.name}`, async () => {
    const r = await ties(t.files);
    assert.deepEqual(r.built, {});
    assert.ok(
      r.servers.every((s) => s.service === undefined),
      JSON.stringify(r.servers),
    );
  });

/**
 * A service of the same compose project builds the tree's only Dockerfile: the project's other, pulled images are
 * someone else's programs (an ACME companion, a mail catcher), not a second copy of the app.
 */
const BUILT_BESIDE: Array<{ name: string; files: Record<string, string>; tied: Record<string, string> }> = [
  {
    name: 'invalid: a pulled companion beside the service that builds the Dockerfile is not tied to it',
    files: {
      Dockerfile: DOCKERFILE,
      'docker-compose.yml':
        'services:\n  web:\n    build: .\n  acme:\n    image: nginxproxy/acme-companion\n  db:\n    image: postgres:16\n',
    },
    tied: {},
  },
  {
    name: 'invalid: the Dockerfile built by the base file, the pulled image in its override file (one project)',
    files: {
      'backend/Dockerfile': DOCKERFILE,
      'docker-compose.yml': 'services:\n  backend:\n    image: reg.example.com/app:latest\n    build: ./backend\n',
      'docker-compose.override.yml':
        'services:\n  backend:\n    ports:\n      - "8000:8000"\n  mailcatcher:\n    image: schickling/mailcatcher\n',
    },
    tied: {},
  },
  {
    name: 'valid: a pulled image in a project where no service builds the Dockerfile is still the assumed one',
    files: {
      Dockerfile: DOCKERFILE,
      'deploy/docker-compose.yml': 'services:\n  app:\n    image: reg.example.com/team/app:latest\n',
      'dev/docker-compose.yml': 'services:\n  app:\n    build: ..\n',
    },
    tied: { app: 'deploy/docker-compose.yml' },
  },
];

for (const t of BUILT_BESIDE)
  test(`built beside: ${t.name}`, async () => {
    const { facts } = await lintFiles({ 'app/wsgi.py': 'application = None\n', ...t.files });
    const tied = (facts.compose?.files ?? []).flatMap((f) =>
      f.services.filter((s) => s.imageBuild).map((s) => [s.name, f.file] as const),
    );
    assert.deepEqual(Object.fromEntries(tied), t.tied);
    // No gunicorn is placed in a container that runs someone else's image.
    const r = await ties(t.files);
    assert.ok(
      r.servers.every((s) => s.service === undefined || ['web', 'backend', 'app'].includes(s.service)),
      JSON.stringify(r.servers),
    );
  });

const DEPLOYMENT = (extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: example/web:1.2
${extra}          ports:
            - containerPort: 8000
`;

test('a Kubernetes container without command runs the image the tree builds (its CMD, its ENV)', async () => {
  const r = await ties({ Dockerfile: DOCKERFILE, 'k8s/deployment.yaml': DEPLOYMENT() });
  assert.deepEqual(
    r.servers.map((s) => [s.service, s.launch, s.trusted]),
    [['web', 'Dockerfile:4', '10.0.0.0/8']],
  );
  assert.match(r.servers[0]?.notes ?? '', /assumed: Dockerfile is the tree's only Dockerfile/);
});

test("trap: a Kubernetes container's own command wins over the image's CMD", async () => {
  const r = await ties({
    Dockerfile: DOCKERFILE,
    'k8s/deployment.yaml': DEPLOYMENT('          command: ["gunicorn", "app.wsgi:application", "-b", "0.0.0.0:9000"]\n'),
  });
  const k8s = r.servers.filter((s) => s.service === 'web');
  assert.deepEqual(
    k8s.map((s) => s.launch),
    ['k8s/deployment.yaml:17'],
  );
});

/** uWSGI servers of the tree's ini files: where each runs. */
async function uwsgiServers(files: Record<string, string>) {
  const { facts } = await lintFiles(files);
  return facts.appServers
    .filter((s) => s.name === 'uwsgi')
    .map((s) => ({ service: s.service, via: s.launch.via, container: s.binds.every((b) => b.container === true) }));
}

const UWSGI = {
  Dockerfile: 'FROM python:3.12\nCOPY . /app\nCMD ["uwsgi", "--ini", "uwsgi.ini"]\n',
  'uwsgi.ini': '[uwsgi]\nmodule = app.wsgi:application\nhttp-socket = :8000\n',
};

test("uWSGI's ini run by the CMD of the image a pod runs: the server is in that pod", async () => {
  assert.deepEqual(await uwsgiServers({ ...UWSGI, 'k8s/deployment.yaml': DEPLOYMENT() }), [
    { service: 'web', via: 'k8s', container: true },
  ]);
});

test("uWSGI's ini run by a compose service's image CMD (no command of its own): the server is in that service", async () => {
  assert.deepEqual(await uwsgiServers({ ...UWSGI, 'docker-compose.yml': 'services:\n  app:\n    build: .\n' }), [
    { service: 'app', via: 'config', container: true },
  ]);
});

test('trap: an ini no container runs stays where it is', async () => {
  assert.deepEqual(await uwsgiServers(UWSGI), [{ service: undefined, via: 'config', container: false }]);
});
