import assert from 'node:assert/strict';
import { sveltekitAdapterAutoNodeBuild } from '../../../src/checks/node/sveltekit-adapter-auto-node-build.js';
import { caseTable, nginxSameHost } from '../express/harness.js';

const AUTO =
  "import adapter from '@sveltejs/adapter-auto';\nimport { vitePreprocess } from '@sveltejs/vite-plugin-svelte';\n\nconst config = {\n  preprocess: vitePreprocess(),\n  kit: { adapter: adapter() }\n};\n\nexport default config;\n";
const NODE =
  "import adapter from '@sveltejs/adapter-node';\n\nconst config = { kit: { adapter: adapter() } };\nexport default config;\n";
const pkg = (scripts: Record<string, string>) =>
  JSON.stringify({ name: 'site', type: 'module', scripts, devDependencies: { '@sveltejs/adapter-auto': '^3.0.0' } }, null, 2);
const DOCKERFILE_PROD =
  'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nEXPOSE 3000\nCMD ["node", "./build"]\n';
const COMPOSE =
  'services:\n  app:\n    build:\n      context: ./\n      dockerfile: ./Dockerfile.prod\n  nginx:\n    image: nginx:1.25\n    ports:\n      - 443:443\n';
const NGINX_TO_APP =
  'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app:3000;\n  }\n}\n';

caseTable(sveltekitAdapterAutoNodeBuild, [
  {
    name: 'adapter-auto; the compose service is built from the project with a Dockerfile whose CMD is `node ./build`',
    files: {
      'svelte.config.js': AUTO,
      'package.json': pkg({ build: 'vite build', dev: 'vite dev' }),
      'Dockerfile.prod': DOCKERFILE_PROD,
      'docker-compose.yml': COMPOSE,
      'nginx/default.conf': NGINX_TO_APP,
    },
    expect: ['svelte.config.js@6'],
    check: ([f]) => {
      assert.ok(
        f?.evidence.some((e) => e.file.endsWith('Dockerfile.prod') && e.line === 6),
        JSON.stringify(f?.evidence),
      );
      assert.match(f?.message ?? '', /the compose service app, built from .*Dockerfile\.prod/);
      assert.match(f?.message ?? '', /HTTPS proxy in front has no app behind it/);
      assert.equal(f?.fix?.placement, 'replace');
      assert.equal(f?.fix?.line, 1);
      assert.deepEqual(f?.fix?.lines, ["import adapter from '@sveltejs/adapter-node';"]);
      // The combined fix: the dependency too (adapter-auto 3 is SvelteKit 2's: adapter-node 5).
      assert.deepEqual(f?.fix?.also, [
        { file: 'package.json', line: 9, placement: 'replace', lines: ['    "@sveltejs/adapter-node": "^5.2.0"'] },
      ]);
    },
  },
  {
    name: 'adapter-auto on SvelteKit 1: the dependency edit is adapter-node 1',
    files: {
      'site/svelte.config.js': AUTO,
      'site/package.json': JSON.stringify(
        {
          name: 'site',
          scripts: { start: 'node build' },
          devDependencies: { '@sveltejs/adapter-auto': '^2.0.0', '@sveltejs/kit': '^1.20.4' },
        },
        null,
        2,
      ),
    },
    expect: ['site/svelte.config.js@6'],
    check: ([f]) =>
      assert.deepEqual(f?.fix?.also, [
        {
          file: 'site/package.json',
          line: 7,
          placement: 'replace',
          lines: ['    "@sveltejs/adapter-auto": "^2.0.0",'.replace('adapter-auto": "^2.0.0"', 'adapter-node": "^1.3.1"')],
        },
      ]),
  },
  {
    name: 'trap: adapter-auto "latest" and no kit range: no version guessed, the dependency stays advice',
    files: {
      'site/svelte.config.js': AUTO,
      'site/package.json': JSON.stringify(
        { name: 'site', scripts: { start: 'node build' }, devDependencies: { '@sveltejs/adapter-auto': 'latest' } },
        null,
        2,
      ),
    },
    expect: ['site/svelte.config.js@6'],
    check: ([f]) => {
      assert.equal(f?.fix?.also, undefined);
      assert.match(f?.fix?.description ?? '', /npm i -D @sveltejs\/adapter-node/);
    },
  },
  {
    name: 'adapter-auto; `"start": "node build"` in package.json',
    files: { 'site/svelte.config.js': AUTO, 'site/package.json': pkg({ build: 'vite build', start: 'node build' }) },
    expect: ['site/svelte.config.js@6'],
    check: ([f]) => assert.match(f?.message ?? '', /the "start" script starts it/),
  },
  {
    name: 'adapter-auto; compose `command: node build`',
    files: {
      'web/svelte.config.js': AUTO,
      'web/package.json': pkg({ build: 'vite build' }),
      'docker-compose.yml': 'services:\n  web:\n    image: node:20\n    command: node build\n    working_dir: /app\n',
      'nginx/site.conf': nginxSameHost(3000),
    },
    expect: ['web/svelte.config.js@6'],
  },
  // valid
  {
    name: 'adapter-auto and nothing starts `node build` (a platform deploy, vite dev)',
    files: { 'svelte.config.js': AUTO, 'package.json': pkg({ build: 'vite build', dev: 'vite dev', preview: 'vite preview' }) },
    expect: [],
  },
  {
    name: 'adapter-node (sveltekit/origin-http and the chain judge it)',
    files: { 'svelte.config.js': NODE, 'package.json': pkg({ build: 'vite build', start: 'node build' }) },
    expect: [],
  },
  {
    name: 'trap: `node build.js` and `node server/build.mjs` are not SvelteKit build/',
    files: { 'svelte.config.js': AUTO, 'package.json': pkg({ build: 'node build.js', start: 'node server/build.mjs' }) },
    expect: [],
  },
  {
    name: 'trap: adapter-auto only in a comment, adapter-node configured',
    files: {
      'svelte.config.js': "// was: import adapter from '@sveltejs/adapter-auto';\n" + NODE,
      'package.json': pkg({ start: 'node build' }),
    },
    expect: [],
  },
]);
