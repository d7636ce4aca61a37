/**
 * Compose interpolation where the proxy reads it: compose substitutes `${VAR}` in a service's labels (keys and
 * values) from the project's `.env` before Traefik's docker provider sees them, and a Caddy container's `{$VAR}`
 * comes from its whole environment, env_file included. A variable nothing in the tree sets stays unknown (said).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { interpolate, parseDockerfile } from '../../src/collectors/deploy/formats.js';
import { lintFiles } from '../python/lint-files.js';

const LABELLED = `services:
  traefik:
    image: traefik:3.0
    ports: ["80:80", "443:443"]
    command:
      - --providers.docker
      - --providers.docker.exposedbydefault=false
      - --entrypoints.http.address=:80
      - --entrypoints.https.address=:443
  backend:
    image: example/backend
    command: uvicorn app.main:app --host 0.0.0.0 --port 80 --proxy-headers
    labels:
      - traefik.enable=true
      - traefik.http.services.\${STACK_NAME?Variable not set}-backend.loadbalancer.server.port=80
      - traefik.http.routers.\${STACK_NAME?Variable not set}-backend-https.rule=Host(\`\${DOMAIN?Variable not set}\`)
      - traefik.http.routers.\${STACK_NAME?Variable not set}-backend-https.entrypoints=https
      - traefik.http.routers.\${STACK_NAME?Variable not set}-backend-https.tls=true
      - traefik.http.routers.\${STACK_NAME?Variable not set}-backend-https.service=\${STACK_NAME?Variable not set}-backend
`;

async function chain(files: Record<string, string>) {
  const { facts } = await lintFiles(files, []);
  return { facts, a: analyzeChain(facts) };
}

test('interpolate: set, defaulted, unset (empty, or kept as ${VAR} when asked), $$', () => {
  const env: Record<string, string> = { A: 'x', E: '' };
  const look = (n: string) => env[n];
  const rows: Array<[string, boolean, string, string[]]> = [
    ['r.${A?unset}-web', false, 'r.x-web', []],
    ['r.${B?Variable not set}-web', false, 'r.-web', ['B']],
    ['r.${B?Variable not set}-web', true, 'r.${B}-web', ['B']],
    ['${B:-def} ${E:-def} ${E-def}', true, 'def def ', []],
    ['http$${1}://${A}', true, 'http${1}://x', []],
    ['$B/$A', true, '${B}/x', ['B']],
  ];
  for (const [s, keep, value, unresolved] of rows) {
    const r = interpolate(s, look, keep);
    assert.equal(r.value, value, s);
    assert.deepEqual(r.unresolved, unresolved, s);
  }
});

test('Traefik labels whose router names and Host come from ${VAR?err} in the project .env: routed, to the app', async () => {
  const { a } = await chain({
    'docker-compose.yml': LABELLED,
    '.env': 'DOMAIN=app.example.org\nSTACK_NAME=full-stack\n',
  });
  const urls = a.verdict.routes.map((r) => r.url);
  assert.ok(urls.includes('https://app.example.org/'), urls.join(', '));
  const route = a.verdict.routes.find((r) => r.url === 'https://app.example.org/');
  assert.ok(
    route?.trace.steps.some((s) => s.kind === 'app-server'),
    'the router reaches uvicorn',
  );
});

test('the same labels with no .env: still read (names kept as ${STACK_NAME}), the unknown variables said, no host invented', async () => {
  const { facts, a } = await chain({ 'docker-compose.yml': LABELLED });
  const note = facts.diagnostics.find((d) => /Traefik labels use/.test(d.message));
  assert.ok(note, JSON.stringify(facts.diagnostics));
  assert.match(note.message, /\$\{STACK_NAME\}, \$\{DOMAIN\}/);
  const urls = a.verdict.routes.map((r) => r.url);
  assert.ok(urls.length > 0, 'the router is not dropped');
  assert.ok(
    urls.every((u) => !/Variable|not%20set/.test(u)),
    `no host made of the error text: ${urls.join(', ')}`,
  );
});

test('trap: ${VAR:-default} with the variable in no .env is the default, not unknown (nothing to say)', async () => {
  const { facts, a } = await chain({
    'docker-compose.yml': LABELLED.replaceAll('${STACK_NAME?Variable not set}', '${STACK_NAME:-app}').replaceAll(
      '${DOMAIN?Variable not set}',
      '${DOMAIN:-app.example.org}',
    ),
  });
  assert.equal(
    facts.diagnostics.find((d) => /Traefik labels use/.test(d.message)),
    undefined,
  );
  assert.ok(a.verdict.routes.some((r) => r.url === 'https://app.example.org/'));
});

const CADDY_COMPOSE = (environment: string) => `services:
  django:
    image: example/django
    command: gunicorn website.wsgi:application --bind 0.0.0.0:8000
    env_file: .env
  caddy:
    image: caddy:2.7-alpine
    env_file: .env
${environment}    ports:
      - "80:80"
      - "443:443"
    volumes:
      - "./Caddyfile:/etc/caddy/Caddyfile:ro"
`;
const CADDYFILE = 'app.example.org {\n\treverse_proxy django:{$GUNICORN_PORT}\n}\n';

test("Caddy's {$VAR} from the caddy service's env_file: the upstream port is filled and linked", async () => {
  const { a } = await chain({
    'docker-compose.yml': CADDY_COMPOSE(''),
    '.env': 'GUNICORN_PORT=8000\n',
    Caddyfile: CADDYFILE,
  });
  const caddy = a.topology.proxies.find((p) => p.kind === 'caddy');
  assert.ok(caddy);
  const link = a.topology.links.find((l) => l.fromHop === caddy.id);
  assert.equal(link?.target.kind, 'app', JSON.stringify(link?.target));
});

test('trap: environment: GUNICORN_PORT=${GUNICORN_PORT} (a shell variable) wins over the env_file: left unknown', async () => {
  // The env_file is not the project .env, so compose takes ${GUNICORN_PORT} from the shell, which the tree does not show.
  const { a } = await chain({
    'docker-compose.yml': CADDY_COMPOSE('    environment:\n      - GUNICORN_PORT=${GUNICORN_PORT}\n').replaceAll(
      'env_file: .env',
      'env_file: caddy.env',
    ),
    'caddy.env': 'GUNICORN_PORT=8000\n',
    Caddyfile: CADDYFILE,
  });
  const caddy = a.topology.proxies.find((p) => p.kind === 'caddy');
  const link = a.topology.links.find((l) => l.fromHop === caddy?.id);
  assert.notEqual(link?.target.kind, 'app', JSON.stringify(link?.target));
});

test('Dockerfile ARG defaults in ENV and EXPOSE (ENV wins, scope per stage, build args win, unknown stays out)', () => {
  const ports = (text: string, buildArgs?: Record<string, string | undefined>) =>
    parseDockerfile(text, buildArgs ? { buildArgs } : {}).expose.map((e) => e.port);
  const rows: Array<[string, string, Record<string, string | undefined> | undefined, number[]]> = [
    ['ARG default', 'FROM python:3.11\nARG PORT=8000\nEXPOSE $PORT\n', undefined, [8000]],
    ['ARG through ENV', 'FROM python:3.11\nARG PORT=8000\nENV PORT=$PORT\nEXPOSE ${PORT}\n', undefined, [8000]],
    ['trap: ENV of the same name wins', 'FROM python:3.11\nARG PORT=8000\nENV PORT=9000\nEXPOSE $PORT\n', undefined, [9000]],
    ['ARG without a default: unknown', 'FROM python:3.11\nARG PORT\nEXPOSE $PORT\n', undefined, []],
    ['global ARG redeclared in the stage', 'ARG PORT=7000\nFROM python:3.11\nARG PORT\nEXPOSE $PORT\n', undefined, [7000]],
    ['global ARG not redeclared: out of scope', 'ARG PORT=7000\nFROM python:3.11\nEXPOSE $PORT\n', undefined, []],
    ['an earlier stage’s ARG ends with it', 'FROM python:3.11 AS base\nARG PORT=8000\nFROM base\nEXPOSE $PORT\n', undefined, []],
    ['a build arg wins over the default', 'FROM python:3.11\nARG PORT=8000\nEXPOSE $PORT\n', { PORT: '9100' }, [9100]],
    ['a build arg of unknown value', 'FROM python:3.11\nARG PORT=8000\nEXPOSE $PORT\n', { PORT: undefined }, []],
  ];
  for (const [what, text, args, want] of rows) assert.deepEqual(ports(text, args), want, what);
  const df = parseDockerfile('FROM python:3.11\nARG PORT=8000\nEXPOSE $PORT\n');
  assert.equal(df.env.PORT, undefined, 'an ARG is not in the container environment');
});

test('Traefik routes to a built image whose EXPOSE port is an ARG default; build.args override it', async () => {
  const compose = (args: string) => `services:
  traefik:
    image: traefik:v2.9
    ports: ["443:443"]
    command: ["--providers.docker=true", "--entrypoints.websecure.address=:443"]
  django:
    build:
      context: .
${args}    command: gunicorn app.wsgi --bind 0.0.0.0:8000
    labels:
      - traefik.http.routers.app.rule=Host(\`app.example.org\`)
      - traefik.http.routers.app.entrypoints=websecure
      - traefik.http.routers.app.tls=true
`;
  const dockerfile = 'FROM python:3.11-alpine\nARG GUNICORN_PORT=8000\nENV GUNICORN_PORT=$GUNICORN_PORT\nEXPOSE $GUNICORN_PORT\n';
  const { a } = await chain({ 'docker-compose.yml': compose(''), Dockerfile: dockerfile });
  const route = a.verdict.routes.find((r) => r.url === 'https://app.example.org/');
  assert.ok(
    route?.trace.steps.some((s) => s.kind === 'app-server'),
    JSON.stringify(a.verdict.routes.map((r) => r.url)),
  );
  const other = await chain({
    'docker-compose.yml': compose('      args:\n        - GUNICORN_PORT=${PORT}\n'),
    Dockerfile: dockerfile,
  });
  assert.ok(
    !other.a.verdict.routes.some((r) => r.trace.steps.some((s) => s.kind === 'app-server')),
    'an unknown build arg: the exposed port is not known, so no link is invented',
  );
});
