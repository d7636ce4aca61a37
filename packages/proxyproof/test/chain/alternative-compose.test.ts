/**
 * Alternative compose files of one folder (docker-compose.yml, docker-compose.sandbox.yml, docker-compose.test.yml)
 * each define the same services and are run alone (`docker compose -f X up`): each is its own stack. A Traefik
 * router declared by the labels of one file routes to that file's container (its own label services, its own app
 * server), and one server launched by all of them (a shared Dockerfile CMD) that loses the scheme is one headline.
 * Overlays (`*.override.yml`, a file whose services cannot run alone) still join their base file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { composeProjects } from '../../src/facts/compose-network.js';
import type { ComposeFile } from '../../src/model/deploy.js';
import { lintFiles } from '../python/lint-files.js';

/**
 * The port the web container exposes: its bind (or the Dockerfile CMD's 8000). A python image without EXPOSE and no
 * `expose:` is refused by Traefik's docker provider ("port is missing": test/chain/traefik-exposed-port.test.ts).
 */
const exposed = (command: string) => /--bind 0\.0\.0\.0:(\d+)/.exec(command)?.[1] ?? '8000';
const STACK = (host: string, command: string, extraLabel = '') => `services:
  traefik:
    image: traefik:v2.10
    command:
      - --providers.docker=true
      - --entrypoints.websecure.address=:443
    ports:
      - "443:443"
  web:
    build: .
    expose:
      - "${exposed(command)}"
    ${command ? `command: ${command}` : ''}
    labels:
      - traefik.enable=true
      - traefik.http.routers.web.rule=Host(\`${host}\`)
      - traefik.http.routers.web.entrypoints=websecure
      - traefik.http.routers.web.tls=true
${extraLabel ? `      - ${extraLabel}\n` : ''}`;

const DOCKERFILE = 'FROM python:3.12\nCOPY . /app\nCMD ["gunicorn", "app.wsgi:application", "--bind", "0.0.0.0:8000"]\n';
const SETTINGS = 'SECURE_SSL_REDIRECT = True\nSESSION_COOKIE_SECURE = True\nCSRF_COOKIE_SECURE = True\n';
const APP = {
  Dockerfile: DOCKERFILE,
  'app/settings.py': SETTINGS,
  'app/wsgi.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")\n',
};

/** Each Traefik route of the tree: the compose file of its router, and the compose file of the app it reaches. */
async function routesOf(files: Record<string, string>) {
  const { facts, findings } = await lintFiles({ ...APP, ...files });
  const a = analyzeChain(facts);
  const out: Array<{ router: string; app?: string; port?: number; unresolved?: string }> = [];
  for (const hop of a.topology.proxies.filter((p) => p.kind === 'traefik'))
    for (const route of hop.routes) {
      const link = a.topology.links.find((l) => l.fromHop === hop.id && l.routeId === route.id);
      const router = route.ref.file;
      if (link?.target.kind === 'app') {
        const { appId, bind } = link.target;
        const app = a.topology.apps.find((x) => x.id === appId);
        const b = app?.binds[bind]?.address;
        out.push({
          router,
          app: app?.placement.kind === 'container' ? app.placement.composeFile : undefined,
          port: b?.kind === 'tcp' ? b.port : undefined,
        });
      } else out.push({ router, unresolved: link?.target.kind === 'unresolved' ? link.target.reason : 'no link' });
    }
  return { routes: out.sort((x, y) => x.router.localeCompare(y.router)), findings };
}

test('alternative compose files: each router links to the app of its own file', async () => {
  const { routes } = await routesOf({
    'docker-compose.yml': STACK('example.com', 'gunicorn app.wsgi:application --bind 0.0.0.0:8000'),
    'docker-compose.sandbox.yml': STACK('sandbox.example.com', 'gunicorn app.wsgi:application --bind 0.0.0.0:8001'),
    'docker-compose.test.yml': STACK('test.example.com', 'gunicorn app.wsgi:application --bind 0.0.0.0:8002'),
  });
  assert.deepEqual(routes, [
    { router: 'docker-compose.sandbox.yml', app: 'docker-compose.sandbox.yml', port: 8001 },
    { router: 'docker-compose.test.yml', app: 'docker-compose.test.yml', port: 8002 },
    { router: 'docker-compose.yml', app: 'docker-compose.yml', port: 8000 },
  ]);
});

test('alternative compose files: a label service of the same name is the one of the router’s own file', async () => {
  // Two ports in the container: only the file's own loadbalancer.server.port label says which one; a service
  // merged by name across the files would send both routers to the first file's port.
  const cmd = (p: number, q: number) => `gunicorn app.wsgi:application --bind 0.0.0.0:${p} --bind 0.0.0.0:${q}`;
  const { routes } = await routesOf({
    'docker-compose.yml': STACK('example.com', cmd(8000, 9000), 'traefik.http.services.web.loadbalancer.server.port=8000'),
    'docker-compose.sandbox.yml': STACK(
      'sandbox.example.com',
      cmd(8000, 9000),
      'traefik.http.services.web.loadbalancer.server.port=9000',
    ),
  });
  assert.deepEqual(routes, [
    { router: 'docker-compose.sandbox.yml', app: 'docker-compose.sandbox.yml', port: 9000 },
    { router: 'docker-compose.yml', app: 'docker-compose.yml', port: 8000 },
  ]);
});

