import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sveltekitOriginHttp } from '../../../src/checks/node/sveltekit-origin-http.js';
import { lintPaths } from '../../../src/engine/lint.js';
import type { Finding } from '../../../src/model/finding.js';
import { factsFromFiles } from '../../node-apps/harness.js';
import { withFiles } from '../../python/lint-files.js';
import { caseTable, nginxSameHost } from '../express/harness.js';
import { ADAPTER_NODE_CONFIG, adapterNodePackage } from './files.js';

async function lintFiles(files: Record<string, string>, opts: { behindTlsLb?: boolean } = {}): Promise<{ findings: Finding[] }> {
  return withFiles(files, async (dir) => ({ findings: (await lintPaths([dir], { cwd: dir, ...opts })).report.findings }));
}

const CONFIG = ADAPTER_NODE_CONFIG;
const pkg = adapterNodePackage;
/** nginx ending TLS that passes the public Host and no X-Forwarded-Proto (adapter-node needs none). */
const nginxHostOnly = (port: number) =>
  `server {\n    listen 443 ssl;\n    server_name app.example;\n    ssl_certificate /etc/ssl/app.pem;\n    ssl_certificate_key /etc/ssl/app.key;\n    location / {\n        proxy_set_header Host $host;\n        proxy_pass http://127.0.0.1:${port};\n    }\n}\n`;

caseTable(sveltekitOriginHttp, [
  {
    name: 'ORIGIN=http://... in the start script while nginx serves HTTPS',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('ORIGIN=http://app.example node build'),
      'nginx/site.conf': nginxSameHost(3000),
    },
    expect: ['site/package.json@5'],
    check: ([f]) => {
      assert.match(f?.message ?? '', /ORIGIN is http:\/\/app\.example but the site is served over HTTPS/);
      assert.equal(f?.fix?.placement, 'replace');
      // adapter-node's default HOST (0.0.0.0) with nginx on this host: the same edit binds it to 127.0.0.1
      // (deploy/backend-port-published writes this very line, so `fix` applies one edit).
      assert.match(f?.fix?.lines?.[0] ?? '', /ORIGIN=https:\/\/app\.example HOST=127\.0\.0\.1 node build/);
    },
  },
  {
    name: 'ORIGIN=http://... in the compose environment behind a TLS nginx',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('node build'),
      'docker-compose.yml': 'services:\n  site:\n    build: ./site\n    environment:\n      ORIGIN: http://app.example\n',
      'nginx/site.conf': nginxSameHost(3000),
    },
    expect: ['docker-compose.yml@5'],
  },
  {
    name: 'envPrefix: MY_ — MY_ORIGIN=http://... counts',
    files: {
      'site/svelte.config.js':
        "import adapter from '@sveltejs/adapter-node';\nexport default { kit: { adapter: adapter({ envPrefix: 'MY_' }) } };\n",
      'site/package.json': pkg('MY_ORIGIN=http://app.example node build'),
      'nginx/site.conf': nginxSameHost(3000),
    },
    expect: ['site/package.json@5'],
  },
  // valid
  {
    name: 'trap: plain `node build` behind a TLS nginx that passes Host: adapter-node takes https (get_origin)',
    files: { 'site/svelte.config.js': CONFIG, 'site/package.json': pkg('node build'), 'nginx/site.conf': nginxHostOnly(3000) },
    expect: [],
  },
  {
    name: 'trap: ORIGIN=http://... on a site nothing in the files serves over HTTPS',
    files: { 'site/svelte.config.js': CONFIG, 'site/package.json': pkg('ORIGIN=http://app.example node build') },
    expect: [],
  },
  {
    name: 'trap: envPrefix MY_ — a plain ORIGIN=http://... is not read by the app',
    files: {
      'site/svelte.config.js':
        "import adapter from '@sveltejs/adapter-node';\nexport default { kit: { adapter: adapter({ envPrefix: 'MY_' }) } };\n",
      'site/package.json': pkg('ORIGIN=http://app.example node build'),
      'nginx/site.conf': nginxSameHost(3000),
    },
    expect: [],
  },
  {
    name: 'trap: ORIGIN=http://... only in .env, which `node build` does not load',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('node build'),
      'site/.env': 'ORIGIN=http://app.example\n',
      'nginx/site.conf': nginxSameHost(3000),
    },
    expect: [],
  },
  {
    name: 'ORIGIN=https://... in the start script',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('ORIGIN=https://app.example node build'),
      'nginx/site.conf': nginxSameHost(3000),
    },
    expect: [],
  },
  {
    name: 'adapter-static is not adapter-node',
    files: {
      'site/svelte.config.js':
        "import adapter from '@sveltejs/adapter-static';\nexport default { kit: { adapter: adapter() } };\n",
      'nginx/site.conf': nginxSameHost(3000),
    },
    expect: [],
  },
]);

