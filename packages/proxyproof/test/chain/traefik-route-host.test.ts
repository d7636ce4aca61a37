/**
 * A Traefik entrypoint serves every router's Host(): each route is visited at its own name, so the verdict's URL
 * and the Host the app receives are the router's, not the entrypoint's first name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { lintFiles } from '../python/lint-files.js';

const service = (name: string, port: number, rule: string) => `  ${name}:
    image: example/${name}
    command: gunicorn ${name}.wsgi --bind 0.0.0.0:${port}
    labels:
      - "traefik.enable=true"
      - "traefik.http.routers.${name}.rule=${rule}"
      - "traefik.http.routers.${name}.entrypoints=websecure"
      - "traefik.http.routers.${name}.tls=true"
`;

test('two routers on one entrypoint: each verdict is at its own Host()', async () => {
  const compose = `services:\n${service('web', 8000, 'Host(`a.example.org`)')}${service('api', 9000, 'Host(`b.example.org`) && PathPrefix(`/v1`)')}`;
  const { facts } = await lintFiles({ 'docker-compose.yml': compose }, []);
  const a = analyzeChain(facts);
  const urls = a.verdict.routes.map((r) => r.url).sort();
  assert.deepEqual(urls, ['https://a.example.org/', 'https://b.example.org/v1']);
  const api = a.verdict.routes.find((r) => r.url.startsWith('https://b.'));
  const app = api?.trace.steps.find((s) => s.kind === 'app-server');
  assert.equal(app?.host, 'b.example.org');
});

test('trap: a router whose Host() is a regexp or placeholder keeps the entrypoint name', async () => {
  const compose = `services:\n${service('web', 8000, 'Host(`a.example.org`)')}${service('api', 9000, 'HostRegexp(`{sub:[a-z]+}.example.org`)')}`;
  const { facts } = await lintFiles({ 'docker-compose.yml': compose }, []);
  const a = analyzeChain(facts);
  assert.deepEqual(a.verdict.routes.map((r) => new URL(r.url).hostname).sort(), ['a.example.org', 'a.example.org']);
});
