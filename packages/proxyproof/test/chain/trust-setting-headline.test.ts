// One cause, one headline, for Caddy and Traefik behind another proxy: the chain loses the scheme at the hop that does
// not trust the proxy in front, and caddy/trusted-proxies-missing or traefik/entrypoint-untrusted-behind-proxy says
// so at the place the missing setting goes. The chain records that place (PeerTrust.missingAt -> LostAt.trustRef),
// so the layer finding, with its edit, is the one headline and the chain its explanation (chain/refine.ts). A second
// cause at a later hop (gunicorn that trusts no proxy) keeps its own finding and fix. Traps: the trust written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintFiles } from '../python/lint-files.js';

// A host nginx ends TLS and proxies to 127.0.0.1:8008, which the proxy's compose service publishes.
const HOST_NGINX =
  'server {\n  listen 443 ssl;\n  server_name example.org;\n  ssl_certificate /c.pem;\n  ssl_certificate_key /k.pem;\n  location / {\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    proxy_pass http://127.0.0.1:8008;\n  }\n}\n';
const DJANGO = "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\nALLOWED_HOSTS = ['example.org']\n";
const app = (trustAll: boolean, labels = '') =>
  `  app:\n    build: .\n    command: gunicorn --bind 0.0.0.0:8000${trustAll ? ' --forwarded-allow-ips=*' : ''} mysite.wsgi\n${labels}`;
const caddyStack = (caddyfile: string, trustAll = true, settings = DJANGO) => ({
  'nginx.conf': HOST_NGINX,
  'docker-compose.yml': `services:\n  caddy:\n    image: caddy:2.7\n    ports:\n      - 127.0.0.1:8008:80\n${app(trustAll)}`,
  Caddyfile: caddyfile,
  Dockerfile: 'FROM python:3.12\nRUN pip install django gunicorn\n',
  'mysite/settings.py': settings,
});
const LABELS =
  '    labels:\n      - traefik.http.routers.app.rule=Host(`example.org`)\n      - traefik.http.routers.app.entrypoints=web\n      - traefik.http.services.app.loadbalancer.server.port=8000\n';
const traefikStack = (entrypoint: string) => ({
  'nginx.conf': HOST_NGINX,
  'docker-compose.yml': `services:\n  traefik:\n    image: traefik:v2.11\n    ports:\n      - 127.0.0.1:8008:80\n${app(true, LABELS)}`,
  'traefik.yml': `entryPoints:\n  web:\n    address: ":80"\n${entrypoint}providers:\n  docker:\n    exposedByDefault: true\n`,
  Dockerfile: 'FROM python:3.12\nRUN pip install django gunicorn\n',
  'mysite/settings.py': DJANGO,
});

async function lintOf(files: Record<string, string>) {
  const { analysis, findings } = await lintFiles(files);
  return { routes: analysis.chain.verdict.routes, findings };
}

function oneHeadline(r: Awaited<ReturnType<typeof lintOf>>, id: string, file: string, line: number) {
  const ids = r.findings.map((f) => `${f.id}@${f.evidence[0]?.file}:${f.evidence[0]?.line}`).join(', ');
  const lost = r.routes[0]?.scheme;
  assert.equal(lost?.status, 'lost', ids);
  assert.equal(lost?.lostAt?.trustRef?.file, file);
  assert.equal(lost?.lostAt?.trustRef?.line, line);
  assert.ok(!r.findings.some((f) => f.id === 'chain/scheme-lost'), ids);
  const head = r.findings.filter((f) => f.id === id);
  assert.equal(head.length, 1, ids);
  assert.equal((head[0]?.data?.chainFinding as { id?: string } | undefined)?.id, 'chain/scheme-lost');
  assert.match(head[0]?.message ?? '', /\nchain: .*lost at hop 2/);
  assert.equal(head[0]?.fix?.file, file);
  return head[0];
}

test('invalid: compose Caddy without trusted_proxies behind a host nginx: caddy/trusted-proxies-missing is the one headline', async () => {
  const r = await lintOf(caddyStack(':80 {\n\treverse_proxy app:8000\n}\n'));
  const head = oneHeadline(r, 'caddy/trusted-proxies-missing', 'Caddyfile', 1);
  assert.equal(head?.severity, 'high');
  assert.ok(head?.fix?.lines?.includes('\t\ttrusted_proxies static private_ranges'));
});

test('invalid: an existing global options block is the place (its line, not the site line)', async () => {
  const r = await lintOf(caddyStack('# edge of the stack\n{\n\tadmin off\n}\n\n:80 {\n\treverse_proxy app:8000\n}\n'));
  oneHeadline(r, 'caddy/trusted-proxies-missing', 'Caddyfile', 2);
});

// Django without SECURE_PROXY_SSL_HEADER takes the scheme from gunicorn, which trusts no peer in a container.
test('invalid: a second cause at a later hop (gunicorn trusts no proxy) keeps its own finding and fix', async () => {
  const settings = "SECURE_SSL_REDIRECT = True\nALLOWED_HOSTS = ['example.org']\n";
  const r = await lintOf(caddyStack(':80 {\n\treverse_proxy app:8000\n}\n', false, settings));
  oneHeadline(r, 'caddy/trusted-proxies-missing', 'Caddyfile', 1);
  const gunicorn = r.findings.find((f) => f.id === 'gunicorn/proxy-not-trusted');
  assert.ok(gunicorn, r.findings.map((f) => f.id).join(', '));
  assert.equal(gunicorn.fix?.file, 'docker-compose.yml');
});

test('valid (trap): Caddy with trusted_proxies private_ranges: https survives, no headline', async () => {
  const r = await lintOf(
    caddyStack('{\n\tservers {\n\t\ttrusted_proxies static private_ranges\n\t}\n}\n\n:80 {\n\treverse_proxy app:8000\n}\n'),
  );
  assert.equal(r.routes[0]?.scheme.status, 'correct');
  const ids = r.findings.map((f) => f.id);
  assert.ok(!ids.includes('caddy/trusted-proxies-missing') && !ids.includes('chain/scheme-lost'), ids.join(', '));
});

test('invalid: compose Traefik entrypoint without forwardedHeaders behind a host nginx: the entrypoint check heads', async () => {
  const r = await lintOf(traefikStack(''));
  const head = oneHeadline(r, 'traefik/entrypoint-untrusted-behind-proxy', 'traefik.yml', 3);
  assert.ok(head?.evidence.some((e) => e.file === 'nginx.conf' && e.line === 10));
  assert.equal(head?.fix?.line, 3);
});

test('valid (trap): the entrypoint trusts the docker networks: https survives, no headline', async () => {
  const r = await lintOf(traefikStack('    forwardedHeaders:\n      trustedIPs: ["172.16.0.0/12", "127.0.0.1/32"]\n'));
  assert.equal(r.routes[0]?.scheme.status, 'correct');
  const ids = r.findings.map((f) => f.id);
  assert.ok(!ids.includes('traefik/entrypoint-untrusted-behind-proxy') && !ids.includes('chain/scheme-lost'), ids.join(', '));
});
