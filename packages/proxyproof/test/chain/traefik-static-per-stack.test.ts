/**
 * A dev and a prod stack side by side, each with its own Traefik static configuration: a compose file's labelled
 * routers go to the static configuration its own Traefik service loads (a bind-mounted file or folder, or a file
 * the Dockerfile it builds from a traefik image copies), not to "several static configurations: a guess".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { lintFiles } from '../python/lint-files.js';

const web = (cmd: string, tls: boolean) => `  web:
    image: example/web
    command: ${cmd}
    expose: ["8000"]
    labels:
      - "traefik.enable=true"
      - "traefik.http.routers.web.rule=Host(\`app.example.org\`)"
${tls ? '      - "traefik.http.routers.web.tls=true"\n' : ''}`;

const DEV_TOML = '[entryPoints]\n  [entryPoints.web]\n    address = ":80"\n[providers.docker]\n  exposedByDefault = false\n';
const PROD_TOML =
  '[entryPoints]\n  [entryPoints.web]\n    address = ":80"\n  [entryPoints.web.http.redirections.entryPoint]\n    to = "websecure"\n    scheme = "https"\n' +
  '  [entryPoints.websecure]\n    address = ":443"\n[providers.docker]\n  exposedByDefault = false\n';

const devCompose = `services:\n${web('gunicorn app.wsgi --bind 0.0.0.0:8000', false)}  traefik:\n    image: traefik:v2.9\n    ports: ["8008:80"]\n    volumes:\n      - "$PWD/traefik.dev.toml:/etc/traefik/traefik.toml"\n`;

function routesTo(files: Record<string, string>): Promise<string[]> {
  return lintFiles(files, []).then(({ facts }) =>
    analyzeChain(facts)
      .verdict.routes.map((r) => `${r.url} ${r.trace.steps.find((s) => s.kind === 'proxy')?.label ?? ''}`)
      .sort(),
  );
}

test('a prod Traefik built from a Dockerfile that COPYs its static config: its stack routes through that config', async () => {
  const routes = await routesTo({
    'docker-compose.yml': devCompose,
    'traefik.dev.toml': DEV_TOML,
    'traefik.prod.toml': PROD_TOML,
    'Dockerfile.traefik': 'FROM traefik:v2.9.6\n\nCOPY ./traefik.prod.toml ./etc/traefik/traefik.toml\n',
    'docker-compose.prod.yml': `services:\n${web('gunicorn app.wsgi --bind 0.0.0.0:8000', true)}  traefik:\n    build:\n      context: .\n      dockerfile: Dockerfile.traefik\n    ports: ["80:80", "443:443"]\n`,
  });
  assert.ok(
    routes.some((r) => r.startsWith('https://app.example.org/') && r.includes('traefik.prod.toml')),
    routes.join('\n'),
  );
});

test('a prod Traefik that mounts a folder holding its static config', async () => {
  const routes = await routesTo({
    'docker-compose.yml': devCompose,
    'traefik.dev.toml': DEV_TOML,
    'prod/traefik/traefik.toml': PROD_TOML,
    'prod/docker-compose.yml': `services:\n${web('gunicorn app.wsgi --bind 0.0.0.0:8000', true)}  traefik:\n    image: traefik:v3.1\n    ports: ["443:443"]\n    volumes:\n      - ./traefik:/etc/traefik:ro\n`,
  });
  assert.ok(
    routes.some((r) => r.startsWith('https://app.example.org/') && r.includes('websecure :443 (traefik.toml:')),
    routes.join('\n'),
  );
});

test("trap: a Dockerfile that is not a traefik image copying the file does not make it the stack's config", async () => {
  const routes = await routesTo({
    'docker-compose.yml': devCompose,
    'traefik.dev.toml': DEV_TOML,
    'traefik.prod.toml': PROD_TOML,
    'Dockerfile.tools': 'FROM alpine:3.20\nCOPY ./traefik.prod.toml /srv/\n',
    'docker-compose.prod.yml': `services:\n${web('gunicorn app.wsgi --bind 0.0.0.0:8000', true)}  tools:\n    build:\n      context: .\n      dockerfile: Dockerfile.tools\n`,
  });
  assert.ok(!routes.some((r) => r.startsWith('https://')), routes.join('\n'));
});