// The chain's SvelteKit app end (collectors/node svelteKitAppEnd), as adapter-node's handler.js decides.
test('sveltekit app end: without ORIGIN/PROTOCOL_HEADER every request is https, so a TLS nginx without X-Forwarded-Proto loses nothing', async () => {
  const { findings } = await lintFiles({
    'site/svelte.config.js': CONFIG,
    'site/package.json': pkg('HOST=127.0.0.1 node build'),
    'nginx/site.conf': nginxHostOnly(3000),
  });
  // The missing X-Forwarded-Proto is a fact of nginx, but this app does not need it: the chain rates it info.
  assert.equal(findings.find((f) => f.id === 'nginx/forwarded-proto-missing')?.severity, 'info');
  const ids = findings.map((f) => f.id);
  assert.ok(!ids.some((id) => id.startsWith('chain/')), ids.join(', '));
});

test('sveltekit app end: PROTOCOL_HEADER=x-forwarded-proto with nginx sending $scheme behind a TLS balancer is http (chain)', async () => {
  const { findings } = await lintFiles(
    {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('PROTOCOL_HEADER=x-forwarded-proto HOST=127.0.0.1 node build'),
      'nginx/site.conf':
        'server {\n    listen 80;\n    server_name app.example;\n    location / {\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_pass http://127.0.0.1:3000;\n    }\n}\n',
    },
    { behindTlsLb: true },
  );
  // --behind-tls-lb declares the balancer to the layer checks too: nginx/scheme-behind-tls-terminator names the `$scheme`
  // line, and the chain's loss at the same place is its explanation (one root cause: data.chainFinding).
  const lost = findings.find(
    (f) => f.id === 'chain/scheme-lost' || (f.data?.chainFinding as { id?: string } | undefined)?.id === 'chain/scheme-lost',
  );
  assert.equal(lost?.id, 'nginx/scheme-behind-tls-terminator');
  assert.match(
    lost?.message ?? '',
    /reaches SvelteKit \(adapter-node\) as http: lost at hop 2 \(nginx :80/,
    findings.map((f) => `${f.id}: ${f.message}`).join('\n'),
  );
});

test("sveltekit app end: without Host $host nginx sends $proxy_host and the origin SvelteKit computes is not the browser's (chain/host-lost)", async () => {
  const { findings } = await lintFiles({
    'site/svelte.config.js': CONFIG,
    'site/package.json': pkg('HOST=127.0.0.1 node build'),
    'nginx/site.conf':
      'server {\n    listen 443 ssl;\n    server_name app.example;\n    ssl_certificate /etc/ssl/app.pem;\n    ssl_certificate_key /etc/ssl/app.key;\n    location / {\n        proxy_pass http://127.0.0.1:3000;\n    }\n}\n',
  });
  assert.ok(
    findings.some((f) => f.id === 'chain/host-lost'),
    findings.map((f) => f.id).join(', '),
  );
});

test('sveltekit launches: a compose service built from the project to an nginx stage (`target:`) does not run adapter-node', async () => {
  const dockerfile =
    'FROM node:20-alpine AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n\nFROM build AS server\nENV PORT=80\nENTRYPOINT ["node", "build"]\n\nFROM nginx:stable-alpine AS proxy\nCOPY --from=build /app/build/client /srv/static\n';
  const compose =
    'services:\n  web:\n    build:\n      context: .\n      dockerfile: Dockerfile\n      target: server\n  rproxy:\n    build:\n      context: .\n      dockerfile: Dockerfile\n      target: proxy\n    environment:\n      ORIGIN: http://app.example\n    ports:\n      - "80:80"\n';
  const { facts } = await factsFromFiles({
    'svelte.config.js': CONFIG,
    'package.json': pkg('vite preview'),
    Dockerfile: dockerfile,
    'docker-compose.yml': compose,
  });
  const svelte = facts.appServers.filter((s) => s.appTarget?.startsWith('SvelteKit'));
  assert.deepEqual(
    svelte.map((s) => s.service),
    ['web'],
  );
  const fw = facts.frameworks.find((f) => f.kind === 'sveltekit');
  assert.equal(fw?.settings.ORIGIN, undefined, "the nginx service's ORIGIN is not the app's");
});
