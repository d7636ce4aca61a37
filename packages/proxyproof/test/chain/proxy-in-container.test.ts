/**
 * Chains of proxies across the host and compose: a host nginx (TLS) proxies to 127.0.0.1:8008, which compose
 * publishes for a Caddy container (`{$VAR}` addresses filled from the service's environment); the chain links the
 * two and shows the inner Caddy replacing the X-Forwarded-Proto/-For the outer proxy sent (Caddy >= 2.5 without
 * trusted_proxies), or keeping them when it trusts the docker network.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { fillCaddyEnv, imageVersion } from '../../src/collectors/proxy/container.js';
import { lintFiles } from '../python/lint-files.js';

const HOST_NGINX =
  'server {\n  listen 443 ssl;\n  server_name example.org;\n  ssl_certificate /c.pem;\n  ssl_certificate_key /k.pem;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    proxy_pass http://127.0.0.1:8008;\n  }\n}\n';
const COMPOSE =
  'services:\n  www:\n    image: caddy:2-alpine\n    ports:\n      - 8008:80\n    environment:\n      - SERVER_NAME=:80\n  app:\n    image: node:20\n    expose:\n      - 3000\n';

async function chainOf(caddyfile: string) {
  const { facts } = await lintFiles({ 'nginx.conf': HOST_NGINX, 'docker-compose.yml': COMPOSE, Caddyfile: caddyfile }, []);
  return analyzeChain(facts);
}

test('host nginx -> a port compose publishes for a Caddy container: linked, and Caddy without trusted_proxies replaces the forwarded scheme and client', async () => {
  const a = await chainOf('{$SERVER_NAME} {\n\treverse_proxy app:3000\n}\n');
  const caddy = a.topology.proxies.find((p) => p.kind === 'caddy');
  assert.ok(caddy, 'the Caddy site is a hop');
  assert.deepEqual(caddy.placement.kind, 'container');
  assert.equal(caddy.listeners[0]?.port, 80, '{$SERVER_NAME} = :80 from the service environment');
  assert.equal(caddy.listeners[0]?.published?.hostPort, 8008);
  const link = a.topology.links.find((l) => l.target.kind === 'proxy');
  assert.ok(link && link.target.kind === 'proxy' && link.target.hopId === caddy.id, 'nginx links to the Caddy hop');
  assert.equal(link.peer.kind, 'remote');
  // The entry is the host nginx only (the Caddy is reached through it).
  assert.deepEqual(
    a.topology.entries.map((e) => e.hopId),
    a.topology.proxies.filter((p) => p.kind === 'nginx').map((p) => p.id),
  );
  const trace = a.verdict.routes[0]?.trace;
  const steps = trace?.steps ?? [];
  const outer = steps.find((s) => s.label.startsWith('nginx'));
  const inner = steps.find((s) => s.label.startsWith('caddy'));
  assert.equal(outer?.sent?.['x-forwarded-proto'], 'https');
  assert.equal(inner?.sent?.['x-forwarded-proto'], 'http', 'the untrusted peer’s https is replaced');
  assert.notEqual(inner?.sent?.['x-forwarded-for'], outer?.sent?.['x-forwarded-for']);
  assert.doesNotMatch(inner?.sent?.['x-forwarded-for'] ?? '', /203\.0\.113\.7/, 'the client address is replaced');
});

test('the same chain with trusted_proxies private_ranges on the directive: the scheme and the client survive', async () => {
  const a = await chainOf('{$SERVER_NAME} {\n\treverse_proxy app:3000 {\n\t\ttrusted_proxies private_ranges\n\t}\n}\n');
  const steps = a.verdict.routes[0]?.trace.steps ?? [];
  const inner = steps.find((s) => s.label.startsWith('caddy'));
  assert.equal(inner?.sent?.['x-forwarded-proto'], 'https');
  assert.match(inner?.sent?.['x-forwarded-for'] ?? '', /^203\.0\.113\.7/);
});

test('fillCaddyEnv: {$VAR} and {$VAR:default}, unknown names kept unless the whole environment is known, lines kept', () => {
  const src = '{$A} {\n\treverse_proxy {$B:app:3000}\n\t{$C}\n}\n';
  assert.deepEqual(fillCaddyEnv(src, { A: ':80' }).text, ':80 {\n\treverse_proxy app:3000\n\t{$C}\n}\n');
  assert.deepEqual(fillCaddyEnv(src, { A: ':80' }, true).text, ':80 {\n\treverse_proxy app:3000\n\t\n}\n');
  assert.equal(
    fillCaddyEnv(src, { A: 'x\ny' }).text.split('\n').length,
    src.split('\n').length,
    'a multi-line value is not filled',
  );
});

test('fillCaddyEnv: a name the deployment sets from a value the files do not hold is left as written, even with the whole environment known', () => {
  const src = '{$DOMAIN} {\n\treverse_proxy web:8000\n}\n';
  assert.equal(fillCaddyEnv(src, {}, true, ['DOMAIN']).text, src);
  assert.equal(fillCaddyEnv(src, {}, true).text, ' {\n\treverse_proxy web:8000\n}\n');
});

test('a compose Caddy whose site address comes from DOMAIN=${DOMAIN} (a variable the files do not set) still proxies to its app', async () => {
  const { facts } = await lintFiles(
    {
      'caddy/Caddyfile': '{$DOMAIN} {\n\thandle {\n\t\treverse_proxy web:8000\n\t}\n}\n',
      'docker-compose.yml':
        'services:\n  web:\n    image: example/web\n    command: gunicorn app.wsgi --bind 0.0.0.0:8000\n    expose: ["8000"]\n' +
        '  caddy:\n    image: caddy:2\n    ports: ["80:80", "443:443"]\n    volumes:\n      - ./caddy/Caddyfile:/etc/caddy/Caddyfile:ro\n' +
        '    environment:\n      - DOMAIN=${DOMAIN}\n',
    },
    [],
  );
  const routes = analyzeChain(facts).verdict.routes;
  assert.equal(routes.length, 1, JSON.stringify(routes.map((r) => r.url)));
  assert.ok(routes[0]?.trace.steps.some((s) => s.kind === 'app-server'));
});

test('imageVersion: tags of the proxy image, floating tags, other images', () => {
  assert.equal(imageVersion('caddy', 'caddy:2.8.4-builder-alpine'), '2.8.4');
  assert.equal(imageVersion('caddy', 'caddy:2-alpine'), '2');
  assert.equal(imageVersion('caddy', 'caddy'), 'latest');
  assert.equal(imageVersion('caddy', 'registry.example.com:5000/caddy:2.6.2'), '2.6.2');
  assert.equal(imageVersion('caddy', 'mbin'), undefined);
  assert.equal(imageVersion('caddy', 'nginx:1.25'), undefined);
});

test('a proxy on another host by its literal bind address is linked; a wildcard listener is not guessed', async () => {
  const nginx = HOST_NGINX.replace('http://127.0.0.1:8008', 'http://10.0.0.5:80');
  const bound = await lintFiles(
    { 'nginx.conf': nginx, Caddyfile: 'http://:80 {\n\tbind 10.0.0.5\n\treverse_proxy 127.0.0.1:8000\n}\n' },
    [],
  );
  const a = analyzeChain(bound.facts);
  const link = a.topology.links.find((l) => l.fromHop.startsWith('nginx'));
  assert.equal(link?.target.kind, 'proxy', 'nginx -> Caddy bound to 10.0.0.5');
  const wild = await lintFiles({ 'nginx.conf': nginx, Caddyfile: 'http://:80 {\n\treverse_proxy 127.0.0.1:8000\n}\n' }, []);
  const w = analyzeChain(wild.facts).topology.links.find((l) => l.fromHop.startsWith('nginx'));
  assert.equal(w?.target.kind, 'unresolved', 'a Caddy on every interface could be on any host');
});
