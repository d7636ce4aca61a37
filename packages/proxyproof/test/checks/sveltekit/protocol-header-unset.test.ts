import assert from 'node:assert/strict';
import { sveltekitProtocolHeaderUnset } from '../../../src/checks/node/sveltekit-protocol-header-unset.js';
import { caseTable, nginxSameHost } from '../express/harness.js';

const CONFIG =
  "import adapter from '@sveltejs/adapter-node';\n\n/** @type {import('@sveltejs/kit').Config} */\nconst config = { kit: { adapter: adapter() } };\nexport default config;\n";
const pkg = (start: string) =>
  JSON.stringify(
    {
      name: 'site',
      scripts: { build: 'vite build', start },
      devDependencies: { '@sveltejs/adapter-node': '^5.2.0', '@sveltejs/kit': '^2.5.0' },
    },
    null,
    2,
  );

caseTable(sveltekitProtocolHeaderUnset, [
  {
    name: 'adapter-node started with plain `node build` behind nginx',
    files: { 'site/svelte.config.js': CONFIG, 'site/package.json': pkg('node build'), 'nginx/site.conf': nginxSameHost(3000) },
    expect: ['site/svelte.config.js@4'],
    check: ([f]) => {
      assert.match(f?.message ?? '', /neither ORIGIN nor PROTOCOL_HEADER/);
      assert.match(f?.fix?.lines?.[0] ?? '', /^ORIGIN=https:\/\//);
    },
  },
  {
    name: 'ORIGIN only in .env, which `node build` does not load',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('node build'),
      'site/.env': 'ORIGIN=https://app.example\n',
    },
    expect: ['site/svelte.config.js@4'],
    check: ([f]) => assert.match(f?.message ?? '', /does not load/),
  },
  {
    name: 'ORIGIN=http://... while nginx serves HTTPS',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('ORIGIN=http://app.example node build'),
      'nginx/site.conf': nginxSameHost(3000),
    },
    expect: ['site/svelte.config.js@4'],
  },
  {
    name: 'envPrefix: MY_ — a plain ORIGIN does not count',
    files: {
      'site/svelte.config.js':
        "import adapter from '@sveltejs/adapter-node';\nexport default { kit: { adapter: adapter({ envPrefix: 'MY_' }) } };\n",
      'site/package.json': pkg('ORIGIN=https://app.example node build'),
    },
    expect: ['site/svelte.config.js@2'],
  },
  // valid
  {
    name: 'ORIGIN in the start script',
    files: { 'site/svelte.config.js': CONFIG, 'site/package.json': pkg('ORIGIN=https://app.example node build') },
    expect: [],
  },
  {
    name: 'PROTOCOL_HEADER + HOST_HEADER in the start script',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('PROTOCOL_HEADER=x-forwarded-proto HOST_HEADER=x-forwarded-host node build'),
    },
    expect: [],
  },
  {
    name: '.env loaded with node -r dotenv/config',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('node -r dotenv/config build'),
      'site/.env': 'ORIGIN=https://app.example\n',
    },
    expect: [],
  },
  {
    name: 'ORIGIN in the compose service environment',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('node build'),
      'docker-compose.yml': 'services:\n  site:\n    build: ./site\n    environment:\n      ORIGIN: https://app.example\n',
    },
    expect: [],
  },
  {
    name: 'ORIGIN in a systemd unit running node build',
    files: {
      'site/svelte.config.js': CONFIG,
      'site/package.json': pkg('vite preview'),
      'deploy/site.service':
        '[Service]\nWorkingDirectory=/srv/site\nEnvironment=ORIGIN=https://app.example PORT=3000\nExecStart=/usr/bin/node build\n',
    },
    expect: [],
  },
  {
    name: 'adapter-static is not adapter-node',
    files: {
      'site/svelte.config.js':
        "import adapter from '@sveltejs/adapter-static';\nexport default { kit: { adapter: adapter() } };\n",
    },
    expect: [],
  },
]);