test('an override file joins its base: the router of the base links to the command the override gives', async () => {
  const { routes } = await routesOf({
    // An image without a CMD in the tree: the override's command is the one server of the service.
    'docker-compose.yml': STACK('example.com', '').replace('build: .', 'image: example/app:1').replace('- "8000"', '- "8005"'),
    'docker-compose.override.yml': 'services:\n  web:\n    command: gunicorn app.wsgi:application --bind 0.0.0.0:8005\n',
  });
  assert.equal(routes.length, 1);
  assert.equal(routes[0]?.router, 'docker-compose.yml');
  assert.equal(routes[0]?.unresolved, undefined, JSON.stringify(routes));
});

test('one server launched by every alternative stack (a shared Dockerfile CMD): one headline, every route named', async () => {
  const { findings } = await routesOf({
    'docker-compose.yml': STACK('example.com', ''),
    'docker-compose.sandbox.yml': STACK('sandbox.example.com', ''),
    'docker-compose.test.yml': STACK('test.example.com', ''),
  });
  const scheme = findings.filter((f) => /scheme-lost|proxy-not-trusted|ssl-redirect/.test(f.id) && f.severity !== 'info');
  assert.equal(scheme.length, 1, scheme.map((f) => `${f.id} ${f.evidence[0]?.file}:${f.evidence[0]?.line}`).join('\n'));
  const head = scheme[0];
  assert.equal(head?.id, 'gunicorn/proxy-not-trusted');
  assert.equal(`${head?.evidence[0]?.file}:${head?.evidence[0]?.line}`, 'Dockerfile:3');
  for (const host of ['example.com', 'sandbox.example.com', 'test.example.com'])
    assert.match(head?.message ?? '', new RegExp(`https://${host.replace(/\./g, '\\.')}/`));
  // The headline is not listed again as its own "same cause".
  assert.doesNotMatch(head?.message ?? '', /same cause: gunicorn\/proxy-not-trusted/);
});

test('trap: one stack whose two host names reach one gunicorn keeps a finding per route', async () => {
  const labels = STACK('example.com', '').replace(
    '      - traefik.http.routers.web.tls=true\n',
    '      - traefik.http.routers.web.tls=true\n      - traefik.http.routers.www.rule=Host(`www.example.com`)\n      - traefik.http.routers.www.entrypoints=websecure\n      - traefik.http.routers.www.tls=true\n',
  );
  const { findings } = await routesOf({ 'docker-compose.yml': labels });
  const chain = findings.filter((f) => f.id === 'chain/scheme-lost' || f.data?.chainFinding !== undefined);
  assert.equal(chain.length, 2, findings.map((f) => `${f.id} ${f.message.split('\n')[0]}`).join('\n'));
});

const file = (name: string, services: Array<{ image?: string; build?: boolean }>): ComposeFile => ({
  file: name,
  services: services.map((s, i) => ({
    name: `s${i}`,
    file: name,
    ref: { file: name, line: 1 },
    image: s.image,
    ...(s.build ? { build: { context: '.' } } : {}),
    environment: {},
    envFiles: [],
    ports: [],
    expose: [],
    networks: [],
    role: 'other',
    appServers: [],
  })),
});

test('composeProjects: alternatives are their own project, overlays join the base file', () => {
  const full = [{ image: 'nginx' }, { build: true }];
  const projects = composeProjects([
    file('docker-compose.yml', full),
    file('docker-compose.sandbox.yml', full),
    file('docker-compose.override.yml', [{ image: 'nginx' }]),
    file('docker-compose.prod.yml', [{}]),
    file('other/compose.yaml', full),
    file('other/compose.dev.yaml', full),
    file('lone/docker-compose.ci.yml', full),
    file('lone/docker-compose.extra.yml', [{}]),
  ]);
  assert.deepEqual(Object.fromEntries(projects), {
    'docker-compose.yml': 'docker-compose.yml',
    'docker-compose.sandbox.yml': 'docker-compose.sandbox.yml',
    'docker-compose.override.yml': 'docker-compose.yml',
    'docker-compose.prod.yml': 'docker-compose.yml',
    'other/compose.yaml': 'other/compose.yaml',
    'other/compose.dev.yaml': 'other/compose.dev.yaml',
    'lone/docker-compose.ci.yml': 'lone/docker-compose.ci.yml',
    'lone/docker-compose.extra.yml': 'lone/docker-compose.ci.yml',
  });
});

test('a stack whose own service starts nothing the files show is not linked to another stack’s server', async () => {
  // The production file runs a registry image (its command is not in the tree: two Dockerfiles, nothing says which
  // builds it); a development file of the same folder (an underscore name, read as compose too) runs the server
  // under the same service name.
  const { routes } = await routesOf({
    'docker-compose.yml': STACK('example.com', '').replace('build: .', 'image: registry.example/app:1'),
    'docker-compose_dev.yml': 'services:\n  web:\n    build: .\n    command: uvicorn app.main:app --host 0.0.0.0 --port 8000\n',
    'worker/Dockerfile': 'FROM python:3.12\nCMD ["celery", "-A", "app", "worker"]\n',
  });
  assert.equal(routes.length, 1);
  assert.match(routes[0]?.unresolved ?? '', /compose service web of docker-compose\.yml starts no app server.*another stack/);
});

test("a stack's registry image that the tree's only Dockerfile builds (assumed) runs its CMD in that stack", async () => {
  const { routes } = await routesOf({
    'docker-compose.yml': STACK('example.com', '').replace('build: .', 'image: registry.example/app:1'),
    'docker-compose_dev.yml': 'services:\n  web:\n    build: .\n    command: uvicorn app.main:app --host 0.0.0.0 --port 8001\n',
  });
  assert.deepEqual(routes, [{ router: 'docker-compose.yml', app: 'docker-compose.yml', port: 8000 }]);
});
